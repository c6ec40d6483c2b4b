// Package bench_test holds the performance scenarios of `make bench`: they
// print figures and never assert durations.
package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

const profiles = 100000

var (
	firstNames = strings.Fields("Camille Léa Manon Chloé Inès Sarah Jade Louise Emma Alice Lucie Julie Nadia Fatima Sophie Claire Anne Marie Élodie Céline Thomas Lucas Hugo Louis Nathan Karim Mehdi Julien Nicolas Pierre Antoine Jérôme Paul Yanis Omar Bruno Olivier Éric Luc Mathieu")
	lastNames  = strings.Fields("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet François Martinez Benali Haddad Nguyen Diallo Traoré Ferrand Aubert Vidal Carrel Marchal")
	bioParts   = []string{
		"J'anime des ateliers tablette et smartphone pour les seniors.",
		"Accompagnement aux démarches administratives en ligne (CAF, impôts, ANTS).",
		"Conseiller numérique France Services dans un centre social.",
		"Médiatrice numérique dans un espace public numérique (EPN) de quartier.",
		"Permanences d'aide numérique à la médiathèque et en mairie.",
		"Initiation à l'ordinateur, à la messagerie et à la sécurité en ligne.",
		"Je prépare le titre professionnel de responsable d'espace de médiation numérique.",
		"Insertion professionnelle : CV, candidatures et recherche d'emploi en ligne.",
		"Ateliers parentalité numérique et usages des écrans.",
		"Fabrication numérique au tiers-lieu : impression 3D et découpe laser.",
	}
	kinds = []maillage.ProfileKind{maillage.KindConseiller, maillage.KindConseiller, maillage.KindMediateur, maillage.KindMediateur, maillage.KindAidant, maillage.KindCoordinateur}
)

// load inserts demo-like profiles in bulk (the demo generator is built in
// another branch): names, kinds, communes weighted by population, bios,
// competencies, 75 % public profiles, some private bios.
func load(b *testing.B, a *app.App) {
	ctx := context.Background()
	db := a.DB
	var communes []struct {
		CodeInsee  string
		Population int
	}
	if err := db.NewRaw("SELECT code_insee, coalesce(population, 0) AS population FROM communes ORDER BY code_insee").Scan(ctx, &communes); err != nil {
		b.Fatal(err)
	}
	cum := make([]int, len(communes))
	total := 0
	for i, c := range communes {
		total += c.Population + 50
		cum[i] = total
	}
	rnd := rand.New(rand.NewSource(1))
	pick := func() string {
		x := rnd.Intn(total)
		return communes[sort.SearchInts(cum, x+1)].CodeInsee
	}
	if _, err := db.NewRaw("INSERT INTO users (email, email_verified) SELECT 'bench-' || g || '@exemple.fr', true FROM generate_series(1, ?) g", profiles).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	var first int64
	if err := db.NewRaw("SELECT min(id) FROM users WHERE email LIKE 'bench-%'").Scan(ctx, &first); err != nil {
		b.Fatal(err)
	}
	const batch = 2000
	for start := 0; start < profiles; start += batch {
		var sb strings.Builder
		var args []any
		sb.WriteString("INSERT INTO profiles (user_id, kind, display_name, bio, code_insee, open_to_work, mentor_available, mentor_capacity, visibility) VALUES ")
		for i := start; i < start+batch && i < profiles; i++ {
			if i > start {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)")
			vis := map[string]string{}
			if rnd.Intn(4) != 0 {
				vis["profile"] = "public"
			}
			if rnd.Intn(10) == 0 {
				vis["bio"] = "private"
			}
			vb, _ := json.Marshal(vis)
			bio := bioParts[rnd.Intn(len(bioParts))] + " " + bioParts[rnd.Intn(len(bioParts))]
			mentor := rnd.Intn(5) == 0
			capacity := 0
			if mentor {
				capacity = 1 + rnd.Intn(4)
			}
			args = append(args, first+int64(i), string(kinds[rnd.Intn(len(kinds))]),
				firstNames[rnd.Intn(len(firstNames))]+" "+lastNames[rnd.Intn(len(lastNames))], bio, pick(), rnd.Intn(3) == 0, mentor, capacity, string(vb))
		}
		if _, err := db.NewRaw(sb.String(), args...).Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.NewRaw(`INSERT INTO profile_competences (profile_id, competence_code, level, evidence)
		SELECT p.id, c.code, 1 + (p.id + length(c.code)) % 8, 'declared' FROM profiles p
		CROSS JOIN LATERAL (SELECT code FROM competences WHERE retired_at IS NULL AND random() < 0.2 + 0 * p.id LIMIT 4) c`).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := db.NewRaw("ANALYZE").Exec(ctx); err != nil {
		b.Fatal(err)
	}
}

// mix is the query mix: text with typos, synonyms, facets, geo radius with
// distance sort, filters.
func mix() []maillage.SearchQuery {
	var qs []maillage.SearchQuery
	for _, q := range []string{"mediatuer numerique", "acompagnement demarches", "conseilere numerique", "atelers tablette seniors", "cnfs", "epn", "Camile Martn", "insertion profesionelle"} {
		qs = append(qs, maillage.SearchQuery{Q: q})
	}
	for _, f := range []map[string][]string{
		{"kind": {"mediateur"}},
		{"departement": {"69"}},
		{"region": {"84"}, "kind": {"conseiller", "aidant"}},
		{"mentor_available": {"true"}, "departement": {"75"}},
	} {
		qs = append(qs, maillage.SearchQuery{Filters: f})
	}
	for _, near := range []string{"Lyon", "Marseille", "Toulouse", "Lille", "Rennes", "Strasbourg"} {
		qs = append(qs, maillage.SearchQuery{Near: near, RadiusKm: 30, Sort: "distance"})
		qs = append(qs, maillage.SearchQuery{Q: "atelier numerique", Near: near, RadiusKm: 20, Sort: "distance", Filters: map[string][]string{"kind": {"mediateur"}}})
	}
	for i := range qs {
		qs[i].Types = []string{maillage.SearchProfile}
	}
	return qs
}

func apiURL(base string, q maillage.SearchQuery) string {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	for _, t := range q.Types {
		v.Add("type", t)
	}
	for k, vs := range q.Filters {
		for _, x := range vs {
			v.Add(k, x)
		}
	}
	if q.Near != "" {
		v.Set("pres", q.Near)
		v.Set("rayon", strconv.Itoa(q.RadiusKm))
	}
	if q.Sort != "" {
		v.Set("tri", q.Sort)
	}
	return base + "/api/recherche?" + v.Encode()
}

type stats []time.Duration

func (s stats) pct(p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := append(stats(nil), s...)
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	idx := int(float64(len(c))*p+0.5) - 1
	if idx < 0 {
		idx = 0
	}
	if idx >= len(c) {
		idx = len(c) - 1
	}
	return c[idx]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func BenchmarkSearch(b *testing.B) {
	env := testenv.Get(b)
	a := env.App(b)
	ctx := context.Background()

	t0 := time.Now()
	load(b, a)
	loadTook := time.Since(t0)

	rep, err := a.Reindex(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// The bulk load bypassed the outbox; reindex requeued recent changes:
	// apply them before measuring.
	if err := a.SearchSync.WaitIdle(ctx); err != nil {
		b.Fatal(err)
	}

	// The portal, listening for real.
	addr := make(chan string, 1)
	srvCtx, stopSrv := context.WithCancel(ctx)
	defer stopSrv()
	go func() { _ = a.Web.Listen(srvCtx, "127.0.0.1:0", func(s string) { addr <- s }) }()
	base := "http://" + <-addr
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 10}}

	queries := mix()
	near := map[string]*maillage.Commune{}
	for _, q := range queries {
		if q.Near != "" && near[q.Near] == nil {
			c, err := a.SearchService.ResolveCommune(ctx, q.Near)
			if err != nil {
				b.Fatal(err)
			}
			near[q.Near] = c
		}
	}
	portal := func(q maillage.SearchQuery) error {
		resp, err := hc.Get(apiURL(base, q))
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d for %s", resp.StatusCode, apiURL(base, q))
		}
		return nil
	}
	// Direct: the same Meilisearch requests the portal sends for the query
	// (one federated search; for a distance order, also the per-index
	// requests), straight from Go, without HTTP, decoding nor rendering.
	direct := func(q maillage.SearchQuery) error {
		return a.SearchService.Direct(ctx, q, near[q.Near])
	}
	fallback := func(q maillage.SearchQuery) error {
		_, err := a.SearchService.Fallback.Search(ctx, q)
		return err
	}
	var degraded int
	check := func(q maillage.SearchQuery) {
		res, err := a.SearchService.Search(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		if res.Degraded {
			degraded++
		}
	}
	for _, q := range queries { // warm up, and make sure nothing is degraded
		check(q)
		_ = portal(q)
		_ = direct(q)
	}
	if degraded > 0 {
		b.Fatalf("%d queries fell back to PostgreSQL during the benchmark", degraded)
	}
	const rounds = 20
	var ps, ds stats
	for r := 0; r < rounds; r++ {
		for _, q := range queries {
			for i, f := range []func(maillage.SearchQuery) error{portal, direct} {
				// alternate which goes first, so neither always runs on a warm cache
				if (r+i)%2 == 0 {
					continue
				}
				s := time.Now()
				if err := f(q); err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					ps = append(ps, time.Since(s))
				} else {
					ds = append(ds, time.Since(s))
				}
			}
			for i, f := range []func(maillage.SearchQuery) error{portal, direct} {
				if (r+i)%2 == 1 {
					continue
				}
				s := time.Now()
				if err := f(q); err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					ps = append(ps, time.Since(s))
				} else {
					ds = append(ds, time.Since(s))
				}
			}
		}
	}
	var fs stats
	for r := 0; r < 3; r++ {
		for _, q := range queries {
			s := time.Now()
			if err := fallback(q); err != nil {
				b.Fatal(err)
			}
			fs = append(fs, time.Since(s))
		}
	}

	// Sync lag: profiles updated through ProfileService while the worker
	// runs, at a busy day's rate and at a burst; first against the
	// portal's Meilisearch (data on this machine's disk), then against one
	// whose data is in memory (/dev/shm), to show what the disk costs.
	settle(b, a)
	diskLags := map[int]stats{}
	for _, r := range lagRates {
		diskLags[r.perSecond] = syncLag(b, a, a.SearchSync, r.perSecond, r.updates, false)
	}
	memLags, memReindex := memoryLags(b, a)
	pp95, dp95 := ps.pct(0.95), ds.pct(0.95)
	fmt.Printf("\n=== Search benchmark: %d profiles (%d queries per system, mix of %d: typos, synonyms, facets, geo radius + distance sort, filters) ===\n", profiles, len(ps), len(queries))
	fmt.Printf("bulk load of profiles into PostgreSQL : %s\n", loadTook.Round(time.Millisecond))
	fmt.Printf("full reindex (build + swap)           : %s  documents %v\n", rep.Took.Round(time.Millisecond), rep.Documents)
	fmt.Printf("portal  GET /api/recherche end to end : p50 %s  p95 %s\n", ms(ps.pct(0.5)), ms(pp95))
	fmt.Printf("direct  Meilisearch multi-search      : p50 %s  p95 %s\n", ms(ds.pct(0.5)), ms(dp95))
	fmt.Printf("ratio   portal / direct               : p50 %.2f  p95 %.2f  (target p95 ≤ 1.30)\n", float64(ps.pct(0.5))/float64(ds.pct(0.5)), float64(pp95)/float64(dp95))
	fmt.Printf("PostgreSQL full text (fallback)       : p50 %s  p95 %s  (%d queries)\n", ms(fs.pct(0.5)), ms(fs.pct(0.95)), len(fs))
	for _, r := range lagRates {
		l := diskLags[r.perSecond]
		fmt.Printf("sync lag, Meilisearch data on disk    : %2d updates/s  p50 %s  p95 %s  max %s  (%d changes, target p95 ≤ 1 s)\n", r.perSecond, ms(l.pct(0.5)), ms(l.pct(0.95)), ms(l.pct(1)), len(l))
	}
	for _, r := range lagRates {
		l := memLags[r.perSecond]
		fmt.Printf("sync lag, Meilisearch data in memory  : %2d updates/s  p50 %s  p95 %s  max %s  (%d changes)\n", r.perSecond, ms(l.pct(0.5)), ms(l.pct(0.95)), ms(l.pct(1)), len(l))
	}
	fmt.Printf("full reindex, Meilisearch in memory   : %s\n", memReindex.Round(time.Millisecond))
	fmt.Printf("targets: reindex ≤ 60 s\n\n")
	b.ReportMetric(float64(pp95.Microseconds())/1000, "portal-p95-ms")
	b.ReportMetric(float64(dp95.Microseconds())/1000, "direct-p95-ms")
	b.ReportMetric(float64(diskLags[lagRates[0].perSecond].pct(0.95).Microseconds())/1000, "sync-lag-p95-ms")
	b.ReportMetric(rep.Took.Seconds(), "reindex-s")
}
