package bench_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/demo"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

// BenchmarkPages is the pages scenario of `make bench BENCH=pages`
// (issue 16): on the demo network (3,000 people and their places), 10
// connections ask each page in a loop for 10 s; it prints requests per
// second, p50, p95 and the share of non-200 answers.
// The CPU time per request is this process's (the portal and the client
// loop), not Meilisearch's nor PostgreSQL's. With
// MAILLAGE_BENCH_PPROF=DIR it writes DIR/<page>.pprof, a CPU profile of the
// portal (same process) while that page is asked. MAILLAGE_BENCH_PAGES=TEXT
// asks only the pages whose name contains TEXT ("directory").
func BenchmarkPages(b *testing.B) {
	env := testenv.Get(b)
	a := env.App(b)
	ctx := context.Background()
	if _, err := demo.Load(ctx, postgres.NewDemoStore(a.DB), demo.Options{Seed: 20261122}); err != nil {
		b.Fatal(err)
	}
	if _, err := a.Reindex(ctx); err != nil {
		b.Fatal(err)
	}
	if err := a.SearchSync.WaitIdle(ctx); err != nil {
		b.Fatal(err)
	}
	addr := make(chan string, 1)
	srvCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = a.Web.Listen(srvCtx, "127.0.0.1:0", func(s string) { addr <- s }) }()
	base := "http://" + <-addr
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 20}, Timeout: 10 * time.Second}

	// Each search page three ways: with the answers cache (the portal as
	// it runs), without it (every request asks Meilisearch), and with the
	// cache while profiles change 5 times a second and the sync worker
	// applies them (every applied change retires the kept answers).
	const (
		cached = iota
		uncached
		changing
	)
	pages := []struct {
		name, file, path string
		mode             int
	}{
		{"search, text", "search-text", "/recherche?q=mediation+numerique", cached},
		{"search, près de", "search-near", "/recherche?q=atelier&pres=Lyon&rayon=20&tri=distance", cached},
		{"search, facet", "search-facet", "/recherche?q=numerique&kind=mediateur&departement=69", cached},
		{"search, text, no cache", "search-text-nocache", "/recherche?q=mediation+numerique", uncached},
		{"search, près de, no cache", "search-near-nocache", "/recherche?q=atelier&pres=Lyon&rayon=20&tri=distance", uncached},
		{"search, facet, no cache", "search-facet-nocache", "/recherche?q=numerique&kind=mediateur&departement=69", uncached},
		{"api search, text, no cache", "api-search-text-nocache", "/api/recherche?q=mediation+numerique", uncached},
		{"search, text, 5 changes/s", "search-text-changing", "/recherche?q=mediation+numerique", changing},
		{"directory, département", "directory-departement", "/annuaire/departements/69", cached},
		{"directory, région", "directory-region", "/annuaire/regions/84", cached},
		{"home", "home", "/", cached},
	}
	cache := a.SearchService.Cache
	const conns = 10
	const span = 10 * time.Second
	dir := os.Getenv("MAILLAGE_BENCH_PPROF")
	fmt.Printf("\n=== Pages benchmark: demo network, %d connections, %s per page ===\n", conns, span)
	fmt.Printf("%-26s %10s %10s %10s %8s %12s\n", "page", "req/s", "p50 ms", "p95 ms", "non-200", "CPU ms/req")
	only := os.Getenv("MAILLAGE_BENCH_PAGES")
	for _, p := range pages {
		if !strings.Contains(p.name, only) {
			continue
		}
		a.SearchService.Cache = cache
		if p.mode == uncached {
			a.SearchService.Cache = nil
		}
		stopChanges := func() {}
		if p.mode == changing {
			stopChanges = changeProfiles(b, a, 5)
		}
		get := func() (int, error) {
			resp, err := hc.Get(base + p.path)
			if err != nil {
				return 0, err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode, nil
		}
		if _, err := get(); err != nil { // warm up
			b.Fatal(err)
		}
		if dir != "" {
			f, err := os.Create(fmt.Sprintf("%s/%s.pprof", dir, p.file))
			if err != nil {
				b.Fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				b.Fatal(err)
			}
		}
		cpu0 := processCPU()
		var mu sync.Mutex
		var lat stats
		var bad atomic.Int64
		deadline := time.Now().Add(span)
		var wg sync.WaitGroup
		for c := 0; c < conns; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine stats
				for time.Now().Before(deadline) {
					s := time.Now()
					code, err := get()
					if err != nil || code != 200 {
						bad.Add(1)
					}
					mine = append(mine, time.Since(s))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		stopChanges()
		if dir != "" {
			pprof.StopCPUProfile()
		}
		cpu := processCPU() - cpu0
		fmt.Printf("%-26s %10.0f %10.1f %10.1f %8d %12.2f\n", p.name, float64(len(lat))/span.Seconds(),
			float64(lat.pct(0.5).Microseconds())/1000, float64(lat.pct(0.95).Microseconds())/1000, bad.Load(),
			float64(cpu.Microseconds())/1000/float64(max(len(lat), 1)))
	}
	fmt.Println()
}

// changeProfiles saves a profile perSecond times a second while the sync
// worker runs, until the returned function is called.
func changeProfiles(b *testing.B, a *app.App, perSecond int) func() {
	ctx, cancel := context.WithCancel(context.Background())
	var userIDs []int64
	if err := a.DB.NewRaw("SELECT user_id FROM profiles ORDER BY id LIMIT 200").Scan(ctx, &userIDs); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.SearchSync.Run(ctx) }()
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second / time.Duration(perSecond))
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			bio := fmt.Sprintf("Ateliers numériques, mise à jour %d", i)
			_, _ = a.Profiles.SaveProfile(ctx, userIDs[i%len(userIDs)], maillage.ProfileUpdate{Bio: &bio})
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
