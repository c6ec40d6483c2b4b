package bench_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// BenchmarkPostgresRestart serves profile pages to 10 concurrent clients
// over HTTP while the portal's PostgreSQL (a cluster of its own) restarts,
// and prints the share of answers per status: before, during and after
// the restart (diagnostics, not run by make bench: go test -run '^$'
// -bench PostgresRestart -benchtime 1x ./internal/bench under maillage
// services exec). It asserts nothing about time.
func BenchmarkPostgresRestart(b *testing.B) {
	env := testenv.Get(b)
	pg := testenv.StartOwnPostgres(b)
	cfg := env.Config(b)
	cfg.DatabaseURL = pg.URL("maillage")
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{SkipMigrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	var pages []string
	for i := 0; i < 20; i++ {
		u, err := a.Users.SignInEmail(ctx, fmt.Sprintf("relance-%d@exemple.fr", i))
		if err != nil {
			b.Fatal(err)
		}
		kind, name := maillage.KindMediateur, fmt.Sprintf("Relance %02d", i)
		p, err := a.Profiles.SaveProfile(ctx, u.User.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name,
			Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic}})
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, "/profils/"+strconv.FormatInt(p.ID, 10))
	}
	base := testenv.Serve(b, a)

	const clients = 10
	type answer struct {
		at     time.Time
		status int
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	for n := 0; n < b.N; n++ {
		stop := make(chan struct{})
		answers := make([][]answer, clients)
		var wg sync.WaitGroup
		for w := 0; w < clients; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					status := 0
					if resp, err := client.Get(base + pages[i%len(pages)]); err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						status = resp.StatusCode
					}
					answers[w] = append(answers[w], answer{time.Now(), status})
				}
			}()
		}
		time.Sleep(time.Second)
		down := time.Now()
		if err := pg.Stop(); err != nil {
			b.Fatal(err)
		}
		pg.Restart(b)
		up := time.Now()
		time.Sleep(2 * time.Second)
		close(stop)
		wg.Wait()

		count := func(from, to time.Time) (map[int]int, int) {
			m, total := map[int]int{}, 0
			for _, list := range answers {
				for _, a := range list {
					if !a.at.Before(from) && a.at.Before(to) {
						m[a.status]++
						total++
					}
				}
			}
			return m, total
		}
		show := func(label string, from, to time.Time) {
			m, total := count(from, to)
			var parts []string
			var codes []int
			five := 0
			for s := range m {
				codes = append(codes, s)
				if s >= 500 {
					five += m[s]
				}
			}
			sort.Ints(codes)
			for _, s := range codes {
				parts = append(parts, fmt.Sprintf("%d: %d", s, m[s]))
			}
			share := 0.0
			if total > 0 {
				share = 100 * float64(five) / float64(total)
			}
			fmt.Printf("  %-28s %5d requests, 5xx %5.1f %%  (%s)\n", label, total, share, strings.Join(parts, ", "))
		}
		fmt.Printf("PostgreSQL restart under %d concurrent clients (stop -m fast + start: %s)\n", clients, up.Sub(down).Round(time.Millisecond))
		show("before", time.Time{}, down)
		show("during the restart", down, up)
		show("first second after", up, up.Add(time.Second))
		show("later", up.Add(time.Second), time.Now().Add(time.Hour))
		show("whole run", time.Time{}, time.Now().Add(time.Hour))
		// 500 means the error handler did not recognise the error.
		if m, _ := count(time.Time{}, time.Now().Add(time.Hour)); m[500] > 0 {
			fmt.Printf("  %d answers were 500\n", m[500])
		}
	}
}
