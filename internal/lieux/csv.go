package lieux

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"maillage/internal/maillage"
)

// ParseCSV reads a CSV file of lieux: UTF-8 (with or without BOM), columns
// separated by "," or ";" (taken from the header), CRLF or LF, columns named
// as in the schema in any order. Good rows are imported and bad ones
// reported (see the package policy). The error is non-nil only when the file
// cannot be read at all; it is then a *maillage.Error (EINVALID) with a
// French message. The caller limits the size of what r delivers.
func ParseCSV(r io.Reader, opt Options) (*Report, error) {
	data, err := readText(r)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = detectDelimiter(data)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, maillage.Errorf(maillage.EINVALID, KeyFileEmpty)
	} else if err != nil {
		return nil, maillage.Wrap(maillage.EINVALID, err, KeyFileNoHeader)
	}
	im := newImporter(opt)
	cols, err := im.mapHeader(header)
	if err != nil {
		return nil, err
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			im.rep.Total++
			im.rep.Errors = append(im.rep.Errors, RowError{Line: pe.StartLine, Key: csvReason(pe.Err)})
			continue
		} else if err != nil {
			return nil, maillage.Wrap(maillage.EINVALID, err, KeyFileTruncated)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rec) != len(header) {
			im.rep.Total++
			im.rep.Errors = append(im.rep.Errors, RowError{Line: line, ID: clean(idOf(rec, cols)), Key: KeyColumns, Args: []any{"Count", len(rec), "Header", len(header)}})
			continue
		}
		raw := make(map[string]string, len(cols))
		for i, name := range cols {
			if name != "" {
				raw[name] = rec[i]
			}
		}
		im.add(line, raw, nil)
	}
	return im.finish(), nil
}

// readText reads the whole input, refuses what is not UTF-8 and drops a BOM.
func readText(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, maillage.Wrap(maillage.EINVALID, err, KeyFileUnreadable)
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, maillage.Errorf(maillage.EINVALID, KeyFileUTF16)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		line := 1
		for len(data) > 0 {
			r, size := utf8.DecodeRune(data)
			if r == utf8.RuneError && size == 1 {
				break
			}
			if r == '\n' {
				line++
			}
			data = data[size:]
		}
		return nil, maillage.Errorf(maillage.EINVALID, KeyFileNotUTF8, "Line", line)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, maillage.Errorf(maillage.EINVALID, KeyFileEmpty)
	}
	return data, nil
}

// detectDelimiter picks "," or ";", whichever the header line holds more of
// outside quotes.
func detectDelimiter(data []byte) rune {
	line, _, _ := bufio.NewReader(bytes.NewReader(data)).ReadLine()
	comma, semi, quoted := 0, 0, false
	for _, b := range line {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == ',':
			comma++
		case b == ';':
			semi++
		}
	}
	if semi > comma {
		return ';'
	}
	return ','
}

// mapHeader names the schema field of each column ("" for unknown ones;
// v0 columns keep their v0 name, converted row by row), refuses a header
// without the required columns, and warns about unknown and absent ones.
func (im *importer) mapHeader(header []string) ([]string, error) {
	cols := make([]string, len(header))
	seen := map[string]bool{}
	var unknown []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(h), `"`)))
		if _, ok := schema.byName[name]; !ok && !v0Known(name) {
			if name != "" {
				unknown = append(unknown, clean(strings.TrimSpace(h)))
			}
			continue
		}
		if seen[name] {
			return nil, maillage.Errorf(maillage.EINVALID, KeyFileColumnTwice, "Column", clean(name))
		}
		seen[name] = true
		cols[i] = name
	}
	return cols, im.checkColumns(cols, unknown, 1)
}

// checkColumns notes a v0 file, refuses one without the required columns,
// records the v1 fields the file carries and warns about unknown and
// absent columns.
func (im *importer) checkColumns(names, unknown []string, line int) error {
	im.v0 = isV0Header(names)
	covered := map[string]bool{}
	for _, n := range names {
		if n == "" {
			continue
		}
		if _, ok := schema.byName[n]; ok {
			covered[n] = true
		}
		if to, ok := v0Columns[n]; ok {
			if to == "" {
				im.ignored = append(im.ignored, n)
				continue
			}
			if _, vocab := v0Vocabulary[to]; !vocab {
				covered[to] = true
				im.renamed = append(im.renamed, [2]string{n, to})
				continue
			}
			n = to
		}
		if fallback, ok := v0Vocabulary[n]; ok {
			covered[fallback] = true
			for _, t := range v0Targets(n) {
				covered[t] = true
			}
			if ts := mergeTargets(fallback, v0Targets(n)); !(len(ts) == 1 && ts[0] == n) {
				im.renamed = append(im.renamed, [2]string{n, strings.Join(ts, ", ")})
			}
		}
	}
	var missing, missingRequired []string
	for _, f := range schema.Fields {
		switch {
		case covered[f.Name]:
			im.rep.Columns = append(im.rep.Columns, f.Name)
		case f.Required:
			missingRequired = append(missingRequired, f.Name)
		default:
			missing = append(missing, f.Name)
		}
	}
	if len(missingRequired) > 0 {
		return maillage.Errorf(maillage.EINVALID, KeyFileRequired, "Missing", strings.Join(missingRequired, ", "), "Columns", strings.Join(Columns(), ", "))
	}
	if len(unknown) > 0 {
		im.fileWarning(line, KeyColumnsUnknown, "Columns", strings.Join(unknown, ", "))
	}
	if len(missing) > 0 {
		im.fileWarning(line, KeyColumnsAbsent, "Columns", strings.Join(missing, ", "))
	}
	return nil
}

// mergeTargets lists the v1 fields a v0 column feeds, in schema order.
func mergeTargets(fallback string, ts []string) []string {
	out := slices.Clone(ts)
	if !slices.Contains(out, fallback) {
		out = append(out, fallback)
	}
	slices.SortFunc(out, func(a, b string) int { return columnIndex(a) - columnIndex(b) })
	return out
}

func csvReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrQuote), errors.Is(err, csv.ErrBareQuote):
		return KeyQuote
	}
	return KeyUnreadableRow
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func idOf(rec []string, cols []string) string {
	for i, name := range cols {
		if name == "id" && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
	}
	return ""
}

// csvLiteral are the columns whose valid values a spreadsheet cannot run:
// numbers, and telephones in E.164 (+ and digits). Every other cell that
// would start a formula gets a leading apostrophe (maillage.CSVCell).
var csvLiteral = map[string]bool{"latitude": true, "longitude": true, "telephone": true}

// WriteCSV writes lieux in the file format of the standard: the 32 columns
// in the order of schema.json, comma-separated, values of lists joined with
// "|", dates YYYY-MM-DD, numbers with a point, text cells that a
// spreadsheet would read as a formula neutralised. Every lieu is validated first;
// if one breaks the schema nothing is written and the error is a
// *maillage.Error (EINVALID) wrapping the RowErrors (Line = line it would
// have had in the file).
func WriteCSV(w io.Writer, lieux []maillage.Lieu) error {
	if err := validateAll(lieux, 2); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns()); err != nil {
		return fmt.Errorf("write lieux csv: %w", err)
	}
	for i := range lieux {
		rec := row(&lieux[i])
		for j, f := range schema.Fields {
			if !csvLiteral[f.Name] {
				rec[j] = maillage.CSVCell(rec[j])
			}
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write lieux csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write lieux csv: %w", err)
	}
	return nil
}

// validateAll validates lieux for an export; first is the line (or record
// number) of the first lieu. Duplicated ids are refused too.
func validateAll(lieux []maillage.Lieu, first int) error {
	var errs RowErrors
	ids := map[string]int{}
	for i := range lieux {
		line := first + i
		for _, e := range Validate(lieux[i], nil) {
			e.Line = line
			errs = append(errs, e)
		}
		if id := lieux[i].ID; id != "" {
			if prev, dup := ids[id]; dup {
				errs = append(errs, RowError{Line: line, ID: clean(id), Field: "id", Key: KeyIDDuplicate, Args: []any{"Value", clean(id), "First", prev}})
			} else {
				ids[id] = line
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return maillage.Wrap(maillage.EINVALID, errs, KeyExportInvalid, "Count", len(errs), "Line", errs[0].Line, "Field", errs[0].Field)
}

// ValidateCSVAgainstSchema checks a CSV file as the national validator would,
// with the rules of the embedded schema.json only: UTF-8, comma-separated,
// the 32 columns in the schema order, required fields, types (number, date
// YYYY-MM-DD), patterns, maximum lengths, unique id. It is strict where
// ParseCSV is tolerant (no ";", no curly apostrophe, no DD/MM/YYYY). An empty
// result means the file is valid.
func ValidateCSVAgainstSchema(r io.Reader) []RowError {
	data, err := readText(r)
	if err != nil {
		key, args := maillage.ErrorKey(err)
		return []RowError{{Key: key, Args: args}}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return []RowError{{Line: 1, Key: KeyFileNoHeader}}
	}
	want := Columns()
	if strings.Join(header, ",") != strings.Join(want, ",") {
		return []RowError{{Line: 1, Key: KeyFileHeaderOrder, Args: []any{"Header", clean(strings.Join(header, ",")), "Count", len(want), "Columns", strings.Join(want, ",")}}}
	}
	var errs []RowError
	ids := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			errs = append(errs, RowError{Line: pe.StartLine, Key: csvReason(pe.Err)})
			continue
		} else if err != nil {
			return append(errs, RowError{Key: KeyFileTruncated})
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(want) {
			errs = append(errs, RowError{Line: line, Key: KeyColumns, Args: []any{"Count", len(rec), "Header", len(want)}})
			continue
		}
		m := make(map[string]string, len(want))
		for i, name := range want {
			m[name] = rec[i]
		}
		id := m["id"]
		for _, e := range checkRecord(m) {
			e.Line, e.ID = line, clean(id)
			errs = append(errs, e)
		}
		for _, f := range schema.Fields {
			if !f.Unique || m[f.Name] == "" {
				continue
			}
			k := f.Name + "\x00" + m[f.Name]
			if prev, dup := ids[k]; dup {
				errs = append(errs, RowError{Line: line, ID: clean(id), Field: f.Name, Key: KeyIDDuplicate, Args: []any{"Value", clean(m[f.Name]), "First", prev}})
			} else {
				ids[k] = line
			}
		}
	}
	return errs
}
