package recruiting

import (
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/i18n"
	"maillage/internal/maillage"
	"maillage/internal/recruiting"
	"maillage/internal/web/kit"
)

// offerView is an offer as its pages show it: dates and salary written in
// the page's language, wants split into required and welcome.
type offerView struct {
	*recruiting.Offer
	Start, Closes, Published string
	Salary                   string
	Required, Welcome        []wantView
	Count                    int // applications, for its employers
}

// wantView is a title or bloc an offer wants, with the training path for
// it when the reader lacks it.
type wantView struct {
	recruiting.Want
	Missing bool
	Path    string
}

func (h *Capability) view(c *fiber.Ctx, o *recruiting.Offer, missing []recruiting.Want) offerView {
	lang := kit.Lang(c)
	v := offerView{Offer: o, Closes: h.Catalog.Date(lang, o.ClosesOn)}
	if o.Applications != nil {
		v.Count = *o.Applications
	}
	if o.StartOn != nil && o.StartOn.After(maillage.Today(h.Now())) {
		v.Start = h.Catalog.Date(lang, *o.StartOn)
	}
	if o.PublishedAt != nil {
		v.Published = h.Catalog.Date(lang, *o.PublishedAt)
	}
	if s := o.Salary; s.Set() {
		period := h.T(c, "recruiting.salary.period."+string(s.Period))
		switch {
		case s.Min != nil && s.Max != nil && *s.Min != *s.Max:
			v.Salary = h.T(c, "recruiting.salary.range", "Min", i18n.Int(lang, *s.Min), "Max", i18n.Int(lang, *s.Max), "Period", period)
		case s.Min != nil:
			v.Salary = h.T(c, "recruiting.salary.from", "Min", i18n.Int(lang, *s.Min), "Period", period)
		default:
			v.Salary = h.T(c, "recruiting.salary.to", "Max", i18n.Int(lang, *s.Max), "Period", period)
		}
	}
	for _, w := range o.Wants {
		wv := wantView{Want: w, Path: TrainingPath(w)}
		for _, m := range missing {
			wv.Missing = wv.Missing || m.Ref == w.Ref
		}
		if w.Required {
			v.Required = append(v.Required, wv)
		} else {
			v.Welcome = append(v.Welcome, wv)
		}
	}
	return v
}

// offers is the public list of the offers that take applications.
func (h *Capability) offers(c *fiber.Ctx) error {
	ctx := c.UserContext()
	q := kit.NewQuery(c)
	dep := q.Territory("departement")
	contract := recruiting.Contract(c.Query("contrat"))
	if contract != "" && !contract.Valid() {
		q.Add("contrat", maillage.KeyNotInList)
	}
	const per = 20
	page, _ := strconv.Atoi(c.Query("page"))
	page = min(max(page, 1), kit.APIMaxOffset/per)
	if err := q.Err(); err != nil {
		dep, contract = "", ""
	}
	list, total, err := h.d.Recruiting.FindOffers(ctx, recruiting.OfferFilter{OpenOn: h.Now(), CodeDepartement: dep, Contract: contract,
		Offset: (page - 1) * per, Limit: per})
	if err != nil {
		return err
	}
	views := make([]offerView, len(list))
	for i, o := range list {
		views[i] = h.view(c, o, nil)
	}
	data := struct {
		Offers    []offerView
		Total     int
		Contracts []recruiting.Contract
		Contract  string
		Prev      string
		Next      string
	}{Offers: views, Total: total, Contracts: recruiting.Contracts, Contract: string(contract)}
	link := func(n int) string {
		v := url.Values{}
		if contract != "" {
			v.Set("contrat", string(contract))
		}
		if dep != "" {
			v.Set("departement", dep)
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/emploi"
		}
		return "/emploi?" + v.Encode()
	}
	if page > 1 {
		data.Prev = link(page - 1)
	}
	if page*per < total {
		data.Next = link(page + 1)
	}
	p := h.Page(c, "recruiting.offers.title", "jobs", data)
	return h.Render(c, fiber.StatusOK, "recruiting/offers", p)
}

// showData is what an offer page shows.
type showData struct {
	Offer    offerView
	Moves    []string
	Why      string // how the reader fits, when signed in
	Mine     *recruiting.Application
	CanApply bool
	SignIn   string
	Events   []recruiting.Event
	MaxCV    int
}

// offerPage builds the offer page for the reader: their fit and bridges,
// their application, or the employer's actions.
func (h *Capability) offerPage(c *fiber.Ctx, o *recruiting.Offer) (*kit.Page, error) {
	ctx := c.UserContext()
	u := kit.User(c)
	d := &showData{MaxCV: recruiting.MaxCVBytes >> 20, Events: o.Events}
	var missing []recruiting.Want
	switch {
	case u == nil:
		d.SignIn = "/connexion?retour=" + url.QueryEscape("/emploi/offres/"+itoa(o.ID))
	case o.Manage:
		for _, to := range recruiting.OfferMachine.Next[o.Status] {
			if to != recruiting.OfferExpired {
				d.Moves = append(d.Moves, to)
			}
		}
	default:
		fit, err := h.fitOf(c, u, o)
		if err != nil {
			return nil, err
		}
		if fit != nil {
			d.Why = h.why(c, fit.Why(recruiting.ForCandidate))
			missing = fit.Missing
		}
		mine, err := h.d.Recruiting.FindApplications(ctx, u, recruiting.ApplicationFilter{Mine: true})
		if err != nil {
			return nil, err
		}
		for _, a := range mine {
			if a.OfferID == o.ID {
				d.Mine = a
			}
		}
		d.CanApply = d.Mine == nil && o.Open(h.Now())
	}
	d.Offer = h.view(c, o, missing)
	p := h.Page(c, "", "jobs", d)
	p.Title = o.Title()
	p.Form = h.NewForm(c)
	return p, nil
}

// fitOf is how the signed-in person fits an offer, from their own
// profile (nil without a profile).
func (h *Capability) fitOf(c *fiber.Ctx, u *maillage.User, o *recruiting.Offer) (*recruiting.Fit, error) {
	ctx := c.UserContext()
	p, err := h.d.Profiles.FindProfileByUserID(ctx, u.ID)
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	avail, err := h.d.Recruiting.Availability(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	blocs, err := h.d.Recruiting.Blocs(ctx)
	if err != nil {
		return nil, err
	}
	f := recruiting.FitOf(o, recruiting.SeekerOf(p.ViewFor(kit.Viewer(c)), avail), blocs, h.Now())
	return &f, nil
}

// offerShow is an offer's page (a draft only for its employers).
func (h *Capability) offerShow(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	o, err := h.d.Recruiting.FindOffer(c.UserContext(), kit.User(c), id)
	if err != nil {
		return err
	}
	p, err := h.offerPage(c, o)
	if err != nil {
		return err
	}
	return h.Render(c, fiber.StatusOK, "recruiting/offer_show", p)
}

// employer is the employer space: the structures the person employs for,
// their offers in every state, and the contact requests sent.
func (h *Capability) employer(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := kit.User(c)
	sts, err := h.d.Recruiting.EmployerStructures(ctx, u)
	if err != nil {
		return err
	}
	ids := make([]int64, len(sts))
	for i, st := range sts {
		ids[i] = st.ID
	}
	data := struct {
		Structures []*maillage.Structure
		Offers     []offerView
		Contacts   []*recruiting.Contact
	}{Structures: sts}
	if len(sts) > 0 {
		list, _, err := h.d.Recruiting.FindOffers(ctx, recruiting.OfferFilter{StructureIDs: ids, Statuses: recruiting.OfferMachine.States, Limit: 500})
		if err != nil {
			return err
		}
		for _, o := range list {
			data.Offers = append(data.Offers, h.view(c, o, nil))
		}
		if data.Contacts, err = h.d.Recruiting.FindContacts(ctx, u, recruiting.ContactFilter{Sent: true}); err != nil {
			return err
		}
	}
	return h.Render(c, fiber.StatusOK, "recruiting/employer", h.Page(c, "recruiting.employer.title", "jobs", data))
}

// formData is what the offer form offers.
type formData struct {
	OfferID        int64
	Status         string
	Structures     []*maillage.Structure
	Contracts      []recruiting.Contract
	Remotes        []recruiting.Remote
	Periods        []recruiting.SalaryPeriod
	Certifications []*maillage.Certification
	Candidates     []*maillage.Commune
}

func (h *Capability) formData(c *fiber.Ctx) (*formData, error) {
	ctx := c.UserContext()
	d := &formData{Contracts: recruiting.Contracts, Remotes: recruiting.Remotes, Periods: recruiting.SalaryPeriods}
	var err error
	if d.Structures, err = h.d.Recruiting.EmployerStructures(ctx, kit.User(c)); err != nil {
		return nil, err
	}
	if d.Certifications, _, err = h.d.Referential.FindCertifications(ctx, maillage.CertificationFilter{Limit: 100}); err != nil {
		return nil, err
	}
	return d, nil
}

// fill sets the offer form from an input (a stored offer, or defaults).
func fill(f *kit.Form, in recruiting.OfferInput, communeLabel string) {
	if in.StructureID > 0 {
		f.Set("structure_id", itoa(in.StructureID))
	}
	f.Set("title_feminine", in.TitleFeminine)
	f.Set("title_masculine", in.TitleMasculine)
	f.Set("description", in.Description)
	f.Set("code_insee", communeLabel)
	f.Set("remote", string(in.Remote))
	f.Set("contract", string(in.Contract))
	if in.DurationMonths > 0 {
		f.Set("duration_months", strconv.Itoa(in.DurationMonths))
	}
	if in.HoursPerWeek > 0 {
		f.Set("hours_per_week", strconv.Itoa(in.HoursPerWeek))
	}
	if s := in.Salary; s != nil {
		if s.Min != nil {
			f.Set("salary.min", strconv.Itoa(*s.Min))
		}
		if s.Max != nil {
			f.Set("salary.max", strconv.Itoa(*s.Max))
		}
		f.Set("salary.period", string(s.Period))
	}
	f.Set("start_on", in.StartOn)
	f.Set("closes_on", in.ClosesOn)
	for _, w := range in.Wants {
		v := "welcome"
		if w.Required {
			v = "required"
		}
		f.Set("wants."+w.Ref, v)
	}
	f.Set("how_to_apply", in.HowToApply)
	f.Set("apply_url", in.ApplyURL)
}

// input reads the posted offer form; the commune typed is resolved (one
// commune, or candidates to choose from).
func (h *Capability) input(c *fiber.Ctx, f *kit.Form, d *formData) recruiting.OfferInput {
	in := recruiting.OfferInput{TitleFeminine: f.Value("title_feminine"), TitleMasculine: f.Value("title_masculine"),
		Description: f.Raw("description"), Remote: recruiting.Remote(f.Value("remote")), Contract: recruiting.Contract(f.Value("contract")),
		StartOn: f.Value("start_on"), ClosesOn: f.Value("closes_on"), HowToApply: f.Raw("how_to_apply"), ApplyURL: f.Value("apply_url")}
	in.StructureID, _ = strconv.ParseInt(f.Value("structure_id"), 10, 64)
	number := func(name string, required bool) *int {
		x := f.Value(name)
		if x == "" {
			return nil
		}
		n, err := strconv.Atoi(x)
		if err != nil {
			f.Add(name, "recruiting.form.number")
			return nil
		}
		return &n
	}
	if n := number("duration_months", false); n != nil {
		in.DurationMonths = *n
	}
	if n := number("hours_per_week", true); n != nil {
		in.HoursPerWeek = *n
	}
	in.Salary = &recruiting.Salary{Min: number("salary.min", false), Max: number("salary.max", false), Period: recruiting.SalaryPeriod(f.Value("salary.period"))}
	for _, cert := range d.Certifications {
		refs := []string{cert.Code}
		for _, b := range cert.Blocs {
			refs = append(refs, cert.Code+"/"+b.Code)
		}
		for _, ref := range refs {
			switch f.Value("wants." + ref) {
			case "required":
				in.Wants = append(in.Wants, recruiting.Want{Ref: ref, Required: true})
			case "welcome":
				in.Wants = append(in.Wants, recruiting.Want{Ref: ref})
			}
		}
	}
	if pick := f.Value("code_insee_choice"); pick != "" {
		if got, err := h.d.Territories.FindCommuneByCode(c.UserContext(), pick); err == nil {
			in.CodeInsee = got.CodeInsee
			f.Set("code_insee", got.Nom+" ("+got.CodeInsee+")")
		}
	} else if text := f.Value("code_insee"); text != "" {
		got, cands, err := h.d.Territories.ResolveCommune(c.UserContext(), text)
		switch {
		case err != nil:
			f.Add("code_insee", "error.internal")
		case got != nil:
			in.CodeInsee = got.CodeInsee
			f.Set("code_insee", got.Nom+" ("+got.CodeInsee+")")
		case len(cands) > 0:
			d.Candidates = cands
			f.Add("code_insee", "recruiting.offer.commune.choose")
		default:
			f.Add("code_insee", "recruiting.offer.commune.unknown")
		}
	}
	return in
}

func (h *Capability) renderForm(c *fiber.Ctx, status int, f *kit.Form, d *formData) error {
	title := "recruiting.offer.new.title"
	if d.OfferID > 0 {
		title = "recruiting.offer.edit.title"
	}
	p := h.Page(c, title, "jobs", d)
	p.Form = f
	return h.Render(c, status, "recruiting/offer_form", p)
}

// offerNew is the form of a new offer (for a structure the person
// employs for; ?structure= preselects it).
func (h *Capability) offerNew(c *fiber.Ctx) error {
	d, err := h.formData(c)
	if err != nil {
		return err
	}
	if len(d.Structures) == 0 {
		return maillage.Errorf(maillage.EFORBIDDEN, "recruiting.employer.required")
	}
	in := recruiting.OfferInput{Remote: recruiting.RemoteNone, Contract: recruiting.ContractCDI, HoursPerWeek: 35,
		ClosesOn: maillage.Today(h.Now()).AddDate(0, 1, 0).Format(recruiting.DateLayout), StructureID: d.Structures[0].ID,
		Salary: &recruiting.Salary{Period: recruiting.PeriodMonth}}
	if id, err := strconv.ParseInt(c.Query("structure"), 10, 64); err == nil && slices.ContainsFunc(d.Structures, func(s *maillage.Structure) bool { return s.ID == id }) {
		in.StructureID = id
	}
	f := h.NewForm(c)
	commune := ""
	for _, st := range d.Structures {
		if st.ID == in.StructureID && st.Lieu.CodeInsee != "" {
			commune = st.Lieu.Commune + " (" + maillage.CityOfArrondissement(st.Lieu.CodeInsee) + ")"
		}
	}
	fill(f, in, commune)
	return h.renderForm(c, fiber.StatusOK, f, d)
}

// offerCreate writes a draft; on error the form comes back as typed.
func (h *Capability) offerCreate(c *fiber.Ctx) error {
	d, err := h.formData(c)
	if err != nil {
		return err
	}
	f := h.PostedForm(c)
	in := h.input(c, f, d)
	if !f.HasErrors() {
		o, err := h.d.Recruiting.CreateOffer(c.UserContext(), kit.User(c), in)
		if err == nil {
			return h.RedirectFlash(c, "/emploi/offres/"+itoa(o.ID), "recruiting.flash.offer_created")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return h.renderForm(c, fiber.StatusUnprocessableEntity, f, d)
}

// editable returns the offer if the person may edit it (its employers).
func (h *Capability) editable(c *fiber.Ctx) (*recruiting.Offer, error) {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return nil, err
	}
	o, err := h.d.Recruiting.FindOffer(c.UserContext(), kit.User(c), id)
	if err != nil {
		return nil, err
	}
	if !o.Manage {
		return nil, maillage.Errorf(maillage.EFORBIDDEN, "recruiting.offer.forbidden")
	}
	return o, nil
}

func communeLabel(o *recruiting.Offer) string {
	if o.CodeInsee == "" {
		return ""
	}
	return o.Commune + " (" + o.CodeInsee + ")"
}

// offerEdit is the form of a stored offer.
func (h *Capability) offerEdit(c *fiber.Ctx) error {
	o, err := h.editable(c)
	if err != nil {
		return err
	}
	d, err := h.formData(c)
	if err != nil {
		return err
	}
	d.OfferID, d.Status = o.ID, o.Status
	f := h.NewForm(c)
	fill(f, o.Input(), communeLabel(o))
	return h.renderForm(c, fiber.StatusOK, f, d)
}

// offerUpdate rewrites an offer; on error nothing stored changes and the
// form keeps what was typed.
func (h *Capability) offerUpdate(c *fiber.Ctx) error {
	o, err := h.editable(c)
	if err != nil {
		return err
	}
	d, err := h.formData(c)
	if err != nil {
		return err
	}
	d.OfferID, d.Status = o.ID, o.Status
	f := h.PostedForm(c)
	f.Set("structure_id", itoa(o.StructureID))
	in := h.input(c, f, d)
	if !f.HasErrors() {
		_, err := h.d.Recruiting.UpdateOffer(c.UserContext(), kit.User(c), o.ID, in)
		if err == nil {
			return h.RedirectFlash(c, "/emploi/offres/"+itoa(o.ID), "recruiting.flash.offer_saved")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return h.renderForm(c, fiber.StatusUnprocessableEntity, f, d)
}

// offerMove publishes, fills or closes an offer. Publishing an offer that
// no longer passes its rules (a closing day now past) shows its form with
// the message next to the field.
func (h *Capability) offerMove(c *fiber.Ctx) error {
	o, err := h.editable(c)
	if err != nil {
		return err
	}
	f := h.PostedForm(c)
	to := f.Value("status")
	_, err = h.d.Recruiting.MoveOffer(c.UserContext(), kit.User(c), o.ID, to)
	if err == nil {
		return h.RedirectFlash(c, "/emploi/offres/"+itoa(o.ID), moveFlash[to])
	}
	if len(maillage.ErrorProblems(err)) == 0 {
		return err
	}
	d, derr := h.formData(c)
	if derr != nil {
		return derr
	}
	d.OfferID, d.Status = o.ID, o.Status
	form := h.NewForm(c)
	fill(form, o.Input(), communeLabel(o))
	form.Fail(err)
	form.Message = h.T(c, "recruiting.offer.publish.invalid")
	return h.renderForm(c, fiber.StatusUnprocessableEntity, form, d)
}

// moveFlash is the message after each move of an offer.
var moveFlash = map[string]string{
	recruiting.OfferPublished: "recruiting.flash.offer_published",
	recruiting.OfferFilled:    "recruiting.flash.offer_filled",
	recruiting.OfferClosed:    "recruiting.flash.offer_closed",
}

// dateOnly writes a day as the form and the API read it.
func dateOnly(t time.Time) string { return t.Format(recruiting.DateLayout) }
