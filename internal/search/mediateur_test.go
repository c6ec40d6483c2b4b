package search_test

import (
	"context"
	"testing"

	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// TestMediateurNearLyonFindsPlaces: « médiateur » near Lyon finds the
// médiathèques and EPN there that offer mediation (places of digital
// mediation: their role reads « Lieu de médiation numérique », and
// médiateur, médiatrice and médiation are synonyms), as well as the
// mediators; not a mere employer, nor a médiathèque far away. (Before:
// people only.)
func TestMediateurNearLyonFindsPlaces(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	u, err := a.Users.SignInEmail(ctx, "referente.mediateur@exemple.fr")
	if err != nil {
		t.Fatal(err)
	}
	lat, lon := ptr[float64], ptr[float64]
	for _, s := range []*maillage.Structure{
		{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{Pivot: "W691000001", Nom: "Bibliothèque municipale de la Part-Dieu", Typologie: []string{"BIB"},
			Adresse: "30 boulevard Marius-Vivier-Merle", CodePostal: "69003", Commune: "Lyon", CodeInsee: "69123", Latitude: lat(45.7605), Longitude: lon(4.8593),
			Services: []string{"Aide aux démarches administratives"}}},
		{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{Pivot: "W691000002", Nom: "Espace numérique des Gratte-Ciel", Typologie: []string{"EPN"},
			Adresse: "2 rue Michel-Servet", CodePostal: "69100", Commune: "Villeurbanne", CodeInsee: "69266", Latitude: lat(45.7668), Longitude: lon(4.8795),
			Services: []string{"Maîtrise des outils numériques du quotidien"}}},
		{Roles: []maillage.StructureRole{maillage.StructureEmployeur}, Lieu: maillage.Lieu{Pivot: "W691000003", Nom: "Cabinet comptable des Brotteaux",
			Adresse: "5 place Jules-Ferry", CodePostal: "69006", Commune: "Lyon", CodeInsee: "69123", Latitude: lat(45.7660), Longitude: lon(4.8560)}},
		{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{Pivot: "W751000004", Nom: "Médiathèque de la Canopée", Typologie: []string{"BIB"},
			Adresse: "10 passage de la Canopée", CodePostal: "75001", Commune: "Paris", CodeInsee: "75056", Latitude: lat(48.8625), Longitude: lon(2.3466)}},
	} {
		if _, _, err := a.Structures.CreateStructure(ctx, u.User.ID, s); err != nil {
			t.Fatal(err)
		}
	}
	p := person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Roxane Guignol"), Commune: ptr("69266"), Visibility: public()})
	t.Cleanup(func() { // leave the package's people as they were for the other tests
		_ = a.Profiles.DeleteProfile(context.Background(), p.UserID)
		synced(t, a)
	})
	synced(t, a)

	for _, q := range []string{"médiateur", "médiatrice", "mediateur"} {
		res, err := a.SearchService.Search(ctx, maillage.SearchQuery{Q: q, Near: "Lyon", RadiusKm: 20, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		if res.Degraded {
			t.Fatal("degraded search: Meilisearch should answer")
		}
		got := titles(res)
		for _, w := range []string{"Bibliothèque municipale de la Part-Dieu", "Espace numérique des Gratte-Ciel", "Roxane Guignol"} {
			if !has(got, w) {
				t.Errorf("%q near Lyon: %q not found (got %v)", q, w, got)
			}
		}
		for _, w := range []string{"Cabinet comptable des Brotteaux", "Médiathèque de la Canopée"} {
			if has(got, w) {
				t.Errorf("%q near Lyon: %q found", q, w)
			}
		}
		if res.TypeCounts[maillage.SearchStructure] < 2 {
			t.Errorf("%q near Lyon: %d places", q, res.TypeCounts[maillage.SearchStructure])
		}
	}
}
