package web

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"strings"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
)

// retryPause is the wait before a read that lost its connection runs again.
const retryPause = 200 * time.Millisecond

// retryReads runs a read once more when it failed because its PostgreSQL
// connection was lost. After a restart (or when PostgreSQL ends sessions)
// every pooled connection is dead, and a connection used less than a
// second ago is not checked before a query: the first read on it fails,
// and the pool drops it. A GET whose route handler fails so is run again,
// once, after a short pause, before the error handler renders anything;
// if it fails again the visitor gets the 503. A POST (or any write) is
// never replayed: it may have been applied before the connection went.
//
// Only the route's handler runs again: the middleware before it (session,
// CSRF) and the route's permission gate already passed, and the gate does
// not use the database, so an error that says the connection was lost
// comes from the handler. A middleware that fails (a route of method USE)
// is not replayed.
func (s *Server) retryReads(c *fiber.Ctx) error {
	err := c.Next()
	if err == nil || c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead || !connectionLost(err) {
		return err
	}
	route := c.Route()
	if route == nil || route.Method != c.Method() || len(route.Handlers) == 0 {
		return err
	}
	s.logger(c).Warn("database connection lost: running the read once more", "method", c.Method(), "path", c.Path(), "err", err.Error())
	select {
	case <-time.After(retryPause):
	case <-c.UserContext().Done():
		return err
	}
	c.Response().ResetBody()
	c.Status(fiber.StatusOK)
	return route.Handlers[len(route.Handlers)-1](c)
}

// connectionLost reports whether err says PostgreSQL could not be reached
// or dropped the connection, as pgx (through database/sql and bun) reports
// it: a refused, reset or closed connection ("conn closed", unexpected
// EOF, database/sql's bad or closed connection), a failed connect, or
// PostgreSQL shutting down, starting or ending the session (SQLSTATE
// classes 08 and 57P: 57P01 "terminating connection due to administrator
// command", 57P03 "the database system is shutting down").
func connectionLost(err error) bool {
	var st interface{ SQLState() string }
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &st):
		code := st.SQLState()
		return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "57P")
	}
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "failed to connect") || strings.Contains(msg, "connection refused")
}
