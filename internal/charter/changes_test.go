package charter_test

import (
	"strings"
	"testing"

	"maillage/internal/charter"
)

// TestChanges: version 2 adds point 5 and rewrites the final commitment
// (four → five principles); points 1 to 4 are unchanged.
func TestChanges(t *testing.T) {
	vs := realVersions(t)
	got, err := charter.Changes(vs[0], vs[1])
	if err != nil {
		t.Fatal(err)
	}
	var added, removed []string
	for _, c := range got {
		if c.Added {
			added = append(added, string(c.HTML))
		} else {
			removed = append(removed, string(c.HTML))
		}
	}
	if len(removed) != 1 || !strings.Contains(removed[0], "ces quatre principes") {
		t.Errorf("removed = %q, want the old commitment only", removed)
	}
	all := strings.Join(added, "")
	for _, s := range []string{"<h2>5. Demander son accord avant toute action", "ces cinq principes"} {
		if !strings.Contains(all, s) {
			t.Errorf("added blocks lack %q: %q", s, added)
		}
	}
	if strings.Contains(all, "1. Agir avec la personne") {
		t.Error("an unchanged point is listed as added")
	}
	if same, _ := charter.Changes(vs[1], vs[1]); len(same) != 0 {
		t.Errorf("a version compared with itself: %v", same)
	}
}
