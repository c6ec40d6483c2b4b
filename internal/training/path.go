package training

import (
	"math"
	"slices"
	"sort"
	"time"

	"maillage/internal/maillage"
)

// Keys of path errors.
const (
	KeyPathNoTarget      = "training.path.no_target"
	KeyPathUnknownTarget = "training.path.unknown_certification" // Code
	KeyPathTooManyBlocs  = "training.path.too_many_blocs"        // Count, Max
)

// MaxMissingBlocs bounds the exact cover: the dynamic program runs over the
// 2^n subsets of the missing blocs.
const MaxMissingBlocs = 20

// HeldBloc is a bloc a person holds and how it is backed. Only certified
// blocs and blocs validated by a mentor count for a path.
type HeldBloc struct {
	Code     string                `json:"code"`
	Evidence maillage.EvidenceKind `json:"evidence"`
}

// Person is who a path is computed for.
type Person struct {
	Blocs    []HeldBloc
	Lat, Lon float64 // their commune
	RadiusKm float64 // how far they go to a session
	Remote   bool    // whether they accept remote sessions
}

// PathQuery asks for the path of a person towards a certification.
type PathQuery struct {
	Person Person
	Target string    // certification code; "" for the one they are closest to
	Now    time.Time // sessions must start after it
	// PerBloc caps the sessions listed for each missing bloc (the cover
	// still considers them all); 0 lists them all.
	PerBloc int
}

// Option is a session proposed in a path.
type Option struct {
	Session    *Session `json:"session"`
	Offer      *Offer   `json:"offer"`
	DistanceKm float64  `json:"distance_km"` // 0 for a remote session
	Covers     []string `json:"covers"`      // the missing blocs it covers
}

// BlocSessions lists the sessions that cover one missing bloc, nearest
// first, then soonest.
type BlocSessions struct {
	Bloc     string   `json:"bloc"`
	Sessions []Option `json:"sessions"`
}

// Path is what separates a person from a certification, and the sessions
// that would get them there.
type Path struct {
	Certification string         `json:"certification"`
	Held          []HeldBloc     `json:"held"`    // blocs of the certification held
	Missing       []string       `json:"missing"` // in rank order
	Sessions      []BlocSessions `json:"sessions"`
	// Cover is the fewest sessions that cover every missing bloc some
	// session covers; among those, the least total distance, then the one
	// that ends earliest (its last session ends first).
	Cover     []Option `json:"cover"`
	CoverKm   float64  `json:"cover_km"`
	Uncovered []string `json:"uncovered"` // missing blocs no session covers
}

// SessionIndex holds the sessions of every offer by bloc, so that a path
// reads only the sessions of the blocs it misses. Build it once; it is
// read-only afterwards and safe for concurrent use.
type SessionIndex struct {
	certs  *CertIndex
	byBloc map[string][]*entry
}

type entry struct {
	s        *Session
	o        *Offer
	lat, lon float64
	located  bool
}

// NewSessionIndex indexes the sessions of offers (Offer.Sessions) by the
// blocs their offer prepares; coords gives the centre of a commune.
func NewSessionIndex(certs *CertIndex, offers []*Offer, coords func(codeInsee string) (lat, lon float64, ok bool)) *SessionIndex {
	ix := &SessionIndex{certs: certs, byBloc: map[string][]*entry{}}
	for _, o := range offers {
		for _, s := range o.Sessions {
			e := &entry{s: s, o: o}
			if !s.Place.Remote && coords != nil {
				e.lat, e.lon, e.located = coords(s.Place.CodeInsee)
			}
			for _, b := range o.Blocs {
				ix.byBloc[b] = append(ix.byBloc[b], e)
			}
		}
	}
	for _, es := range ix.byBloc {
		sort.Slice(es, func(i, j int) bool { return es[i].s.Start.Before(es[j].s.Start) })
	}
	return ix
}

// counts reports whether a held bloc counts for a path.
func counts(h HeldBloc) bool {
	return h.Evidence == maillage.EvidenceCertified || h.Evidence == maillage.EvidenceValidated
}

// held returns the codes of the blocs a person holds (certified or
// validated), official codes mapped to the referential's.
func (ix *SessionIndex) held(p Person) map[string]maillage.EvidenceKind {
	out := map[string]maillage.EvidenceKind{}
	for _, h := range p.Blocs {
		if !counts(h) {
			continue
		}
		code := h.Code
		if b := ix.certs.Bloc(code); b != nil {
			code = b.Code
		}
		if _, ok := out[code]; !ok || h.Evidence == maillage.EvidenceCertified {
			out[code] = h.Evidence
		}
	}
	return out
}

// Closest returns the certification a person is closest to completing:
// among current certifications with blocs they do not all hold, valid at
// now first, then the fewest blocs missing, the most held, the most recent
// registration (the later end of validity, an unknown end counting as the
// latest), the code.
func (ix *SessionIndex) Closest(p Person, now time.Time) *maillage.Certification {
	held := ix.held(p)
	var best *maillage.Certification
	var bValid bool
	var bMissing, bHeld int
	for _, c := range ix.certs.Certifications() {
		if c.RetiredAt != nil {
			continue
		}
		missing, have := 0, 0
		for _, b := range c.Blocs {
			if b.RetiredAt != nil {
				continue
			}
			if _, ok := held[b.Code]; ok {
				have++
			} else {
				missing++
			}
		}
		if missing == 0 {
			continue
		}
		valid := c.ValidOn(now)
		better := best == nil ||
			(valid && !bValid) ||
			(valid == bValid && (missing < bMissing ||
				(missing == bMissing && (have > bHeld || (have == bHeld && (newer(c, best) ||
					(!newer(best, c) && c.Code < best.Code)))))))
		if better {
			best, bValid, bMissing, bHeld = c, valid, missing, have
		}
	}
	return best
}

// newer reports whether c's registration ends after d's (an unknown end
// is the latest).
func newer(c, d *maillage.Certification) bool {
	switch {
	case c.ValidUntil == nil:
		return d.ValidUntil != nil
	case d.ValidUntil == nil:
		return false
	}
	return c.ValidUntil.After(*d.ValidUntil)
}

// Path computes the path of q.Person towards q.Target.
func (ix *SessionIndex) Path(q PathQuery) (*Path, error) {
	var c *maillage.Certification
	if q.Target == "" {
		if c = ix.Closest(q.Person, q.Now); c == nil {
			return nil, maillage.Errorf(maillage.ENOTFOUND, KeyPathNoTarget)
		}
	} else if c = ix.certs.Certification(q.Target); c == nil {
		return nil, maillage.Errorf(maillage.ENOTFOUND, KeyPathUnknownTarget, "Code", q.Target)
	}
	held := ix.held(q.Person)
	path := &Path{Certification: c.Code, Held: []HeldBloc{}, Missing: []string{}, Sessions: []BlocSessions{}, Cover: []Option{}, Uncovered: []string{}}
	blocs := slices.Clone(c.Blocs)
	sort.SliceStable(blocs, func(i, j int) bool { return blocs[i].Rank < blocs[j].Rank })
	for _, b := range blocs {
		if b.RetiredAt != nil {
			continue
		}
		if ev, ok := held[b.Code]; ok {
			path.Held = append(path.Held, HeldBloc{Code: b.Code, Evidence: ev})
		} else {
			path.Missing = append(path.Missing, b.Code)
		}
	}
	k := len(path.Missing)
	if k == 0 {
		return path, nil
	}
	if k > MaxMissingBlocs {
		return nil, maillage.Errorf(maillage.EINVALID, KeyPathTooManyBlocs, "Count", k, "Max", MaxMissingBlocs)
	}
	bit := make(map[string]uint32, k)
	for i, code := range path.Missing {
		bit[code] = 1 << i
	}

	// The eligible sessions of each missing bloc, each session once.
	p := q.Person
	latSpan := p.RadiusKm/111.0 + 0.01 // degrees of latitude the radius spans, a cheap first cut
	seen := map[*entry]*candidate{}
	var cands []*candidate
	for _, code := range path.Missing {
		bs := BlocSessions{Bloc: code}
		var opts []*candidate
		for _, e := range ix.byBloc[code] {
			if !e.s.Start.After(q.Now) || e.s.Registration != RegistrationOpen {
				continue
			}
			if cd, ok := seen[e]; ok {
				opts = append(opts, cd)
				continue
			}
			var km float64
			if e.s.Place.Remote {
				if !p.Remote {
					continue
				}
			} else {
				if !e.located || math.Abs(e.lat-p.Lat) > latSpan {
					continue
				}
				km = maillage.DistanceKm(p.Lat, p.Lon, e.lat, e.lon)
				if km > p.RadiusKm {
					continue
				}
			}
			cd := &candidate{e: e, km: km, m: meters(km)}
			for _, b := range e.o.Blocs {
				cd.mask |= bit[b]
			}
			seen[e] = cd
			cands = append(cands, cd)
			opts = append(opts, cd)
		}
		sort.Slice(opts, func(a, b int) bool { return opts[a].less(opts[b]) })
		if q.PerBloc > 0 && len(opts) > q.PerBloc {
			opts = opts[:q.PerBloc]
		}
		for _, cd := range opts {
			bs.Sessions = append(bs.Sessions, cd.option(path.Missing))
		}
		if bs.Sessions == nil {
			bs.Sessions = []Option{}
		}
		path.Sessions = append(path.Sessions, bs)
	}

	cover, coverable := minimalCover(cands, k)
	for i, code := range path.Missing {
		if coverable&(1<<i) == 0 {
			path.Uncovered = append(path.Uncovered, code)
		}
	}
	var total int64
	for _, cd := range cover {
		path.Cover = append(path.Cover, cd.option(path.Missing))
		total += cd.m
	}
	path.CoverKm = float64(total) / 1000
	return path, nil
}

// candidate is an eligible session with the missing blocs it covers.
type candidate struct {
	e    *entry
	km   float64
	m    int64 // meters, as the cover compares distances
	mask uint32
}

// less orders candidates nearest first, then soonest, then by id.
func (c *candidate) less(d *candidate) bool {
	if c.m != d.m {
		return c.m < d.m
	}
	if !c.e.s.Start.Equal(d.e.s.Start) {
		return c.e.s.Start.Before(d.e.s.Start)
	}
	return c.e.s.ID < d.e.s.ID
}

func (c *candidate) option(missing []string) Option {
	o := Option{Session: c.e.s, Offer: c.e.o, DistanceKm: float64(c.m) / 1000, Covers: []string{}}
	for i, code := range missing {
		if c.mask&(1<<i) != 0 {
			o.Covers = append(o.Covers, code)
		}
	}
	return o
}

// CoverCost is how the cover compares sets of sessions: fewer sessions,
// then less total distance (meters), then an earlier last end.
type CoverCost struct {
	Sessions int
	Meters   int64
	LastEnd  time.Time
}

// Less reports whether c is a better cover than d.
func (c CoverCost) Less(d CoverCost) bool {
	if c.Sessions != d.Sessions {
		return c.Sessions < d.Sessions
	}
	if c.Meters != d.Meters {
		return c.Meters < d.Meters
	}
	return c.LastEnd.Before(d.LastEnd)
}

// CostOf returns the cost of a set of options as the cover compares them.
func CostOf(opts []Option) CoverCost {
	var c CoverCost
	for _, o := range opts {
		c.Sessions++
		c.Meters += meters(o.DistanceKm)
		if o.Session.End.After(c.LastEnd) {
			c.LastEnd = o.Session.End
		}
	}
	return c
}

// minimalCover returns the fewest candidates covering every bit some
// candidate covers (ties: total meters, then the latest end), exactly, by a
// dynamic program over the subsets of the k missing blocs: best[mask] is
// the best set covering mask, built from best[mask minus a candidate's
// bits] plus that candidate. Adding a candidate keeps the order of costs
// (counts and meters add up, the last end is a max), so the optimum of a
// mask extends the optimum of a smaller one. Only the best candidate of
// each distinct bit set can be part of an optimum, which bounds the work to
// 2^k × 2^k.
func minimalCover(cands []*candidate, k int) ([]*candidate, uint32) {
	bestOf := map[uint32]*candidate{}
	var coverable uint32
	for _, c := range cands {
		if c.mask == 0 {
			continue
		}
		coverable |= c.mask
		b, ok := bestOf[c.mask]
		if !ok || c.m < b.m || (c.m == b.m && (c.e.s.End.Before(b.e.s.End) || (c.e.s.End.Equal(b.e.s.End) && c.e.s.ID < b.e.s.ID))) {
			bestOf[c.mask] = c
		}
	}
	if coverable == 0 {
		return nil, 0
	}
	masks := make([]uint32, 0, len(bestOf))
	for m := range bestOf {
		masks = append(masks, m)
	}
	slices.Sort(masks)

	type state struct {
		ok   bool
		cost CoverCost
		prev uint32
		pick *candidate
	}
	n := 1 << k
	dp := make([]state, n)
	dp[0] = state{ok: true}
	for mask := 1; mask < n; mask++ {
		um := uint32(mask)
		if um&^coverable != 0 {
			continue
		}
		// Each candidate that covers the lowest bit of mask: some set of
		// the optimum covers it, so trying only those is enough.
		low := um & -um
		for _, cm := range masks {
			if cm&low == 0 {
				continue
			}
			sub := um &^ cm
			if !dp[sub].ok {
				continue
			}
			c := bestOf[cm]
			cost := dp[sub].cost
			cost.Sessions++
			cost.Meters += c.m
			if c.e.s.End.After(cost.LastEnd) {
				cost.LastEnd = c.e.s.End
			}
			if !dp[mask].ok || cost.Less(dp[mask].cost) {
				dp[mask] = state{ok: true, cost: cost, prev: sub, pick: c}
			}
		}
	}
	var out []*candidate
	for m := coverable; m != 0; m = dp[m].prev {
		out = append(out, dp[m].pick)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].e.s.Start.Equal(out[j].e.s.Start) {
			return out[i].e.s.Start.Before(out[j].e.s.Start)
		}
		return out[i].e.s.ID < out[j].e.s.ID
	})
	return out, coverable
}

// meters is a distance in whole meters, as the cover compares them.
func meters(km float64) int64 { return int64(math.Round(km * 1000)) }
