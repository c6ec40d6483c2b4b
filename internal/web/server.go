// Package web is the Fiber application's core: middleware (request id,
// access log, panic recovery, security headers, session, CSRF), the one
// error handler, the views, the OpenAPI document merged from the
// capabilities' fragments, and the mounting of every capability
// (internal/web/<capability>, built on internal/web/kit). Handlers live in
// the capabilities; they parse, call a service with c.UserContext() and
// render, and never import bun nor meilisearch-go.
package web

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"maillage/internal/auth"
	"maillage/internal/config"
	"maillage/internal/i18n"
	"maillage/internal/web/kit"
)

// Pinger is anything whose reachability /readyz reports.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are what the core needs; each capability brings its own services.
type Deps struct {
	Config       *config.Config
	Log          *slog.Logger
	Catalog      *i18n.Catalog
	Templates    fs.FS
	Static       fs.FS
	Auth         *auth.Service
	Postgres     Pinger
	Meili        Pinger
	Capabilities []kit.Capability
}

// Server is the HTTP side of the portal.
type Server struct {
	Deps
	kit      *kit.Kit
	cfg      *config.Config
	log      *slog.Logger
	app      *fiber.App
	declared []kit.RouteInfo
	openapi  openAPI
}

// New builds the Fiber app with its middleware and mounts the routes of
// the capabilities (whose messages d.Catalog holds).
func New(d Deps) (*Server, error) {
	s := &Server{Deps: d, cfg: d.Config, log: d.Log}
	s.kit = kit.New(d.Config, d.Log, d.Catalog)
	v := newViews(d.Templates)
	if err := v.Load(); err != nil {
		return nil, err
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "maillage",
		Views:                 v,
		ErrorHandler:          s.errorHandler,
		DisableStartupMessage: true,
		Immutable:             true, // strings from the context may outlive the handler
		BodyLimit:             12 << 20,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		// The client address comes from X-Forwarded-For only when the
		// request comes from a configured proxy (MAILLAGE_TRUSTED_PROXIES);
		// otherwise it is the socket's address.
		ProxyHeader:             proxyHeader(d.Config),
		EnableTrustedProxyCheck: true,
		TrustedProxies:          d.Config.TrustedProxies,
	})
	s.app.Use(requestid.New(requestid.Config{ContextKey: "requestid"}))
	s.app.Use(s.accessLog)
	s.app.Use(s.recoverPanic)
	s.app.Use(s.securityHeaders)
	s.app.Use(s.refuseEncodedBodies)
	s.app.Use("/static", filesystem.New(filesystem.Config{
		Root:   http.FS(d.Static),
		MaxAge: 3600,
	}))
	s.app.Use(s.loadSession)
	s.app.Use(s.csrfToken)
	s.app.Use(s.retryReads)
	core := kit.NewRouter(s.kit, s.app, s.gate, "core", &s.declared, &s.openapi.fragments)
	s.mountCore(core)
	for _, c := range d.Capabilities {
		c.Mount(kit.NewRouter(s.kit, s.app, s.gate, c.Name(), &s.declared, &s.openapi.fragments))
	}
	return s, nil
}

func proxyHeader(c *config.Config) string {
	if len(c.TrustedProxies) > 0 {
		return fiber.HeaderXForwardedFor
	}
	return ""
}

// Kit returns the shared kit (tests).
func (s *Server) Kit() *kit.Kit { return s.kit }

// App returns the Fiber app (tests drive it with app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Routes returns the declared routes.
func (s *Server) Routes() []kit.RouteInfo { return append([]kit.RouteInfo(nil), s.declared...) }

// Listen serves until ctx is done, then shuts down gracefully.
func (s *Server) Listen(ctx context.Context, addr string, ready func(addr string)) error {
	errc := make(chan error, 1)
	s.app.Hooks().OnListen(func(ld fiber.ListenData) error {
		if ready != nil {
			ready(ld.Host + ":" + ld.Port)
		}
		return nil
	})
	go func() { errc <- s.app.Listen(addr) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return s.app.ShutdownWithTimeout(s.cfg.ShutdownTimeout)
	}
}
