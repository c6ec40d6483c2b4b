package mentoring

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
	"maillage/internal/web/kit"
)

type hubData struct {
	AsMentee    []*mentoring.Pairing
	AsMentor    []*mentoring.Pairing
	Sent        int
	Received    int
	Mentor      bool
	Conseiller  bool
	Coordinates bool
}

// hub is « Mentorat »: where the person stands as mentee and as mentor.
func (m *Capability) hub(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := kit.User(c)
	d := hubData{Coordinates: u.Has(maillage.RoleCoordinateur) || u.Has(maillage.RoleAdministrateur)}
	pairings, err := m.d.Mentoring.FindPairings(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, p := range pairings {
		if !p.Active() {
			continue
		}
		if p.Mentee.UserID == u.ID {
			d.AsMentee = append(d.AsMentee, p)
		} else {
			d.AsMentor = append(d.AsMentor, p)
		}
	}
	sent, err := m.d.Mentoring.FindRequests(ctx, mentoring.RequestFilter{MenteeID: u.ID, Status: mentoring.RequestSent})
	if err != nil {
		return err
	}
	received, err := m.d.Mentoring.FindRequests(ctx, mentoring.RequestFilter{MentorID: u.ID, Status: mentoring.RequestSent})
	if err != nil {
		return err
	}
	d.Sent, d.Received = len(sent), len(received)
	if p, err := m.d.Profiles.FindProfileByUserID(ctx, u.ID); err == nil {
		d.Mentor = p.Mentor != nil && p.Mentor.Available
		d.Conseiller = p.Kind == maillage.KindConseiller
	} else if maillage.ErrorCode(err) != maillage.ENOTFOUND {
		return err
	}
	return m.Render(c, fiber.StatusOK, "mentoring/hub", m.Page(c, "mentoring.hub.title", "mentoring", d))
}

// myRequests is « Mes demandes »: the requests the person sent, with
// their answers; reading it marks the notices about them read.
func (m *Capability) myRequests(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := kit.User(c)
	rs, err := m.d.Mentoring.FindRequests(ctx, mentoring.RequestFilter{MenteeID: u.ID})
	if err != nil {
		return err
	}
	if err := m.d.Mentoring.MarkRead(ctx, u.ID, "request_proposed", "request_accepted", "request_declined", "request_expired"); err != nil {
		return err
	}
	open := 0
	for _, r := range rs {
		if r.Open() {
			open++
		}
	}
	return m.Render(c, fiber.StatusOK, "mentoring/requests", m.Page(c, "mentoring.requests.title", "mentoring", struct {
		Requests  []*mentoring.Request
		Open, Max int
	}{rs, open, mentoring.MaxOpenRequests}))
}

// requestCancel withdraws one of the person's waiting requests.
func (m *Capability) requestCancel(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := m.d.Mentoring.CancelRequest(c.UserContext(), kit.User(c).ID, id); err != nil {
		return err
	}
	return m.RedirectFlash(c, "/mentorat/demandes", "mentoring.flash.request_cancelled")
}

type menteesData struct {
	Received []*mentoring.Request
	Active   []*mentoring.Pairing
	Ended    []*mentoring.Pairing
	Pause    *mentoring.Pause
	Mentor   *maillage.MentorSettings
	Places   int
	Today    string
}

// myMentees is « Mes mentorés »: requests to answer, mentees, the pause.
func (m *Capability) myMentees(c *fiber.Ctx) error {
	return m.menteesPage(c, m.NewForm(c), fiber.StatusOK)
}

func (m *Capability) menteesPage(c *fiber.Ctx, f *kit.Form, status int) error {
	ctx := c.UserContext()
	u := kit.User(c)
	var d menteesData
	var err error
	if d.Received, err = m.d.Mentoring.FindRequests(ctx, mentoring.RequestFilter{MentorID: u.ID, Status: mentoring.RequestSent}); err != nil {
		return err
	}
	pairings, err := m.d.Mentoring.FindPairings(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, p := range pairings {
		if p.Mentor.UserID != u.ID {
			continue
		}
		if p.Active() {
			d.Active = append(d.Active, p)
		} else {
			d.Ended = append(d.Ended, p)
		}
	}
	if d.Pause, err = m.d.Mentoring.FindPause(ctx, u.ID); err != nil {
		return err
	}
	if p, err := m.d.Profiles.FindProfileByUserID(ctx, u.ID); err == nil {
		d.Mentor = p.Mentor
		if p.Mentor != nil {
			d.Places = max(p.Mentor.Capacity-len(d.Active), 0)
		}
	} else if maillage.ErrorCode(err) != maillage.ENOTFOUND {
		return err
	}
	d.Today = maillage.Today(m.Now()).Format(time.DateOnly)
	if status == fiber.StatusOK {
		if err := m.d.Mentoring.MarkRead(ctx, u.ID, "request_received", "request_expiring", "request_cancelled"); err != nil {
			return err
		}
	}
	page := m.Page(c, "mentoring.mentees.title", "mentoring", d)
	page.Form = f
	return m.Render(c, status, "mentoring/mentees", page)
}

// requestAnswer accepts or declines a request (its mentor only); a
// refusal (full meanwhile) comes back next to the request's form.
func (m *Capability) requestAnswer(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := m.PostedForm(c)
	f.Set("request", itoa(id))
	in := mentoring.AnswerInput{Accept: f.Value("decision") == "accepter", Message: f.Raw("message")}
	if !f.HasErrors() {
		r, err := m.d.Mentoring.AnswerRequest(c.UserContext(), kit.User(c).ID, id, in, kit.Lang(c))
		if err == nil {
			if r.PairingID != nil {
				return m.RedirectFlash(c, "/mentorat/binomes/"+itoa(*r.PairingID), "mentoring.flash.accepted")
			}
			return m.RedirectFlash(c, "/mentorat/mentores", "mentoring.flash.declined")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return m.menteesPage(c, f, fiber.StatusUnprocessableEntity)
}

// pause pauses the person's availability, until a day or until resumed.
func (m *Capability) pause(c *fiber.Ctx) error {
	f := m.PostedForm(c)
	var in mentoring.PauseInput
	if v := f.Value("until"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			f.Add("until", "mentoring.pause.until.invalid")
		} else {
			in.Until = &d
		}
	}
	if !f.HasErrors() {
		err := m.d.Mentoring.PauseMentor(c.UserContext(), kit.User(c).ID, in)
		if err == nil {
			return m.RedirectFlash(c, "/mentorat/mentores", "mentoring.flash.paused")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return m.menteesPage(c, f, fiber.StatusUnprocessableEntity)
}

// resume ends the person's pause.
func (m *Capability) resume(c *fiber.Ctx) error {
	if err := m.d.Mentoring.ResumeMentor(c.UserContext(), kit.User(c).ID); err != nil {
		return err
	}
	return m.RedirectFlash(c, "/mentorat/mentores", "mentoring.flash.resumed")
}
