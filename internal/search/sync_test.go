package search_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/meilisearch/meilisearch-go"

	"maillage/internal/app"
	"maillage/internal/localsvc"
	"maillage/internal/maillage"
	"maillage/internal/search"
	"maillage/internal/testenv"
)

// indexDocs reads every document of an index, keyed by id.
func indexDocs[T any](t *testing.T, c *search.Client, name string) map[int64]T {
	t.Helper()
	out := map[int64]T{}
	var res meilisearch.DocumentsResult
	if err := c.Manager().Index(c.Index(name)).GetDocumentsWithContext(context.Background(), &meilisearch.DocumentsQuery{Limit: 100000}, &res); err != nil {
		t.Fatalf("documents of %s: %v", name, err)
	}
	for _, h := range res.Results {
		b, _ := json.Marshal(h)
		var d T
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		var id struct {
			ID int64 `json:"id"`
		}
		_ = json.Unmarshal(b, &id)
		out[id.ID] = d
	}
	return out
}

// expectedDocs builds, from the database, what every index must hold.
func expectedDocs(t *testing.T, a *app.App, entity string) map[string]map[int64]any {
	t.Helper()
	ctx := context.Background()
	ids, err := a.SearchStore.EntityIDs(ctx, a.SearchRegistry.Type(entity).Table, 0, 1000000)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := a.SearchRegistry.Documents(ctx, entity, ids)
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// sameAsDatabase checks that the profile indexes hold exactly the
// documents the database gives: same ids, same content.
func sameAsDatabase(t *testing.T, a *app.App, c *search.Client) {
	t.Helper()
	want := expectedDocs(t, a, "profile")
	for _, spec := range a.SearchRegistry.Type("profile").Indexes {
		got := indexDocs[search.ProfileDoc](t, c, spec.Name)
		w := map[int64]search.ProfileDoc{}
		for id, d := range want[spec.Name] {
			w[id] = *d.(*search.ProfileDoc)
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("index %s differs from the database (-database +index):\n%s", spec.Name, diff)
		}
	}
}

// TestSyncSurvivesMeilisearchOutage stops Meilisearch in the middle of
// 1,000 profile updates, restarts it on the same data, and then finds every
// index equal to the database.
func TestSyncSurvivesMeilisearchOutage(t *testing.T) {
	env := testenv.Get(t)
	a := env.App(t)
	ctx := context.Background()

	// Our own Meilisearch (under make test the shared one must not be killed).
	dir, err := os.MkdirTemp("", "maillage-outage-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	dir = filepath.Join(dir, "meili")
	m, err := localsvc.StartMeili(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	c := search.New(m.URL(), m.Key, env.IndexPrefix+"outage_")

	const people = 100
	var users []int64
	for i := 0; i < people; i++ {
		p := person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.ProfileKinds[i%4]), DisplayName: ptr(fmt.Sprintf("Personne %03d", i)),
			Commune: ptr([]string{"69123", "75056", "13055", "31555", "33063"}[i%5]), Visibility: public()})
		users = append(users, p.UserID)
	}
	// Start from an index equal to the database (earlier tests of this
	// package indexed into the shared Meilisearch).
	if _, err := search.Reindex(ctx, c, a.SearchRegistry, a.SearchStore, a.SearchStore, testenv.Logger(t)); err != nil {
		t.Fatal(err)
	}
	sync := &search.Syncer{Client: c, Registry: a.SearchRegistry, IDs: a.SearchStore, Outbox: a.SearchStore, Log: testenv.Logger(t),
		Batch: 100, Idle: 10 * time.Millisecond, MaxBackoff: 300 * time.Millisecond}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { sync.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	rnd := rand.New(rand.NewSource(42))
	port := m.Port
	for i := 0; i < 1000; i++ {
		switch i {
		case 300:
			m.Kill() // as a crash would
			t.Logf("meilisearch killed after %d updates", i)
		case 700:
			if m, err = localsvc.StartMeiliPort(ctx, dir, port); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = m.Stop() })
			t.Logf("meilisearch restarted after %d updates", i)
		}
		u := maillage.ProfileUpdate{Bio: ptr(fmt.Sprintf("Mise à jour %d : ateliers %d", i, rnd.Intn(1000)))}
		switch rnd.Intn(10) {
		case 0: // hide the bio
			u.Visibility = map[string]maillage.Visibility{maillage.FieldBio: maillage.VisPrivate}
		case 1: // members only
			u.Visibility = map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisMembers}
		case 2: // public again
			u.Visibility = map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic, maillage.FieldBio: maillage.VisPublic}
		case 3:
			u.Commune = ptr([]string{"69266", "38185", "67482"}[rnd.Intn(3)])
		}
		if _, err := a.Profiles.SaveProfile(ctx, users[rnd.Intn(people)], u); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			time.Sleep(20 * time.Millisecond) // let the worker interleave
		}
	}
	drained(t, a, 2*time.Minute)
	var failed int
	if err := env.DB(t).NewRaw("SELECT count(*) FROM search_outbox WHERE attempts > 0").Scan(ctx, &failed); err != nil {
		t.Fatal(err)
	}
	if failed == 0 {
		t.Error("no change ever failed: the outage did not happen during the sync")
	}
	t.Logf("%d changes were retried after the outage", failed)
	sameAsDatabase(t, a, c)
}

// TestReindexSwapsAtomically: reindex builds fresh indexes, swaps them in,
// removes the old ones; the index then equals the database, and a change
// made by reindex time is replayed.
func TestReindexSwapsAtomically(t *testing.T) {
	env := testenv.Get(t)
	a := env.App(t)
	ctx := context.Background()
	c := search.New(env.MeiliURL, env.MeiliKey, env.IndexPrefix+"reindex_")
	p := person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindAidant), DisplayName: ptr("Octave Reindex"), Commune: ptr("69123"), Visibility: public()})
	rep, err := search.Reindex(ctx, c, a.SearchRegistry, a.SearchStore, a.SearchStore, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Documents["profiles"] == 0 || rep.Requeued == 0 {
		t.Errorf("report = %+v", rep)
	}
	// Search answered from the new index; no "_new" index is left behind.
	res, err := c.Manager().ListIndexesWithContext(ctx, &meilisearch.IndexesQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, idx := range res.Results {
		if len(idx.UID) > len(c.Prefix) && idx.UID[:len(c.Prefix)] == c.Prefix {
			names = append(names, idx.UID[len(c.Prefix):])
		}
	}
	sort.Strings(names)
	var want []string // every index of the registry (trainings included)
	for _, spec := range a.SearchRegistry.Specs() {
		want = append(want, spec.Name)
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("indexes after reindex (-want +got):\n%s", diff)
	}
	// A second reindex swaps again while the first answers.
	if _, err := search.Reindex(ctx, c, a.SearchRegistry, a.SearchStore, a.SearchStore, testenv.Logger(t)); err != nil {
		t.Fatal(err)
	}
	var doc search.ProfileDoc
	if err := c.Manager().Index(c.Index("profiles")).GetDocumentWithContext(ctx, strconv.FormatInt(p.ID, 10), nil, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Title != "Octave Reindex" {
		t.Errorf("document = %+v", doc)
	}
	sameAsDatabase(t, a, c)
}

// TestLostIndexesAreRebuilt: when Meilisearch lost its data (an index is
// missing or empty although the database has documents for it), the
// worker rebuilds every index instead of leaving search empty.
func TestLostIndexesAreRebuilt(t *testing.T) {
	env := testenv.Get(t)
	a := env.App(t)
	ctx := context.Background()
	c := search.New(env.MeiliURL, env.MeiliKey, env.IndexPrefix+"lost_")
	t.Cleanup(func() { _ = c.DeleteAllIndexes(context.Background()) })
	person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Irène Perdue"), Commune: ptr("69123"), Visibility: public()})
	sync := &search.Syncer{Client: c, Registry: a.SearchRegistry, IDs: a.SearchStore, Outbox: a.SearchStore, Log: testenv.Logger(t)}

	// No index at all: Ensure creates them and fills them from the database.
	if err := sync.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	sameAsDatabase(t, a, c)

	// One index deleted behind our back (a restore, a new volume).
	info, err := c.Manager().DeleteIndexWithContext(ctx, c.Index("profiles_members"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Manager().WaitForTaskWithContext(ctx, info.TaskUID, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := sync.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	sameAsDatabase(t, a, c)
	members := indexDocs[search.ProfileDoc](t, c, "profiles_members")
	if len(members) == 0 {
		t.Fatal("profiles_members is still empty after Ensure")
	}

	// Meilisearch restarted without its data and a change reached it
	// before anything else: the index exists again, created by that one
	// document with default settings.
	info, err = c.Manager().DeleteIndexWithContext(ctx, c.Index("profiles"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Manager().WaitForTaskWithContext(ctx, info.TaskUID, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	pk := "id"
	info, err = c.Manager().Index(c.Index("profiles")).AddDocumentsWithContext(ctx, []map[string]any{{"id": 1, "title": "seul"}}, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Manager().WaitForTaskWithContext(ctx, info.TaskUID, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := sync.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	sameAsDatabase(t, a, c)
}

// TestOneWorkerLeads: two workers (two portal instances) run at once; one
// holds the outbox lease and applies every change, in order, and the
// indexes end equal to the database.
func TestOneWorkerLeads(t *testing.T) {
	env := testenv.Get(t)
	a := env.App(t)
	ctx := context.Background()
	c := search.New(env.MeiliURL, env.MeiliKey, env.IndexPrefix+"lead_")
	t.Cleanup(func() { _ = c.DeleteAllIndexes(context.Background()) })
	var users []int64
	for i := 0; i < 20; i++ {
		p := person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.ProfileKinds[i%4]), DisplayName: ptr(fmt.Sprintf("Meneur %02d", i)),
			Commune: ptr("75056"), Visibility: public()})
		users = append(users, p.UserID)
	}
	if _, err := search.Reindex(ctx, c, a.SearchRegistry, a.SearchStore, a.SearchStore, testenv.Logger(t)); err != nil {
		t.Fatal(err)
	}
	applied := make([]int, 2)
	var mu sync.Mutex
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		s := &search.Syncer{Client: c, Registry: a.SearchRegistry, IDs: a.SearchStore, Outbox: a.SearchStore, Log: testenv.Logger(t),
			Idle: 5 * time.Millisecond, OnApplied: func(changes []search.Change, _ time.Time) {
				mu.Lock()
				applied[w] += len(changes)
				mu.Unlock()
			}}
		wg.Add(1)
		go func() { defer wg.Done(); s.Run(runCtx) }()
	}
	defer func() { stop(); wg.Wait() }()
	rnd := rand.New(rand.NewSource(7))
	for i := 0; i < 200; i++ {
		u := maillage.ProfileUpdate{Bio: ptr(fmt.Sprintf("Version %d", i))}
		if rnd.Intn(5) == 0 {
			u.Visibility = map[string]maillage.Visibility{maillage.FieldProfile: []maillage.Visibility{maillage.VisPublic, maillage.VisMembers}[rnd.Intn(2)]}
		}
		if _, err := a.Profiles.SaveProfile(ctx, users[rnd.Intn(len(users))], u); err != nil {
			t.Fatal(err)
		}
		if i%20 == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	drained(t, a, time.Minute)
	mu.Lock()
	got := append([]int(nil), applied...)
	mu.Unlock()
	if (got[0] == 0) == (got[1] == 0) {
		t.Errorf("changes applied per worker = %v, want all by one worker", got)
	}
	sameAsDatabase(t, a, c)
}

// TestRefusedDocumentIsSetAside: a document Meilisearch refuses must not
// block the changes queued with it, nor a reindex; its change is set aside
// with the reason, and the entity's next change is tried again. To get a
// refusal from real data, this test's structures index uses the name as
// its primary key: Meilisearch refuses a name with spaces or accents as a
// document id, and accepts "Valide01".
func TestRefusedDocumentIsSetAside(t *testing.T) {
	env := testenv.Get(t)
	a := env.App(t)
	ctx := context.Background()
	db := env.DB(t)
	c := search.New(env.MeiliURL, env.MeiliKey, env.IndexPrefix+"refused_")
	t.Cleanup(func() { _ = c.DeleteAllIndexes(context.Background()) })
	var types []*search.Type
	for _, t0 := range a.SearchRegistry.Types() {
		cp := *t0
		if cp.Name == "structure" {
			idx := *cp.Indexes[0]
			idx.PrimaryKey = "title"
			cp.Indexes = []*search.IndexSpec{&idx}
		}
		types = append(types, &cp)
	}
	specs, err := search.NewRegistry(types...)
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.Users.SignInEmail(ctx, "referent.refus@exemple.fr")
	if err != nil {
		t.Fatal(err)
	}
	place := func(pivot, name string) *maillage.Structure {
		t.Helper()
		st, _, err := a.Structures.CreateStructure(ctx, u.User.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
			Pivot: pivot, Nom: name, Adresse: "2 place Bellecour", CodePostal: "69002", Commune: "Lyon", CodeInsee: "69123"}})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	good, bad := place("55123456000029", "Valide01"), place("55123456000011", "Lieu refusé")
	touch := func(id int64) {
		t.Helper()
		if _, err := db.ExecContext(ctx, "INSERT INTO search_outbox (entity, entity_id) VALUES ('structure', ?)", id); err != nil {
			t.Fatal(err)
		}
	}
	indexed := func(index, id string) bool {
		t.Helper()
		var doc map[string]any
		return c.Manager().Index(c.Index(index)).GetDocumentWithContext(ctx, id, nil, &doc) == nil
	}
	rejected := func() int {
		t.Helper()
		var n int
		if err := db.NewRaw("SELECT count(*) FROM search_outbox WHERE entity = 'structure' AND entity_id = ? AND rejected_at IS NOT NULL AND last_error LIKE '%invalid_document_id%'", bad.ID).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	rep, err := search.Reindex(ctx, c, specs, a.SearchStore, a.SearchStore, testenv.Logger(t))
	if err != nil {
		t.Fatalf("reindex stopped on a refused document: %v", err)
	}
	if rep.Refused == 0 || !indexed("structures", "Valide01") {
		t.Errorf("reindex report = %+v, Valide01 indexed %v; want the refused left out and the others loaded", rep, indexed("structures", "Valide01"))
	}

	// The pipeline: the refused change and good ones in the same batch.
	touch(bad.ID)
	if _, err := db.ExecContext(ctx, "UPDATE structures SET nom = 'Valide02' WHERE id = ?", good.ID); err != nil {
		t.Fatal(err)
	}
	touch(good.ID)
	p := person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindAidant), DisplayName: ptr("Prudence Acceptée"), Commune: ptr("69123"), Visibility: public()})
	s := &search.Syncer{Client: c, Registry: specs, IDs: a.SearchStore, Outbox: a.SearchStore, Log: testenv.Logger(t), Idle: 5 * time.Millisecond}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.Run(runCtx); close(done) }()
	drained(t, a, time.Minute)
	stop()
	<-done
	if !indexed("profiles", strconv.FormatInt(p.ID, 10)) || !indexed("structures", "Valide02") {
		t.Error("the good changes of the same batch were not applied")
	}
	if rejected() == 0 {
		t.Error("the refused change was not set aside with Meilisearch's reason")
	}

	// The synchronous path (WaitIdle) does the same.
	touch(bad.ID)
	before := rejected()
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle stopped on the refused document: %v", err)
	}
	if rejected() != before+1 {
		t.Errorf("WaitIdle: rejected %d, want %d", rejected(), before+1)
	}

	// Repaired: its next change goes through.
	if _, err := db.ExecContext(ctx, "UPDATE structures SET nom = 'Repare01' WHERE id = ?", bad.ID); err != nil {
		t.Fatal(err)
	}
	touch(bad.ID)
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if !indexed("structures", "Repare01") {
		t.Error("the repaired place is not indexed")
	}
}

// drained waits until a running worker has applied every pending change.
func drained(t *testing.T, a *app.App, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		n, err := a.SearchStore.Pending(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d changes still pending after %s", n, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConcurrentReindexesWait: two rebuilds at once (two instances
// starting after Meilisearch lost its data, or a CLI reindex during one)
// run one after the other instead of deleting each other's fresh indexes.
func TestConcurrentReindexesWait(t *testing.T) {
	env := testenv.Get(t)
	a := env.App(t)
	ctx := context.Background()
	c := search.New(env.MeiliURL, env.MeiliKey, env.IndexPrefix+"twice_")
	t.Cleanup(func() { _ = c.DeleteAllIndexes(context.Background()) })
	person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Double Reconstruction"), Commune: ptr("69123"), Visibility: public()})
	errs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() {
			_, err := search.Reindex(ctx, c, a.SearchRegistry, a.SearchStore, a.SearchStore, testenv.Logger(t))
			errs <- err
		}()
	}
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Errorf("reindex %d: %v", i, err)
		}
	}
	sameAsDatabase(t, a, c)
}
