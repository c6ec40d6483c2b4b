package search

import (
	"bytes"
	_ "embed"
	"html/template"

	lru "github.com/hashicorp/golang-lru/v2"

	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

//go:embed facets.html
var facetsSource string

var facetsTemplate = template.Must(template.New("facets").Parse(facetsSource))

// keptFacets keeps the facets already rendered, by everything their HTML
// depends on (the language and every value, label, count and check): the
// facets are two thirds of a search page's HTML and most of its rendering,
// and the same query, or the next page, writes them again. The key is the
// content itself, so a kept rendering is never an old one.
var keptFacets, _ = lru.New[kit.Key, template.HTML](256)

func facetsKey(lang string, facets []maillage.Facet) kit.Key {
	d := kit.NewDigest()
	d.Str(lang)
	d.Num(uint64(len(facets)))
	for _, f := range facets {
		d.Str(f.Attribute)
		d.Str(f.Label)
		d.Num(uint64(len(f.Values)))
		for _, v := range f.Values {
			d.Str(v.Value)
			d.Str(v.Label)
			d.Str(v.Key)
			d.Num(uint64(v.Count))
			d.Bool(v.Selected)
		}
	}
	return d.Sum()
}

// facetsHTML renders the facets of a result (labels already in the page's
// language: label), "" when there are none.
func facetsHTML(p *kit.Page, facets []maillage.Facet) (template.HTML, error) {
	if len(facets) == 0 {
		return "", nil
	}
	key := facetsKey(p.Lang, facets)
	if h, ok := keptFacets.Get(key); ok {
		return h, nil
	}
	var b bytes.Buffer
	if err := facetsTemplate.Execute(&b, struct {
		P      *kit.Page
		Facets []maillage.Facet
	}{p, facets}); err != nil {
		return "", err
	}
	h := template.HTML(b.String())
	keptFacets.Add(key, h)
	return h, nil
}
