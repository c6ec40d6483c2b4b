package search

import (
	"testing"

	"maillage/internal/maillage"
)

// TestFacetsKeyHoldsEverythingShown: a kept rendering of the facets is
// found again only for the same language and the same values, labels,
// catalogue keys, counts and checks; any change is another key.
func TestFacetsKeyHoldsEverythingShown(t *testing.T) {
	base := func() []maillage.Facet {
		return []maillage.Facet{{Attribute: "kind", Label: "Type", Values: []maillage.FacetValue{
			{Value: "mediateur", Label: "Médiateur", Key: "domain.kind.mediateur", Count: 12},
			{Value: "aidant", Label: "Aidant", Key: "domain.kind.aidant", Count: 3, Selected: true},
		}}, {Attribute: "departement", Label: "Département", Values: []maillage.FacetValue{{Value: "69", Label: "Rhône", Count: 7}}}}
	}
	want := facetsKey("fr", base())
	if facetsKey("fr", base()) != want {
		t.Fatal("the same facets give two keys")
	}
	for _, tt := range []struct {
		name   string
		lang   string
		change func(fs []maillage.Facet) []maillage.Facet
	}{
		{"language", "en", func(fs []maillage.Facet) []maillage.Facet { return fs }},
		{"attribute", "fr", func(fs []maillage.Facet) []maillage.Facet { fs[0].Attribute = "region"; return fs }},
		{"facet label", "fr", func(fs []maillage.Facet) []maillage.Facet { fs[0].Label = "Profil"; return fs }},
		{"value", "fr", func(fs []maillage.Facet) []maillage.Facet { fs[0].Values[0].Value = "conseiller"; return fs }},
		{"value label", "fr", func(fs []maillage.Facet) []maillage.Facet { fs[1].Values[0].Label = "Rhone"; return fs }},
		{"catalogue key", "fr", func(fs []maillage.Facet) []maillage.Facet { fs[1].Values[0].Key = "x"; return fs }},
		{"count", "fr", func(fs []maillage.Facet) []maillage.Facet { fs[0].Values[1].Count = 4; return fs }},
		{"check", "fr", func(fs []maillage.Facet) []maillage.Facet { fs[0].Values[1].Selected = false; return fs }},
		{"one value less", "fr", func(fs []maillage.Facet) []maillage.Facet { fs[0].Values = fs[0].Values[:1]; return fs }},
		{"one facet less", "fr", func(fs []maillage.Facet) []maillage.Facet { return fs[:1] }},
		{"a value moved to the next facet", "fr", func(fs []maillage.Facet) []maillage.Facet {
			fs[1].Values = append([]maillage.FacetValue{fs[0].Values[1]}, fs[1].Values...)
			fs[0].Values = fs[0].Values[:1]
			return fs
		}},
	} {
		if facetsKey(tt.lang, tt.change(base())) == want {
			t.Errorf("%s: same key", tt.name)
		}
	}
}
