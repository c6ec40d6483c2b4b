package lieux

import (
	"encoding/csv"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"maillage/content"
)

// V0MappingPath is the vocabulary of the pre-2024 schema (v0.1) with its v1
// counterparts, in content.FS() (see content/lieux/SOURCE.md).
const V0MappingPath = "lieux/v0-v1.csv"

// v0Columns maps the columns of a v0 file to their v1 field. Columns whose
// values are converted one by one (publics_accueillis, conditions_acces,
// labels_nationaux) feed several v1 fields and are listed in v0Vocabulary;
// "" means the column has no v1 counterpart and is ignored.
var v0Columns = map[string]string{
	"courriel":             "courriels",
	"presentation_resumee": "presentation_resume", // misspelling written by the v0 npm package
	"accessibilite":        "fiche_acces_libre",
	"labels_autres":        "autres_formations_labels",
	"conditions_access":    "conditions_acces", // misspelling written by the v0 npm package
	"cle_ban":              "",
}

// v0Vocabulary are the v0 columns whose values are converted, with the v1
// field an unknown value goes to (where the schema rejects it or, for
// labels, where it is kept as free text).
var v0Vocabulary = map[string]string{
	"services":                 "services",
	"modalites_accompagnement": "modalites_accompagnement",
	"publics_accueillis":       "publics_specifiquement_adresses",
	"conditions_acces":         "frais_a_charge",
	"labels_nationaux":         "autres_formations_labels",
}

// v0Only are the columns that tell a v0 file.
var v0Only = []string{"publics_accueillis", "conditions_acces", "conditions_access", "labels_nationaux", "labels_autres", "courriel", "accessibilite", "cle_ban", "presentation_resumee"}

// v1Target is one v1 value a v0 value becomes ("" Value: dropped).
type v1Target struct {
	V0Field, V0Value string
	Field, Value     string
}

// v0Mapping indexes content/lieux/v0-v1.csv by v0 field and key of the v0
// value (the whole value and, for "Label : explanation" values, the label).
var v0Mapping = mustLoadV0(content.FS())

func mustLoadV0(fsys fs.FS) map[string]map[string]v1Target {
	m, err := loadV0(fsys)
	if err != nil {
		panic(fmt.Sprintf("lieux: embedded %s: %v", V0MappingPath, err))
	}
	return m
}

func loadV0(fsys fs.FS) (map[string]map[string]v1Target, error) {
	f, err := fsys.Open(V0MappingPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	m := map[string]map[string]v1Target{}
	for i, r := range recs {
		if i == 0 {
			continue
		}
		t := v1Target{V0Field: r[0], V0Value: r[1], Field: r[2], Value: r[3]}
		if m[t.V0Field] == nil {
			m[t.V0Field] = map[string]v1Target{}
		}
		for _, k := range v0Keys(t.V0Value) {
			if _, dup := m[t.V0Field][k]; !dup {
				m[t.V0Field][k] = t
			}
		}
	}
	return m, nil
}

// v0Keys are the keys a v0 value is found by: all of it, and the label
// before " : " ("Gratuit : Je peux accéder…" is also "Gratuit").
func v0Keys(v string) []string {
	ks := []string{key(v)}
	if label, _, ok := strings.Cut(v, " : "); ok {
		ks = append(ks, key(label))
	}
	return ks
}

// v0Feeds lists, for each v1 field, the v0 vocabularies its values may come
// from when a v1 file still uses v0 values.
var v0Feeds = map[string][]string{
	"services":                        {"services"},
	"modalites_accompagnement":        {"modalites_accompagnement"},
	"frais_a_charge":                  {"conditions_acces"},
	"publics_specifiquement_adresses": {"publics_accueillis"},
	"prise_en_charge_specifique":      {"publics_accueillis"},
	"dispositif_programmes_nationaux": {"labels_nationaux"},
	"formations_labels":               {"labels_nationaux"},
}

func lookupV0(v0field, value string) (v1Target, bool) {
	for _, k := range v0Keys(value) {
		if t, ok := v0Mapping[v0field][k]; ok {
			return t, true
		}
	}
	return v1Target{}, false
}

// converter turns v0 columns and values into v1 ones and counts what it did.
type converter struct {
	mapped  map[v1Target]int
	dropped map[v1Target]int
}

func newConverter() *converter {
	return &converter{mapped: map[v1Target]int{}, dropped: map[v1Target]int{}}
}

// convert rewrites raw (field → text) in place: v0 columns become v1
// fields, v0 values become v1 values. Values are joined with "|" (free text
// with ", ").
func (cv *converter) convert(raw map[string]string) {
	out := map[string][]string{}
	seen := map[string]bool{}
	add := func(field, v string) {
		out[field] = append(out[field], v)
		seen[field] = true
	}
	for _, name := range sortedKeys(v0Columns) {
		v1 := v0Columns[name]
		s, ok := raw[name]
		if !ok {
			continue
		}
		delete(raw, name)
		if v1 == "" {
			continue
		}
		if _, vocab := v0Vocabulary[v1]; vocab {
			raw[v1] = s // conditions_access → conditions_acces, converted below
			continue
		}
		if v1 == "autres_formations_labels" {
			for _, it := range splitMulti(s) {
				add(v1, it)
			}
			continue
		}
		raw[v1] = s
	}
	for _, v0field := range sortedKeys(v0Vocabulary) {
		fallback := v0Vocabulary[v0field]
		s, ok := raw[v0field]
		if !ok {
			continue
		}
		delete(raw, v0field) // its values come back converted, through out
		seen[fallback] = true
		for _, t := range v0Targets(v0field) {
			seen[t] = true
		}
		for _, it := range splitMulti(s) {
			t, ok := lookupV0(v0field, it)
			switch {
			case !ok:
				add(fallback, it) // a v1 value, or unknown: the schema says which
			case t.Value == "":
				cv.dropped[t]++
			default:
				cv.mapped[t]++
				add(t.Field, t.Value)
			}
		}
	}
	// v1 columns holding v0 values.
	for _, field := range sortedKeys(v0Feeds) {
		feeds := v0Feeds[field]
		s, ok := raw[field]
		if !ok || seen[field] {
			continue
		}
		var keep []string
		for _, it := range splitMulti(s) {
			if _, ok := canon[field][key(it)]; ok {
				keep = append(keep, it)
				continue
			}
			if _, ok := aliases[field][key(it)]; ok {
				keep = append(keep, it)
				continue
			}
			converted := false
			for _, f := range feeds {
				if t, ok := lookupV0(f, it); ok {
					converted = true
					if t.Value == "" {
						cv.dropped[t]++
					} else {
						cv.mapped[t]++
						if t.Field == field {
							keep = append(keep, t.Value)
						} else {
							add(t.Field, t.Value)
						}
					}
					break
				}
			}
			if !converted {
				keep = append(keep, it)
			}
		}
		raw[field] = strings.Join(keep, Separator)
	}
	for field, vs := range out {
		if prev := strings.TrimSpace(raw[field]); prev != "" && field != "autres_formations_labels" {
			vs = append(splitMulti(prev), vs...)
		} else if prev != "" {
			vs = append([]string{prev}, vs...)
		}
		sep := Separator
		if field == "autres_formations_labels" {
			sep = ", "
		}
		raw[field] = strings.Join(uniq(vs), sep)
	}
	for field := range seen {
		if _, ok := raw[field]; !ok {
			raw[field] = ""
		}
	}
}

// v0Targets lists the v1 fields a v0 vocabulary feeds.
func v0Targets(v0field string) []string {
	var out []string
	for _, t := range v0Mapping[v0field] {
		if t.Field != "" && !slices.Contains(out, t.Field) {
			out = append(out, t.Field)
		}
	}
	sort.Strings(out)
	return out
}

// notes sums up the conversion: one line per mapping, with its count.
func (cv *converter) notes() []RowError {
	var out []RowError
	ts := make([]v1Target, 0, len(cv.mapped))
	for t := range cv.mapped {
		ts = append(ts, t)
	}
	sortTargets(ts)
	for _, t := range ts {
		out = append(out, RowError{Field: t.Field, Key: KeyV0Value, Args: []any{"FromField", t.V0Field, "From", t.V0Value, "ToField", t.Field, "To", t.Value, "Count", cv.mapped[t]}})
	}
	ts = ts[:0]
	for t := range cv.dropped {
		ts = append(ts, t)
	}
	sortTargets(ts)
	for _, t := range ts {
		out = append(out, RowError{Field: t.V0Field, Key: KeyV0Dropped, Args: []any{"Field", t.V0Field, "Value", t.V0Value, "Count", cv.dropped[t]}})
	}
	return out
}

func sortTargets(ts []v1Target) {
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].V0Field != ts[j].V0Field {
			return ts[i].V0Field < ts[j].V0Field
		}
		return ts[i].V0Value < ts[j].V0Value
	})
}

// isV0Header reports whether the columns are those of a v0 file.
func isV0Header(names []string) bool {
	for _, n := range names {
		if slices.Contains(v0Only, n) {
			return true
		}
	}
	return false
}

// v0Known reports whether name is a column of the v0 schema that has no
// field of the same name in v1.
func v0Known(name string) bool {
	_, col := v0Columns[name]
	_, vocab := v0Vocabulary[name]
	return col || vocab
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
