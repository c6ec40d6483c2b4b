// Package lieux reads and writes places of digital mediation in the national
// standard (LaMednum schema v1.0.2, and the pre-2024 v0.1 files converted on
// the way): CSV and JSON import with a report of what went in and what did
// not, export, validation against the embedded schema.json plus the bounds
// the portal sets, telephone numbers and opening hours, the commune of a
// place, and imports run in the background. It knows no database: storage
// implements the Store and JobStore interfaces.
//
// No sentence is written here: every problem is a message key of the
// catalogues internal/web/lieux/report.{fr,en}.yaml with its arguments.
//
// Policy of the import:
//   - A row error means the row is not imported: a required field is missing,
//     a value breaks the schema and cannot be fixed without guessing (unknown
//     value of a closed list, malformed code, telephone, URL, e-mail, date,
//     coordinate out of range), a value over the portal's bounds, a control
//     character, an unknown INSEE code, a duplicated id.
//   - A warning means the row is imported and something deserves a look: the
//     value was made valid by a deterministic fix (summary truncated at 280
//     characters, wrong INSEE code replaced by the commune the postcode and
//     coordinates point at) or passes the schema but looks wrong (placeholder
//     SIRET 00000000000000, a 14-digit SIRET with a wrong key, a SIREN instead
//     of a SIRET, a date before 2000, an INSEE code that does not match the
//     postcode, an unknown typologie code, a lone latitude or longitude —
//     dropped —, several telephone numbers — the first kept —, opening hours
//     that are not in the OpenStreetMap syntax — kept).
//   - A note sums up the file: v0 vocabulary converted (one line per mapping
//     with its count), each unknown value once with its count, each list of
//     allowed values once.
//   - Silent normalisation: spaces trimmed, tabs and line breaks of one-line
//     fields turned into spaces, "|" or ";" as separator, curly apostrophes,
//     case and accents of closed-list values (the canonical value is stored),
//     telephone in international form, DD/MM/YYYY dates, decimal comma in
//     coordinates, duplicated values in a list.
//   - Only a file that cannot be read at all (not UTF-8, empty, no header,
//     required columns missing, malformed JSON) is refused as a whole, with a
//     *maillage.Error of code EINVALID.
//   - Columns absent from a file leave the stored values of existing places
//     as they are; a present, empty cell clears a value.
package lieux

import (
	"fmt"
	"strings"

	"maillage/internal/maillage"
)

// RowError is a problem found in one row: an error (the row is rejected), a
// warning (the row is imported) or a note (the file as a whole), depending on
// the Report list holding it.
//
// Line is the line of the row in a CSV file (the header is line 1), the
// position of the record in a JSON file (the first object is 1), or the
// would-be line of the lieu in the exported file for WriteCSV; 0 when
// unknown (Validate) or for the file as a whole. Field is the schema field at
// fault, "" for the whole row. Key names the message in the catalogues and
// Args are its arguments as name/value pairs.
type RowError struct {
	Line  int
	ID    string
	Field string
	Key   string
	Args  []any
}

// Error is for logs: the key and its arguments, not a sentence.
func (e RowError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d ", e.Line)
	}
	if e.ID != "" {
		fmt.Fprintf(&b, "(id %s) ", e.ID)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Key)
	for i := 0; i+1 < len(e.Args); i += 2 {
		fmt.Fprintf(&b, " %v=%v", e.Args[i], e.Args[i+1])
	}
	return b.String()
}

// Arg returns the value of the named argument (nil when absent).
func (e RowError) Arg(name string) any {
	for i := 0; i+1 < len(e.Args); i += 2 {
		if e.Args[i] == name {
			return e.Args[i+1]
		}
	}
	return nil
}

// RowErrors is a list of row errors usable as an error (WriteCSV and
// WriteJSON wrap it in a *maillage.Error when lieux break the schema).
type RowErrors []RowError

func (es RowErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Problems turns row errors into the problems of a form or an API body: one
// per field, its path prefix + field ("lieu.nom"). Row-wide errors go to
// prefix without its final dot.
func (es RowErrors) Problems(prefix string) maillage.Problems {
	var ps maillage.Problems
	for _, e := range es {
		f := prefix + e.Field
		if e.Field == "" {
			f = strings.TrimSuffix(prefix, ".")
		}
		ps.Add(f, e.Key, e.Args...)
	}
	return ps
}

// Row is an imported lieu with the line it came from, the schema fields the
// row carried (absent ones keep their stored values) and the INSEE code of
// its commune in the communes referential ("" when none could be found):
// the city for a municipal arrondissement, the commune a CEDEX postcode or
// the coordinates point at.
type Row struct {
	Line         int
	Lieu         maillage.Lieu
	Present      []string
	CommuneInsee string
}

// Report is the outcome of reading a file: the good rows, in file order, and
// the problems, sorted by line. A rejected row has its errors in Errors and
// is not in Rows; its warnings are not reported.
type Report struct {
	Version  string     // schema version of the file: "v1", or "v0" (converted)
	Total    int        // data rows read (empty lines not counted)
	Columns  []string   // schema fields present in the file (CSV header, JSON keys), in schema order
	Rows     []Row      // imported rows
	Errors   []RowError // problems of rejected rows
	Warnings []RowError // problems of imported rows, and of the file (Line 0 or 1)
	Notes    []RowError // the file summed up: conversions, unknown values with their count, allowed values
}

// Lieux returns the imported lieux.
func (r *Report) Lieux() []maillage.Lieu {
	out := make([]maillage.Lieu, len(r.Rows))
	for i, row := range r.Rows {
		out[i] = row.Lieu
	}
	return out
}

// Rejected returns the number of rejected rows.
func (r *Report) Rejected() int { return r.Total - len(r.Rows) }

// Options tune an import. The zero value checks the file against the schema
// only.
type Options struct {
	// Communes, when set, resolves the commune of each place (code_insee,
	// postcode, name and coordinates), corrects an INSEE code that points
	// thousands of km away from the coordinates, and rejects an INSEE code
	// that no commune has.
	Communes Communes
	// Territory, when its Holds is set, limits the import to the places of
	// a territory (a coordinator's): a row whose commune is elsewhere (or
	// could not be found: it needs Communes), or whose id names a stored
	// place elsewhere, is rejected.
	Territory Territory
}

// Territory is where an import may write: the départements a coordinator
// acts in. The zero value is everywhere (an administrator, the import
// command).
type Territory struct {
	// Holds reports whether a département is in the territory; nil holds
	// every one.
	Holds func(codeDepartement string) bool
	// Stored gives the département of the stored places by their id
	// ("" for a place without a known commune): those an import would
	// update by id.
	Stored map[string]string
}

// Everywhere reports whether the territory has no bounds.
func (t Territory) Everywhere() bool { return t.Holds == nil }
