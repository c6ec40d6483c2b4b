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

// Upserter stores imported places (maillage.StructureService does).
type Upserter interface {
	UpsertLieux(ctx context.Context, lieux []maillage.Lieu, source string) (created, updated int, err error)
}

// Import reads a file of places in the given format ("" detects it from the
// content), stores its good rows through store and says what happened. The
// error is non-nil when the file cannot be read at all (a *maillage.Error of
// code EINVALID, in French) or when storing failed; rejected rows are not
// errors, they are in the report. The caller limits the size of r.
func Import(ctx context.Context, r io.Reader, format Format, opt Options, store Upserter, source string) (*maillage.ImportReport, error) {
	br := bufio.NewReader(r)
	if format == "" {
		head, _ := br.Peek(512)
		format = DetectFormat("", head)
	}
	var rep *Report
	var err error
	if format == FormatJSON {
		rep, err = ParseJSON(br, opt)
	} else {
		rep, err = ParseCSV(br, opt)
	}
	if err != nil {
		return nil, err
	}
	out := &maillage.ImportReport{Total: rep.Total, Rejected: rep.Rejected()}
	if ls := rep.Lieux(); len(ls) > 0 {
		if out.Created, out.Updated, err = store.UpsertLieux(ctx, ls, source); err != nil {
			return nil, err
		}
	}
	for _, e := range rep.Errors {
		out.Lines = append(out.Lines, maillage.ImportLine{Line: e.Line, ID: e.ID, Field: e.Field, Reason: e.Reason})
	}
	for _, w := range rep.Warnings {
		out.Lines = append(out.Lines, maillage.ImportLine{Line: w.Line, ID: w.ID, Field: w.Field, Reason: w.Reason, Warning: true})
	}
	sort.SliceStable(out.Lines, func(i, j int) bool { return out.Lines[i].Line < out.Lines[j].Line })
	return out, nil
}
