package lieux

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// fold maps accented letters (lower case) to their base letters, for keys.
var fold = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "á", "a", "ã", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "í", "i", "ì", "i",
	"ô", "o", "ö", "o", "ó", "o", "ò", "o", "õ", "o",
	"ù", "u", "û", "u", "ü", "u", "ú", "u",
	"ç", "c", "ÿ", "y", "ñ", "n", "æ", "ae", "œ", "oe",
)

// key folds a value for tolerant matching: lower case, no accents, letters
// and digits only. Apostrophes (straight or curly), guillemets, spaces and
// punctuation do not count, so "Point d’accès numérique CAF", "point d'acces
// numerique caf" and the npm "Étapes numériques (La Poste)" all meet their
// schema value. A test checks that no two values of a list share a key.
func key(s string) string {
	s = fold.Replace(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// canon indexes each closed list by key.
var canon = func() map[string]map[string]string {
	m := map[string]map[string]string{}
	for name, values := range enumerations {
		m[name] = map[string]string{}
		for _, v := range values {
			m[name][key(v)] = v
		}
	}
	return m
}()

// splitMulti splits a multi-value field on "|" and ";", trims the items,
// drops the empty ones and the repeated ones (by exact value).
func splitMulti(s string) []string {
	return uniq(strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ';' }))
}

// splitURLs splits site_web on "|", and on ";" only where an http(s) URL
// follows, since a URL may hold a ";".
func splitURLs(s string) []string {
	var parts []string
	for _, p := range strings.Split(s, "|") {
		for {
			i := indexURLSemicolon(p)
			if i < 0 {
				break
			}
			parts = append(parts, p[:i])
			p = p[i+1:]
		}
		parts = append(parts, p)
	}
	return uniq(parts)
}

func indexURLSemicolon(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ';' {
			rest := strings.ToLower(strings.TrimSpace(s[i+1:]))
			if strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://") {
				return i
			}
		}
	}
	return -1
}

// splitEmails splits courriels on "|", ";", "," and spaces: none can be part
// of an address.
func splitEmails(s string) []string {
	return uniq(strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ';' || r == ',' || unicode.IsSpace(r) }))
}

func uniq(items []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" || seen[it] {
			continue
		}
		seen[it] = true
		out = append(out, it)
	}
	return out
}

// truncateWords shortens s to at most max characters, cutting at the end of
// a word and ending with "…".
func truncateWords(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := r[:max-1]
	if !unicode.IsSpace(r[max-1]) {
		for i := len(cut) - 1; i > len(cut)/2; i-- {
			if unicode.IsSpace(cut[i]) {
				cut = cut[:i]
				break
			}
		}
	}
	out := strings.TrimRightFunc(string(cut), func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:-–—", r)
	})
	return out + "…"
}

func runeCount(s string) int { return utf8.RuneCountInString(s) }

// multiline are the free-text fields where tabs and line breaks are kept;
// elsewhere they become spaces.
var multiline = map[string]bool{"presentation_resume": true, "presentation_detail": true, "autres_formations_labels": true}

// badControl reports the characters no field may hold: the C0 controls but
// tab, line feed and carriage return, DEL, and the C1 controls (what a
// Windows-1252 file read as Latin-1 leaves). PostgreSQL refuses NUL in text.
func badControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r >= 0x80 && r <= 0x9f
}

// controlAt returns the position (in characters, from 1) and code of the
// first bad control character of s, or 0.
func controlAt(s string) (int, string) {
	n := 0
	for _, r := range s {
		n++
		if badControl(r) {
			return n, fmt.Sprintf("U+%04X", r)
		}
	}
	return 0, ""
}

// oneLine turns the tabs and line breaks of a one-line value into spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\t\r\n") {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\t' || r == '\r' || r == '\n' }), " ")
}

// maxQuoted is how much of a value a report quotes.
const maxQuoted = 120

// clean makes a value safe to quote in a report (stored as JSON in
// PostgreSQL, shown in HTML and CSV): control characters written as
// U+0000, and a long value cut at maxQuoted characters with "…".
func clean(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxQuoted {
			b.WriteString("…")
			break
		}
		n++
		if badControl(r) || r == '\t' || r == '\n' || r == '\r' {
			if r == '\t' || r == '\n' || r == '\r' {
				b.WriteRune(' ')
			} else {
				fmt.Fprintf(&b, "U+%04X", r)
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
