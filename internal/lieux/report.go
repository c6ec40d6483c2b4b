// Package lieux reads and writes places of digital mediation in the national
// standard (LaMednum schema v1.0.2): CSV and JSON import with a report of
// what went in and what did not, export, and validation against the embedded
// schema.json. It knows no database: storage, the upload page and the
// command line are built on top of it.
//
// Policy of the import:
//   - A row error means the row is not imported: a required field is missing,
//     a value breaks the schema and cannot be fixed without guessing (unknown
//     value of a closed list, malformed code, telephone, URL, e-mail, date,
//     coordinate out of range), an unknown INSEE code, a duplicated id.
//   - A warning means the row is imported and something deserves a look: the
//     value was made valid by a deterministic fix (summary truncated at 280
//     characters) or passes the schema but looks wrong (placeholder SIRET
//     00000000000000, a 14-digit SIRET with a wrong key, a SIREN instead of a
//     SIRET, a date before 2000, an INSEE code that does not match the
//     postcode, an unknown typologie code, a lone latitude or longitude —
//     dropped —, several telephone numbers — the first kept).
//   - Silent normalisation: spaces trimmed, "|" or ";" as separator, curly
//     apostrophes, case and accents of closed-list values (the canonical value
//     is stored), telephone in international form, DD/MM/YYYY dates, decimal
//     comma in coordinates, duplicated values in a list.
//   - Only a file that cannot be read at all (not UTF-8, empty, no header,
//     required columns missing, malformed JSON) is refused as a whole, with a
//     *maillage.Error of code EINVALID and a French message.
package lieux

import (
	"fmt"
	"strings"

	"maillage/internal/maillage"
)

// RowError is a problem found in one row: an error (the row is rejected) or a
// warning (the row is imported), depending on the Report list holding it.
//
// Line is the line of the row in a CSV file (the header is line 1), the
// position of the record in a JSON file (the first object is 1), or the
// would-be line of the lieu in the exported file for WriteCSV; 0 when
// unknown (Validate) or for the file as a whole. Field is the schema field at
// fault, "" for the whole row. Reason is a French sentence for the user that
// names the field and quotes the value.
type RowError struct {
	Line   int
	ID     string
	Field  string
	Reason string
}

func (e RowError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "ligne %d", e.Line)
	}
	if e.ID != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "(id %s)", e.ID)
	}
	if b.Len() > 0 {
		b.WriteString(" : ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// RowErrors is a list of row errors usable as an error (WriteCSV and
// WriteJSON wrap it in a *maillage.Error when lieux break the schema).
type RowErrors []RowError

func (es RowErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, " ; ")
}

// Row is an imported lieu with the line it came from.
type Row struct {
	Line int
	Lieu maillage.Lieu
}

// Report is the outcome of an import: the good rows, in file order, and the
// problems, sorted by line. A rejected row has its errors in Errors and is
// not in Rows; its warnings are not reported.
type Report struct {
	Total    int        // data rows read (empty lines not counted)
	Rows     []Row      // imported rows
	Errors   []RowError // problems of rejected rows
	Warnings []RowError // problems of imported rows, and of the file (Line 0 or 1)
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

// Summary says in French what the import did.
func (r *Report) Summary() string {
	s := fmt.Sprintf("%d %s sur %d", len(r.Rows), plural(len(r.Rows), "lieu importé", "lieux importés"), r.Total)
	if n := r.Rejected(); n > 0 {
		s += fmt.Sprintf(", %d %s", n, plural(n, "ligne rejetée", "lignes rejetées"))
	}
	if n := len(r.Warnings); n > 0 {
		s += fmt.Sprintf(", %d %s", n, plural(n, "avertissement", "avertissements"))
	}
	return s + "."
}

func plural(n int, one, many string) string {
	if n < 2 {
		return one
	}
	return many
}

// CommuneChecker knows the communes. PostcodesOf returns the postcodes of the
// commune with the given INSEE code, and false when no commune has that
// code. Implementations backed by the communes table should also know the
// municipal arrondissements (75101…, 69381…, 13201…), which real files use.
type CommuneChecker interface {
	PostcodesOf(codeInsee string) ([]string, bool)
}

// Options tune an import. The zero value checks the file against the schema
// only.
type Options struct {
	// Communes, when set, cross-checks code_insee: an unknown code rejects
	// the row, a code that does not match code_postal is a warning.
	Communes CommuneChecker
}
