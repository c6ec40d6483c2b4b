package web

import (
	"crypto/subtle"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/maillage"
)

const (
	sessionCookie = "maillage_session"
	csrfCookie    = "maillage_csrf"
	flowCookie    = "maillage_flow"
	csrfField     = "_csrf"
)

func (s *Server) secureCookies() bool { return s.cfg.BaseURL.Scheme == "https" }

// bearerToken returns the secret of an "Authorization: Bearer" header, and
// whether the header names the Bearer scheme at all.
func bearerToken(c *fiber.Ctx) (string, bool) {
	scheme, secret, _ := strings.Cut(strings.TrimSpace(c.Get(fiber.HeaderAuthorization)), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(secret), true
}

// loadSession puts the signed-in user (if any) in the request locals: from
// an API token (Authorization: Bearer, /api/ only) or the session cookie.
func (s *Server) loadSession(c *fiber.Ctx) error {
	if secret, ok := bearerToken(c); ok {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="maillage"`)
		if !strings.HasPrefix(c.Path(), "/api/") {
			// A token is for programs: it never opens the account pages
			// (creating tokens, deleting the account…).
			return maillage.Errorf(maillage.EUNAUTHORIZED, "Les jetons d'API ne servent que pour l'API (/api/…) : ouvrez cette page dans un navigateur, connecté à votre compte.")
		}
		u, t, err := s.Auth.AuthenticateBearer(c.UserContext(), secret)
		if err != nil {
			if maillage.ErrorCode(err) == maillage.EUNAUTHORIZED {
				c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="maillage", error="invalid_token"`)
				s.logger(c).Warn("api token refused", "ip", c.IP(), "path", c.Path())
			}
			return err
		}
		c.Locals("user", u)
		c.Locals("api_token", t)
		return c.Next()
	}
	token := c.Cookies(sessionCookie)
	if token == "" {
		return c.Next()
	}
	u, sess, err := s.Auth.Authenticate(c.UserContext(), token)
	if err != nil {
		if maillage.ErrorCode(err) != maillage.EUNAUTHORIZED {
			return err
		}
		s.clearCookie(c, sessionCookie)
		return c.Next()
	}
	c.Locals("user", u)
	c.Locals("session", sess)
	return c.Next()
}

// currentUser returns the signed-in user, or nil.
func currentUser(c *fiber.Ctx) *maillage.User {
	u, _ := c.Locals("user").(*maillage.User)
	return u
}

// currentAPIToken returns the token that authenticated the request, or nil
// (cookie session or anonymous).
func currentAPIToken(c *fiber.Ctx) *maillage.APIToken {
	t, _ := c.Locals("api_token").(*maillage.APIToken)
	return t
}

func currentSession(c *fiber.Ctx) *maillage.Session {
	sess, _ := c.Locals("session").(*maillage.Session)
	return sess
}

func (s *Server) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true, Secure: s.secureCookies(),
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(s.cfg.SessionMax)})
}

func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", HTTPOnly: true, Secure: s.secureCookies(),
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), MaxAge: -1})
}

// csrf implements a double-submit token: a random HttpOnly cookie, echoed in
// every form as _csrf (or the X-CSRF-Token header). State-changing requests
// without a match, or from another origin, are refused.
//
// A request that carries no session cookie and is authenticated by an API
// token, or calls the API anonymously, is not checked: a browser cannot be
// made to send another site's Authorization header, and without a session
// there is no ambient authority to abuse (an anonymous API write gets its
// 401 from the route's gate instead of a misleading "form expired").
func (s *Server) csrf(c *fiber.Ctx) error {
	if c.Cookies(sessionCookie) == "" && (currentAPIToken(c) != nil || strings.HasPrefix(c.Path(), "/api/")) {
		return c.Next()
	}
	token := c.Cookies(csrfCookie)
	if len(token) < 32 {
		token = auth.RandomToken(32)
		s.setCSRFCookie(c, token)
	}
	c.Locals("csrf", token)
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	sent := c.FormValue(csrfField)
	if sent == "" {
		sent = c.Get("X-CSRF-Token")
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && origin != "null" && !s.sameOrigin(origin) {
		s.log.Warn("csrf refused", "reason", "origin", "origin", origin, "path", c.Path(), "ip", c.IP())
		return maillage.Errorf(maillage.EFORBIDDEN, "Cette demande ne vient pas de Maillage : elle a été refusée.")
	}
	if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(c.Cookies(csrfCookie))) != 1 {
		s.log.Warn("csrf refused", "reason", "token", "path", c.Path(), "ip", c.IP())
		return maillage.Errorf(maillage.EFORBIDDEN, "Le formulaire a expiré ou ne vient pas de Maillage. Rechargez la page et recommencez.")
	}
	return c.Next()
}

func (s *Server) setCSRFCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: token, Path: "/", HTTPOnly: true, Secure: s.secureCookies(), SameSite: fiber.CookieSameSiteLaxMode})
}

func (s *Server) sameOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return u.Scheme == s.cfg.BaseURL.Scheme && u.Host == s.cfg.BaseURL.Host
}

// require is the per-route gate: every route declares its permission.
func (s *Server) require(perm auth.Permission) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if perm == auth.PermDevMailbox && !s.devMailboxEnabled() {
			return fiber.ErrNotFound
		}
		u := currentUser(c)
		if auth.Allowed(u, perm) {
			return c.Next()
		}
		// Says the gate refused (for the authorization-matrix test and logs).
		c.Set("X-Maillage-Authz", "denied")
		if u == nil {
			if c.Method() == fiber.MethodGet && !acceptsJSON(c) {
				return c.Redirect("/connexion?retour="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
			}
			return maillage.Errorf(maillage.EUNAUTHORIZED, "Connectez-vous pour accéder à cette page.")
		}
		return maillage.Errorf(maillage.EFORBIDDEN, "Votre compte n'a pas accès à cette page. Si vous pensez que c'est une erreur, contactez un administrateur.")
	}
}

// RouteInfo is a declared route and its permission.
type RouteInfo struct {
	Method, Path string
	Perm         auth.Permission
}

// route registers a handler with its permission. Every route goes through
// here; the authorization-matrix test fails for any route that does not.
func (s *Server) route(method, path string, perm auth.Permission, h fiber.Handler) {
	s.declared = append(s.declared, RouteInfo{method, path, perm})
	s.app.Add(method, path, s.require(perm), h)
}

// Routes returns the declared routes.
func (s *Server) Routes() []RouteInfo { return append([]RouteInfo(nil), s.declared...) }

func (s *Server) devMailboxEnabled() bool { return !s.cfg.Production() && s.Auth.Config().DevMailbox }

func clientMeta(c *fiber.Ctx) auth.SessionMeta {
	return auth.SessionMeta{IP: c.IP(), UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent))}
}
