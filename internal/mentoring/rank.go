package mentoring

import (
	"slices"
	"sort"
	"strings"

	"maillage/internal/maillage"
)

// GapLevel is the level a competency must reach not to be a gap: a
// mentee's gaps are the competencies of the referential they do not hold
// or hold below GapLevel, and a mentor covers a gap when they hold that
// competency at GapLevel or above (4 is the upper level of
// « Indépendant » in the CRCN).
const GapLevel = 4

// Gaps returns the referential's codes (in its order) that held does not
// cover at GapLevel.
func Gaps(held []maillage.ProfileCompetence, referential []string) []string {
	level := map[string]int{}
	for _, c := range held {
		level[c.Code] = c.Level
	}
	var out []string
	for _, code := range referential {
		if level[code] < GapLevel {
			out = append(out, code)
		}
	}
	return out
}

// Strengths returns the codes held at GapLevel or above.
func Strengths(held []maillage.ProfileCompetence) []string {
	var out []string
	for _, c := range held {
		if c.Level >= GapLevel {
			out = append(out, c.Code)
		}
	}
	return out
}

// Candidate is a mentor offered to a mentee.
type Candidate struct {
	Mentor    Mentor // Capacity: places left
	ProfileID int64
	Name      string
	Commune   string
	// Departement is the mentor's département code.
	Departement string
	Themes      []string
	// Pending: the mentee already asked this mentor (the request waits).
	Pending bool
}

// Query filters the mentors a mentee looks for: in person within MaxKm
// (0: none), at a distance when Remote, and with one of Themes (none:
// any).
type Query struct {
	MaxKm  int
	Remote bool
	Themes []string
}

// Ranked is a candidate with its figures and score.
type Ranked struct {
	Candidate
	Proposal
	// Score orders the list, smallest first (see Rank).
	Score int64
}

// PlaceWeight is what each free place of a mentor (up to MaxPlaceBonus)
// takes off the score, in kilometres.
const (
	PlaceWeight   = 3
	MaxPlaceBonus = 3
)

// Rank lists the candidates that may mentor the mentee under the query,
// best first. The score is the cost the matching minimises (distance in
// km + gapWeight × the mentee's gaps the mentor does not cover), minus
// PlaceWeight km per free place (at most MaxPlaceBonus places), so that
// a mentor with room is preferred among equals:
//
//	Score = round(km) + gapWeight × (gaps − covered) − 3 × min(places, 3)
//
// Ties go to the nearer mentor, then the smaller profile id.
func Rank(mentee Mentee, cands []Candidate, q Query, gapWeight int64) []Ranked {
	mentee.MaxKm, mentee.Remote = q.MaxKm, q.Remote
	var out []Ranked
	for _, c := range cands {
		if len(q.Themes) > 0 && !anyTheme(c.Themes, q.Themes) {
			continue
		}
		p, ok := Evaluate(mentee, c.Mentor, gapWeight)
		if !ok {
			continue
		}
		score := p.Cost - PlaceWeight*int64(min(c.Mentor.Capacity, MaxPlaceBonus))
		out = append(out, Ranked{Candidate: c, Proposal: p, Score: score})
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a], out[b]
		if x.Score != y.Score {
			return x.Score < y.Score
		}
		if x.DistanceKm != y.DistanceKm {
			return x.DistanceKm < y.DistanceKm
		}
		return x.ProfileID < y.ProfileID
	})
	return out
}

func anyTheme(have, want []string) bool {
	for _, w := range want {
		if slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, w) }) {
			return true
		}
	}
	return false
}

// Themes lists the distinct themes of the candidates, sorted without
// regard to case.
func Themes(cands []Candidate) []string {
	var out []string
	for _, c := range cands {
		for _, t := range c.Themes {
			if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, t) }) {
				out = append(out, t)
			}
		}
	}
	sort.Slice(out, func(a, b int) bool { return strings.ToLower(out[a]) < strings.ToLower(out[b]) })
	return out
}

// Reason is one part of an explanation: a catalogue key and its
// arguments. A distance argument is a Distance, formatted by the page in
// its language (« 4,8 km »).
type Reason struct {
	Key  string
	Args []any
}

// Distance is a distance in kilometres, an argument of a Reason.
type Distance float64

// Audience says who reads an explanation: the mentee (« vous ») or a
// coordinator (the third person).
type Audience string

// Audiences of an explanation.
const (
	ForMentee      Audience = "mentee"
	ForCoordinator Audience = "coordinator"
)

// Explain says why a pair fits, in parts joined with « · » by the page:
// « à 12 km · 3 compétences que vous n'avez pas encore · 1 place libre ».
// placesLeft are the mentor's free places to show.
func Explain(p Proposal, placesLeft int, a Audience) []Reason {
	var out []Reason
	switch {
	case p.Remote:
		out = append(out, Reason{"mentoring.reason.remote", []any{"Km", Distance(p.DistanceKm)}})
	case p.DistanceKm < 0.05: // people are placed at their commune's centre
		out = append(out, Reason{"mentoring.reason." + string(a) + ".same_commune", nil})
	default:
		out = append(out, Reason{"mentoring.reason.distance", []any{"Km", Distance(p.DistanceKm)}})
	}
	switch {
	case p.Gaps == 0:
		out = append(out, Reason{"mentoring.reason." + string(a) + ".no_gap", nil})
	case p.GapsCovered > 0:
		out = append(out, Reason{"mentoring.reason." + string(a) + ".gaps", []any{"Count", p.GapsCovered}})
	}
	out = append(out, Reason{"mentoring.reason.places", []any{"Count", placesLeft}})
	return out
}
