package mentoring

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
	"maillage/internal/web/kit"
)

// distanceRemote is the value of the distance filter for « à distance ».
const distanceRemote = "distance"

// query reads the filters of « Trouver un mentor » and of the request
// form: max_km (5…100 km, or "distance" for remote only), remote (also at
// a distance) and themes.
func query(get func(string) string, list []string) (mentoring.Query, maillage.Problems) {
	var ps maillage.Problems
	q := mentoring.Query{MaxKm: 20, Themes: list}
	switch v := get("max_km"); v {
	case "":
	case distanceRemote:
		q.MaxKm, q.Remote = 0, true
	default:
		n, err := strconv.Atoi(v)
		if err != nil || !contains(maillage.MentorRadii, n) {
			ps.Add("max_km", "mentoring.request.max_km.invalid")
		} else {
			q.MaxKm = n
		}
	}
	if r := get("remote"); r != "" && r != "false" {
		q.Remote = true
	}
	return q, ps
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// mentorRow is a ranked mentor as the page shows it.
type mentorRow struct {
	mentoring.Ranked
	Why string
}

type findData struct {
	Mentors    []mentorRow
	Themes     []string
	Radii      []int
	Located    bool
	HasProfile bool
	MaxKm      string
	Remote     bool
	Chosen     []string
}

// find is « Trouver un mentor »: the mentors the person may ask, ranked,
// with why each fits; filters by distance and theme.
func (m *Capability) find(c *fiber.Ctx) error {
	u := kit.User(c)
	lang := kit.Lang(c)
	themes := c.Context().QueryArgs().PeekMulti("themes")
	var list []string
	for _, t := range themes {
		if s := maillage.StripControl(string(t)); s != "" {
			list = append(list, s)
		}
	}
	q, ps := query(func(k string) string { return maillage.StripControl(c.Query(k)) }, list)
	if len(ps) > 0 {
		q.MaxKm = 20
	}
	d := findData{Radii: maillage.MentorRadii, Chosen: list, Remote: q.Remote, MaxKm: strconv.Itoa(q.MaxKm), HasProfile: true}
	if q.MaxKm == 0 {
		d.MaxKm = distanceRemote
	}
	ranked, themesAll, located, err := m.d.Mentoring.FindMentors(c.UserContext(), u.ID, q)
	switch {
	case maillage.ErrorCode(err) == maillage.ENOTFOUND:
		d.HasProfile = false
	case err != nil:
		return err
	}
	d.Themes, d.Located = themesAll, located
	for _, r := range ranked {
		d.Mentors = append(d.Mentors, mentorRow{r, m.explain(lang, mentoring.Explain(r.Proposal, r.Mentor.Capacity, mentoring.ForMentee))})
	}
	page := m.Page(c, "mentoring.find.title", "mentoring", d)
	return m.Render(c, fiber.StatusOK, "mentoring/find", page)
}

type requestData struct {
	Mentor  *maillage.Profile
	Why     string
	Pending bool
	Radii   []int
}

// requestPage draws the request form for a mentor (a profile id).
func (m *Capability) requestPage(c *fiber.Ctx, f *kit.Form, status int) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	u := kit.User(c)
	p, err := m.d.Profiles.FindProfileByID(c.UserContext(), kit.Viewer(c), id)
	if err != nil {
		return err
	}
	if p.Mentor == nil || !p.Mentor.Available {
		return maillage.Errorf(maillage.ENOTFOUND, "mentoring.request.not_mentor")
	}
	d := requestData{Mentor: p, Radii: maillage.MentorRadii}
	if ranked, _, _, err := m.d.Mentoring.FindMentors(c.UserContext(), u.ID, mentoring.Query{MaxKm: 100, Remote: true}); err == nil {
		for _, r := range ranked {
			if r.ProfileID == id {
				d.Why = m.explain(kit.Lang(c), mentoring.Explain(r.Proposal, r.Mentor.Capacity, mentoring.ForMentee))
				d.Pending = r.Pending
			}
		}
	}
	page := m.Page(c, "mentoring.request.title", "mentoring", d)
	page.Form = f
	return m.Render(c, status, "mentoring/request", page)
}

// requestForm shows the request form (from the list or a mentor's
// profile page), with the distance chosen in the list.
func (m *Capability) requestForm(c *fiber.Ctx) error {
	f := m.NewForm(c)
	f.Set("max_km", "20")
	if v := maillage.StripControl(c.Query("max_km")); v != "" {
		f.Set("max_km", v)
	}
	if v := c.Query("remote"); v != "" && v != "false" {
		f.Set("remote", "on")
	}
	return m.requestPage(c, f, fiber.StatusOK)
}

// requestSend sends the request; a refusal (a full mentor, oneself,
// twice, too far…) comes back next to its field with the message kept.
func (m *Capability) requestSend(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := m.PostedForm(c)
	q, ps := query(f.Value, nil)
	for _, p := range ps {
		f.Add(p.Field, p.Key, p.Args...)
	}
	if !f.HasErrors() {
		in := mentoring.RequestInput{MentorID: id, Message: f.Raw("message"), MaxKm: q.MaxKm, Remote: q.Remote}
		_, err := m.d.Mentoring.SendRequest(c.UserContext(), kit.User(c).ID, in, kit.Lang(c))
		if err == nil {
			return m.RedirectFlash(c, "/mentorat/demandes", "mentoring.flash.request_sent")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return m.requestPage(c, f, fiber.StatusUnprocessableEntity)
}
