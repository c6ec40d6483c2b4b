package search

import (
	"context"
	"math"
	"sort"

	"github.com/meilisearch/meilisearch-go"

	"maillage/internal/maillage"
)

// searchByDistance returns one page of hits of several indexes ordered by
// distance. A federated multi-search merges its queries by ranking score,
// so a place 11 km away could come before a person 0 km away; here each
// index is asked for its nearest hits up to the end of the page (sorted by
// _geoPoint), and the lists are merged by distance.
func (s *Service) searchByDistance(ctx context.Context, q *maillage.SearchQuery, near *maillage.Commune) ([]meilisearch.Hit, error) {
	fed := s.Request(q, near)
	off := (q.Page - 1) * q.PerPage
	need := off + q.PerPage
	type ranked struct {
		hit meilisearch.Hit
		m   float64
		seq int
	}
	var all []ranked
	multi := &meilisearch.MultiSearchRequest{}
	for _, r := range fed.Queries {
		r := *r
		r.Limit, r.Offset = int64(need), 0
		multi.Queries = append(multi.Queries, &r)
	}
	resp, err := s.Client.ms.MultiSearchWithContext(ctx, multi)
	if err != nil {
		return nil, err
	}
	seq := 0
	for _, res := range resp.Results {
		for _, h := range res.Hits {
			var g struct {
				Geo *Geo `json:"_geo"`
			}
			_ = h.DecodeInto(&g)
			m := math.Inf(1)
			if g.Geo != nil {
				m = distance(near.Latitude, near.Longitude, g.Geo.Lat, g.Geo.Lng)
			}
			all = append(all, ranked{h, m, seq})
			seq++
		}
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
