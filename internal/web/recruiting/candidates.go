package recruiting

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
	"maillage/internal/web/kit"
)

// seekerView is a candidate as the employer's pages show them: only what
// their profile view holds.
type seekerView struct {
	recruiting.Seeker
	Why       string
	Available string
}

func (h *Capability) seekerView(c *fiber.Ctx, s recruiting.Seeker) seekerView {
	v := seekerView{Seeker: s}
	if s.AvailableFrom != nil {
		if s.AvailableFrom.After(maillage.Today(h.Now())) {
			v.Available = h.T(c, "recruiting.candidate.available_from", "Date", h.Catalog.Date(kit.Lang(c), *s.AvailableFrom))
		} else {
			v.Available = h.T(c, "recruiting.fit.available_now")
		}
	}
	return v
}

// radius reads ?rayon= among the offered radii.
func radius(c *fiber.Ctx) int {
	r, _ := strconv.Atoi(c.Query("rayon"))
	if !slices.Contains(recruiting.Radii, r) {
		return recruiting.DefaultRadius
	}
	return r
}

// offerCandidates ranks the people open to opportunities for an offer,
// each with why (its employers only).
func (h *Capability) offerCandidates(c *fiber.Ctx) error {
	o, err := h.editable(c)
	if err != nil {
		return err
	}
	rad := radius(c)
	ranked, err := h.d.Recruiting.RankCandidates(c.UserContext(), kit.User(c), o.ID, rad, 100)
	if err != nil {
		return err
	}
	var list []seekerView
	for _, r := range ranked {
		v := h.seekerView(c, r.Seeker)
		v.Why = h.why(c, r.Fit.Why(recruiting.ForEmployer))
		list = append(list, v)
	}
	data := struct {
		Offer      offerView
		Candidates []seekerView
		Radii      []int
		Radius     int
	}{h.view(c, o, nil), list, recruiting.Radii, rad}
	p := h.Page(c, "recruiting.ranked.title", "jobs", data)
	return h.Render(c, fiber.StatusOK, "recruiting/offer_candidates", p)
}

// candidates is the employers' search among the people open to
// opportunities: titles and blocs held, near a commune, available by a
// day, a Pix level. The filters are GET parameters (a shareable address):
// titre (repeated), pres, rayon, dispo, pix.
func (h *Capability) candidates(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := kit.User(c)
	sts, err := h.d.Recruiting.EmployerStructures(ctx, u)
	if err != nil {
		return err
	}
	if len(sts) == 0 {
		return maillage.Errorf(maillage.EFORBIDDEN, "recruiting.employer.required")
	}
	certs, _, err := h.d.Referential.FindCertifications(ctx, maillage.CertificationFilter{Limit: 100})
	if err != nil {
		return err
	}
	f := h.NewForm(c)
	filter := recruiting.CandidateFilter{RadiusKm: radius(c), Limit: 20}
	page, _ := strconv.Atoi(c.Query("page"))
	page = max(page, 1)
	filter.Offset = (page - 1) * filter.Limit
	args := c.Context().QueryArgs()
	for _, v := range args.PeekMulti("titre") {
		ref := maillage.StripControl(string(v))
		filter.Holds = append(filter.Holds, ref)
	}
	f.Set("titre", filter.Holds...)
	f.Set("rayon", strconv.Itoa(filter.RadiusKm))
	var candidates []*maillage.Commune
	if near := maillage.StripControl(c.Query("pres")); near != "" {
		f.Set("pres", near)
		got, cands, err := h.d.Territories.ResolveCommune(ctx, near)
		switch {
		case err != nil:
			return err
		case got != nil:
			filter.NearLat, filter.NearLng = &got.Latitude, &got.Longitude
			f.Set("pres", got.Nom+" ("+got.CodeInsee+")")
		case len(cands) > 0:
			candidates = cands
			f.Add("pres", "recruiting.offer.commune.choose")
		default:
			f.Add("pres", "recruiting.offer.commune.unknown")
		}
	}
	if x := c.Query("dispo"); x != "" {
		f.Set("dispo", x)
		if d, ok := recruiting.ParseDate(x); ok {
			filter.AvailableBy = d
		} else {
			f.Add("dispo", recruiting.KeyDay, "Year", recruiting.MinDay.Year())
		}
	}
	if x := c.Query("pix"); x != "" {
		f.Set("pix", x)
		if n, err := strconv.Atoi(x); err == nil && n >= 0 && n <= maillage.MaxPixLevel {
			filter.MinPix = &n
		} else {
			f.Add("pix", "recruiting.candidates.pix.range", "Max", maillage.MaxPixLevel)
		}
	}
	data := struct {
		Certifications []*maillage.Certification
		Radii          []int
		Candidates     []seekerView
		Communes       []*maillage.Commune
		Total          int
		Searched       bool
		Prev, Next     string
	}{Certifications: certs, Radii: recruiting.Radii, Communes: candidates}
	status := fiber.StatusOK
	if f.HasErrors() {
		status = fiber.StatusUnprocessableEntity
	} else {
		list, total, err := h.d.Recruiting.FindCandidates(ctx, u, filter)
		if err != nil {
			return err
		}
		data.Total, data.Searched = total, true
		for _, s := range list {
			data.Candidates = append(data.Candidates, h.seekerView(c, s))
		}
		link := func(n int) string {
			v := url.Values{}
			for k, vs := range c.Queries() {
				if k != "page" {
					v[k] = []string{vs}
				}
			}
			v["titre"] = filter.Holds
			v.Set("page", strconv.Itoa(n))
			return "/emploi/candidats?" + v.Encode()
		}
		if page > 1 {
			data.Prev = link(page - 1)
		}
		if page*filter.Limit < total {
			data.Next = link(page + 1)
		}
	}
	p := h.Page(c, "recruiting.candidates.title", "jobs", data)
	p.Form = f
	return h.Render(c, status, "recruiting/candidates", p)
}

// candidateData is a candidate's page for an employer.
type candidateData struct {
	Profile    *maillage.Profile
	Available  string
	Structures []*maillage.Structure
	Offers     []*recruiting.Offer
}

func (h *Capability) candidatePage(c *fiber.Ctx, id int64) (*kit.Page, error) {
	ctx := c.UserContext()
	u := kit.User(c)
	view, avail, err := h.d.Recruiting.FindCandidate(ctx, u, id)
	if err != nil {
		return nil, err
	}
	sts, err := h.d.Recruiting.EmployerStructures(ctx, u)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(sts))
	for i, st := range sts {
		ids[i] = st.ID
	}
	offers, _, err := h.d.Recruiting.FindOffers(ctx, recruiting.OfferFilter{StructureIDs: ids, OpenOn: h.Now(), Limit: 200})
	if err != nil {
		return nil, err
	}
	d := &candidateData{Profile: view, Structures: sts, Offers: offers}
	if avail != nil && view.OpenToWork != nil {
		d.Available = h.seekerView(c, recruiting.Seeker{AvailableFrom: avail}).Available
	}
	p := h.Page(c, "", "jobs", d)
	p.Title = view.DisplayName
	p.Form = h.NewForm(c)
	if len(sts) > 0 {
		p.Form.Set("structure_id", itoa(sts[0].ID))
	}
	return p, nil
}

// candidateShow is a candidate's page: only what they made visible to
// members, and the contact form.
func (h *Capability) candidateShow(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.candidatePage(c, id)
	if err != nil {
		return err
	}
	return h.Render(c, fiber.StatusOK, "recruiting/candidate_show", p)
}

// contact sends a contact request; no address is given to either side.
func (h *Capability) contact(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := h.PostedForm(c)
	in := recruiting.ContactInput{ProfileID: id, Message: f.Raw("message")}
	in.StructureID, _ = strconv.ParseInt(f.Value("structure_id"), 10, 64)
	if x := f.Value("offer_id"); x != "" {
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			in.OfferID = &n
		}
	}
	if !f.HasErrors() {
		_, err := h.d.Recruiting.Contact(c.UserContext(), kit.User(c), in)
		if err == nil {
			return h.RedirectFlash(c, "/emploi/employeur", "recruiting.flash.contact_sent")
		}
		if !f.Fail(err) {
			return err
		}
	}
	p, err := h.candidatePage(c, id)
	if err != nil {
		return err
	}
	p.Form = f
	return h.Render(c, fiber.StatusUnprocessableEntity, "recruiting/candidate_show", p)
}
