// Package carto is the embeddable map: GET /carte shows the places of a
// territory (?departement=69, ?region=84, or France), or the results of a
// search (the parameters of /recherche), in a page meant for an <iframe>
// on other sites: minimal layout, framable by any site, cacheable, with no
// session and nothing private (always the anonymous view). GET
// /carte/integrer explains how to embed it. The maps themselves are drawn
// by internal/carto; internal/web/carto/mapview puts them in a page.
package carto

import (
	"embed"
	"html/template"
	"io/fs"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/carto"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
	"maillage/internal/web/carto/mapview"
	"maillage/internal/web/kit"
	searchweb "maillage/internal/web/search"
)

//go:embed *.yaml
var messages embed.FS

// Deps are the services of the map pages.
type Deps struct {
	Search     searchweb.Searcher
	Places     mapview.Places
	Structures maillage.StructureService
}

// Capability serves the embeddable map.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (m *Capability) Name() string { return "carto" }

// Messages implements kit.Capability.
func (m *Capability) Messages() fs.FS { return messages }

// Mount implements kit.Capability.
func (m *Capability) Mount(r *kit.Router) {
	m.Kit = r.Kit()
	r.Get("/carte", auth.PermPublic, m.embed)
	r.Get("/carte/integrer", auth.PermPublic, m.help)
}

// maxPlaces is how many places of a territory the map shows.
const maxPlaces = 3000

// searchParams are the parameters that make /carte a search (rather than
// the places of a territory).
var searchParams = []string{"q", "type", "pres"}

type embedData struct {
	Heading string
	Map     template.HTML
	More    string // the same on the portal
	Capped  bool
	Max     int
}

// embed is GET /carte: a map for other sites' frames.
func (m *Capability) embed(c *fiber.Ctx) error {
	atlas, err := carto.Default()
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	// The language comes from the address only (a shared cache must not
	// serve one visitor's language to another), French by default.
	lang := i18n.FR
	if c.Query("lang") == i18n.EN {
		lang = i18n.EN
	}
	p := m.Page(c, "", "", nil)
	p.Lang, p.User, p.Menu, p.CSRF, p.Flash = lang, nil, nil, "", nil

	scope, name := carto.France(), p.T("carto.france")
	dep, reg := c.Query("departement"), c.Query("region")
	switch {
	case dep != "":
		d, ok := atlas.Departement(dep)
		if !ok {
			return maillage.Errorf(maillage.ENOTFOUND, "carto.territory.unknown")
		}
		scope, name = carto.Dep(dep), d.Nom
	case reg != "":
		if len(atlas.Region(reg)) == 0 {
			return maillage.Errorf(maillage.ENOTFOUND, "carto.territory.unknown")
		}
		scope, name = carto.Region(reg), atlas.RegionName(reg)
	}
	search := false
	args := c.Context().QueryArgs()
	for _, k := range searchParams {
		search = search || len(args.Peek(k)) > 0
	}
	for _, attr := range m.d.Search.FacetAttributes() {
		search = search || (attr != "departement" && attr != "region" && len(args.Peek(attr)) > 0)
	}
	var pts []carto.Point
	var unplaced int
	d := &embedData{Max: maxPlaces}
	opts := mapview.Options{ID: "carte", Scope: scope, Heading: 2, Embed: true, Tiles: m.Config.TileURL, Attribution: m.Config.TileAttribution}
	if search {
		q := searchweb.ParseQuery(c, m.d.Search)
		q.Viewer = maillage.Anonymous // never what a cookie's owner may see
		q.PerPage = 100
		m.d.Search.Normalize(&q)
		res, err := m.d.Search.Search(ctx, q)
		if err != nil {
			return err
		}
		if pts, unplaced, err = mapview.HitPoints(ctx, atlas, m.d.Places, res.Hits); err != nil {
			return err
		}
		d.Heading = p.T("carto.embed.search", "Count", res.Total, "Total", p.Int(res.Total), "Territory", name)
		d.Capped = res.Total > len(res.Hits)
		d.Max = len(res.Hits)
		vals := searchweb.QueryValues(q, m.d.Search)
		vals.Set("vue", "carte")
		d.More = m.Config.BaseURL.String() + "/recherche?" + vals.Encode()
		opts.Title = p.T("carto.embed.search.title", "Territory", name)
		opts.Desc = d.Heading
	} else {
		ss, total, err := m.d.Structures.FindStructures(ctx, maillage.StructureFilter{CodeDepartement: dep, CodeRegion: reg, Limit: maxPlaces, Brief: true})
		if err != nil {
			return err
		}
		pts, unplaced = mapview.StructurePoints(atlas, ss)
		d.Heading = p.T("carto.embed.places", "Count", total, "Total", p.Int(total), "Territory", name)
		d.Capped = total > len(ss)
		switch {
		case dep != "":
			d.More = m.Config.BaseURL.String() + "/annuaire/departements/" + url.PathEscape(dep)
		case reg != "":
			d.More = m.Config.BaseURL.String() + "/annuaire/regions/" + url.PathEscape(reg)
		default:
			d.More = m.Config.BaseURL.String() + "/annuaire"
		}
		opts.Title = p.T("carto.embed.places.title", "Territory", name)
		opts.Desc = d.Heading
	}
	opts.Unplaced = unplaced
	if d.Map, err = mapview.Render(p, opts, pts); err != nil {
		return err
	}
	p.Title = opts.Title
	p.Data = d
	c.Status(fiber.StatusOK)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if err := c.Render("carto/embed", p, "embed"); err != nil {
		return err
	}
	framable(c)
	return nil
}

// framable makes the response one any site may frame and any cache may
// keep: frame-ancestors * instead of the portal's 'none', no
// X-Frame-Options, no cookie (no session, no CSRF token, no language).
func framable(c *fiber.Ctx) {
	h := &c.Response().Header
	csp := string(h.Peek(fiber.HeaderContentSecurityPolicy))
	h.Set(fiber.HeaderContentSecurityPolicy, strings.Replace(csp, "frame-ancestors 'none'", "frame-ancestors *", 1))
	h.Del(fiber.HeaderXFrameOptions)
	h.DelAllCookies()
	h.Del(fiber.HeaderSetCookie)
	h.Set(fiber.HeaderCacheControl, "public, max-age=300")
}

type helpData struct {
	Examples []example
}

type example struct{ Label, URL string }

// help is GET /carte/integrer: how to embed the map in another site.
func (m *Capability) help(c *fiber.Ctx) error {
	base := m.Config.BaseURL.String()
	d := helpData{Examples: []example{
		{"carto.help.example.departement", base + "/carte?departement=69"},
		{"carto.help.example.region", base + "/carte?region=53"},
		{"carto.help.example.search", base + "/carte?" + url.Values{"q": {"médiateur"}, "pres": {"Lyon"}, "rayon": {"20"}}.Encode()},
		{"carto.help.example.english", base + "/carte?" + url.Values{"departement": {"974"}, "lang": {"en"}}.Encode()},
	}}
	return m.Render(c, fiber.StatusOK, "carto/help", m.Page(c, "carto.help.title", "", d))
}
