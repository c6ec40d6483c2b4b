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
	add := func(email, name string, vis maillage.Visibility) {
		u := newUser(t, a, email, nil)
		kind := maillage.KindMediateur
		if _, err := a.Profiles.SaveProfile(ctx, u.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name,
			Visibility: map[string]maillage.Visibility{maillage.FieldProfile: vis}}); err != nil {
			t.Fatal(err)
		}
		if err := a.Structures.AddMember(ctx, maillage.Viewer{UserID: ref.ID}, st.ID, email, maillage.MemberMediateur, nil); err != nil {
			t.Fatal(err)
		}
	}
	add("publique.page@exemple.fr", "Aline Publique", maillage.VisPublic)
	add("privee.page@exemple.fr", "Bruno Privé", maillage.VisPrivate)

	r := do(t, a.Web.App(), "GET", "/structures/"+strconv.FormatInt(st.ID, 10), nil)
	if r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	if !strings.Contains(r.Body, "Aline Publique") || strings.Contains(r.Body, "Bruno Priv") {
		t.Fatalf("anonymous page: public member shown=%v, private member shown=%v", strings.Contains(r.Body, "Aline Publique"), strings.Contains(r.Body, "Bruno Priv"))
	}
	// The referent sees every member, to manage them.
	r = do(t, a.Web.App(), "GET", "/structures/"+strconv.FormatInt(st.ID, 10), map[string]string{"Cookie": "maillage_session=" + newSession(t, a, ref)})
	if !strings.Contains(r.Body, "Bruno Priv") {
		t.Fatal("the referent does not see the private member")
	}
}
