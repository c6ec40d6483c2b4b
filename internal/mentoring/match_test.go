package mentoring_test

import (
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
)

var small = params{mentees: 8, mentors: 6, maxCap: 3, territories: []string{mentoring.Metropole, mentoring.Metropole, "971"}, forbidden: 6}

func TestMatchEqualsBruteForce(t *testing.T) {
	rnd := rand.New(rand.NewSource(11))
	var covered, arcs, pruned int
	for n := 0; n < 1500; n++ {
		in := randomInstance(rnd, small)
		opt := mentoring.Options{GapWeight: int64(rnd.Intn(3) * 10), Nearest: rnd.Intn(4)}
		res, err := mentoring.Match(in, opt)
		if err != nil {
			t.Fatalf("instance %d: %v", n, err)
		}
		for _, v := range violations(&in, res, opt.GapWeight) {
			t.Errorf("instance %d (%+v): %s", n, opt, v)
		}
		wantCovered, wantCost := optimum(&in, opt.GapWeight)
		if res.Covered != wantCovered || res.Cost != wantCost {
			t.Errorf("instance %d (%+v): covered %d cost %d, brute force %d %d\n%+v", n, opt, res.Covered, res.Cost, wantCovered, wantCost, in)
		}
		if mf := maxFlow(&in); res.Covered != mf {
			t.Errorf("instance %d: covered %d, max flow %d", n, res.Covered, mf)
		}
		covered += res.Covered
		arcs += res.Stats.Arcs
		if res.Stats.Rounds > len(in.Mentees) {
			t.Errorf("instance %d: %d rounds", n, res.Stats.Rounds)
		}
		if res.Stats.Added > 0 {
			pruned++
		}
	}
	t.Logf("%d mentees covered, %d feasible arcs in all; %d instances needed arcs added back", covered, arcs, pruned)
}

func TestGreedyIsFeasible(t *testing.T) {
	rnd := rand.New(rand.NewSource(12))
	for n := 0; n < 500; n++ {
		in := randomInstance(rnd, small)
		res, err := mentoring.Greedy(in, mentoring.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range violations(&in, res, mentoring.DefaultGapWeight) {
			t.Errorf("instance %d: %s", n, v)
		}
		opt, _ := mentoring.Match(in, mentoring.DefaultOptions())
		if res.Covered > opt.Covered || res.Objective < opt.Objective {
			t.Errorf("instance %d: greedy (%d, %d) beats the optimum (%d, %d)", n, res.Covered, res.Objective, opt.Covered, opt.Objective)
		}
	}
}

// The pruned network with the proof (reduced costs of every dropped arc)
// reaches the objective of the full network.
func TestPrunedEqualsFull(t *testing.T) {
	rnd := rand.New(rand.NewSource(13))
	shapes := []params{
		{mentees: 300, mentors: 150, maxCap: 3, territories: []string{mentoring.Metropole}, forbidden: 100},
		{mentees: 400, mentors: 60, maxCap: 3, territories: []string{mentoring.Metropole, "974"}, forbidden: 50}, // tight
		{mentees: 150, mentors: 300, maxCap: 2, territories: []string{mentoring.Metropole}, forbidden: 300},
	}
	rounds, checked := 0, 0
	for n := 0; n < 60; n++ {
		in := randomInstance(rnd, shapes[n%len(shapes)])
		w := int64(rnd.Intn(3) * 10)
		full, err := mentoring.Match(in, mentoring.Options{GapWeight: w})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{1, 2, 3, 8} {
			res, err := mentoring.Match(in, mentoring.Options{GapWeight: w, Nearest: k})
			if err != nil {
				t.Fatal(err)
			}
			if res.Covered != full.Covered || res.Objective != full.Objective {
				t.Errorf("instance %d, k=%d: covered %d objective %d, full network %d %d", n, k, res.Covered, res.Objective, full.Covered, full.Objective)
			}
			if res.Stats.Arcs != full.Stats.Arcs {
				t.Errorf("instance %d, k=%d: %d arcs counted, full network %d", n, k, res.Stats.Arcs, full.Stats.Arcs)
			}
			if vs := violations(&in, res, w); len(vs) > 0 {
				t.Errorf("instance %d, k=%d: %v", n, k, vs)
			}
			rounds += res.Stats.Rounds - 1
			checked += res.Stats.Checked
		}
		if mf := maxFlow(&in); full.Covered != mf {
			t.Errorf("instance %d: covered %d, max flow %d", n, full.Covered, mf)
		}
	}
	if rounds == 0 || checked == 0 {
		t.Errorf("%d re-solves, %d arcs checked one by one: the proof was not exercised", rounds, checked)
	}
	t.Logf("%d re-solves after adding arcs back, %d arcs checked one by one", rounds, checked)
}

func TestTerritoryOf(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{"01", mentoring.Metropole}, {"69", mentoring.Metropole}, {"2A", mentoring.Metropole}, {"2b", mentoring.Metropole},
		{"95", mentoring.Metropole}, {" 75 ", mentoring.Metropole},
		{"971", "971"}, {"972", "972"}, {"973", "973"}, {"974", "974"}, {"976", "976"},
		{"975", "975"}, {"977", "977"}, {"978", "978"}, {"986", "986"}, {"987", "987"}, {"988", "988"},
		{"", ""}, {"97", ""}, {"00", ""}, {"100", ""}, {"9A", ""},
	} {
		if got := mentoring.TerritoryOf(tc.code); got != tc.want {
			t.Errorf("TerritoryOf(%q) = %q, want %q", tc.code, got, tc.want)
		}
	}
}

func TestMatchRules(t *testing.T) {
	lyon := [2]float64{45.7640, 4.8357}
	villeurbanne := [2]float64{45.7719, 4.8902} // ≈ 4.3 km
	paris := [2]float64{48.8566, 2.3522}        // ≈ 392 km
	mentee := func(id int64, at [2]float64, maxKm int, remote bool, terr string, gaps ...string) mentoring.Mentee {
		return mentoring.Mentee{ID: id, Lat: at[0], Lng: at[1], MaxKm: maxKm, Remote: remote, Territory: terr, Gaps: gaps}
	}
	mentor := func(id int64, at [2]float64, radius int, remote bool, places int, terr string, comps ...string) mentoring.Mentor {
		return mentoring.Mentor{ID: id, Lat: at[0], Lng: at[1], RadiusKm: radius, Remote: remote, Capacity: places, Territory: terr, Competences: comps}
	}
	type pair struct{ Mentee, Mentor int64 }
	m := mentoring.Metropole
	for _, tc := range []struct {
		name string
		in   mentoring.Instance
		want []pair
	}{
		{"nearest", mentoring.Instance{
			Mentees: []mentoring.Mentee{mentee(1, lyon, 20, false, m)},
			Mentors: []mentoring.Mentor{mentor(10, paris, 100, false, 1, m), mentor(11, villeurbanne, 10, false, 1, m)},
		}, []pair{{1, 11}}},
		{"radius of the mentor", mentoring.Instance{
			Mentees: []mentoring.Mentee{mentee(1, lyon, 20, false, m)},
			Mentors: []mentoring.Mentor{mentor(11, villeurbanne, 3, false, 1, m)},
		}, nil},
		{"remote on both sides", mentoring.Instance{
			Mentees: []mentoring.Mentee{mentee(1, lyon, 0, true, m)},
			Mentors: []mentoring.Mentor{mentor(10, paris, 0, true, 1, m)},
		}, []pair{{1, 10}}},
		{"remote on one side only", mentoring.Instance{
			Mentees: []mentoring.Mentee{mentee(1, lyon, 50, true, m)},
			Mentors: []mentoring.Mentor{mentor(10, paris, 50, false, 1, m)},
		}, nil},
		{"other territory", mentoring.Instance{
			Mentees: []mentoring.Mentee{mentee(1, lyon, 50, true, "971")},
			Mentors: []mentoring.Mentor{mentor(11, villeurbanne, 50, true, 1, m)},
		}, nil},
		{"forbidden and oneself", mentoring.Instance{
			Mentees:   []mentoring.Mentee{mentee(1, lyon, 50, false, m), mentee(2, lyon, 50, false, m)},
			Mentors:   []mentoring.Mentor{mentor(1, villeurbanne, 50, false, 2, m), mentor(12, villeurbanne, 50, false, 0, m)},
			Forbidden: []mentoring.Pair{{MenteeID: 2, MentorID: 1}},
		}, nil},
		{"coverage before distance", mentoring.Instance{
			// the near mentor goes to mentee 2, who has no other
			Mentees: []mentoring.Mentee{mentee(1, lyon, 500, false, m), mentee(2, lyon, 10, false, m)},
			Mentors: []mentoring.Mentor{mentor(11, villeurbanne, 500, false, 1, m), mentor(10, paris, 500, false, 1, m)},
		}, []pair{{1, 10}, {2, 11}}},
		{"gaps before a few km", mentoring.Instance{
			Mentees: []mentoring.Mentee{mentee(1, lyon, 50, false, m, "1.1", "2.1")},
			Mentors: []mentoring.Mentor{mentor(11, villeurbanne, 50, false, 1, m), mentor(12, [2]float64{45.85, 4.9}, 50, false, 1, m, "1.1", "2.1", "3.1")},
		}, []pair{{1, 12}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := mentoring.Match(tc.in, mentoring.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			var got []pair
			for _, p := range res.Proposals {
				got = append(got, pair{p.MenteeID, p.MentorID})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("pairs (-want +got):\n%s", diff)
			}
			if vs := violations(&tc.in, res, mentoring.DefaultGapWeight); len(vs) > 0 {
				t.Error(vs)
			}
		})
	}
}

func TestProposalExplains(t *testing.T) {
	in := mentoring.Instance{
		Mentees: []mentoring.Mentee{{ID: 1, Lat: 45.7640, Lng: 4.8357, MaxKm: 20, Territory: mentoring.Metropole, Gaps: []string{"1.1", "2.1", "3.1", "1.1"}}},
		Mentors: []mentoring.Mentor{{ID: 2, Lat: 45.7719, Lng: 4.8902, RadiusKm: 30, Capacity: 3, Territory: mentoring.Metropole, Competences: []string{"2.1", "3.1", "5.2"}}},
	}
	res, err := mentoring.Match(in, mentoring.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	d := maillage.DistanceKm(45.7640, 4.8357, 45.7719, 4.8902)
	want := []mentoring.Proposal{{MenteeID: 1, MentorID: 2, DistanceKm: d, Cost: 4 + 10, Gaps: 3, GapsCovered: 2, PlacesLeft: 2}}
	if diff := cmp.Diff(want, res.Proposals); diff != "" {
		t.Errorf("proposals (-want +got):\n%s", diff)
	}
}

func TestMatchRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     mentoring.Instance
		opt    mentoring.Options
		fields []string
	}{
		{"duplicate mentee", mentoring.Instance{Mentees: []mentoring.Mentee{{ID: 1}, {ID: 1}}}, mentoring.DefaultOptions(), []string{"mentees.1.id"}},
		{"duplicate mentor", mentoring.Instance{Mentors: []mentoring.Mentor{{ID: 1}, {ID: 1}}}, mentoring.DefaultOptions(), []string{"mentors.1.id"}},
		{"coordinates", mentoring.Instance{Mentees: []mentoring.Mentee{{ID: 1, Lat: 91}}, Mentors: []mentoring.Mentor{{ID: 2, Lng: -181}}}, mentoring.DefaultOptions(), []string{"mentees.0.lat", "mentors.0.lng"}},
		{"capacity", mentoring.Instance{Mentors: []mentoring.Mentor{{ID: 1, Capacity: -1}}}, mentoring.DefaultOptions(), []string{"mentors.0.capacity"}},
		{"options", mentoring.Instance{}, mentoring.Options{GapWeight: -1, Nearest: -1}, []string{"options.gap_weight", "options.nearest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mentoring.Match(tc.in, tc.opt)
			if maillage.ErrorCode(err) != maillage.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
			if diff := cmp.Diff(tc.fields, maillage.ErrorProblems(err).Fields()); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzMatch(f *testing.F) {
	for s := int64(0); s < 8; s++ {
		f.Add(s, uint8(s), uint8(3*s))
	}
	f.Fuzz(func(t *testing.T, seed int64, k, w uint8) {
		rnd := rand.New(rand.NewSource(seed))
		in := randomInstance(rnd, small)
		opt := mentoring.Options{GapWeight: int64(w % 50), Nearest: int(k % 5)}
		res, err := mentoring.Match(in, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range violations(&in, res, opt.GapWeight) {
			t.Error(v)
		}
		if c, cost := optimum(&in, opt.GapWeight); res.Covered != c || res.Cost != cost {
			t.Errorf("covered %d cost %d, brute force %d %d", res.Covered, res.Cost, c, cost)
		}
	})
}
