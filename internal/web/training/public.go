package training

import (
	"bufio"
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/training"
	"maillage/internal/web/kit"
)

// offersPage is the public catalogue: offers with an upcoming session.
type offersPage struct {
	Offers         []*training.OfferView
	Total          int
	Certifications []*maillage.Certification
	Certification  string
	Page, Pages    int
	Prev, Next     string
	Now            time.Time
}

const offersPerPage = 20

// offers is GET /formations: the offers with an upcoming session, by
// certification (?certification=), 20 a page.
func (t *Capability) offers(c *fiber.Ctx) error {
	ctx := c.UserContext()
	page, _ := strconv.Atoi(c.Query("page"))
	page = max(1, min(page, 500))
	ix, err := t.d.Training.Certifications(ctx)
	if err != nil {
		return err
	}
	d := &offersPage{Page: page, Now: t.Now(), Certification: strings.TrimSpace(c.Query("certification"))}
	for _, ce := range ix.Certifications() {
		if ce.RetiredAt == nil && len(ce.Blocs) > 0 {
			d.Certifications = append(d.Certifications, ce)
		}
	}
	if d.Certification != "" && ix.Certification(d.Certification) == nil {
		d.Certification = ""
	}
	d.Offers, d.Total, err = t.d.Training.FindOffers(ctx, training.OfferFilter{Certification: d.Certification, Upcoming: true, Now: d.Now,
		Limit: offersPerPage, Offset: (page - 1) * offersPerPage})
	if err != nil {
		return err
	}
	d.Pages = (d.Total + offersPerPage - 1) / offersPerPage
	link := func(n int) string {
		v := "/formations?page=" + strconv.Itoa(n)
		if d.Certification != "" {
			v += "&certification=" + d.Certification
		}
		return v
	}
	if page > 1 {
		d.Prev = link(page - 1)
	}
	if page < d.Pages {
		d.Next = link(page + 1)
	}
	return t.Render(c, fiber.StatusOK, "training/offers", t.Page(c, "training.offers.title", "trainings", d))
}

// offerPage is the public page of an offer.
type offerPage struct {
	O         *training.OfferView
	Upcoming  []*training.Session
	Past      []*training.Session
	CanManage bool
}

func (t *Capability) splitSessions(v *training.OfferView) (up, past []*training.Session) {
	now := t.Now()
	for _, s := range v.Sessions {
		if s.Past(now) {
			past = append(past, s)
		} else {
			up = append(up, s)
		}
	}
	// The most recent past session first.
	for i, j := 0, len(past)-1; i < j; i, j = i+1, j-1 {
		past[i], past[j] = past[j], past[i]
	}
	return up, past
}

// offerShow is the public page of an offer, its sessions (upcoming, then
// past ones shown as past) and its training body.
func (t *Capability) offerShow(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := t.d.Training.FindOffer(c.UserContext(), id)
	if err != nil {
		return err
	}
	d := &offerPage{O: v}
	d.Upcoming, d.Past = t.splitSessions(v)
	if kit.User(c) != nil {
		if d.CanManage, err = t.d.Training.CanManageStructure(c.UserContext(), kit.Viewer(c), v.StructureID); err != nil {
			return err
		}
	}
	p := t.Page(c, "", "trainings", d)
	p.Title = v.Title
	return t.Render(c, fiber.StatusOK, "training/offer_show", p)
}

type sessionPage struct {
	S         *training.Session
	O         *training.OfferView
	Past      bool
	CanManage bool
}

// sessionShow is the public page of a session (where search results lead).
func (t *Capability) sessionShow(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	s, v, err := t.d.Training.FindSession(c.UserContext(), id)
	if err != nil {
		return err
	}
	d := &sessionPage{S: s, O: v, Past: s.Past(t.Now())}
	if kit.User(c) != nil {
		if d.CanManage, err = t.d.Training.CanManageStructure(c.UserContext(), kit.Viewer(c), v.StructureID); err != nil {
			return err
		}
	}
	p := t.Page(c, "", "trainings", d)
	p.Title = v.Title
	return t.Render(c, fiber.StatusOK, "training/session_show", p)
}

// bodyPage is the public page of a training body.
type bodyPage struct {
	Org      *training.Organisation
	Offers   []*training.OfferView
	Manage   bool
	Upcoming map[int64]int // offer → upcoming sessions
}

// bodyShow is the public page of a declared training body and its offers.
func (t *Capability) bodyShow(c *fiber.Ctx) error {
	org, err := t.declared(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	d := &bodyPage{Org: org, Upcoming: map[int64]int{}}
	if d.Offers, _, err = t.d.Training.FindOffers(ctx, training.OfferFilter{StructureID: org.Body.StructureID, Limit: 200}); err != nil {
		return err
	}
	now := t.Now()
	for _, o := range d.Offers {
		for _, s := range o.Sessions {
			if !s.Past(now) {
				d.Upcoming[o.ID]++
			}
		}
	}
	if kit.User(c) != nil {
		if d.Manage, err = t.d.Training.CanManageStructure(ctx, kit.Viewer(c), org.Body.StructureID); err != nil {
			return err
		}
	}
	p := t.Page(c, "", "trainings", d)
	p.Title = org.Body.Name
	return t.Render(c, fiber.StatusOK, "training/body_show", p)
}

// declared returns the training body of the path; a structure that is not
// a declared training body is not found here.
func (t *Capability) declared(c *fiber.Ctx) (*training.Organisation, error) {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return nil, err
	}
	org, err := t.d.Training.FindOrganisation(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if !org.Declared {
		return nil, maillage.Errorf(maillage.ENOTFOUND, training.KeyBodyNotFound)
	}
	return org, nil
}

func (t *Capability) icalOptions() training.ICalOptions {
	return training.ICalOptions{Domain: t.Config.BaseURL.Hostname(), Now: t.Now(), Text: t.french}
}

// sessionICS is GET /formations/sessions/:id/agenda.ics: one session as
// an iCalendar file.
func (t *Capability) sessionICS(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	s, v, err := t.d.Training.FindSession(c.UserContext(), id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := training.WriteSessionICS(&buf, v.Offer, s, t.icalOptions()); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="session-`+itoa(s.ID)+`.ics"`)
	return c.Send(buf.Bytes())
}

// bodyICS is GET /organismes/:id/sessions.ics: every session of a body's
// offers as one feed (calendars subscribe to it).
func (t *Capability) bodyICS(c *fiber.Ctx) error {
	org, err := t.declared(c)
	if err != nil {
		return err
	}
	offers, _, err := t.d.Training.FindOffers(c.UserContext(), training.OfferFilter{StructureID: org.Body.StructureID, Limit: 1000})
	if err != nil {
		return err
	}
	list := make([]*training.Offer, len(offers))
	for i, o := range offers {
		list[i] = o.Offer
	}
	var buf bytes.Buffer
	if err := training.WriteFeedICS(&buf, &org.Body, list, t.icalOptions()); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="sessions-`+itoa(org.Body.StructureID)+`.ics"`)
	return c.Send(buf.Bytes())
}

// exportAll is GET /formations.lheo.xml: every offer as LHEO 2.3 (open
// data), streamed.
func (t *Capability) exportAll(c *fiber.Ctx) error { return t.export(c, 0, "formations.lheo.xml") }

// exportBody is GET /organismes/:id/formations.lheo.xml: one body's offers.
func (t *Capability) exportBody(c *fiber.Ctx) error {
	org, err := t.declared(c)
	if err != nil {
		return err
	}
	return t.export(c, org.Body.StructureID, "formations-"+itoa(org.Body.StructureID)+".lheo.xml")
}

func (t *Capability) export(c *fiber.Ctx, structureID int64, name string) error {
	if _, total, err := t.d.Training.FindOffers(c.UserContext(), training.OfferFilter{StructureID: structureID, Limit: 1}); err != nil {
		return err
	} else if total == 0 {
		return maillage.Errorf(maillage.ENOTFOUND, training.KeyLHEONoFormation)
	}
	c.Set(fiber.HeaderContentType, "application/xml; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	log := t.Log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if _, err := t.d.Training.ExportLHEO(ctx, w, structureID, t.french); err != nil {
			log.Error("LHEO export cut short", "structure", structureID, "err", err)
		}
		_ = w.Flush()
	})
	return nil
}

// Price is the offer's price in euros, written the French way.
func (d *offerPage) Price() string { return euros(d.O.PriceCents) }
