package label

import (
	"encoding/csv"
	"io"
	"slices"

	"github.com/xuri/excelize/v2"

	"maillage/internal/maillage"
)

// Export columns of the applications (names: "label.column.<column>").
var ExportColumns = []string{"id", "structure", "commune", "departement", "programme", "etat", "depot", "echeance",
	"instructeurs", "majeures", "mineures", "decision", "motivation", "notes"}

// DefaultExportColumns are ticked when the export form first shows.
var DefaultExportColumns = []string{"id", "structure", "commune", "departement", "etat", "depot", "echeance", "instructeurs"}

// PrivateColumns hold what only reviewers may read (private notes).
var PrivateColumns = []string{"notes"}

// ExportColumnsFor keeps the known columns asked for, in the list's order;
// private columns only for a reviewer. None asked: the default ones.
func ExportColumnsFor(asked []string, reviewer bool) []string {
	if len(asked) == 0 {
		asked = DefaultExportColumns
	}
	var out []string
	for _, c := range ExportColumns {
		if slices.Contains(asked, c) && (reviewer || !slices.Contains(PrivateColumns, c)) {
			out = append(out, c)
		}
	}
	return out
}

// ExportRow is one application as exported: a value per column.
type ExportRow map[string]string

// Export formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// LargeExport is the number of rows from which an export is prepared in
// the background and announced by mail rather than sent at once.
const LargeExport = 2000

// WriteCSV writes the rows (header: the columns' names as given), cells
// neutralised for spreadsheets (maillage.CSVCell).
func WriteCSV(w io.Writer, cols, header []string, rows []ExportRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for _, r := range rows {
		for i, c := range cols {
			rec[i] = maillage.CSVCell(r[c])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the rows as a spreadsheet (one sheet, a header row),
// streamed so that thousands of rows take little memory. Every cell is
// text: a value is never read as a formula.
func WriteXLSX(w io.Writer, cols, header []string, rows []ExportRow) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Dossiers"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	cells := make([]any, len(cols))
	for i, h := range header {
		cells[i] = excelize.Cell{Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	for n, r := range rows {
		for i, c := range cols {
			cells[i] = r[c]
		}
		at, err := excelize.CoordinatesToCellName(1, n+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(at, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// ReadXLSX reads back the first sheet of a spreadsheet (tests, imports).
func ReadXLSX(r io.Reader) ([][]string, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.GetRows(f.GetSheetName(0))
}
