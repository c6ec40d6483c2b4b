package recruiting_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
)

func fp(f float64) *float64 { return &f }

func day(y, m, d int) *time.Time {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return &t
}

var blocs = recruiting.Blocs{"REMN": {"REMN-B1", "REMN-B2", "REMN-B3"}, "MN": nil, "PIX": nil}

// Places of the fixtures (centres of communes).
var (
	lyon         = [2]float64{45.7578, 4.8320}
	villeurbanne = [2]float64{45.7719, 4.8902}
	saintEtienne = [2]float64{45.4347, 4.3903}
)

func seeker(id int64, name string, at *[2]float64, avail *time.Time, pix *int, holds ...string) recruiting.Seeker {
	s := recruiting.Seeker{ProfileID: id, Name: name, Holds: holds, AvailableFrom: avail, PixLevel: pix}
	if at != nil {
		s.Latitude, s.Longitude = fp(at[0]), fp(at[1])
	}
	return s
}

func offerAt(id int64, at *[2]float64, remote recruiting.Remote, start *time.Time, wants ...recruiting.Want) *recruiting.Offer {
	o := &recruiting.Offer{ID: id, Remote: remote, StartOn: start, Wants: wants, Status: recruiting.OfferPublished, ClosesOn: *day(2026, 12, 20)}
	if at != nil {
		o.Latitude, o.Longitude = fp(at[0]), fp(at[1])
	}
	return o
}

func TestCovers(t *testing.T) {
	for _, tt := range []struct {
		holds []string
		ref   string
		want  bool
	}{
		{[]string{"REMN/REMN-B1"}, "REMN/REMN-B1", true},
		{[]string{"REMN"}, "REMN/REMN-B2", true}, // the whole title covers its blocs
		{[]string{"REMN/REMN-B1"}, "REMN/REMN-B2", false},
		{[]string{"REMN/REMN-B1", "REMN/REMN-B2", "REMN/REMN-B3"}, "REMN", true}, // every bloc is the title
		{[]string{"REMN/REMN-B1", "REMN/REMN-B2"}, "REMN", false},
		{[]string{"REMN"}, "MN", false}, // a title that replaced another is another title
		{nil, "MN", false},
		{[]string{"MN"}, "MN", true},
	} {
		if got := blocs.Covers(tt.holds, tt.ref); got != tt.want {
			t.Errorf("Covers(%v, %s) = %v, want %v", tt.holds, tt.ref, got, tt.want)
		}
	}
}

type ranked struct {
	Name string
	Why  []recruiting.Reason
}

// TestRankSeekers: for an offer in Lyon that requires two blocs and
// welcomes the title MN, people are ranked by blocs covered, then distance,
// then availability, each with why.
func TestRankSeekers(t *testing.T) {
	o := offerAt(1, &lyon, recruiting.RemotePartial, day(2027, 1, 4),
		recruiting.Want{Ref: "REMN/REMN-B1", Required: true}, recruiting.Want{Ref: "REMN/REMN-B2", Required: true}, recruiting.Want{Ref: "MN"})
	ss := []recruiting.Seeker{
		seeker(1, "Bruno", &lyon, nil, nil, "REMN/REMN-B1"),
		seeker(2, "Amina", &villeurbanne, day(2027, 1, 11), nil, "REMN"),
		seeker(3, "Chloé", nil, day(2026, 11, 1), nil, "REMN/REMN-B1", "REMN/REMN-B2", "MN"),
		seeker(4, "Denis", nil, nil, nil),
		seeker(5, "Élise", &saintEtienne, day(2026, 12, 1), nil, "REMN/REMN-B1", "REMN/REMN-B2"),
		seeker(6, "Amaury", &saintEtienne, day(2027, 11, 2), nil, "REMN"),
	}
	var got []ranked
	for _, r := range recruiting.RankSeekers(o, ss, blocs, now) {
		got = append(got, ranked{r.Name, r.Fit.Why(recruiting.ForEmployer)})
	}
	req := func(n, total int) recruiting.Reason {
		return recruiting.Reason{Key: "recruiting.fit.required", Args: []any{"Count", n, "Total", total}}
	}
	welcome := func(n int) recruiting.Reason {
		return recruiting.Reason{Key: "recruiting.fit.welcome", Args: []any{"Count", n, "Total", 1}}
	}
	km := func(n int) recruiting.Reason {
		return recruiting.Reason{Key: "recruiting.fit.km", Args: []any{"Km", n}}
	}
	unknownKm := recruiting.Reason{Key: "recruiting.fit.distance_unknown"}
	want := []ranked{
		{"Chloé", []recruiting.Reason{req(2, 2), welcome(1), unknownKm, {Key: "recruiting.fit.available_now"}}},
		{"Amina", []recruiting.Reason{req(2, 2), welcome(0), km(5), {Key: "recruiting.fit.available_in.1", Args: []any{"Year", 0}}}},
		// Same blocs, same distance: the one available sooner first; a
		// month eleven months ahead carries its year.
		{"Élise", []recruiting.Reason{req(2, 2), welcome(0), km(50), {Key: "recruiting.fit.available_now"}}},
		{"Amaury", []recruiting.Reason{req(2, 2), welcome(0), km(50), {Key: "recruiting.fit.available_in.11", Args: []any{"Year", 2027}}}},
		{"Bruno", []recruiting.Reason{req(1, 2), welcome(0), {Key: "recruiting.fit.near"}, {Key: "recruiting.fit.available_unknown"}}},
		{"Denis", []recruiting.Reason{req(0, 2), welcome(0), unknownKm, {Key: "recruiting.fit.available_unknown"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ranking (-want +got):\n%s", diff)
	}
	// The missing required blocs are the bridges to the training path.
	f := recruiting.FitOf(o, ss[0], blocs, now)
	if len(f.Missing) != 1 || f.Missing[0].Code() != "REMN-B2" {
		t.Errorf("missing %v", f.Missing)
	}
}

// TestRankOffers: « offres qui vous correspondent » for one person, with
// the start of each job.
func TestRankOffers(t *testing.T) {
	s := seeker(1, "Amina", &villeurbanne, day(2026, 12, 10), nil, "REMN")
	offers := []*recruiting.Offer{
		offerAt(10, nil, recruiting.RemoteFull, nil, recruiting.Want{Ref: "MN", Required: true}),
		offerAt(11, &saintEtienne, recruiting.RemoteNone, day(2027, 2, 1)),
		offerAt(12, &lyon, recruiting.RemoteNone, day(2027, 2, 1), recruiting.Want{Ref: "REMN/REMN-B3", Required: true}),
		offerAt(13, &lyon, recruiting.RemoteNone, nil, recruiting.Want{Ref: "REMN", Required: true}),
	}
	var ids []int64
	var whys [][]recruiting.Reason
	for _, r := range recruiting.RankOffers(s, offers, blocs, now) {
		ids = append(ids, r.Offer.ID)
		whys = append(whys, r.Fit.Why(recruiting.ForCandidate))
	}
	// 12 and 13 cover their one required want, both at 5 km: 12 starts in
	// February (Amina is available in time), 13 as soon as possible (she is
	// a week late); 11 requires nothing; 10 requires a title she lacks.
	if diff := cmp.Diff([]int64{12, 13, 11, 10}, ids); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	want := [][]recruiting.Reason{
		{{Key: "recruiting.fit.required", Args: []any{"Count", 1, "Total", 1}}, {Key: "recruiting.fit.km", Args: []any{"Km", 5}}, {Key: "recruiting.fit.starts_in.2", Args: []any{"Year", 0}}},
		{{Key: "recruiting.fit.required_titles", Args: []any{"Count", 1, "Total", 1}}, {Key: "recruiting.fit.km", Args: []any{"Km", 5}}, {Key: "recruiting.fit.starts_now"}},
		{{Key: "recruiting.fit.no_required"}, {Key: "recruiting.fit.km", Args: []any{"Km", 54}}, {Key: "recruiting.fit.starts_in.2", Args: []any{"Year", 0}}},
		{{Key: "recruiting.fit.required_titles", Args: []any{"Count", 0, "Total", 1}}, {Key: "recruiting.fit.remote"}, {Key: "recruiting.fit.starts_now"}},
	}
	if diff := cmp.Diff(want, whys); diff != "" {
		t.Errorf("explanations (-want +got):\n%s", diff)
	}
}

// TestCandidateFilter: the search matches only what the seeker (built from
// the employer's view) holds.
func TestCandidateFilter(t *testing.T) {
	ss := []recruiting.Seeker{
		seeker(1, "Amina", &villeurbanne, day(2027, 1, 11), intp(4), "REMN"),
		seeker(2, "Bruno", &lyon, nil, intp(2), "REMN/REMN-B1"),
		seeker(3, "Chloé", nil, day(2026, 11, 1), nil, "REMN/REMN-B1", "REMN/REMN-B2"),
		seeker(4, "Élise", &saintEtienne, day(2026, 12, 1), intp(5), "REMN/REMN-B2"),
	}
	match := func(f recruiting.CandidateFilter) []string {
		var out []string
		for _, s := range ss {
			if f.Match(s, blocs) {
				out = append(out, s.Name)
			}
		}
		return out
	}
	for _, tt := range []struct {
		name string
		f    recruiting.CandidateFilter
		want []string
	}{
		{"everyone", recruiting.CandidateFilter{}, []string{"Amina", "Bruno", "Chloé", "Élise"}},
		{"holding bloc 2", recruiting.CandidateFilter{Holds: []string{"REMN/REMN-B2"}}, []string{"Amina", "Chloé", "Élise"}},
		{"holding the title", recruiting.CandidateFilter{Holds: []string{"REMN"}}, []string{"Amina"}},
		{"within 10 km of Lyon", recruiting.CandidateFilter{NearLat: fp(lyon[0]), NearLng: fp(lyon[1]), RadiusKm: 10}, []string{"Amina", "Bruno"}},
		{"available by the end of December", recruiting.CandidateFilter{AvailableBy: day(2026, 12, 31)}, []string{"Chloé", "Élise"}},
		{"Pix 4 or more", recruiting.CandidateFilter{MinPix: intp(4)}, []string{"Amina", "Élise"}},
	} {
		if diff := cmp.Diff(tt.want, match(tt.f)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestSeekerOfView: a seeker built from a view holds only what the view
// holds; the availability goes with « ouvert aux opportunités ».
func TestSeekerOfView(t *testing.T) {
	open := true
	p := &maillage.Profile{ID: 5, UserID: 9, DisplayName: "Nadia", CodeInsee: "69266", Latitude: fp(villeurbanne[0]), Longitude: fp(villeurbanne[1]),
		OpenToWork: &open, PixLevel: intp(4), Titles: []maillage.ProfileTitle{{CertificationCode: "REMN", BlocCode: "REMN-B1"}},
		Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic, maillage.FieldCommune: maillage.VisPrivate,
			maillage.FieldTitles: maillage.VisMembers, maillage.FieldPix: maillage.VisPrivate, maillage.FieldOpenToWork: maillage.VisMembers}}
	s := recruiting.SeekerOf(p.ViewFor(maillage.Viewer{UserID: 77}), day(2027, 1, 1))
	if s.Latitude != nil || s.PixLevel != nil || len(s.Holds) != 1 || s.AvailableFrom == nil {
		t.Errorf("member's seeker: %+v", s)
	}
	s = recruiting.SeekerOf(p.ViewFor(maillage.Anonymous), day(2027, 1, 1))
	if len(s.Holds) != 0 || s.AvailableFrom != nil {
		t.Errorf("anonymous seeker: %+v", s)
	}
}
