package recruiting

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"maillage/internal/maillage"
)

// Seeker is a person as the fit sees them: only what the viewer may see.
// Build it from a profile view (SeekerOf), never from a whole profile
// shown to someone else, so a hidden field can neither match, rank nor
// explain anything.
type Seeker struct {
	ProfileID     int64
	UserID        int64
	Name          string
	Kind          maillage.ProfileKind
	Commune       string
	Departement   string
	Latitude      *float64
	Longitude     *float64
	Holds         []string // maillage.TitleRef of the titles and blocs held
	PixLevel      *int
	AvailableFrom *time.Time
}

// SeekerOf builds the seeker of a profile view (Profile.ViewFor of the
// viewer). available is the day the person said they are available from;
// it goes with the « ouvert aux opportunités » field, and is dropped when
// the view does not hold that field.
func SeekerOf(view *maillage.Profile, available *time.Time) Seeker {
	s := Seeker{ProfileID: view.ID, UserID: view.UserID, Name: view.DisplayName, Kind: view.Kind, Commune: view.Commune,
		Departement: view.CodeDepartement, Latitude: view.Latitude, Longitude: view.Longitude, PixLevel: view.PixLevel}
	for _, t := range view.Titles {
		s.Holds = append(s.Holds, maillage.TitleRef(t))
	}
	if view.OpenToWork != nil {
		s.AvailableFrom = available
	}
	return s
}

// Blocs maps a certification code to the codes of its live blocs (from the
// referential): holding every bloc of a title counts as holding the title.
type Blocs map[string][]string

// Covers reports whether someone holding these titles and blocs covers a
// want: a bloc is covered by itself or by its whole title; a title by
// itself or by every one of its blocs (when it has any).
func (b Blocs) Covers(holds []string, ref string) bool {
	cert, bloc, _ := strings.Cut(ref, "/")
	if slices.Contains(holds, cert) {
		return true
	}
	if bloc != "" {
		return slices.Contains(holds, ref)
	}
	blocs := b[cert]
	if len(blocs) == 0 {
		return false
	}
	for _, bl := range blocs {
		if !slices.Contains(holds, cert+"/"+bl) {
			return false
		}
	}
	return true
}

// Fit is how a person and an offer match: the titles and blocs wanted and
// covered, the distance, and when the person is available against when
// the job starts.
type Fit struct {
	Required       int    // required wants
	RequiredMet    int    // of which covered
	RequiredTitles bool   // a required want is a whole title (not only blocs)
	Missing        []Want // required wants not covered: the bridges to the training path
	Welcome        int
	WelcomeMet     int
	RemoteFull     bool     // the job is done at a distance: distance does not matter
	DistanceKm     *float64 // nil: unknown (a commune missing or not visible)
	Available      *time.Time
	Start          *time.Time // nil: as soon as possible
	// LateDays is how many days after the start the person is available
	// (0 when in time); -1 when their availability is not known.
	LateDays int
	today    time.Time
}

// FitOf measures how a seeker fits an offer on the day of now.
func FitOf(o *Offer, s Seeker, blocs Blocs, now time.Time) Fit {
	f := Fit{RemoteFull: o.Remote == RemoteFull, Available: s.AvailableFrom, Start: o.StartOn, today: maillage.Today(now), LateDays: -1}
	for _, w := range o.Wants {
		met := blocs.Covers(s.Holds, w.Ref)
		switch {
		case w.Required:
			f.Required++
			f.RequiredTitles = f.RequiredTitles || w.Bloc() == ""
			if met {
				f.RequiredMet++
			} else {
				f.Missing = append(f.Missing, w)
			}
		default:
			f.Welcome++
			if met {
				f.WelcomeMet++
			}
		}
	}
	if o.Latitude != nil && o.Longitude != nil && s.Latitude != nil && s.Longitude != nil {
		d := maillage.DistanceKm(*o.Latitude, *o.Longitude, *s.Latitude, *s.Longitude)
		f.DistanceKm = &d
	}
	if s.AvailableFrom != nil {
		start := f.today
		if o.StartOn != nil && o.StartOn.After(start) {
			start = *o.StartOn
		}
		f.LateDays = max(0, int(s.AvailableFrom.Sub(start).Hours()/24))
	}
	return f
}

// Km is the distance in whole kilometres (what the ranking compares: a few
// hundred metres do not make one person fit better), -1 when unknown.
func (f Fit) Km() int {
	if f.DistanceKm == nil {
		return -1
	}
	return int(math.Round(*f.DistanceKm))
}

// Compare orders fits, best first: fewer required wants missing, more
// required wants met, more welcome wants met, then nearer (a remote job
// is near everyone; an unknown distance comes last), then available
// sooner after the start (unknown last).
func Compare(a, b Fit) int {
	if c := cmp.Compare(a.Required-a.RequiredMet, b.Required-b.RequiredMet); c != 0 {
		return c
	}
	if c := cmp.Compare(b.RequiredMet, a.RequiredMet); c != 0 {
		return c
	}
	if c := cmp.Compare(b.WelcomeMet, a.WelcomeMet); c != 0 {
		return c
	}
	if c := cmp.Compare(a.distanceRank(), b.distanceRank()); c != 0 {
		return c
	}
	return cmp.Compare(a.lateRank(), b.lateRank())
}

func (f Fit) distanceRank() int {
	switch {
	case f.RemoteFull:
		return 0
	case f.DistanceKm == nil:
		return math.MaxInt
	}
	return f.Km()
}

func (f Fit) lateRank() int {
	if f.LateDays < 0 {
		return math.MaxInt
	}
	return f.LateDays
}

// Reason is one part of an explanation: a catalogue key and its arguments.
type Reason struct {
	Key  string
	Args []any
}

// Side is who reads an explanation: the employer reads when the person is
// available; the candidate reads when the job starts.
type Side int

// The sides of an explanation.
const (
	ForEmployer Side = iota
	ForCandidate
)

// Why explains a fit, part by part (shown joined by « · »): « 2 blocs
// requis sur 2 · à 8 km · disponible en janvier ».
func (f Fit) Why(side Side) []Reason {
	var out []Reason
	switch {
	case f.Required == 0:
		out = append(out, Reason{Key: "recruiting.fit.no_required"})
	case f.RequiredTitles:
		out = append(out, Reason{Key: "recruiting.fit.required_titles", Args: []any{"Count", f.RequiredMet, "Total", f.Required}})
	default:
		out = append(out, Reason{Key: "recruiting.fit.required", Args: []any{"Count", f.RequiredMet, "Total", f.Required}})
	}
	if f.Welcome > 0 {
		out = append(out, Reason{Key: "recruiting.fit.welcome", Args: []any{"Count", f.WelcomeMet, "Total", f.Welcome}})
	}
	switch {
	case f.RemoteFull:
		out = append(out, Reason{Key: "recruiting.fit.remote"})
	case f.DistanceKm == nil:
		out = append(out, Reason{Key: "recruiting.fit.distance_unknown"})
	case *f.DistanceKm < 1:
		out = append(out, Reason{Key: "recruiting.fit.near"})
	default:
		out = append(out, Reason{Key: "recruiting.fit.km", Args: []any{"Km", f.Km()}})
	}
	switch side {
	case ForEmployer:
		switch {
		case f.Available == nil:
			out = append(out, Reason{Key: "recruiting.fit.available_unknown"})
		case !f.Available.After(f.today):
			out = append(out, Reason{Key: "recruiting.fit.available_now"})
		default:
			out = append(out, f.month("recruiting.fit.available_in.", *f.Available))
		}
	case ForCandidate:
		if f.Start == nil || !f.Start.After(f.today) {
			out = append(out, Reason{Key: "recruiting.fit.starts_now"})
		} else {
			out = append(out, f.month("recruiting.fit.starts_in.", *f.Start))
		}
	}
	return out
}

// month names a month (« en janvier »), with its year when it is eleven
// months or more ahead, where the month alone would be ambiguous (« en
// novembre 2027 » in December 2026).
func (f Fit) month(prefix string, t time.Time) Reason {
	year := 0
	if (t.Year()-f.today.Year())*12+int(t.Month())-int(f.today.Month()) >= 11 {
		year = t.Year()
	}
	return Reason{Key: prefix + strconv.Itoa(int(t.Month())), Args: []any{"Year", year}}
}

// RankedSeeker is a seeker with their fit for an offer.
type RankedSeeker struct {
	Seeker
	Fit Fit
}

// RankSeekers orders seekers for an offer, best first (Compare; then by
// name, then profile id, so the order is stable).
func RankSeekers(o *Offer, ss []Seeker, blocs Blocs, now time.Time) []RankedSeeker {
	out := make([]RankedSeeker, len(ss))
	for i, s := range ss {
		out[i] = RankedSeeker{Seeker: s, Fit: FitOf(o, s, blocs, now)}
	}
	slices.SortStableFunc(out, func(a, b RankedSeeker) int {
		return cmp.Or(Compare(a.Fit, b.Fit), strings.Compare(a.Name, b.Name), cmp.Compare(a.ProfileID, b.ProfileID))
	})
	return out
}

// RankedOffer is an offer with a seeker's fit for it.
type RankedOffer struct {
	Offer *Offer
	Fit   Fit
}

// RankOffers orders offers for a seeker, best first (Compare; then the
// sooner closing, then id).
func RankOffers(s Seeker, offers []*Offer, blocs Blocs, now time.Time) []RankedOffer {
	out := make([]RankedOffer, len(offers))
	for i, o := range offers {
		out[i] = RankedOffer{Offer: o, Fit: FitOf(o, s, blocs, now)}
	}
	slices.SortStableFunc(out, func(a, b RankedOffer) int {
		return cmp.Or(Compare(a.Fit, b.Fit), a.Offer.ClosesOn.Compare(b.Offer.ClosesOn), cmp.Compare(a.Offer.ID, b.Offer.ID))
	})
	return out
}

// Radii are the distances (km) an employer or a candidate may search within.
var Radii = []int{10, 20, 30, 50, 100}

// DefaultRadius is the radius when none is chosen.
const DefaultRadius = 30

// CandidateFilter is an employer's search among the people open to
// opportunities: titles and blocs held (each must be covered), near a
// point, available by a day, at least a Pix level. Match applies it to a
// seeker built from a view: a field the employer may not see never matches.
type CandidateFilter struct {
	Holds       []string
	NearLat     *float64
	NearLng     *float64
	RadiusKm    int
	AvailableBy *time.Time
	MinPix      *int
	Offset      int
	Limit       int
}

// Match reports whether a seeker passes the filter.
func (f CandidateFilter) Match(s Seeker, blocs Blocs) bool {
	for _, ref := range f.Holds {
		if !blocs.Covers(s.Holds, ref) {
			return false
		}
	}
	if f.NearLat != nil && f.NearLng != nil {
		if s.Latitude == nil || s.Longitude == nil || maillage.DistanceKm(*f.NearLat, *f.NearLng, *s.Latitude, *s.Longitude) > float64(f.RadiusKm) {
			return false
		}
	}
	if f.AvailableBy != nil && (s.AvailableFrom == nil || s.AvailableFrom.After(*f.AvailableBy)) {
		return false
	}
	if f.MinPix != nil && (s.PixLevel == nil || *s.PixLevel < *f.MinPix) {
		return false
	}
	return true
}
