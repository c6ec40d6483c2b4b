package maillage

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text rules shared by every Validate method: each text a person or a
// program sends is valid UTF-8, holds no control character (a NUL would
// even be refused by PostgreSQL; tab and newlines only where the field is
// multi-line) and stays within its length, counted in characters.

// Message keys of the text rules (defined in the shared catalogue).
const (
	KeyRequired  = "error.field.required"
	KeyTooLong   = "error.field.too_long"
	KeyControl   = "error.field.control"
	KeyNotUTF8   = "error.field.not_utf8"
	KeyTooMany   = "error.field.too_many"
	KeyUnknown   = "error.field.unknown"
	KeyNotInList = "error.field.not_in_list"
)

// HasControl reports whether s holds a control character other than the
// tab, CR and LF allowed when multiline is true (Unicode category Cc, plus
// the line and paragraph separators when single-line).
func HasControl(s string, multiline bool) bool {
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			if !multiline {
				return true
			}
		case unicode.IsControl(r), r == '\u2028' || r == '\u2029':
			return true
		}
	}
	return false
}

// CheckText records the first problem of a text field: not UTF-8, control
// characters, longer than max characters (0: no limit).
func CheckText(ps *Problems, field, s string, max int, multiline bool) {
	switch {
	case !utf8.ValidString(s):
		ps.Add(field, KeyNotUTF8)
	case HasControl(s, multiline):
		ps.Add(field, KeyControl)
	case max > 0 && utf8.RuneCountInString(s) > max:
		ps.Add(field, KeyTooLong, "Max", max, "Length", utf8.RuneCountInString(s))
	}
}

// CleanText trims a single-line text and folds runs of spaces into one.
func CleanText(s string) string { return strings.Join(strings.Fields(s), " ") }

// StripControl removes control characters and invalid UTF-8 from a text
// that is only read, never stored (search words, a commune typed in a
// filter): a NUL there can only be a mistake or a probe.
func StripControl(s string) string {
	if utf8.ValidString(s) && !HasControl(s, false) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// CSVCell neutralises a value for a CSV file opened in a spreadsheet: a
// cell starting with =, +, -, @, a tab or a carriage return would be read
// as a formula (CSV injection), so it gets a leading apostrophe, which
// spreadsheets show as text.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
