package charter

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zoneinfo database
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"

	"maillage/internal/maillage"
)

// Version is one published text of the charter.
type Version struct {
	Number int
	// PublishedAt is midnight, Europe/Paris, of the publication day (in UTC):
	// from then on the version is the current one.
	PublishedAt time.Time
	// Summary says what changed since the previous version.
	Summary string
	Source  string
	Licence string
	// File is the name of the file the version was read from ("v2.md").
	File string
	// Markdown is the text as written (front matter removed, line ends "\n").
	Markdown string
	// HTML is the rendered fragment. A page must embed it unchanged: its
	// SHA-256 is SHA256.
	HTML template.HTML
	// SHA256 is the lower-case hex SHA-256 of HTML: the hash of the text
	// shown, carried by every signature of this version.
	SHA256 string
	// SourceSHA256 is the SHA-256 of Markdown. When the file is unchanged
	// but HTML differs from what was stored (a new goldmark renders
	// differently), keep the stored HTML: signatures carry its hash.
	SourceSHA256 string
}

// TextSHA256 returns the lower-case hex SHA-256 of text, byte for byte.
func TextSHA256(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// ConsentSHA256 returns the hash of the consent sentence exactly as the page
// showed it, in the language shown (the translated text, not its HTML
// escaping).
func ConsentSHA256(text string) string { return TextSHA256(text) }

// markdown renders CommonMark without raw HTML: a tag written in the source
// is replaced by a comment, and links to javascript: and the like are
// dropped (goldmark's defaults, html.WithUnsafe not set).
var markdown = goldmark.New()

// Render returns the HTML fragment of a Markdown text.
func Render(source string) (template.HTML, error) {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(source), &b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil //nolint:gosec // goldmark escapes: raw HTML is not rendered
}

// Keys for the loader, which compares the files with the stored versions.
const (
	// KeyVersionChanged: a published version's Markdown (SourceSHA256)
	// differs from the stored one. Refuse: signatures carry its hash.
	KeyVersionChanged = "charter.version.changed"
	// KeyRenderChanged: same Markdown, other HTML (a new goldmark). Keep the
	// stored HTML and hash; this is a warning.
	KeyRenderChanged = "charter.version.render_changed"
)

// SourceFile is the one file of the folder that is not a version.
const SourceFile = "SOURCE.md"

var versionFile = regexp.MustCompile(`^v([1-9][0-9]{0,5})\.md$`)

// metadata is the front matter of a version file.
type metadata struct {
	Version   int    `yaml:"version"`
	PublieeLe string `yaml:"publiee_le"`
	Resume    string `yaml:"resume"`
	Source    string `yaml:"source"`
	Licence   string `yaml:"licence"`
}

// ParseVersions reads every version of the charter from fsys (the
// content/charte folder): files v1.md … vN.md and SOURCE.md, nothing else.
// Everything is checked before anything is returned, and every problem is
// reported, each under the field "FILE:FIELD" ("v2.md:publiee_le"; "FILE"
// for a file that should not be there; "versions" for the set): numbers 1..n without gap, each equal to its file name,
// publication dates strictly increasing, summary, source, licence and text
// not empty, text in valid UTF-8 and NFC (two spellings of « é » would not
// hash alike). The error is a maillage.Error (invalid) with those problems.
// Versions come sorted by number.
func ParseVersions(fsys fs.FS) ([]Version, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, maillage.Wrap(maillage.EINTERNAL, err, "charter.version.unreadable")
	}
	var ps maillage.Problems
	var out []Version
	for _, e := range entries {
		name := e.Name()
		if name == SourceFile && !e.IsDir() {
			continue
		}
		m := versionFile.FindStringSubmatch(name)
		if m == nil || e.IsDir() {
			ps.Add(name, "charter.version.unexpected_file", "File", name)
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, maillage.Wrap(maillage.EINTERNAL, err, "charter.version.unreadable")
		}
		n, _ := strconv.Atoi(m[1])
		v, vps := parseVersion(name, n, b)
		for _, p := range vps {
			ps.Add(p.Field, p.Key, p.Args...)
		}
		if len(vps) == 0 {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	checkSequence(&ps, entries, out)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// checkSequence checks the numbers (1..n, from the file names, so a file
// with other problems still counts) and the order of the dates.
func checkSequence(ps *maillage.Problems, entries []fs.DirEntry, vs []Version) {
	have := map[int]bool{}
	maxN := 0
	for _, e := range entries {
		if m := versionFile.FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[1])
			have[n] = true
			maxN = max(maxN, n)
		}
	}
	if maxN == 0 {
		ps.Add("versions", "charter.version.none")
		return
	}
	for n := 1; n <= maxN; n++ {
		if !have[n] {
			ps.Add("versions", "charter.version.missing", "Number", n, "File", "v"+strconv.Itoa(n)+".md")
			break
		}
	}
	for i := 1; i < len(vs); i++ {
		prev, v := vs[i-1], vs[i]
		if !v.PublishedAt.After(prev.PublishedAt) {
			ps.Add(v.File+":publiee_le", "charter.version.date_order",
				"Number", v.Number, "Previous", prev.Number, "Date", v.PublishedAt.In(maillage.Paris).Format(time.DateOnly),
				"PreviousDate", prev.PublishedAt.In(maillage.Paris).Format(time.DateOnly))
		}
	}
}

// parseVersion reads one file; n is the number in its name.
func parseVersion(file string, n int, b []byte) (Version, maillage.Problems) {
	var ps maillage.Problems
	field := func(f string) string { return file + ":" + f }
	if !utf8.Valid(b) {
		ps.Add(field("texte"), "charter.version.not_utf8", "File", file)
		return Version{}, ps
	}
	s := strings.TrimPrefix(string(b), "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	front, body, ok := splitFrontMatter(s)
	if !ok {
		ps.Add(field("version"), "charter.version.no_front_matter", "File", file)
		return Version{}, ps
	}
	var meta metadata
	dec := yaml.NewDecoder(strings.NewReader(front))
	dec.KnownFields(true)
	if err := dec.Decode(&meta); err != nil {
		ps.Add(field("version"), "charter.version.bad_metadata", "File", file, "Detail", err.Error())
		return Version{}, ps
	}
	v := Version{
		Number:   meta.Version,
		Summary:  strings.TrimSpace(meta.Resume),
		Source:   strings.TrimSpace(meta.Source),
		Licence:  strings.TrimSpace(meta.Licence),
		File:     file,
		Markdown: body,
	}
	if meta.Version != n {
		ps.Add(field("version"), "charter.version.number_mismatch", "File", file, "Number", meta.Version, "Expected", n)
	}
	if meta.PublieeLe == "" {
		ps.Add(field("publiee_le"), "charter.version.date_required", "File", file)
	} else if d, err := time.ParseInLocation(time.DateOnly, meta.PublieeLe, maillage.Paris); err != nil {
		ps.Add(field("publiee_le"), "charter.version.date_invalid", "File", file, "Value", meta.PublieeLe)
	} else {
		v.PublishedAt = d.UTC()
	}
	for _, f := range []struct{ name, value string }{
		{"resume", v.Summary}, {"source", v.Source}, {"licence", v.Licence},
	} {
		if f.value == "" {
			ps.Add(field(f.name), "charter.version.required", "File", file, "Field", f.name)
		}
	}
	if strings.TrimSpace(body) == "" {
		ps.Add(field("texte"), "charter.version.empty_text", "File", file)
	} else if !norm.NFC.IsNormalString(body) || !norm.NFC.IsNormalString(front) {
		ps.Add(field("texte"), "charter.version.not_nfc", "File", file)
	}
	if len(ps) > 0 {
		return Version{}, ps
	}
	html, err := Render(body)
	if err != nil {
		ps.Add(field("texte"), "charter.version.render_failed", "File", file, "Detail", err.Error())
		return Version{}, ps
	}
	v.HTML = html
	v.SHA256 = TextSHA256(string(html))
	v.SourceSHA256 = TextSHA256(body)
	return v, nil
}

// splitFrontMatter splits "---\nYAML\n---\nBODY".
func splitFrontMatter(s string) (front, body string, ok bool) {
	rest, found := strings.CutPrefix(s, "---\n")
	if !found {
		return "", "", false
	}
	if strings.HasPrefix(rest, "---\n") {
		return "", rest[len("---\n"):], true
	}
	i := strings.Index(rest, "\n---\n")
	if i < 0 {
		if strings.HasSuffix(rest, "\n---") {
			return rest[:len(rest)-len("\n---")], "", true
		}
		return "", "", false
	}
	return rest[:i+1], rest[i+len("\n---\n"):], true
}

// Current returns the version in force at now: the highest number whose
// publication time has come. ok is false before the first publication.
func Current(versions []Version, now time.Time) (v Version, ok bool) {
	for _, x := range versions {
		if !x.PublishedAt.After(now) && (!ok || x.Number > v.Number) {
			v, ok = x, true
		}
	}
	return v, ok
}
