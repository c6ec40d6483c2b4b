package lieux_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/i18n"
)

// catalogue loads the report messages (internal/web/lieux/report.*.yaml).
func catalogue(t testing.TB) *i18n.Catalog {
	t.Helper()
	c := i18n.NewWithFormats()
	if err := c.Load("lieux", reportFiles()); err != nil {
		t.Fatal(err)
	}
	return c
}

var keyLiteral = regexp.MustCompile(`"(lieux\.[a-z0-9_]+(?:\.[a-z0-9_]+)+)"`)

// TestCatalogue: French and English have the same keys, every key the Go
// code of the package names is defined, every defined key is named, and
// every message renders with the arguments keys.go lists.
func TestCatalogue(t *testing.T) {
	c := catalogue(t)
	var fr, en []string
	for _, k := range c.Keys(i18n.FR) {
		if strings.HasPrefix(k, "lieux.") {
			fr = append(fr, k)
		}
	}
	for _, k := range c.Keys(i18n.EN) {
		if strings.HasPrefix(k, "lieux.") {
			en = append(en, k)
		}
	}
	if diff := cmp.Diff(fr, en); diff != "" {
		t.Errorf("French and English keys differ (-fr +en):\n%s", diff)
	}
	files, _ := filepath.Glob("*.go")
	used := map[string]bool{}
	args := map[string][]string{} // key → argument names from the comment in keys.go
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			for _, m := range keyLiteral.FindAllStringSubmatch(line, -1) {
				used[m[1]] = true
				if f == "keys.go" {
					if _, comment, ok := strings.Cut(line, "// "); ok {
						comment, _, _ = strings.Cut(comment, " (")
						for _, a := range strings.Split(comment, ",") {
							if a = strings.TrimSpace(a); a != "" {
								args[m[1]] = append(args[m[1]], a)
							}
						}
					}
				}
			}
		}
	}
	var missing, unused []string
	for k := range used {
		if !c.Has(k) {
			missing = append(missing, k)
		}
	}
	for _, k := range fr {
		if !used[k] {
			unused = append(unused, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	if len(missing) > 0 {
		t.Errorf("keys used in Go but not in the catalogue: %v", missing)
	}
	if len(unused) > 0 {
		t.Errorf("keys of the catalogue used nowhere in Go: %v", unused)
	}
	for _, k := range fr {
		var a []any
		for _, name := range args[k] {
			a = append(a, name, "x")
		}
		if len(args[k]) > 0 && strings.Contains(strings.Join(args[k], ","), "Count") {
			a = append(a, "Count", 2)
		}
		for _, lang := range i18n.Langs {
			if got := c.T(lang, k, a...); got == k || strings.Contains(got, "<no value>") {
				t.Errorf("%s %s renders %q", lang, k, got)
			}
		}
	}
}

// reportFiles are the catalogue files of the import report (the web
// capability's own messages are checked by the portal's catalogue test).
func reportFiles() fstest.MapFS {
	out := fstest.MapFS{}
	for _, lang := range []string{"fr", "en"} {
		b, err := os.ReadFile("../web/lieux/report." + lang + ".yaml")
		if err != nil {
			panic(err)
		}
		out["report."+lang+".yaml"] = &fstest.MapFile{Data: b}
	}
	return out
}
