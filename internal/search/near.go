package search

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/meilisearch/meilisearch-go"

	"maillage/internal/maillage"
)

// communeDistance is a commune within the radius of a "près de" query.
type communeDistance struct {
	code string
	m    float64 // metres from the centre
}

// loadCommunes keeps every commune's centre in memory (35k points, ~3 MB),
// south to north: the communes within a radius are then found without a
// query, reading only the latitude band of the radius.
func (s *Service) loadCommunes(ctx context.Context) error {
	s.mu.Lock()
	loaded := s.points != nil
	s.mu.Unlock()
	if loaded {
		return nil
	}
	all, err := s.Territories.AllCommunes(ctx)
	if err != nil {
		return fmt.Errorf("load communes: %w", err)
	}
	pts := make([]*maillage.Commune, 0, len(all))
	pts = append(pts, all...)
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].Latitude < pts[j].Latitude })
	s.mu.Lock()
	s.points = pts
	s.mu.Unlock()
	return nil
}

// within returns the communes whose centre lies within radiusKm of near,
// nearest first (nil when near is nil or the communes are not loaded).
func (s *Service) within(near *maillage.Commune, radiusKm int) []communeDistance {
	if near == nil {
		return nil
	}
	s.mu.Lock()
	pts := s.points
	s.mu.Unlock()
	limit := float64(radiusKm) * 1000
	// The latitude band first (the points are sorted by latitude), then
	// the exact great-circle distance.
	dLat := float64(radiusKm) / 111.0
	var out []communeDistance
	from := sort.Search(len(pts), func(i int) bool { return pts[i].Latitude >= near.Latitude-dLat })
	for _, c := range pts[from:] {
		if c.Latitude > near.Latitude+dLat {
			break
		}
		if d := distance(near.Latitude, near.Longitude, c.Latitude, c.Longitude); d <= limit {
			out = append(out, communeDistance{c.CodeInsee, d})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].m != out[j].m {
			return out[i].m < out[j].m
		}
		return out[i].code < out[j].code
	})
	return out
}

// searchByDistance returns the first page of hits ordered by distance.
// Indexes with _geo sort themselves (_geoPoint); by-commune indexes are
// ordered through their code_insee facet counts: walking the communes
// nearest first, it finds which communes hold the hits up to the page's end,
// fetches them, and orders them by their commune's distance (relevance
// within a commune). Both lists are then merged by distance.
//
// counts, when not nil, gives the code_insee counts of the by-commune index
// from the federated query (foldCounts), waiting for its answer; when nil,
// each by-commune index is asked for its counts on its own.
func (s *Service) searchByDistance(ctx context.Context, q *maillage.SearchQuery, near *maillage.Commune, within []communeDistance, counts func() (map[string]int, error)) ([]meilisearch.Hit, error) {
	fed := s.request(q, near, within)
	off := (q.Page - 1) * q.PerPage
	need := off + q.PerPage
	dist := map[string]float64{}
	for _, c := range within {
		dist[c.code] = c.m
	}
	// Each index is asked at once (in parallel): places sorted by _geoPoint;
	// by-commune indexes, a count per commune then the page.
	lists := make([][]ranked, len(fed.Queries))
	errs := make([]error, len(fed.Queries))
	var wg sync.WaitGroup
	for qi, r := range fed.Queries {
		wg.Add(1)
		go func(qi int, r *meilisearch.SearchRequest) {
			defer wg.Done()
			lists[qi], errs[qi] = s.nearestOf(ctx, r, near, need, within, dist, qi*1_000_000, counts)
		}(qi, r)
	}
	wg.Wait()
	var all []ranked
	for qi := range lists {
		if errs[qi] != nil {
			return nil, errs[qi]
		}
		all = append(all, lists[qi]...)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].m != all[j].m {
			return all[i].m < all[j].m
		}
		return all[i].seq < all[j].seq
	})
	if off >= len(all) {
		return nil, nil
	}
	all = all[off:min(need, len(all))]
	out := make([]meilisearch.Hit, len(all))
	for i, r := range all {
		out[i] = r.hit
	}
	return out, nil
}

// specOf returns the spec of an index uid.
func (s *Service) specOf(uid string) *IndexSpec {
	for _, sp := range s.Registry.Specs() {
		if s.Client.Index(sp.Name) == uid {
			return sp
		}
	}
	return nil
}

// ranked is a hit with its distance and its rank within its own list.
type ranked struct {
	hit meilisearch.Hit
	m   float64
	seq int
}

// nearestOf returns one index query's hits nearest first, up to need.
func (s *Service) nearestOf(ctx context.Context, r *meilisearch.SearchRequest, near *maillage.Commune, need int, within []communeDistance, dist map[string]float64, seq int, counts func() (map[string]int, error)) ([]ranked, error) {
	var out []ranked
	spec := s.specOf(r.IndexUID)
	if spec == nil {
		return nil, nil
	}
	q := *r
	q.Limit, q.Offset = int64(need), 0
	if !spec.GeoByCommune {
		resp, err := s.Client.ms.Index(q.IndexUID).SearchWithContext(ctx, q.Query, &q)
		if err != nil {
			return nil, err
		}
		processing(ctx, resp.ProcessingTimeMs)
		for _, h := range resp.Hits {
			var g struct {
				Geo *Geo `json:"_geo"`
			}
			_ = h.DecodeInto(&g)
			m := math.Inf(1)
			if g.Geo != nil {
				m = distance(near.Latitude, near.Longitude, g.Geo.Lat, g.Geo.Lng)
			}
			out = append(out, ranked{h, m, seq})
			seq++
		}
		return out, nil
	}
	// How many hits each commune holds.
	var perCommune map[string]int
	if counts != nil {
		var err error
		if perCommune, err = counts(); err != nil {
			return nil, err
		}
	} else {
		count := q
		count.Limit, count.Facets = 1, []string{"code_insee"} // 0 would mean the default (20)
		count.AttributesToHighlight, count.AttributesToCrop, count.Sort = nil, nil, nil
		cresp, err := s.Client.ms.Index(q.IndexUID).SearchWithContext(ctx, count.Query, &count)
		if err != nil {
			return nil, err
		}
		processing(ctx, cresp.ProcessingTimeMs)
		var facets map[string]map[string]int
		if len(cresp.FacetDistribution) > 0 {
			if err := json.Unmarshal(cresp.FacetDistribution, &facets); err != nil {
				return nil, fmt.Errorf("code_insee facet: %w", err)
			}
		}
		perCommune = facets["code_insee"]
	}
	// Walking the communes nearest first up to the page's end: every hit
	// of the communes before the last one is on the page or before it,
	// and of the last one only the best ones (by relevance) are. So two
	// queries in one multi-search: the whole communes (all their hits),
	// and the last commune for what the page still needs; never more hits
	// than the page's end (a city of 2,000 people is asked for 20, not
	// for all of them).
	var whole []string
	var last string
	total, lastNeed := 0, 0
	for _, c := range within {
		n := perCommune[c.code]
		if n <= 0 {
			continue
		}
		if total+n >= need {
			last, lastNeed = quote(c.code), need-total
			break
		}
		whole = append(whole, quote(c.code))
		total += n
	}
	if len(whole) == 0 && last == "" {
		return nil, nil
	}
	pageQuery := func(codes []string, limit int) *meilisearch.SearchRequest {
		page := q
		page.Limit = int64(limit)
		filter := "code_insee IN [" + strings.Join(codes, ", ") + "]"
		if f, ok := q.Filter.(string); ok && f != "" {
			// Replace the radius filter by the communes needed.
			if i := strings.Index(f, "code_insee IN ["); i >= 0 {
				j := strings.Index(f[i:], "]")
				filter = f[:i] + filter + f[i+j+1:]
			} else {
				filter = f + " AND " + filter
			}
		}
		page.Filter = filter
		return &page
	}
	multi := &meilisearch.MultiSearchRequest{}
	if len(whole) > 0 {
		multi.Queries = append(multi.Queries, pageQuery(whole, total))
	}
	if last != "" {
		multi.Queries = append(multi.Queries, pageQuery([]string{last}, lastNeed))
	}
	mresp, err := s.Client.ms.MultiSearchWithContext(ctx, multi)
	if err != nil {
		return nil, err
	}
	processingMulti(ctx, mresp)
	for _, r := range mresp.Results {
		for _, h := range r.Hits {
			var d struct {
				CodeInsee string `json:"code_insee"`
			}
			_ = h.DecodeInto(&d)
			m, ok := dist[d.CodeInsee]
			if !ok {
				m = math.Inf(1)
			}
			out = append(out, ranked{h, m, seq})
			seq++
		}
	}
	return out, nil
}

// communeFacet is the facet that orders a by-commune index by distance.
const communeFacet = "code_insee"

// foldCounts asks the federated query of a search by distance for the
// code_insee counts of its by-commune index (people), which its page
// request needs: one request fewer than asking that index on its own. The
// merged facets then keep up to that index's cap of values; topFacets cuts
// the others back to what the page shows. False when no index of the query
// is located by commune.
func (s *Service) foldCounts(req *meilisearch.MultiSearchRequest) bool {
	n := 0
	for _, r := range req.Queries {
		if sp := s.specOf(r.IndexUID); sp != nil && sp.GeoByCommune {
			req.Federation.FacetsByIndex[r.IndexUID] = append(append([]string(nil), req.Federation.FacetsByIndex[r.IndexUID]...), communeFacet)
			n++
		}
	}
	if n != 1 { // two by-commune indexes would merge their counts
		for _, r := range req.Queries {
			fs := req.Federation.FacetsByIndex[r.IndexUID]
			if len(fs) > 0 && fs[len(fs)-1] == communeFacet {
				req.Federation.FacetsByIndex[r.IndexUID] = fs[:len(fs)-1]
			}
		}
		return false
	}
	req.Federation.MergeFacets = &meilisearch.MultiSearchFederationMergeFacets{MaxValuesPerFacet: communeFacetCap}
	return true
}

// communeFacetCap is the by-commune index's maxValuesPerFacet (spec.go).
const communeFacetCap = 5000
