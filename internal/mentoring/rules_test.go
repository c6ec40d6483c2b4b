package mentoring_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
)

// Every pair of states of both machines: only the listed moves are allowed.
func TestMachinesEveryPair(t *testing.T) {
	for _, tt := range []struct {
		m     maillage.Machine
		moves []string
	}{
		{mentoring.RequestMachine, []string{"envoyee>acceptee", "envoyee>refusee", "envoyee>expiree", "envoyee>annulee"}},
		{mentoring.PairingMachine, []string{"active>terminee"}},
	} {
		for _, from := range tt.m.States {
			for _, to := range tt.m.States {
				want := false
				for _, mv := range tt.moves {
					want = want || mv == from+">"+to
				}
				if got := tt.m.Can(from, to); got != want {
					t.Errorf("%s: %s → %s allowed=%v, want %v", tt.m.Name, from, to, got, want)
				}
				if err := tt.m.Check(from, to); (err == nil) != want || (err != nil && maillage.ErrorCode(err) != maillage.ECONFLICT) {
					t.Errorf("%s: Check(%s, %s) = %v", tt.m.Name, from, to, err)
				}
			}
		}
		for _, s := range tt.m.States {
			if tt.m.Final(s) != (s != tt.m.States[0]) {
				t.Errorf("%s: Final(%s) = %v", tt.m.Name, s, tt.m.Final(s))
			}
		}
	}
}

// lyon and villeurbanne are 5 km apart; marseille is 280 km away.
var (
	lyon         = [2]float64{45.758, 4.835}
	villeurbanne = [2]float64{45.7719, 4.8902}
	marseille    = [2]float64{43.2965, 5.3698}
)

func goodContext() mentoring.RequestContext {
	return mentoring.RequestContext{
		Mentee:       mentoring.Mentee{ID: 1, Lat: lyon[0], Lng: lyon[1], MaxKm: 20, Territory: mentoring.Metropole},
		Mentor:       mentoring.Mentor{ID: 2, Lat: villeurbanne[0], Lng: villeurbanne[1], RadiusKm: 10, Capacity: 1, Territory: mentoring.Metropole},
		MenteeUserID: 1, MentorUserID: 2, MenteeLocated: true, MentorLocated: true, MentorOffers: true,
	}
}

func TestCheckRequest(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edit  func(c *mentoring.RequestContext)
		field string
		key   string
	}{
		{"fine", func(c *mentoring.RequestContext) {}, "", ""},
		{"self", func(c *mentoring.RequestContext) { c.MentorUserID = 1; c.Mentor.ID = 1 }, "mentor_id", "mentoring.request.self"},
		{"not a mentor", func(c *mentoring.RequestContext) { c.MentorOffers = false }, "mentor_id", "mentoring.request.not_mentor"},
		{"paused", func(c *mentoring.RequestContext) { c.MentorPaused = true }, "mentor_id", "mentoring.request.paused"},
		{"already paired", func(c *mentoring.RequestContext) { c.Paired = true }, "mentor_id", "mentoring.request.paired"},
		{"twice", func(c *mentoring.RequestContext) { c.Pending = true }, "mentor_id", "mentoring.request.twice"},
		{"declined before", func(c *mentoring.RequestContext) { c.Refused = true }, "mentor_id", "mentoring.request.refused_before"},
		{"full mentor", func(c *mentoring.RequestContext) { c.Mentor.Capacity = 0 }, "mentor_id", "mentoring.request.full"},
		{"three open", func(c *mentoring.RequestContext) { c.OpenRequests = 3 }, "mentor_id", "mentoring.request.too_many"},
		{"three open, by a coordinator", func(c *mentoring.RequestContext) { c.OpenRequests = 3; c.ByCoordinator = true }, "", ""},
		{"two open", func(c *mentoring.RequestContext) { c.OpenRequests = 2 }, "", ""},
		{"no commune", func(c *mentoring.RequestContext) { c.MenteeLocated = false }, "mentor_id", "mentoring.request.no_commune"},
		{"overseas mentor", func(c *mentoring.RequestContext) { c.Mentor.Territory = "974" }, "mentor_id", "mentoring.request.other_territory"},
		{"too far", func(c *mentoring.RequestContext) { c.Mentor.Lat, c.Mentor.Lng = marseille[0], marseille[1] }, "max_km", "mentoring.request.too_far"},
		{"beyond the mentee's distance", func(c *mentoring.RequestContext) {
			c.Mentor.Lat, c.Mentor.Lng, c.Mentee.MaxKm, c.Mentor.RadiusKm = 45.434, 4.39, 40, 100 // Saint-Étienne, 50 km
		}, "max_km", "mentoring.request.too_far"},
		{"far but both remote", func(c *mentoring.RequestContext) {
			c.Mentor.Lat, c.Mentor.Lng = marseille[0], marseille[1]
			c.Mentor.Remote, c.Mentee.Remote = true, true
		}, "", ""},
		{"remote only, mentor in person only", func(c *mentoring.RequestContext) { c.Mentee.MaxKm = 0; c.Mentee.Remote = true }, "max_km", "mentoring.request.not_remote"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := goodContext()
			tt.edit(&c)
			ps := mentoring.CheckRequest(c)
			if tt.key == "" {
				if len(ps) > 0 {
					t.Fatalf("refused: %+v", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Field != tt.field || ps[0].Key != tt.key {
				t.Fatalf("got %+v, want %s on %s", ps, tt.key, tt.field)
			}
		})
	}
}

func TestRequestInput(t *testing.T) {
	for _, tt := range []struct {
		in     mentoring.RequestInput
		fields []string
	}{
		{mentoring.RequestInput{MentorID: 3, MaxKm: 20, Message: "Bonjour"}, nil},
		{mentoring.RequestInput{MentorID: 3, MaxKm: 0, Remote: true}, nil},
		{mentoring.RequestInput{MentorID: 0, MaxKm: 20}, []string{"mentor_id"}},
		{mentoring.RequestInput{MentorID: 3, MaxKm: 7}, []string{"max_km"}},
		{mentoring.RequestInput{MentorID: 3, MaxKm: 0}, []string{"max_km"}},
		{mentoring.RequestInput{MentorID: 3, MaxKm: 20, Message: "a\x00b"}, []string{"message"}},
		{mentoring.RequestInput{MentorID: 3, MaxKm: 20, Message: strings.Repeat("é", 2001)}, []string{"message"}},
	} {
		tt.in.Normalize()
		if diff := cmp.Diff(tt.fields, fieldsOf(tt.in.Validate())); diff != "" {
			t.Errorf("%+v: %s", tt.in, diff)
		}
	}
}

func fieldsOf(ps maillage.Problems) []string {
	if len(ps) == 0 {
		return nil
	}
	return ps.Fields()
}

func TestAnswerEndPause(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	if ps := (&mentoring.AnswerInput{Accept: true}).Validate(0); ps.Key("accept") != "mentoring.answer.full" {
		t.Errorf("accepting while full: %+v", ps)
	}
	if ps := (&mentoring.AnswerInput{Accept: false, Message: " merci \n"}).Validate(0); len(ps) > 0 {
		t.Errorf("declining while full: %+v", ps)
	}
	if ps := (&mentoring.EndInput{Reason: "  "}).Validate(); ps.Key("reason") != "mentoring.end.reason.required" {
		t.Errorf("no reason: %+v", ps)
	}
	in := mentoring.EndInput{Reason: "\n Objectifs atteints "}
	if ps := in.Validate(); len(ps) > 0 || in.Reason != "Objectifs atteints" {
		t.Errorf("reason: %+v %q", ps, in.Reason)
	}
	today := maillage.Today(now)
	tomorrow := today.AddDate(0, 0, 1)
	if ps := (&mentoring.PauseInput{Until: &today}).Validate(now); !ps.Has("until") {
		t.Error("pause until today accepted")
	}
	if ps := (&mentoring.PauseInput{Until: &tomorrow}).Validate(now); len(ps) > 0 {
		t.Errorf("pause until tomorrow: %+v", ps)
	}
	if ps := (&mentoring.PauseInput{}).Validate(now); len(ps) > 0 {
		t.Errorf("open pause: %+v", ps)
	}
}

func TestPermissions(t *testing.T) {
	r := mentoring.Request{Mentee: mentoring.Person{UserID: 1}, Mentor: mentoring.Person{UserID: 2}}
	p := mentoring.Pairing{Mentee: mentoring.Person{UserID: 1}, Mentor: mentoring.Person{UserID: 2}, Status: mentoring.PairingActive}
	admin := maillage.Viewer{UserID: 9, Admin: true}
	for _, tt := range []struct {
		v                                     maillage.Viewer
		answer, cancel, involved, see, valide bool
	}{
		{maillage.Viewer{UserID: 1}, false, true, true, true, false},
		{maillage.Viewer{UserID: 2}, true, false, true, true, true},
		{maillage.Viewer{UserID: 3}, false, false, false, false, false},
		{admin, false, false, false, false, false},
		{maillage.Anonymous, false, false, false, false, false},
	} {
		got := [5]bool{r.CanAnswer(tt.v), r.CanCancel(tt.v), r.Involves(tt.v), p.Involves(tt.v), p.CanValidate(tt.v)}
		want := [5]bool{tt.answer, tt.cancel, tt.involved, tt.see, tt.valide}
		if got != want {
			t.Errorf("viewer %+v: got %v, want %v", tt.v, got, want)
		}
	}
	p.Status = mentoring.PairingEnded
	if p.CanValidate(maillage.Viewer{UserID: 2}) {
		t.Error("validation on an ended pairing")
	}
}

func TestMeetingValidate(t *testing.T) {
	now := time.Date(2026, 12, 3, 23, 30, 0, 0, time.UTC) // 4 December in Paris
	rules := mentoring.MeetingRules{Now: now, Started: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC),
		Competences: map[string]bool{"1.1": true, "4.2": true}, Mentor: true}
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	good := func() mentoring.MeetingInput {
		return mentoring.MeetingInput{Date: day(2), DurationMin: 60, Format: "visio", Topics: []string{"1.1", "1.1"}, Notes: "Démarches."}
	}
	for _, tt := range []struct {
		name   string
		edit   func(m *mentoring.MeetingInput, r *mentoring.MeetingRules)
		fields []string
	}{
		{"fine", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) {}, nil},
		{"today in Paris", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) { m.Date = day(4) }, nil},
		{"tomorrow", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) { m.Date = day(5) }, []string{"date"}},
		{"no date", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) { m.Date = time.Time{} }, []string{"date"}},
		{"before the pairing", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) { m.Date = day(1).AddDate(0, -1, -1) }, []string{"date"}},
		{"negative duration", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) { m.DurationMin = -30 }, []string{"duration_min"}},
		{"zero duration", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) { m.DurationMin = 0 }, []string{"duration_min"}},
		{"eleven hours", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) { m.DurationMin = 660 }, []string{"duration_min"}},
		{"format", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) { m.Format = "courrier" }, []string{"format"}},
		{"topic", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) { m.Topics = []string{"9.9"} }, []string{"topics"}},
		{"notes", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) { m.Notes = strings.Repeat("x", 4001) }, []string{"notes"}},
		{"validation", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) {
			m.Validations = []mentoring.Validation{{Code: "4.2", Level: 4}}
		}, nil},
		{"validation by the mentee", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) {
			m.Validations = []mentoring.Validation{{Code: "4.2", Level: 4}}
			r.Mentor = false
		}, []string{"validate"}},
		{"validations", func(m *mentoring.MeetingInput, r *mentoring.MeetingRules) {
			m.Validations = []mentoring.Validation{{Code: "4.2", Level: 4}, {Code: "4.2", Level: 3}, {Code: "1.1", Level: 9}, {Code: "x", Level: 2}}
		}, []string{"validate.1.1.level", "validate.4.2", "validate.x"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, r := good(), rules
			tt.edit(&m, &r)
			ps := m.Validate(r)
			if diff := cmp.Diff(tt.fields, fieldsOf(ps)); diff != "" {
				t.Fatalf("%s: %+v", diff, ps)
			}
			if len(ps) == 0 && fmt.Sprint(m.Topics) != "[1.1]" && tt.name == "fine" {
				t.Errorf("topics not deduplicated: %v", m.Topics)
			}
		})
	}
}
