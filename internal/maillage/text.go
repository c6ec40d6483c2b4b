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
// tab, CR and LF allowed when multiline is true (Unicode category Cc, the
// line and paragraph separators, and the bidirectional embeddings,
// overrides and isolates, which display a text in another order than it
// is written: « Jean\u202enimda » reads « Jeanadmin » reversed).
func HasControl(s string, multiline bool) bool {
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			if !multiline {
				return true
			}
		case unicode.IsControl(r), r == '\u2028' || r == '\u2029', bidiControl(r):
			return true
		}
	}
	return false
}

// bidiControl reports the bidirectional formatting characters that change
// the order text is shown in (U+202A–U+202E, U+2066–U+2069). The marks
// LRM, RLM and ALM only set a direction and stay allowed.
func bidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// invisible reports the characters that show nothing by themselves: zero
// widths, joiners, the word joiner and invisible operators, the byte order
// mark, the soft hyphen, direction marks, and the fillers that pass for a
// blank name (Hangul, Mongolian vowel separator, combining grapheme joiner).
func invisible(r rune) bool {
	switch {
	case r >= '\u200b' && r <= '\u200f', r >= '\u2060' && r <= '\u2064', r == '\ufeff', r == '\u00ad', r == '\u061c',
		r == '\u034f', r == '\u180e', r == '\u115f', r == '\u1160', r == '\u3164', r == '\uffa0':
		return true
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
// Invisible characters at either end go too (a name of zero-width spaces
// is empty); inside, they stay (the joiner of an emoji sequence, the
// non-joiner of a Persian name).
func CleanText(s string) string {
	return strings.TrimFunc(strings.Join(strings.Fields(s), " "), func(r rune) bool { return unicode.IsSpace(r) || invisible(r) })
}

// StripControl removes control characters and invalid UTF-8 from a text
// that is only read, never stored (search words, a commune typed in a
// filter): a NUL there can only be a mistake or a probe.
func StripControl(s string) string {
	if utf8.ValidString(s) && !HasControl(s, false) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || bidiControl(r) {
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
