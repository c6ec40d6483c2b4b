package bench_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"maillage/internal/app"
	"maillage/internal/localsvc"
	"maillage/internal/maillage"
	"maillage/internal/search"
	"maillage/internal/testenv"
)

// BenchmarkSyncStep prints how long batches of profile changes take to reach
// the indexes, and Meilisearch's own task durations (diagnostics, not run
// by make bench: go test -run '^$' -bench SyncStep ./internal/bench under
// maillage services exec).
func BenchmarkSyncStep(b *testing.B) {
	a := testenv.Get(b).App(b)
	ctx := context.Background()
	load(b, a)
	if _, err := a.Reindex(ctx); err != nil {
		b.Fatal(err)
	}
	if err := a.SearchSync.WaitIdle(ctx); err != nil {
		b.Fatal(err)
	}
	var userIDs []int64
	if err := a.DB.NewRaw("SELECT user_id FROM profiles ORDER BY id LIMIT 100").Scan(ctx, &userIDs); err != nil {
		b.Fatal(err)
	}
	for i, size := range []int{1, 1, 5, 10, 20, 40} {
		t0 := time.Now()
		for j := 0; j < size; j++ {
			bio := fmt.Sprintf("Étape %d-%d", i, j)
			if _, err := a.Profiles.SaveProfile(ctx, userIDs[j+i*size%50], maillage.ProfileUpdate{Bio: &bio}); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		n, err := a.SearchSync.DrainOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		tasks, err := a.Search.Manager().GetTasksWithContext(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		var durs []string
		for _, t := range tasks.Results[:min(2, len(tasks.Results))] {
			durs = append(durs, t.IndexUID+"="+t.Duration)
		}
		fmt.Printf("change %d: save %s, drain %d in %s, tasks %v\n", i, t1.Sub(t0).Round(time.Millisecond), n, t2.Sub(t1).Round(time.Millisecond), durs)
	}
}

// BenchmarkSyncLag is the sync-lag phase of BenchmarkSearch alone
// (diagnostics, not run by make bench); MAILLAGE_BENCH_MEMORY=1 measures
// against a Meilisearch whose data is in memory.
func BenchmarkSyncLag(b *testing.B) {
	a := testenv.Get(b).App(b)
	ctx := context.Background()
	load(b, a)
	if _, err := a.Reindex(ctx); err != nil {
		b.Fatal(err)
	}
	if err := a.SearchSync.WaitIdle(ctx); err != nil {
		b.Fatal(err)
	}
	settle(b, a)
	if os.Getenv("MAILLAGE_BENCH_MEMORY") != "" {
		lags, _, first := memoryLags(b, a, true)
		fmt.Printf("in memory, first change after the reindex: %s\n", first.Round(time.Millisecond))
		for _, r := range lagRates {
			fmt.Printf("in memory, %d updates/s: lag p50 %s p95 %s max %s (%d)\n", r.perSecond, ms(lags[r.perSecond].pct(0.5)), ms(lags[r.perSecond].pct(0.95)), ms(lags[r.perSecond].pct(1)), len(lags[r.perSecond]))
		}
		return
	}
	if d, err := time.ParseDuration(os.Getenv("MAILLAGE_BENCH_IDLE")); err == nil {
		fmt.Printf("idle for %s before the updates\n", d)
		time.Sleep(d)
	}
	for _, r := range lagRates {
		lags := syncLag(b, a, a.SearchSync, r.perSecond, r.updates, true)
		fmt.Printf("%d updates/s: lag p50 %s p95 %s max %s (%d)\n", r.perSecond, ms(lags.pct(0.5)), ms(lags.pct(0.95)), ms(lags.pct(1)), len(lags))
	}
}

// lagRates are the update rates of the sync-lag measure: a busy day on the
// portal (an update every 200 ms) and a burst ten times that.
var lagRates = []struct{ perSecond, updates int }{{5, 100}, {50, 300}}

// syncLag runs the sync worker while profiles are updated through
// ProfileService at perSecond, and returns each change's lag from its
// outbox row (written in the update's transaction) to the moment its
// Meilisearch tasks succeeded (searchable).
func syncLag(b *testing.B, a *app.App, syncer *search.Syncer, perSecond, updates int, verbose bool) stats {
	ctx := context.Background()
	var mu sync.Mutex
	var lags stats
	syncer.OnApplied = func(changes []search.Change, visible time.Time) {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range changes {
			lags = append(lags, visible.Sub(c.CreatedAt))
		}
		if verbose {
			fmt.Printf("applied %d at %s, oldest lag %s\n", len(changes), visible.Format("15:04:05.000"), visible.Sub(changes[0].CreatedAt).Round(time.Millisecond))
		}
	}
	defer func() { syncer.OnApplied = nil }()
	syncCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { syncer.Run(syncCtx); close(done) }()
	var userIDs []int64
	if err := a.DB.NewRaw("SELECT user_id FROM profiles ORDER BY random() LIMIT ?", updates).Scan(ctx, &userIDs); err != nil {
		b.Fatal(err)
	}
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	for i, uid := range userIDs {
		<-tick.C
		bio := fmt.Sprintf("Mise à jour %d-%d : ateliers numériques", perSecond, i)
		if _, err := a.Profiles.SaveProfile(ctx, uid, maillage.ProfileUpdate{Bio: &bio}); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		n, err := a.SearchStore.Pending(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d changes still pending two minutes after the last update", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return append(stats(nil), lags...)
}

// firstChange applies one profile change on its own, before the lag is
// measured, and returns how long it took to reach the indexes. The first
// update of an index after a reindex swapped it in is slow once (1–2 s on
// this machine, all of it in Meilisearch's "indexing" step); the lag is
// the steady state after it, and the bench prints this one apart.
func firstChange(b *testing.B, a *app.App, syncer *search.Syncer) time.Duration {
	ctx := context.Background()
	var uid int64
	if err := a.DB.NewRaw("SELECT user_id FROM profiles ORDER BY id DESC LIMIT 1").Scan(ctx, &uid); err != nil {
		b.Fatal(err)
	}
	bio := "Première mise à jour après la reconstruction des index"
	t0 := time.Now()
	if _, err := a.Profiles.SaveProfile(ctx, uid, maillage.ProfileUpdate{Bio: &bio}); err != nil {
		b.Fatal(err)
	}
	if err := syncer.WaitIdle(ctx); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

// memoryLags measures the sync lag against a second Meilisearch whose data
// lives in /dev/shm (memory): the same worker, indexes and updates, without
// the disk writes Meilisearch makes at every batch. It returns the lags per
// rate and the time of the full reindex into it.
func memoryLags(b *testing.B, a *app.App, verbose bool) (map[int]stats, time.Duration, time.Duration) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("/dev/shm", "maillage-bench-meili-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	m, err := localsvc.StartMeili(ctx, filepath.Join(dir, "meili"))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Stop()
	c := search.New(m.URL(), m.Key, "bench_")
	rep, err := search.Reindex(ctx, c, a.SearchRegistry, a.SearchStore, a.SearchStore, a.Log)
	if err != nil {
		b.Fatal(err)
	}
	syncer := &search.Syncer{Client: c, Registry: a.SearchRegistry, IDs: a.SearchStore, Outbox: a.SearchStore, Log: a.Log}
	if err := syncer.WaitIdle(ctx); err != nil {
		b.Fatal(err)
	}
	first := firstChange(b, a, syncer)
	out := map[int]stats{}
	for _, r := range lagRates {
		out[r.perSecond] = syncLag(b, a, syncer, r.perSecond, r.updates, verbose)
	}
	if verbose {
		slowBatches(ctx, c)
	}
	return out, rep.Took, first
}

// settle writes out what the bulk load and the reindex left in memory
// (PostgreSQL checkpoint, the kernel's dirty pages) so that the sync-lag
// measure does not pay for the benchmark's own set-up: on this machine a
// Meilisearch commit waits behind that writeback for 1–2 s.
func settle(b *testing.B, a *app.App) {
	t0 := time.Now()
	if _, err := a.DB.ExecContext(context.Background(), "CHECKPOINT"); err != nil {
		b.Logf("checkpoint: %v", err)
	}
	syscall.Sync()
	fmt.Printf("settled (checkpoint + sync) in %s\n", time.Since(t0).Round(time.Millisecond))
}

// slowBatches prints Meilisearch's batches of more than 400 ms and the
// steps of their progress trace that took more than 30 ms.
func slowBatches(ctx context.Context, c *search.Client) {
	res, err := c.Manager().GetBatchesWithContext(ctx, &meilisearch.BatchesQuery{Limit: 1000})
	if err != nil {
		fmt.Printf("batches: %v\n", err)
		return
	}
	for _, bt := range res.Results {
		d := bt.FinishedAt.Sub(bt.StartedAt)
		if d < 400*time.Millisecond || bt.Stats == nil {
			continue
		}
		var steps []string
		for step, v := range bt.Stats.ProgressTrace {
			if sd, err := time.ParseDuration(v); err == nil && sd > 30*time.Millisecond {
				steps = append(steps, step+"="+v)
			}
		}
		sort.Strings(steps)
		fmt.Printf("batch %d %v at %s took %s (%s): %v\n", bt.UID, bt.Stats.IndexedUIDs, bt.StartedAt.Format("15:04:05.000"), d.Round(time.Millisecond), bt.BatchStrategy, steps)
	}
}
