// Package admin is the administrators' pages: roles and the audit log.
package admin

import (
	"embed"
	"io/fs"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

//go:embed *.yaml
var messages embed.FS

// Deps are the services of the administration pages.
type Deps struct {
	Users maillage.UserService
}

// Capability serves the administration pages.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (a *Capability) Name() string { return "admin" }

// Messages implements kit.Capability.
func (a *Capability) Messages() fs.FS { return messages }

// Mount implements kit.Capability.
func (a *Capability) Mount(r *kit.Router) {
	a.Kit = r.Kit()
	r.Get("/admin/roles", auth.PermAdmin, a.roles)
	r.Post("/admin/roles", auth.PermAdmin, a.grantRole)
	r.Post("/admin/roles/:id/revoquer", auth.PermAdmin, a.revokeRole)
	r.Get("/admin/journal", auth.PermAdmin, a.audit)
	r.Menu(kit.MenuItem{Key: "admin", Label: "admin.nav", Href: "/admin/roles", Perm: auth.PermAdmin, Order: 90})
	r.Steps(func(c *fiber.Ctx, u *maillage.User) ([]kit.Step, error) {
		if !u.Has(maillage.RoleAdministrateur) {
			return nil, nil
		}
		return []kit.Step{{Key: "admin.roles.title", Href: "/admin/roles", Order: 70}, {Key: "admin.audit.title", Href: "/admin/journal", Order: 71}}, nil
	})
}

type rolesData struct {
	Users      []*maillage.User
	Total      int
	Query      string
	Roles      []maillage.Role
	ScopeKinds []string
}

func (a *Capability) rolesPage(c *fiber.Ctx, status int, f *kit.Form) error {
	q := kit.NewQuery(c)
	text := q.Text("q", 200)
	if err := q.Err(); err != nil {
		return err
	}
	users, n, err := a.d.Users.FindUsers(c.UserContext(), maillage.UserFilter{Query: text, Limit: 100})
	if err != nil {
		return err
	}
	p := a.Page(c, "admin.roles.title", "admin", rolesData{Users: users, Total: n, Query: text, Roles: maillage.Roles,
		ScopeKinds: []string{maillage.ScopeDepartement, maillage.ScopeRegion, maillage.ScopeProgramme, maillage.ScopeStructure}})
	if f == nil {
		f = a.NewForm(c)
	}
	p.Form = f
	return a.Render(c, status, "admin/roles", p)
}

// roles lists accounts and their roles.
func (a *Capability) roles(c *fiber.Ctx) error { return a.rolesPage(c, fiber.StatusOK, nil) }

// grantRole gives a role to the account with the typed e-mail.
func (a *Capability) grantRole(c *fiber.Ctx) error {
	f := a.PostedForm(c)
	fail := func() error { return a.rolesPage(c, fiber.StatusUnprocessableEntity, f) }
	if f.HasErrors() {
		return fail()
	}
	target, err := a.d.Users.FindUserByEmail(c.UserContext(), f.Value("email"))
	if err != nil {
		if maillage.ErrorCode(err) == maillage.ENOTFOUND {
			f.Add("email", "admin.grant.no_account")
			return fail()
		}
		return err
	}
	g := maillage.RoleGrant{UserID: target.ID, Role: maillage.Role(f.Value("role")), ScopeKind: f.Value("scope_kind"), ScopeValue: f.Value("scope_value")}
	if _, err := a.d.Users.GrantRole(c.UserContext(), kit.User(c).ID, g, c.IP()); err != nil {
		if f.Fail(err) {
			return fail()
		}
		if maillage.ErrorCode(err) == maillage.ECONFLICT {
			f.Add("role", "admin.grant.duplicate")
			return fail()
		}
		return err
	}
	return a.RedirectFlash(c, "/admin/roles", "admin.flash.role_granted")
}

// revokeRole ends a role grant.
func (a *Capability) revokeRole(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := a.d.Users.RevokeRole(c.UserContext(), kit.User(c).ID, id, c.IP()); err != nil {
		return err
	}
	return a.RedirectFlash(c, "/admin/roles", "admin.flash.role_revoked")
}

// audit shows the audit log (read only: there is no way to edit it).
func (a *Capability) audit(c *fiber.Ctx) error {
	entries, err := a.d.Users.FindAudit(c.UserContext(), 200)
	if err != nil {
		return err
	}
	return a.Render(c, fiber.StatusOK, "admin/audit", a.Page(c, "admin.audit.title", "admin", entries))
}
