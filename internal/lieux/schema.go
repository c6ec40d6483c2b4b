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

// hints say in French what a pattern of schema.json expects, for messages.
var hints = map[string]string{
	"pivot":       "SIRET (14 chiffres), RNA (W + 9 chiffres) ou RIDET attendu",
	"code_postal": "5 chiffres attendus",
	"code_insee":  "code INSEE de 5 caractères attendu (ex. 69123, 2A004)",
	"telephone":   "numéro français attendu (ex. 04 78 00 00 00 ou +33478000000)",
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
				errs = append(errs, RowError{Field: f.Name, Reason: f.Name + " : champ obligatoire vide"})
			}
			continue
		}
		if reason := checkValue(&f, v); reason != "" {
			errs = append(errs, RowError{Field: f.Name, Reason: fmt.Sprintf("%s « %s » : %s", f.Name, v, reason)})
		}
	}
	return errs
}

// checkValue returns why the non-empty v breaks the rules of f, or "".
func checkValue(f *field, v string) string {
	switch f.Type {
	case "number":
		if _, err := strconv.ParseFloat(v, 64); err != nil || strings.ContainsAny(v, "_xXpP") {
			return "nombre attendu (décimales avec un point)"
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return "date AAAA-MM-JJ attendue"
		}
	}
	if f.MaxLength > 0 {
		if n := utf8.RuneCountInString(v); n > f.MaxLength {
			return fmt.Sprintf("trop long (%d caractères, %d au plus)", n, f.MaxLength)
		}
	}
	if f.Pattern != nil && !f.Pattern.MatchString(v) {
		if h, ok := hints[f.Name]; ok {
			return h
		}
		if enum, ok := enumerations[f.Name]; ok {
			return "valeur hors liste (valeurs possibles : " + strings.Join(enum, " | ") + ")"
		}
		return "ne respecte pas le motif du schéma"
	}
	return ""
}
