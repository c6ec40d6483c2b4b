package mentoring_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
)

func TestGapsAndStrengths(t *testing.T) {
	ref := []string{"1.1", "1.2", "2.1", "3.1"}
	held := []maillage.ProfileCompetence{{Code: "1.1", Level: 5}, {Code: "1.2", Level: 3}, {Code: "3.1", Level: 4}}
	if diff := cmp.Diff([]string{"1.2", "2.1"}, mentoring.Gaps(held, ref)); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]string{"1.1", "3.1"}, mentoring.Strengths(held)); diff != "" {
		t.Error(diff)
	}
}

func TestRank(t *testing.T) {
	mentee := mentoring.Mentee{ID: 1, Lat: lyon[0], Lng: lyon[1], Territory: mentoring.Metropole, Gaps: []string{"1.2", "2.1", "3.1"}}
	mk := func(id int64, at [2]float64, radius int, remote bool, places int, comps []string, themes ...string) mentoring.Candidate {
		return mentoring.Candidate{ProfileID: id * 10, Name: "M", Themes: themes, Mentor: mentoring.Mentor{ID: id, Lat: at[0], Lng: at[1],
			RadiusKm: radius, Remote: remote, Capacity: places, Territory: mentoring.Metropole, Competences: comps}}
	}
	cands := []mentoring.Candidate{
		mk(2, villeurbanne, 20, false, 1, nil, "Démarches"),                     // 5 km, covers none
		mk(3, villeurbanne, 20, false, 3, []string{"1.2", "2.1", "3.1"}, "Pix"), // 5 km, covers all, 3 places
		mk(4, marseille, 100, true, 2, []string{"1.2"}),                         // far, remote
		mk(5, lyon, 20, false, 0, nil),                                          // full
		mk(6, marseille, 100, false, 2, nil),                                    // far, in person only
		{Mentor: mentoring.Mentor{ID: 7, Lat: lyon[0], Lng: lyon[1], RadiusKm: 20, Capacity: 1, Territory: "974"}, ProfileID: 70},
	}
	ids := func(rs []mentoring.Ranked) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.Mentor.ID)
		}
		return out
	}
	got := mentoring.Rank(mentee, cands, mentoring.Query{MaxKm: 20}, 10)
	if diff := cmp.Diff([]int64{3, 2}, ids(got)); diff != "" {
		t.Errorf("in person within 20 km: %s", diff)
	}
	// score of 3: 5 km + 0 gaps − 3×3 places = −4; of 2: 5 + 30 − 3 = 32
	if got[0].Score != -4 || got[1].Score != 32 {
		t.Errorf("scores %d %d", got[0].Score, got[1].Score)
	}
	got = mentoring.Rank(mentee, cands, mentoring.Query{MaxKm: 20, Remote: true}, 10)
	if diff := cmp.Diff([]int64{3, 2, 4}, ids(got)); diff != "" {
		t.Errorf("with remote: %s", diff)
	}
	got = mentoring.Rank(mentee, cands, mentoring.Query{Remote: true}, 10)
	if diff := cmp.Diff([]int64{4}, ids(got)); diff != "" {
		t.Errorf("remote only: %s", diff)
	}
	got = mentoring.Rank(mentee, cands, mentoring.Query{MaxKm: 100, Themes: []string{"démarches"}}, 10)
	if diff := cmp.Diff([]int64{2}, ids(got)); diff != "" {
		t.Errorf("theme: %s", diff)
	}
	if diff := cmp.Diff([]string{"Démarches", "Pix"}, mentoring.Themes(cands)); diff != "" {
		t.Error(diff)
	}
}

func TestExplain(t *testing.T) {
	p := mentoring.Proposal{DistanceKm: 12.3, Gaps: 5, GapsCovered: 3}
	want := []mentoring.Reason{
		{Key: "mentoring.reason.distance", Args: []any{"Km", mentoring.Distance(12.3)}},
		{Key: "mentoring.reason.mentee.gaps", Args: []any{"Count", 3}},
		{Key: "mentoring.reason.places", Args: []any{"Count", 1}},
	}
	if diff := cmp.Diff(want, mentoring.Explain(p, 1, mentoring.ForMentee)); diff != "" {
		t.Error(diff)
	}
	p = mentoring.Proposal{DistanceKm: 230, Remote: true}
	want = []mentoring.Reason{
		{Key: "mentoring.reason.remote", Args: []any{"Km", mentoring.Distance(230)}},
		{Key: "mentoring.reason.coordinator.no_gap"},
		{Key: "mentoring.reason.places", Args: []any{"Count", 0}},
	}
	if diff := cmp.Diff(want, mentoring.Explain(p, 0, mentoring.ForCoordinator)); diff != "" {
		t.Error(diff)
	}
	// Gaps the mentor does not cover: nothing said about competencies.
	if r := mentoring.Explain(mentoring.Proposal{Gaps: 2}, 2, mentoring.ForMentee); len(r) != 2 {
		t.Errorf("%+v", r)
	}
}

func TestCoverage(t *testing.T) {
	rows := []mentoring.Coverage{
		{Code: "69", Conseillers: 4, Covered: 3, Mentors: 2, Places: 5, PlacesLeft: 2},
		{Code: "01", Conseillers: 0},
		{Code: "42", Conseillers: 10, Covered: 2, Waiting: 1},
	}
	var buckets []int
	for _, r := range rows {
		buckets = append(buckets, r.Bucket())
	}
	if diff := cmp.Diff([]int{4, 0, 1}, buckets); diff != "" {
		t.Error(diff)
	}
	s := mentoring.Sum("84", "Auvergne-Rhône-Alpes", rows)
	if s.Conseillers != 14 || s.Covered != 5 || s.Alone() != 9 || s.Places != 5 || s.Waiting != 1 {
		t.Errorf("%+v", s)
	}
	if p := rows[0].Percent(); p != 75 {
		t.Errorf("percent %v", p)
	}
	if rows[1].Percent() != 0 {
		t.Error("percent of nobody")
	}
	e := mentoring.Mentee{ID: 1, Lat: lyon[0], Lng: lyon[1], Territory: mentoring.Metropole}
	ms := []mentoring.Mentor{
		{ID: 2, Lat: marseille[0], Lng: marseille[1], Capacity: 1, Territory: mentoring.Metropole},
		{ID: 3, Lat: villeurbanne[0], Lng: villeurbanne[1], Capacity: 0, Territory: mentoring.Metropole},
		{ID: 4, Lat: lyon[0], Lng: lyon[1], Capacity: 1, Territory: "974"},
	}
	if d := mentoring.Nearest(e, ms); d == nil || *d < 270 || *d > 290 {
		t.Errorf("nearest %v", d)
	}
	if n := mentoring.Reachable(mentoring.Instance{Mentees: []mentoring.Mentee{{ID: 1, Lat: lyon[0], Lng: lyon[1], MaxKm: 20, Territory: mentoring.Metropole}},
		Mentors: []mentoring.Mentor{ms[0], {ID: 5, Lat: villeurbanne[0], Lng: villeurbanne[1], RadiusKm: 10, Capacity: 1, Territory: mentoring.Metropole}}}); n != 1 {
		t.Errorf("reachable %d", n)
	}
	if d := mentoring.Nearest(e, ms[1:]); d != nil {
		t.Errorf("nearest among full and overseas: %v", *d)
	}
}
