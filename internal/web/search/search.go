// Package search is the search page and GET /api/recherche: one query over
// every type of the search registry (people, places, and the types the
// capabilities add), with facets, "près de" and pagination.
package search

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/carto"
	"maillage/internal/maillage"
	"maillage/internal/web/carto/mapview"
	"maillage/internal/web/kit"
)

//go:embed *.yaml
var messages embed.FS

//go:embed openapi.json
var openapi []byte

// Searcher is the search service as the pages use it.
type Searcher interface {
	Search(ctx context.Context, q maillage.SearchQuery) (*maillage.SearchResult, error)
	Types() []string
	FacetAttributes() []string
	Normalize(q *maillage.SearchQuery)
}

// Deps are the services of the search pages.
type Deps struct {
	Search      Searcher
	Territories maillage.TerritoryService
	// Places gives the structures of the hits shown on the map view
	// (their coordinates).
	Places mapview.Places
}

// Capability serves the search pages.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (s *Capability) Name() string { return "search" }

// Messages implements kit.Capability.
func (s *Capability) Messages() fs.FS { return messages }

// Mount implements kit.Capability.
func (s *Capability) Mount(r *kit.Router) {
	s.Kit = r.Kit()
	r.Get("/recherche", auth.PermPublic, s.search)
	r.Get("/api/recherche", auth.PermPublic, s.apiSearch)
	r.OpenAPI(openapi)
	r.Menu(kit.MenuItem{Key: "search", Label: "search.nav", Href: "/recherche", Perm: auth.PermPublic, Order: 10})
}

// parse reads a search from the query string (ParseQuery).
func (s *Capability) parse(c *fiber.Ctx) maillage.SearchQuery { return ParseQuery(c, s.d.Search) }

// ParseQuery reads a search from the query string: q, type (repeated), one
// parameter per facet attribute (repeated), pres, rayon, tri, page,
// par_page. The embeddable map (/carte) takes the same parameters.
func ParseQuery(c *fiber.Ctx, search Searcher) maillage.SearchQuery {
	q := maillage.SearchQuery{Viewer: kit.Viewer(c), Q: c.Query("q"), Near: c.Query("pres"), Sort: c.Query("tri"), Filters: map[string][]string{}}
	q.RadiusKm, _ = strconv.Atoi(c.Query("rayon"))
	q.Page, _ = strconv.Atoi(c.Query("page"))
	q.PerPage, _ = strconv.Atoi(c.Query("par_page"))
	args := c.Context().QueryArgs()
	for _, v := range args.PeekMulti("type") {
		q.Types = append(q.Types, string(v))
	}
	for _, attr := range search.FacetAttributes() {
		for _, v := range args.PeekMulti(attr) {
			q.Filters[attr] = append(q.Filters[attr], string(v))
		}
	}
	search.Normalize(&q)
	return q
}

// values turns a query back into URL parameters (shareable URLs).
func (s *Capability) values(q maillage.SearchQuery) url.Values { return QueryValues(q, s.d.Search) }

// QueryValues turns a query back into URL parameters.
func QueryValues(q maillage.SearchQuery, search Searcher) url.Values {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	for _, t := range q.Types {
		v.Add("type", t)
	}
	for _, attr := range search.FacetAttributes() {
		for _, x := range q.Filters[attr] {
			v.Add(attr, x)
		}
	}
	if q.Near != "" {
		v.Set("pres", q.Near)
		v.Set("rayon", strconv.Itoa(q.RadiusKm))
	}
	if q.Sort != "" {
		v.Set("tri", q.Sort)
	}
	return v
}

// view is what the search page shows.
type view struct {
	Q          maillage.SearchQuery
	Result     *maillage.SearchResult
	Types      []tab
	Radii      []int
	Pages      []page
	Prev, Next string
	Started    bool // something was asked (not the bare page)
	From, To   int
	// Candidates are the communes a "près de" may mean, to choose from.
	Candidates []candidate
	// The map view (vue=carte): the same query's results on a map, the
	// links between both views (which keep the query), the map itself.
	OnMap           bool
	ListURL, MapURL string
	EmbedURL        string
	Map             template.HTML
	// Facets is the result's facets, rendered (facetsHTML).
	Facets template.HTML
}

type tab struct {
	Label   string
	URL     string
	Count   int
	Counted bool
	Current bool
}

type page struct {
	N       int
	URL     string
	Current bool
	Gap     bool
}

type candidate struct{ Label, URL string }

// mapView is the value of "vue" that shows the results on a map.
const mapView = "carte"

// mapPerPage is how many results a page of the map view places.
const mapPerPage = 100

func (s *Capability) url(q maillage.SearchQuery, mod func(url.Values)) string {
	vals := s.values(q)
	mod(vals)
	if len(vals) == 0 {
		return "/recherche"
	}
	return "/recherche?" + vals.Encode()
}

// view builds what the page shows; its links keep the map view when
// onMap.
func (s *Capability) view(q maillage.SearchQuery, res *maillage.SearchResult, onMap bool) *view {
	v := &view{Q: q, Result: res, Radii: maillage.SearchRadii, OnMap: onMap}
	plain := s.url
	link := func(q maillage.SearchQuery, mod func(url.Values)) string {
		return plain(q, func(u url.Values) {
			if onMap {
				u.Set("vue", mapView)
			}
			mod(u)
		})
	}
	v.Started = q.Q != "" || q.Near != "" || len(q.Filters) > 0 || len(q.Types) > 0
	v.ListURL = plain(q, func(u url.Values) { u.Del("page") })
	v.MapURL = plain(q, func(u url.Values) { u.Set("vue", mapView); u.Del("page") })
	v.EmbedURL = s.Config.BaseURL.String() + "/carte" + strings.TrimPrefix(v.ListURL, "/recherche")
	if res == nil {
		return v
	}
	total := 0
	for _, n := range res.TypeCounts {
		total += n
	}
	allCounted := len(q.Types) == 0
	v.Types = append(v.Types, tab{Label: "search.type.all", URL: link(q, func(u url.Values) { u.Del("type") }), Count: total, Counted: allCounted, Current: len(q.Types) == 0})
	for _, t := range s.d.Search.Types() {
		n, ok := res.TypeCounts[t]
		cur := len(q.Types) == 1 && q.Types[0] == t
		v.Types = append(v.Types, tab{Label: "search.type." + t, URL: link(q, func(u url.Values) { u.Del("type"); u.Set("type", t) }),
			Count: n, Counted: ok || allCounted, Current: cur})
	}
	if res.Total > 0 {
		v.From = (res.Page-1)*res.PerPage + 1
		v.To = v.From + len(res.Hits) - 1
	}
	pageURL := func(n int) string {
		return link(q, func(u url.Values) {
			if n > 1 {
				u.Set("page", strconv.Itoa(n))
			}
		})
	}
	if res.Page > 1 {
		v.Prev = pageURL(res.Page - 1)
	}
	if res.Page < res.Pages {
		v.Next = pageURL(res.Page + 1)
	}
	last := 0
	for n := 1; n <= res.Pages; n++ {
		if n == 1 || n == res.Pages || (n >= res.Page-2 && n <= res.Page+2) {
			if last != 0 && n != last+1 {
				v.Pages = append(v.Pages, page{Gap: true})
			}
			v.Pages = append(v.Pages, page{N: n, URL: pageURL(n), Current: n == res.Page})
			last = n
		}
	}
	return v
}

// search is the search page: GET /recherche?q=… (works without JavaScript;
// web/static/js/recherche.js refreshes the results as one types).
func (s *Capability) search(c *fiber.Ctx) error {
	q := s.parse(c)
	onMap := c.Query("vue") == mapView
	if onMap {
		// The map view places a page of up to 100 results.
		q.PerPage = mapPerPage
		s.d.Search.Normalize(&q)
	}
	v := s.view(q, nil, onMap)
	p := s.Page(c, "search.title", "search", v)
	p.Form = s.NewForm(c)
	p.Form.Set("pres", q.Near)
	if !v.Started {
		return s.Render(c, fiber.StatusOK, "search/search", p)
	}
	res, err := s.d.Search.Search(c.UserContext(), q)
	if err != nil {
		if p.Form.Fail(err) {
			// A commune several bear (or none): offer the choice.
			if _, cands, cerr := s.d.Territories.ResolveCommune(c.UserContext(), q.Near); cerr == nil {
				for _, cm := range cands {
					// The name with its INSEE code: unambiguous even where
					// the code is another commune's postcode (69003).
					code := cm.Nom + " (" + cm.CodeInsee + ")"
					v.Candidates = append(v.Candidates, candidate{Label: cm.Nom + " (" + cm.CodeDepartement + ")", URL: s.url(q, func(u url.Values) {
						u.Set("pres", code)
						if onMap {
							u.Set("vue", mapView)
						}
					})})
				}
			}
			return s.Render(c, fiber.StatusUnprocessableEntity, "search/search", p)
		}
		if maillage.ErrorCode(err) == maillage.EUNAVAILABLE {
			p.Flash = &kit.Flash{Kind: "error", Message: p.T("search.unavailable")}
			return s.Render(c, fiber.StatusServiceUnavailable, "search/search", p)
		}
		return err
	}
	if res.Near != nil {
		p.Form.Set("pres", res.Near.Nom+" ("+res.Near.CodeInsee+")")
	}
	s.label(c, res)
	v = s.view(q, res, onMap)
	p.Data = v
	if v.Facets, err = facetsHTML(p, res.Facets); err != nil {
		return err
	}
	if v.OnMap {
		if v.Map, err = s.drawMap(c, p, res); err != nil {
			return err
		}
	}
	return s.Render(c, fiber.StatusOK, "search/search", p)
}

// drawMap puts the page's results on a map of France: places at their
// coordinates, people at their commune's centre when the hit shows it
// (the hit is what the viewer may see; nothing else is read).
func (s *Capability) drawMap(c *fiber.Ctx, p *kit.Page, res *maillage.SearchResult) (template.HTML, error) {
	atlas, err := carto.Default()
	if err != nil {
		return "", err
	}
	pts, unplaced, err := mapview.HitPoints(c.UserContext(), atlas, s.d.Places, res.Hits)
	if err != nil {
		return "", err
	}
	v := p.Data.(*view)
	return mapview.Render(p, mapview.Options{
		ID: "carte-resultats", Scope: carto.France(), Heading: 2, Unplaced: unplaced,
		Title: p.T("search.map.title"),
		Desc:  p.T("search.map.desc", "From", v.From, "To", v.To, "Total", p.Int(res.Total), "Count", res.Total),
		Tiles: s.Config.TileURL, Attribution: s.Config.TileAttribution,
	}, pts)
}

// label names facets, facet values and subtitles in the request's language.
func (s *Capability) label(c *fiber.Ctx, res *maillage.SearchResult) {
	for i := range res.Facets {
		f := &res.Facets[i]
		f.Label = s.T(c, "search.facet."+f.Attribute)
		for j := range f.Values {
			if k := f.Values[j].Key; k != "" {
				f.Values[j].Label = s.T(c, k)
			}
		}
	}
	for i := range res.Hits {
		h := &res.Hits[i]
		for _, k := range h.SubtitleKeys {
			if h.Subtitle != "" {
				h.Subtitle += " · "
			}
			h.Subtitle += s.T(c, k)
		}
	}
}

// apiSearch is GET /api/recherche: the same parameters, JSON out (see
// openapi.json beside this file).
func (s *Capability) apiSearch(c *fiber.Ctx) error {
	q := s.parse(c)
	res, err := s.d.Search.Search(c.UserContext(), q)
	if err != nil {
		return err
	}
	s.label(c, res)
	if res.Hits == nil {
		res.Hits = []maillage.SearchHit{}
	}
	if res.Facets == nil {
		res.Facets = []maillage.Facet{}
	}
	return kit.JSON(c, fiber.Map{
		"query": fiber.Map{"q": q.Q, "types": q.Types, "filters": q.Filters, "pres": q.Near, "rayon": q.RadiusKm, "tri": q.Sort, "page": q.Page, "par_page": q.PerPage},
		"total": res.Total, "page": res.Page, "per_page": res.PerPage, "pages": res.Pages, "capped": res.Capped,
		"type_counts": res.TypeCounts, "facets": res.Facets, "hits": res.Hits, "near": res.Near,
		"degraded": res.Degraded, "took_ms": res.TookMs,
	})
}
