package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// TestStructurePageShowsOnlyVisibleMembers: a structure's page names a
// member only when that member's profile is visible to the viewer.
func TestStructurePageShowsOnlyVisibleMembers(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	ref := newUser(t, a, "referente.page@exemple.fr", nil)
	st, _, err := a.Structures.CreateStructure(ctx, ref.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
		Pivot: "W691234567", Nom: "Maison du numérique des Pentes", Adresse: "3 montée de la Grande-Côte", CodePostal: "69001", Commune: "Lyon", CodeInsee: "69123",
	}})
	if err != nil {
		t.Fatal(err)
	}
	add := func(email, name string, vis map[string]maillage.Visibility) {
		u := newUser(t, a, email, nil)
		kind := maillage.KindMediateur
		if _, err := a.Profiles.SaveProfile(ctx, u.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Visibility: vis}); err != nil {
			t.Fatal(err)
		}
		testenv.Join(t, a, ref, st.ID, u, maillage.MemberMediateur)
	}
	add("publique.page@exemple.fr", "Aline Publique", map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic})
	add("privee.page@exemple.fr", "Bruno Privé", map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPrivate})
	// Issue 9: a public profile whose "structures" field is private is not
	// named on the structure's page either (the page follows
	// Structure.MembersSeenBy, as the API does).
	add("discrete.page@exemple.fr", "Chloé Discrète", map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic, maillage.FieldStructures: maillage.VisPrivate})

	r := do(t, a.Web.App(), "GET", "/structures/"+strconv.FormatInt(st.ID, 10), nil)
	if r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	if !strings.Contains(r.Body, "Aline Publique") || strings.Contains(r.Body, "Bruno Priv") || strings.Contains(r.Body, "Chloé Discrète") {
		t.Fatalf("anonymous page: public member shown=%v, private member shown=%v, member with private structures shown=%v",
			strings.Contains(r.Body, "Aline Publique"), strings.Contains(r.Body, "Bruno Priv"), strings.Contains(r.Body, "Chloé Discrète"))
	}
	api := do(t, a.Web.App(), "GET", "/api/structures/"+strconv.FormatInt(st.ID, 10), nil)
	if strings.Contains(api.Body, "Chloé Discrète") || !strings.Contains(api.Body, "Aline Publique") {
		t.Fatalf("the API and the page disagree: %s", api.Body)
	}
	// The referent sees every member, to manage them.
	r = do(t, a.Web.App(), "GET", "/structures/"+strconv.FormatInt(st.ID, 10), map[string]string{"Cookie": "maillage_session=" + newSession(t, a, ref)})
	if !strings.Contains(r.Body, "Bruno Priv") {
		t.Fatal("the referent does not see the private member")
	}
}
