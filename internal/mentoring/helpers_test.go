package mentoring_test

import (
	"fmt"
	"math"
	"math/rand"
	"slices"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
)

// The tests re-implement the rules (feasibility, cost) from their
// definition, independently of the package's fast paths.

var codes = []string{"1.1", "1.2", "2.1", "2.2", "3.1", "4.3"}

// region is where a random instance lives: a centre and a spread in degrees.
type region struct{ lat, lng, spread float64 }

var regions = []region{
	{45.76, 4.83, 0.8},     // around Lyon: radii matter
	{45.76, 4.83, 0.05},    // one town: many equal distances
	{-13.5, 179.8, 1.5},    // across the antimeridian
	{89.7, 0, 0.3},         // near the pole
	{16.2, -61.5, 0.3},     // Guadeloupe
	{46.5, 2.5, 4},         // half of France: most pairs remote only
	{48.8566, 2.3522, 0},   // everyone at the same point
	{-21.1, 55.5, 0.25},    // La Réunion
	{43.7, 7.25, 0.000001}, // almost the same point
}

type params struct {
	mentees, mentors int
	maxCap           int
	territories      []string
	forbidden        int
}

func randomInstance(rnd *rand.Rand, p params) mentoring.Instance {
	rg := regions[rnd.Intn(len(regions))]
	var pool [][2]float64 // repeated points: ties
	point := func() (float64, float64) {
		if len(pool) > 0 && rnd.Intn(3) == 0 {
			q := pool[rnd.Intn(len(pool))]
			return q[0], q[1]
		}
		lat := rg.lat + (rnd.Float64()*2-1)*rg.spread
		lng := rg.lng + (rnd.Float64()*2-1)*rg.spread*1.4
		lat = math.Max(-90, math.Min(90, lat))
		if lng > 180 {
			lng -= 360
		}
		if lng < -180 {
			lng += 360
		}
		pool = append(pool, [2]float64{lat, lng})
		return lat, lng
	}
	kms := []int{0, 1, 3, 5, 10, 20, 30, 40, 60, 100, 100, 150}
	subset := func() []string {
		var s []string
		for _, c := range codes {
			if rnd.Intn(3) == 0 {
				s = append(s, c)
			}
		}
		if len(s) > 0 && rnd.Intn(5) == 0 {
			s = append(s, s[0]) // a duplicate code
		}
		return s
	}
	var in mentoring.Instance
	ne := rnd.Intn(p.mentees + 1)
	nm := rnd.Intn(p.mentors + 1)
	if rnd.Intn(5) > 0 { // mostly full-size instances
		ne, nm = p.mentees-rnd.Intn(p.mentees/4+1), p.mentors-rnd.Intn(p.mentors/4+1)
	}
	for i := 0; i < ne; i++ {
		lat, lng := point()
		in.Mentees = append(in.Mentees, mentoring.Mentee{
			ID: int64(i + 1), Lat: lat, Lng: lng, MaxKm: kms[rnd.Intn(len(kms))], Remote: rnd.Intn(4) == 0,
			Territory: p.territories[rnd.Intn(len(p.territories))], Gaps: subset(),
		})
	}
	offset := int64(1) // some mentors are also mentees (same ID)
	if rnd.Intn(2) == 0 {
		offset = 1000
	}
	for j := 0; j < nm; j++ {
		lat, lng := point()
		in.Mentors = append(in.Mentors, mentoring.Mentor{
			ID: int64(j) + offset, Lat: lat, Lng: lng, RadiusKm: kms[rnd.Intn(len(kms))], Remote: rnd.Intn(3) == 0,
			Capacity: rnd.Intn(p.maxCap + 1), Territory: p.territories[rnd.Intn(len(p.territories))], Competences: subset(),
		})
	}
	if ne > 0 && nm > 0 {
		for f := rnd.Intn(p.forbidden + 1); f > 0; f-- {
			in.Forbidden = append(in.Forbidden, mentoring.Pair{MenteeID: in.Mentees[rnd.Intn(ne)].ID, MentorID: in.Mentors[rnd.Intn(nm)].ID})
		}
		in.Forbidden = append(in.Forbidden, mentoring.Pair{MenteeID: 99999, MentorID: in.Mentors[0].ID}) // unknown mentee
	}
	return in
}

// feasible and cost, from the definitions.
func feasible(in *mentoring.Instance, e mentoring.Mentee, m mentoring.Mentor) bool {
	if e.ID == m.ID || e.Territory != m.Territory || m.Capacity <= 0 {
		return false
	}
	for _, f := range in.Forbidden {
		if f.MenteeID == e.ID && f.MentorID == m.ID {
			return false
		}
	}
	if e.Remote && m.Remote {
		return true
	}
	limit := min(e.MaxKm, m.RadiusKm)
	return limit > 0 && maillage.DistanceKm(e.Lat, e.Lng, m.Lat, m.Lng) <= float64(limit)
}

func cost(e mentoring.Mentee, m mentoring.Mentor, w int64) int64 {
	missing := 0
	gaps := slices.Compact(slices.Sorted(slices.Values(e.Gaps)))
	for _, g := range gaps {
		if !slices.Contains(m.Competences, g) {
			missing++
		}
	}
	return int64(math.Round(maillage.DistanceKm(e.Lat, e.Lng, m.Lat, m.Lng))) + w*int64(missing)
}

// optimum is the brute-force optimum: a dynamic programme over mentees
// whose state is every mentor's remaining capacity (capacities ≤ 3).
func optimum(in *mentoring.Instance, w int64) (covered int, total int64) {
	type value struct {
		covered int
		cost    int64
	}
	better := func(a, b value) bool { return a.covered > b.covered || a.covered == b.covered && a.cost < b.cost }
	enc := func(rem []int) int {
		k := 0
		for _, r := range rem {
			k = k*4 + r
		}
		return k
	}
	dec := func(k int, n int) []int {
		rem := make([]int, n)
		for j := n - 1; j >= 0; j-- {
			rem[j] = k % 4
			k /= 4
		}
		return rem
	}
	nm := len(in.Mentors)
	start := make([]int, nm)
	for j, m := range in.Mentors {
		start[j] = max(0, m.Capacity)
		if start[j] > 3 {
			panic("capacity above 3")
		}
	}
	states := map[int]value{enc(start): {}}
	for _, e := range in.Mentees {
		next := map[int]value{}
		put := func(k int, v value) {
			if old, ok := next[k]; !ok || better(v, old) {
				next[k] = v
			}
		}
		for k, v := range states {
			put(k, v) // uncovered
			rem := dec(k, nm)
			for j, m := range in.Mentors {
				if rem[j] > 0 && feasible(in, e, m) {
					rem[j]--
					put(enc(rem), value{v.covered + 1, v.cost + cost(e, m, w)})
					rem[j]++
				}
			}
		}
		states = next
	}
	best := value{-1, 0}
	for _, v := range states {
		if best.covered < 0 || better(v, best) {
			best = v
		}
	}
	return best.covered, best.cost
}

// maxFlow is the largest number of mentees that can be covered
// (Edmonds–Karp on source → mentees → mentors → sink).
func maxFlow(in *mentoring.Instance) int {
	ne, nm := len(in.Mentees), len(in.Mentors)
	n := ne + nm + 2
	s, t := n-2, n-1
	capm := make([][]int, n)
	for i := range capm {
		capm[i] = make([]int, n)
	}
	for i, e := range in.Mentees {
		capm[s][i] = 1
		for j, m := range in.Mentors {
			if feasible(in, e, m) {
				capm[i][ne+j] = 1
			}
		}
	}
	for j, m := range in.Mentors {
		capm[ne+j][t] = max(0, m.Capacity)
	}
	flow := 0
	for {
		prev := make([]int, n)
		for i := range prev {
			prev[i] = -1
		}
		prev[s] = s
		queue := []int{s}
		for len(queue) > 0 && prev[t] < 0 {
			u := queue[0]
			queue = queue[1:]
			for v := 0; v < n; v++ {
				if prev[v] < 0 && capm[u][v] > 0 {
					prev[v] = u
					queue = append(queue, v)
				}
			}
		}
		if prev[t] < 0 {
			return flow
		}
		for v := t; v != s; v = prev[v] {
			capm[prev[v]][v]--
			capm[v][prev[v]]++
		}
		flow++
	}
}

// violations lists what a result breaks: capacities, feasibility
// (distance, remote, territory, oneself), forbidden pairs, costs and
// totals.
func violations(in *mentoring.Instance, res *mentoring.Result, w int64) []string {
	var out []string
	mentees := map[int64]mentoring.Mentee{}
	for _, e := range in.Mentees {
		mentees[e.ID] = e
	}
	mentors := map[int64]mentoring.Mentor{}
	for _, m := range in.Mentors {
		mentors[m.ID] = m
	}
	load := map[int64]int{}
	seen := map[int64]bool{}
	var total int64
	for _, p := range res.Proposals {
		e, ok1 := mentees[p.MenteeID]
		m, ok2 := mentors[p.MentorID]
		if !ok1 || !ok2 {
			out = append(out, fmt.Sprintf("unknown pair %+v", p))
			continue
		}
		if seen[p.MenteeID] {
			out = append(out, fmt.Sprintf("mentee %d twice", p.MenteeID))
		}
		seen[p.MenteeID] = true
		load[p.MentorID]++
		if !feasible(in, e, m) {
			out = append(out, fmt.Sprintf("infeasible or forbidden pair %+v", p))
		}
		if c := cost(e, m, w); c != p.Cost {
			out = append(out, fmt.Sprintf("pair %+v: cost %d, want %d", p, p.Cost, c))
		}
		if ev, ok := mentoring.Evaluate(e, m, w); !ok || ev.Cost != p.Cost || ev.Remote != p.Remote || ev.GapsCovered != p.GapsCovered || ev.Gaps != p.Gaps {
			out = append(out, fmt.Sprintf("pair %+v: Evaluate gives %+v %v", p, ev, ok))
		}
		total += p.Cost
	}
	for _, id := range res.Uncovered {
		if seen[id] {
			out = append(out, fmt.Sprintf("mentee %d both covered and uncovered", id))
		}
		seen[id] = true
	}
	if len(seen) != len(in.Mentees) {
		out = append(out, fmt.Sprintf("%d mentees accounted for, want %d", len(seen), len(in.Mentees)))
	}
	for _, p := range res.Proposals {
		if m := mentors[p.MentorID]; load[p.MentorID] > m.Capacity {
			out = append(out, fmt.Sprintf("mentor %d: %d mentees for %d places", m.ID, load[p.MentorID], m.Capacity))
		} else if p.PlacesLeft != m.Capacity-load[p.MentorID] {
			out = append(out, fmt.Sprintf("mentor %d: %d places left, want %d", m.ID, p.PlacesLeft, m.Capacity-load[p.MentorID]))
		}
	}
	if total != res.Cost || res.Covered != len(res.Proposals) || res.Objective != res.Cost+res.BigM*int64(len(res.Uncovered)) {
		out = append(out, fmt.Sprintf("totals: cost %d (sum %d), covered %d, objective %d", res.Cost, total, res.Covered, res.Objective))
	}
	var maxCost int64
	for _, e := range in.Mentees {
		for _, m := range in.Mentors {
			if feasible(in, e, m) {
				maxCost = max(maxCost, cost(e, m, w))
			}
		}
	}
	if res.BigM <= int64(len(in.Mentees))*maxCost {
		out = append(out, fmt.Sprintf("BigM %d is not above mentees × max cost = %d", res.BigM, int64(len(in.Mentees))*maxCost))
	}
	return out
}
