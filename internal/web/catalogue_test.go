package web_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"maillage/internal/app"
	"maillage/internal/i18n"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// keyLike is what a catalogue key looks like: dotted lower-case words.
var keyLike = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// repoRoot is the module's root (tests run in internal/web).
const repoRoot = "../.."

// usedKeys scans the Go files (not tests) and the templates for the keys
// they name: string literals that look like keys of a catalogue namespace,
// and the prefixes of keys built at run time ("domain.kind." + kind,
// printf "search.facet.%s"). Literals that are no keys are left out: audit
// actions (Action: "…", maillage.AuditActions).
func usedKeys(t *testing.T, namespaces map[string]bool) (keys map[string][]string, prefixes map[string][]string) {
	t.Helper()
	keys, prefixes = map[string][]string{}, map[string][]string{}
	inNamespace := func(s string) bool { return namespaces[strings.SplitN(s, ".", 2)[0]] }
	fset := token.NewFileSet()
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(repoRoot, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			skip := map[*ast.BasicLit]bool{}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.KeyValueExpr: // Action: "role.granted" is an audit action, not a key
					if id, ok := x.Key.(*ast.Ident); ok && id.Name == "Action" {
						if lit, ok := x.Value.(*ast.BasicLit); ok {
							skip[lit] = true
						}
					}
				case *ast.ValueSpec:
					for _, name := range x.Names {
						if name.Name == "AuditActions" {
							ast.Inspect(x, func(m ast.Node) bool {
								if lit, ok := m.(*ast.BasicLit); ok {
									skip[lit] = true
								}
								return true
							})
						}
					}
				case *ast.BinaryExpr: // "domain.kind." + kind
					if lit, ok := x.X.(*ast.BasicLit); ok && x.Op == token.ADD && lit.Kind == token.STRING {
						if s, err := strconv.Unquote(lit.Value); err == nil && strings.HasSuffix(s, ".") && inNamespace(s) {
							prefixes[s] = append(prefixes[s], path)
							skip[lit] = true
						}
					}
				}
				return true
			})
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING || skip[lit] {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				switch {
				case strings.HasSuffix(s, ".") && inNamespace(s) && keyLike.MatchString(strings.TrimSuffix(s, ".")):
					prefixes[s] = append(prefixes[s], path)
				case keyLike.MatchString(s) && inNamespace(s):
					keys[s] = append(keys[s], path)
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	quoted := regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)(\.%[sdv][a-z0-9_.]*)?"`)
	for _, dir := range []string{filepath.Join(repoRoot, "web", "templates"), filepath.Join(repoRoot, "internal")} { // templates, and those embedded beside Go code
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range quoted.FindAllStringSubmatch(string(b), -1) {
				switch {
				case !inNamespace(m[1]):
				case m[2] != "":
					prefixes[m[1]+"."] = append(prefixes[m[1]+"."], path)
				default:
					keys[m[1]] = append(keys[m[1]], path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return keys, prefixes
}

// families are the keys built at run time from the domain's lists: each
// value must have its key, in French and in English.
func families(a *app.App) map[string][]string {
	var kinds, vis, sroles, roles []string
	for _, k := range maillage.ProfileKinds {
		kinds = append(kinds, string(k))
	}
	for _, v := range maillage.Visibilities {
		vis = append(vis, string(v))
	}
	for _, r := range maillage.StructureRoles {
		sroles = append(sroles, string(r))
	}
	for _, r := range maillage.Roles {
		roles = append(roles, string(r))
	}
	months := []string{}
	for m := 1; m <= 12; m++ {
		months = append(months, strconv.Itoa(m))
	}
	return map[string][]string{
		"domain.kind.":           kinds,
		"domain.visibility.":     vis,
		"domain.structure_role.": sroles,
		"domain.member_role.":    maillage.MemberRoles,
		"domain.role.":           roles,
		"domain.scope.":          {maillage.ScopeDepartement, maillage.ScopeRegion, maillage.ScopeProgramme, maillage.ScopeStructure},
		"domain.evidence.":       {string(maillage.EvidenceDeclared), string(maillage.EvidenceCertified), string(maillage.EvidenceValidated)},
		"common.bool.":           {"true", "false"},
		"search.type.":           append([]string{"all"}, a.SearchRegistry.TypeNames()...),
		"search.facet.":          a.SearchRegistry.Facets(),
		"admin.audit.action.":    maillage.AuditActions,
		"network.claim.status.":  maillage.ClaimMachine.States,
		"network.profile.field.": maillage.ProfileFields,
		"format.month.":          months,
		"lieux.field.":           lieux.FieldNames(),
		"status.service.":        {"postgres", "meilisearch"},
		"status.state.":          {"ok", "down"},
	}
}

// TestCatalogue: French and English hold the same keys; every key the code
// and the templates name exists (dynamic families included); no key is
// defined that nothing uses; French typography (a non-breaking space
// before « : ; ! ? »).
func TestCatalogue(t *testing.T) {
	a := testenv.Get(t).App(t)
	cat := a.Catalog
	fr, en := cat.Keys(i18n.FR), cat.Keys(i18n.EN)
	if diff := symmetric(fr, en); len(diff) > 0 {
		t.Errorf("keys in only one language: %v", diff)
	}
	namespaces := map[string]bool{}
	for _, k := range fr {
		namespaces[strings.SplitN(k, ".", 2)[0]] = true
	}
	keys, prefixes := usedKeys(t, namespaces)
	for k, where := range keys {
		if !cat.Has(k) {
			t.Errorf("%s names the key %q, which no catalogue defines", where[0], k)
		}
	}
	fams := families(a)
	for prefix, values := range fams {
		for _, v := range values {
			if !cat.Has(prefix + v) {
				t.Errorf("the family %s has no key for %q", prefix, v)
			}
		}
	}
	// Every prefix the code builds keys from must be a known family or
	// have keys under it.
	for prefix, where := range prefixes {
		found := false
		for _, k := range fr {
			found = found || strings.HasPrefix(k, prefix)
		}
		if !found {
			t.Errorf("%s builds keys under %q, and none exists", where[0], prefix)
		}
	}
	var unused []string
	for _, k := range fr {
		if _, ok := keys[k]; ok {
			continue
		}
		used := false
		for prefix := range prefixes {
			used = used || strings.HasPrefix(k, prefix)
		}
		for prefix := range fams {
			used = used || strings.HasPrefix(k, prefix)
		}
		if !used {
			unused = append(unused, k+" ("+cat.File(i18n.FR, k)+")")
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		t.Errorf("%d keys are defined and used nowhere:\n%s", len(unused), strings.Join(unused, "\n"))
	}
	plainSpace := regexp.MustCompile(` [:;!?»]|« `)
	for _, k := range fr {
		if s := cat.T(i18n.FR, k); plainSpace.MatchString(strings.ReplaceAll(s, "://", "")) {
			t.Errorf("French %s has a plain space before « : ; ! ? » or inside « »: %q", k, s)
		}
	}
}

// symmetric returns what is in only one of a and b.
func symmetric(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, "fr:"+x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, "en:"+x)
		}
	}
	return out
}
