package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/web/kit"
)

// mountCore declares the routes of the core: probes and the OpenAPI document.
func (s *Server) mountCore(r *kit.Router) {
	r.Get("/healthz", auth.PermPublic, s.healthz)
	r.Get("/readyz", auth.PermPublic, s.readyz)
	r.Get("/etat", auth.PermPublic, s.status)
	r.Get("/api/openapi.json", auth.PermPublic, s.apiOpenAPI)
}

// healthz says the process is alive; it checks nothing else.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// Check is the state of one service.
type Check struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Checks pings PostgreSQL and Meilisearch (the status page uses it too).
func (s *Server) Checks(ctx context.Context) (map[string]Check, bool) {
	checks := map[string]Check{}
	ok := true
	for name, p := range map[string]Pinger{"postgres": s.Postgres, "meilisearch": s.Meili} {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := p.Ping(ctx)
		cancel()
		if err != nil {
			ok = false
			checks[name] = Check{Status: "down", Error: name + " unreachable"}
			s.log.Warn("readiness check failed", "service", name, "err", err)
		} else {
			checks[name] = Check{Status: "ok"}
		}
	}
	return checks, ok
}

// readyz checks PostgreSQL and Meilisearch; 503 names what is down.
func (s *Server) readyz(c *fiber.Ctx) error {
	checks, ok := s.Checks(c.UserContext())
	status, overall := fiber.StatusOK, "ok"
	if !ok {
		status, overall = fiber.StatusServiceUnavailable, "degraded"
	}
	return c.Status(status).JSON(fiber.Map{"status": overall, "checks": checks})
}

// status is the service status for people: each service and whether it
// answers (JSON on request, like /readyz).
func (s *Server) status(c *fiber.Ctx) error {
	checks, ok := s.Checks(c.UserContext())
	if acceptsJSON(c) {
		return s.readyz(c)
	}
	code := fiber.StatusOK
	if !ok {
		code = fiber.StatusServiceUnavailable
	}
	type row struct{ Name, Status string }
	rows := []row{{"postgres", checks["postgres"].Status}, {"meilisearch", checks["meilisearch"].Status}}
	return s.kit.Render(c, code, "core/status", s.kit.Page(c, "status.title", "", struct {
		OK   bool
		Rows []row
	}{ok, rows}))
}
