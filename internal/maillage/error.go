// Package maillage holds the domain of the portal: entities, service
// interfaces, filters, validation and permission rules next to their types,
// and error codes. It imports no other internal package.
package maillage

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. They are mapped to HTTP statuses in one place (internal/web).
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EFORBIDDEN    = "forbidden"
	EUNAUTHORIZED = "unauthorized"
	EUNAVAILABLE  = "unavailable"
	ETOOMANY      = "too_many_requests"
)

// Error is the one error type of the domain. Key names its safe message in
// the message catalogues (translated when it is shown, with Args as
// name/value pairs); Problems names the fields at fault, by their path in
// the JSON body (the same path is the name of the HTML input). The wrapped
// error, if any, is for logs only.
type Error struct {
	Code     string
	Key      string
	Args     []any
	Problems Problems
	Err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
	}
	for _, p := range e.Problems {
		fmt.Fprintf(&b, " [%s: %s]", p.Field, p.Key)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code, message key and arguments
// (name/value pairs: "Count", 3).
func Errorf(code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Wrap returns an *Error that carries an internal cause next to a safe message.
func Wrap(code string, err error, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args, Err: err}
}

// KeyInvalidForm is the message of an EINVALID error with problems.
const KeyInvalidForm = "error.invalid_form"

// Problem is one field at fault: its path (e.g. "mentor.capacity",
// "competences.1.1.level", "lieu.nom"), the message key and its arguments.
type Problem struct {
	Field string `json:"field"`
	Key   string `json:"key"`
	Args  []any  `json:"-"`
}

// Problems is what a Validate method returns: nil when everything is valid.
type Problems []Problem

// Add records a problem. A field keeps its first problem only, so a form
// shows one message per field: the first rule it breaks.
func (ps *Problems) Add(field, key string, args ...any) {
	if ps.Has(field) {
		return
	}
	*ps = append(*ps, Problem{Field: field, Key: key, Args: args})
}

// Has reports whether field has a problem.
func (ps Problems) Has(field string) bool {
	for _, p := range ps {
		if p.Field == field {
			return true
		}
	}
	return false
}

// Extend adds the problems of other, each field under prefix ("lieu.").
func (ps *Problems) Extend(prefix string, other Problems) {
	for _, p := range other {
		ps.Add(prefix+p.Field, p.Key, p.Args...)
	}
}

// Fields lists the fields at fault, sorted.
func (ps Problems) Fields() []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Field)
	}
	sort.Strings(out)
	return out
}

// Err returns nil when there is no problem, else an EINVALID *Error.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Key: KeyInvalidForm, Problems: ps}
}

// Invalid returns an EINVALID error for one field.
func Invalid(field, key string, args ...any) *Error {
	return &Error{Code: EINVALID, Key: KeyInvalidForm, Problems: Problems{{Field: field, Key: key, Args: args}}}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// KeyInternal is the message of an error that is not an *Error.
const KeyInternal = "error.internal"

// ErrorKey returns the message key and arguments of err (KeyInternal for an
// error that is not an *Error).
func ErrorKey(err error) (string, []any) {
	var e *Error
	if errors.As(err, &e) && e.Key != "" {
		return e.Key, e.Args
	}
	return KeyInternal, nil
}

// ErrorProblems returns the fields at fault of err, if any.
func ErrorProblems(err error) Problems {
	var e *Error
	if errors.As(err, &e) {
		return e.Problems
	}
	return nil
}

// Key returns the message key of field's problem ("" when it has none).
func (ps Problems) Key(field string) string {
	for _, p := range ps {
		if p.Field == field {
			return p.Key
		}
	}
	return ""
}
