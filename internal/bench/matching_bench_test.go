package bench_test

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"maillage/internal/mentoring"
)

// BenchmarkMatching is the national matching on synthetic people placed in
// real communes weighted by population (overseas included), with a fixed
// seed. It needs no database: the communes come from the content file.
//
//	(a) 5,000 mentees, 20,000 mentors of 1–3 places, radius up to 100 km
//	(b) the tight case: 5,000 mentees, 2,000 mentors, about 4,000 places
//
// MAILLAGE_BENCH_DIMACS=DIR also writes DIR/a.min and DIR/b.min, the full
// candidate networks, for an external min-cost flow solver.
func BenchmarkMatching(b *testing.B) {
	communes := readCommunes(b, filepath.Join("..", "..", "content", "territoires", "communes.csv"))
	for _, sc := range []matchingScenario{
		{name: "a", mentees: 5000, mentors: 20000, seed: 1},
		{name: "b", mentees: 5000, mentors: 2000, seed: 2},
	} {
		runMatching(b, communes, sc)
	}
}

type matchingScenario struct {
	name             string
	mentees, mentors int
	seed             int64
}

type benchCommune struct {
	code, departement string
	population        int
	lat, lng          float64
}

func readCommunes(b *testing.B, path string) []benchCommune {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	header, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, h := range []string{"code_insee", "code_departement", "population", "latitude", "longitude"} {
		if _, ok := col[h]; !ok {
			b.Fatalf("%s: no column %s", path, h)
		}
	}
	var out []benchCommune
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		pop, _ := strconv.Atoi(rec[col["population"]]) // empty for a few uninhabited ones
		lat, err1 := strconv.ParseFloat(rec[col["latitude"]], 64)
		lng, err2 := strconv.ParseFloat(rec[col["longitude"]], 64)
		if err1 != nil || err2 != nil || pop <= 0 {
			continue
		}
		out = append(out, benchCommune{rec[col["code_insee"]], rec[col["code_departement"]], pop, lat, lng})
	}
	return out
}

// the 16 competencies of the CRCN
var crcn = strings.Fields("1.1 1.2 1.3 2.1 2.2 2.3 2.4 3.1 3.2 3.3 3.4 4.1 4.2 4.3 5.1 5.2")

func synthesize(communes []benchCommune, sc matchingScenario) mentoring.Instance {
	rnd := rand.New(rand.NewSource(sc.seed))
	cum := make([]int, len(communes))
	total := 0
	for i, c := range communes {
		total += c.population
		cum[i] = total
	}
	pick := func() benchCommune { return communes[sort.SearchInts(cum, rnd.Intn(total)+1)] }
	some := func(lo, hi int) []string {
		n := lo + rnd.Intn(hi-lo+1)
		var s []string
		for _, x := range rnd.Perm(len(crcn))[:n] {
			s = append(s, crcn[x])
		}
		return s
	}
	var in mentoring.Instance
	byDep := map[string][]int64{}
	for j := 0; j < sc.mentors; j++ {
		c := pick()
		id := int64(100000 + j)
		in.Mentors = append(in.Mentors, mentoring.Mentor{
			ID: id, Lat: c.lat, Lng: c.lng, RadiusKm: 100 - 10*rnd.Intn(4), Remote: rnd.Intn(10) == 0,
			Capacity: 1 + rnd.Intn(3), Territory: mentoring.TerritoryOf(c.departement), Competences: some(3, 12),
		})
		byDep[c.departement] = append(byDep[c.departement], id)
	}
	for i := 0; i < sc.mentees; i++ {
		c := pick()
		in.Mentees = append(in.Mentees, mentoring.Mentee{
			ID: int64(1 + i), Lat: c.lat, Lng: c.lng, MaxKm: []int{60, 80, 100, 100, 100, 100}[rnd.Intn(6)], Remote: rnd.Intn(12) == 0,
			Territory: mentoring.TerritoryOf(c.departement), Gaps: some(0, 6),
		})
		// one mentee in ten declined, or ended with, a mentor of the département
		if ms := byDep[c.departement]; len(ms) > 0 && rnd.Intn(10) == 0 {
			in.Forbidden = append(in.Forbidden, mentoring.Pair{MenteeID: int64(1 + i), MentorID: ms[rnd.Intn(len(ms))]})
		}
	}
	return in
}

// peakRSS returns the process's peak resident set (VmHWM) in MB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func runMatching(b *testing.B, communes []benchCommune, sc matchingScenario) {
	in := synthesize(communes, sc)
	places := 0
	for _, m := range in.Mentors {
		places += m.Capacity
	}
	territories := map[string]int{}
	for _, e := range in.Mentees {
		territories[e.Territory]++
	}
	opt := mentoring.DefaultOptions()

	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM (Linux), so each scenario shows its own peak
	t0 := time.Now()
	nw, err := mentoring.Build(in, opt)
	if err != nil {
		b.Fatal(err)
	}
	build := time.Since(t0)
	t1 := time.Now()
	res := nw.Solve()
	solve := time.Since(t1)
	rss := peakRSS()

	t2 := time.Now()
	g, err := mentoring.Greedy(in, opt)
	if err != nil {
		b.Fatal(err)
	}
	greedyTook := time.Since(t2)
	// the same optimum on distance alone, to compare distances with greedy
	// (which ignores competencies)
	dOnly, err := mentoring.Match(in, mentoring.Options{Nearest: opt.Nearest})
	if err != nil {
		b.Fatal(err)
	}
	if dir := os.Getenv("MAILLAGE_BENCH_DIMACS"); dir != "" {
		f, err := os.Create(filepath.Join(dir, sc.name+".min"))
		if err != nil {
			b.Fatal(err)
		}
		if err := mentoring.WriteDIMACS(f, in, opt); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	mean := func(r *mentoring.Result) float64 {
		if r.Covered == 0 {
			return 0
		}
		return r.DistanceKm / float64(r.Covered)
	}
	st := res.Stats
	fmt.Printf("\n=== Matching benchmark (%s): %d mentees, %d mentors, %d places, %d territories, %d feasible mentee–mentor arcs ===\n",
		sc.name, len(in.Mentees), len(in.Mentors), places, len(territories), st.Arcs)
	fmt.Printf("graph build : %6.3f s  (grids, every feasible arc enumerated, %d cheapest kept per mentee)\n", build.Seconds(), opt.Nearest)
	fmt.Printf("solve       : %6.3f s  (%d arcs solved on, %d solve(s), %d arcs added back, %d Dijkstra searches; proof on all %d arcs)\n",
		solve.Seconds(), st.Kept, st.Rounds, st.Added, st.Searches, st.Arcs)
	fmt.Printf("peak RSS    : %6.0f MB\n", rss)
	fmt.Printf("optimal     : gap weight %d km, covered %d / %d, cost %d, objective %d, distance %.0f km (mean %.1f km), gaps covered %d\n",
		opt.GapWeight, res.Covered, len(in.Mentees), res.Cost, res.Objective, res.DistanceKm, mean(res), gapsCovered(res))
	fmt.Printf("greedy      : covered %d / %d, cost %d, objective %d, distance %.0f km (mean %.1f km), gaps covered %d  (%.3f s)\n",
		g.Covered, len(in.Mentees), g.Cost, g.Objective, g.DistanceKm, mean(g), gapsCovered(g), greedyTook.Seconds())
	fmt.Printf("distance only: optimal with gap weight 0: covered %d, distance %.0f km (mean %.1f km), gaps covered %d\n",
		dOnly.Covered, dOnly.DistanceKm, mean(dOnly), gapsCovered(dOnly))
	fmt.Printf("targets     : build + solve ≤ 1 s (here %.3f s), RSS ≤ 1024 MB\n", (build + solve).Seconds())
	fmt.Printf("matching %s: arcs=%d build_s=%.3f solve_s=%.3f rss_mb=%.0f covered=%d objective=%d distance_km=%.0f greedy_covered=%d greedy_distance_km=%.0f\n",
		sc.name, st.Arcs, build.Seconds(), solve.Seconds(), rss, res.Covered, res.Objective, res.DistanceKm, g.Covered, g.DistanceKm)
}

func gapsCovered(r *mentoring.Result) int {
	n := 0
	for _, p := range r.Proposals {
		n += p.GapsCovered
	}
	return n
}
