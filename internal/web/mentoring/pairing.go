package mentoring

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
	"maillage/internal/web/kit"
)

type pairingData struct {
	P           *mentoring.Pairing
	Other       mentoring.Person
	IsMentor    bool
	Meetings    []*mentoring.Meeting
	Competences []*maillage.Competence
	Formats     []string
	Levels      []int
	Today       string
	Minutes     int
}

// pairing is a pairing's page, for its two sides only: the meeting log
// (notes seen by both), the form to log one (and, for the mentor, to
// validate competencies), and the end.
func (m *Capability) pairing(c *fiber.Ctx) error {
	f := m.NewForm(c)
	f.Set("date", maillage.Today(m.Now()).Format(time.DateOnly))
	f.Set("duration_min", "60")
	f.Set("format", mentoring.FormatPresentiel)
	return m.pairingPage(c, f, fiber.StatusOK)
}

func (m *Capability) pairingPage(c *fiber.Ctx, f *kit.Form, status int) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v := kit.Viewer(c)
	p, err := m.d.Mentoring.FindPairing(ctx, v, id)
	if err != nil {
		return err
	}
	d := pairingData{P: p, Other: p.Other(v), IsMentor: v.UserID == p.Mentor.UserID, Formats: mentoring.MeetingFormats,
		Levels: []int{1, 2, 3, 4, 5, 6, 7, 8}, Today: maillage.Today(m.Now()).Format(time.DateOnly), Minutes: mentoring.MaxMeetingMinutes}
	if d.Meetings, err = m.d.Mentoring.FindMeetings(ctx, v, id); err != nil {
		return err
	}
	if d.Competences, _, err = m.d.Referential.FindCompetences(ctx, maillage.CompetenceFilter{}); err != nil {
		return err
	}
	if status == fiber.StatusOK {
		if err := m.d.Mentoring.MarkRead(ctx, v.UserID, "request_accepted", "pairing_ended"); err != nil {
			return err
		}
	}
	page := m.Page(c, "", "mentoring", d)
	page.Title = page.T("mentoring.pairing.title", "Name", d.Other.Name)
	page.Form = f
	return m.Render(c, status, "mentoring/pairing", page)
}

// meetingInput reads the meeting form (field names are MeetingInput's).
func (m *Capability) meetingInput(c *fiber.Ctx, f *kit.Form) mentoring.MeetingInput {
	in := mentoring.MeetingInput{Format: f.Value("format"), Topics: f.List("topics"), Notes: f.Raw("notes")}
	if v := f.Value("date"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			f.Add("date", "mentoring.meeting.date.required")
		}
		in.Date = d
	}
	if v := f.Value("duration_min"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.Add("duration_min", "mentoring.meeting.duration.range", "Max", mentoring.MaxMeetingMinutes)
		}
		in.DurationMin = n
	}
	comps, _, err := m.d.Referential.FindCompetences(c.UserContext(), maillage.CompetenceFilter{})
	if err == nil {
		for _, comp := range comps {
			field := "validate." + comp.Code + ".level"
			if x := f.Value(field); x != "" {
				level, err := strconv.Atoi(x)
				if err != nil {
					f.Add(field, "mentoring.meeting.validate.level")
					continue
				}
				in.Validations = append(in.Validations, mentoring.Validation{Code: comp.Code, Level: level})
			}
		}
	}
	return in
}

// meetingLog records a meeting; a refusal (in the future, a duration not
// positive…) comes back next to its field with everything typed kept.
func (m *Capability) meetingLog(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := m.PostedForm(c)
	in := m.meetingInput(c, f)
	if !f.HasErrors() {
		_, err := m.d.Mentoring.LogMeeting(c.UserContext(), kit.User(c).ID, id, in)
		if err == nil {
			return m.RedirectFlash(c, "/mentorat/binomes/"+itoa(id), "mentoring.flash.meeting_logged")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return m.pairingPage(c, f, fiber.StatusUnprocessableEntity)
}

// pairingEnd ends the pairing with a reason.
func (m *Capability) pairingEnd(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := m.PostedForm(c)
	if !f.HasErrors() {
		_, err := m.d.Mentoring.EndPairing(c.UserContext(), kit.User(c).ID, id, mentoring.EndInput{Reason: f.Raw("reason")}, kit.Lang(c))
		if err == nil {
			return m.RedirectFlash(c, "/mentorat/binomes/"+itoa(id), "mentoring.flash.ended")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return m.pairingPage(c, f, fiber.StatusUnprocessableEntity)
}
