// Package mentoring holds the rules of mentoring: who may mentor whom, and
// the exact optimal matching that proposes pairs to a coordinator.
//
// The matching (Match) first maximises the number of mentees covered, then
// minimises the total cost of the pairs. It is an exact min-cost flow on the
// network
//
//	mentee --(cap 1, cost c)--> mentor --(cap = remaining places, cost 0)--> sink
//	mentee --(cap 1, cost M)--> sink  (the mentee stays uncovered)
//
// where every mentee supplies one unit and M > mentees × (largest arc cost),
// so that covering one more mentee always pays more than any change of cost.
// No maintained Go library solves min-cost flow (or even this transportation
// problem) well, so the solver is written here: successive shortest paths
// with potentials (Dijkstra), on a pruned network whose optimality on the
// full network is then proven arc by arc (see Match).
//
// The code is pure: no database, no clock, no text for people (a Proposal
// carries numbers; pages turn them into sentences).
package mentoring

import (
	"math"
	"strings"

	"maillage/internal/maillage"
)

// Metropole is the territory key of metropolitan France, Corsica included.
const Metropole = "metropole"

// TerritoryOf returns the matching territory of a département code:
// Metropole for the départements of metropolitan France (01–95, 2A, 2B),
// and for the overseas départements (971 Guadeloupe, 972 Martinique, 973
// Guyane, 974 La Réunion, 976 Mayotte) and collectivités (975, 977, 978,
// 984, 986, 987, 988, 989) the code itself: each of them matches only
// within itself. An unknown code gives "".
func TerritoryOf(codeDepartement string) string {
	c := strings.ToUpper(strings.TrimSpace(codeDepartement))
	switch {
	case c == "2A" || c == "2B":
		return Metropole
	case len(c) == 2 && isDigits(c) && c != "00" && c != "96" && c != "97" && c != "98" && c != "99":
		return Metropole
	case len(c) == 3 && isDigits(c) && (c[:2] == "97" || c[:2] == "98"):
		return c
	}
	return ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Mentee is a conseiller who has no mentor.
type Mentee struct {
	ID       int64
	Lat, Lng float64
	// MaxKm is the farthest an in-person mentor may be; 0 (or less) means
	// no in-person mentoring: only a remote one, if Remote and the mentor
	// is remote too.
	MaxKm int
	// Remote: the mentee accepts a mentor at any distance within the
	// territory, if the mentor accepts remote too.
	Remote bool
	// Territory is TerritoryOf(the département): people match only within
	// one territory.
	Territory string
	// Gaps are the competency codes of the referential the mentee holds at
	// a lower level than wanted, or not at all.
	Gaps []string
}

// Mentor is a mediator who offers mentoring.
type Mentor struct {
	ID       int64
	Lat, Lng float64
	// RadiusKm is the farthest an in-person mentee may be; 0 (or less)
	// means no in-person mentoring.
	RadiusKm int
	// Remote: the mentor accepts a mentee at any distance within the
	// territory, if the mentee accepts remote too.
	Remote bool
	// Capacity is the number of places left (a full mentor has 0).
	Capacity    int
	Territory   string
	Competences []string
}

// Pair names a mentee and a mentor.
type Pair struct{ MenteeID, MentorID int64 }

// Instance is what the matching works on.
type Instance struct {
	Mentees []Mentee
	Mentors []Mentor
	// Forbidden pairs are never proposed: requests declined, pairings
	// ended before.
	Forbidden []Pair
}

// Options tune the matching.
type Options struct {
	// GapWeight is what one of the mentee's gaps that the mentor does not
	// cover adds to the cost of a pair, in kilometres: with 10, a mentor at
	// 25 km who covers every gap is as good as one at 5 km who misses two.
	GapWeight int64
	// Nearest is how many arcs (the cheapest) each mentee keeps in the
	// pruned network that is solved first; the result is proven optimal on
	// the full network either way. 0 solves the full network directly.
	Nearest int
}

// Defaults of Options.
const (
	DefaultGapWeight = 10
	DefaultNearest   = 12
)

// DefaultOptions returns the options used by the portal.
func DefaultOptions() Options {
	return Options{GapWeight: DefaultGapWeight, Nearest: DefaultNearest}
}

// Proposal is one pair proposed to the coordinator, with the figures a page
// needs to explain it (« à 12 km · 3 compétences que vous n'avez pas encore
// · 1 place libre »).
//
// Cost is the integer cost minimised by the matching:
//
//	Cost = round(DistanceKm) + GapWeight × (Gaps − GapsCovered)
//
// where DistanceKm is the great-circle distance between the two
// (maillage.DistanceKm, rounded half away from zero to whole kilometres;
// a remote pair counts its distance too, so that nearer mentors are
// preferred), Gaps is the number of distinct competency gaps of the mentee
// and GapsCovered how many of them are among the mentor's competencies.
type Proposal struct {
	MenteeID    int64
	MentorID    int64
	DistanceKm  float64
	Cost        int64
	Gaps        int
	GapsCovered int
	// Remote: the pair is beyond in-person reach (farther than the mentee's
	// MaxKm or the mentor's RadiusKm) and works at a distance only.
	Remote bool
	// PlacesLeft is the mentor's places once every proposal of the result
	// is accepted (for Evaluate, the mentor's Capacity).
	PlacesLeft int
}

// Result is a matching.
type Result struct {
	Proposals []Proposal // in the order of the mentees in the instance
	Uncovered []int64    // mentees left without a mentor, in instance order
	Covered   int
	// Cost is the sum of the proposals' costs.
	Cost int64
	// BigM is the cost of leaving one mentee uncovered: BigM = mentees ×
	// CostBound + 1, where CostBound is at least the cost of every feasible
	// pair of the instance.
	BigM int64
	// Objective is Cost + BigM × len(Uncovered): the objective of the
	// min-cost flow network that WriteDIMACS writes.
	Objective int64
	// DistanceKm is the sum of the proposals' distances.
	DistanceKm float64
	Stats      Stats
}

// Stats tell how the matching was computed.
type Stats struct {
	// Arcs is the number of feasible mentee–mentor arcs of the full network
	// (each of them is checked in the proof of optimality).
	Arcs int
	// Kept is the number of mentee–mentor arcs of the network that was
	// solved (the pruned one, with the arcs added back).
	Kept int
	// Rounds is the number of solves: 1, plus one per round that added
	// back dropped arcs of negative reduced cost.
	Rounds int
	// Added is the number of arcs added back.
	Added int
	// Checked is the number of arcs whose reduced cost was checked one by
	// one in the proof (the others at once, by mentee: see Match).
	Checked int
	// Searches is the number of shortest-path searches (Dijkstra).
	Searches int
}

// Evaluate tells whether mentor m may mentor mentee e (forbidden pairs
// aside) and with which figures. A pair is feasible when the two are
// different people of the same territory, the mentor has a place left, and
// either the distance is at most min(e.MaxKm, m.RadiusKm) (both positive),
// or both accept remote (then distance does not limit).
func Evaluate(e Mentee, m Mentor, gapWeight int64) (Proposal, bool) {
	if e.ID == m.ID || e.Territory != m.Territory || m.Capacity <= 0 {
		return Proposal{}, false
	}
	d := maillage.DistanceKm(e.Lat, e.Lng, m.Lat, m.Lng)
	inPerson := e.MaxKm > 0 && m.RadiusKm > 0 && d <= float64(min(e.MaxKm, m.RadiusKm))
	if !inPerson && !(e.Remote && m.Remote) {
		return Proposal{}, false
	}
	gaps, covered := 0, 0
	seen := make(map[string]bool, len(e.Gaps))
	for _, g := range e.Gaps {
		if seen[g] {
			continue
		}
		seen[g] = true
		gaps++
		for _, c := range m.Competences {
			if c == g {
				covered++
				break
			}
		}
	}
	return Proposal{
		MenteeID: e.ID, MentorID: m.ID, DistanceKm: d,
		Cost: roundKm(d) + gapWeight*int64(gaps-covered),
		Gaps: gaps, GapsCovered: covered, Remote: !inPerson, PlacesLeft: m.Capacity,
	}, true
}

// roundKm rounds a distance to whole kilometres, half away from zero.
func roundKm(d float64) int64 { return int64(math.Round(d)) }

func distanceKm(e Mentee, m Mentor) float64 { return maillage.DistanceKm(e.Lat, e.Lng, m.Lat, m.Lng) }
