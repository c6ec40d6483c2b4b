package lieux

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"maillage/internal/maillage"
)

// Format is the format of a file of places.
type Format string

// The formats of the national standard.
const (
	FormatCSV  Format = "csv"
	FormatJSON Format = "json"
)

// DetectFormat picks the format from the file name's extension (.csv,
// .json), else from its first bytes: a JSON file starts with "[" or "{"
// (after a BOM and spaces), anything else is read as CSV.
func DetectFormat(name string, head []byte) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return FormatJSON
	case ".csv":
		return FormatCSV
	}
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	if len(head) > 0 && (head[0] == '[' || head[0] == '{') {
		return FormatJSON
	}
	return FormatCSV
}

// Parse reads a file of places in the given format ("" detects it from the
// content).
func Parse(r io.Reader, format Format, opt Options) (*Report, error) {
	br := bufio.NewReader(r)
	if format == "" {
		head, _ := br.Peek(512)
		format = DetectFormat("", head)
	}
	if format == FormatJSON {
		return ParseJSON(br, opt)
	}
	return ParseCSV(br, opt)
}

// BatchSize is how many rows a store writes at once.
const BatchSize = 500

// Batch is a part of a file handed to the store.
type Batch struct {
	Rows []Row
	// FileIDs are every id of the file: a stored place with one of them is
	// updated by its own row, never matched by pivot and name by another.
	FileIDs []string
	// Claimed are the stored structures already matched by pivot and name
	// in this import (the store adds to it): one stored place takes one row.
	Claimed map[int64]bool
	Source  string // source given to places without one
	// Within, when set, keeps the matching by pivot and name to stored
	// places of those départements (Territory.Holds: a coordinator's
	// import never changes a place outside their territory).
	Within func(codeDepartement string) bool
}

// Stored is what the store did with a batch.
type Stored struct {
	Created, Updated int
	Matched          []RowError // warnings: rows matched to a stored place of another id by pivot and name
}

// Store stores imported places.
//
// StoreBatch creates or updates the places of a batch, in one transaction:
// a row updates the stored place with its id; otherwise, when its pivot is a
// real SIRET, RNA or RIDET, the place stored before this import with that
// pivot and the same name (accents and case aside) — reported in Matched;
// otherwise it is created. Two rows of a file never become one place. Only
// the fields a row carries (Row.Present) change a stored place.
type Store interface {
	StoreBatch(ctx context.Context, b *Batch) (Stored, error)
}

// NewBatch prepares the batches of a report (within t: see Batch.Within).
func NewBatch(rep *Report, source string, t Territory) *Batch {
	b := &Batch{Claimed: map[int64]bool{}, Source: source, Within: t.Holds}
	for _, r := range rep.Rows {
		b.FileIDs = append(b.FileIDs, r.Lieu.ID)
	}
	return b
}

// Import reads a file of places in the given format ("" detects it from the
// content), stores its good rows through store in batches of BatchSize and
// says what happened. The error is non-nil when the file cannot be read at
// all (a *maillage.Error of code EINVALID) or when storing failed (rows of
// the batches before are stored); rejected rows are not errors, they are in
// the report. The caller limits the size of r.
func Import(ctx context.Context, r io.Reader, format Format, opt Options, store Store, source string) (*maillage.ImportReport, error) {
	rep, err := Parse(r, format, opt)
	if err != nil {
		return nil, err
	}
	b := NewBatch(rep, source, opt.Territory)
	var total Stored
	for i := 0; i < len(rep.Rows); i += BatchSize {
		b.Rows = rep.Rows[i:min(i+BatchSize, len(rep.Rows))]
		st, err := store.StoreBatch(ctx, b)
		if err != nil {
			return nil, err
		}
		total.Created += st.Created
		total.Updated += st.Updated
		total.Matched = append(total.Matched, st.Matched...)
	}
	return rep.ImportReport(total), nil
}

// ImportReport merges what was read and what was stored into the report of
// the import: errors, warnings and notes sorted by line (notes last).
func (r *Report) ImportReport(st Stored) *maillage.ImportReport {
	out := &maillage.ImportReport{Total: r.Total, Rejected: r.Rejected(), Created: st.Created, Updated: st.Updated}
	line := func(e RowError, warning, note bool) maillage.ImportLine {
		return maillage.ImportLine{Line: e.Line, ID: e.ID, Field: e.Field, Key: e.Key, Args: e.Args, Warning: warning, Note: note}
	}
	for _, e := range r.Errors {
		out.Lines = append(out.Lines, line(e, false, false))
	}
	for _, w := range r.Warnings {
		out.Lines = append(out.Lines, line(w, true, false))
	}
	for _, w := range st.Matched {
		out.Lines = append(out.Lines, line(w, true, false))
	}
	sort.SliceStable(out.Lines, func(i, j int) bool { return out.Lines[i].Line < out.Lines[j].Line })
	for _, n := range r.Notes {
		out.Lines = append(out.Lines, line(n, false, true))
	}
	return out
}
