package search

import (
	"context"
	"fmt"
	"slices"

	"maillage/internal/maillage"
)

// A Type is one kind of search result (people, places; trainings, jobs and
// labelled places next). Each type is one file of this package (type_*.go)
// that declares everything about it: its indexes (one per audience), the
// table its ids come from, how its entities are loaded and turned into
// documents, how a hit becomes a result, its facets and how their values
// are named. Nothing else in the package switches on the type: adding one
// is a file and a line in the registration (internal/app).
type Type struct {
	// Name is the result type and the search_outbox entity ("profile").
	Name string
	// Table holds the entities (reindex pages through its ids).
	Table string
	// Indexes are the type's Meilisearch indexes, one per audience.
	Indexes []*IndexSpec
	// Facets are the attributes shown as facets, in display order. Their
	// names are the catalogue keys "search.facet.<attribute>".
	Facets []string
	// ValueKeys gives, for a facet whose values are codes, the catalogue
	// prefix naming them ("domain.kind."); other values are shown as they
	// are, or named by the territory (département, région).
	ValueKeys map[string]string
	// Documents loads the entities with these ids and returns, per
	// audience, their documents keyed by id (an id without a document in
	// an audience must be absent from that audience's index).
	Documents func(ctx context.Context, ids []int64) (map[string]map[int64]any, error)
	// Hit fills a result from a document as Meilisearch returns it,
	// decoding only the attributes it shows (Fields.Decode).
	Hit func(doc Fields, h *maillage.SearchHit) error
	// Restricted: the type's documents are read only through
	// Service.SearchRestricted, with a filter the server builds from the
	// viewer (label applications: the reviewer's programmes). The search
	// page, its API and its PostgreSQL fallback never query it, and it is
	// no result type of theirs. Its index is synced and rebuilt as any.
	Restricted bool
}

// Labels translates catalogue keys into the French text indexed for
// search (a document holds the French names of its codes, so "médiateur
// numérique" finds the kind mediateur).
type Labels func(key string, args ...any) string

// Registry is every search type of the portal.
type Registry struct {
	types []*Type
}

// NewRegistry checks and registers the types, in display order.
func NewRegistry(types ...*Type) (*Registry, error) {
	r := &Registry{}
	seen := map[string]bool{}
	for _, t := range types {
		if t.Name == "" || t.Table == "" || len(t.Indexes) == 0 || t.Documents == nil || t.Hit == nil {
			return nil, fmt.Errorf("search type %q is incomplete", t.Name)
		}
		for _, s := range t.Indexes {
			if seen["index:"+s.Name] {
				return nil, fmt.Errorf("search index %q declared twice", s.Name)
			}
			seen["index:"+s.Name] = true
			s.Type, s.Entity = t.Name, t.Name
			for _, f := range t.Facets {
				if !slices.Contains(s.Filterable, f) {
					return nil, fmt.Errorf("search type %s: facet %s is not filterable in %s", t.Name, f, s.Name)
				}
			}
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("search type %q registered twice", t.Name)
		}
		seen[t.Name] = true
		r.types = append(r.types, t)
	}
	return r, nil
}

// Types lists the types in display order.
func (r *Registry) Types() []*Type { return r.types }

// TypeNames lists the names of the result types of the search page, in
// display order (restricted types are none of them).
func (r *Registry) TypeNames() []string {
	out := make([]string, 0, len(r.types))
	for _, t := range r.types {
		if !t.Restricted {
			out = append(out, t.Name)
		}
	}
	return out
}

// Type returns the type of that name, or nil.
func (r *Registry) Type(name string) *Type {
	for _, t := range r.types {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Specs lists every index of every type.
func (r *Registry) Specs() []*IndexSpec {
	var out []*IndexSpec
	for _, t := range r.types {
		out = append(out, t.Indexes...)
	}
	return out
}

// Facets lists every facet attribute, in the order of the types, without
// repeats (département is a facet of several types).
func (r *Registry) Facets() []string {
	var out []string
	for _, t := range r.types {
		if t.Restricted {
			continue
		}
		for _, f := range t.Facets {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// ValueKey returns the catalogue prefix naming the values of a facet.
func (r *Registry) ValueKey(attr string) string {
	for _, t := range r.types {
		if k := t.ValueKeys[attr]; k != "" {
			return k
		}
	}
	return ""
}

// Documents loads the entities of one type with these ids and returns, per
// index, the documents to upsert keyed by id. An id without a document in
// an index must be deleted from it.
func (r *Registry) Documents(ctx context.Context, entity string, ids []int64) (map[string]map[int64]any, error) {
	t := r.Type(entity)
	if t == nil {
		return nil, fmt.Errorf("unknown search entity %q", entity)
	}
	byAudience, err := t.Documents(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := map[string]map[int64]any{}
	for _, s := range t.Indexes {
		out[s.Name] = map[int64]any{}
		for id, d := range byAudience[s.Audience] {
			out[s.Name][id] = d
		}
	}
	return out, nil
}
