// Package home is the portal's front: the home page, the data sources,
// the dashboard (each capability adds its next steps) and the status page.
package home

import (
	"embed"
	"io/fs"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

//go:embed *.yaml
var messages embed.FS

// Deps are the services the home pages read.
type Deps struct {
	Territories maillage.TerritoryService
}

// Capability serves the home pages.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (h *Capability) Name() string { return "home" }

// Messages implements kit.Capability.
func (h *Capability) Messages() fs.FS { return messages }

// Mount implements kit.Capability.
func (h *Capability) Mount(r *kit.Router) {
	h.Kit = r.Kit()
	r.Get("/", auth.PermPublic, h.home)
	r.Get("/a-propos/donnees", auth.PermPublic, h.aboutData)
	r.Get("/tableau-de-bord", auth.PermSignedIn, h.dashboard)
	r.Get("/favicon.ico", auth.PermPublic, h.favicon)
	r.Menu(kit.MenuItem{Key: "dashboard", Label: "home.nav.dashboard", Href: "/tableau-de-bord", Perm: auth.PermSignedIn, Order: 30})
}

// audience is a card of the home page: who comes, to do what, and where.
type audience struct{ Key, Href string }

var audiences = []audience{
	{"conseiller", "/mentorat/trouver"},
	{"mediateur", "/mentorat"},
	{"coordinateur", "/observatoire"},
	{"employeur", "/emploi/employeur"},
	{"formation", "/mes-organismes"},
	{"aidant", "/charte"},
	{"instructeur", "/labels"},
	{"public", "/recherche"},
	{"admin", "/admin/roles"},
}

func (h *Capability) home(c *fiber.Ctx) error {
	ctx := c.UserContext()
	n, err := h.d.Territories.CountCommunes(ctx)
	if err != nil {
		return err
	}
	deps, err := h.d.Territories.FindDepartements(ctx)
	if err != nil {
		return err
	}
	data := struct {
		Communes, Departements int
		Audiences              []audience
	}{n, len(deps), audiences}
	return h.Render(c, fiber.StatusOK, "home/home", h.Page(c, "", "home", data))
}

// source is a data set the portal loads (catalogue keys of its name and
// of where it comes from) with its licence.
type source struct{ Key, Source, Licence string }

var sources = []source{
	{"home.data.territories", "home.data.territories.source", "Licence Ouverte 2.0"},
	{"home.data.lieux", "home.data.lieux.source", "Licence Ouverte 2.0"},
	{"home.data.referentiel", "home.data.referentiel.source", "Licence Ouverte 2.0, AGPL-3.0 (Pix)"},
	{"home.data.synonyms", "home.data.synonyms.source", "Licence Ouverte 2.0"},
	{"carto.data.set", "carto.data.set.source", "carto.data.set.licence"},
	{"home.data.charter", "home.data.charter.source", "Licence Ouverte 2.0"},
	{"home.data.labels", "home.data.labels.source", "Licence Ouverte 2.0"},
	{"home.data.lheo", "home.data.lheo.source", "home.data.lheo.licence"},
}

func (h *Capability) aboutData(c *fiber.Ctx) error {
	return h.Render(c, fiber.StatusOK, "home/about_data", h.Page(c, "home.data.title", "", sources))
}

// dashboard is where a person lands after signing in: their roles and the
// next steps each capability suggests for what they are.
func (h *Capability) dashboard(c *fiber.Ctx) error {
	u := kit.User(c)
	steps, err := h.Steps(c, u)
	if err != nil {
		return err
	}
	return h.Render(c, fiber.StatusOK, "home/dashboard", h.Page(c, "home.dashboard.title", "dashboard", struct {
		Steps []kit.Step
	}{steps}))
}

// favicon answers /favicon.ico, which browsers ask for whatever the page says.
func (h *Capability) favicon(c *fiber.Ctx) error {
	return c.Redirect("/static/favicon.svg", fiber.StatusMovedPermanently)
}
