package charter_test

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/charter"
	"maillage/internal/maillage"
)

// The published versions never change: signatures carry these hashes. To
// fix a text, publish a new version.
const (
	v1SHA256 = "c1a342d1109e497b97a3c8cb517bec232a7e0033a857387b0eb14e82b9885531"
	v2SHA256 = "a39970c1147c94253595f7ddae8e7083d0778ce1571823fcd4d5bbf1e6af48d8"
)

func TestParseVersionsContent(t *testing.T) {
	vs := realVersions(t)
	if len(vs) != 2 {
		t.Fatalf("%d versions, want 2", len(vs))
	}
	for i, want := range []string{v1SHA256, v2SHA256} {
		v := vs[i]
		if v.Number != i+1 || v.File != "v"+string(rune('1'+i))+".md" {
			t.Errorf("version %d: number %d file %s", i+1, v.Number, v.File)
		}
		if v.SHA256 != want {
			t.Errorf("v%d.SHA256 = %s, want %s: a published text changed", v.Number, v.SHA256, want)
		}
		if v.SHA256 != charter.TextSHA256(string(v.HTML)) || v.SourceSHA256 != charter.TextSHA256(v.Markdown) {
			t.Errorf("v%d: hashes are not those of its HTML and Markdown", v.Number)
		}
		if v.Summary == "" || v.Source == "" || !strings.Contains(v.Licence, "Licence Ouverte") {
			t.Errorf("v%d metadata: %q %q %q", v.Number, v.Summary, v.Source, v.Licence)
		}
		for _, s := range []string{"<h1>Charte de l'aidant numérique</h1>", "<h2>1. Agir avec la personne, pas à sa place</h2>",
			"<h2>2. Ne jamais conserver", "<h2>3. Protéger ses données personnelles</h2>", "<h2>4. Passer le relais", "RGPD"} {
			if !strings.Contains(string(v.HTML), s) {
				t.Errorf("v%d HTML lacks %q", v.Number, s)
			}
		}
		if strings.Contains(v.Markdown, "\r") || strings.Contains(v.Markdown, "---\nversion") {
			t.Errorf("v%d Markdown keeps its front matter or CR", v.Number)
		}
	}
	v1, v2 := vs[0], vs[1]
	if strings.Contains(string(v1.HTML), "<h2>5.") || !strings.Contains(string(v2.HTML), "<h2>5. Demander son accord") {
		t.Error("version 2 must add point 5, version 1 must not have it")
	}
	if !strings.Contains(v2.Summary, "point 5") {
		t.Errorf("v2 summary does not say what changed: %q", v2.Summary)
	}
	wantDates := []time.Time{time.Date(2026, 9, 1, 0, 0, 0, 0, maillage.Paris), time.Date(2026, 11, 25, 0, 0, 0, 0, maillage.Paris)}
	for i, v := range vs {
		if !v.PublishedAt.Equal(wantDates[i]) || v.PublishedAt.Location() != time.UTC {
			t.Errorf("v%d PublishedAt = %v, want %v in UTC", v.Number, v.PublishedAt, wantDates[i])
		}
	}
	// French typography: a non-breaking space before « : ; ! ? », never a plain one.
	for _, v := range vs {
		for _, p := range []string{" :", " ;", " !", " ?", "« ", " »"} {
			if strings.Contains(v.Markdown, p) || strings.Contains(v.Summary, p) {
				t.Errorf("v%d has a plain space in %q", v.Number, p)
			}
		}
	}
}

// TestPageHashIsStoredHash: a page that embeds Version.HTML through
// html/template shows exactly the bytes whose hash is stored.
func TestPageHashIsStoredHash(t *testing.T) {
	v := realVersions(t)[1]
	page := template.Must(template.New("page").Parse(
		`<!doctype html><main><h1>{{.Title}}</h1><div id="charte-texte">{{.HTML}}</div><p>{{.SHA256}}</p></main>`))
	var b bytes.Buffer
	if err := page.Execute(&b, map[string]any{"Title": "Charte", "HTML": v.HTML, "SHA256": v.SHA256}); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	start := strings.Index(html, `<div id="charte-texte">`) + len(`<div id="charte-texte">`)
	end := strings.LastIndex(html, `</div>`)
	if shown := html[start:end]; charter.TextSHA256(shown) != v.SHA256 {
		t.Errorf("hash of the fragment the page shows = %s, stored %s", charter.TextSHA256(shown), v.SHA256)
	}
}

func TestRenderSafe(t *testing.T) {
	html, err := charter.Render("# Titre\n\n<script>alert(1)</script>\n\nTexte <b onclick=x>gras</b> et [lien](javascript:alert(1)) et [site](https://exemple.fr).\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "onclick", "javascript:", "<b"} {
		if strings.Contains(string(html), bad) {
			t.Errorf("rendered HTML keeps %q:\n%s", bad, html)
		}
	}
	if !strings.Contains(string(html), `<a href="https://exemple.fr">site</a>`) {
		t.Errorf("rendered HTML lost a plain link:\n%s", html)
	}
}

func file(front, body string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("---\n" + front + "---\n" + body)}
}

func meta(n int, date string) string {
	return "version: " + string(rune('0'+n)) + "\npubliee_le: " + date + "\nresume: Ce qui change.\nsource: Équipe Maillage.\nlicence: Licence Ouverte 2.0\n"
}

func TestParseVersionsProblems(t *testing.T) {
	ok1 := file(meta(1, "2026-01-01"), "# Charte\n\nTexte.\n")
	ok2 := file(meta(2, "2026-02-01"), "# Charte\n\nTexte modifié.\n")
	tests := []struct {
		name string
		fs   fstest.MapFS
		want []string // field=key
	}{
		{"empty folder", fstest.MapFS{"SOURCE.md": {Data: []byte("x")}}, []string{"versions=charter.version.none"}},
		{"missing version", fstest.MapFS{"v1.md": ok1, "v3.md": file(meta(3, "2026-03-01"), "Texte.\n")},
			[]string{"versions=charter.version.missing"}},
		{"number differs from the name", fstest.MapFS{"v1.md": ok1, "v2.md": file(meta(3, "2026-02-01"), "Texte.\n")},
			[]string{"v2.md:version=charter.version.number_mismatch"}},
		{"dates not increasing", fstest.MapFS{"v1.md": ok1, "v2.md": file(meta(2, "2026-01-01"), "Texte.\n")},
			[]string{"v2.md:publiee_le=charter.version.date_order"}},
		{"empty text", fstest.MapFS{"v1.md": file(meta(1, "2026-01-01"), "\n  \n")},
			[]string{"v1.md:texte=charter.version.empty_text"}},
		{"no front matter", fstest.MapFS{"v1.md": {Data: []byte("# Charte\n")}},
			[]string{"v1.md:version=charter.version.no_front_matter"}},
		{"unknown field", fstest.MapFS{"v1.md": file(meta(1, "2026-01-01")+"auteur: x\n", "Texte.\n")},
			[]string{"v1.md:version=charter.version.bad_metadata"}},
		{"bad date", fstest.MapFS{"v1.md": file(meta(1, "1/9/2026"), "Texte.\n")},
			[]string{"v1.md:publiee_le=charter.version.date_invalid"}},
		{"missing fields", fstest.MapFS{"v1.md": file("version: 1\n", "Texte.\n")},
			[]string{"v1.md:publiee_le=charter.version.date_required", "v1.md:resume=charter.version.required",
				"v1.md:source=charter.version.required", "v1.md:licence=charter.version.required"}},
		{"not NFC", fstest.MapFS{"v1.md": file(meta(1, "2026-01-01"), "Donne\u0301es.\n")},
			[]string{"v1.md:texte=charter.version.not_nfc"}},
		{"not UTF-8", fstest.MapFS{"v1.md": {Data: []byte("---\nversion: 1\n---\nDonn\xe9es\n")}},
			[]string{"v1.md:texte=charter.version.not_utf8"}},
		{"unexpected files", fstest.MapFS{"v1.md": ok1, "v02.md": ok2, "notes.txt": {Data: []byte("x")}, "v2": {Mode: 0o755 | 1<<31}},
			[]string{"notes.txt=charter.version.unexpected_file", "v02.md=charter.version.unexpected_file", "v2=charter.version.unexpected_file"}},
		{"several files wrong", fstest.MapFS{"v1.md": file(meta(1, "2026-05-01"), ""), "v2.md": ok2},
			[]string{"v1.md:texte=charter.version.empty_text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, err := charter.ParseVersions(tt.fs)
			if maillage.ErrorCode(err) != maillage.EINVALID {
				t.Fatalf("ParseVersions = %d versions, %v; want invalid", len(vs), err)
			}
			var got []string
			for _, p := range maillage.ErrorProblems(err) {
				got = append(got, p.Field+"="+p.Key)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseVersionsNormalises(t *testing.T) {
	lf := fstest.MapFS{"v1.md": file(meta(1, "2026-01-01"), "# Charte\n\nTexte : oui.\n")}
	crlf := fstest.MapFS{"v1.md": {Data: []byte("\uFEFF" + strings.ReplaceAll(string(lf["v1.md"].Data), "\n", "\r\n"))}}
	a, err := charter.ParseVersions(lf)
	if err != nil {
		t.Fatal(err)
	}
	b, err := charter.ParseVersions(crlf)
	if err != nil {
		t.Fatal(err)
	}
	if a[0].SHA256 != b[0].SHA256 || a[0].SourceSHA256 != b[0].SourceSHA256 {
		t.Error("a BOM or CRLF line ends change the hash")
	}
}

func TestCurrent(t *testing.T) {
	vs := realVersions(t)
	tests := []struct {
		now  time.Time
		want int
	}{
		{time.Date(2026, 8, 31, 21, 59, 59, 0, time.UTC), 0},
		{time.Date(2026, 8, 31, 22, 0, 0, 0, time.UTC), 1}, // midnight in Paris (summer time)
		{time.Date(2026, 11, 24, 22, 59, 0, 0, time.UTC), 1},
		{time.Date(2026, 11, 24, 23, 0, 0, 0, time.UTC), 2}, // midnight in Paris (winter time)
		{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 2},
	}
	for _, tt := range tests {
		v, ok := charter.Current(vs, tt.now)
		if got := map[bool]int{true: v.Number}[ok]; got != tt.want {
			t.Errorf("Current(%v) = %d, want %d", tt.now, got, tt.want)
		}
	}
}
