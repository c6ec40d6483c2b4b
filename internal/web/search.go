package web

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

// parseSearch reads a search from the query string: q, type (repeated),
// one parameter per facet attribute (repeated), pres, rayon, tri, page.
func parseSearch(c *fiber.Ctx) maillage.SearchQuery {
	q := maillage.SearchQuery{Viewer: viewerOf(c), Q: c.Query("q"), Near: c.Query("pres"), Sort: c.Query("tri"), Filters: map[string][]string{}}
	q.RadiusKm, _ = strconv.Atoi(c.Query("rayon"))
	q.Page, _ = strconv.Atoi(c.Query("page"))
	args := c.Context().QueryArgs()
	for _, v := range args.PeekMulti("type") {
		q.Types = append(q.Types, string(v))
	}
	for _, attr := range searchFacets {
		for _, v := range args.PeekMulti(attr) {
			q.Filters[attr] = append(q.Filters[attr], string(v))
		}
	}
	q.Normalize(searchTypes, searchFacets)
	return q
}

// values turns a query back into URL parameters (shareable URLs).
func searchValues(q maillage.SearchQuery) url.Values {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	for _, t := range q.Types {
		v.Add("type", t)
	}
	for _, attr := range searchFacets {
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

// searchView is what the search page shows.
type searchView struct {
	Q       maillage.SearchQuery
	Result  *maillage.SearchResult
	Types   []searchTab
	Radii   []int
	Pages   []searchPage
	Prev    string
	Next    string
	Started bool // something was asked (not the bare page)
	From    int
	To      int
}

type searchTab struct {
	Label   string
	URL     string
	Count   int
	Counted bool
	Current bool
}

type searchPage struct {
	N       int
	URL     string
	Current bool
	Gap     bool
}

func (v *searchView) url(mod func(url.Values)) string {
	vals := searchValues(v.Q)
	mod(vals)
	if len(vals) == 0 {
		return "/recherche"
	}
	return "/recherche?" + vals.Encode()
}

// Distance formats a distance in metres for a hit.
func (v *searchView) Distance(m *int) string {
	if m == nil {
		return ""
	}
	if *m < 1000 {
		return fmt.Sprintf("%d m", *m)
	}
	return fmt.Sprintf("%.1f km", float64(*m)/1000)
}

func newSearchView(q maillage.SearchQuery, res *maillage.SearchResult) *searchView {
	v := &searchView{Q: q, Result: res, Radii: maillage.SearchRadii}
	v.Started = q.Q != "" || q.Near != "" || len(q.Filters) > 0 || len(q.Types) > 0
	if res == nil {
		return v
	}
	total := 0
	for _, n := range res.TypeCounts {
		total += n
	}
	allCounted := len(q.Types) == 0
	v.Types = append(v.Types, searchTab{Label: "search.type.all", URL: v.url(func(u url.Values) { u.Del("type") }), Count: total, Counted: allCounted, Current: len(q.Types) == 0})
	for _, t := range searchTypes {
		n, ok := res.TypeCounts[t]
		cur := len(q.Types) == 1 && q.Types[0] == t
		v.Types = append(v.Types, searchTab{Label: "search.type." + t, URL: v.url(func(u url.Values) { u.Del("type"); u.Set("type", t) }),
			Count: n, Counted: ok || allCounted, Current: cur})
	}
	if res.Total > 0 {
		v.From = (res.Page-1)*res.PerPage + 1
		v.To = v.From + len(res.Hits) - 1
	}
	page := func(n int) string {
		return v.url(func(u url.Values) {
			if n > 1 {
				u.Set("page", strconv.Itoa(n))
			}
		})
	}
	if res.Page > 1 {
		v.Prev = page(res.Page - 1)
	}
	if res.Page < res.Pages {
		v.Next = page(res.Page + 1)
	}
	last := 0
	for n := 1; n <= res.Pages; n++ {
		if n == 1 || n == res.Pages || (n >= res.Page-2 && n <= res.Page+2) {
			if last != 0 && n != last+1 {
				v.Pages = append(v.Pages, searchPage{Gap: true})
			}
			v.Pages = append(v.Pages, searchPage{N: n, URL: page(n), Current: n == res.Page})
			last = n
		}
	}
	return v
}

// search is the search page: GET /recherche?q=… (works without JavaScript;
// web/static/js/recherche.js refreshes the results as one types).
func (s *Server) search(c *fiber.Ctx) error {
	q := parseSearch(c)
	v := newSearchView(q, nil)
	p := s.page(c, "search.title", "search", v)
	if !v.Started {
		return s.render(c, fiber.StatusOK, "search", p)
	}
	res, err := s.Search.Search(c.UserContext(), q)
	if err != nil {
		if fields := errorFields(err); fields != nil {
			p.Form = &Form{Values: map[string]string{"pres": q.Near}, Errors: fields}
			return s.render(c, fiber.StatusUnprocessableEntity, "search", p)
		}
		if maillage.ErrorCode(err) == maillage.EUNAVAILABLE {
			p.Flash = &Flash{Kind: "error", Message: p.T("search.unavailable")}
			return s.render(c, fiber.StatusServiceUnavailable, "search", p)
		}
		return err
	}
	p.Data = newSearchView(q, res)
	return s.render(c, fiber.StatusOK, "search", p)
}

// apiSearch is GET /api/recherche: the same parameters, JSON out (see
// internal/web/openapi_recherche.json, merged into /api/openapi.json).
func (s *Server) apiSearch(c *fiber.Ctx) error {
	q := parseSearch(c)
	if pp, err := strconv.Atoi(c.Query("par_page")); err == nil {
		q.PerPage = pp
		q.Normalize(searchTypes, searchFacets)
	}
	res, err := s.Search.Search(c.UserContext(), q)
	if err != nil {
		return err
	}
	if res.Hits == nil {
		res.Hits = []maillage.SearchHit{}
	}
	if res.Facets == nil {
		res.Facets = []maillage.Facet{}
	}
	return c.JSON(fiber.Map{
		"query": fiber.Map{"q": q.Q, "types": q.Types, "filters": q.Filters, "pres": q.Near, "rayon": q.RadiusKm, "tri": q.Sort, "page": q.Page, "par_page": q.PerPage},
		"total": res.Total, "page": res.Page, "per_page": res.PerPage, "pages": res.Pages,
		"type_counts": res.TypeCounts, "facets": res.Facets, "hits": res.Hits, "near": res.Near,
		"degraded": res.Degraded, "took_ms": res.TookMs,
	})
}
