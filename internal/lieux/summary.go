package lieux

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"maillage/internal/maillage"
)

// Kind is the kind of a report line.
type Kind string

// The kinds of report lines.
const (
	KindError   Kind = "error"   // the row is rejected
	KindWarning Kind = "warning" // the row is imported
	KindNote    Kind = "note"    // the file summed up
)

// KindOf returns the kind of a report line.
func KindOf(l maillage.ImportLine) Kind {
	switch {
	case l.Note:
		return KindNote
	case l.Warning:
		return KindWarning
	}
	return KindError
}

// KindKeys name the kinds in the catalogues.
var KindKeys = map[Kind]string{KindError: KeyKindError, KindWarning: KeyKindWarning, KindNote: KeyKindNote}

// GroupLines is how many lines of each kind of problem a summary keeps.
const GroupLines = 20

// Group is one kind of problem (one message key) of a report: how many
// lines have it and the first GroupLines of them.
type Group struct {
	Key   string                `json:"key"`
	Kind  Kind                  `json:"kind"`
	Count int                   `json:"count"`
	Lines []maillage.ImportLine `json:"lines"`
}

// Summary is a report made readable whatever its size: the totals, then per
// kind of problem its total and first lines — errors, warnings, notes, each
// in the order they first appear. The whole report is for WriteReportCSV.
type Summary struct {
	Total    int     `json:"total"`
	Created  int     `json:"created"`
	Updated  int     `json:"updated"`
	Rejected int     `json:"rejected"`
	Warnings int     `json:"warnings"`
	Groups   []Group `json:"groups"`
}

// Summarize groups the lines of a report by key.
func Summarize(rep *maillage.ImportReport) *Summary {
	s := &Summary{Total: rep.Total, Created: rep.Created, Updated: rep.Updated, Rejected: rep.Rejected}
	index := map[[2]string]int{}
	for _, kind := range []Kind{KindError, KindWarning, KindNote} {
		for _, l := range rep.Lines {
			if KindOf(l) != kind {
				continue
			}
			if kind == KindWarning {
				s.Warnings++
			}
			k := [2]string{string(kind), l.Key}
			i, ok := index[k]
			if !ok {
				i = len(s.Groups)
				index[k] = i
				s.Groups = append(s.Groups, Group{Key: l.Key, Kind: kind})
			}
			g := &s.Groups[i]
			g.Count++
			if len(g.Lines) < GroupLines {
				g.Lines = append(g.Lines, l)
			}
		}
	}
	return s
}

// Translate renders a message key with its arguments (an i18n.Translator's
// T bound to a language).
type Translate func(key string, args ...any) string

// WriteReportCSV writes every line of a report as CSV, translated: line,
// id, kind, field, message key, message. Cells that a spreadsheet would read
// as a formula are neutralised.
func WriteReportCSV(w io.Writer, rep *maillage.ImportReport, t Translate) error {
	cw := csv.NewWriter(w)
	header := []string{t(KeyColLine), t(KeyColID), t(KeyColKind), t(KeyColField), t(KeyColKey), t(KeyColMessage)}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write import report: %w", err)
	}
	for _, l := range rep.Lines {
		line := ""
		if l.Line > 0 {
			line = strconv.Itoa(l.Line)
		}
		rec := []string{line, l.ID, t(KindKeys[KindOf(l)]), l.Field, l.Key, t(l.Key, l.Args...)}
		for i := range rec {
			rec[i] = safeCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write import report: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write import report: %w", err)
	}
	return nil
}

// safeCell prefixes with an apostrophe a cell a spreadsheet would run as a
// formula (=, +, -, @, tab, carriage return first).
func safeCell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
