package web

import (
	"errors"
	"log/slog"
	"net"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

// statusOf maps a domain error code to an HTTP status. This is the one place.
var statusOf = map[string]int{
	maillage.EINVALID:      fiber.StatusUnprocessableEntity,
	maillage.ENOTFOUND:     fiber.StatusNotFound,
	maillage.ECONFLICT:     fiber.StatusConflict,
	maillage.EFORBIDDEN:    fiber.StatusForbidden,
	maillage.EUNAUTHORIZED: fiber.StatusUnauthorized,
	maillage.EUNAVAILABLE:  fiber.StatusServiceUnavailable,
	maillage.ETOOMANY:      fiber.StatusTooManyRequests,
	maillage.EINTERNAL:     fiber.StatusInternalServerError,
}

// errorBody is the JSON shape of every API error: the message in the
// caller's language, the code, and a message per field path.
type errorBody struct {
	Error     string            `json:"error"`
	Code      string            `json:"code"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// errorHandler renders every error returned by a handler: a page in the
// visitor's language (or JSON), never a stack trace nor SQL. Internal
// causes are logged only. A database or search engine that cannot be
// reached is a 503 with Retry-After, never a 500.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	code := maillage.ErrorCode(err)
	key, args := maillage.ErrorKey(err)
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		status = fe.Code
		code = fiberCode(status)
		key, args = "error.msg."+strconv.Itoa(status), nil
		if !s.Catalog.Has(key) {
			key = "error." + strconv.Itoa(status)
		}
	case code == maillage.EINTERNAL && unreachable(err):
		status, code, key, args = fiber.StatusServiceUnavailable, maillage.EUNAVAILABLE, "error.database_down", nil
	default:
		if st, ok := statusOf[code]; ok {
			status = st
		}
	}
	if status == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, "5")
	}
	if kit.User(c) != nil {
		kit.NoStore(c) // an answer to a signed-in person is personal, errors included
	}
	lang := kit.Lang(c)
	message := s.Catalog.T(lang, key, args...)
	if status >= 500 {
		s.log.Error("request failed", "status", status, "method", c.Method(), "path", c.Path(), "request_id", kit.RequestID(c), "err", err.Error())
	} else {
		s.log.Debug("request refused", "status", status, "path", c.Path(), "err", err.Error())
	}
	if acceptsJSON(c) {
		var fields map[string]string
		if ps := maillage.ErrorProblems(err); len(ps) > 0 {
			fields = make(map[string]string, len(ps))
			for _, p := range ps {
				fields[p.Field] = s.Catalog.T(lang, p.Key, p.Args...)
			}
		}
		return c.Status(status).JSON(errorBody{Error: message, Code: code, Fields: fields, RequestID: kit.RequestID(c)})
	}
	title := "error." + strconv.Itoa(status)
	if !s.Catalog.Has(title) {
		title = "error.500"
	}
	p := s.kit.Page(c, title, "", map[string]any{"Message": message, "RequestID": kit.RequestID(c), "Problems": maillage.ErrorProblems(err)})
	if rerr := s.kit.Render(c, status, "core/error", p); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(status).SendString(message)
	}
	return nil
}

// unreachable reports whether err says a service could not be reached or
// went away: PostgreSQL's connection lost or refused, or PostgreSQL
// shutting down or starting (connectionLost), or any network error.
func unreachable(err error) bool {
	var ne net.Error
	return connectionLost(err) || errors.As(err, &ne)
}

func fiberCode(status int) string {
	switch status {
	case fiber.StatusNotFound:
		return maillage.ENOTFOUND
	case fiber.StatusForbidden:
		return maillage.EFORBIDDEN
	case fiber.StatusUnauthorized:
		return maillage.EUNAUTHORIZED
	case fiber.StatusTooManyRequests:
		return maillage.ETOOMANY
	case fiber.StatusServiceUnavailable:
		return maillage.EUNAVAILABLE
	}
	if status >= 500 {
		return maillage.EINTERNAL
	}
	return maillage.EINVALID
}

// logger returns the request-scoped logger.
func (s *Server) logger(c *fiber.Ctx) *slog.Logger {
	return s.log.With("request_id", kit.RequestID(c))
}
