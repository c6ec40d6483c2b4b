package search_test

import (
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
	d := search.ProfileDocument(p, search.AudiencePublic)
	if d.Title != "AfauxB" || d.Bio != "xy" {
		t.Errorf("document = %+v", d)
	}
}
