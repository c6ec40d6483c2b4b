// Package i18n holds the message catalogues of the portal, read with
// github.com/nicksnyder/go-i18n/v2 (CLDR plural rules), and the French and
// English formatting of numbers, distances and dates (Europe/Paris).
//
// Catalogues are YAML files named <name>.<lang>.yaml (messages.fr.yaml,
// messages.en.yaml), one set per capability, with flat keys prefixed by the
// capability ("network.profile.saved"). A value is a Go text/template with
// named arguments ("à {{.Km}} km"); a plural is a map {one: …, other: …}
// chosen by the argument Count (French "one" covers 0 and 1). French is the
// reference language; English falls back to French for a missing key, and
// the catalogue test keeps both complete.
package i18n

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"unicode/utf8"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

// The languages of the portal: French first.
const (
	FR = "fr"
	EN = "en"
)

// Langs lists the languages, the reference first.
var Langs = []string{FR, EN}

// Catalog is every message of the portal. Load all files before the first
// translation (it is then read-only and safe for concurrent use).
type Catalog struct {
	mu      sync.RWMutex
	bundle  *goi18n.Bundle
	loc     map[string]*goi18n.Localizer
	keys    map[string]map[string]string // lang → key → file it comes from
	plurals map[string]bool              // keys that have plural forms
	// plain keeps the messages asked without arguments, which never
	// change between two loads: a page asks the same labels again and
	// again (a directory's 50 cards each ask their kind).
	plain atomic.Pointer[sync.Map] // lang + "\x00" + key → string
}

// New returns an empty catalogue.
func New() *Catalog {
	b := goi18n.NewBundle(language.French)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	c := &Catalog{bundle: b, loc: map[string]*goi18n.Localizer{}, keys: map[string]map[string]string{}, plurals: map[string]bool{}}
	for _, l := range Langs {
		c.keys[l] = map[string]string{}
	}
	return c
}

// Load reads every *.<lang>.yaml file at the top of fsys (name is the
// capability, for messages). A key defined twice, in any files, is an error.
func (c *Catalog) Load(name string, fsys fs.FS) error {
	files, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range files {
		parts := strings.Split(path.Base(f), ".")
		if len(parts) < 3 {
			return fmt.Errorf("catalogue %s/%s: name it <name>.<lang>.yaml", name, f)
		}
		lang := parts[len(parts)-2]
		if _, ok := c.keys[lang]; !ok {
			return fmt.Errorf("catalogue %s/%s: unknown language %q", name, f, lang)
		}
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		mf, err := c.bundle.ParseMessageFileBytes(b, f)
		if err != nil {
			return fmt.Errorf("catalogue %s/%s: %w", name, f, err)
		}
		for _, m := range mf.Messages {
			if prev, dup := c.keys[lang][m.ID]; dup {
				return fmt.Errorf("catalogue %s/%s: key %q already defined in %s", name, f, m.ID, prev)
			}
			c.keys[lang][m.ID] = name + "/" + f
			if m.One != "" || m.Few != "" || m.Many != "" || m.Zero != "" || m.Two != "" {
				c.plurals[m.ID] = true
			}
		}
	}
	c.loc = map[string]*goi18n.Localizer{}
	c.plain.Store(new(sync.Map))
	return nil
}

func (c *Catalog) localizer(lang string) *goi18n.Localizer {
	c.mu.RLock()
	l := c.loc[lang]
	c.mu.RUnlock()
	if l != nil {
		return l
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if l = c.loc[lang]; l == nil {
		l = goi18n.NewLocalizer(c.bundle, lang, FR)
		c.loc[lang] = l
	}
	return l
}

// Lang returns a supported language for s (French by default).
func Lang(s string) string {
	if s == EN {
		return EN
	}
	return FR
}

// T translates key in lang with args given as name/value pairs ("Count",
// 3, "Name", "Lyon"). Count also chooses the plural form. A key missing
// from the catalogues is shown as itself (the catalogue test prevents it).
func (c *Catalog) T(lang, key string, args ...any) string {
	if len(args) == 0 {
		if plain := c.plain.Load(); plain != nil {
			k := Lang(lang) + "\x00" + key // Lang: two languages, whatever is asked
			if s, ok := plain.Load(k); ok {
				return s.(string)
			}
			s, found := c.t(lang, key)
			if found { // an unknown key is not kept: the map stays the catalogue's size
				plain.Store(k, s)
			}
			return s
		}
	}
	s, _ := c.t(lang, key, args...)
	return s
}

func (c *Catalog) t(lang, key string, args ...any) (string, bool) {
	lc := &goi18n.LocalizeConfig{MessageID: key, Funcs: funcs}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, ok := args[i].(string)
			if !ok {
				continue
			}
			data[name] = args[i+1]
			if name == "Count" {
				lc.PluralCount = args[i+1]
			}
			if quantities[name] {
				if n, ok := args[i+1].(int); ok {
					data[name] = Int(lang, n) // « 2 000 caractères »
				}
			}
		}
		lc.TemplateData = data
	}
	s, err := c.localizer(Lang(lang)).Localize(lc)
	if err != nil && s == "" {
		return key, false
	}
	return s, err == nil
}

// funcs are what messages may call besides their arguments: {{de .Commune}}
// writes « de Lyon », « d'Angoulême », « du Mans », « des Andelys ».
var funcs = template.FuncMap{"de": De}

// De puts the French preposition « de » before a place name, with elision
// before a vowel or an h and the article of « Le » and « Les » contracted.
func De(name string) string {
	switch {
	case strings.HasPrefix(name, "Le "):
		return "du " + name[len("Le "):]
	case strings.HasPrefix(name, "Les "):
		return "des " + name[len("Les "):]
	}
	r, _ := utf8.DecodeRuneInString(name)
	if strings.ContainsRune("AEIOUYHÉÈÊËÂÀÎÏÔÖÛÜŒaeiouyhéèêâîôœ", r) && r != utf8.RuneError {
		return "d'" + name
	}
	return "de " + name
}

// quantities are the argument names shown with the language's digit
// grouping (« 12 345 ») — not years, days nor codes.
var quantities = map[string]bool{"Count": true, "Max": true, "Length": true, "Total": true, "Done": true, "People": true, "Places": true}

// Has reports whether key is defined in French.
func (c *Catalog) Has(key string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.keys[FR][key]
	return ok
}

// Keys returns the keys defined for lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, len(c.keys[lang]))
	for k := range c.keys[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// File returns the catalogue file that defines key in lang ("" if none).
func (c *Catalog) File(lang, key string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.keys[lang][key]
}

// Plural reports whether key has plural forms.
func (c *Catalog) Plural(key string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.plurals[key]
}

// Translator is a catalogue bound to a language.
type Translator struct {
	C    *Catalog
	Lang string
}

// T translates key.
func (t Translator) T(key string, args ...any) string { return t.C.T(t.Lang, key, args...) }

// In binds the catalogue to a language.
func (c *Catalog) In(lang string) Translator { return Translator{C: c, Lang: Lang(lang)} }
