package i18n_test

import (
	"testing"
	"testing/fstest"
	"time"

	"maillage/internal/i18n"
)

func TestTranslate(t *testing.T) {
	c := i18n.NewWithFormats()
	err := c.Load("test", fstest.MapFS{
		"messages.fr.yaml": {Data: []byte("t.people:\n  one: \"{{.Count}} personne\"\n  other: \"{{.Count}} personnes\"\nt.hello: \"Bonjour {{.Name}}\"\nt.fr_only: seul\n")},
		"messages.en.yaml": {Data: []byte("t.people:\n  one: \"{{.Count}} person\"\n  other: \"{{.Count}} people\"\nt.hello: \"Hello {{.Name}}\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"fr", "t.people", []any{"Count", 0}, "0 personne"},
		{"fr", "t.people", []any{"Count", 1}, "1 personne"},
		{"fr", "t.people", []any{"Count", 2}, "2 personnes"},
		{"en", "t.people", []any{"Count", 1}, "1 person"},
		{"en", "t.people", []any{"Count", 0}, "0 people"},
		{"fr", "t.hello", []any{"Name", "Lyon"}, "Bonjour Lyon"},
		{"xx", "t.hello", []any{"Name", "Lyon"}, "Bonjour Lyon"},
		{"en", "t.fr_only", nil, "seul"},
		{"fr", "t.missing", nil, "t.missing"},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
	}
	if err := c.Load("again", fstest.MapFS{"x.fr.yaml": {Data: []byte("t.hello: doublon\n")}}); err == nil {
		t.Error("a key defined twice was accepted")
	}
}

func TestFormats(t *testing.T) {
	c := i18n.NewWithFormats()
	at := time.Date(2026, 12, 3, 13, 5, 0, 0, time.UTC) // 14 h 05 in Paris (UTC+1)
	summer := time.Date(2026, 7, 14, 22, 30, 0, 0, time.UTC)
	tests := []struct{ got, want string }{
		{c.Date("fr", at), "3 décembre 2026"},
		{c.Date("en", at), "3 December 2026"},
		{c.DateTime("fr", at), "3 décembre 2026 à 14 h 05"},
		{c.DateTime("en", at), "3 December 2026, 14:05"},
		{c.Date("fr", summer), "15 juillet 2026"},
		{c.Date("fr", time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)), "1er décembre 2026"},
		{c.Date("en", time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)), "1 December 2026"},
		{i18n.Km("fr", 4800), "4,8\u00a0km"},
		{i18n.De("Angoulême"), "d'Angoulême"},
		{i18n.De("Lyon"), "de Lyon"},
		{i18n.De("Le Mans"), "du Mans"},
		{i18n.De("Les Andelys"), "des Andelys"},
		{i18n.De("La Rochelle"), "de La Rochelle"},
		{i18n.De("Évry-Courcouronnes"), "d'Évry-Courcouronnes"},
		{i18n.De("Hazebrouck"), "d'Hazebrouck"},
		{i18n.Km("en", 4800), "4.8\u00a0km"},
		{i18n.Km("fr", 12345), "12\u00a0km"},
		{i18n.Int("fr", 12345), "12\u00a0345"},
		{i18n.Int("en", 12345), "12,345"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

// TestDeInMessages: a French message writes « d'Angoulême », not « de
// Angoulême », through {{de .Commune}}.
func TestDeInMessages(t *testing.T) {
	c := i18n.New()
	if err := c.Load("t", fstest.MapFS{
		"x.fr.yaml": {Data: []byte("t.near: \"à 5 km {{de .Commune}}\"\n")},
		"x.en.yaml": {Data: []byte("t.near: \"5 km from {{.Commune}}\"\n")},
	}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ lang, commune, want string }{
		{"fr", "Angoulême", "à 5 km d'Angoulême"}, {"fr", "Le Mans", "à 5 km du Mans"}, {"en", "Angoulême", "5 km from Angoulême"},
	} {
		if got := c.T(tt.lang, "t.near", "Commune", tt.commune); got != tt.want {
			t.Errorf("%s %s: %q, want %q", tt.lang, tt.commune, got, tt.want)
		}
	}
}

// TestIntBelowAThousand: the digits Int writes without the printer are the
// printer's, in both languages.
func TestIntBelowAThousand(t *testing.T) {
	for _, lang := range i18n.Langs {
		for n := 0; n < 1000; n++ {
			if got, want := i18n.Int(lang, n), i18n.Number(lang, float64(n), 0); got != want {
				t.Fatalf("%s %d: %q, the printer writes %q", lang, n, got, want)
			}
		}
		if got := i18n.Int(lang, 1000); got == "1000" {
			t.Errorf("%s: 1000 without grouping", lang)
		}
	}
}

// TestPlainMessagesKept: a message asked without arguments is the same
// kept or not, an unknown key is itself, a later catalogue is seen.
func TestPlainMessagesKept(t *testing.T) {
	c := i18n.New()
	load := func(text string) {
		t.Helper()
		if err := c.Load("t", fstest.MapFS{"t.fr.yaml": {Data: []byte("kept.key: " + text + "\n")}, "t.en.yaml": {Data: []byte("kept.key: English\n")}}); err != nil {
			t.Fatal(err)
		}
	}
	load("Premier")
	for range 2 {
		if got := c.T("fr", "kept.key"); got != "Premier" {
			t.Fatalf("fr: %q", got)
		}
		if got := c.T("en", "kept.key"); got != "English" {
			t.Fatalf("en: %q", got)
		}
		if got := c.T("xx", "kept.key"); got != "Premier" {
			t.Fatalf("an unknown language: %q, want the French", got)
		}
		if got := c.T("fr", "no.such.key"); got != "no.such.key" {
			t.Fatalf("unknown key: %q", got)
		}
	}
	// A catalogue loaded after the first messages were asked is seen.
	if err := c.Load("u", fstest.MapFS{"u.fr.yaml": {Data: []byte("later.key: Plus tard\n")}, "u.en.yaml": {Data: []byte("later.key: Later\n")}}); err != nil {
		t.Fatal(err)
	}
	if got := c.T("en", "later.key"); got != "Later" {
		t.Fatalf("a later catalogue: %q", got)
	}
}
