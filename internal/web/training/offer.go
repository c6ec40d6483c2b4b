package training

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/training"
	"maillage/internal/web/kit"
)

// offerLists is what the offer form offers: the certifications with blocs
// (those of the offer too, retired or not), the modalities and fundings.
type offerLists struct {
	Org            *training.Organisation
	OfferID        int64
	Certifications []*maillage.Certification
	Modalities     []training.Modality
	Fundings       []training.Funding
}

func (t *Capability) offerLists(c *fiber.Ctx, org *training.Organisation, o *training.Offer) (*offerLists, error) {
	ix, err := t.d.Training.Certifications(c.UserContext())
	if err != nil {
		return nil, err
	}
	d := &offerLists{Org: org, Modalities: training.Modalities, Fundings: training.Fundings}
	for _, ce := range ix.Certifications() {
		if (ce.RetiredAt == nil && len(ce.Blocs) > 0) || (o != nil && contains(o.Certifications, ce.Code)) {
			d.Certifications = append(d.Certifications, ce)
		}
	}
	if o != nil {
		d.OfferID = o.ID
	}
	return d, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// offerForm is the offer editor. Its input names are the field paths of
// training.Offer.Validate (the JSON body of the API): title, objectives,
// description, certifications, blocs, modality, hours, price_cents (typed
// in euros), funding, contact.name, contact.email, contact.phone.
type offerForm struct{ *kit.Form }

func (f offerForm) fill(o *training.Offer) {
	f.Set("title", o.Title)
	f.Set("objectives", o.Objectives)
	f.Set("description", o.Description)
	f.Set("certifications", o.Certifications...)
	f.Set("blocs", o.Blocs...)
	f.Set("modality", string(o.Modality))
	if o.Hours > 0 {
		f.Set("hours", strconv.Itoa(o.Hours))
	}
	if o.PriceCents > 0 {
		f.Set("price_cents", euros(o.PriceCents))
	}
	var fs []string
	for _, x := range o.Funding {
		fs = append(fs, string(x))
	}
	f.Set("funding", fs...)
	f.Set("contact.name", o.Contact.Name)
	f.Set("contact.email", o.Contact.Email)
	f.Set("contact.phone", o.Contact.Phone)
}

// euros writes cents as a French amount ("1500,50").
func euros(cents int64) string {
	s := strconv.FormatInt(cents/100, 10)
	if r := cents % 100; r != 0 {
		s += "," + strconv.FormatInt(100+r, 10)[1:]
	}
	return s
}

// parseEuros reads an amount typed in euros ("1 500", "1500,5", "12.30").
func parseEuros(v string) (int64, bool) {
	v = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "€", "").Replace(v)
	if v == "" {
		return 0, true
	}
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(v, "-")
	v = strings.Replace(v, ",", ".", 1)
	ent, frac, _ := strings.Cut(v, ".")
	if ent == "" || len(ent) > 10 || len(frac) > 2 {
		return 0, false
	}
	e, err := strconv.ParseInt(ent, 10, 64)
	if err != nil {
		return 0, false
	}
	c := e * 100
	if frac != "" {
		f, err := strconv.Atoi(frac)
		if err != nil {
			return 0, false
		}
		if len(frac) == 1 {
			f *= 10
		}
		c += int64(f)
	}
	if neg {
		c = -c
	}
	return c, true
}

// number reads an integer field ("" is 0); a text that is not one is a
// problem next to the field.
func number(f *kit.Form, name string) int {
	v := strings.ReplaceAll(f.Value(name), " ", "")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.Add(name, "training.field.number")
	}
	return n
}

// offer reads the posted form into an offer.
func (f offerForm) offer() *training.Offer {
	o := &training.Offer{Title: f.Value("title"), Objectives: f.Raw("objectives"), Description: f.Raw("description"),
		Certifications: f.List("certifications"), Blocs: f.List("blocs"), Modality: training.Modality(f.Value("modality")),
		Contact: training.Contact{Name: f.Value("contact.name"), Email: f.Value("contact.email"), Phone: f.Value("contact.phone")}}
	o.Hours = number(f.Form, "hours")
	if cents, ok := parseEuros(f.Value("price_cents")); ok {
		o.PriceCents = cents
	} else {
		f.Add("price_cents", "training.field.amount")
	}
	for _, x := range f.List("funding") {
		o.Funding = append(o.Funding, training.Funding(x))
	}
	return o
}

func (t *Capability) renderOfferForm(c *fiber.Ctx, status int, org *training.Organisation, o *training.Offer, f *kit.Form) error {
	lists, err := t.offerLists(c, org, o)
	if err != nil {
		return err
	}
	title := "training.offer.new.title"
	if o != nil && o.ID != 0 {
		title = "training.offer.edit.title"
	}
	p := t.Page(c, title, "", lists)
	p.Form = f
	return t.Render(c, status, "training/offer_form", p)
}

// offerNew is the form of a new offer of a declared body.
func (t *Capability) offerNew(c *fiber.Ctx) error {
	org, err := t.managed(c)
	if err != nil {
		return err
	}
	if !org.Declared {
		return t.RedirectFlash(c, "/organismes/"+itoa(org.Body.StructureID)+"/gestion", "training.flash.declare_first")
	}
	f := t.NewForm(c)
	f.Set("modality", string(training.ModalityPresentiel))
	f.Set("contact.name", org.Body.Contact.Name)
	f.Set("contact.email", org.Body.Contact.Email)
	f.Set("contact.phone", org.Body.Contact.Phone)
	return t.renderOfferForm(c, fiber.StatusOK, org, nil, f)
}

func (t *Capability) offerCreate(c *fiber.Ctx) error {
	org, err := t.managed(c)
	if err != nil {
		return err
	}
	f := offerForm{t.PostedForm(c)}
	o := f.offer()
	if !f.HasErrors() {
		v, err := t.d.Training.CreateOffer(c.UserContext(), kit.Viewer(c), org.Body.StructureID, o)
		if err == nil {
			return t.RedirectFlash(c, "/formations/"+itoa(v.ID), "training.flash.offer_saved")
		}
		if !f.Fail(err) {
			if maillage.ErrorCode(err) != maillage.ECONFLICT {
				return err
			}
			f.FailMessage(err)
		}
	}
	return t.renderOfferForm(c, fiber.StatusUnprocessableEntity, org, nil, f.Form)
}

// editable returns the offer of the path when the viewer manages its body.
func (t *Capability) editable(c *fiber.Ctx) (*training.OfferView, *training.Organisation, error) {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	v, err := t.d.Training.FindOffer(c.UserContext(), id)
	if err != nil {
		return nil, nil, err
	}
	ok, err := t.d.Training.CanManageStructure(c.UserContext(), kit.Viewer(c), v.StructureID)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, maillage.Errorf(maillage.EFORBIDDEN, training.KeyBodyForbidden)
	}
	org, err := t.d.Training.FindOrganisation(c.UserContext(), v.StructureID)
	return v, org, err
}

func (t *Capability) offerEdit(c *fiber.Ctx) error {
	v, org, err := t.editable(c)
	if err != nil {
		return err
	}
	f := offerForm{t.NewForm(c)}
	f.fill(v.Offer)
	return t.renderOfferForm(c, fiber.StatusOK, org, v.Offer, f.Form)
}

func (t *Capability) offerUpdate(c *fiber.Ctx) error {
	v, org, err := t.editable(c)
	if err != nil {
		return err
	}
	f := offerForm{t.PostedForm(c)}
	o := f.offer()
	if !f.HasErrors() {
		_, err := t.d.Training.UpdateOffer(c.UserContext(), kit.Viewer(c), v.ID, o)
		if err == nil {
			return t.RedirectFlash(c, "/formations/"+itoa(v.ID), "training.flash.offer_saved")
		}
		if !f.Fail(err) {
			return err
		}
	}
	o.ID = v.ID
	return t.renderOfferForm(c, fiber.StatusUnprocessableEntity, org, o, f.Form)
}

// offerDelete deletes an offer that never ran, or withdraws one with past
// sessions (kept with them).
func (t *Capability) offerDelete(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	structureID, err := t.d.Training.DeleteOffer(c.UserContext(), kit.Viewer(c), id)
	if err != nil {
		return err
	}
	return t.RedirectFlash(c, "/organismes/"+itoa(structureID)+"/gestion", "training.flash.offer_deleted")
}
