package search_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/meilisearch/meilisearch-go"

	"maillage/internal/maillage"
	"maillage/internal/search"
	"maillage/internal/testenv"
)

// pausedOutbox is the real outbox, except that a rebuild waits in
// LockReindex until the test lets it go: the test searches while the
// rebuild is pending.
type pausedOutbox struct {
	search.Outbox
	waiting chan struct{} // closed when a rebuild waits
	resume  chan struct{} // closed by the test to let it go on
}

func (o *pausedOutbox) LockReindex(ctx context.Context) (func(), error) {
	close(o.waiting)
	select {
	case <-o.resume:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return o.Outbox.LockReindex(ctx)
}

// TestSearchWhileIndexesAreRebuiltIsDegraded: after Meilisearch lost its
// indexes, Ensure creates them empty and rebuilds them from the database;
// meanwhile search answers from PostgreSQL with the degraded notice (the
// same people), never an empty answer that looks real; once the rebuild is
// swapped in, Meilisearch answers again.
func TestSearchWhileIndexesAreRebuiltIsDegraded(t *testing.T) {
	env := testenv.Get(t)
	a := env.App(t)
	ctx := context.Background()
	c := search.New(env.MeiliURL, env.MeiliKey, env.IndexPrefix+"ready_")
	t.Cleanup(func() { _ = c.DeleteAllIndexes(context.Background()) })
	want := []string{"Quartzine Limoges", "Quartzine Rennes"}
	person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr(want[0]), Commune: ptr("87085"),
		Bio: ptr("Ateliers vorpalix"), Visibility: public()})
	person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindAidant), DisplayName: ptr(want[1]), Commune: ptr("35238"),
		Bio: ptr("Ateliers vorpalix"), Visibility: public()})
	ob := &pausedOutbox{Outbox: a.SearchStore, waiting: make(chan struct{}), resume: make(chan struct{})}
	sync := &search.Syncer{Client: c, Registry: a.SearchRegistry, IDs: a.SearchStore, Outbox: ob, Log: testenv.Logger(t)}
	svc := &search.Service{Client: c, Registry: a.SearchRegistry, Territories: a.Territories, Fallback: a.SearchService.Fallback, Log: testenv.Logger(t)}
	find := func(when string, degraded bool) {
		t.Helper()
		res, err := svc.Search(ctx, maillage.SearchQuery{Q: "vorpalix", Types: []string{maillage.SearchProfile}})
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if res.Degraded != degraded {
			t.Errorf("%s: degraded = %v, want %v (hits %v)", when, res.Degraded, degraded, titles(res))
		}
		if diff := cmp.Diff(want, slices.Sorted(slices.Values(titles(res)))); diff != "" {
			t.Errorf("%s: hits (-want +got):\n%s", when, diff)
		}
	}

	// Meilisearch has none of this prefix's indexes (as after a restart
	// without its data): the query fails with index_not_found.
	find("indexes missing", true)

	// Ensure creates them empty, then waits to rebuild them.
	done := make(chan error, 1)
	go func() { done <- sync.Ensure(ctx) }()
	select {
	case <-ob.waiting:
	case err := <-done:
		t.Fatalf("Ensure ended without rebuilding: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("Ensure never started the rebuild")
	}
	for _, spec := range a.SearchRegistry.Specs() {
		if _, err := c.Manager().GetIndexWithContext(ctx, c.Index(spec.Name)); err != nil {
			t.Fatalf("index %s not created before the rebuild: %v", spec.Name, err)
		}
	}
	find("rebuild pending, indexes empty", true)
	find("rebuild pending, asked again", true)

	close(ob.resume)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	find("after the rebuild", false)

	// Lost again, and a change reaches Meilisearch before Ensure runs: it
	// creates the index with default settings and that one document.
	for _, spec := range a.SearchRegistry.Specs() {
		info, err := c.Manager().DeleteIndexWithContext(ctx, c.Index(spec.Name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Manager().WaitForTaskWithContext(ctx, info.TaskUID, 10*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	find("indexes missing again", true)
	pk := "id"
	info, err := c.Manager().Index(c.Index("profiles")).AddDocumentsWithContext(ctx, []map[string]any{{"id": 1, "type": "profile", "title": "Seul"}}, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Manager().WaitForTaskWithContext(ctx, info.TaskUID, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	find("index created again by one document", true)
	sync = &search.Syncer{Client: c, Registry: a.SearchRegistry, IDs: a.SearchStore, Outbox: a.SearchStore, Log: testenv.Logger(t)}
	if err := sync.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	find("after the second rebuild", false)
}
