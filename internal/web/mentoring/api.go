package mentoring

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
	"maillage/internal/web/kit"
)

// apiMentor is a ranked mentor in the API.
type apiMentor struct {
	ProfileID   int64    `json:"profile_id"`
	Name        string   `json:"name"`
	Commune     string   `json:"commune"`
	Departement string   `json:"departement"`
	DistanceKm  float64  `json:"distance_km"`
	Remote      bool     `json:"remote"`
	PlacesLeft  int      `json:"places_left"`
	Gaps        int      `json:"gaps"`
	GapsCovered int      `json:"gaps_covered"`
	Score       int64    `json:"score"`
	Themes      []string `json:"themes"`
	Pending     bool     `json:"pending"`
	Explanation string   `json:"explanation"`
}

// apiMentors lists the mentors the caller may ask, ranked
// (?max_km=5…100|distance, remote=true, themes=…).
func (m *Capability) apiMentors(c *fiber.Ctx) error {
	var themes []string
	for _, t := range c.Context().QueryArgs().PeekMulti("themes") {
		if s := maillage.StripControl(string(t)); s != "" {
			themes = append(themes, s)
		}
	}
	q, ps := query(func(k string) string { return maillage.StripControl(c.Query(k)) }, themes)
	if err := ps.Err(); err != nil {
		return err
	}
	ranked, _, located, err := m.d.Mentoring.FindMentors(c.UserContext(), kit.User(c).ID, q)
	if err != nil {
		return err
	}
	if !located {
		return maillage.Errorf(maillage.EINVALID, "mentoring.request.no_commune")
	}
	lang := kit.Lang(c)
	out := make([]apiMentor, 0, len(ranked))
	for _, r := range ranked {
		th := r.Themes
		if th == nil {
			th = []string{}
		}
		out = append(out, apiMentor{ProfileID: r.ProfileID, Name: r.Name, Commune: r.Commune, Departement: r.Departement,
			DistanceKm: r.DistanceKm, Remote: r.Remote, PlacesLeft: r.Mentor.Capacity, Gaps: r.Gaps, GapsCovered: r.GapsCovered,
			Score: r.Score, Themes: th, Pending: r.Pending,
			Explanation: m.explain(lang, mentoring.Explain(r.Proposal, r.Mentor.Capacity, mentoring.ForMentee))})
	}
	return kit.JSON(c, kit.NewList(out, len(out), 0, 0))
}

// apiRequests lists the caller's requests: sent (?role=mentee, the
// default) or received (?role=mentor), optionally in one status.
func (m *Capability) apiRequests(c *fiber.Ctx) error {
	u := kit.User(c)
	f := mentoring.RequestFilter{MenteeID: u.ID}
	switch c.Query("role") {
	case "", "mentee":
	case "mentor":
		f = mentoring.RequestFilter{MentorID: u.ID}
	default:
		return maillage.Invalid("role", maillage.KeyNotInList)
	}
	if s := c.Query("status"); s != "" {
		if !contains(mentoring.RequestMachine.States, s) {
			return maillage.Invalid("status", maillage.KeyNotInList)
		}
		f.Status = s
	}
	rs, err := m.d.Mentoring.FindRequests(c.UserContext(), f)
	if err != nil {
		return err
	}
	return kit.JSON(c, kit.NewList(rs, len(rs), 0, 0))
}

// apiSendRequest sends a request (201), with the same rules as the form.
func (m *Capability) apiSendRequest(c *fiber.Ctx) error {
	var in mentoring.RequestInput
	if err := kit.DecodeJSON(c, &in); err != nil {
		return err
	}
	r, err := m.d.Mentoring.SendRequest(c.UserContext(), kit.User(c).ID, in, kit.Lang(c))
	if err != nil {
		return err
	}
	c.Location("/api/mentorat/demandes/" + itoa(r.ID))
	return c.Status(fiber.StatusCreated).JSON(r)
}

// apiRequest reads one request (its two sides only).
func (m *Capability) apiRequest(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := m.d.Mentoring.FindRequest(c.UserContext(), kit.Viewer(c), id)
	if err != nil {
		return err
	}
	return kit.JSON(c, r)
}

// apiAnswer accepts or declines a request (its mentor only).
func (m *Capability) apiAnswer(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	var in mentoring.AnswerInput
	if err := kit.DecodeJSON(c, &in); err != nil {
		return err
	}
	r, err := m.d.Mentoring.AnswerRequest(c.UserContext(), kit.User(c).ID, id, in, kit.Lang(c))
	if err != nil {
		return err
	}
	return kit.JSON(c, r)
}

// apiCancel withdraws a waiting request (its mentee only).
func (m *Capability) apiCancel(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := m.d.Mentoring.CancelRequest(c.UserContext(), kit.User(c).ID, id)
	if err != nil {
		return err
	}
	return kit.JSON(c, r)
}

// apiPairings lists the caller's pairings, as mentee and as mentor.
func (m *Capability) apiPairings(c *fiber.Ctx) error {
	ps, err := m.d.Mentoring.FindPairings(c.UserContext(), kit.User(c).ID)
	if err != nil {
		return err
	}
	return kit.JSON(c, kit.NewList(ps, len(ps), 0, 0))
}

// apiEnd ends a pairing with a reason (either side).
func (m *Capability) apiEnd(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	var in mentoring.EndInput
	if err := kit.DecodeJSON(c, &in); err != nil {
		return err
	}
	p, err := m.d.Mentoring.EndPairing(c.UserContext(), kit.User(c).ID, id, in, kit.Lang(c))
	if err != nil {
		return err
	}
	return kit.JSON(c, p)
}

// apiMeetings lists the meetings of a pairing (its two sides only).
func (m *Capability) apiMeetings(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	ms, err := m.d.Mentoring.FindMeetings(c.UserContext(), kit.Viewer(c), id)
	if err != nil {
		return err
	}
	return kit.JSON(c, kit.NewList(ms, len(ms), 0, 0))
}

// meetingBody is the JSON body of a meeting: the date is a day
// (2026-12-03).
type meetingBody struct {
	Date        string                 `json:"date"`
	DurationMin int                    `json:"duration_min"`
	Format      string                 `json:"format"`
	Topics      []string               `json:"topics"`
	Notes       string                 `json:"notes"`
	Validate    []mentoring.Validation `json:"validate"`
}

// apiLogMeeting records a meeting (201).
func (m *Capability) apiLogMeeting(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	var b meetingBody
	if err := kit.DecodeJSON(c, &b); err != nil {
		return err
	}
	in := mentoring.MeetingInput{DurationMin: b.DurationMin, Format: b.Format, Topics: b.Topics, Notes: b.Notes, Validations: b.Validate}
	if b.Date != "" {
		d, err := time.Parse(time.DateOnly, b.Date)
		if err != nil {
			return maillage.Invalid("date", "mentoring.meeting.date.required")
		}
		in.Date = d
	}
	mt, err := m.d.Mentoring.LogMeeting(c.UserContext(), kit.User(c).ID, id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(mt)
}

// apiCoverage is the public coverage (open data: what is public, nobody
// named), per département and région, optionally of one région.
func (m *Capability) apiCoverage(c *fiber.Ctx) error {
	q := kit.NewQuery(c)
	region := q.Territory("region")
	if err := q.Err(); err != nil {
		return err
	}
	d, err := m.openData(c)
	if err != nil {
		return err
	}
	if region != "" {
		var deps []mentoring.Coverage
		var regs []mentoring.Coverage
		for _, r := range d.Regions {
			if r.Code == region {
				regs = append(regs, r)
			}
		}
		if len(regs) == 0 {
			return maillage.Errorf(maillage.ENOTFOUND, "mentoring.scope.unknown")
		}
		deps, err = m.d.Mentoring.Coverage(c.UserContext(), maillage.Anonymous, mentoring.Scope{Region: region})
		if err != nil {
			return err
		}
		d.Regions, d.Departements, d.Total = regs, deps, regs[0]
	}
	return kit.JSON(c, d)
}
