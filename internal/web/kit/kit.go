package kit

import (
	"io/fs"
	"log/slog"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/config"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
)

// A Capability is one room of the web layer (account, network, search…):
// its handlers, its catalogue and its templates (web/templates/pages/<Name>/).
// Adding one to the portal is one line in internal/app.
type Capability interface {
	// Name names the capability: its template folder and catalogue.
	Name() string
	// Messages are its catalogue files (<name>.<lang>.yaml), or nil.
	Messages() fs.FS
	// Mount declares its routes, menu entries, next steps and OpenAPI
	// fragment on the router.
	Mount(r *Router)
}

// Kit is what every handler shares: the configuration, the logger, the
// catalogue, rendering, and what capabilities contributed (menu entries,
// next steps on the dashboard).
type Kit struct {
	Config  *config.Config
	Log     *slog.Logger
	Catalog *i18n.Catalog
	// Now is the clock (tests set it).
	Now func() time.Time

	menu    []MenuItem
	steps   []StepsFunc
	notices []NoticesFunc
	badges  []BadgesFunc
}

// New returns a kit.
func New(cfg *config.Config, log *slog.Logger, cat *i18n.Catalog) *Kit {
	return &Kit{Config: cfg, Log: log, Catalog: cat, Now: time.Now}
}

// MenuItem is an entry of the main navigation, shown to who holds Perm.
type MenuItem struct {
	Key   string          // current-page marker (Page.Nav)
	Label string          // catalogue key
	Href  string          //
	Perm  auth.Permission // who sees it
	Order int             // position (smaller first)
}

// Step is a next step suggested on a person's dashboard.
type Step struct {
	Key   string // catalogue key of the link text
	Text  string // catalogue key of the explanation ("" for none)
	Href  string
	Args  []any // arguments of both keys
	Order int
}

// StepsFunc gives the next steps of a capability for the signed-in person.
type StepsFunc func(c *fiber.Ctx, u *maillage.User) ([]Step, error)

// Notice is a message shown at the top of every page of a signed-in person
// until they act on it (a charter to sign again…): a catalogue key with its
// arguments, and the page where to act with the key of the link's text.
type Notice struct {
	Key  string
	Args []any
	Href string // "" for none
	Link string // catalogue key of the link text
}

// NoticesFunc gives a capability's notices for the signed-in person (c is
// the request: a capability may leave out the pages where its notice would
// be pointless).
type NoticesFunc func(c *fiber.Ctx, u *maillage.User) ([]Notice, error)

// Badge is a mark a capability adds to a person's profile page (the
// charter signed…). The capability decides whether the viewer may see it,
// by the person's choice, with the one visibility rule (Profile.CanSee).
type Badge struct {
	Key  string // catalogue key of the text
	Args []any
	Href string // "" for none
}

// BadgesFunc gives a capability's badges of a profile, for the viewer of
// the request (p is what that viewer may see of the profile).
type BadgesFunc func(c *fiber.Ctx, p *maillage.Profile) ([]Badge, error)

// Notices collects the notices of every capability for u. A capability
// that fails is logged and left out: a notice never breaks a page.
func (k *Kit) Notices(c *fiber.Ctx, u *maillage.User) []Notice {
	var out []Notice
	for _, f := range k.notices {
		ns, err := f(c, u)
		if err != nil {
			k.Log.Warn("notices", "path", c.Path(), "err", err)
			continue
		}
		out = append(out, ns...)
	}
	return out
}

// ProfileBadges collects the badges every capability adds to a profile
// page, for the request's viewer.
func (k *Kit) ProfileBadges(c *fiber.Ctx, p *maillage.Profile) ([]Badge, error) {
	var out []Badge
	for _, f := range k.badges {
		bs, err := f(c, p)
		if err != nil {
			return nil, err
		}
		out = append(out, bs...)
	}
	return out, nil
}

// Menu returns the entries a user (nil when anonymous) may see.
func (k *Kit) Menu(u *maillage.User) []MenuItem {
	var out []MenuItem
	for _, m := range k.menu {
		if auth.Allowed(u, m.Perm) {
			out = append(out, m)
		}
	}
	return out
}

// Steps collects the next steps every capability suggests to u.
func (k *Kit) Steps(c *fiber.Ctx, u *maillage.User) ([]Step, error) {
	var out []Step
	for _, f := range k.steps {
		s, err := f(c, u)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	slices.SortStableFunc(out, func(a, b Step) int { return a.Order - b.Order })
	return out, nil
}

// T translates key in the request's language.
func (k *Kit) T(c *fiber.Ctx, key string, args ...any) string {
	return k.Catalog.T(Lang(c), key, args...)
}

// DevMailbox reports whether the development mailbox is served: it holds
// everyone's sign-in links, so only in development, without SMTP, and when
// the portal listens on a loopback address.
func (k *Kit) DevMailbox() bool {
	return !k.Config.Production() && k.Config.SMTPURL == nil && k.Config.LoopbackOnly()
}

// Secure reports whether cookies are sent over https only.
func (k *Kit) Secure() bool { return k.Config.BaseURL.Scheme == "https" }
