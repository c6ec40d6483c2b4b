package recruiting

import (
	"encoding/csv"
	"io"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
	"maillage/internal/web/kit"
)

// readCV reads the uploaded CV of an application form (nil when none),
// at most one byte past the limit so that too large a file is refused.
func readCV(c *fiber.Ctx) (*recruiting.CVFile, error) {
	fh, err := c.FormFile("cv")
	if err != nil || (fh.Size == 0 && fh.Filename == "") {
		return nil, nil // no file chosen (or not a multipart form)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, recruiting.MaxCVBytes+1))
	if err != nil {
		return nil, err
	}
	return &recruiting.CVFile{Name: strings.Clone(fh.Filename), Data: data}, nil
}

// apply sends an application (message, optional CV). On error the offer
// page comes back with the message typed and the problem next to its field.
func (h *Capability) apply(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	u := kit.User(c)
	f := h.PostedForm(c)
	cv, err := readCV(c)
	if err != nil {
		return err
	}
	if !f.HasErrors() {
		a, err := h.d.Recruiting.Apply(ctx, u, id, recruiting.ApplicationInput{Message: f.Raw("message")}, cv)
		if err == nil {
			return h.RedirectFlash(c, "/emploi/candidatures/"+itoa(a.ID), "recruiting.flash.applied")
		}
		if !f.Fail(err) {
			return err
		}
	}
	o, err := h.d.Recruiting.FindOffer(ctx, u, id)
	if err != nil {
		return err
	}
	p, err := h.offerPage(c, o)
	if err != nil {
		return err
	}
	// The form comes back with what was typed and the problem next to its
	// field, also when the person had already applied.
	if d := p.Data.(*showData); !o.Manage && o.Open(h.Now()) {
		d.CanApply = true
	}
	p.Form = f
	if cv != nil && !f.Problems.Has("cv") {
		f.Add("cv", "recruiting.cv.again")
	}
	return h.Render(c, fiber.StatusUnprocessableEntity, "recruiting/offer_show", p)
}

// applicationData is an application's page.
type applicationData struct {
	A         *recruiting.Application
	Employer  bool
	Candidate bool
	Moves     []string
	Withdraw  bool
	Profile   *maillage.Profile
	Why       string
}

func (h *Capability) applicationPage(c *fiber.Ctx, id int64) (*kit.Page, error) {
	ctx := c.UserContext()
	u := kit.User(c)
	a, err := h.d.Recruiting.FindApplication(ctx, u, id)
	if err != nil {
		return nil, err
	}
	d := &applicationData{A: a, Candidate: a.UserID == u.ID}
	if !d.Candidate {
		d.Employer = true
		d.Moves = recruiting.EmployerMoves(a.Status)
		if a.ProfileID != nil {
			view, err := h.d.Profiles.FindProfileByID(ctx, kit.Viewer(c), *a.ProfileID)
			if err == nil {
				d.Profile = view
				o, err := h.d.Recruiting.FindOffer(ctx, u, a.OfferID)
				if err != nil {
					return nil, err
				}
				avail, err := h.d.Recruiting.Availability(ctx, a.UserID)
				if err != nil {
					return nil, err
				}
				blocs, err := h.d.Recruiting.Blocs(ctx)
				if err != nil {
					return nil, err
				}
				fit := recruiting.FitOf(o, recruiting.SeekerOf(view, avail), blocs, h.Now())
				d.Why = h.why(c, fit.Why(recruiting.ForEmployer))
			} else if maillage.ErrorCode(err) != maillage.ENOTFOUND {
				return nil, err
			}
		}
	} else {
		d.Withdraw = recruiting.ApplicationMachine.Can(a.Status, recruiting.ApplicationWithdrawn)
	}
	p := h.Page(c, "recruiting.application.title", "jobs", d)
	p.Form = h.NewForm(c)
	return p, nil
}

// applicationShow is an application with its history, for its candidate
// and the offer's employers (opening it as an employer marks it seen).
func (h *Capability) applicationShow(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.applicationPage(c, id)
	if err != nil {
		return err
	}
	return h.Render(c, fiber.StatusOK, "recruiting/application_show", p)
}

// applicationMove moves an application (employers: interview, retained,
// not retained; the candidate: withdrawn), with an optional motivation.
func (h *Capability) applicationMove(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := h.PostedForm(c)
	if !f.HasErrors() {
		_, err := h.d.Recruiting.MoveApplication(c.UserContext(), kit.User(c), id, f.Value("status"), f.Raw("motivation"))
		if err == nil {
			return h.RedirectFlash(c, "/emploi/candidatures/"+itoa(id), "recruiting.flash.application_moved")
		}
		if !f.Fail(err) {
			return err
		}
	}
	p, err := h.applicationPage(c, id)
	if err != nil {
		return err
	}
	p.Form = f
	return h.Render(c, fiber.StatusUnprocessableEntity, "recruiting/application_show", p)
}

// applicationCV serves the CV of an application to its candidate and the
// offer's employers, as a download.
func (h *Capability) applicationCV(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	r, cv, err := h.d.Recruiting.OpenCV(c.UserContext(), kit.User(c), id)
	if err != nil {
		return err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, recruiting.MaxCVBytes+1))
	if err != nil {
		return err
	}
	kit.NoStore(c)
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="cv.pdf"; filename*=UTF-8''`+url.PathEscape(cv.Name))
	return c.Send(data)
}

// applicantView is an application in its offer's list: the candidate as
// the employer may see them.
type applicantView struct {
	*recruiting.Application
	Commune string
	Why     string
}

// applicants reads the applications of an offer with, for each, what
// the employer may see of the candidate's profile and their fit.
func (h *Capability) applicants(c *fiber.Ctx, o *recruiting.Offer) ([]applicantView, error) {
	ctx := c.UserContext()
	apps, err := h.d.Recruiting.FindApplications(ctx, kit.User(c), recruiting.ApplicationFilter{OfferID: o.ID})
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, a := range apps {
		if a.ProfileID != nil {
			ids = append(ids, *a.ProfileID)
		}
	}
	views := map[int64]*maillage.Profile{}
	if len(ids) > 0 {
		ps, _, err := h.d.Profiles.FindProfiles(ctx, maillage.ProfileFilter{Viewer: kit.Viewer(c), IDs: ids, Limit: len(ids)})
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			views[p.ID] = p
		}
	}
	blocs, err := h.d.Recruiting.Blocs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]applicantView, len(apps))
	for i, a := range apps {
		out[i] = applicantView{Application: a}
		if a.ProfileID == nil || views[*a.ProfileID] == nil {
			continue
		}
		v := views[*a.ProfileID]
		out[i].Commune = v.Commune
		avail, err := h.d.Recruiting.Availability(ctx, a.UserID)
		if err != nil {
			return nil, err
		}
		out[i].Why = h.why(c, recruiting.FitOf(o, recruiting.SeekerOf(v, avail), blocs, h.Now()).Why(recruiting.ForEmployer))
	}
	return out, nil
}

// offerApplications lists an offer's applications with their states (its
// employers only).
func (h *Capability) offerApplications(c *fiber.Ctx) error {
	o, err := h.editable(c)
	if err != nil {
		return err
	}
	list, err := h.applicants(c, o)
	if err != nil {
		return err
	}
	data := struct {
		Offer        offerView
		Applications []applicantView
	}{h.view(c, o, nil), list}
	return h.Render(c, fiber.StatusOK, "recruiting/offer_applications", h.Page(c, "recruiting.applications.title", "jobs", data))
}

// offerApplicationsCSV exports an offer's applications for its employers:
// what they see on the page, no more (the candidate's commune only when
// visible to them).
func (h *Capability) offerApplicationsCSV(c *fiber.Ctx) error {
	o, err := h.editable(c)
	if err != nil {
		return err
	}
	list, err := h.applicants(c, o)
	if err != nil {
		return err
	}
	kit.NoStore(c)
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="candidatures-`+itoa(o.ID)+`.csv"`)
	w := csv.NewWriter(c)
	header := []string{"recruiting.csv.candidate", "recruiting.csv.email", "recruiting.csv.commune", "recruiting.csv.status",
		"recruiting.csv.sent", "recruiting.csv.fit", "recruiting.csv.cv", "recruiting.csv.message"}
	for i, k := range header {
		header[i] = h.T(c, k)
	}
	if err := w.Write(header); err != nil {
		return err
	}
	for _, a := range list {
		cv := ""
		if a.CV != nil {
			cv = a.CV.Name
		}
		row := []string{a.CandidateName, a.CandidateEmail, a.Commune, h.T(c, "recruiting.application.status."+a.Status),
			h.Catalog.Date(kit.Lang(c), a.CreatedAt), a.Why, cv, a.Message}
		for i := range row {
			row[i] = maillage.CSVCell(row[i])
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// mine is a person's applications and the contact requests they received.
func (h *Capability) mine(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := kit.User(c)
	apps, err := h.d.Recruiting.FindApplications(ctx, u, recruiting.ApplicationFilter{Mine: true})
	if err != nil {
		return err
	}
	contacts, err := h.d.Recruiting.FindContacts(ctx, u, recruiting.ContactFilter{Received: true})
	if err != nil {
		return err
	}
	data := struct {
		Applications []*recruiting.Application
		Contacts     []*recruiting.Contact
	}{apps, contacts}
	p := h.Page(c, "recruiting.mine.title", "jobs", data)
	p.Form = h.NewForm(c)
	return h.Render(c, fiber.StatusOK, "recruiting/mine", p)
}

// contactAnswer records the person's answer to a contact request.
func (h *Capability) contactAnswer(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := h.PostedForm(c)
	accept := f.Value("reponse") == "accepter"
	if !f.HasErrors() {
		_, err := h.d.Recruiting.AnswerContact(c.UserContext(), kit.User(c), id, accept, f.Raw("answer"))
		if err == nil {
			flash := "recruiting.flash.contact_declined"
			if accept {
				flash = "recruiting.flash.contact_accepted"
			}
			return h.RedirectFlash(c, "/emploi/mes-candidatures", flash)
		}
		if !f.Fail(err) {
			return err
		}
	}
	return h.RedirectFlash(c, "/emploi/mes-candidatures", "recruiting.flash.contact_invalid")
}

// forMeData is « offres qui vous correspondent ».
type forMeData struct {
	Offers     []matchView
	HasProfile bool
	OpenToWork bool
	Radii      []int
	Radius     int
}

type matchView struct {
	Offer offerView
	Why   string
}

// forMeData builds « offres qui vous correspondent » within rad km.
func (h *Capability) forMeData(c *fiber.Ctx, rad int) (*forMeData, error) {
	ctx := c.UserContext()
	u := kit.User(c)
	d := &forMeData{Radii: recruiting.Radii, Radius: rad}
	p, err := h.d.Profiles.FindProfileByUserID(ctx, u.ID)
	switch {
	case maillage.ErrorCode(err) == maillage.ENOTFOUND:
	case err != nil:
		return nil, err
	default:
		d.HasProfile = true
		d.OpenToWork = p.OpenToWork != nil && *p.OpenToWork
	}
	matches, err := h.d.Recruiting.MatchingOffers(ctx, u, rad, 50)
	if err != nil {
		return nil, err
	}
	for _, m := range matches {
		d.Offers = append(d.Offers, matchView{Offer: h.view(c, m.Offer, m.Fit.Missing), Why: h.why(c, m.Fit.Why(recruiting.ForCandidate))})
	}
	return d, nil
}

// forMe ranks the open offers for the signed-in person, each with why and
// the training path of each required bloc they lack; their availability
// can be set here.
func (h *Capability) forMe(c *fiber.Ctx) error {
	d, err := h.forMeData(c, radius(c))
	if err != nil {
		return err
	}
	page := h.Page(c, "recruiting.forme.title", "jobs", d)
	page.Form = h.NewForm(c)
	avail, err := h.d.Recruiting.Availability(c.UserContext(), kit.User(c).ID)
	if err != nil {
		return err
	}
	if avail != nil {
		page.Form.Set("available_from", dateOnly(*avail))
	}
	return h.Render(c, fiber.StatusOK, "recruiting/for_me", page)
}

// availability records the day the person is available from; a bad date
// comes back next to the field, as typed.
func (h *Capability) availability(c *fiber.Ctx) error {
	f := h.PostedForm(c)
	from, ps := recruiting.ParseAvailability(f.Value("available_from"), h.Now())
	if len(ps) == 0 && !f.HasErrors() {
		if err := h.d.Recruiting.SetAvailability(c.UserContext(), kit.User(c).ID, from); err != nil {
			return err
		}
		return h.RedirectFlash(c, "/emploi/pour-moi", "recruiting.flash.availability_saved")
	}
	f.Problems = append(f.Problems, ps...)
	d, err := h.forMeData(c, recruiting.DefaultRadius)
	if err != nil {
		return err
	}
	page := h.Page(c, "recruiting.forme.title", "jobs", d)
	page.Form = f
	return h.Render(c, fiber.StatusUnprocessableEntity, "recruiting/for_me", page)
}
