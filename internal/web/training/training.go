// Package training is the training room of the web layer: the public
// catalogue of offers and sessions (pages, iCalendar, LHEO open data), the
// pages where a training body's people manage their offers and sessions,
// « Mon parcours » (a person's path to a title, printable and shareable),
// and their JSON API. Every change goes through training.Service, which
// checks training.CanManage on the stored body.
package training

import (
	"embed"
	"io/fs"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
	"maillage/internal/training"
	"maillage/internal/web/kit"
)

//go:embed *.yaml
var messages embed.FS

//go:embed openapi.json
var openapi []byte

// Deps are the services of the training pages.
type Deps struct {
	Training    training.Service
	Territories maillage.TerritoryService
}

// Capability serves the training pages and API.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (t *Capability) Name() string { return "training" }

// Messages implements kit.Capability.
func (t *Capability) Messages() fs.FS { return messages }

// Mount implements kit.Capability.
func (t *Capability) Mount(r *kit.Router) {
	t.Kit = r.Kit()
	pub, signed := auth.PermPublic, auth.PermSignedIn

	// The public catalogue and open data.
	r.Get("/formations", pub, t.offers)
	r.Get("/formations.lheo.xml", pub, t.exportAll)
	r.Get("/formations/:id", pub, t.offerShow)
	r.Get("/formations/sessions/:id", pub, t.sessionShow)
	r.Get("/formations/sessions/:id/agenda.ics", pub, t.sessionICS)
	r.Get("/organismes/:id", pub, t.bodyShow)
	r.Get("/organismes/:id/sessions.ics", pub, t.bodyICS)
	r.Get("/organismes/:id/formations.lheo.xml", pub, t.exportBody)

	// A training body's people (then training.CanManage on the body).
	r.Get("/mes-organismes", signed, t.myBodies)
	r.Get("/organismes/:id/gestion", signed, t.bodyManage)
	r.Post("/organismes/:id/declaration", signed, t.bodyDeclare)
	r.Post("/organismes/:id/import-lheo", signed, t.bodyImport)
	r.Get("/organismes/:id/offres/nouvelle", signed, t.offerNew)
	r.Post("/organismes/:id/offres/nouvelle", signed, t.offerCreate)
	r.Get("/formations/:id/modifier", signed, t.offerEdit)
	r.Post("/formations/:id/modifier", signed, t.offerUpdate)
	r.Post("/formations/:id/supprimer", signed, t.offerDelete)
	r.Get("/formations/:id/sessions/nouvelle", signed, t.sessionNew)
	r.Post("/formations/:id/sessions/nouvelle", signed, t.sessionCreate)
	r.Get("/formations/sessions/:id/modifier", signed, t.sessionEdit)
	r.Post("/formations/sessions/:id/modifier", signed, t.sessionUpdate)
	r.Post("/formations/sessions/:id/supprimer", signed, t.sessionDelete)

	// « Mon parcours ».
	r.Get("/parcours", signed, t.path)
	r.Post("/parcours/partages", signed, t.pathShare)
	r.Post("/parcours/partages/:id/revoquer", signed, t.pathRevoke)
	r.Get("/parcours/partage/:token", pub, t.pathShared)

	// API.
	r.Get("/api/formations", pub, t.apiOffers)
	r.Post("/api/formations", signed, t.apiCreateOffer)
	r.Get("/api/formations/:id", pub, t.apiOffer)
	r.Put("/api/formations/:id", signed, t.apiUpdateOffer)
	r.Delete("/api/formations/:id", signed, t.apiDeleteOffer)
	r.Post("/api/formations/:id/sessions", signed, t.apiCreateSession)
	r.Put("/api/formations/sessions/:id", signed, t.apiUpdateSession)
	r.Delete("/api/formations/sessions/:id", signed, t.apiDeleteSession)
	r.Get("/api/moi/parcours", signed, t.apiPath)
	r.OpenAPI(openapi)

	r.Menu(kit.MenuItem{Key: "trainings", Label: "training.nav.offers", Href: "/formations", Perm: pub, Order: 25})
	r.Menu(kit.MenuItem{Key: "path", Label: "training.nav.path", Href: "/parcours", Perm: signed, Order: 45})
	r.Steps(t.steps)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// steps are the training room's next steps on a person's dashboard: from
// the first bloc they miss towards a title, to their path (the sessions
// that cover it); and the training bodies they manage.
func (t *Capability) steps(c *fiber.Ctx, u *maillage.User) ([]kit.Step, error) {
	ctx := c.UserContext()
	var out []kit.Step
	v, err := t.d.Training.PathFor(ctx, u.ID, training.PathSettings{Remote: true}, t.Now())
	switch {
	case maillage.ErrorCode(err) == maillage.ENOTFOUND:
	case err != nil:
		return nil, err
	case len(v.Path.Missing) > 0 && v.Certification != nil:
		first := v.Path.Missing[0]
		out = append(out, kit.Step{Key: "training.step.path", Text: "training.step.path.text", Href: "/parcours#bloc-" + first,
			Args: []any{"Count", len(v.Path.Missing), "Bloc", first, "Title", v.Certification.Title}, Order: 30})
	}
	orgs, err := t.d.Training.ManagedOrganisations(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		href := "/organismes/" + itoa(o.Body.StructureID) + "/gestion"
		switch {
		case o.Declared:
			out = append(out, kit.Step{Key: "training.step.body", Href: href, Args: []any{"Name", o.Body.Name, "Count", o.Offers}, Order: 45})
		case o.Role:
			out = append(out, kit.Step{Key: "training.step.declare", Text: "training.step.declare.text", Href: href, Args: []any{"Name", o.Body.Name}, Order: 44})
		}
	}
	return out, nil
}

// french translates into French (the texts of open data files).
func (t *Capability) french(key string, args ...any) string {
	return t.Catalog.T(i18n.FR, key, args...)
}
