package search_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/search"
)

func TestFragments(t *testing.T) {
	const pre, post = "\u0002", "\u0003"
	type F = maillage.Fragment
	cases := []struct {
		in   string
		want []F
	}{
		{"", nil},
		{"plain <b>text</b>", []F{{Text: "plain <b>text</b>"}}},
		{"Zoé " + pre + "Quillard" + post, []F{{Text: "Zoé "}, {Text: "Quillard", Mark: true}}},
		{pre + "a" + post + " b " + pre + "c" + post + "!", []F{{Text: "a", Mark: true}, {Text: " b "}, {Text: "c", Mark: true}, {Text: "!"}}},
		{"unclosed " + pre + "mark", []F{{Text: "unclosed "}, {Text: "mark", Mark: true}}},
		{"stray" + post + " close", []F{{Text: "stray close"}}},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, search.Fragments(tc.in)); diff != "" {
			t.Errorf("Fragments(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// A value typed by a person cannot forge a highlight: the marks are removed
// before indexing.
func TestDocumentsCannotCarryMarks(t *testing.T) {
	p := &maillage.Profile{ID: 1, Kind: maillage.KindAidant, DisplayName: "A\u0002faux\u0003B", Bio: "x\u0002y",
		Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic}}
	d := search.ProfileDocument(p, search.AudiencePublic, func(k string, _ ...any) string { return k })
	if d.Title != "AfauxB" || d.Bio != "xy" {
		t.Errorf("document = %+v", d)
	}
}

// TestDocumentsDropImpossibleCoordinates: a NaN cannot be sent as JSON and
// an out-of-range point would place a structure nowhere: such coordinates
// give no _geo.
func TestDocumentsDropImpossibleCoordinates(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	nan := math.NaN()
	for _, c := range []struct {
		lat, lng *float64
		want     bool
	}{
		{f(45.76), f(4.83), true},
		{f(-21.1), f(55.5), true},
		{f(200), f(4.83), false},
		{f(45.76), f(-181), false},
		{&nan, f(4.83), false},
		{nil, f(4.83), false},
	} {
		d := search.StructureDocument(&maillage.Structure{ID: 1, Lieu: maillage.Lieu{Nom: "Lieu", Latitude: c.lat, Longitude: c.lng}}, func(k string, _ ...any) string { return k })
		if (d.Geo != nil) != c.want {
			t.Errorf("lat %v lng %v: _geo = %+v, want present %v", deref(c.lat), deref(c.lng), d.Geo, c.want)
		}
		if _, err := json.Marshal(d); err != nil {
			t.Errorf("lat %v lng %v: %v", deref(c.lat), deref(c.lng), err)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
