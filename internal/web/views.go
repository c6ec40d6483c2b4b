package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"maillage/internal/lieux"
	"path"
	"strings"
	"sync"
)

// views implements fiber.Views. Each page gets its own template set (layout
// + partials + that page parsed as "page"), so pages never clash on define
// names and rendering takes no lock.
type views struct {
	fsys  fs.FS
	mu    sync.RWMutex
	pages map[string]*template.Template
}

func newViews(fsys fs.FS) *views { return &views{fsys: fsys} }

func (v *views) Load() error {
	base := template.New("base").Funcs(templateFuncs)
	for _, dir := range []string{"layouts", "partials"} {
		names, err := fs.Glob(v.fsys, dir+"/*.html")
		if err != nil {
			return err
		}
		for _, n := range names {
			b, err := fs.ReadFile(v.fsys, n)
			if err != nil {
				return err
			}
			name := strings.TrimSuffix(path.Base(n), ".html")
			if dir == "layouts" {
				name = "layout_" + name
			}
			if _, err := base.New(name).Parse(string(b)); err != nil {
				return fmt.Errorf("parse %s: %w", n, err)
			}
		}
	}
	pages := map[string]*template.Template{}
	// One folder per capability: pages/<capability>/<page>.html is the
	// page "<capability>/<page>".
	names, err := fs.Glob(v.fsys, "pages/*/*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		b, err := fs.ReadFile(v.fsys, n)
		if err != nil {
			return err
		}
		t, err := base.Clone()
		if err != nil {
			return err
		}
		if _, err := t.New("page").Parse(string(b)); err != nil {
			return fmt.Errorf("parse %s: %w", n, err)
		}
		pages[strings.TrimSuffix(strings.TrimPrefix(n, "pages/"), ".html")] = t
	}
	v.mu.Lock()
	v.pages = pages
	v.mu.Unlock()
	return nil
}

// Render renders page name inside the layout (default "base"). It renders
// into a buffer first so a template error never sends half a page.
func (v *views) Render(w io.Writer, name string, binding interface{}, layout ...string) error {
	v.mu.RLock()
	t, ok := v.pages[name]
	v.mu.RUnlock()
	if !ok {
		return fmt.Errorf("unknown page template %q", name)
	}
	l := "layout_base"
	if len(layout) > 0 && layout[0] != "" {
		l = "layout_" + layout[0]
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, l, binding); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

var templateFuncs = template.FuncMap{
	"join": strings.Join,
	"list": func(xs ...int) []int { return xs },
	// dict builds a map for sub-templates: dict "Key" value "Key2" value2.
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			if k, ok := kv[i].(string); ok {
				m[k] = kv[i+1]
			}
		}
		return m
	},
	// hasValue reports whether a "|"-joined form value holds v.
	"hasValue": func(joined, v string) bool {
		for _, x := range strings.Split(joined, "|") {
			if x == v {
				return true
			}
		}
		return false
	},
	"add": func(a, b int) int { return a + b },
	// phone shows a stored number (+33478123456) the French way.
	"phone": lieux.FormatPhone,
	"sub":   func(a, b int) int { return a - b },
	"contains": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
}
