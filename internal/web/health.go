package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// healthz says the process is alive; it checks nothing else.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz checks PostgreSQL and Meilisearch; 503 names what is down.
func (s *Server) readyz(c *fiber.Ctx) error {
	type check struct {
		Status string `json:"status"`
		Error  string `json:"error,omitempty"`
	}
	checks := map[string]check{}
	ok := true
	for name, p := range map[string]Pinger{"postgres": s.Postgres, "meilisearch": s.Meili} {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		err := p.Ping(ctx)
		cancel()
		if err != nil {
			ok = false
			checks[name] = check{Status: "down", Error: name + " injoignable"}
			s.log.Warn("readiness check failed", "service", name, "err", err)
		} else {
			checks[name] = check{Status: "ok"}
		}
	}
	status := fiber.StatusOK
	overall := "ok"
	if !ok {
		status = fiber.StatusServiceUnavailable
		overall = "degraded"
	}
	return c.Status(status).JSON(fiber.Map{"status": overall, "checks": checks})
}
