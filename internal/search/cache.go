package search

import (
	"context"
	"encoding/json"
	"maps"
	"slices"

	lru "github.com/hashicorp/golang-lru/v2"

	"maillage/internal/maillage"
)

// Cache keeps the answers of recent searches, so that a page many people
// ask (a directory of the département, a popular query) does not ask
// Meilisearch again while nothing has changed.
//
// It can never show what the indexes no longer hold, nor what a person
// has just hidden:
//   - every answer is kept with the generation of the indexes read before
//     Meilisearch was asked (PendingStore.PendingNow). The generation moves
//     on in the transaction that marks changes applied (and when a reindex
//     is swapped in): an answer is used only while its generation is still
//     the current one, on any portal instance, since the generation lives
//     in PostgreSQL;
//   - a used answer goes through the same check as a fresh one (current):
//     its hits whose entity has a change not applied yet are rebuilt from
//     the database, and that check reads the generation in the same
//     statement, so an answer made before a change reached the indexes is
//     never taken for a current one;
//   - answers are per audience (public or members' indexes) and nothing
//     restricted (Type.Restricted) is ever searched here.
//
// The cost of a used answer is that one statement. Every applied change
// moves the generation on: on a busy day (5 changes a second) an answer
// lives a fraction of a second, which still serves the same page asked by
// many at once.
type Cache struct {
	lru *lru.Cache[string, *cached]
}

// cached is one answer: the result before current (every hit, with the
// document it came from) and the generation it was made at.
type cached struct {
	gen  int64
	res  *maillage.SearchResult
	docs []Fields
}

// NewCache returns a cache of up to size answers (nil when size ≤ 0: no
// cache).
func NewCache(size int) *Cache {
	if size <= 0 {
		return nil
	}
	l, err := lru.New[string, *cached](size)
	if err != nil {
		return nil
	}
	return &Cache{lru: l}
}

// cacheKey is what a normalized query's answer depends on: the text,
// types, filters, place, radius, sort, page, and the audience (never the
// viewer's identity: indexes are per audience).
func cacheKey(q *maillage.SearchQuery) string {
	b, _ := json.Marshal(struct {
		M  bool
		Q  string
		T  []string
		F  map[string][]string
		N  string
		R  int
		S  string
		P  int
		PP int
	}{q.Members(), q.Q, q.Types, q.Filters, q.Near, q.RadiusKm, q.Sort, q.Page, q.PerPage})
	return string(b)
}

// lookup returns a kept answer that is still current, with its hits
// checked (current); nil when there is none.
func (s *Service) lookup(ctx context.Context, key string, q *maillage.SearchQuery) (*maillage.SearchResult, error) {
	c, ok := s.Cache.lru.Get(key)
	if !ok {
		return nil, nil
	}
	res := cloneResult(c.res)
	hits, gen, err := s.current(ctx, q.Members(), res.Hits, c.docs, nil)
	if err != nil {
		return nil, err
	}
	if gen != c.gen { // changes reached the indexes since: ask again
		s.Cache.lru.Remove(key)
		return nil, nil
	}
	res.Hits = hits
	res.Query = *q
	return res, nil
}

// keep stores an answer made at generation gen (hits before current).
func (s *Service) keep(key string, gen int64, res *maillage.SearchResult, docs []Fields) {
	s.Cache.lru.Add(key, &cached{gen: gen, res: cloneResult(res), docs: docs})
}

// cloneResult copies a result deeply enough that its user (the web layer
// names facets and subtitles in place) never changes a kept one.
func cloneResult(r *maillage.SearchResult) *maillage.SearchResult {
	c := *r
	c.Hits = make([]maillage.SearchHit, len(r.Hits))
	for i, h := range r.Hits {
		h.TitleParts = slices.Clone(h.TitleParts)
		h.SubtitleKeys = slices.Clone(h.SubtitleKeys)
		h.Snippet = slices.Clone(h.Snippet)
		h.Tags = slices.Clone(h.Tags)
		if h.DistanceM != nil {
			d := *h.DistanceM
			h.DistanceM = &d
		}
		c.Hits[i] = h
	}
	c.TypeCounts = maps.Clone(r.TypeCounts)
	c.Facets = make([]maillage.Facet, len(r.Facets))
	for i, f := range r.Facets {
		f.Values = slices.Clone(f.Values)
		c.Facets[i] = f
	}
	if r.Near != nil {
		n := *r.Near
		c.Near = &n
	}
	return &c
}
