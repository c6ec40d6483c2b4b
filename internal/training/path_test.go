package training_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/training"
)

type instance struct {
	certs  *training.CertIndex
	offers []*training.Offer
	coords map[string][2]float64
	person training.Person
	target string
}

// randomInstance draws a certification of 1–7 blocs, offers preparing 1–3
// of them with sessions around Lyon (some past, some remote, some closed),
// and a person holding some blocs.
func randomInstance(r *rand.Rand) instance {
	k := 1 + r.IntN(7)
	c := &maillage.Certification{Code: "C", Kind: maillage.KindRNCP}
	for i := range k {
		c.Blocs = append(c.Blocs, &maillage.Bloc{Code: fmt.Sprintf("C-B%d", i+1), CertificationCode: "C", Rank: i + 1})
	}
	in := instance{certs: training.NewCertIndex([]*maillage.Certification{c}), coords: map[string][2]float64{}, target: "C"}
	for i := range 10 {
		in.coords[fmt.Sprintf("690%02d", i)] = [2]float64{45.76 + r.Float64()*0.8 - 0.4, 4.83 + r.Float64()*1.2 - 0.6}
	}
	sid := int64(0)
	nOffers := 1 + r.IntN(6)
	for i := range nOffers {
		o := &training.Offer{ID: int64(i + 1)}
		for _, b := range r.Perm(k)[:1+r.IntN(min(3, k))] {
			o.Blocs = append(o.Blocs, c.Blocs[b].Code)
		}
		for range 1 + r.IntN(3) {
			sid++
			start := now.Add(time.Duration(r.IntN(24*60)-24*10) * time.Hour) // some before now
			s := &training.Session{ID: sid, OfferID: o.ID, Start: start, End: start.Add(time.Duration(1+r.IntN(24*90)) * time.Hour), Registration: training.RegistrationOpen}
			switch r.IntN(10) {
			case 0:
				s.Registration = training.RegistrationFull
			case 1:
				s.Place = training.Place{Remote: true}
			}
			if !s.Place.Remote {
				s.Place.CodeInsee = fmt.Sprintf("690%02d", r.IntN(10))
			}
			o.Sessions = append(o.Sessions, s)
		}
		in.offers = append(in.offers, o)
	}
	in.person = training.Person{Lat: 45.76, Lon: 4.83, RadiusKm: float64([]int{5, 10, 20, 40, 100}[r.IntN(5)]), Remote: r.IntN(2) == 0}
	for _, b := range c.Blocs {
		switch r.IntN(4) {
		case 0:
			in.person.Blocs = append(in.person.Blocs, training.HeldBloc{Code: b.Code, Evidence: maillage.EvidenceCertified})
		case 1:
			in.person.Blocs = append(in.person.Blocs, training.HeldBloc{Code: b.Code, Evidence: maillage.EvidenceDeclared}) // does not count
		}
	}
	return in
}

func (in instance) index() *training.SessionIndex {
	return training.NewSessionIndex(in.certs, in.offers, func(code string) (float64, float64, bool) {
		c, ok := in.coords[code]
		return c[0], c[1], ok
	})
}

// eligible is the test's own reading of which sessions a path may propose.
func (in instance) eligible(s *training.Session) bool {
	if !s.Start.After(now) || s.Registration != training.RegistrationOpen {
		return false
	}
	if s.Place.Remote {
		return in.person.Remote
	}
	c := in.coords[s.Place.CodeInsee]
	return maillage.DistanceKm(in.person.Lat, in.person.Lon, c[0], c[1]) <= in.person.RadiusKm
}

func TestPathCoverEqualsBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	checked := 0
	for n := 0; n < 3000; n++ {
		in := randomInstance(r)
		p, err := in.index().Path(training.PathQuery{Person: in.person, Target: in.target, Now: now})
		if err != nil {
			t.Fatalf("instance %d: %v", n, err)
		}

		// Every proposed session is upcoming, open, within the radius or
		// remote and accepted; and every such session is proposed.
		proposed := map[*training.Session]training.Option{}
		for _, bs := range p.Sessions {
			for i, o := range bs.Sessions {
				if !in.eligible(o.Session) {
					t.Fatalf("instance %d: session %d proposed for %s but not eligible (start %v, remote %v, %.3f km)", n, o.Session.ID, bs.Bloc, o.Session.Start, o.Session.Place.Remote, o.DistanceKm)
				}
				if i > 0 {
					prev := bs.Sessions[i-1]
					if prev.DistanceKm > o.DistanceKm || (prev.DistanceKm == o.DistanceKm && prev.Session.Start.After(o.Session.Start)) {
						t.Fatalf("instance %d: %s not ranked by distance then start", n, bs.Bloc)
					}
				}
				proposed[o.Session] = o
			}
		}
		for _, o := range in.offers {
			for _, s := range o.Sessions {
				covers := slices.ContainsFunc(o.Blocs, func(b string) bool { return slices.Contains(p.Missing, b) })
				if _, ok := proposed[s]; covers && in.eligible(s) && !ok {
					t.Fatalf("instance %d: eligible session %d not proposed", n, s.ID)
				}
			}
		}
		for _, o := range p.Cover {
			if !in.eligible(o.Session) {
				t.Fatalf("instance %d: cover proposes session %d, not eligible", n, o.Session.ID)
			}
		}

		// Brute force over every subset of the proposed sessions.
		var cands []training.Option
		for _, o := range proposed {
			cands = append(cands, o)
		}
		sort.Slice(cands, func(i, j int) bool { return cands[i].Session.ID < cands[j].Session.ID })
		if len(cands) > 16 {
			continue
		}
		coverable := map[string]bool{}
		for _, o := range cands {
			for _, b := range o.Covers {
				coverable[b] = true
			}
		}
		var best *cost
		for sub := 1; sub < 1<<len(cands); sub++ {
			var set []training.Option
			got := map[string]bool{}
			for i, o := range cands {
				if sub&(1<<i) != 0 {
					set = append(set, o)
					for _, b := range o.Covers {
						got[b] = true
					}
				}
			}
			if len(got) != len(coverable) {
				continue
			}
			if c := costOf(set); best == nil || c.less(*best) {
				best = &c
			}
		}
		var wantUncovered []string
		for _, b := range p.Missing {
			if !coverable[b] {
				wantUncovered = append(wantUncovered, b)
			}
		}
		if diff := cmp.Diff(wantUncovered, p.Uncovered, cmp.Comparer(func(a, b []string) bool { return slices.Equal(a, b) })); len(wantUncovered)+len(p.Uncovered) > 0 && diff != "" {
			t.Fatalf("instance %d: uncovered (-want +got):\n%s", n, diff)
		}
		got := costOf(p.Cover)
		if best == nil {
			if len(p.Cover) != 0 {
				t.Fatalf("instance %d: cover %v although no session covers anything", n, got)
			}
			continue
		}
		if got != *best {
			t.Fatalf("instance %d: cover costs %+v, brute force finds %+v", n, got, *best)
		}
		checked++
	}
	if checked < 1000 {
		t.Errorf("only %d instances checked against brute force", checked)
	}
}

// cost is the test's own reading of how covers compare.
type cost struct {
	n   int
	m   int64
	end time.Time
}

func costOf(opts []training.Option) cost {
	var c cost
	for _, o := range opts {
		c.n++
		c.m += int64(math.Round(o.DistanceKm * 1000))
		if o.Session.End.After(c.end) {
			c.end = o.Session.End
		}
	}
	return c
}

func (c cost) less(d cost) bool {
	switch {
	case c.n != d.n:
		return c.n < d.n
	case c.m != d.m:
		return c.m < d.m
	}
	return c.end.Before(d.end)
}

func TestPathTarget(t *testing.T) {
	certs := training.NewCertIndex(referential())
	ix := training.NewSessionIndex(certs, nil, nil)
	held := func(codes ...string) []training.HeldBloc {
		var out []training.HeldBloc
		for _, c := range codes {
			out = append(out, training.HeldBloc{Code: c, Evidence: maillage.EvidenceValidated})
		}
		return out
	}
	tests := []struct {
		name    string
		person  training.Person
		target  string
		want    string
		missing []string
		code    string
	}{
		{"closest: one bloc of REMN held, CMN has one missing too but none held", training.Person{Blocs: held("REMN-B1")}, "", "CMN", []string{"CMN-B1"}, ""},
		{"closest: as many missing, more held", training.Person{Blocs: held("REMN-B1", "REMN-B2")}, "", "REMN", []string{"REMN-B3"}, ""},
		{"CMN held: REMN is the closest left", training.Person{Blocs: held("CMN-B1", "REMN-B3")}, "", "REMN", []string{"REMN-B1", "REMN-B2"}, ""},
		{"declared blocs do not count", training.Person{Blocs: []training.HeldBloc{{Code: "REMN-B1", Evidence: maillage.EvidenceDeclared}}}, "REMN", "REMN", []string{"REMN-B1", "REMN-B2", "REMN-B3"}, ""},
		{"official bloc codes are understood", training.Person{Blocs: []training.HeldBloc{{Code: "RNCP34137BC02", Evidence: maillage.EvidenceCertified}}}, "REMN", "REMN", []string{"REMN-B1", "REMN-B3"}, ""},
		{"everything held", training.Person{Blocs: held("CMN-B1", "REMN-B1", "REMN-B2", "REMN-B3")}, "", "", nil, maillage.ENOTFOUND},
		{"unknown target", training.Person{}, "NOPE", "", nil, maillage.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ix.Path(training.PathQuery{Person: tt.person, Target: tt.target, Now: now})
			if tt.code != "" {
				if maillage.ErrorCode(err) != tt.code {
					t.Fatalf("err = %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Certification != tt.want || !slices.Equal(p.Missing, tt.missing) {
				t.Errorf("path to %s missing %v, want %s missing %v", p.Certification, p.Missing, tt.want, tt.missing)
			}
			if len(p.Uncovered) != len(p.Missing) {
				t.Errorf("no session at all, yet uncovered = %v", p.Uncovered)
			}
		})
	}
}

// TestPathTargetPrefersRecent: between two titles as far away, the one
// registered later is proposed (a renamed title rather than the old one).
func TestPathTargetPrefersRecent(t *testing.T) {
	until := func(y int) *time.Time { d := time.Date(y, 7, 12, 0, 0, 0, 0, time.UTC); return &d }
	certs := []*maillage.Certification{
		{Code: "AAA", Kind: maillage.KindRNCP, ValidUntil: until(2019), Blocs: []*maillage.Bloc{{Code: "AAA-B1", CertificationCode: "AAA", Rank: 1}}},
		{Code: "ZZZ", Kind: maillage.KindRNCP, ValidUntil: until(2024), Blocs: []*maillage.Bloc{{Code: "ZZZ-B1", CertificationCode: "ZZZ", Rank: 1}}},
		{Code: "MMM", Kind: maillage.KindRNCP, ValidUntil: until(2021), Blocs: []*maillage.Bloc{{Code: "MMM-B1", CertificationCode: "MMM", Rank: 1}}},
	}
	got := training.NewSessionIndex(training.NewCertIndex(certs), nil, nil).Closest(training.Person{}, now)
	if got == nil || got.Code != "ZZZ" {
		t.Fatalf("closest = %v, want ZZZ (registered until 2024)", got)
	}
}

func TestPathExample(t *testing.T) {
	certs := training.NewCertIndex(referential())
	lyon, villeurbanne, marseille := [2]float64{45.7578, 4.8320}, [2]float64{45.7719, 4.8902}, [2]float64{43.2965, 5.3698}
	coords := map[string][2]float64{"69123": lyon, "69266": villeurbanne, "13055": marseille}
	at := func(id int64, days int, code string) *training.Session {
		s := &training.Session{ID: id, Start: now.AddDate(0, 0, days), End: now.AddDate(0, 0, days+30), Registration: training.RegistrationOpen}
		if code == "" {
			s.Place.Remote = true
		} else {
			s.Place.CodeInsee = code
		}
		return s
	}
	offers := []*training.Offer{
		{ID: 1, Blocs: []string{"REMN-B1", "REMN-B2", "REMN-B3"}, Sessions: []*training.Session{at(10, 10, "13055"), at(11, -5, "69123")}}, // far, and past
		{ID: 2, Blocs: []string{"REMN-B1"}, Sessions: []*training.Session{at(20, 40, "69266"), at(21, 20, "69266")}},
		{ID: 3, Blocs: []string{"REMN-B2", "REMN-B3"}, Sessions: []*training.Session{at(30, 15, "")}},
		{ID: 4, Blocs: []string{"REMN-B2"}, Sessions: []*training.Session{at(40, 5, "69123")}},
	}
	ix := training.NewSessionIndex(certs, offers, func(c string) (float64, float64, bool) { p, ok := coords[c]; return p[0], p[1], ok })
	p, err := ix.Path(training.PathQuery{Person: training.Person{Lat: lyon[0], Lon: lyon[1], RadiusKm: 20, Remote: true}, Target: "REMN", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(opts []training.Option) []int64 {
		var out []int64
		for _, o := range opts {
			out = append(out, o.Session.ID)
		}
		return out
	}
	gotLists := map[string][]int64{}
	for _, bs := range p.Sessions {
		gotLists[bs.Bloc] = ids(bs.Sessions)
	}
	wantLists := map[string][]int64{"REMN-B1": {21, 20}, "REMN-B2": {40, 30}, "REMN-B3": {30}}
	if diff := cmp.Diff(wantLists, gotLists); diff != "" {
		t.Errorf("sessions per bloc (-want +got):\n%s", diff)
	}
	// Two sessions are needed; remote 30 covers B2 and B3, then the nearer
	// and earlier-ending of 20/21 (same place) covers B1.
	if got := ids(p.Cover); !slices.Equal(got, []int64{30, 21}) {
		t.Errorf("cover = %v, want [30 21]", got)
	}
}

// BenchmarkPath computes the paths of 1,000 people with 1 to 6 missing
// blocs against 20,000 upcoming sessions nationwide, and prints the
// p50/p95 time of one path.
func BenchmarkPath(b *testing.B) {
	g := training.NewSynthetic(20261122, now)
	var offers []*training.Offer
	sessions := 0
	for i := 0; sessions < 20000; i++ {
		f := g.FormationWithSessions(i, 2)
		offers = append(offers, f.Offer)
		sessions += len(f.Offer.Sessions)
	}
	certs := training.NewCertIndex(g.Certifications())
	ix := training.NewSessionIndex(certs, offers, g.Coords)
	before := now.Add(-24 * time.Hour)

	r := rand.New(rand.NewPCG(1, 2))
	type query struct {
		q       training.PathQuery
		missing int
	}
	var qs []query
	for len(qs) < 1000 {
		c := g.Certifications()[r.IntN(len(g.Certifications()))]
		missing := 1 + r.IntN(min(6, len(c.Blocs)))
		var held []training.HeldBloc
		for _, bi := range r.Perm(len(c.Blocs))[missing:] {
			held = append(held, training.HeldBloc{Code: c.Blocs[bi].Code, Evidence: maillage.EvidenceCertified})
		}
		lat, lon := g.RandomPoint(r)
		qs = append(qs, query{missing: missing, q: training.PathQuery{
			Person: training.Person{Blocs: held, Lat: lat, Lon: lon, RadiusKm: []float64{5, 10, 15, 20, 40, 100}[r.IntN(6)], Remote: r.IntN(2) == 0},
			Target: c.Code, Now: before, PerBloc: 20,
		}})
	}
	b.ResetTimer()
	for b.Loop() {
		durations := make([]time.Duration, 0, len(qs))
		covered, proposed := 0, 0
		for _, q := range qs {
			start := time.Now()
			p, err := ix.Path(q.q)
			durations = append(durations, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
			if len(p.Missing) != q.missing {
				b.Fatalf("missing %d, want %d", len(p.Missing), q.missing)
			}
			if len(p.Uncovered) == 0 {
				covered++
			}
			proposed += len(p.Cover)
		}
		slices.Sort(durations)
		p50, p95 := durations[len(durations)/2], durations[len(durations)*95/100]
		b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms/path")
		b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms/path")
		b.Logf("path over %d upcoming sessions, %d people: p50 %v, p95 %v, max %v; %d fully covered, %.1f sessions per cover",
			sessions, len(qs), p50, p95, durations[len(durations)-1], covered, float64(proposed)/float64(len(qs)))
	}
}
