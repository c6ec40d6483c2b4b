package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

type adminRolesData struct {
	Users      []*maillage.User
	Total      int
	Query      string
	Roles      []maillage.Role
	RoleLabels map[maillage.Role]string
}

func (s *Server) adminRolesPage(c *fiber.Ctx, status int, form *Form) error {
	q := c.Query("q")
	users, n, err := s.Users.FindUsers(c.UserContext(), maillage.UserFilter{Query: q, Limit: 100})
	if err != nil {
		return err
	}
	p := s.page(c, "admin.roles.title", "admin", adminRolesData{Users: users, Total: n, Query: q, Roles: maillage.Roles, RoleLabels: roleLabels})
	if form == nil {
		form = &Form{Values: map[string]string{}}
	}
	p.Form = form
	return s.render(c, status, "admin_roles", p)
}

// adminRoles lists accounts and their roles.
func (s *Server) adminRoles(c *fiber.Ctx) error { return s.adminRolesPage(c, fiber.StatusOK, nil) }

// adminGrantRole gives a role to the account with the typed e-mail.
func (s *Server) adminGrantRole(c *fiber.Ctx) error {
	vals := map[string]string{"email": c.FormValue("email"), "role": c.FormValue("role"), "scope_kind": c.FormValue("scope_kind"), "scope_value": c.FormValue("scope_value")}
	fail := func(fields map[string]string) error {
		return s.adminRolesPage(c, fiber.StatusUnprocessableEntity, &Form{Values: vals, Errors: fields})
	}
	target, err := s.Users.FindUserByEmail(c.UserContext(), vals["email"])
	if err != nil {
		if maillage.ErrorCode(err) == maillage.ENOTFOUND {
			return fail(map[string]string{"email": "Aucun compte n'a cette adresse. La personne doit s'être connectée une première fois."})
		}
		return err
	}
	_, err = s.Users.GrantRole(c.UserContext(), currentUser(c).ID, maillage.RoleGrant{UserID: target.ID, Role: maillage.Role(vals["role"]), ScopeKind: vals["scope_kind"], ScopeValue: vals["scope_value"]}, c.IP())
	if err != nil {
		if fields := errorFields(err); fields != nil {
			return fail(fields)
		}
		if maillage.ErrorCode(err) == maillage.ECONFLICT {
			return fail(map[string]string{"role": "Cette personne a déjà ce rôle avec cette portée."})
		}
		return err
	}
	return s.redirectFlash(c, "/admin/roles", "role_granted")
}

// adminRevokeRole ends a role grant.
func (s *Server) adminRevokeRole(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if err := s.Users.RevokeRole(c.UserContext(), currentUser(c).ID, id, c.IP()); err != nil {
		return err
	}
	return s.redirectFlash(c, "/admin/roles", "role_revoked")
}

// adminAudit shows the audit log (read only: there is no way to edit it).
func (s *Server) adminAudit(c *fiber.Ctx) error {
	entries, err := s.Users.FindAudit(c.UserContext(), 200)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin_audit", s.page(c, "admin.audit.title", "admin", entries))
}
