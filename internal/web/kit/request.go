package kit

import (
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
)

// Request state set by the web server's middleware.
const (
	localUser     = "user"
	localSession  = "session"
	localAPIToken = "api_token"
	localCSRF     = "csrf"
	localLang     = "lang"
)

// SetUser records who is signed in (web server middleware).
func SetUser(c *fiber.Ctx, u *maillage.User, s *maillage.Session, t *maillage.APIToken) {
	c.Locals(localUser, u)
	if s != nil {
		c.Locals(localSession, s)
	}
	if t != nil {
		c.Locals(localAPIToken, t)
	}
}

// User returns the signed-in user, or nil.
func User(c *fiber.Ctx) *maillage.User {
	u, _ := c.Locals(localUser).(*maillage.User)
	return u
}

// Session returns the session of a cookie-signed-in request, or nil.
func Session(c *fiber.Ctx) *maillage.Session {
	s, _ := c.Locals(localSession).(*maillage.Session)
	return s
}

// APIToken returns the token that authenticated the request, or nil.
func APIToken(c *fiber.Ctx) *maillage.APIToken {
	t, _ := c.Locals(localAPIToken).(*maillage.APIToken)
	return t
}

// SetCSRF records the request's CSRF token (web server middleware).
func SetCSRF(c *fiber.Ctx, token string) { c.Locals(localCSRF, token) }

// SessionCSRF is the CSRF token of a signed-in browser: derived from its
// session cookie, so it is bound to the session (another session, or a
// page that cannot read the HttpOnly cookie, cannot produce it).
func SessionCSRF(sessionToken string) string {
	sum := sha256.Sum256([]byte("maillage csrf\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CSRF returns the token forms must echo.
func CSRF(c *fiber.Ctx) string {
	t, _ := c.Locals(localCSRF).(string)
	return t
}

// Viewer is who is asking: anonymous, a member, or an administrator.
func Viewer(c *fiber.Ctx) maillage.Viewer {
	u := User(c)
	if u == nil {
		return maillage.Anonymous
	}
	return maillage.Viewer{UserID: u.ID, Admin: u.Has(maillage.RoleAdministrateur)}
}

// Lang picks the language: ?lang= (remembered in a cookie), then the
// cookie, then French.
func Lang(c *fiber.Ctx) string {
	if l, ok := c.Locals(localLang).(string); ok {
		return l
	}
	l := i18n.FR
	if q := c.Query("lang"); q == i18n.FR || q == i18n.EN {
		c.Cookie(&fiber.Cookie{Name: "lang", Value: q, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: fiber.CookieSameSiteLaxMode, HTTPOnly: true})
		l = q
	} else if c.Cookies("lang") == i18n.EN {
		l = i18n.EN
	}
	c.Locals(localLang, l)
	return l
}

// PathID reads a positive integer path parameter; anything else is a 404,
// like an id that does not exist.
func PathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, maillage.Errorf(maillage.ENOTFOUND, "error.not_found")
	}
	return id, nil
}

// SafeReturn is maillage.SafeReturn, the one check of a return address.
func SafeReturn(to, fallback string) string { return maillage.SafeReturn(to, fallback) }

// Redirect sends a 303 to a same-site path (SafeReturn with "/").
func Redirect(c *fiber.Ctx, to string) error {
	return c.Redirect(SafeReturn(to, "/"), fiber.StatusSeeOther)
}

// Cookie names: in production over https they carry the __Host- prefix, so
// the browser only accepts them from this host, over https, for path /.
func (k *Kit) CookieName(name string) string {
	if k.Secure() {
		return "__Host-maillage_" + name
	}
	return "maillage_" + name
}

// SetCookie sets an HttpOnly, SameSite=Lax cookie for the whole site.
func (k *Kit) SetCookie(c *fiber.Ctx, name, value string, expires time.Time) {
	ck := &fiber.Cookie{Name: k.CookieName(name), Value: value, Path: "/", HTTPOnly: true, Secure: k.Secure(), SameSite: fiber.CookieSameSiteLaxMode}
	if !expires.IsZero() {
		ck.Expires = expires
	}
	c.Cookie(ck)
}

// ClearCookie removes a cookie set by SetCookie.
func (k *Kit) ClearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: k.CookieName(name), Value: "", Path: "/", HTTPOnly: true, Secure: k.Secure(),
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), MaxAge: -1})
}

// GetCookie reads a cookie set by SetCookie.
func (k *Kit) GetCookie(c *fiber.Ctx, name string) string { return c.Cookies(k.CookieName(name)) }

// StartSession sets a new session cookie and rotates the CSRF token (the
// token is bound to the session: a new session gets a new one).
func (k *Kit) StartSession(c *fiber.Ctx, token string) {
	k.SetCookie(c, "session", token, k.Now().Add(k.Config.SessionMax))
	k.SetCookie(c, "csrf", maillage.RandomToken(32), time.Time{})
}

// EndSession clears the session cookie and rotates the CSRF token.
func (k *Kit) EndSession(c *fiber.Ctx) {
	k.ClearCookie(c, "session")
	k.SetCookie(c, "csrf", maillage.RandomToken(32), time.Time{})
}

// NoStore marks a response as personal: never kept by a cache.
func NoStore(c *fiber.Ctx) { c.Set(fiber.HeaderCacheControl, "no-store") }

// ClientMeta is what a session records about the browser.
func ClientMeta(c *fiber.Ctx) auth.SessionMeta {
	return auth.SessionMeta{IP: c.IP(), UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent))}
}
