package search_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// TestFallbackCountsPagesAndDistance checks the PostgreSQL search used in
// degraded mode on its own: totals and facets of the whole result set,
// pages that add up, "près de" with distance order, and visibility.
func TestFallbackCountsPagesAndDistance(t *testing.T) {
	a := testenv.Get(t).FreshApp(t) // counts
	ctx := context.Background()
	people := []struct {
		name, commune string
		kind          maillage.ProfileKind
	}{
		{"Fallback Brest", "29019", maillage.KindMediateur},
		{"Fallback Plougastel", "29189", maillage.KindMediateur},
		{"Fallback Quimper", "29232", maillage.KindConseiller},
		{"Fallback Rennes", "35238", maillage.KindAidant},
		{"Fallback Nantes", "44109", maillage.KindMediateur},
	}
	for _, p := range people {
		person(t, a, maillage.ProfileUpdate{Kind: ptr(p.kind), DisplayName: ptr(p.name), Commune: ptr(p.commune),
			Bio: ptr("Ateliers zorblax pour tous"), Visibility: public()})
	}
	// Seen by members only.
	person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindAidant), DisplayName: ptr("Fallback Membres"), Commune: ptr("29019"),
		Bio: ptr("Ateliers zorblax"), Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisMembers}})
	// The word is only in a private bio: nobody finds it.
	vis := public()
	vis[maillage.FieldBio] = maillage.VisPrivate
	person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindAidant), DisplayName: ptr("Fallback Secret"), Commune: ptr("29019"),
		Bio: ptr("zorblax"), Visibility: vis})

	fb := a.SearchService.Fallback
	search := func(q maillage.SearchQuery) *maillage.SearchResult {
		t.Helper()
		q.Types = []string{maillage.SearchProfile}
		res, err := fb.Search(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		return res
	}
	facet := func(res *maillage.SearchResult, attr string) map[string]int {
		out := map[string]int{}
		for _, f := range res.Facets {
			if f.Attribute == attr {
				for _, v := range f.Values {
					out[v.Value] = v.Count
				}
			}
		}
		return out
	}

	res := search(maillage.SearchQuery{Q: "zorblax"})
	if res.Total != 5 || res.TypeCounts[maillage.SearchProfile] != 5 {
		t.Errorf("anonymous: total %d, counts %v, hits %v; want the 5 public people", res.Total, res.TypeCounts, titles(res))
	}
	if diff := cmp.Diff(map[string]int{"mediateur": 3, "conseiller": 1, "aidant": 1}, facet(res, "kind")); diff != "" {
		t.Errorf("kind facet (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"29": 3, "35": 1, "44": 1}, facet(res, "departement")); diff != "" {
		t.Errorf("département facet (-want +got):\n%s", diff)
	}

	members := search(maillage.SearchQuery{Q: "zorblax", Viewer: maillage.Viewer{UserID: 1}})
	if members.Total != 6 || !has(titles(members), "Fallback Membres") || has(titles(members), "Fallback Secret") {
		t.Errorf("member: total %d, hits %v; want the 5 and the members-only one, never the private bio", members.Total, titles(members))
	}

	// Pages of 2 add up to the 5, each once.
	seen := map[string]int{}
	for page := 1; page <= 3; page++ {
		r := search(maillage.SearchQuery{Q: "zorblax", Page: page, PerPage: 2, Sort: "nom"})
		if r.Pages != 3 || r.Total != 5 {
			t.Errorf("page %d: pages %d total %d", page, r.Pages, r.Total)
		}
		for _, h := range r.Hits {
			seen[h.Title]++
		}
	}
	if len(seen) != 5 {
		t.Errorf("pages gave %v, want the 5 people once each", seen)
	}

	near := search(maillage.SearchQuery{Q: "zorblax", Near: "29019", RadiusKm: 30, Sort: "distance"})
	if diff := cmp.Diff([]string{"Fallback Brest", "Fallback Plougastel"}, titles(near)); diff != "" {
		t.Errorf("près de Brest, 30 km, by distance (-want +got):\n%s", diff)
	}
	if len(near.Hits) == 2 && (near.Hits[0].DistanceM == nil || near.Hits[1].DistanceM == nil || *near.Hits[0].DistanceM > *near.Hits[1].DistanceM) {
		t.Errorf("distances not increasing: %+v", near.Hits)
	}

	kind := search(maillage.SearchQuery{Q: "zorblax", Filters: map[string][]string{"kind": {"mediateur"}, "departement": {"29"}}})
	if diff := cmp.Diff([]string{"Fallback Brest", "Fallback Plougastel"}, slices.Sorted(slices.Values(titles(kind)))); diff != "" {
		t.Errorf("médiateurs in the Finistère (-want +got):\n%s", diff)
	}
}
