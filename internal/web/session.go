package web

import (
	"crypto/subtle"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

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
			return maillage.Errorf(maillage.EUNAUTHORIZED, "account.token.api_only")
		}
		u, t, err := s.Auth.AuthenticateBearer(c.UserContext(), secret)
		if err != nil {
			if maillage.ErrorCode(err) == maillage.EUNAUTHORIZED {
				c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="maillage", error="invalid_token"`)
				s.logger(c).Warn("api token refused", "ip", c.IP(), "path", c.Path())
			}
			return err
		}
		if t.ReadOnly && !readMethod(c.Method()) {
			return maillage.Errorf(maillage.EFORBIDDEN, "account.token.read_only")
		}
		kit.SetUser(c, u, nil, t)
		return c.Next()
	}
	token := s.kit.GetCookie(c, "session")
	if token == "" {
		return c.Next()
	}
	u, sess, err := s.Auth.Authenticate(c.UserContext(), token)
	if err != nil {
		if maillage.ErrorCode(err) != maillage.EUNAUTHORIZED {
			return err
		}
		s.kit.ClearCookie(c, "session")
		return c.Next()
	}
	kit.SetUser(c, u, sess, nil)
	return c.Next()
}

func readMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// csrfToken gives every request the token its forms must echo. For a
// signed-in browser it is derived from the session cookie (bound to the
// session: another session, or an attacker who cannot read the HttpOnly
// cookie, cannot produce it); otherwise it is a random double-submit
// cookie (sign-in forms).
func (s *Server) csrfToken(c *fiber.Ctx) error {
	if sess := s.kit.GetCookie(c, "session"); sess != "" && kit.User(c) != nil && kit.APIToken(c) == nil {
		kit.SetCSRF(c, kit.SessionCSRF(sess))
		return c.Next()
	}
	token := s.kit.GetCookie(c, "csrf")
	if len(token) < 32 {
		token = maillage.RandomToken(32)
		s.kit.SetCookie(c, "csrf", token, time.Time{})
	}
	kit.SetCSRF(c, token)
	return c.Next()
}

// checkCSRF refuses a state-changing request that does not come from a
// page of Maillage: the token must come in the posted form (_csrf, never
// in the query string) or the X-CSRF-Token header, and an Origin header,
// when present, must be the portal's own (a sandboxed frame's "null"
// included). A request without a session that is authenticated by an API
// token, or calls the API anonymously, is not checked: a browser cannot be
// made to send another site's Authorization header, and without a session
// there is no ambient authority to abuse.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	if readMethod(c.Method()) {
		return nil
	}
	if s.kit.GetCookie(c, "session") == "" && (kit.APIToken(c) != nil || strings.HasPrefix(c.Path(), "/api/")) {
		return nil
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && !s.sameOrigin(origin) {
		s.log.Warn("csrf refused", "reason", "origin", "origin", origin, "path", c.Path(), "ip", c.IP())
		return maillage.Errorf(maillage.EFORBIDDEN, "error.csrf.origin", "Expected", s.cfg.BaseURL.Scheme+"://"+s.cfg.BaseURL.Host, "Origin", origin)
	}
	sent := c.Get("X-CSRF-Token")
	if sent == "" {
		sent = postedCSRF(c)
	}
	want := kit.CSRF(c)
	if sent == "" || want == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
		s.log.Warn("csrf refused", "reason", "token", "path", c.Path(), "ip", c.IP())
		return maillage.Errorf(maillage.EFORBIDDEN, "error.csrf.token")
	}
	return nil
}

// postedCSRF reads _csrf from the body only (urlencoded or multipart).
func postedCSRF(c *fiber.Ctx) string {
	if v := c.Context().PostArgs().Peek(kit.CSRFField); len(v) > 0 {
		return string(v)
	}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		if mf, err := c.MultipartForm(); err == nil {
			if vs := mf.Value[kit.CSRFField]; len(vs) > 0 {
				return vs[0]
			}
		}
	}
	return ""
}

func (s *Server) sameOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return u.Scheme == s.cfg.BaseURL.Scheme && u.Host == s.cfg.BaseURL.Host
}

// gate is the per-route check: CSRF for state-changing requests, then the
// route's permission. It runs after routing, so an unknown method on a
// known path gets Fiber's 405, not a CSRF refusal.
func (s *Server) gate(perm auth.Permission) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.checkCSRF(c); err != nil {
			return err
		}
		if perm == auth.PermDevMailbox && !s.kit.DevMailbox() {
			return fiber.ErrNotFound
		}
		u := kit.User(c)
		if auth.Allowed(u, perm) {
			return c.Next()
		}
		// Says the gate refused (for the authorization-matrix test and logs).
		c.Set("X-Maillage-Authz", "denied")
		if u == nil {
			if c.Method() == fiber.MethodGet && !acceptsJSON(c) {
				return c.Redirect("/connexion?retour="+url.QueryEscape(kit.SafeReturn(c.OriginalURL(), "/")), fiber.StatusSeeOther)
			}
			return maillage.Errorf(maillage.EUNAUTHORIZED, "error.signin_required")
		}
		return maillage.Errorf(maillage.EFORBIDDEN, "error.forbidden")
	}
}
