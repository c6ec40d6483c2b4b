package lieux

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"maillage/content"
)

// SchemaPath is the embedded copy of the official schema.json in content.FS().
const SchemaPath = "lieux/schema.json"

// field is one column of the schema with the constraints this package checks.
type field struct {
	Index     int // position of the column
	Name      string
	Type      string // "string", "number" or "date"
	Required  bool
	Unique    bool
	Pattern   *regexp.Regexp // anchored at both ends, as Table Schema means it
	MaxLength int            // 0: no limit
}

// schema is read once from the embedded schema.json: its column order,
// required fields, patterns and maximum lengths drive the checks.
var schema = mustLoadSchema(content.FS())

type schemaFile struct {
	Version string `json:"version"`
	Fields  []struct {
		Name        string `json:"name"`
		Type        string `json:"type"`
		Constraints struct {
			Required  bool   `json:"required"`
			Unique    bool   `json:"unique"`
			Pattern   string `json:"pattern"`
			MaxLength int    `json:"maxLength"`
		} `json:"constraints"`
	} `json:"fields"`
}

type schemaRules struct {
	Version string
	Fields  []field
	byName  map[string]*field
}

func mustLoadSchema(fsys fs.FS) *schemaRules {
	s, err := loadSchema(fsys)
	if err != nil {
		panic(fmt.Sprintf("lieux: embedded %s: %v", SchemaPath, err))
	}
	return s
}

func loadSchema(fsys fs.FS) (*schemaRules, error) {
	b, err := fs.ReadFile(fsys, SchemaPath)
	if err != nil {
		return nil, err
	}
	var f schemaFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	s := &schemaRules{Version: f.Version, byName: map[string]*field{}}
	for _, sf := range f.Fields {
		fd := field{Index: len(s.Fields), Name: sf.Name, Type: sf.Type, Required: sf.Constraints.Required, Unique: sf.Constraints.Unique, MaxLength: sf.Constraints.MaxLength}
		if p := sf.Constraints.Pattern; p != "" {
			if fd.Pattern, err = regexp.Compile("^(?:" + p + ")$"); err != nil {
				return nil, fmt.Errorf("field %s: pattern: %w", sf.Name, err)
			}
		}
		s.Fields = append(s.Fields, fd)
	}
	for i := range s.Fields {
		s.byName[s.Fields[i].Name] = &s.Fields[i]
	}
	for _, fd := range s.Fields {
		if _, ok := getters[fd.Name]; !ok {
			return nil, fmt.Errorf("field %s has no counterpart in maillage.Lieu", fd.Name)
		}
	}
	if len(getters) != len(s.Fields) {
		return nil, fmt.Errorf("%d fields in the schema, %d in maillage.Lieu", len(s.Fields), len(getters))
	}
	return s, nil
}

// Columns returns the 32 column names of the schema, in order.
func Columns() []string {
	out := make([]string, len(schema.Fields))
	for i, f := range schema.Fields {
		out[i] = f.Name
	}
	return out
}

// bounds are the portal's limits for fields the schema leaves unbounded
// (in characters; for lists, of each value), shared by the importer and
// Validate, so forms, the API and files accept the same places.
var bounds = map[string]int{
	"id": 250, "nom": 250, "commune": 150, "adresse": 500, "complement_adresse": 500,
	"typologie": 100, "courriels": 254, "site_web": 2048, "horaires": 1000,
	"presentation_detail": 10000, "source": 250, "structure_parente": 250,
	"autres_formations_labels": 1000, "fiche_acces_libre": 2048, "prise_rdv": 2048,
}

// MaxListValues is the most values a multi-value field may hold.
const MaxListValues = 50

// Bound returns the maximum length of a field (of each value for a list):
// the schema's maxLength, else the portal's bound; 0 when there is none
// (fields held by a pattern).
func Bound(name string) int {
	if f, ok := schema.byName[name]; ok && f.MaxLength > 0 {
		return f.MaxLength
	}
	return bounds[name]
}

// patternKeys name the message of a broken pattern, by field.
var patternKeys = map[string]string{
	"pivot":       KeyPivot,
	"code_postal": KeyPostcode,
	"code_insee":  KeyInsee,
	"telephone":   KeyPhone,
}

// checkRecord checks one row, given as schema field → text, against the
// rules of schema.json: required, type (number, date), pattern, maxLength.
// It returns the errors by field, in column order.
func checkRecord(rec map[string]string) []RowError {
	var errs []RowError
	for _, f := range schema.Fields {
		v := rec[f.Name]
		if v == "" {
			if f.Required {
				errs = append(errs, RowError{Field: f.Name, Key: KeyRequired, Args: []any{"Field", f.Name}})
			}
			continue
		}
		if key, args := checkValue(&f, v); key != "" {
			errs = append(errs, RowError{Field: f.Name, Key: key, Args: args})
		}
	}
	return errs
}

// checkValue returns why the non-empty v breaks the rules of f (a message
// key and its arguments), or "".
func checkValue(f *field, v string) (string, []any) {
	switch f.Type {
	case "number":
		if _, err := strconv.ParseFloat(v, 64); err != nil || strings.ContainsAny(v, "_xXpP") {
			return KeyNumber, []any{"Field", f.Name, "Value", clean(v)}
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return KeyDateFormat, []any{"Field", f.Name, "Value", clean(v)}
		}
	}
	if f.MaxLength > 0 {
		if n := utf8.RuneCountInString(v); n > f.MaxLength {
			return KeyTooLong, []any{"Field", f.Name, "Length", n, "Max", f.MaxLength}
		}
	}
	if f.Pattern != nil && !f.Pattern.MatchString(v) {
		if k, ok := patternKeys[f.Name]; ok {
			return k, []any{"Value", clean(v)}
		}
		if _, ok := enumerations[f.Name]; ok {
			return KeyEnum, []any{"Field", f.Name, "Value", clean(v)}
		}
		return KeyPattern, []any{"Field", f.Name, "Value", clean(v)}
	}
	return "", nil
}

// FieldNames lists the fields of the national schema in column order (the
// web layer names each with the key "lieux.field.<name>").
func FieldNames() []string {
	out := make([]string, len(schema.Fields))
	for i, f := range schema.Fields {
		out[i] = f.Name
	}
	return out
}
