package mentoring_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
)

type dimacs struct {
	nodes  int
	bigM   int64
	supply map[int]int64
	arcs   []dimacsArc
	names  map[int]string // "mentee 42", "mentor 7", "sink"
}

type dimacsArc struct {
	from, to        int
	low, cap, costs int64
}

func parseDIMACS(t *testing.T, b []byte) *dimacs {
	t.Helper()
	d := &dimacs{supply: map[int]int64{}, names: map[int]string{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	declared := -1
	num := func(s string) int64 {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("bad number %q", s)
		}
		return v
	}
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch f[0] {
		case "c":
			switch {
			case len(f) == 3 && f[1] == "bigm":
				d.bigM = num(f[2])
			case len(f) == 4 && (f[1] == "mentee" || f[1] == "mentor"):
				d.names[int(num(f[2]))] = f[1] + " " + f[3]
			case len(f) == 3 && f[1] == "sink":
				d.names[int(num(f[2]))] = "sink"
			}
		case "p":
			if f[1] != "min" {
				t.Fatalf("problem %q", f[1])
			}
			d.nodes, declared = int(num(f[2])), int(num(f[3]))
		case "n":
			d.supply[int(num(f[1]))] = num(f[2])
		case "a":
			d.arcs = append(d.arcs, dimacsArc{int(num(f[1])), int(num(f[2])), num(f[3]), num(f[4]), num(f[5])})
		default:
			t.Fatalf("line %q", sc.Text())
		}
	}
	if declared != len(d.arcs) {
		t.Fatalf("%d arcs declared, %d written", declared, len(d.arcs))
	}
	return d
}

// minCostFlow solves a DIMACS network from scratch: successive shortest
// paths with Bellman–Ford from a super source, no potentials, no pruning.
func minCostFlow(d *dimacs) (int64, bool) {
	n := d.nodes + 2
	s, t := 0, d.nodes+1
	type edge struct {
		to, rev  int
		cap, cst int64
	}
	g := make([][]edge, n)
	add := func(u, v int, c, w int64) {
		g[u] = append(g[u], edge{v, len(g[v]), c, w})
		g[v] = append(g[v], edge{u, len(g[u]) - 1, 0, -w})
	}
	var need int64
	for v, b := range d.supply {
		if b > 0 {
			add(s, v, b, 0)
			need += b
		} else if b < 0 {
			add(v, t, -b, 0)
		}
	}
	for _, a := range d.arcs {
		add(a.from, a.to, a.cap, a.costs)
	}
	var total, flow int64
	for flow < need {
		dist := make([]int64, n)
		for i := range dist {
			dist[i] = math.MaxInt64
		}
		pv, pe := make([]int, n), make([]int, n)
		dist[s] = 0
		for changed := true; changed; {
			changed = false
			for u := 0; u < n; u++ {
				if dist[u] == math.MaxInt64 {
					continue
				}
				for k, e := range g[u] {
					if e.cap > 0 && dist[u]+e.cst < dist[e.to] {
						dist[e.to], pv[e.to], pe[e.to] = dist[u]+e.cst, u, k
						changed = true
					}
				}
			}
		}
		if dist[t] == math.MaxInt64 {
			return total, false
		}
		push := need - flow
		for v := t; v != s; v = pv[v] {
			push = min(push, g[pv[v]][pe[v]].cap)
		}
		for v := t; v != s; v = pv[v] {
			e := &g[pv[v]][pe[v]]
			e.cap -= push
			g[v][e.rev].cap += push
		}
		flow += push
		total += push * dist[t]
	}
	return total, true
}

func TestDIMACSIsTheFullNetwork(t *testing.T) {
	rnd := rand.New(rand.NewSource(21))
	shape := params{mentees: 30, mentors: 20, maxCap: 3, territories: []string{mentoring.Metropole, mentoring.Metropole, "973"}, forbidden: 30}
	for n := 0; n < 150; n++ {
		in := randomInstance(rnd, shape)
		opt := mentoring.Options{GapWeight: int64(rnd.Intn(3) * 7), Nearest: rnd.Intn(3)}
		var buf bytes.Buffer
		if err := mentoring.WriteDIMACS(&buf, in, opt); err != nil {
			t.Fatal(err)
		}
		d := parseDIMACS(t, buf.Bytes())
		res, err := mentoring.Match(in, opt)
		if err != nil {
			t.Fatal(err)
		}
		ne, nm := len(in.Mentees), len(in.Mentors)
		sink := ne + nm + 1
		if d.nodes != sink || d.bigM != res.BigM {
			t.Fatalf("instance %d: %d nodes, BigM %d; want %d, %d", n, d.nodes, d.bigM, sink, res.BigM)
		}
		if diff := cmp.Diff(wantArcs(in, opt, res.BigM), gotArcs(t, d)); diff != "" {
			t.Fatalf("instance %d: arcs (-want +got):\n%s", n, diff)
		}
		if res.Stats.Arcs != len(d.arcs)-ne-countPlaces(in) {
			t.Errorf("instance %d: Stats.Arcs %d, DIMACS has %d pairs", n, res.Stats.Arcs, len(d.arcs)-ne-countPlaces(in))
		}
		for i, e := range in.Mentees {
			if d.supply[i+1] != 1 || d.names[i+1] != fmt.Sprint("mentee ", e.ID) {
				t.Fatalf("node %d: supply %d name %q", i+1, d.supply[i+1], d.names[i+1])
			}
		}
		if d.supply[sink] != -int64(ne) || (ne > 0 && d.names[sink] != "sink") {
			t.Fatalf("sink: supply %d", d.supply[sink])
		}
		obj, ok := minCostFlow(d)
		if !ok || obj != res.Objective {
			t.Errorf("instance %d: independent min-cost flow on the file: %d (%v), Match: %d", n, obj, ok, res.Objective)
		}
	}
}

func countPlaces(in mentoring.Instance) int {
	n := 0
	for _, m := range in.Mentors {
		if m.Capacity > 0 {
			n++
		}
	}
	return n
}

// wantArcs lists the arcs of the full network, from the definitions.
func wantArcs(in mentoring.Instance, opt mentoring.Options, bigM int64) []string {
	ne, nm := len(in.Mentees), len(in.Mentors)
	sink := ne + nm + 1
	var want []string
	for i, e := range in.Mentees {
		for j, m := range in.Mentors {
			if feasible(&in, e, m) {
				want = append(want, fmt.Sprintf("%d>%d cap 1 cost %d", i+1, ne+j+1, cost(e, m, opt.GapWeight)))
			}
		}
		want = append(want, fmt.Sprintf("%d>%d cap 1 cost %d", i+1, sink, bigM))
	}
	for j, m := range in.Mentors {
		if m.Capacity > 0 {
			want = append(want, fmt.Sprintf("%d>%d cap %d cost 0", ne+j+1, sink, m.Capacity))
		}
	}
	slices.Sort(want)
	return want
}

func gotArcs(t *testing.T, d *dimacs) []string {
	var got []string
	for _, a := range d.arcs {
		if a.low != 0 {
			t.Fatalf("arc %+v has a lower bound", a)
		}
		got = append(got, fmt.Sprintf("%d>%d cap %d cost %d", a.from, a.to, a.cap, a.costs))
	}
	slices.Sort(got)
	return got
}

// Mentors at a distance of exactly the limit, give or take the last bits
// of a float: the fast chord comparison must agree with the distance.
func TestBoundaryDistances(t *testing.T) {
	rnd := rand.New(rand.NewSource(22))
	const deg = 180 / math.Pi
	for n := 0; n < 40; n++ {
		lat0, lng0 := -60+rnd.Float64()*120, -180+rnd.Float64()*360
		limit := 1 + rnd.Intn(100)
		in := mentoring.Instance{Mentees: []mentoring.Mentee{{ID: 1, Lat: lat0, Lng: lng0, MaxKm: limit, Territory: "x"}}}
		for j := 0; j < 200; j++ {
			// destination at `limit` km along a random bearing
			b := rnd.Float64() * 2 * math.Pi
			dr := float64(limit) / maillage.EarthRadiusKm
			p1, l1 := lat0/deg, lng0/deg
			p2 := math.Asin(math.Sin(p1)*math.Cos(dr) + math.Cos(p1)*math.Sin(dr)*math.Cos(b))
			l2 := l1 + math.Atan2(math.Sin(b)*math.Sin(dr)*math.Cos(p1), math.Cos(dr)-math.Sin(p1)*math.Sin(p2))
			lat, lng := p2*deg+float64(rnd.Intn(5)-2)*1e-13, math.Remainder(l2*deg, 360)
			in.Mentors = append(in.Mentors, mentoring.Mentor{ID: int64(j + 2), Lat: lat, Lng: lng, RadiusKm: limit + rnd.Intn(2), Capacity: 1, Territory: "x"})
		}
		opt := mentoring.Options{Nearest: 3}
		var buf bytes.Buffer
		if err := mentoring.WriteDIMACS(&buf, in, opt); err != nil {
			t.Fatal(err)
		}
		res, err := mentoring.Match(in, opt)
		if err != nil {
			t.Fatal(err)
		}
		want := wantArcs(in, opt, res.BigM)
		if diff := cmp.Diff(want, gotArcs(t, parseDIMACS(t, buf.Bytes()))); diff != "" {
			t.Fatalf("limit %d km: arcs (-want +got):\n%s", limit, diff)
		}
		if res.Stats.Arcs != len(want)-201 {
			t.Errorf("limit %d km: %d arcs counted, want %d", limit, res.Stats.Arcs, len(want)-201)
		}
	}
}
