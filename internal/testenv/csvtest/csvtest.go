// Package csvtest builds the CSV files tests feed to importers: a header,
// rows given as cells or by column name, a separator, a byte-order mark and
// CRLF line ends when a test needs them. It depends on nothing of the
// project, so that every test package can use it (internal/lieux tests too,
// without pulling the whole portal in through testenv).
package csvtest

import (
	"bytes"
	"encoding/csv"
	"fmt"
)

// File is a CSV file being built.
type File struct {
	header []string
	rows   [][]string
	comma  rune
	bom    bool
	crlf   bool
}

// New starts a file with its header (no header line when none is given).
func New(header ...string) *File { return &File{header: header, comma: ','} }

// CSV is the short form: a comma-separated file of a header and rows.
func CSV(header []string, rows ...[]string) []byte {
	return New(header...).Rows(rows...).Bytes()
}

// Comma sets the separator (',' by default; ';' as French spreadsheets write).
func (f *File) Comma(r rune) *File {
	f.comma = r
	return f
}

// BOM starts the file with a UTF-8 byte-order mark, as spreadsheets save it.
func (f *File) BOM() *File {
	f.bom = true
	return f
}

// CRLF ends lines with "\r\n" instead of "\n".
func (f *File) CRLF() *File {
	f.crlf = true
	return f
}

// Row adds a row of cells, in the order of the header.
func (f *File) Row(cells ...string) *File {
	f.rows = append(f.rows, cells)
	return f
}

// Rows adds rows of cells.
func (f *File) Rows(rows ...[]string) *File {
	for _, r := range rows {
		f.Row(r...)
	}
	return f
}

// Records adds rows given by column name: a column the record lacks is an
// empty cell, a name that is not a column is left out.
func (f *File) Records(records ...map[string]string) *File {
	for _, rec := range records {
		row := make([]string, len(f.header))
		for i, c := range f.header {
			row[i] = rec[c]
		}
		f.rows = append(f.rows, row)
	}
	return f
}

// Bytes writes the file.
func (f *File) Bytes() []byte {
	var b bytes.Buffer
	if f.bom {
		b.WriteString("\ufeff")
	}
	w := csv.NewWriter(&b)
	w.Comma = f.comma
	w.UseCRLF = f.crlf
	var err error
	if len(f.header) > 0 {
		err = w.Write(f.header)
	}
	for _, r := range f.rows {
		if err == nil {
			err = w.Write(r)
		}
	}
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err != nil {
		// Only a separator encoding/csv cannot use gets here: a mistake in
		// the test itself.
		panic(fmt.Sprintf("csvtest: %v", err))
	}
	return b.Bytes()
}

// String writes the file as a string.
func (f *File) String() string { return string(f.Bytes()) }
