package web

import (
	"fmt"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/web/kit"
)

// csp is the Content-Security-Policy: no inline script, no third-party
// origin, except that a form may lead to the OpenID Connect provider (the
// sign-out form answers with a redirect to its end-session endpoint, which
// form-action governs), and that map tiles come from the configured tile
// server (MAILLAGE_TILE_URL).
func (s *Server) csp() string {
	formAction := "'self'"
	if s.cfg.OIDC.Enabled() {
		if u, err := url.Parse(s.cfg.OIDC.Issuer); err == nil && u.Host != "" {
			formAction += " " + u.Scheme + "://" + u.Host
		}
	}
	imgSrc := "'self' data:"
	if t := s.cfg.TileURL; t != nil {
		// Map tiles (MAILLAGE_TILE_URL) are images from the tile server.
		imgSrc += " " + t.Scheme + "://" + t.Host
	}
	return "default-src 'self'; img-src " + imgSrc + "; style-src 'self'; script-src 'self'; font-src 'self'; connect-src 'self'; " +
		"form-action " + formAction + "; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
}

// securityHeaders sets a strict Content-Security-Policy and the usual
// hardening headers. Pages meant to be embedded by other sites (the map,
// /carte) replace frame-ancestors themselves.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", s.csp())
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.cfg.BaseURL.Scheme == "https" {
		c.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	return c.Next()
}

// refuseEncodedBodies refuses a request whose body is sent compressed
// (any Content-Encoding but identity, in any of its headers) with 415.
// Fiber inflates such a body, without any limit, whenever a handler reads
// it (c.Body, multipart forms): a few kilobytes of gzip, or of gzip inside
// gzip, would become gigabytes in memory, past BodyLimit. No form nor
// client of the portal needs to compress what it sends.
func (s *Server) refuseEncodedBodies(c *fiber.Ctx) error {
	encoded := false
	c.Request().Header.VisitAll(func(k, v []byte) {
		if !strings.EqualFold(string(k), fiber.HeaderContentEncoding) {
			return
		}
		for _, e := range strings.Split(string(v), ",") {
			if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "identity") {
				encoded = true
			}
		}
	})
	if encoded {
		return fiber.NewError(fiber.StatusUnsupportedMediaType)
	}
	return c.Next()
}

// accessLog writes one slog line per request.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler write the response now so the status is right.
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
		err = nil
	}
	s.log.Info("http",
		"method", c.Method(),
		"path", c.Path(),
		"status", c.Response().StatusCode(),
		"duration_ms", float64(time.Since(start).Microseconds())/1000,
		"bytes", len(c.Response().Body()),
		"request_id", kit.RequestID(c),
		"ip", c.IP(),
	)
	return err
}

// recoverPanic turns a panic into a 500 page and logs the stack (never shown).
func (s *Server) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "request_id", kit.RequestID(c), "path", c.Path(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return c.Next()
}

// acceptsJSON reports whether the client prefers JSON over HTML: it asks
// for JSON, calls /api/, or is a program (Authorization: Bearer).
func acceptsJSON(c *fiber.Ctx) bool {
	a := c.Get(fiber.HeaderAccept)
	if _, bearer := bearerToken(c); bearer {
		return true
	}
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html") || strings.HasPrefix(c.Path(), "/api/")
}
