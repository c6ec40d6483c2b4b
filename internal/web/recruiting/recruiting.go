// Package recruiting is the job room: employers' offers (written,
// published, filled, closed), the candidates ranked for an offer with why,
// applications with their states and CVs, contact requests to people open
// to opportunities, « offres qui vous correspondent » for a person, the
// public offer pages, the open-data export of offers (schema.org
// JobPosting), and their JSON API.
package recruiting

import (
	"embed"
	"io/fs"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/maillage"
	"maillage/internal/recruiting"
	"maillage/internal/web/kit"
)

//go:embed *.yaml
var messages embed.FS

//go:embed openapi.json
var openapi []byte

// Deps are the services of the job pages.
type Deps struct {
	Recruiting  recruiting.Service
	Profiles    maillage.ProfileService
	Referential maillage.ReferentialService
	Territories maillage.TerritoryService
}

// Capability serves the job pages and API.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (h *Capability) Name() string { return "recruiting" }

// Messages implements kit.Capability.
func (h *Capability) Messages() fs.FS { return messages }

// TrainingPath is the bridge from a required title or bloc a person lacks
// to the training room's « Mon parcours » towards the title it belongs to:
// the blocs that separate the person from it and the sessions nearby that
// cover them (/parcours?certification=CODE).
func TrainingPath(w recruiting.Want) string {
	return "/parcours?certification=" + url.QueryEscape(w.Certification())
}

// Mount implements kit.Capability.
func (h *Capability) Mount(r *kit.Router) {
	h.Kit = r.Kit()
	pub, signed := auth.PermPublic, auth.PermSignedIn

	r.Get("/emploi", pub, h.offers)
	r.Get("/emploi/offres.json", pub, h.openData)
	r.Get("/emploi/employeur", signed, h.employer)
	r.Get("/emploi/offres/nouvelle", signed, h.offerNew)
	r.Post("/emploi/offres/nouvelle", signed, h.offerCreate)
	r.Get("/emploi/offres/:id", pub, h.offerShow)
	r.Get("/emploi/offres/:id/modifier", signed, h.offerEdit)
	r.Post("/emploi/offres/:id/modifier", signed, h.offerUpdate)
	r.Post("/emploi/offres/:id/statut", signed, h.offerMove)
	r.Get("/emploi/offres/:id/candidats", signed, h.offerCandidates)
	r.Get("/emploi/offres/:id/candidatures", signed, h.offerApplications)
	r.Get("/emploi/offres/:id/candidatures.csv", signed, h.offerApplicationsCSV)
	r.Post("/emploi/offres/:id/postuler", signed, h.apply)
	r.Get("/emploi/candidatures/:id", signed, h.applicationShow)
	r.Post("/emploi/candidatures/:id/statut", signed, h.applicationMove)
	r.Get("/emploi/candidatures/:id/cv", signed, h.applicationCV)
	r.Get("/emploi/pour-moi", signed, h.forMe)
	r.Post("/emploi/disponibilite", signed, h.availability)
	r.Get("/emploi/mes-candidatures", signed, h.mine)
	r.Post("/emploi/contacts/:id/reponse", signed, h.contactAnswer)
	r.Get("/emploi/candidats", signed, h.candidates)
	r.Get("/emploi/candidats/:id", signed, h.candidateShow)
	r.Post("/emploi/candidats/:id/contact", signed, h.contact)

	r.Get("/api/emploi/offres", pub, h.apiOffers)
	r.Post("/api/emploi/offres", signed, h.apiCreateOffer)
	r.Get("/api/emploi/offres/:id", pub, h.apiOffer)
	r.Put("/api/emploi/offres/:id", signed, h.apiUpdateOffer)
	r.Post("/api/emploi/offres/:id/statut", signed, h.apiMoveOffer)
	r.Get("/api/emploi/offres/:id/candidats", signed, h.apiRankedCandidates)
	r.Get("/api/emploi/offres/:id/candidatures", signed, h.apiOfferApplications)
	r.Post("/api/emploi/offres/:id/candidatures", signed, h.apiApply)
	r.Get("/api/emploi/candidatures", signed, h.apiMyApplications)
	r.Get("/api/emploi/candidatures/:id", signed, h.apiApplication)
	r.Post("/api/emploi/candidatures/:id/statut", signed, h.apiMoveApplication)
	r.OpenAPI(openapi)

	r.Menu(kit.MenuItem{Key: "jobs", Label: "recruiting.nav", Href: "/emploi", Perm: pub, Order: 35})
	r.Steps(h.steps)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// why translates an explanation, parts joined by « · ».
func (h *Capability) why(c *fiber.Ctx, rs []recruiting.Reason) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = h.T(c, r.Key, r.Args...)
	}
	return strings.Join(parts, " · ")
}

// steps are the job room's next steps on the dashboard: the employer
// space, the offers that fit a person open to opportunities (the best
// three, each with why), contact requests to answer and interviews.
func (h *Capability) steps(c *fiber.Ctx, u *maillage.User) ([]kit.Step, error) {
	ctx := c.UserContext()
	var out []kit.Step
	sts, err := h.d.Recruiting.EmployerStructures(ctx, u)
	if err != nil {
		return nil, err
	}
	if len(sts) > 0 {
		out = append(out, kit.Step{Key: "recruiting.step.employer", Text: "recruiting.step.employer.text", Href: "/emploi/employeur", Order: 30})
	}
	contacts, err := h.d.Recruiting.FindContacts(ctx, u, recruiting.ContactFilter{Received: true})
	if err != nil {
		return nil, err
	}
	pending := 0
	for _, ct := range contacts {
		if ct.Status == recruiting.ContactSent {
			pending++
		}
	}
	if pending > 0 {
		out = append(out, kit.Step{Key: "recruiting.step.contacts", Href: "/emploi/mes-candidatures", Args: []any{"Count", pending}, Order: 6})
	}
	apps, err := h.d.Recruiting.FindApplications(ctx, u, recruiting.ApplicationFilter{Mine: true})
	if err != nil {
		return nil, err
	}
	interviews := 0
	for _, a := range apps {
		if a.Status == recruiting.ApplicationInterview {
			interviews++
		}
	}
	if interviews > 0 {
		out = append(out, kit.Step{Key: "recruiting.step.interviews", Href: "/emploi/mes-candidatures", Args: []any{"Count", interviews}, Order: 7})
	}
	p, err := h.d.Profiles.FindProfileByUserID(ctx, u.ID)
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	if p.OpenToWork == nil || !*p.OpenToWork {
		return out, nil
	}
	matches, err := h.d.Recruiting.MatchingOffers(ctx, u, recruiting.DefaultRadius, 50)
	if err != nil {
		return nil, err
	}
	out = append(out, kit.Step{Key: "recruiting.step.matches", Text: "recruiting.step.matches.text", Href: "/emploi/pour-moi", Args: []any{"Count", len(matches)}, Order: 31})
	for i, m := range matches {
		if i == 3 {
			break
		}
		out = append(out, kit.Step{Key: "recruiting.step.offer", Text: "recruiting.step.offer.text", Href: "/emploi/offres/" + itoa(m.Offer.ID),
			Args: []any{"Title", m.Offer.Title(), "Structure", m.Offer.StructureNom, "Why", h.why(c, m.Fit.Why(recruiting.ForCandidate))}, Order: 32 + i})
	}
	return out, nil
}
