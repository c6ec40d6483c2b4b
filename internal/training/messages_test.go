package training_test

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
	"text/template"

	"gopkg.in/yaml.v3"
)

// catalogue reads a message file: key → one text, or a plural map.
func catalogue(t *testing.T, lang string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "web", "training", "messages."+lang+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatalf("messages.%s.yaml: %v", lang, err)
	}
	out := map[string][]string{}
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			out[k] = []string{v}
		case map[string]any:
			if _, ok := v["other"]; !ok {
				t.Errorf("%s: plural %s without other", lang, k)
			}
			for _, form := range []string{"one", "other"} {
				if s, ok := v[form].(string); ok {
					out[k] = append(out[k], s)
				}
			}
		default:
			t.Errorf("%s: %s is neither a text nor a plural", lang, k)
		}
	}
	return out
}

// usedKeys lists the message keys the package's code names (each must be
// defined).
func usedKeys(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	var keys []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, _ := strconv.Unquote(lit.Value); strings.HasPrefix(s, "training.") && !slices.Contains(keys, s) {
					keys = append(keys, s)
				}
			}
			return true
		})
	}
	slices.Sort(keys)
	return keys
}

var asciiSpaceBeforePunct = regexp.MustCompile(` [:;!?»]|« `)

func TestMessages(t *testing.T) {
	fr, en := catalogue(t, "fr"), catalogue(t, "en")
	for k := range fr {
		if _, ok := en[k]; !ok {
			t.Errorf("%s: in French, not in English", k)
		}
	}
	for k := range en {
		if _, ok := fr[k]; !ok {
			t.Errorf("%s: in English, not in French", k)
		}
	}
	used := usedKeys(t)
	for _, k := range used {
		if _, ok := fr[k]; !ok {
			t.Errorf("%s: used but not defined", k)
		}
	}
	// Keys defined and used nowhere: the web layer's catalogue test looks
	// at every package and template (the pages use most of this file).
	for lang, cat := range map[string]map[string][]string{"fr": fr, "en": en} {
		for k, texts := range cat {
			for _, s := range texts {
				if _, err := template.New(k).Parse(s); err != nil {
					t.Errorf("%s %s: %v", lang, k, err)
				}
				if lang == "fr" && asciiSpaceBeforePunct.MatchString(s) {
					t.Errorf("fr %s: a plain space where French needs a non-breaking one: %q", k, s)
				}
			}
		}
	}
}
