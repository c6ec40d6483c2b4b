package web_test

import (
	"context"
	"net/url"
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

// TestStructurePageHoursAndPhone: opening hours in the OpenStreetMap syntax
// of the national data are written out in the page's language, and the
// telephone number stored in the schema's form is shown the French way
// (issue 10 §16); hours that do not parse are shown as typed.
func TestStructurePageHoursAndPhone(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	ref := newUser(t, a, "referente.horaires@exemple.fr", nil)
	create := func(pivot, hours string) int64 {
		st, _, err := a.Structures.CreateStructure(ctx, ref.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
			Pivot: pivot, Nom: "Espace numérique " + pivot, Adresse: "3 rue des Tanneurs", CodePostal: "69001", Commune: "Lyon", CodeInsee: "69123",
			Telephone: "04 78 12 34 56", Horaires: hours,
		}})
		if err != nil {
			t.Fatal(err)
		}
		return st.ID
	}
	id := create("W691234568", "Mo-Fr 09:00-12:00,14:00-17:30; Sa[1] 10:00-12:00; PH off")
	cases := []struct {
		lang string
		want []string
	}{
		{"fr", []string{"Du lundi au vendredi\u00a0: 9 h – 12 h, 14 h – 17 h 30", "Samedi et dimanche\u00a0: Fermé", "1er samedi du mois\u00a0: 10 h – 12 h", "Jours fériés\u00a0: Fermé", "04 78 12 34 56", `href="tel:&#43;33478123456"`}},
		{"en", []string{"Monday to Friday: 9:00–12:00, 14:00–17:30", "Saturday and Sunday: Closed", "First Saturday of the month: 10:00–12:00", "Public holidays: Closed", "04 78 12 34 56"}},
	}
	for _, c := range cases {
		r := do(t, a.Web.App(), "GET", "/structures/"+strconv.FormatInt(id, 10)+"?lang="+c.lang, nil)
		if r.Status != 200 {
			t.Fatalf("%s: status %d", c.lang, r.Status)
		}
		for _, w := range c.want {
			if !strings.Contains(r.Body, w) {
				t.Errorf("%s: page lacks %q", c.lang, w)
			}
		}
		if strings.Contains(r.Body, "Mo-Fr") {
			t.Errorf("%s: the raw syntax is shown", c.lang)
		}
	}
	raw := create("W691234569", "sur rendez-vous le matin")
	r := do(t, a.Web.App(), "GET", "/structures/"+strconv.FormatInt(raw, 10), nil)
	if !strings.Contains(r.Body, "sur rendez-vous le matin") {
		t.Error("hours that do not parse are not shown as typed")
	}
}

// TestEditingAStructureKeepsWhatTheFormDoesNotShow: saving the edit form
// changes its own fields only; what came from the national data and has
// no field in the form (coordinates, typology, other labels, fiche Accès
// libre) is not wiped.
func TestEditingAStructureKeepsWhatTheFormDoesNotShow(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	ref := newUser(t, a, "referente.garde@exemple.fr", nil)
	lat, lng := 45.7679, 4.8345
	st, _, err := a.Structures.CreateStructure(ctx, ref.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
		Pivot: "W691234572", Nom: "Espace des Terreaux", Adresse: "1 place des Terreaux", CodePostal: "69001", Commune: "Lyon", CodeInsee: "69123",
		Latitude: &lat, Longitude: &lng, Typologie: []string{"EPN"}, AutresFormationsLabels: "Label Numérique inclusif",
		FicheAccesLibre: "https://acceslibre.beta.gouv.fr/app/69-lyon/a/bibliotheque/erp/terreaux/"}})
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"lieu.pivot": {"W691234572"}, "lieu.nom": {"Espace numérique des Terreaux"}, "lieu.adresse": {"1 place des Terreaux"},
		"lieu.code_postal": {"69001"}, "lieu.commune": {"Lyon (69123)"}, "roles": {string(maillage.StructureLieu)}}
	r := postForm(t, a, newSession(t, a, ref), "/structures/"+strconv.FormatInt(st.ID, 10)+"/modifier", form, nil)
	if r.Status != 303 {
		t.Fatalf("save: status %d\n%s", r.Status, r.Body)
	}
	got, err := a.Structures.FindStructureByID(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	l := got.Lieu
	if l.Nom != "Espace numérique des Terreaux" {
		t.Errorf("name not saved: %q", l.Nom)
	}
	if l.Latitude == nil || *l.Latitude != lat || l.Longitude == nil || *l.Longitude != lng {
		t.Errorf("coordinates wiped: %v %v", l.Latitude, l.Longitude)
	}
	if len(l.Typologie) != 1 || l.Typologie[0] != "EPN" {
		t.Errorf("typology wiped: %v", l.Typologie)
	}
	if !strings.Contains(l.AutresFormationsLabels, "Label Numérique inclusif") {
		t.Errorf("other labels wiped: %q", l.AutresFormationsLabels)
	}
	if l.FicheAccesLibre == "" {
		t.Error("fiche Accès libre wiped")
	}
}
