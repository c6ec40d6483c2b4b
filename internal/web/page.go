package web

import (
	"github.com/gofiber/fiber/v2"
)

// Page is what every template receives.
type Page struct {
	Lang      string
	Title     string
	Nav       string // key of the current menu entry
	Menu      []MenuItem
	Flash     *Flash
	CSRF      string
	User      any
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
		Menu:      s.menu(c),
	}
	if title != "" {
		p.Title = translate(p.Lang, title)
	}
	if s.decorate != nil {
		s.decorate(c, p)
	}
	return p
}

// render renders a page with status.
func (s *Server) render(c *fiber.Ctx, status int, name string, p *Page) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Render(name, p)
}

func (s *Server) menu(c *fiber.Ctx) []MenuItem {
	return s.menuItems
}

func requestID(c *fiber.Ctx) string {
	if v, ok := c.Locals("requestid").(string); ok {
		return v
	}
	return ""
}
