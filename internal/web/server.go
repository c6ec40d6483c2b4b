// Package web is the Fiber application: routes, middleware, handlers and
// views. Handlers parse and validate input, call a service with
// c.UserContext(), and render; they never import bun nor meilisearch-go.
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
	"maillage/internal/maillage"
)

// Pinger is anything whose reachability /readyz reports.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are the services the web layer calls.
type Deps struct {
	Config      *config.Config
	Log         *slog.Logger
	Templates   fs.FS
	Static      fs.FS
	Postgres    Pinger
	Meili       Pinger
	Territories maillage.TerritoryService
	Auth        *auth.Service
	Users       maillage.UserService
	Sessions    maillage.SessionService
	Profiles    maillage.ProfileService
	Structures  maillage.StructureService
	Referential maillage.ReferentialService
	APITokens   maillage.APITokenService
	Search      maillage.SearchService
}

// Server is the HTTP side of the portal.
type Server struct {
	Deps
	cfg      *config.Config
	log      *slog.Logger
	app      *fiber.App
	declared []RouteInfo
	openapi  openAPI
}

// New builds the Fiber app with its middleware and routes.
func New(d Deps) (*Server, error) {
	s := &Server{Deps: d, cfg: d.Config, log: d.Log}
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
		ProxyHeader:           proxyHeader(d.Config),
	})
	s.app.Use(requestid.New(requestid.Config{ContextKey: "requestid"}))
	s.app.Use(s.accessLog)
	s.app.Use(s.recoverPanic)
	s.app.Use(s.securityHeaders)
	s.app.Use("/static", filesystem.New(filesystem.Config{
		Root:   http.FS(d.Static),
		MaxAge: 3600,
	}))
	s.app.Use(s.loadSession)
	s.app.Use(s.csrf)
	s.routes()
	return s, nil
}

func proxyHeader(c *config.Config) string {
	if c.Production() {
		return fiber.HeaderXForwardedFor
	}
	return ""
}

// App returns the Fiber app (tests drive it with app.Test).
func (s *Server) App() *fiber.App { return s.app }

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
