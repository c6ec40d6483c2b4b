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
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/search"
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

// queryClass is a kind of search the bench measures on its own.
type queryClass struct {
	name string
	qs   []maillage.SearchQuery
}

// classes is the query mix by class: plain text, typos, synonyms, facet
// filters, « près de » ordered by distance (people), each other type alone,
// and every type together.
func classes() []queryClass {
	people := []string{maillage.SearchProfile}
	texts := func(types []string, qs ...string) []maillage.SearchQuery {
		var out []maillage.SearchQuery
		for _, q := range qs {
			out = append(out, maillage.SearchQuery{Q: q, Types: types})
		}
		return out
	}
	var facets, near []maillage.SearchQuery
	for _, f := range []map[string][]string{
		{"kind": {"mediateur"}},
		{"departement": {"69"}},
		{"region": {"84"}, "kind": {"conseiller", "aidant"}},
		{"mentor_available": {"true"}, "departement": {"75"}},
	} {
		facets = append(facets, maillage.SearchQuery{Filters: f, Types: people})
	}
	for _, c := range []string{"Lyon", "Marseille", "Toulouse", "Lille", "Rennes", "Strasbourg"} {
		near = append(near, maillage.SearchQuery{Near: c, RadiusKm: 30, Sort: "distance", Types: people})
		near = append(near, maillage.SearchQuery{Q: "atelier numerique", Near: c, RadiusKm: 20, Sort: "distance", Types: people, Filters: map[string][]string{"kind": {"mediateur"}}})
	}
	places := append(texts([]string{maillage.SearchStructure}, "espace numerique", "demarches administratives"),
		maillage.SearchQuery{Q: "numerique", Near: "Lyon", RadiusKm: 20, Sort: "distance", Types: []string{maillage.SearchStructure}},
		maillage.SearchQuery{Filters: map[string][]string{"services": {"Aide aux démarches administratives"}, "departement": {"33"}}, Types: []string{maillage.SearchStructure}})
	trainings := append(texts([]string{"training"}, "mediation numerique", "animer atelier"),
		maillage.SearchQuery{Q: "numerique", Near: "Nantes", RadiusKm: 40, Sort: "distance", Types: []string{"training"}},
		maillage.SearchQuery{Filters: map[string][]string{"modality": {"presentiel"}, "region": {"84"}}, Types: []string{"training"}})
	jobs := append(texts([]string{"job"}, "mediatrice numerique", "conseiller numerique"),
		maillage.SearchQuery{Near: "Bordeaux", RadiusKm: 40, Sort: "distance", Types: []string{"job"}},
		maillage.SearchQuery{Filters: map[string][]string{"job_contract": {"cdi"}, "departement": {"59"}}, Types: []string{"job"}})
	all := append(texts(nil, "numerique", "mediateur", "atelier tablette"),
		maillage.SearchQuery{Q: "numerique", Near: "Lyon", RadiusKm: 20, Sort: "distance"},
		maillage.SearchQuery{Q: "accompagnement", Filters: map[string][]string{"departement": {"69"}}})
	return []queryClass{
		{"text, people", texts(people, "accompagnement demarches", "atelier tablette seniors", "insertion professionnelle")},
		{"typos, people", texts(people, "mediatuer numerique", "conseilere numerique", "atelers tablette seniors", "Camile Martn", "insertion profesionelle")},
		{"synonyms, people", texts(people, "cnfs", "epn")},
		{"facet filters, people", facets},
		{"près de by distance, people", near},
		{"places alone", places},
		{"trainings alone", trainings},
		{"jobs alone", jobs},
		{"every type together", all},
	}
}

// mix is every query of every class.
func mix() []maillage.SearchQuery {
	var qs []maillage.SearchQuery
	for _, c := range classes() {
		qs = append(qs, c.qs...)
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
	loadOtherTypes(b, a)
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
	hold(b, env, a)

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
	// Every figure but the last line is made without the answers cache
	// (search.Cache): the query mix repeats, it would measure the cache.
	cache := a.SearchService.Cache
	a.SearchService.Cache = nil
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
	pq, dq := make([]stats, len(queries)), make([]stats, len(queries))
	timed := func(qi, i int, f func(maillage.SearchQuery) error) {
		s := time.Now()
		if err := f(queries[qi]); err != nil {
			b.Fatal(err)
		}
		d := time.Since(s)
		if i == 0 {
			ps, pq[qi] = append(ps, d), append(pq[qi], d)
		} else {
			ds, dq[qi] = append(ds, d), append(dq[qi], d)
		}
	}
	stopProfile := cpuProfile(b, "search-portal-direct")
	for r := 0; r < rounds; r++ {
		for qi := range queries {
			// alternate which goes first, so neither always runs on a warm cache
			if r%2 == 0 {
				timed(qi, 0, portal)
				timed(qi, 1, direct)
			} else {
				timed(qi, 1, direct)
				timed(qi, 0, portal)
			}
		}
	}
	stopProfile()
	// The portal's share, split: the same searches in process (Service.Search,
	// no HTTP), and its one PostgreSQL read per search alone (PendingNow, run
	// alongside the Meilisearch requests).
	var inProc, pend stats
	for r := 0; r < 5; r++ {
		for _, q := range queries {
			s := time.Now()
			if _, err := a.SearchService.Search(ctx, q); err != nil {
				b.Fatal(err)
			}
			inProc = append(inProc, time.Since(s))
			s = time.Now()
			if _, _, _, err := a.SearchStore.PendingNow(ctx, 256); err != nil {
				b.Fatal(err)
			}
			pend = append(pend, time.Since(s))
		}
	}
	// Where the time goes, per class: Meilisearch requests per search, their
	// round trips and Meilisearch's own processingTimeMs (search.Trace).
	type traced struct {
		requests          []int
		roundTrip, engine stats
	}
	tq := make([]traced, len(queries))
	for r := 0; r < 5; r++ {
		for qi, q := range queries {
			var tr search.Trace
			if _, err := a.SearchService.Search(search.WithTrace(ctx, &tr), q); err != nil {
				b.Fatal(err)
			}
			n, rt, pms := tr.Snapshot()
			tq[qi].requests = append(tq[qi].requests, n)
			tq[qi].roundTrip = append(tq[qi].roundTrip, rt)
			tq[qi].engine = append(tq[qi].engine, time.Duration(pms)*time.Millisecond)
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

	// The same mix again with the answers cache, every answer kept once:
	// what a page asked again costs while nothing changed.
	a.SearchService.Cache = cache
	var cs stats
	if cache != nil {
		for _, q := range queries {
			_ = portal(q)
		}
		for r := 0; r < rounds; r++ {
			for _, q := range queries {
				s := time.Now()
				if err := portal(q); err != nil {
					b.Fatal(err)
				}
				cs = append(cs, time.Since(s))
			}
		}
	}

	// Sync lag: profiles updated through ProfileService while the worker
	// runs, at a busy day's rate and at a burst; first against the
	// portal's Meilisearch (data on this machine's disk), then against one
	// whose data is in memory (/dev/shm), to show what the disk costs.
	settle(b, a)
	diskFirst := firstChange(b, a, a.SearchSync)
	diskLags := map[int]stats{}
	for _, r := range lagRates {
		diskLags[r.perSecond] = syncLag(b, a, a.SearchSync, r.perSecond, r.updates, false)
	}
	memLags, memReindex, memFirst := memoryLags(b, a, false)
	pp95, dp95 := ps.pct(0.95), ds.pct(0.95)
	fmt.Printf("\n=== Search benchmark: %d profiles, %d places, %d training sessions, %d job offers (%d queries per system, mix of %d in %d classes) ===\n", profiles, benchPlaces, benchSessions, benchJobs, len(ps), len(queries), len(classes()))
	fmt.Printf("bulk load of profiles into PostgreSQL : %s\n", loadTook.Round(time.Millisecond))
	fmt.Printf("full reindex (build + swap)           : %s  documents %v\n", rep.Took.Round(time.Millisecond), rep.Documents)
	fmt.Printf("portal  GET /api/recherche end to end : p50 %s  p95 %s\n", ms(ps.pct(0.5)), ms(pp95))
	fmt.Printf("direct  Meilisearch multi-search      : p50 %s  p95 %s\n", ms(ds.pct(0.5)), ms(dp95))
	fmt.Printf("ratio   portal / direct               : p50 %.2f  p95 %.2f  (target p95 ≤ 1.10)\n", float64(ps.pct(0.5))/float64(ds.pct(0.5)), float64(pp95)/float64(dp95))
	fmt.Printf("portal in process, no HTTP            : p50 %s  p95 %s  (Service.Search; its pending read alone p50 %s  p95 %s)\n", ms(inProc.pct(0.5)), ms(inProc.pct(0.95)), ms(pend.pct(0.5)), ms(pend.pct(0.95)))
	fmt.Printf("portal, answer kept (asked again)     : p50 %s  p95 %s  (the cache; every other figure is without it)\n", ms(cs.pct(0.5)), ms(cs.pct(0.95)))
	fmt.Printf("PostgreSQL full text (fallback)       : p50 %s  p95 %s  (%d queries)\n", ms(fs.pct(0.5)), ms(fs.pct(0.95)), len(fs))
	fmt.Printf("first change after a reindex          : data on disk %s, in memory %s (once; not in the lag below)\n", ms(diskFirst), ms(memFirst))
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
	fmt.Printf("%-28s %7s %21s %21s %9s %21s %21s\n", "per class", "queries", "portal p50/p95 ms", "direct p50/p95 ms", "req/search", "round trips p50/p95", "engine p50/p95 ms")
	qi := 0
	for _, c := range classes() {
		var p, d, rt, en stats
		reqs, n := 0, 0
		for range c.qs {
			p, d = append(p, pq[qi]...), append(d, dq[qi]...)
			rt, en = append(rt, tq[qi].roundTrip...), append(en, tq[qi].engine...)
			for _, x := range tq[qi].requests {
				reqs += x
				n++
			}
			qi++
		}
		f := func(s stats) string {
			return fmt.Sprintf("%.1f / %.1f", float64(s.pct(0.5).Microseconds())/1000, float64(s.pct(0.95).Microseconds())/1000)
		}
		fmt.Printf("%-28s %7d %21s %21s %9.1f %21s %21s\n", c.name, len(c.qs), f(p), f(d), float64(reqs)/float64(max(n, 1)), f(rt), f(en))
	}
	fmt.Println()
	b.ReportMetric(float64(pp95.Microseconds())/1000, "portal-p95-ms")
	b.ReportMetric(float64(dp95.Microseconds())/1000, "direct-p95-ms")
	b.ReportMetric(float64(diskLags[lagRates[0].perSecond].pct(0.95).Microseconds())/1000, "sync-lag-p95-ms")
	b.ReportMetric(rep.Took.Seconds(), "reindex-s")
}

// cpuProfile starts a CPU profile of this process (the portal listens in
// it) when MAILLAGE_BENCH_PPROF names a folder, written to
// DIR/name.pprof when the returned function is called: what the portal
// spends besides the Meilisearch requests both sides send.
func cpuProfile(b *testing.B, name string) (stop func()) {
	dir := os.Getenv("MAILLAGE_BENCH_PPROF")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, name+".pprof"))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		fmt.Printf("CPU profile: %s\n", f.Name())
	}
}

// hold keeps the loaded services up for experiments when
// MAILLAGE_BENCH_HOLD names a file: it writes the Meilisearch address, key
// and index prefix there and waits until the file is removed.
func hold(b *testing.B, env *testenv.Env, a *app.App) {
	f := os.Getenv("MAILLAGE_BENCH_HOLD")
	if f == "" {
		return
	}
	info := fmt.Sprintf("MEILI_URL=%s\nMEILI_KEY=%s\nPREFIX=%s\n", env.MeiliURL, env.MeiliKey, a.SearchService.Client.Prefix)
	if err := os.WriteFile(f, []byte(info), 0o600); err != nil {
		b.Fatal(err)
	}
	for {
		if _, err := os.Stat(f); err != nil {
			return
		}
		time.Sleep(time.Second)
	}
}
