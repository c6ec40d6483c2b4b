package maillage

import (
	"context"
	"slices"
	"strings"
)

// The kinds of search result. Each is a type of the search registry
// (internal/search/type_*.go), named "search.type.<type>" in the catalogues;
// later issues add trainings, jobs and labelled places.
const (
	SearchProfile   = "profile"
	SearchStructure = "structure"
)

// AnyMember is a signed-in member who is neither the owner of a profile nor
// an administrator: what ViewFor returns for them is what members-only search
// may index. No account has a negative id.
var AnyMember = Viewer{UserID: -1}

// SearchRadii are the radii (km) offered with "près de".
var SearchRadii = []int{5, 10, 20, 30, 50, 100}

// SearchQuery is one search: the text, the types, the facet filters, an
// optional place with a radius, the sort and the page.
type SearchQuery struct {
	Viewer   Viewer
	Q        string
	Types    []string            // empty: every type
	Filters  map[string][]string // facet attribute → accepted values (OR inside, AND across)
	Near     string              // commune: INSEE code or name
	RadiusKm int                 // with Near; 0 means 30
	Sort     string              // "" (relevance), "distance", "nom"
	Page     int                 // 1-based
	PerPage  int                 // 0 means 20
}

// SearchResult is a page of results with the facets of the whole result set.
type SearchResult struct {
	Query      SearchQuery    `json:"-"`
	Hits       []SearchHit    `json:"hits"`
	Total      int            `json:"total"`
	Page       int            `json:"page"`
	PerPage    int            `json:"per_page"`
	Pages      int            `json:"pages"`
	TypeCounts map[string]int `json:"type_counts"`
	Facets     []Facet        `json:"facets"`
	Near       *Commune       `json:"near,omitempty"`
	RadiusKm   int            `json:"radius_km,omitempty"`
	Degraded   bool           `json:"degraded"` // the search engine was unreachable: basic PostgreSQL search
	Capped     bool           `json:"capped"`   // more results than can be paged (MaxSearchResults): refine the search
	Members    bool           `json:"members"`  // members-only fields were searched (signed-in viewer)
	TookMs     int64          `json:"took_ms"`
}

// SearchHit is one result. Title and Snippet are split into fragments so a
// template can mark highlights without ever trusting markup from the engine.
type SearchHit struct {
	Type       string     `json:"type"`
	ID         int64      `json:"id"`
	Title      string     `json:"title"`
	TitleParts []Fragment `json:"title_parts"`
	Subtitle   string     `json:"subtitle,omitempty"` // data; the API fills it from SubtitleKeys
	// SubtitleKeys are catalogue keys shown joined by " · " (kind, roles).
	SubtitleKeys []string   `json:"-"`
	Snippet      []Fragment `json:"snippet,omitempty"`
	Commune      string     `json:"commune,omitempty"`
	Departement  string     `json:"code_departement,omitempty"`
	Tags         []string   `json:"tags,omitempty"`
	DistanceM    *int       `json:"distance_m,omitempty"`
	URL          string     `json:"url"`
}

// Fragment is a piece of text; Mark says it matched the query.
type Fragment struct {
	Text string `json:"text"`
	Mark bool   `json:"mark,omitempty"`
}

// Facet is the distribution of one attribute over the results. Its name is
// the catalogue key "search.facet.<attribute>".
type Facet struct {
	Attribute string       `json:"attribute"`
	Label     string       `json:"label"` // filled in the caller's language by the web layer
	Values    []FacetValue `json:"values"`
}

// FacetValue is one value of a facet with its count. Key, when set, is the
// catalogue key naming the value (a code such as a kind); otherwise Label
// (a territory's name, or the value itself) is shown.
type FacetValue struct {
	Value    string `json:"value"`
	Label    string `json:"label"`
	Key      string `json:"-"`
	Count    int    `json:"count"`
	Selected bool   `json:"selected"`
}

// SearchService searches people, places and, later, trainings and jobs.
type SearchService interface {
	Search(ctx context.Context, q SearchQuery) (*SearchResult, error)
}

// MaxSearchResults is how far results can be paged (Meilisearch's
// maxTotalHits): past it, the page invites to refine the search.
const MaxSearchResults = 1000

// Normalize bounds a query: text length, page, page size, radius, types
// (among types) and filters (among facets). It never fails: what cannot be
// used is dropped.
func (q *SearchQuery) Normalize(types, facets []string) {
	q.Q = strings.TrimSpace(StripControl(q.Q))
	if r := []rune(q.Q); len(r) > 200 {
		q.Q = string(r[:200])
	}
	q.Near = strings.TrimSpace(StripControl(q.Near))
	if r := []rune(q.Near); len(r) > 80 {
		q.Near = string(r[:80])
	}
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PerPage <= 0 {
		q.PerPage = 20
	}
	if q.PerPage > 100 {
		q.PerPage = 100
	}
	if q.Page > MaxSearchResults/q.PerPage { // not Page*PerPage: a huge page would overflow
		q.Page = MaxSearchResults / q.PerPage
	}
	ok := false
	for _, r := range SearchRadii {
		ok = ok || r == q.RadiusKm
	}
	if !ok {
		q.RadiusKm = 30
	}
	if q.Sort != "distance" && q.Sort != "nom" {
		q.Sort = ""
	}
	if q.Sort == "distance" && q.Near == "" {
		q.Sort = ""
	}
	var keep []string
	for _, t := range q.Types {
		if slices.Contains(types, t) && !slices.Contains(keep, t) {
			keep = append(keep, t)
		}
	}
	q.Types = keep
	for k, vs := range q.Filters {
		if !slices.Contains(facets, k) {
			delete(q.Filters, k)
			continue
		}
		var keep []string
		for _, v := range vs {
			if v = strings.TrimSpace(StripControl(v)); v != "" && len(v) <= 200 && len(keep) < 20 && !slices.Contains(keep, v) {
				keep = append(keep, v)
			}
		}
		if len(keep) == 0 {
			delete(q.Filters, k)
		} else {
			q.Filters[k] = keep
		}
	}
}

// Members reports whether the viewer searches the members-only index.
func (q *SearchQuery) Members() bool { return q.Viewer.UserID != 0 || q.Viewer.Admin }
