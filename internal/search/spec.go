package search

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/meilisearch/meilisearch-go"
	"gopkg.in/yaml.v3"
)

// Audiences of an index: who may read what it holds.
const (
	AudiencePublic  = "public"  // built from ViewFor(Anonymous)
	AudienceMembers = "members" // built from ViewFor(AnyMember): only for signed-in viewers
	// AudienceRestricted: read only with a filter the server builds from
	// the viewer (Type.Restricted).
	AudienceRestricted = "restricted"
)

// IndexSpec is one Meilisearch index as code. Settings are applied at
// start-up (EnsureIndexes) and by reindex, then read back and checked.
type IndexSpec struct {
	Name       string // logical name; the uid is Client.Prefix + Name
	Type       string // result type (maillage.SearchProfile…)
	Entity     string // search_outbox.entity that feeds it
	Audience   string // AudiencePublic or AudienceMembers
	PrimaryKey string
	// Searchable attributes, most important first (the "attribute" rule).
	Searchable []string
	// Filterable attributes: facets, filters, and any attribute a tenant
	// token or server-side filter will use.
	Filterable []string
	Sortable   []string
	// Facets shown on the search page, in display order (all filterable).
	Facets       []string
	Highlight    []string // attributes returned with highlights
	Crop         []string // long attributes cropped around matches
	RankingRules []string
	Synonyms     map[string][]string
	// Indexing trade-offs of often-updated large indexes (see profile specs).
	PrefixSearch       string // "" (Meilisearch default, indexingTime) or "disabled"
	ProximityPrecision string // "" (byWord) or "byAttribute"
	// GeoByCommune: the index has no _geo filter (updating a 100k-document
	// index with _geo costs ~1.5 s per batch on Meilisearch 1.21); "près de"
	// filters on code_insee with the communes within the radius, and
	// distance order comes from the communes' distances (query.go).
	GeoByCommune bool
}

// Ranking: "words" first so documents matching more of the query come
// first; then the requested sort (distance or name), so "trier par
// distance" really orders by distance among equally matching documents;
// then typo, proximity, attribute and exactness as Meilisearch's default.
var rankingRules = []string{"words", "sort", "typo", "proximity", "attribute", "exactness"}

// Settings turns a spec into Meilisearch settings. Typo tolerance is
// enabled explicitly (a zero TypoTolerance would switch it off).
func (s *IndexSpec) Settings() *meilisearch.Settings {
	syn := s.Synonyms
	if syn == nil {
		syn = map[string][]string{}
	}
	st := &meilisearch.Settings{
		RankingRules:         s.RankingRules,
		SearchableAttributes: s.Searchable,
		DisplayedAttributes:  []string{"*"},
		FilterableAttributes: s.Filterable,
		SortableAttributes:   s.Sortable,
		Synonyms:             syn,
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled:             true,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9},
			DisableOnWords:      []string{},
			DisableOnAttributes: []string{},
		},
		LocalizedAttributes: []*meilisearch.LocalizedAttributes{{Locales: []string{"fra"}, AttributePatterns: []string{"*"}}},
		Faceting:            &meilisearch.Faceting{MaxValuesPerFacet: 100, SortFacetValuesBy: map[string]meilisearch.SortFacetType{"*": meilisearch.SortFacetTypeCount}},
		Pagination:          &meilisearch.Pagination{MaxTotalHits: 1000},
	}
	if s.PrefixSearch != "" {
		p := s.PrefixSearch
		st.PrefixSearch = &p
	}
	if s.ProximityPrecision != "" {
		st.ProximityPrecision = meilisearch.ProximityPrecisionType(s.ProximityPrecision)
	}
	if s.GeoByCommune {
		// Communes within a radius can number thousands: their facet
		// counts order results by distance (query.go).
		st.Faceting.MaxValuesPerFacet = 5000
	}
	return st
}

// check compares what Meilisearch holds with the spec and names every
// difference.
func (s *IndexSpec) check(got *meilisearch.Settings) error {
	var diffs []string
	eq := func(name string, want, have []string, ordered bool) {
		w, h := append([]string(nil), want...), append([]string(nil), have...)
		if !ordered {
			sort.Strings(w)
			sort.Strings(h)
		}
		if strings.Join(w, "\x00") != strings.Join(h, "\x00") {
			diffs = append(diffs, fmt.Sprintf("%s: want %v, have %v", name, w, h))
		}
	}
	eq("rankingRules", s.RankingRules, got.RankingRules, true)
	eq("searchableAttributes", s.Searchable, got.SearchableAttributes, true)
	eq("filterableAttributes", s.Filterable, got.FilterableAttributes, false)
	eq("sortableAttributes", s.Sortable, got.SortableAttributes, false)
	if got.TypoTolerance == nil || !got.TypoTolerance.Enabled {
		diffs = append(diffs, "typoTolerance: not enabled")
	}
	if len(got.Synonyms) != len(s.Synonyms) {
		diffs = append(diffs, fmt.Sprintf("synonyms: want %d entries, have %d", len(s.Synonyms), len(got.Synonyms)))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("index %s settings differ: %s", s.Name, strings.Join(diffs, "; "))
	}
	return nil
}

// facetable reports whether attr is filterable in the index.
func (s *IndexSpec) filterable(attr string) bool {
	for _, a := range s.Filterable {
		if a == attr {
			return true
		}
	}
	return false
}

// LoadSynonyms reads search/synonymes.yaml from the content FS and returns
// Meilisearch synonyms: every term of a group maps to all the others.
func LoadSynonyms(fsys fs.FS) (map[string][]string, error) {
	b, err := fs.ReadFile(fsys, "search/synonymes.yaml")
	if err != nil {
		return nil, fmt.Errorf("read search/synonymes.yaml: %w", err)
	}
	var f struct {
		Version int        `yaml:"version"`
		Groupes [][]string `yaml:"groupes"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("search/synonymes.yaml: %w", err)
	}
	out := map[string][]string{}
	for i, g := range f.Groupes {
		if len(g) < 2 {
			return nil, fmt.Errorf("search/synonymes.yaml: groupe %d: au moins deux termes", i+1)
		}
		for _, t := range g {
			t = strings.ToLower(strings.TrimSpace(t))
			if t == "" {
				return nil, fmt.Errorf("search/synonymes.yaml: groupe %d: terme vide", i+1)
			}
			for _, o := range g {
				o = strings.ToLower(strings.TrimSpace(o))
				if o != t && !contains(out[t], o) {
					out[t] = append(out[t], o)
				}
			}
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
