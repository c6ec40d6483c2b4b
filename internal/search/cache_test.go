package search_test

import (
	"context"
	"reflect"
	"testing"

	"maillage/internal/maillage"
	"maillage/internal/search"
	"maillage/internal/testenv"
)

// TestCacheNeverShowsWhatWasJustHidden: a kept answer is used again
// (no request to Meilisearch) while nothing has reached the indexes; a
// field made private just now is not shown from it; once the change
// reaches the indexes the kept answer is not used again, on this instance
// nor on a second one sharing the database (its own cache).
func TestCacheNeverShowsWhatWasJustHidden(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	if a.SearchService.Cache == nil {
		t.Fatal("the portal's search has no cache (MAILLAGE_SEARCH_CACHE defaults to 2000)")
	}
	other := &search.Service{Client: a.Search, Registry: a.SearchRegistry, Territories: a.Territories,
		Fallback: a.SearchService.Fallback, Pending: a.SearchStore, Cache: search.NewCache(100), Log: testenv.Logger(t)}
	p := person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Gaspard Ombrelune"), Commune: ptr("69123"),
		Bio: ptr("Ateliers quenouillard"), Visibility: public()})
	synced(t, a)
	q := maillage.SearchQuery{Viewer: maillage.Anonymous, Q: "quenouillard"}
	run := func(s *search.Service) ([]string, int) {
		t.Helper()
		var tr search.Trace
		res, err := s.Search(search.WithTrace(ctx, &tr), q)
		if err != nil {
			t.Fatal(err)
		}
		n, _, _ := tr.Snapshot()
		return titles(res), n
	}
	for _, s := range []*search.Service{a.SearchService, other} {
		if got, n := run(s); !has(got, "Gaspard Ombrelune") || n == 0 {
			t.Fatalf("first search: %v, %d requests", got, n)
		}
		if got, n := run(s); !has(got, "Gaspard Ombrelune") || n != 0 {
			t.Fatalf("same search, nothing changed: %v, %d requests (want the kept answer)", got, n)
		}
	}

	if _, err := a.Profiles.SaveProfile(ctx, p.UserID, maillage.ProfileUpdate{Visibility: map[string]maillage.Visibility{maillage.FieldBio: maillage.VisPrivate}}); err != nil {
		t.Fatal(err)
	}
	// Not applied yet: the kept answer is used, its stale hit checked.
	for _, s := range []*search.Service{a.SearchService, other} {
		if got, n := run(s); has(got, "Gaspard Ombrelune") || n != 0 {
			t.Errorf("kept answer while the change is pending: %v, %d requests (want it used, without the hit)", got, n)
		}
	}
	synced(t, a)
	// Applied: both instances ask Meilisearch again.
	for _, s := range []*search.Service{a.SearchService, other} {
		if got, n := run(s); has(got, "Gaspard Ombrelune") || n == 0 {
			t.Errorf("after the change reached the indexes: %v, %d requests (want a new answer)", got, n)
		}
	}
}

// TestCacheKeepsAnswersApart: answers are per audience and per query, and
// what a caller does with an answer (the web layer names facets and
// subtitles in place) never changes the kept one.
func TestCacheKeepsAnswersApart(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Hortense Pivoirette"), Commune: ptr("69123"),
		Bio: ptr("Ateliers brindacier"), Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisMembers}})
	synced(t, a)
	anon := maillage.SearchQuery{Viewer: maillage.Anonymous, Q: "brindacier"}
	member := maillage.SearchQuery{Viewer: maillage.Viewer{UserID: 424242}, Q: "brindacier"}
	for i := 0; i < 2; i++ {
		res, err := a.SearchService.Search(ctx, anon)
		if err != nil {
			t.Fatal(err)
		}
		if has(titles(res), "Hortense Pivoirette") {
			t.Fatalf("round %d: a members-only profile in an anonymous answer", i)
		}
		res, err = a.SearchService.Search(ctx, member)
		if err != nil {
			t.Fatal(err)
		}
		if !has(titles(res), "Hortense Pivoirette") {
			t.Fatalf("round %d: a member does not find a members-only profile: %v", i, titles(res))
		}
	}
	first, err := a.SearchService.Search(ctx, member)
	if err != nil {
		t.Fatal(err)
	}
	want := *first
	want.Hits = append([]maillage.SearchHit(nil), first.Hits...)
	want.Facets = nil
	for _, f := range first.Facets {
		f.Values = append([]maillage.FacetValue(nil), f.Values...)
		want.Facets = append(want.Facets, f)
	}
	for i := range first.Hits {
		first.Hits[i].Subtitle += " · changed"
		first.Hits[i].Title = "changed"
	}
	for i := range first.Facets {
		first.Facets[i].Label = "changed"
		for j := range first.Facets[i].Values {
			first.Facets[i].Values[j].Label = "changed"
		}
	}
	again, err := a.SearchService.Search(ctx, member)
	if err != nil {
		t.Fatal(err)
	}
	again.TookMs, want.TookMs = 0, 0
	if !reflect.DeepEqual(again.Hits, want.Hits) || !reflect.DeepEqual(again.Facets, want.Facets) || again.Total != want.Total {
		t.Errorf("a kept answer was changed by its caller:\n got %+v\nwant %+v", again, &want)
	}
}
