package kit

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/i18n"
	"maillage/internal/maillage"
)

// Page is what every template receives.
type Page struct {
	Lang  string
	Title string
	Nav   string // key of the current menu entry
	Menu  []MenuItem
	Flash *Flash
	// Notices are the capabilities' messages to a signed-in person.
	Notices   []Notice
	CSRF      string
	User      *maillage.User
	RequestID string
	Data      any
	Form      *Form
	// Path is the request path (language switch, return addresses).
	Path string

	cat *i18n.Catalog
}

// Flash is a one-time message shown at the top of a page.
type Flash struct{ Kind, Message string }

// T translates key in the page's language; args are name/value pairs.
func (p *Page) T(key string, args ...any) string { return p.cat.T(p.Lang, key, args...) }

// Has tells whether the catalogue defines key (for names built from data,
// such as a file's column, that may have no label).
func (p *Page) Has(key string) bool { return p.cat.Has(key) }

// TArgs translates key with arguments held in a list (from data).
func (p *Page) TArgs(key string, args []any) string { return p.cat.T(p.Lang, key, args...) }

// Date formats a date in the page's language (« 3 décembre 2026 »).
func (p *Page) Date(t time.Time) string { return p.cat.Date(p.Lang, t) }

// DateTime formats a moment in Paris time (« 3 décembre 2026 à 14 h 05 »).
func (p *Page) DateTime(t time.Time) string { return p.cat.DateTime(p.Lang, t) }

// Km formats a distance in metres, an int or *int (« 4,8 km »; under a
// kilometre, « 800 m »).
func (p *Page) Km(meters any) string {
	var m int
	switch v := meters.(type) {
	case int:
		m = v
	case *int:
		if v == nil {
			return ""
		}
		m = *v
	case float64:
		m = int(v)
	}
	if m < 1000 {
		return i18n.Int(p.Lang, m) + "\u00a0m"
	}
	return i18n.Km(p.Lang, float64(m))
}

// Int formats a count with the language's grouping (« 12 345 »).
func (p *Page) Int(n int) string { return i18n.Int(p.Lang, n) }

// Problem translates a domain problem.
func (p *Page) Problem(pr maillage.Problem) string { return p.T(pr.Key, pr.Args...) }

// Keys translates catalogue keys and joins them with " · ".
func (p *Page) Keys(keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = p.T(k)
	}
	return strings.Join(out, " · ")
}

// Page builds the Page of a request. title is a catalogue key ("" for none;
// set Title afterwards for a data title such as a person's name).
func (k *Kit) Page(c *fiber.Ctx, title, nav string, data any) *Page {
	p := &Page{Lang: Lang(c), Nav: nav, Data: data, RequestID: RequestID(c), User: User(c), CSRF: CSRF(c), cat: k.Catalog, Path: c.Path()}
	p.Menu = k.Menu(p.User)
	if p.User != nil {
		p.Notices = k.Notices(c, p.User)
	}
	if title != "" {
		p.Title = p.T(title)
	}
	if f := k.GetCookie(c, "flash"); f != "" {
		kind, key, _ := strings.Cut(f, ":")
		// Only a catalogue key of a flash message is shown: a cookie or a
		// URL can never inject text.
		if strings.Contains(key, ".flash.") && k.Catalog.Has(key) && (kind == "ok" || kind == "error") {
			p.Flash = &Flash{Kind: kind, Message: p.T(key)}
		}
		k.ClearCookie(c, "flash")
	}
	return p
}

// Render renders page name ("<capability>/<page>") with status.
func (k *Kit) Render(c *fiber.Ctx, status int, name string, p *Page) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if p.User != nil {
		NoStore(c) // a page of a signed-in person is personal
	}
	return c.Render(name, p)
}

// RedirectFlash redirects after a successful POST to a same-site path with
// a one-time message (a catalogue key "<capability>.flash.<name>", "" for
// none).
func (k *Kit) RedirectFlash(c *fiber.Ctx, to, flash string) error {
	if flash != "" {
		k.Flash(c, flash)
	}
	return Redirect(c, to)
}

// Flash keeps the message flash (a catalogue key) for the next page this
// browser shows, even after a detour through another site (the sign-out at
// the provider).
func (k *Kit) Flash(c *fiber.Ctx, flash string) {
	k.SetCookie(c, "flash", "ok:"+flash, k.Now().Add(time.Minute))
}

// RequestID returns the id of the request (logs, error pages).
func RequestID(c *fiber.Ctx) string {
	v, _ := c.Locals("requestid").(string)
	return v
}
