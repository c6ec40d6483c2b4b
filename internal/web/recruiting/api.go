package recruiting

import (
	"github.com/gofiber/fiber/v2"

	"maillage/internal/recruiting"
	"maillage/internal/web/kit"
)

// The JSON API of offers and applications (openapi.json beside this file).
// Bodies are the domain's inputs, so problems carry the same field paths as
// the forms.

// offerJSON is an offer in the API: every field, the title in both forms
// and the address of its page.
type offerJSON struct {
	*recruiting.Offer
	Title string `json:"title"`
	URL   string `json:"url"`
}

func (h *Capability) offerJSON(o *recruiting.Offer) offerJSON {
	return offerJSON{Offer: o, Title: o.Title(), URL: h.Config.BaseURL.String() + "/emploi/offres/" + itoa(o.ID)}
}

// apiOffers lists the offers that take applications.
func (h *Capability) apiOffers(c *fiber.Ctx) error {
	q := kit.NewQuery(c)
	limit, offset := q.Page()
	dep := q.Territory("departement")
	contract := recruiting.Contract(c.Query("contrat"))
	if contract != "" && !contract.Valid() {
		q.Add("contrat", "recruiting.offer.contract.invalid")
	}
	if err := q.Err(); err != nil {
		return err
	}
	list, total, err := h.d.Recruiting.FindOffers(c.UserContext(), recruiting.OfferFilter{OpenOn: h.Now(), CodeDepartement: dep,
		Contract: contract, Offset: offset, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]offerJSON, len(list))
	for i, o := range list {
		out[i] = h.offerJSON(o)
	}
	return kit.JSON(c, kit.NewList(out, total, limit, offset))
}

// apiOffer is one offer (a draft only for its employers).
func (h *Capability) apiOffer(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	o, err := h.d.Recruiting.FindOffer(c.UserContext(), kit.User(c), id)
	if err != nil {
		return err
	}
	return kit.JSON(c, h.offerJSON(o))
}

// apiCreateOffer writes a draft offer (body: recruiting.OfferInput).
func (h *Capability) apiCreateOffer(c *fiber.Ctx) error {
	var in recruiting.OfferInput
	if err := kit.DecodeJSON(c, &in); err != nil {
		return err
	}
	o, err := h.d.Recruiting.CreateOffer(c.UserContext(), kit.User(c), in)
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return kit.JSON(c, h.offerJSON(o))
}

// apiUpdateOffer rewrites an offer (every field; its structure stays).
func (h *Capability) apiUpdateOffer(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	var in recruiting.OfferInput
	if err := kit.DecodeJSON(c, &in); err != nil {
		return err
	}
	o, err := h.d.Recruiting.UpdateOffer(c.UserContext(), kit.User(c), id, in)
	if err != nil {
		return err
	}
	return kit.JSON(c, h.offerJSON(o))
}

type statusBody struct {
	Status     string `json:"status"`
	Motivation string `json:"motivation"`
}

// apiMoveOffer publishes, fills or closes an offer.
func (h *Capability) apiMoveOffer(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	var in statusBody
	if err := kit.DecodeJSON(c, &in); err != nil {
		return err
	}
	o, err := h.d.Recruiting.MoveOffer(c.UserContext(), kit.User(c), id, in.Status)
	if err != nil {
		return err
	}
	return kit.JSON(c, h.offerJSON(o))
}

// candidateJSON is a ranked candidate: only what their profile view holds
// for the caller, and why they fit.
type candidateJSON struct {
	ProfileID       int64    `json:"profile_id"`
	DisplayName     string   `json:"display_name"`
	Commune         string   `json:"commune,omitempty"`
	CodeDepartement string   `json:"code_departement,omitempty"`
	Titles          []string `json:"titles"`
	PixLevel        *int     `json:"pix_level,omitempty"`
	AvailableFrom   string   `json:"available_from,omitempty"`
	DistanceKm      *int     `json:"distance_km,omitempty"`
	Why             string   `json:"why"`
}

// apiRankedCandidates ranks the candidates for an offer (its employers).
func (h *Capability) apiRankedCandidates(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	ranked, err := h.d.Recruiting.RankCandidates(c.UserContext(), kit.User(c), id, radius(c), 100)
	if err != nil {
		return err
	}
	out := make([]candidateJSON, len(ranked))
	for i, r := range ranked {
		cj := candidateJSON{ProfileID: r.ProfileID, DisplayName: r.Name, Commune: r.Commune, CodeDepartement: r.Departement,
			Titles: r.Holds, PixLevel: r.PixLevel, Why: h.why(c, r.Fit.Why(recruiting.ForEmployer))}
		if cj.Titles == nil {
			cj.Titles = []string{}
		}
		if r.AvailableFrom != nil {
			cj.AvailableFrom = dateOnly(*r.AvailableFrom)
		}
		if r.Fit.DistanceKm != nil {
			km := r.Fit.Km()
			cj.DistanceKm = &km
		}
		out[i] = cj
	}
	return kit.JSON(c, kit.NewList(out, len(out), 0, 0))
}

// apiOfferApplications lists an offer's applications (its employers).
func (h *Capability) apiOfferApplications(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	list, err := h.d.Recruiting.FindApplications(c.UserContext(), kit.User(c), recruiting.ApplicationFilter{OfferID: id})
	if err != nil {
		return err
	}
	return kit.JSON(c, kit.NewList(list, len(list), 0, 0))
}

// apiApply sends an application without CV (the page takes the CV).
func (h *Capability) apiApply(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	var in recruiting.ApplicationInput
	if err := kit.DecodeJSON(c, &in); err != nil {
		return err
	}
	a, err := h.d.Recruiting.Apply(c.UserContext(), kit.User(c), id, in, nil)
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return kit.JSON(c, a)
}

// apiMyApplications lists the caller's applications.
func (h *Capability) apiMyApplications(c *fiber.Ctx) error {
	list, err := h.d.Recruiting.FindApplications(c.UserContext(), kit.User(c), recruiting.ApplicationFilter{Mine: true})
	if err != nil {
		return err
	}
	return kit.JSON(c, kit.NewList(list, len(list), 0, 0))
}

// apiApplication is one application with its history.
func (h *Capability) apiApplication(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.d.Recruiting.FindApplication(c.UserContext(), kit.User(c), id)
	if err != nil {
		return err
	}
	return kit.JSON(c, a)
}

// apiMoveApplication moves an application.
func (h *Capability) apiMoveApplication(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	var in statusBody
	if err := kit.DecodeJSON(c, &in); err != nil {
		return err
	}
	a, err := h.d.Recruiting.MoveApplication(c.UserContext(), kit.User(c), id, in.Status, in.Motivation)
	if err != nil {
		return err
	}
	return kit.JSON(c, a)
}
