package charter_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"maillage/internal/charter"
)

func catalogueKeys(t *testing.T, lang string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(catalogueDir, "messages."+lang+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCatalogues: French and English have the same keys, every key the
// package uses is defined, and every message renders in both languages.
func TestCatalogues(t *testing.T) {
	fr, en := catalogueKeys(t, "fr"), catalogueKeys(t, "en")
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	if diff := cmp.Diff(keys(fr), keys(en)); diff != "" {
		t.Errorf("French and English keys differ (-fr +en):\n%s", diff)
	}
	for _, k := range usedKeys(t) {
		if _, ok := fr[k]; !ok {
			t.Errorf("key %s is used but not in the catalogues", k)
		}
	}
	tr := newTranslator(t)
	args := []any{"Count", 2, "Seq", 3, "Want", "3", "Got", "4", "Max", 120, "Version", 1, "Current", 2, "Code", "D19C-C175-D38E",
		"File", "v1.md", "Number", 1, "Expected", 2, "Previous", 1, "Date", "2026-01-01", "PreviousDate", "2025-01-01",
		"Value", "x", "Field", "resume", "Detail", "d", "Name", "Camille", "Day", 3, "Month", "décembre", "Year", 2026, "Hour", 14, "Minute", "05",
		// the web room's and storage's messages (pages, mails, command)
		"Hash", "ab12", "Message", "m", "Inviter", "Alex", "Structure", "S", "Link", "https://x", "Charter", "https://y",
		"Summary", "s", "Signed", 1, "Reason", "r"}
	for _, lang := range []string{"fr", "en"} {
		for _, k := range keys(fr) {
			if s := tr.tr(lang, k, args...); s == "" || strings.Contains(s, "<no value>") {
				t.Errorf("%s %s renders %q", lang, k, s)
			}
		}
	}
	// French typography: no plain space before « : ; ! ? » nor inside « ».
	for k, v := range fr {
		s, _ := v.(string)
		for _, p := range []string{" :", " ;", " !", " ?", "« ", " »"} {
			if strings.Contains(s, p) {
				t.Errorf("fr %s: plain space in %q", k, p)
			}
		}
	}
}

// usedKeys lists the message keys the package's Go files name.
func usedKeys(t *testing.T) []string {
	t.Helper()
	key := regexp.MustCompile(`^charter\.[a-z0-9_]+(\.[a-z0-9_]+)+$`)
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && key.MatchString(s) {
					out = append(out, s)
				}
			}
			return true
		})
	}
	for m := 1; m <= 12; m++ {
		out = append(out, "charter.month."+strconv.Itoa(m))
	}
	for _, s := range []charter.SignatureStatus{charter.StatusValid, charter.StatusSuperseded, charter.StatusWithdrawn, charter.StatusRevoked} {
		out = append(out, s.Key())
	}
	if len(out) < 50 {
		t.Fatalf("found only %d keys: the scan is broken", len(out))
	}
	return out
}
