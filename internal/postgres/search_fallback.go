package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
	"maillage/internal/search"
)

// SearchFallback is the basic PostgreSQL search used when Meilisearch
// cannot be reached or its indexes are being rebuilt: French full text
// with unaccent, trigram similarity for typos, distance with earthdistance,
// and counts per kind and département. No synonyms; only the filters a
// type's part knows apply (a type whose filters cannot be applied is left
// out rather than shown unfiltered). Each search type that can be searched
// here has a part in fallbackParts.
type SearchFallback struct {
	db     *DB
	labels search.Labels
}

// NewSearchFallback returns the fallback search; labels gives the French
// names of kinds (searched as text, like the indexes do).
func NewSearchFallback(db *DB, labels search.Labels) *SearchFallback {
	return &SearchFallback{db: db, labels: labels}
}

var _ maillage.SearchService = (*SearchFallback)(nil)

// fallbackPart is the SQL of one type: its rows, the expressions of the
// result columns, its text document and the filters it can apply.
type fallbackPart struct {
	id, from, where, title, subtitle, snippet, commune, dep, lat, lng, doc string
	args                                                                   []any
	facets                                                                 []string          // kind and/or departement
	filters                                                                map[string]string // facet attribute → SQL expression (value IN …)
	arrays                                                                 map[string]string // facet attribute → SQL array expression (&&)
	subtitleKeys                                                           string            // catalogue prefix of the subtitle codes
	url                                                                    string            // path prefix of a result
}

// fallbackParts are the types the PostgreSQL search covers, by type name.
var fallbackParts = map[string]func(s *SearchFallback, viewer maillage.Viewer) fallbackPart{
	recruiting.SearchType: jobFallback,
	maillage.SearchProfile: func(s *SearchFallback, v maillage.Viewer) fallbackPart {
		visC := visibleSQL(v, maillage.FieldCommune)
		p := fallbackPart{id: "p.id", from: "profiles p LEFT JOIN communes c ON c.code_insee = p.code_insee",
			where: visibleSQL(v, maillage.FieldProfile), title: "p.display_name", subtitle: "p.kind",
			snippet: "CASE WHEN " + visibleSQL(v, maillage.FieldBio) + " THEN left(p.bio, 200) ELSE '' END",
			commune: "CASE WHEN " + visC + " THEN c.nom END", dep: "CASE WHEN " + visC + " THEN c.code_departement END",
			lat: "CASE WHEN " + visC + " THEN c.latitude END", lng: "CASE WHEN " + visC + " THEN c.longitude END",
			facets: []string{"kind", "departement"}, subtitleKeys: "domain.kind.", url: "/profils/"}
		p.doc = "p.display_name || ' ' || " + s.kindLabelSQL() + " || ' ' || " + p.snippet + " || ' ' || coalesce(" + p.commune + ", '')"
		p.filters = map[string]string{"kind": "p.kind", "departement": p.dep, "region": "CASE WHEN " + visC + " THEN c.code_region END",
			"mentor_available": "CASE WHEN " + visibleSQL(v, maillage.FieldMentor) + " THEN p.mentor_available::text END",
			"open_to_work":     "CASE WHEN " + visibleSQL(v, maillage.FieldOpenToWork) + " THEN p.open_to_work::text END"}
		return p
	},
	maillage.SearchStructure: func(s *SearchFallback, v maillage.Viewer) fallbackPart {
		p := fallbackPart{id: "s.id", from: "structures s LEFT JOIN communes c ON c.code_insee = s.commune_insee", where: "TRUE",
			title: "s.nom", subtitle: "array_to_string(s.roles, ',')", snippet: "left(s.presentation_resume, 200)", commune: "s.commune",
			dep: "c.code_departement", lat: "coalesce(s.latitude, c.latitude)", lng: "coalesce(s.longitude, c.longitude)",
			facets: []string{"departement"}, subtitleKeys: "domain.structure_role.", url: "/structures/"}
		p.doc = "s.nom || ' ' || s.commune || ' ' || s.presentation_resume || ' ' || array_to_string(s.services, ' ')"
		p.filters = map[string]string{"departement": "c.code_departement", "region": "c.code_region"}
		p.arrays = map[string]string{"roles": "s.roles"}
		return p
	},
}

// kindLabelSQL is the French name of the kind of profile p.
func (s *SearchFallback) kindLabelSQL() string {
	var b strings.Builder
	b.WriteString("CASE p.kind")
	for _, k := range maillage.ProfileKinds {
		fmt.Fprintf(&b, " WHEN '%s' THEN '%s'", k, strings.ReplaceAll(s.labels("domain.kind."+string(k)), "'", "''"))
	}
	b.WriteString(" ELSE '' END")
	return b.String()
}

type fallbackRow struct {
	ID          int64    `json:"id"`
	Title       string   `json:"title"`
	Subtitle    string   `json:"subtitle"`
	Snippet     string   `json:"snippet"`
	Commune     *string  `json:"commune"`
	Departement *string  `json:"departement"`
	DistanceM   *float64 `json:"distance_m"`
}

// fallbackResult is what one statement returns for one type: the total, the
// facet counts and the page, all from a single scan of the matching rows.
type fallbackResult struct {
	Total            int             `bun:"total"`
	FacetKind        json.RawMessage `bun:"facet_kind,type:jsonb"`
	FacetDepartement json.RawMessage `bun:"facet_departement,type:jsonb"`
	Hits             json.RawMessage `bun:"hits,type:jsonb"`
}

// Search implements maillage.SearchService. The query is normalized by the
// caller (search.Service); only the page bounds are enforced here.
func (s *SearchFallback) Search(ctx context.Context, q maillage.SearchQuery) (*maillage.SearchResult, error) {
	start := time.Now()
	if q.PerPage <= 0 {
		q.PerPage = 20
	}
	q.Page, q.PerPage = max(q.Page, 1), min(q.PerPage, 100)
	res := &maillage.SearchResult{Query: q, Page: q.Page, PerPage: q.PerPage, Members: q.Members(), TypeCounts: map[string]int{}}
	var near *maillage.Commune
	if q.Near != "" {
		var c communeRow
		err := s.db.NewRaw("SELECT "+communeColumns+` FROM communes WHERE code_insee = upper(?) OR search_name = lower(immutable_unaccent(?))
			OR search_name LIKE lower(immutable_unaccent(?)) || '%' ORDER BY (code_insee = upper(?) OR search_name = lower(immutable_unaccent(?))) DESC,
			population DESC NULLS LAST LIMIT 1`, q.Near, q.Near, q.Near, q.Near, q.Near).Scan(ctx, &c)
		if isNoRows(err) {
			return nil, maillage.Invalid("pres", "search.near.unknown")
		} else if err != nil {
			return nil, err
		}
		near = c.domain()
		res.Near, res.RadiusKm = near, q.RadiusKm
	}
	var parts []fallbackPart
	var types []string
	for _, t := range slices.Sorted(maps.Keys(fallbackParts)) {
		if len(q.Types) > 0 && !slices.Contains(q.Types, t) {
			continue
		}
		p := fallbackParts[t](s, q.Viewer)
		if !p.applies(q.Filters) {
			continue
		}
		parts, types = append(parts, p), append(types, t)
	}
	offset := (q.Page - 1) * q.PerPage
	remaining := q.PerPage
	facetVals := map[string]map[string]int{}
	for i, p := range parts {
		out, err := s.run(ctx, p, q, near, offset, remaining)
		if err != nil {
			return nil, fmt.Errorf("fallback search %s: %w", types[i], err)
		}
		res.TypeCounts[types[i]] = out.Total
		res.Total += out.Total
		for f, raw := range map[string]json.RawMessage{"kind": out.FacetKind, "departement": out.FacetDepartement} {
			if !slices.Contains(p.facets, f) {
				continue
			}
			var counts map[string]int
			if err := json.Unmarshal(raw, &counts); err != nil {
				return nil, fmt.Errorf("fallback facet %s: %w", f, err)
			}
			if facetVals[f] == nil {
				facetVals[f] = map[string]int{}
			}
			for v, n := range counts {
				facetVals[f][v] += n
			}
		}
		var rows []fallbackRow
		if err := json.Unmarshal(out.Hits, &rows); err != nil {
			return nil, fmt.Errorf("fallback hits %s: %w", types[i], err)
		}
		if offset >= out.Total {
			offset -= out.Total
			continue
		}
		for _, r := range rows {
			h := maillage.SearchHit{Type: types[i], ID: r.ID, Title: r.Title, TitleParts: []maillage.Fragment{{Text: r.Title}},
				Commune: str(r.Commune), Departement: str(r.Departement), URL: fmt.Sprintf("%s%d", p.url, r.ID)}
			for _, code := range strings.Split(r.Subtitle, ",") {
				if code != "" {
					h.SubtitleKeys = append(h.SubtitleKeys, p.subtitleKeys+code)
				}
			}
			if r.Snippet != "" {
				h.Snippet = []maillage.Fragment{{Text: r.Snippet}}
			}
			if r.DistanceM != nil {
				d := int(*r.DistanceM)
				h.DistanceM = &d
			}
			res.Hits = append(res.Hits, h)
		}
		remaining -= len(rows)
		offset = 0
	}
	res.Pages = (res.Total + q.PerPage - 1) / q.PerPage
	for _, attr := range []string{"kind", "departement"} {
		if len(facetVals[attr]) == 0 {
			continue
		}
		f := maillage.Facet{Attribute: attr}
		for v, n := range facetVals[attr] {
			fv := maillage.FacetValue{Value: v, Label: v, Count: n, Selected: slices.Contains(q.Filters[attr], v)}
			if attr == "kind" {
				fv.Key = "domain.kind." + v
			}
			f.Values = append(f.Values, fv)
		}
		search.SortFacetValues(f.Values)
		res.Facets = append(res.Facets, f)
	}
	res.TookMs = time.Since(start).Milliseconds()
	return res, nil
}

// applies reports whether the part can apply every filter of the query;
// it then adds them to its condition.
func (p *fallbackPart) applies(filters map[string][]string) bool {
	for attr, vs := range filters {
		switch {
		case p.filters[attr] != "":
			p.where += " AND " + p.filters[attr] + " IN (?)"
			p.args = append(p.args, bun.In(vs))
		case p.arrays[attr] != "":
			p.where += " AND " + p.arrays[attr] + " && ?"
			p.args = append(p.args, pgArray(vs))
		default:
			return false
		}
	}
	return true
}

// run is the one statement of a part: the matching rows are computed once
// (MATERIALIZED), then counted, grouped for the facets and paged.
func (s *SearchFallback) run(ctx context.Context, p fallbackPart, q maillage.SearchQuery, near *maillage.Commune, offset, limit int) (*fallbackResult, error) {
	where, args := p.where, append([]any(nil), p.args...)
	if q.Q != "" {
		where += fmt.Sprintf(" AND (to_tsvector('french', immutable_unaccent(%[1]s)) @@ plainto_tsquery('french', immutable_unaccent(?)) OR word_similarity(lower(immutable_unaccent(?)), lower(immutable_unaccent(%[1]s))) >= 0.5)", p.doc)
		args = append(args, q.Q, q.Q)
	}
	if near != nil {
		where += fmt.Sprintf(" AND %s IS NOT NULL AND earth_distance(ll_to_earth(%s, %s), ll_to_earth(?, ?)) <= ?", p.lat, p.lat, p.lng)
		args = append(args, near.Latitude, near.Longitude, q.RadiusKm*1000)
	}
	distExpr, order := "NULL::float8", "rank DESC, title"
	if near != nil {
		distExpr = fmt.Sprintf("earth_distance(ll_to_earth(%s, %s), ll_to_earth(%f, %f))", p.lat, p.lng, near.Latitude, near.Longitude)
	}
	switch q.Sort {
	case "distance":
		order = "distance_m, title"
	case "nom":
		order = "title"
	}
	rank := "0::float8"
	rargs := []any{}
	if q.Q != "" {
		rank = fmt.Sprintf("word_similarity(lower(immutable_unaccent(?)), lower(immutable_unaccent(%s)))::float8", p.doc)
		rargs = append(rargs, q.Q)
	}
	kindCol := "NULL::text"
	if slices.Contains(p.facets, "kind") {
		kindCol = "p.kind"
	}
	sqlq := fmt.Sprintf(`WITH m AS MATERIALIZED (
		SELECT %s AS id, %s AS title, %s AS subtitle, %s AS snippet, %s AS commune, %s AS departement,
			%s AS distance_m, %s AS rank, %s AS f_kind FROM %s WHERE %s)
		SELECT (SELECT count(*) FROM m) AS total,
			(SELECT coalesce(jsonb_object_agg(v, n), '{}') FROM (SELECT f_kind AS v, count(*) AS n FROM m WHERE f_kind IS NOT NULL GROUP BY 1) f) AS facet_kind,
			(SELECT coalesce(jsonb_object_agg(v, n), '{}') FROM (SELECT departement AS v, count(*) AS n FROM m WHERE departement IS NOT NULL GROUP BY 1) f) AS facet_departement,
			(SELECT coalesce(jsonb_agg(to_jsonb(x) - 'ord' ORDER BY x.ord), '[]') FROM (
				SELECT row_number() OVER (ORDER BY %s) AS ord, id, title, subtitle, snippet, commune, departement, distance_m
				FROM m ORDER BY %s LIMIT ? OFFSET ?) x) AS hits`,
		p.id, p.title, p.subtitle, p.snippet, p.commune, p.dep, distExpr, rank, kindCol, p.from, where, order, order)
	var out fallbackResult
	if err := s.db.NewRaw(sqlq, append(append(rargs, args...), limit, offset)...).Scan(ctx, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
