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

// TestStructurePivotOfAnother: a referent may not give their structure the
// SIRET/RNA another structure holds. Creating a structure with it is
// refused (it has a referent) or becomes a claim (it has none); editing
// one's own structure let the number through, so anyone could present
// their structure as that legal entity without a claim.
func TestStructurePivotOfAnother(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	lieu := func(pivot, nom string) maillage.Lieu {
		return maillage.Lieu{Pivot: pivot, Nom: nom, Adresse: "3 rue des Tanneurs", CodePostal: "69001", Commune: "Lyon", CodeInsee: "69123"}
	}
	create := func(u *maillage.User, pivot, nom string) *maillage.Structure {
		st, _, err := a.Structures.CreateStructure(ctx, u.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: lieu(pivot, nom)})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	mine := newUser(t, a, "pivot.mien@exemple.fr", nil)
	other := newUser(t, a, "pivot.autre@exemple.fr", nil)
	st := create(mine, "W693100001", "Mon lieu")
	create(other, "W693100002", "Le lieu d'un autre")
	if _, _, err := a.Structures.UpsertLieux(ctx, []maillage.Lieu{func() maillage.Lieu {
		l := lieu("W693100003", "Lieu importé sans référent")
		l.ID = "pivot-importe"
		return l
	}()}, "test"); err != nil {
		t.Fatal(err)
	}
	session := newSession(t, a, mine)
	target := "/structures/" + strconv.FormatInt(st.ID, 10) + "/modifier"
	for _, tt := range []struct {
		pivot  string
		status int
	}{
		{"W693100002", 422},  // held by a structure with a referent
		{"w 693100003", 422}, // held by a structure without one (typed loosely)
		{"W693100001", 303},  // its own number, unchanged
		{"W693100004", 303},  // a number nobody holds
		{"W693100004", 303},  // saved again
		{"W693100001", 303},  // and back
	} {
		t.Run(tt.pivot, func(t *testing.T) {
			r := postForm(t, a, session, target, url.Values{"lieu.pivot": {tt.pivot}, "lieu.nom": {"Mon lieu"}, "lieu.adresse": {"3 rue des Tanneurs"},
				"lieu.code_postal": {"69001"}, "lieu.commune": {"Lyon (69123)"}, "roles": {"lieu"}}, nil)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d", r.Status, tt.status)
			}
			if tt.status == 422 && !strings.Contains(r.Body, `id="lieu.pivot-error"`) {
				t.Errorf("no message next to the pivot")
			}
			after, err := a.Structures.FindStructureByID(ctx, st.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tt.status == 422 && after.Lieu.Pivot == strings.ToUpper(strings.ReplaceAll(tt.pivot, " ", "")) {
				t.Errorf("the structure took the number %s", after.Lieu.Pivot)
			}
		})
	}
}
