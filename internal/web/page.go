package web

import (
	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/maillage"
)

// Page is what every template receives.
type Page struct {
	Lang      string
	Title     string
	Nav       string // key of the current menu entry
	Menu      []MenuItem
	Flash     *Flash
	CSRF      string
	User      *maillage.User
	RequestID string
	Data      any
	Form      *Form
}

// MenuItem is a link in the main navigation.
type MenuItem struct{ Key, Label, Href string }

// Flash is a one-time message shown at the top of a page.
type Flash struct{ Kind, Message string }

// T translates key in the page's language.
func (p *Page) T(key string, args ...any) string { return translate(p.Lang, key, args...) }

// Form carries what the user typed and the errors per field, so a form that
// fails validation is shown again with its values and messages.
type Form struct {
	Values map[string]string
	Errors map[string]string
}

// Value returns the typed value of a field.
func (f *Form) Value(name string) string {
	if f == nil {
		return ""
	}
	return f.Values[name]
}

// Error returns the message of a field ("" when valid).
func (f *Form) Error(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// HasErrors reports whether any field is invalid.
func (f *Form) HasErrors() bool { return f != nil && len(f.Errors) > 0 }

// page builds the Page for a request.
func (s *Server) page(c *fiber.Ctx, title, nav string, data any) *Page {
	p := &Page{
		Lang:      lang(c),
		Nav:       nav,
		Data:      data,
		RequestID: requestID(c),
		User:      currentUser(c),
	}
	p.CSRF, _ = c.Locals("csrf").(string)
	p.Menu = s.menu(p.User)
	if title != "" {
		p.Title = translate(p.Lang, title)
	}
	if f := c.Cookies("maillage_flash"); f != "" {
		if msg, ok := flashes[f]; ok {
			p.Flash = &Flash{Kind: msg[0], Message: translate(p.Lang, msg[1])}
		}
		s.clearCookie(c, "maillage_flash")
	}
	return p
}

// flashes are the one-time messages a redirect can ask for (by key, so a
// URL or cookie can never inject text).
var flashes = map[string][2]string{
	"signed_out":        {"ok", "flash.signed_out"},
	"signed_out_all":    {"ok", "flash.signed_out_all"},
	"session_revoked":   {"ok", "flash.session_revoked"},
	"name_saved":        {"ok", "flash.name_saved"},
	"link_confirmed":    {"ok", "flash.link_confirmed"},
	"identity_removed":  {"ok", "flash.identity_removed"},
	"role_granted":      {"ok", "flash.role_granted"},
	"role_revoked":      {"ok", "flash.role_revoked"},
	"account_deleted":   {"ok", "flash.account_deleted"},
	"welcome":           {"ok", "flash.welcome"},
	"profile_saved":     {"ok", "flash.profile_saved"},
	"structure_saved":   {"ok", "flash.structure_saved"},
	"structure_claimed": {"ok", "flash.structure_claimed"},
	"member_added":      {"ok", "flash.member_added"},
	"member_ended":      {"ok", "flash.member_ended"},
	"token_revoked":     {"ok", "flash.token_revoked"},
}

// redirectFlash redirects after a successful POST with a one-time message.
func (s *Server) redirectFlash(c *fiber.Ctx, to, flash string) error {
	c.Cookie(&fiber.Cookie{Name: "maillage_flash", Value: flash, Path: "/", HTTPOnly: true, Secure: s.secureCookies(), SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 60})
	return c.Redirect(to, fiber.StatusSeeOther)
}

// render renders a page with status.
func (s *Server) render(c *fiber.Ctx, status int, name string, p *Page) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Render(name, p)
}

// menu is the main navigation for a user (nil when anonymous).
func (s *Server) menu(u *maillage.User) []MenuItem {
	items := []MenuItem{{"search", "nav.search", "/recherche"}, {"directory", "nav.directory", "/annuaire"}}
	if u != nil {
		items = append(items, MenuItem{"dashboard", "nav.dashboard", "/tableau-de-bord"}, MenuItem{"profile", "nav.profile", "/profil"})
		if u.Has(maillage.RoleAdministrateur) {
			items = append(items, MenuItem{"admin", "nav.admin", "/admin/roles"})
		}
		if auth.Allowed(u, auth.PermImportLieux) {
			items = append(items, MenuItem{"lieux_import", "nav.lieux_import", "/admin/lieux/import"})
		}
	}
	return items
}

func requestID(c *fiber.Ctx) string {
	if v, ok := c.Locals("requestid").(string); ok {
		return v
	}
	return ""
}
