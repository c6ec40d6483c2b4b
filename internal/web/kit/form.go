package kit

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/i18n"
	"maillage/internal/maillage"
)

// Form carries what the person typed and the problems per field, so a form
// that fails validation comes back with its values and a message next to
// each field. Field names are the paths of the domain's problems (the JSON
// path of the API body: "mentor.capacity", "lieu.nom"), so a problem lands
// next to its input with no renaming in between.
type Form struct {
	Values   map[string][]string
	Problems maillage.Problems
	// Message is the message at the top of the form ("" when none).
	Message string

	lang string
	cat  *i18n.Catalog
}

// NewForm returns an empty form (a first display) for the request.
func (k *Kit) NewForm(c *fiber.Ctx) *Form {
	return &Form{Values: map[string][]string{}, lang: Lang(c), cat: k.Catalog}
}

// PostedForm reads every posted field (urlencoded or multipart), keeping
// repeated fields (checkboxes) in order. The CSRF field is left out.
func (k *Kit) PostedForm(c *fiber.Ctx) *Form {
	f := k.NewForm(c)
	if mf, err := c.MultipartForm(); err == nil && mf != nil {
		for name, vs := range mf.Value {
			f.Values[name] = append(f.Values[name], vs...)
		}
	} else {
		c.Context().PostArgs().VisitAll(func(key, v []byte) {
			f.Values[string(key)] = append(f.Values[string(key)], string(v))
		})
	}
	delete(f.Values, CSRFField)
	for name, vs := range f.Values {
		for _, v := range vs {
			// A NUL or another control character cannot be typed: refuse
			// it next to its field (PostgreSQL would refuse it anyway).
			if maillage.HasControl(v, true) {
				f.Add(name, maillage.KeyControl)
			}
		}
	}
	return f
}

// CSRFField is the name of the CSRF token in forms.
const CSRFField = "_csrf"

// Value returns the (first) value of a field, trimmed.
func (f *Form) Value(name string) string {
	if f == nil || len(f.Values[name]) == 0 {
		return ""
	}
	return strings.TrimSpace(f.Values[name][0])
}

// Raw returns the (first) value of a field as typed.
func (f *Form) Raw(name string) string {
	if f == nil || len(f.Values[name]) == 0 {
		return ""
	}
	return f.Values[name][0]
}

// List returns every non-empty value of a field (checkboxes).
func (f *Form) List(name string) []string {
	if f == nil {
		return nil
	}
	var out []string
	for _, v := range f.Values[name] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Checked reports whether a checkbox field holds v.
func (f *Form) Checked(name, v string) bool {
	if f == nil {
		return false
	}
	for _, x := range f.Values[name] {
		if x == v {
			return true
		}
	}
	return false
}

// On reports whether a single checkbox is ticked.
func (f *Form) On(name string) bool { return f.Value(name) != "" && f.Value(name) != "false" }

// Set replaces the value of a field (redrawing a form with stored values).
func (f *Form) Set(name string, values ...string) { f.Values[name] = values }

// Error returns the translated message of a field ("" when valid).
func (f *Form) Error(name string) string {
	if f == nil {
		return ""
	}
	for _, p := range f.Problems {
		if p.Field == name {
			return f.cat.T(f.lang, p.Key, p.Args...)
		}
	}
	return ""
}

// ErrorUnder returns the first message of a field or of any field below it
// ("competences" covers "competences.1.1.level").
func (f *Form) ErrorUnder(prefix string) string {
	if f == nil {
		return ""
	}
	for _, p := range f.Problems {
		if p.Field == prefix || strings.HasPrefix(p.Field, prefix+".") {
			return f.cat.T(f.lang, p.Key, p.Args...)
		}
	}
	return ""
}

// HasErrors reports whether any field is invalid.
func (f *Form) HasErrors() bool { return f != nil && (len(f.Problems) > 0 || f.Message != "") }

// Add records a problem found while reading the form.
func (f *Form) Add(field, key string, args ...any) { f.Problems.Add(field, key, args...) }

// Err returns the form's problems as an error (nil when none).
func (f *Form) Err() error { return f.Problems.Err() }

// Fail takes the problems of a domain error: it returns false (and leaves
// the form alone) when err is not about fields, so the caller returns err.
func (f *Form) Fail(err error) bool {
	var e *maillage.Error
	if !errors.As(err, &e) || len(e.Problems) == 0 {
		return false
	}
	for _, p := range e.Problems {
		f.Problems.Add(p.Field, p.Key, p.Args...)
	}
	return true
}

// FailMessage shows a domain error's message at the top of the form (a
// refusal that is about no field, such as a rate limit).
func (f *Form) FailMessage(err error) {
	key, args := maillage.ErrorKey(err)
	f.Message = f.cat.T(f.lang, key, args...)
}
