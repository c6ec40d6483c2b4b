package training

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/training"
	"maillage/internal/web/kit"
)

// The JSON API of the training room (described in openapi.json beside
// this file). Writes go through the same service and domain rules as the
// forms; their problems name the field by its path in the body
// (sessions.0.end, blocs.1).

// apiOfferBody is the body of POST /api/formations and PUT
// /api/formations/{id} (structure_id only for a creation).
type apiOfferBody struct {
	StructureID    int64              `json:"structure_id"`
	Title          string             `json:"title"`
	Description    string             `json:"description"`
	Objectives     string             `json:"objectives"`
	Certifications []string           `json:"certifications"`
	Blocs          []string           `json:"blocs"`
	Modality       training.Modality  `json:"modality"`
	Hours          int                `json:"hours"`
	PriceCents     int64              `json:"price_cents"`
	Funding        []training.Funding `json:"funding"`
	Contact        training.Contact   `json:"contact"`
	Sessions       []apiSessionBody   `json:"sessions"`
}

// apiSessionBody is a session in a body (POST .../sessions, PUT
// /api/formations/sessions/{id}); registration defaults to ouverte.
type apiSessionBody struct {
	Start           time.Time                  `json:"start"`
	End             time.Time                  `json:"end"`
	Place           training.Place             `json:"place"`
	Seats           int                        `json:"seats"`
	SeatsLeft       int                        `json:"seats_left"`
	Registration    training.RegistrationState `json:"registration"`
	RegistrationURL string                     `json:"registration_url"`
}

func (b apiSessionBody) session() *training.Session {
	s := &training.Session{Start: b.Start, End: b.End, Place: b.Place, Seats: b.Seats, SeatsLeft: b.SeatsLeft,
		Registration: b.Registration, RegistrationURL: b.RegistrationURL}
	if s.Registration == "" {
		s.Registration = training.RegistrationOpen
	}
	return s
}

func (b apiOfferBody) offer() *training.Offer {
	o := &training.Offer{Title: b.Title, Description: b.Description, Objectives: b.Objectives, Certifications: b.Certifications,
		Blocs: b.Blocs, Modality: b.Modality, Hours: b.Hours, PriceCents: b.PriceCents, Funding: b.Funding, Contact: b.Contact}
	for _, s := range b.Sessions {
		o.Sessions = append(o.Sessions, s.session())
	}
	return o
}

// apiOffers lists the offers (not withdrawn): ?structure_id=, certification,
// bloc, departement, a_venir=true (with an upcoming session), limit, offset.
func (t *Capability) apiOffers(c *fiber.Ctx) error {
	q := kit.NewQuery(c)
	f := training.OfferFilter{Certification: q.Text("certification", 40), Bloc: q.Text("bloc", 40), Departement: q.Territory("departement"), Now: t.Now()}
	if up := q.Bool("a_venir"); up != nil {
		f.Upcoming = *up
	}
	if v := c.Query("structure_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			q.Add("structure_id", "error.api.type.integer")
		}
		f.StructureID = id
	}
	f.Limit, f.Offset = q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	offers, total, err := t.d.Training.FindOffers(c.UserContext(), f)
	if err != nil {
		return err
	}
	return kit.JSON(c, kit.NewList(offers, total, f.Limit, f.Offset))
}

func (t *Capability) apiOffer(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := t.d.Training.FindOffer(c.UserContext(), id)
	if err != nil {
		return err
	}
	return kit.JSON(c, v)
}

func (t *Capability) apiCreateOffer(c *fiber.Ctx) error {
	var b apiOfferBody
	if err := kit.DecodeJSON(c, &b); err != nil {
		return err
	}
	if b.StructureID <= 0 {
		return maillage.Invalid("structure_id", training.KeyRequired)
	}
	v, err := t.d.Training.CreateOffer(c.UserContext(), kit.Viewer(c), b.StructureID, b.offer())
	if err != nil {
		return err
	}
	c.Location("/api/formations/" + itoa(v.ID))
	c.Status(fiber.StatusCreated)
	return kit.JSON(c, v)
}

func (t *Capability) apiUpdateOffer(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	var b apiOfferBody
	if err := kit.DecodeJSON(c, &b); err != nil {
		return err
	}
	if len(b.Sessions) > 0 {
		return maillage.Invalid("sessions", "training.api.sessions_apart")
	}
	v, err := t.d.Training.UpdateOffer(c.UserContext(), kit.Viewer(c), id, b.offer())
	if err != nil {
		return err
	}
	return kit.JSON(c, v)
}

func (t *Capability) apiDeleteOffer(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := t.d.Training.DeleteOffer(c.UserContext(), kit.Viewer(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (t *Capability) apiCreateSession(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	var b apiSessionBody
	if err := kit.DecodeJSON(c, &b); err != nil {
		return err
	}
	s, err := t.d.Training.CreateSession(c.UserContext(), kit.Viewer(c), id, b.session())
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return kit.JSON(c, s)
}

func (t *Capability) apiUpdateSession(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	var b apiSessionBody
	if err := kit.DecodeJSON(c, &b); err != nil {
		return err
	}
	s, err := t.d.Training.UpdateSession(c.UserContext(), kit.Viewer(c), id, b.session())
	if err != nil {
		return err
	}
	return kit.JSON(c, s)
}

func (t *Capability) apiDeleteSession(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := t.d.Training.DeleteSession(c.UserContext(), kit.Viewer(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiPath is GET /api/moi/parcours: the caller's path (?certification=,
// rayon=, distance=0 to leave remote sessions out).
func (t *Capability) apiPath(c *fiber.Ctx) error {
	v, err := t.d.Training.PathFor(c.UserContext(), kit.User(c).ID, settings(func(k string) string { return c.Query(k) }), t.Now())
	if err != nil {
		return err
	}
	return kit.JSON(c, v)
}
