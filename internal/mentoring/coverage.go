package mentoring

import "time"

// Coverage is the headline figure of a territory: how many conseillers
// have an active pairing, and what mentors offer there. No person is
// named: the figures are public (the observatory), for what the reader
// may see.
type Coverage struct {
	Code string `json:"code"`
	Nom  string `json:"nom"`
	// Conseillers counted, and those Covered (an active pairing).
	Conseillers int `json:"conseillers"`
	Covered     int `json:"covered"`
	// Mentors offering mentoring (available, not on pause), their places
	// and the places left.
	Mentors    int `json:"mentors"`
	Places     int `json:"places"`
	PlacesLeft int `json:"places_left"`
	// Waiting requests of the territory's mentees.
	Waiting int `json:"waiting"`
}

// Alone is how many conseillers have no mentor.
func (c Coverage) Alone() int { return c.Conseillers - c.Covered }

// Percent is the share of conseillers covered, 0 to 100 (0 when there is
// no conseiller).
func (c Coverage) Percent() float64 {
	if c.Conseillers == 0 {
		return 0
	}
	return 100 * float64(c.Covered) / float64(c.Conseillers)
}

// Buckets of the coverage map: 0 no conseiller, then 1 below 25 %, 2
// below 50 %, 3 below 75 %, 4 from 75 %.
const Buckets = 5

// Bucket is the class of the territory on the coverage map.
func (c Coverage) Bucket() int {
	if c.Conseillers == 0 {
		return 0
	}
	switch p := c.Percent(); {
	case p < 25:
		return 1
	case p < 50:
		return 2
	case p < 75:
		return 3
	}
	return 4
}

// Sum adds rows up into one territory.
func Sum(code, nom string, rows []Coverage) Coverage {
	t := Coverage{Code: code, Nom: nom}
	for _, r := range rows {
		t.Conseillers += r.Conseillers
		t.Covered += r.Covered
		t.Mentors += r.Mentors
		t.Places += r.Places
		t.PlacesLeft += r.PlacesLeft
		t.Waiting += r.Waiting
	}
	return t
}

// Lonely is a conseiller without a mentor, as a coordinator of their
// territory sees them.
type Lonely struct {
	Person
	Commune string `json:"commune"`
	// Since is when they became alone: the end of their last pairing, or
	// the creation of their profile.
	Since time.Time `json:"since"`
	// NearestKm is the distance to the nearest mentor of their territory
	// with a free place (nil: none).
	NearestKm *float64 `json:"nearest_km,omitempty"`
	// Waiting counts their requests waiting for an answer.
	Waiting int `json:"waiting"`
}

// Load is a mentor's load, for the coordinator.
type Load struct {
	Person
	Capacity int  `json:"capacity"`
	Active   int  `json:"active"`
	Waiting  int  `json:"waiting"`
	Paused   bool `json:"paused"`
}

// Scope is a territory of coordination: a département, a région, or the
// whole country (both empty: administrators only).
type Scope struct {
	Departement string
	Region      string
}

// National reports whether the scope is the whole country.
func (s Scope) National() bool { return s.Departement == "" && s.Region == "" }

// Nearest returns the distance from e to the nearest mentor with a place
// in e's territory (nil when none): the figure shown next to a conseiller
// alone.
func Nearest(e Mentee, mentors []Mentor) *float64 {
	var best *float64
	for _, m := range mentors {
		if m.Capacity <= 0 || m.Territory != e.Territory || m.ID == e.ID {
			continue
		}
		d := distanceKm(e, m)
		if best == nil || d < *best {
			best = &d
		}
	}
	return best
}

// Reachable counts the mentors of the instance with a place who may
// mentor at least one of its mentees (Evaluate; forbidden pairs aside).
func Reachable(in Instance) int {
	n := 0
	for _, m := range in.Mentors {
		for _, e := range in.Mentees {
			if _, ok := Evaluate(e, m, 0); ok {
				n++
				break
			}
		}
	}
	return n
}
