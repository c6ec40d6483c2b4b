package kit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

// The JSON API (/api/…): decoding, lists and query parameters shared by
// every capability.

// List is the shape of every API list.
type List[T any] struct {
	Total  int `json:"total"`
	Limit  int `json:"limit,omitempty"`
	Offset int `json:"offset"`
	Items  []T `json:"items"`
}

// NewList returns a list body (never a null list).
func NewList[T any](items []T, total, limit, offset int) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Total: total, Limit: limit, Offset: offset, Items: items}
}

// API pagination bounds.
const (
	APIDefaultLimit = 20
	APIMaxLimit     = 100
	APIMaxOffset    = 100000
)

// Query reads the query parameters of a request, collecting a problem per
// parameter at fault.
type Query struct {
	c  *fiber.Ctx
	ps maillage.Problems
}

// NewQuery reads c's query parameters.
func NewQuery(c *fiber.Ctx) *Query { return &Query{c: c} }

// Text returns a parameter, refusing control characters and more than max
// characters.
func (q *Query) Text(name string, max int) string {
	v := strings.TrimSpace(q.c.Query(name))
	maillage.CheckText(&q.ps, name, v, max, false)
	return v
}

// Page reads limit and offset.
func (q *Query) Page() (limit, offset int) {
	limit = APIDefaultLimit
	if v := q.c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > APIMaxLimit {
			q.ps.Add("limit", "error.api.limit", "Max", APIMaxLimit)
		}
		limit = n
	}
	if v := q.c.Query("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > APIMaxOffset {
			q.ps.Add("offset", "error.api.offset", "Max", APIMaxOffset)
		}
		offset = n
	}
	return limit, offset
}

// Bool reads true or false (nil when absent).
func (q *Query) Bool(name string) *bool {
	v := q.c.Query(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.ps.Add(name, "error.api.bool")
		return nil
	}
	return &b
}

var territoryCode = regexp.MustCompile(`^[0-9][0-9AB][0-9]?$`)

// Territory reads a département or région code (01, 2A, 974, 84…).
func (q *Query) Territory(name string) string {
	v := strings.ToUpper(strings.TrimSpace(q.c.Query(name)))
	if v != "" && !territoryCode.MatchString(v) {
		q.ps.Add(name, "error.api.territory")
	}
	return v
}

// Add records a problem on a parameter.
func (q *Query) Add(name, key string, args ...any) { q.ps.Add(name, key, args...) }

// Err returns the problems found (nil when none).
func (q *Query) Err() error {
	if len(q.ps) == 0 {
		return nil
	}
	return &maillage.Error{Code: maillage.EINVALID, Key: "error.api.query", Problems: q.ps}
}

// DecodeJSON reads a JSON object body into v, refusing unknown fields and
// several values, with a problem naming the field at fault (its JSON path).
func DecodeJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return maillage.Errorf(maillage.EINVALID, "error.api.body_empty")
	}
	if hasNUL(body) {
		// PostgreSQL refuses NUL in text: say so instead of failing later.
		return maillage.Errorf(maillage.EINVALID, "error.api.nul")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return maillage.Errorf(maillage.EINVALID, "error.api.body_several")
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return maillage.Invalid(bodyPath(reflect.TypeOf(v), typeErr.Field), "error.api.type."+jsonType(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr):
		return maillage.Wrap(maillage.EINVALID, err, "error.api.syntax", "Offset", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return maillage.Invalid(name, "error.api.unknown_field")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return maillage.Wrap(maillage.EINVALID, err, "error.api.truncated")
	}
	var fe *maillage.Error
	if errors.As(err, &fe) {
		return fe
	}
	return maillage.Wrap(maillage.EINVALID, err, "error.api.not_json")
}

// bodyPath turns the path encoding/json reports (« lieu.Lieu.latitude »)
// into the field's path in the body (« lieu.latitude »): json puts the Go
// name of an embedded struct in the path, though the body has no such
// level. The path is walked through t: a segment that is no JSON name of
// the struct there but the name of one of its embedded fields is dropped.
func bodyPath(t reflect.Type, path string) string {
	var out []string
	for _, seg := range strings.Split(path, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			t = t.Elem()
		}
		switch {
		case t == nil:
			out = append(out, seg)
		case t.Kind() == reflect.Map:
			out, t = append(out, seg), t.Elem()
		case t.Kind() == reflect.Struct:
			if f, ok := jsonField(t, seg); ok {
				out, t = append(out, seg), f.Type
			} else if f, ok := t.FieldByName(seg); ok && f.Anonymous {
				t = f.Type // an embedded struct: no level in the body
			} else {
				out, t = append(out, seg), nil
			}
		default:
			out, t = append(out, seg), nil
		}
	}
	return strings.Join(out, ".")
}

// jsonField finds the field of struct t (or of its embedded structs) whose
// JSON name is name.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	return t.FieldByNameFunc(func(goName string) bool {
		f, _ := t.FieldByName(goName)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		return tag == name || tag == "" && !f.Anonymous && strings.EqualFold(goName, name)
	})
}

// jsonType names the kind a field expects (the suffix of its message key).
func jsonType(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "integer"
	case strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "string", kind == "bool":
		return kind
	case kind == "slice":
		return "list"
	case kind == "map", kind == "struct":
		return "object"
	}
	return "other"
}

// JSON writes v, marked personal when the caller is signed in.
func JSON(c *fiber.Ctx, v any) error {
	if User(c) != nil {
		NoStore(c)
	}
	return c.JSON(v)
}

// hasNUL reports whether a JSON text holds the escape \u0000 (a raw
// control character is not valid JSON and fails to decode anyway).
func hasNUL(b []byte) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(`\u0000`))
		if j < 0 {
			return false
		}
		j += i
		n := 0 // backslashes before: odd means the u0000 is escaped text
		for k := j - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
		i = j + 6
	}
}
