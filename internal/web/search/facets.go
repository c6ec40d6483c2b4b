package search

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
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
var keptFacets, _ = lru.New[[sha256.Size]byte, template.HTML](256)

func facetsKey(lang string, facets []maillage.Facet) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	str := func(s string) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	num := func(v int) {
		binary.LittleEndian.PutUint64(n[:], uint64(v))
		h.Write(n[:])
	}
	str(lang)
	num(len(facets))
	for _, f := range facets {
		str(f.Attribute)
		str(f.Label)
		num(len(f.Values))
		for _, v := range f.Values {
			str(v.Value)
			str(v.Label)
			str(v.Key)
			num(v.Count)
			if v.Selected {
				num(1)
			} else {
				num(0)
			}
		}
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
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
