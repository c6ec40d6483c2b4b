package bench_test

import (
	"sync"

	"context"
	"fmt"
	"maillage/internal/search"
	"testing"
	"time"

	"maillage/internal/maillage"
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

// BenchmarkSyncLag is the sync-lag phase of BenchmarkSearch alone, printing
// each applied batch (diagnostics, not run by make bench).
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
	var mu sync.Mutex
	var lags stats
	a.SearchSync.OnApplied = func(changes []search.Change, visible time.Time) {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range changes {
			lags = append(lags, visible.Sub(c.CreatedAt))
		}
		fmt.Printf("applied %d at %s\n", len(changes), visible.Format("15:04:05.000"))
	}
	syncCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.SearchSync.Run(syncCtx); close(done) }()
	var userIDs []int64
	if err := a.DB.NewRaw("SELECT user_id FROM profiles ORDER BY id LIMIT 300").Scan(ctx, &userIDs); err != nil {
		b.Fatal(err)
	}
	for i, uid := range userIDs {
		bio := fmt.Sprintf("Mise à jour %d", i)
		if _, err := a.Profiles.SaveProfile(ctx, uid, maillage.ProfileUpdate{Bio: &bio}); err != nil {
			b.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(5 * time.Second)
	stop()
	<-done
	fmt.Printf("lag p50 %s p95 %s max %s (%d)\n", ms(lags.pct(0.5)), ms(lags.pct(0.95)), ms(lags.pct(1)), len(lags))
}
