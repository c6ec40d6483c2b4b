package maillage

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SafeReturn returns to when it is a path of this site, else fallback.
// A return address comes from the outside (?retour=, a form field, a flow
// stored at sign-in): only a same-site absolute path passes — no scheme, no
// host, no "//" nor backslash (browsers read "/\evil" as another host), no
// control or white-space character (a tab, CR or LF would let a header be
// injected or be dropped by the browser into "//evil").
func SafeReturn(to, fallback string) string {
	if to == "" || len(to) > 2000 || !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.ContainsRune(to, '\\') {
		return fallback
	}
	for _, r := range to {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			return fallback
		}
	}
	u, err := url.Parse(to)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return to
}
