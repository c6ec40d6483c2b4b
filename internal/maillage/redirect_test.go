package maillage_test

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"maillage/internal/maillage"
)

const fallback = "/tableau-de-bord"

func TestSafeReturn(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// Same-site paths pass as they are.
		{"search with query", "/recherche?q=a&pres=Lyon", "/recherche?q=a&pres=Lyon"},
		{"structure page", "/structures/12", "/structures/12"},
		{"root", "/", "/"},
		{"fragment", "/compte#jetons", "/compte#jetons"},
		{"encoded accents and spaces in the query", "/recherche?q=m%C3%A9diateur%20num%C3%A9rique", "/recherche?q=m%C3%A9diateur%20num%C3%A9rique"},
		{"unicode letters", "/recherche?pres=Saint-Étienne", "/recherche?pres=Saint-Étienne"},
		// Percent-encoded hostile characters stay encoded in Location: a
		// browser does not decode them, so they are a path of this site.
		{"encoded tab", "/%09/evil.example/", "/%09/evil.example/"},
		{"encoded CR LF", "/%0D%0ASet-Cookie:x", "/%0D%0ASet-Cookie:x"},
		{"encoded slashes", "/%2F%2Fevil.example", "/%2F%2Fevil.example"},
		{"encoded backslash", "/%5Cevil.example", "/%5Cevil.example"},

		// Hostile: another host, a scheme, a header injection.
		{"empty", "", fallback},
		{"tab then another host (issue 10 §1)", "/\t/evil.example/", fallback},
		{"CR LF header injection (issue 10 §1)", "/\r\nSet-Cookie:x", fallback},
		{"LF alone", "/\nSet-Cookie:x", fallback},
		{"CR alone", "/\rx", fallback},
		{"NUL", "/compte\x00", fallback},
		{"DEL", "/compte\x7f", fallback},
		{"protocol-relative", "//evil.example", fallback},
		{"protocol-relative with path", "//evil.example/compte", fallback},
		{"backslash as second slash", "/\\evil.example", fallback},
		{"backslashes only", "\\\\evil.example", fallback},
		{"backslash later", "/compte\\..\\x", fallback},
		{"absolute https", "https://evil.example/", fallback},
		{"absolute http", "http://evil.example", fallback},
		{"javascript", "javascript:alert(1)", fallback},
		{"javascript after a slash is a path, but has a space", "/ javascript:alert(1)", fallback},
		{"data", "data:text/html,<script>x</script>", fallback},
		{"relative path", "compte", fallback},
		{"dot relative", "./compte", fallback},
		{"leading space", " /compte", fallback},
		{"trailing space", "/compte ", fallback},
		{"space inside", "/recherche?q=a b", fallback},
		{"tab at the end", "/compte\t", fallback},
		{"vertical tab", "/\v/evil.example", fallback},
		{"form feed", "/\f/evil.example", fallback},
		{"no-break space", "/\u00a0/evil.example", fallback},
		{"narrow no-break space", "/compte\u202f", fallback},
		{"line separator", "/\u2028/evil.example", fallback},
		{"paragraph separator", "/\u2029", fallback},
		{"ideographic space", "/\u3000evil", fallback},
		{"next line (C1)", "/\u0085/evil.example", fallback},
		{"invalid UTF-8", "/compte\xff", fallback},
		{"bad percent escape", "/%zz", fallback},
		{"too long", "/" + strings.Repeat("a", 2000), fallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maillage.SafeReturn(tt.in, fallback); got != tt.want {
				t.Errorf("SafeReturn(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"\x00", "", "/", "/recherche?q=a&pres=Lyon", "/structures/12", "/\t/evil.example/",
		"/\r\nSet-Cookie:x", "//evil", "/\\evil", "https://evil", "javascript:alert(1)", "/%2F%2Fevil", "/\u2028",
		"/\u00a0x", "/compte\xff", "/%zz", "/a/b?c=d#e", "/.//evil", "/@evil.example"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://maillage.example/compte")
	f.Fuzz(func(t *testing.T, in string) {
		got := maillage.SafeReturn(in, fallback)
		if got == fallback {
			return
		}
		if got != in {
			t.Fatalf("SafeReturn(%q) = %q: neither the input nor the fallback", in, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsRune(got, '\\') {
			t.Fatalf("SafeReturn(%q) = %q: not a same-site path", in, got)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("SafeReturn(%q) = %q: not UTF-8", in, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.IsSpace(r) {
				t.Fatalf("SafeReturn(%q) = %q: holds %U", in, got, r)
			}
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("SafeReturn(%q) = %q does not parse: %v", in, got, err)
		}
		if r := base.ResolveReference(u); r.Scheme != base.Scheme || r.Host != base.Host || r.User != nil {
			t.Fatalf("SafeReturn(%q) = %q leads to %s", in, got, r)
		}
		if again := maillage.SafeReturn(got, fallback); again != got {
			t.Fatalf("SafeReturn is not stable: %q → %q → %q", in, got, again)
		}
	})
}
