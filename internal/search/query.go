package search

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"maillage/internal/maillage"
)

// Highlight marks: control characters (STX, ETX) that documents never
// contain (clean removes them). Meilisearch ignores private-use characters
// as tags, so those cannot be used. The engine's output is split on them into
// fragments; templates escape every fragment, so no markup ever passes.
const (
	markPre  = "\u0002"
	markPost = "\u0003"
)

// Fragments splits highlighted text into plain and marked pieces.
func Fragments(s string) []maillage.Fragment {
	var out []maillage.Fragment
	for s != "" {
		i := strings.Index(s, markPre)
		if i < 0 {
			out = append(out, maillage.Fragment{Text: strings.ReplaceAll(s, markPost, "")})
			break
		}
		if i > 0 {
			out = append(out, maillage.Fragment{Text: strings.ReplaceAll(s[:i], markPost, "")})
		}
		s = s[i+len(markPre):]
		j := strings.Index(s, markPost)
		if j < 0 {
			j = len(s)
		}
		if j > 0 {
			out = append(out, maillage.Fragment{Text: strings.ReplaceAll(s[:j], markPre, ""), Mark: true})
		}
		if j < len(s) {
			j += len(markPost)
		}
		s = s[j:]
	}
	return out
}

// Service implements maillage.SearchService on Meilisearch, with a basic
// PostgreSQL search (Fallback) when Meilisearch cannot be reached.
type Service struct {
	Client      *Client
	Registry    *Registry
	Territories maillage.TerritoryService
	Fallback    maillage.SearchService
	Log         *slog.Logger
	Timeout     time.Duration // per search; default 3 s
	// Pending tells which entities have changes the indexes have not
	// applied yet (the search outbox): their hits are checked against the
	// database before they are shown (current). Nil: none is checked.
	Pending PendingStore
	// PendingAtOnce is how many pending changes a search reads at once
	// (default pendingAtOnce; tests make it small).
	PendingAtOnce int
	// Cache keeps recent answers while they are current (cache.go); nil:
	// every search asks Meilisearch. Needs Pending.
	Cache *Cache

	namesOnce sync.Once
	depNames  map[string]string
	regNames  map[string]string

	mu       sync.Mutex
	communes map[string]*maillage.Commune
	points   []*maillage.Commune // every commune, for "près de" (near.go)
}

var _ maillage.SearchService = (*Service)(nil)

// PendingStore reads the search outbox (internal/postgres).
type PendingStore interface {
	// PendingIDs tells the generation of the indexes and which of these
	// ids (by entity) have a change not yet applied to them, both read at
	// one moment: a change seen applied has advanced that generation.
	PendingIDs(ctx context.Context, ids map[string][]int64) (generation int64, pending map[string]map[int64]bool, err error)
	// PendingNow reads the generation of the indexes (it moves on
	// whenever changes reach them: Cache) and the entities with a change not
	// yet applied, up to limit changes (oldest first), at one moment;
	// complete is false when more are pending.
	PendingNow(ctx context.Context, limit int) (generation int64, pending map[string]map[int64]bool, complete bool, err error)
}

// pendingAtOnce is how many pending changes a search reads alongside its
// Meilisearch requests (pendingNow); past that (an import in progress)
// the hits' own changes are read after the answer (PendingIDs).
const pendingAtOnce = 256

// pendingSnap is what PendingNow read for one search.
type pendingSnap struct {
	gen      int64
	pending  map[string]map[int64]bool
	complete bool
	err      error
}

// pendingNow reads the pending changes for one search (nil without a
// store). limit ≤ 0 means pendingAtOnce.
func (s *Service) pendingNow(ctx context.Context) *pendingSnap {
	if s.Pending == nil {
		return nil
	}
	limit := s.PendingAtOnce
	if limit <= 0 {
		limit = pendingAtOnce
	}
	var p pendingSnap
	p.gen, p.pending, p.complete, p.err = s.Pending.PendingNow(ctx, limit)
	return &p
}

// Types lists the result types in display order.
func (s *Service) Types() []string { return s.Registry.TypeNames() }

// FacetAttributes lists every facet a query may filter on.
func (s *Service) FacetAttributes() []string { return s.Registry.Facets() }

// Normalize bounds a query with the registry's types and facets.
func (s *Service) Normalize(q *maillage.SearchQuery) { q.Normalize(s.Types(), s.FacetAttributes()) }

// ResolveCommune finds the commune of "près de" with the one commune
// resolver (TerritoryService.ResolveCommune): an INSEE code, a name with
// its département or postcode, an arrondissement… A name several communes
// bear, or none, is a problem on "pres" (the page offers the choice): the
// search never guesses. Results are cached.
func (s *Service) ResolveCommune(ctx context.Context, near string) (*maillage.Commune, error) {
	key := strings.ToLower(near)
	s.mu.Lock()
	c, ok := s.communes[key]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	c, cands, err := s.Territories.ResolveCommune(ctx, near)
	if err != nil {
		return nil, err
	}
	if c == nil {
		if len(cands) > 0 {
			return nil, maillage.Invalid("pres", "search.near.ambiguous")
		}
		return nil, maillage.Invalid("pres", "search.near.unknown")
	}
	s.mu.Lock()
	if s.communes == nil || len(s.communes) > 5000 {
		s.communes = map[string]*maillage.Commune{}
	}
	s.communes[key] = c
	s.mu.Unlock()
	return c, nil
}

func (s *Service) names(ctx context.Context) {
	s.namesOnce.Do(func() {
		s.depNames, s.regNames = map[string]string{}, map[string]string{}
		if deps, err := s.Territories.FindDepartements(ctx); err == nil {
			for _, d := range deps {
				s.depNames[d.Code] = d.Nom
			}
		}
		if regs, err := s.Territories.FindRegions(ctx); err == nil {
			for _, r := range regs {
				s.regNames[r.Code] = r.Nom
			}
		}
	})
}

// quote makes a filter string value.
func quote(v string) string { return `"` + quoted.Replace(v) + `"` }

// quoted escapes a filter's string: built once (a "près de" filter quotes
// hundreds of INSEE codes, and building the replacer was 15% of its time).
var quoted = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// Request builds the Meilisearch federated multi-search of a normalized
// query (exported for the benchmark, which sends it directly).
func (s *Service) Request(q *maillage.SearchQuery, near *maillage.Commune) *meilisearch.MultiSearchRequest {
	return s.request(q, near, s.within(near, q.RadiusKm))
}

func (s *Service) request(q *maillage.SearchQuery, near *maillage.Commune, within []communeDistance) *meilisearch.MultiSearchRequest {
	req := &meilisearch.MultiSearchRequest{Federation: &meilisearch.MultiSearchFederation{
		Offset: int64((q.Page - 1) * q.PerPage), Limit: int64(q.PerPage),
		FacetsByIndex: map[string][]string{}, MergeFacets: &meilisearch.MultiSearchFederationMergeFacets{MaxValuesPerFacet: maxFacetValues},
	}}
	for _, spec := range s.querySpecs(q) {
		filter, ok := s.filter(spec, q, near, within, "")
		if !ok {
			continue
		}
		var sort []string
		switch q.Sort {
		case "distance":
			if !spec.GeoByCommune { // by-commune indexes are ordered in searchByDistance
				sort = []string{fmt.Sprintf("_geoPoint(%f, %f):asc", near.Latitude, near.Longitude)}
			}
		case "nom":
			sort = []string{"title:asc"}
		}
		uid := s.Client.Index(spec.Name)
		req.Queries = append(req.Queries, &meilisearch.SearchRequest{
			IndexUID: uid, Query: q.Q, Sort: sort, Filter: filter,
			AttributesToHighlight: spec.Highlight, HighlightPreTag: markPre, HighlightPostTag: markPost,
			AttributesToCrop: spec.Crop, CropLength: 24, CropMarker: "…",
		})
		req.Federation.FacetsByIndex[uid] = spec.Facets
	}
	return req
}

// maxFacetValues is how many values a facet shows.
const maxFacetValues = 20

// querySpecs are the indexes a query reads: for each of its types, the
// index of the viewer's audience when the type has one, else its public one.
func (s *Service) querySpecs(q *maillage.SearchQuery) []*IndexSpec {
	audience := AudiencePublic
	if q.Members() {
		audience = AudienceMembers
	}
	var out []*IndexSpec
	for _, t := range s.Registry.Types() {
		if t.Restricted || (len(q.Types) > 0 && !contains(q.Types, t.Name)) {
			continue
		}
		var pick *IndexSpec
		for _, spec := range t.Indexes {
			if spec.Audience == audience || (pick == nil && spec.Audience == AudiencePublic) {
				pick = spec
			}
		}
		if pick != nil {
			out = append(out, pick)
		}
	}
	return out
}

// filter is the Meilisearch filter of a query on one index, leaving out the
// filter on attribute skip (disjunctive facets). ok is false when no
// document of the index can match (a filter on an attribute it lacks, or no
// commune within the radius).
func (s *Service) filter(spec *IndexSpec, q *maillage.SearchQuery, near *maillage.Commune, within []communeDistance, skip string) (any, bool) {
	var filters []string
	for _, attr := range s.Registry.Facets() {
		vals := q.Filters[attr]
		if len(vals) == 0 || attr == skip {
			continue
		}
		if !spec.filterable(attr) {
			return nil, false // this type has no such attribute: none of its documents match
		}
		qs := make([]string, len(vals))
		for i, v := range vals {
			qs[i] = quote(v)
		}
		filters = append(filters, attr+" IN ["+strings.Join(qs, ", ")+"]")
	}
	if near != nil {
		if spec.GeoByCommune {
			if len(within) == 0 {
				return nil, false
			}
			codes := make([]string, len(within))
			for i, c := range within {
				codes[i] = quote(c.code)
			}
			filters = append(filters, "code_insee IN ["+strings.Join(codes, ", ")+"]")
		} else {
			filters = append(filters, fmt.Sprintf("_geoRadius(%f, %f, %d)", near.Latitude, near.Longitude, q.RadiusKm*1000))
		}
	}
	if len(filters) == 0 {
		return nil, true
	}
	return strings.Join(filters, " AND "), true
}

// disjunctive builds the requests that count the values of each facet the
// query filters on as if that facet were not filtered (values are OR-ed
// inside a facet, so the other values must stay listed with the number of
// results they would add). One multi-search, no hits; attrs[i] is the facet
// of query i. Nil when the query filters on no facet.
func (s *Service) disjunctive(q *maillage.SearchQuery, near *maillage.Commune, within []communeDistance) (*meilisearch.MultiSearchRequest, []string) {
	var req *meilisearch.MultiSearchRequest
	var attrs []string
	specs := s.querySpecs(q)
	for _, attr := range s.Registry.Facets() {
		if len(q.Filters[attr]) == 0 {
			continue
		}
		for _, spec := range specs {
			if !contains(spec.Facets, attr) {
				continue
			}
			filter, ok := s.filter(spec, q, near, within, attr)
			if !ok {
				continue
			}
			if req == nil {
				req = &meilisearch.MultiSearchRequest{}
			}
			none := int64(0) // no hits: counts only
			req.Queries = append(req.Queries, &meilisearch.SearchRequest{IndexUID: s.Client.Index(spec.Name), Query: q.Q, Filter: filter,
				HitsPerPage: &none, Facets: []string{attr}})
			attrs = append(attrs, attr)
		}
	}
	return req, attrs
}

// disjunctiveCounts sums, per facet, the counts of the disjunctive queries
// (a facet may come from several indexes).
func disjunctiveCounts(resp *meilisearch.MultiSearchResponse, attrs []string) map[string]map[string]int {
	out := map[string]map[string]int{}
	for i, r := range resp.Results {
		if i >= len(attrs) {
			break
		}
		attr := attrs[i]
		var dist map[string]map[string]int
		if len(r.FacetDistribution) == 0 || json.Unmarshal(r.FacetDistribution, &dist) != nil {
			continue
		}
		if out[attr] == nil {
			out[attr] = map[string]int{}
		}
		for v, n := range dist[attr] {
			out[attr][v] += n
		}
	}
	return out
}

// rawHit is what every document has (the type's Hit reads the rest).
type rawHit struct {
	ID          int64           `json:"id"`
	Type        string          `json:"type"`
	Title       string          `json:"title"`
	Commune     string          `json:"commune"`
	Departement string          `json:"departement"`
	Geo         *Geo            `json:"_geo"`
	Formatted   json.RawMessage `json:"_formatted"`
}

// Search runs a query on Meilisearch; when it cannot be reached, or an
// index the query reads is not ready (missing, lost, being rebuilt: see
// Readiness), on the PostgreSQL fallback (Degraded is then true).
func (s *Service) Search(ctx context.Context, q maillage.SearchQuery) (*maillage.SearchResult, error) {
	start := time.Now()
	s.Normalize(&q)
	res := &maillage.SearchResult{Query: q, Page: q.Page, PerPage: q.PerPage, Members: q.Members(), TypeCounts: map[string]int{}}
	var near *maillage.Commune
	if q.Near != "" {
		var err error
		if near, err = s.ResolveCommune(ctx, q.Near); err != nil {
			return nil, err
		}
		res.Near, res.RadiusKm = near, q.RadiusKm
	}
	var within []communeDistance
	if near != nil {
		if err := s.loadCommunes(ctx); err != nil {
			return nil, err
		}
		within = s.within(near, q.RadiusKm)
	}
	req := s.request(&q, near, within)
	if len(req.Queries) == 0 { // a filter no type has
		return res, nil
	}
	// An index missing, lost or being rebuilt would answer nothing, or
	// too little, as if it were the truth: PostgreSQL answers instead.
	specs := s.readSpecs(req)
	if err := s.Client.readiness.notReady(specs); err != nil {
		return s.degraded(ctx, q, err)
	}
	// A kept answer still current (cache.go); otherwise the generation
	// the new answer is made at, read before Meilisearch is asked.
	var key string
	var gen int64
	var snap *pendingSnap
	cache := s.Cache != nil && s.Pending != nil // without Pending nothing would retire an answer
	if cache {
		key = cacheKey(&q)
		kept, err := s.lookup(ctx, key, &q)
		if err != nil {
			return nil, err
		}
		if kept != nil {
			kept.Near, kept.RadiusKm = res.Near, res.RadiusKm
			kept.TookMs = time.Since(start).Milliseconds()
			return kept, nil
		}
		// The pending changes come with the generation, in the same
		// statement: the hits are checked against them (current).
		if snap = s.pendingNow(ctx); snap.err != nil {
			return nil, snap.err
		}
		gen = snap.gen
	}
	if s.pagedByDistance(&q, near, req) {
		// Facets and totals come from the federated query (no hits);
		// the page itself is ordered by distance in searchByDistance.
		off, lim := req.Federation.Offset, req.Federation.Limit
		req.Federation.Offset, req.Federation.Limit = 0, 0
		defer func() { req.Federation.Offset, req.Federation.Limit = off, lim }()
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Without the cache, the pending changes are read while Meilisearch
	// answers: the hits are checked against the changes saved before the
	// search was asked, as they would be in the answer's own moment (a
	// change saved meanwhile is concurrent with the search).
	var snapDone chan struct{}
	if !cache && s.Pending != nil {
		snapDone = make(chan struct{})
		go func() { defer close(snapDone); snap = s.pendingNow(sctx) }()
	}
	sn := s.send(sctx, &q, near, within, req)
	if snapDone != nil {
		<-snapDone
	}
	resp, err, byDistance, folded, disj := sn.resp, sn.err, sn.byDistance, sn.folded, sn.disj
	distHits, distErr := sn.distHits, sn.distErr
	var facetDist map[string]json.RawMessage
	if resp != nil {
		facetDist = resp.FacetDistribution
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if indexNotFound(err) {
			s.Client.markNotFound(err, specs)
		}
		return s.degraded(ctx, q, err)
	}
	s.names(ctx)
	hits := resp.Hits
	if byDistance {
		if hits, err = distHits, distErr; err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if indexNotFound(err) {
				s.Client.markNotFound(err, specs)
			}
			return s.degraded(ctx, q, err)
		}
	}
	var docs []Fields
	if res.Hits, docs, err = s.hits(hits, near); err != nil {
		return nil, err
	}
	res.Total = int(resp.EstimatedTotalHits)
	res.Pages = (res.Total + q.PerPage - 1) / q.PerPage
	if max := maillage.MaxSearchResults / q.PerPage; res.Pages > max {
		res.Pages, res.Capped = max, true
	}
	dist := map[string]map[string]int{}
	for attr, raw := range facetDist {
		var m map[string]int
		if err := json.Unmarshal(raw, &m); err == nil {
			dist[attr] = m
		}
	}
	if folded {
		// The merged facets kept up to communeFacetCap values: back to
		// what the federated query gives without the commune counts.
		delete(dist, communeFacet)
		for attr, m := range dist {
			dist[attr] = topValues(m, maxFacetValues, nil)
		}
	}
	for t, n := range dist["type"] {
		res.TypeCounts[t] = n
	}
	for attr, m := range disj {
		dist[attr] = topValues(m, maxFacetValues, q.Filters[attr])
	}
	res.Facets = s.facets(dist, q.Filters)
	if cache {
		s.keep(key, gen, res, docs)
	}
	if res.Hits, _, err = s.current(ctx, q.Members(), res.Hits, docs, snap); err != nil {
		return nil, err
	}
	res.TookMs = time.Since(start).Milliseconds()
	return res, nil
}

// pagedByDistance says whether the page of a search ordered by distance is
// fetched by searchByDistance. A query that reads one index sorted by
// _geoPoint is its own page: the federated query of a single index keeps
// that index's order, so it is sent with its offset and limit and no more.
func (s *Service) pagedByDistance(q *maillage.SearchQuery, near *maillage.Commune, req *meilisearch.MultiSearchRequest) bool {
	if near == nil || q.Sort != "distance" {
		return false
	}
	if len(req.Queries) == 1 {
		if sp := s.specOf(req.Queries[0].IndexUID); sp != nil && !sp.GeoByCommune {
			return false
		}
	}
	return true
}

// sent is what Meilisearch answered the requests of one search.
type sent struct {
	resp       *meilisearch.MultiSearchResponse
	err        error
	disj       map[string]map[string]int // disjunctive counts, by facet
	byDistance bool                      // the page is ordered by distance
	folded     bool                      // resp holds the commune counts (foldCounts)
	distHits   []meilisearch.Hit         // the page by distance
	distErr    error
}

// send sends the requests of a search, at once: the federated query, the
// disjunctive counts of the facets it filters on (as if each were not
// filtered), and for a distance order the page's own requests
// (searchByDistance). Search decodes the answers; Direct (the bench) only
// sends, so that both measure the same requests.
func (s *Service) send(ctx context.Context, q *maillage.SearchQuery, near *maillage.Commune, within []communeDistance, req *meilisearch.MultiSearchRequest) sent {
	// The counts of the facets the query filters on, as if each were not
	// filtered, run alongside the main query.
	var out sent
	disjDone := make(chan struct{})
	if dreq, attrs := s.disjunctive(q, near, within); dreq != nil {
		go func() {
			defer close(disjDone)
			dresp, err := s.Client.ms.MultiSearchWithContext(ctx, dreq)
			if err != nil {
				s.Log.Warn("disjunctive facet counts", "err", err)
				return
			}
			processingMulti(ctx, dresp)
			out.disj = disjunctiveCounts(dresp, attrs)
		}()
	} else {
		close(disjDone)
	}
	// Ordered by distance, the page's own requests (searchByDistance) run
	// alongside the federated query too; the by-commune index's counts per
	// commune come with the federated answer (foldCounts), so its page
	// request waits for them while the other indexes' go at once.
	out.byDistance = s.pagedByDistance(q, near, req)
	out.folded = out.byDistance && s.foldCounts(req)
	countsCh := make(chan map[string]int, 1)
	distDone := make(chan struct{})
	if out.byDistance {
		var counts func() (map[string]int, error)
		if out.folded {
			counts = func() (map[string]int, error) {
				if m, ok := <-countsCh; ok {
					return m, nil
				}
				return nil, errors.New("no commune counts: the federated query failed")
			}
		}
		go func() {
			defer close(distDone)
			out.distHits, out.distErr = s.searchByDistance(ctx, q, near, within, counts)
		}()
	} else {
		close(distDone)
	}
	if len(req.Queries) == 1 {
		out.resp, out.err = s.single(ctx, req)
	} else {
		out.resp, out.err = s.federated(ctx, req)
	}
	if out.folded {
		if out.err == nil {
			var m map[string]int
			if raw, ok := out.resp.FacetDistribution[communeFacet]; ok {
				_ = json.Unmarshal(raw, &m)
			}
			countsCh <- m
		}
		close(countsCh)
	}
	<-disjDone
	<-distDone
	return out
}

// federated sends a federated query over several indexes. Split in two
// requests at once (the page without facets, the facets with one hit) it
// was slower on two cores (every type together p50 12.3 → 15.9 ms): both
// halves compute the same candidates. A query without a page (Limit 0,
// the page is fetched elsewhere) asks for one hit, nothing highlighted:
// Limit 0 is left out of the JSON, which is Meilisearch's page of 20.
func (s *Service) federated(ctx context.Context, req *meilisearch.MultiSearchRequest) (*meilisearch.MultiSearchResponse, error) {
	noPage := req.Federation.Limit == 0
	if noPage {
		req = facetsOnly(req)
	}
	resp, err := s.Client.ms.MultiSearchWithContext(ctx, req)
	if err != nil {
		return nil, err
	}
	processingMulti(ctx, resp)
	if noPage {
		resp.Hits = nil
	}
	return resp, nil
}

// facetsOnly is a federated query's request for its facets and totals:
// the same queries and filters, one hit, nothing highlighted or cropped.
func facetsOnly(req *meilisearch.MultiSearchRequest) *meilisearch.MultiSearchRequest {
	out := &meilisearch.MultiSearchRequest{Queries: make([]*meilisearch.SearchRequest, len(req.Queries))}
	for i, q := range req.Queries {
		c := *q
		c.AttributesToHighlight, c.HighlightPreTag, c.HighlightPostTag = nil, "", ""
		c.AttributesToCrop, c.CropLength, c.CropMarker = nil, 0, ""
		out.Queries[i] = &c
	}
	fed := *req.Federation
	fed.Offset, fed.Limit = 0, 1
	out.Federation = &fed
	return out
}

// single sends the federated query of one index as that index's own
// search: the same hits in the same order, the same totals and facet
// counts, at about half the engine time (Meilisearch 1.21 spends ~5 ms of
// a federated search over 100k profiles on merging, even for one index).
// The index answers each facet with up to its maxValuesPerFacet values,
// most frequent first in the engine's own order: the first as many as the
// merged facets hold are what the federated query keeps (ties included).
func (s *Service) single(ctx context.Context, req *meilisearch.MultiSearchRequest) (*meilisearch.MultiSearchResponse, error) {
	r := *req.Queries[0]
	r.Offset, r.Limit = req.Federation.Offset, req.Federation.Limit
	if r.Limit == 0 {
		r.Limit = 1 // 0 would mean the default (20); the hit is not used
	}
	r.Facets = req.Federation.FacetsByIndex[r.IndexUID]
	sr, err := s.Client.ms.Index(r.IndexUID).SearchWithContext(ctx, r.Query, &r)
	if err != nil {
		return nil, err
	}
	processing(ctx, sr.ProcessingTimeMs)
	resp := &meilisearch.MultiSearchResponse{Hits: sr.Hits, EstimatedTotalHits: sr.EstimatedTotalHits, ProcessingTimeMs: sr.ProcessingTimeMs}
	if len(sr.FacetDistribution) > 0 {
		if err := json.Unmarshal(sr.FacetDistribution, &resp.FacetDistribution); err != nil {
			return nil, fmt.Errorf("facets of %s: %w", r.IndexUID, err)
		}
		n := maxFacetValues
		if mf := req.Federation.MergeFacets; mf != nil && mf.MaxValuesPerFacet > 0 {
			n = int(mf.MaxValuesPerFacet)
		}
		for attr, raw := range resp.FacetDistribution {
			if resp.FacetDistribution[attr], err = firstValues(raw, n); err != nil {
				return nil, fmt.Errorf("facet %s of %s: %w", attr, r.IndexUID, err)
			}
		}
		// One index's estimate stops at maxTotalHits (1,000), the
		// federated one does not: every document of the index counts in
		// its "type" facet (every spec has it), which gives the same total.
		var types map[string]int64
		if raw, ok := resp.FacetDistribution["type"]; ok && json.Unmarshal(raw, &types) == nil {
			var total int64
			for _, n := range types {
				total += n
			}
			resp.EstimatedTotalHits = max(resp.EstimatedTotalHits, total)
		}
	}
	if req.Federation.Limit == 0 {
		resp.Hits = nil
	}
	return resp, nil
}

// firstValues keeps the first n values of a facet's distribution (a JSON
// object of value → count), in the order Meilisearch wrote them.
func firstValues(raw json.RawMessage, n int) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not an object: %w", err)
	}
	out := []byte{'{'}
	for i := 0; dec.More(); i++ {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var count json.RawMessage
		if err := dec.Decode(&count); err != nil {
			return nil, err
		}
		if i >= n {
			continue
		}
		if i > 0 {
			out = append(out, ',')
		}
		k, _ := json.Marshal(t)
		out = append(append(append(out, k...), ':'), count...)
	}
	return append(out, '}'), nil
}

// Fields is a document as Meilisearch returns it: its attributes, each
// still in JSON (the client split the hit and checked it).
type Fields map[string]json.RawMessage

// Decode decodes only the named attributes into v, a document whose json
// tags name them: a hit's builder reads what it shows, not the whole
// document (decoding every attribute of every hit, and the hit's
// _formatted copy of them, was a third of the portal's time per search).
func (f Fields) Decode(v any, attrs ...string) error {
	n := 2
	for _, a := range attrs {
		n += len(a) + len(f[a]) + 4
	}
	b := make([]byte, 1, n)
	b[0] = '{'
	for _, a := range attrs {
		raw, ok := f[a]
		if !ok {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, a) // attribute names are plain ASCII
		b = append(append(b, ':'), raw...)
	}
	return json.Unmarshal(append(b, '}'), v)
}

// rawHitOf reads the fields every document has from a hit's values.
func rawHitOf(h Fields) (rawHit, error) {
	r := rawHit{Formatted: h["_formatted"]}
	var err error
	if v, ok := h["id"]; ok && string(v) != "null" {
		if r.ID, err = strconv.ParseInt(string(v), 10, 64); err != nil {
			return r, fmt.Errorf("id: %w", err)
		}
	}
	for _, f := range []struct {
		attr string
		dst  *string
	}{{"type", &r.Type}, {"title", &r.Title}, {"commune", &r.Commune}, {"departement", &r.Departement}} {
		if v, ok := h[f.attr]; ok && string(v) != "null" {
			if *f.dst, err = jsonString(v); err != nil {
				return r, fmt.Errorf("%s: %w", f.attr, err)
			}
		}
	}
	if v, ok := h["_geo"]; ok {
		if err := json.Unmarshal(v, &r.Geo); err != nil {
			return r, fmt.Errorf("_geo: %w", err)
		}
	}
	return r, nil
}

// jsonString decodes a JSON string. One without a backslash is its bytes
// between the quotes (the client checked the JSON: no control character
// is left unescaped), without the decoder.
func jsonString(v json.RawMessage) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// formattedOf reads the highlighted title and the cropped attribute (""
// for none) of a hit's _formatted, which repeats every attribute of the
// document: it walks the object's members and keeps those two, skipping
// the others without decoding them (decoding it as a map was a sixth of
// the portal's time per search, as a struct still a tenth). The client
// checked the JSON; anything it cannot walk gives nothing.
func formattedOf(raw json.RawMessage, crop string) (title, snippet json.RawMessage) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, nil
	}
	for i = skipSpace(raw, i+1); i < len(raw) && raw[i] != '}'; {
		k := i
		if i = skipValue(raw, i); i < 0 || raw[k] != '"' {
			return nil, nil
		}
		key := raw[k+1 : i-1]
		if bytes.IndexByte(key, '\\') >= 0 { // an escaped name: decode it
			var m map[string]json.RawMessage
			if json.Unmarshal(raw, &m) != nil {
				return nil, nil
			}
			if crop == "" {
				return m["title"], nil
			}
			return m["title"], m[crop]
		}
		if i = skipSpace(raw, i); i >= len(raw) || raw[i] != ':' {
			return nil, nil
		}
		v := skipSpace(raw, i+1)
		if i = skipValue(raw, v); i < 0 {
			return nil, nil
		}
		if string(key) == "title" {
			title = raw[v:i]
		}
		if crop != "" && string(key) == crop {
			snippet = raw[v:i]
		}
		if i = skipSpace(raw, i); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return title, snippet
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the JSON value starting at b[i],
// or -1 when there is none.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		for i++; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				if i = skipValue(b, i); i < 0 {
					return -1
				}
				i-- // the loop steps past the closing quote
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	default: // number, true, false, null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}

// stringOf decodes a JSON string (false for anything else).
func stringOf(v json.RawMessage) (string, bool) {
	if len(v) == 0 || v[0] != '"' {
		return "", false
	}
	s, err := jsonString(v)
	return s, err == nil
}

// hits turns Meilisearch hits into results, each mapped by its type.
func (s *Service) hits(raw []meilisearch.Hit, near *maillage.Commune) ([]maillage.SearchHit, []Fields, error) {
	out := make([]maillage.SearchHit, 0, len(raw))
	docs := make([]Fields, 0, len(raw))
	for _, h := range raw {
		doc := Fields(h)
		r, err := rawHitOf(doc)
		if err != nil {
			return nil, nil, fmt.Errorf("decode hit: %w", err)
		}
		t := s.Registry.Type(r.Type)
		if t == nil {
			continue // a document of a type no longer registered
		}
		hit := maillage.SearchHit{Type: r.Type, ID: r.ID, Title: r.Title, Commune: r.Commune, Departement: r.Departement}
		// Only the title and the cropped attribute of _formatted are read.
		crop := ""
		if spec := t.Indexes[0]; len(spec.Crop) > 0 {
			crop = spec.Crop[0]
		}
		ftitle, fsnippet := formattedOf(r.Formatted, crop)
		if title, ok := stringOf(ftitle); ok {
			hit.TitleParts = Fragments(title)
		}
		if len(hit.TitleParts) == 0 {
			hit.TitleParts = []maillage.Fragment{{Text: r.Title}}
		}
		if snippet, ok := stringOf(fsnippet); ok {
			hit.Snippet = Fragments(snippet)
		}
		if err := t.Hit(doc, &hit); err != nil {
			return nil, nil, fmt.Errorf("decode %s hit: %w", r.Type, err)
		}
		if near != nil && r.Geo != nil {
			d := int(math.Round(distance(near.Latitude, near.Longitude, r.Geo.Lat, r.Geo.Lng)))
			hit.DistanceM = &d
		}
		out = append(out, hit)
		docs = append(docs, doc)
	}
	return out, docs, nil
}

// current drops the results whose document is stale in a way that
// matters: an index follows the database within the sync lag, and a
// profile hidden or a field made private just now must neither show nor
// match meanwhile. A hit is stale when its entity has a change the indexes
// have not applied yet (the search outbox); its type then builds the
// document it would index now for the same audience, and the hit is kept
// only if that document exists and still holds every field the indexed one
// holds (values may have changed; a field that disappeared may be what
// matched the query).
//
// snap, when it holds every pending change, says which hits are stale
// without asking again; otherwise the hits' own changes are read.
func (s *Service) current(ctx context.Context, members bool, hits []maillage.SearchHit, docs []Fields, snap *pendingSnap) ([]maillage.SearchHit, int64, error) {
	if s.Pending == nil {
		return hits, 0, nil
	}
	audience := AudiencePublic
	if members {
		audience = AudienceMembers
	}
	byType := map[string][]int64{}
	for _, h := range hits {
		byType[h.Type] = append(byType[h.Type], h.ID)
	}
	var gen int64
	var pending map[string]map[int64]bool
	if snap != nil && snap.err == nil && snap.complete {
		gen, pending = snap.gen, map[string]map[int64]bool{}
		for name, ids := range byType {
			for _, id := range ids {
				if snap.pending[name][id] {
					if pending[name] == nil {
						pending[name] = map[int64]bool{}
					}
					pending[name][id] = true
				}
			}
		}
	} else {
		var err error
		if gen, pending, err = s.Pending.PendingIDs(ctx, byType); err != nil {
			return nil, 0, fmt.Errorf("check changes: %w", err)
		}
	}
	fresh := map[string]map[int64]any{} // type → stale id → document now (nil: none)
	for name, stale := range pending {
		t := s.Registry.Type(name)
		if t == nil || len(stale) == 0 {
			continue
		}
		staleIDs := make([]int64, 0, len(stale))
		for id := range stale {
			staleIDs = append(staleIDs, id)
		}
		byAudience, err := t.Documents(ctx, staleIDs)
		if err != nil {
			return nil, 0, fmt.Errorf("rebuild %s documents: %w", name, err)
		}
		docsNow := audienceDocs(t, byAudience, audience)
		fresh[name] = map[int64]any{}
		for _, id := range staleIDs {
			fresh[name][id] = docsNow[id]
		}
	}
	out := make([]maillage.SearchHit, 0, len(hits))
	for i, h := range hits {
		if now, stale := fresh[h.Type][h.ID]; stale {
			if now == nil || !holdsFields(now, docs[i]) {
				continue
			}
		}
		out = append(out, h)
	}
	return out, gen, nil
}

// readSpecs are the indexes a request reads.
func (s *Service) readSpecs(req *meilisearch.MultiSearchRequest) []*IndexSpec {
	var out []*IndexSpec
	for _, spec := range s.Registry.Specs() {
		for _, sr := range req.Queries {
			if sr.IndexUID == s.Client.Index(spec.Name) {
				out = append(out, spec)
				break
			}
		}
	}
	return out
}

// audienceDocs picks the documents of the audience the query reads: the
// type's index for that audience, else its public one (as querySpecs).
func audienceDocs(t *Type, byAudience map[string]map[int64]any, audience string) map[int64]any {
	for _, spec := range t.Indexes {
		if spec.Audience == audience {
			return byAudience[audience]
		}
	}
	return byAudience[AudiencePublic]
}

// holdsFields tells whether the document now has every field of the
// indexed one (Meilisearch's own fields, such as _formatted, aside).
func holdsFields(now any, indexed Fields) bool {
	b, err := json.Marshal(now)
	if err != nil {
		return false
	}
	var nowFields map[string]json.RawMessage
	if json.Unmarshal(b, &nowFields) != nil {
		return false
	}
	for k, v := range indexed {
		if strings.HasPrefix(k, "_") && k != "_geo" {
			continue
		}
		if string(v) == "null" {
			continue
		}
		if _, ok := nowFields[k]; !ok {
			return false
		}
	}
	return true
}

func (s *Service) degraded(ctx context.Context, q maillage.SearchQuery, cause error) (*maillage.SearchResult, error) {
	var nr *NotReadyError
	if errors.As(cause, &nr) {
		// Ensure logged the rebuild once; not every search meanwhile.
		s.Log.Debug("search index not ready: basic PostgreSQL search", "err", cause)
	} else {
		s.Log.Warn("meilisearch unreachable or failing: basic PostgreSQL search", "err", cause)
	}
	if q.Near != "" {
		// The commune was resolved once (ResolveCommune): the fallback
		// gets its INSEE code, not the text to resolve again.
		if c, err := s.ResolveCommune(ctx, q.Near); err == nil {
			q.Near = c.CodeInsee
		}
	}
	if s.Fallback == nil {
		return nil, maillage.Wrap(maillage.EUNAVAILABLE, cause, "search.unavailable")
	}
	res, err := s.Fallback.Search(ctx, q)
	if maillage.ErrorCode(err) == maillage.EINVALID {
		return nil, err
	} else if err != nil {
		return nil, maillage.Wrap(maillage.EUNAVAILABLE, fmt.Errorf("%w (fallback after: %v)", err, cause), "search.unavailable")
	}
	res.Degraded = true
	return res, nil
}

// facets turns distributions into display facets; selected values are
// always listed (with their count, or 0).
func (s *Service) facets(dist map[string]map[string]int, selected map[string][]string) []maillage.Facet {
	var out []maillage.Facet
	for _, attr := range s.Registry.Facets() {
		m := dist[attr]
		if len(m) == 0 && len(selected[attr]) == 0 {
			continue
		}
		f := maillage.Facet{Attribute: attr}
		for v, n := range m {
			f.Values = append(f.Values, s.facetValue(attr, v, n, contains(selected[attr], v)))
		}
		for _, v := range selected[attr] {
			if _, ok := m[v]; !ok {
				f.Values = append(f.Values, s.facetValue(attr, v, 0, true))
			}
		}
		SortFacetValues(f.Values)
		out = append(out, f)
	}
	return out
}

// topValues keeps the n values with most results (and the selected ones).
func topValues(m map[string]int, n int, selected []string) map[string]int {
	if len(m) <= n {
		return m
	}
	type vc struct {
		v string
		c int
	}
	all := make([]vc, 0, len(m))
	for v, c := range m {
		all = append(all, vc{v, c})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].c > all[j].c || all[i].c == all[j].c && all[i].v < all[j].v })
	out := map[string]int{}
	for i, x := range all {
		if i < n || contains(selected, x.v) {
			out[x.v] = x.c
		}
	}
	return out
}

// SortFacetValues orders by count, then label.
func SortFacetValues(vs []maillage.FacetValue) {
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && (vs[j].Count > vs[j-1].Count || vs[j].Count == vs[j-1].Count && vs[j].Label < vs[j-1].Label); j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
}

// facetValue names a value: a catalogue key for codes (kinds, roles,
// booleans), the territory's name for départements and régions, else the
// value itself.
func (s *Service) facetValue(attr, v string, n int, selected bool) maillage.FacetValue {
	fv := maillage.FacetValue{Value: v, Label: v, Count: n, Selected: selected}
	if k := s.Registry.ValueKey(attr); k != "" {
		fv.Key = k + v
	}
	switch attr {
	case "departement":
		if name := s.depNames[v]; name != "" {
			fv.Label = v + " · " + name
		}
	case "region":
		if name := s.regNames[v]; name != "" {
			fv.Label = name
		}
	}
	return fv
}

func first(ss []string, n int) []string {
	if len(ss) > n {
		return ss[:n]
	}
	return ss
}

// distance is the great-circle distance in metres (maillage.DistanceKm).
func distance(lat1, lng1, lat2, lng2 float64) float64 {
	return maillage.DistanceKm(lat1, lng1, lat2, lng2) * 1000
}

// Direct runs the Meilisearch requests a search needs (the federated query
// and, alongside, the disjunctive counts and, for a distance order, the
// per-index requests of searchByDistance),
// without the portal's decoding and rendering: the "direct Meilisearch" side
// of make bench, so the portal/direct ratio measures the portal's overhead.
func (s *Service) Direct(ctx context.Context, q maillage.SearchQuery, near *maillage.Commune) error {
	s.Normalize(&q)
	var within []communeDistance
	if near != nil {
		if err := s.loadCommunes(ctx); err != nil {
			return err
		}
		within = s.within(near, q.RadiusKm)
	}
	req := s.request(&q, near, within)
	if len(req.Queries) == 0 {
		return nil
	}
	if s.pagedByDistance(&q, near, req) {
		req.Federation.Offset, req.Federation.Limit = 0, 0
	}
	sn := s.send(ctx, &q, near, within, req)
	if sn.err != nil {
		return sn.err
	}
	return sn.distErr
}
