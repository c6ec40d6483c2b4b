package search_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// TestNearPagesMergeTypesByDistance: "près de Lyon" sorted by distance
// merges people (ordered through their communes, the profiles index has no
// _geo) and places (Meilisearch _geo) into one order, page after page, and
// keeps out what lies beyond the radius.
func TestNearPagesMergeTypesByDistance(t *testing.T) {
	a := testenv.Get(t).FreshApp(t) // the whole order of the results near Lyon
	ctx := context.Background()
	vis := public()
	// Distances from Lyon's centre, nearest first.
	people := []struct{ name, commune string }{
		{"Proche Lyon", "69123"},         // 0 km
		{"Proche Villeurbanne", "69266"}, // ~4 km
		{"Proche Vénissieux", "69259"},   // ~7 km
		{"Proche Givors", "69091"},       // ~20 km
		{"Proche Vienne", "38544"},       // ~27 km
		{"Loin Saint-Étienne", "42218"},  // ~50 km: outside 40 km
	}
	for _, p := range people {
		person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr(p.name), Commune: ptr(p.commune), Bio: ptr("zorglub"), Visibility: vis})
	}
	u, err := a.Users.SignInEmail(ctx, "referent.near@exemple.fr")
	if err != nil {
		t.Fatal(err)
	}
	place := &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
		Pivot: "73282932000074", Nom: "Lieu zorglub de Décines", Adresse: "1 rue de la République", CodePostal: "69150",
		Commune: "Décines-Charpieu", CodeInsee: "69275", Services: []string{"Aide aux démarches administratives"},
	}} // ~11 km: between Vénissieux and Givors
	if _, _, err := a.Structures.CreateStructure(ctx, u.User.ID, place); err != nil {
		t.Fatal(err)
	}
	synced(t, a)

	want := []string{"Proche Lyon", "Proche Villeurbanne", "Proche Vénissieux", "Lieu zorglub de Décines", "Proche Givors", "Proche Vienne"}
	var got []string
	total := 0
	for page := 1; page <= 4; page++ {
		res, err := a.SearchService.Search(ctx, maillage.SearchQuery{Q: "zorglub", Near: "Lyon", RadiusKm: 40, Sort: "distance", Page: page, PerPage: 2})
		if err != nil {
			t.Fatal(err)
		}
		if res.Degraded {
			t.Fatal("degraded")
		}
		total = res.Total
		for _, h := range res.Hits {
			got = append(got, h.Title)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("order by distance over pages (-want +got):\n%s", diff)
	}
	if total != len(want) {
		t.Fatalf("total %d, want %d", total, len(want))
	}
	// Relevance order keeps the radius too.
	res, err := a.SearchService.Search(ctx, maillage.SearchQuery{Q: "zorglub", Near: "Lyon", RadiusKm: 40, PerPage: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != len(want) || has(titles(res), "Loin Saint-Étienne") {
		t.Fatalf("relevance within 40 km: %v", titles(res))
	}

}
