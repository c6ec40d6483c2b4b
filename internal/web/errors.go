package web

import (
	"errors"
	"log/slog"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
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

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error     string            `json:"error"`
	Code      string            `json:"code"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// errorHandler renders every error returned by a handler: a French page (or
// JSON), never a stack trace nor SQL. Internal causes are logged only.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	code := maillage.ErrorCode(err)
	l := lang(c)
	message := ""
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status = fe.Code
		code = fiberCode(status)
		key := "error.msg." + strconv.Itoa(status)
		if _, ok := messages[key]; ok {
			message = translate(l, key)
		} else {
			message = translate(l, "error."+strconv.Itoa(status))
		}
	} else {
		if st, ok := statusOf[code]; ok {
			status = st
		}
		message = errorMessage(err)
	}
	if status >= 500 {
		s.log.Error("request failed", "status", status, "method", c.Method(), "path", c.Path(), "request_id", requestID(c), "err", err.Error())
	} else {
		s.log.Debug("request refused", "status", status, "path", c.Path(), "err", err.Error())
	}
	if acceptsJSON(c) {
		return c.Status(status).JSON(errorBody{Error: message, Code: code, Fields: errorFields(err), RequestID: requestID(c)})
	}
	title := "error." + strconv.Itoa(status)
	if _, ok := messages[title]; !ok {
		title = "error.500"
	}
	p := s.page(c, title, "", map[string]string{"Message": message, "RequestID": requestID(c)})
	if rerr := s.render(c, status, "error", p); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(status).SendString(message)
	}
	return nil
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
	return s.log.With("request_id", requestID(c))
}
