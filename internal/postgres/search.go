package postgres

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/search"
)

// SearchStore gives the search package what it reads from PostgreSQL: the
// entities to index (search.Source) and the outbox (search.Outbox).
type SearchStore struct {
	db       *DB
	profiles *ProfileService
}

// NewSearchStore returns the store.
func NewSearchStore(db *DB) *SearchStore {
	return &SearchStore{db: db, profiles: NewProfileService(db)}
}

var (
	_ search.Source = (*SearchStore)(nil)
	_ search.Outbox = (*SearchStore)(nil)
)

// Profiles returns whole profiles (not views) by id; missing ids are absent.
func (s *SearchStore) Profiles(ctx context.Context, ids []int64) ([]*maillage.Profile, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []profileRow
	if err := s.db.NewRaw(profileSelect+" WHERE p.id IN (?) ORDER BY p.id", bun.In(ids)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("load profiles: %w", err)
	}
	ps := make([]*maillage.Profile, len(rows))
	for i := range rows {
		ps[i] = rows[i].domain()
	}
	return ps, s.profiles.load(ctx, ps...)
}

// Structures returns structures by id (without members).
func (s *SearchStore) Structures(ctx context.Context, ids []int64) ([]*maillage.Structure, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []structureRow
	if err := s.db.NewRaw(structureSelect+" WHERE s.id IN (?) ORDER BY s.id", bun.In(ids)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("load structures: %w", err)
	}
	out := make([]*maillage.Structure, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// EntityIDs pages through the ids of an entity.
func (s *SearchStore) EntityIDs(ctx context.Context, entity string, after int64, limit int) ([]int64, error) {
	table := map[string]string{"profile": "profiles", "structure": "structures"}[entity]
	if table == "" {
		return nil, fmt.Errorf("unknown search entity %q", entity)
	}
	var ids []int64
	err := s.db.NewRaw("SELECT id FROM "+table+" WHERE id > ? ORDER BY id LIMIT ?", after, limit).Scan(ctx, &ids)
	return ids, err
}

// outboxLock serialises workers of several portal instances: one drains at
// a time, so changes reach Meilisearch in the order they were read.
const outboxLock = 74612

// Drain implements search.Outbox.
func (s *SearchStore) Drain(ctx context.Context, limit int, apply func(context.Context, []search.Change) ([]search.Rejection, error)) (int, error) {
	var changes []search.Change
	var applyErr error
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var locked bool
		if err := tx.NewRaw("SELECT pg_try_advisory_xact_lock(?)", outboxLock).Scan(ctx, &locked); err != nil {
			return err
		}
		if !locked {
			return nil
		}
		var rows []outboxRow
		if err := tx.NewRaw(`SELECT `+outboxColumns+` FROM search_outbox
			WHERE processed_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, limit).Scan(ctx, &rows); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
			changes = append(changes, r.change())
		}
		var rejected []search.Rejection
		if rejected, applyErr = apply(ctx, changes); applyErr != nil {
			return applyErr
		}
		if err := reject(ctx, tx, rejected); err != nil {
			return err
		}
		_, err := tx.NewRaw("UPDATE search_outbox SET processed_at = now() WHERE id IN (?)", bun.In(ids)).Exec(ctx)
		return err
	})
	if applyErr != nil && ctx.Err() == nil {
		ids := make([]int64, len(changes))
		for i, c := range changes {
			ids[i] = c.ID
		}
		if err := s.Failed(ctx, ids, applyErr.Error()); err != nil {
			return 0, fmt.Errorf("%w (and recording the failure: %v)", applyErr, err)
		}
		return 0, applyErr
	}
	if err != nil {
		return 0, err
	}
	return len(changes), nil
}

// Claim returns up to limit pending changes, oldest first, leaving out the
// ids in exclude (changes already sent and waiting for Meilisearch). It
// takes no lock: only the worker holding the lease (Lead) calls it.
func (s *SearchStore) Claim(ctx context.Context, limit int, exclude []int64) ([]search.Change, error) {
	q := s.db.NewSelect().TableExpr("search_outbox").
		ColumnExpr(outboxColumns).
		Where("processed_at IS NULL").OrderExpr("id").Limit(int64(limit))
	if len(exclude) > 0 {
		q = q.Where("id NOT IN (?)", bun.In(exclude))
	}
	var rows []outboxRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("claim search changes: %w", err)
	}
	out := make([]search.Change, len(rows))
	for i, r := range rows {
		out[i] = r.change()
	}
	return out, nil
}

// outboxRow is a search_outbox row as Drain and Claim read it.
type outboxRow struct {
	ID        int64
	Entity    string
	EntityID  int64
	CreatedAt time.Time
	Attempts  int
}

const outboxColumns = "id, entity, entity_id, created_at, attempts"

func (r outboxRow) change() search.Change {
	return search.Change{ID: r.ID, Entity: r.Entity, EntityID: r.EntityID, CreatedAt: r.CreatedAt, Attempts: r.Attempts}
}

// lastError keeps the first 1,000 bytes of an error message, cut between
// two characters (PostgreSQL refuses invalid UTF-8).
func lastError(msg string) string {
	if len(msg) <= 1000 {
		return msg
	}
	cut := 1000
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut]
}

// Done marks changes applied.
func (s *SearchStore) Done(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.NewRaw("UPDATE search_outbox SET processed_at = now() WHERE id IN (?)", bun.In(ids)).Exec(ctx)
	return err
}

// Reject sets changes aside: Meilisearch refused their documents. They
// count as processed; rejected_at and last_error say why (kept 30 days).
func (s *SearchStore) Reject(ctx context.Context, rejections []search.Rejection) error {
	return reject(ctx, s.db.DB, rejections)
}

func reject(ctx context.Context, db bun.IDB, rejections []search.Rejection) error {
	for _, r := range rejections {
		if _, err := db.NewRaw(`UPDATE search_outbox SET processed_at = now(), rejected_at = now(), attempts = attempts + 1, last_error = ?
			WHERE id = ?`, lastError(r.Reason), r.ID).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Failed records a failed attempt: the changes stay pending.
func (s *SearchStore) Failed(ctx context.Context, ids []int64, msg string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.NewRaw("UPDATE search_outbox SET attempts = attempts + 1, last_error = ? WHERE id IN (?)", lastError(msg), bun.In(ids)).Exec(ctx)
	return err
}

// Lead takes the outbox lock for as long as the returned lease lives: a
// session advisory lock on a connection of its own, so one worker among
// all portal instances sends changes (they reach Meilisearch in the order
// they were read). The lock is the one Drain takes per transaction. ok is
// false when another worker holds it.
func (s *SearchStore) Lead(ctx context.Context) (search.Lease, bool, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	var locked bool
	if err := conn.NewRaw("SELECT pg_try_advisory_lock(?)", outboxLock).Scan(ctx, &locked); err != nil {
		// The lock may have been taken: do not return this connection.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		return nil, false, err
	}
	if !locked {
		conn.Close()
		return nil, false, nil
	}
	return &lease{conn: conn, key: outboxLock}, true, nil
}

// reindexLock serialises rebuilds of the indexes (search.Reindex).
const reindexLock = 74613

// LockReindex waits for the reindex lock (a session advisory lock on a
// connection of its own) and returns its release.
func (s *SearchStore) LockReindex(ctx context.Context) (func(), error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", reindexLock); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		return nil, err
	}
	l := &lease{conn: conn, key: reindexLock}
	return l.Release, nil
}

type lease struct {
	conn bun.Conn
	key  int64
}

// Alive checks that the lock's connection still answers (if it died,
// PostgreSQL released the lock and another worker may lead).
func (l *lease) Alive(ctx context.Context) error {
	var one int
	return l.conn.NewRaw("SELECT 1").Scan(ctx, &one)
}

// Release gives the lock back and returns the connection to the pool.
func (l *lease) Release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := l.conn.ExecContext(ctx, "SELECT pg_advisory_unlock(?)", l.key); err != nil {
		// Do not return a connection that may still hold the lock.
		_ = l.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = l.conn.Close()
}

// Requeue records again every entity changed since t.
func (s *SearchStore) Requeue(ctx context.Context, since time.Time) (int, error) {
	res, err := s.db.NewRaw(`INSERT INTO search_outbox (entity, entity_id)
		SELECT DISTINCT entity, entity_id FROM search_outbox WHERE created_at >= ?`, since).Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Now is the database clock.
func (s *SearchStore) Now(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.db.NewRaw("SELECT now()").Scan(ctx, &t)
	return t, err
}

// Pending counts the changes not yet applied.
func (s *SearchStore) Pending(ctx context.Context) (int, error) {
	var n int
	err := s.db.NewRaw("SELECT count(*) FROM search_outbox WHERE processed_at IS NULL").Scan(ctx, &n)
	return n, err
}

// Purge deletes processed changes older than t (rejected ones after 30 days).
// Nothing is purged while a reindex runs: it replays, after its swap, the
// changes recorded since it started, processed ones included.
func (s *SearchStore) Purge(ctx context.Context, before time.Time) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var free bool
		if err := tx.NewRaw("SELECT pg_try_advisory_xact_lock(?)", reindexLock).Scan(ctx, &free); err != nil || !free {
			return err
		}
		_, err := tx.NewRaw(`DELETE FROM search_outbox WHERE processed_at IS NOT NULL AND processed_at < ?
			AND (rejected_at IS NULL OR rejected_at < now() - interval '30 days')`, before).Exec(ctx)
		return err
	})
}

// SearchFallback is the basic PostgreSQL search used when Meilisearch
// cannot be reached: French full text with unaccent, trigram similarity for
// typos, distance with earthdistance, and counts per kind and département.
// No synonyms; only the kind, role, territory and mentor filters apply.
type SearchFallback struct{ db *DB }

// NewSearchFallback returns the fallback search.
func NewSearchFallback(db *DB) *SearchFallback { return &SearchFallback{db: db} }

var _ maillage.SearchService = (*SearchFallback)(nil)

// fieldVisible is the SQL condition "field of profile p is visible to the
// audience" (the twin of Profile.Vis/CanSee for an audience, not an owner).
func fieldVisible(members bool, field string) string {
	cond := func(f string) string {
		expr := fmt.Sprintf("coalesce(p.visibility->>'%s', '%s')", f, maillage.DefaultVisibility[f])
		if members {
			return expr + " <> 'private'"
		}
		return expr + " = 'public'"
	}
	if field == maillage.FieldProfile {
		return cond(field)
	}
	return "(" + cond(maillage.FieldProfile) + " AND " + cond(field) + ")"
}

func kindLabelSQL() string {
	var b strings.Builder
	b.WriteString("CASE p.kind")
	for k, l := range maillage.ProfileKindLabels {
		fmt.Fprintf(&b, " WHEN '%s' THEN '%s'", k, strings.ReplaceAll(l, "'", "''"))
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

// fallbackPart is what one statement returns for one type: the total, the
// facet counts and the page, all from a single scan of the matching rows.
type fallbackPart struct {
	Total            int             `bun:"total"`
	FacetKind        json.RawMessage `bun:"facet_kind,type:jsonb"`
	FacetDepartement json.RawMessage `bun:"facet_departement,type:jsonb"`
	Hits             json.RawMessage `bun:"hits,type:jsonb"`
}

// Search implements maillage.SearchService.
func (s *SearchFallback) Search(ctx context.Context, q maillage.SearchQuery) (*maillage.SearchResult, error) {
	start := time.Now()
	q.Normalize()
	res := &maillage.SearchResult{Query: q, Page: q.Page, PerPage: q.PerPage, Members: q.Members(), TypeCounts: map[string]int{}}
	var near *maillage.Commune
	if q.Near != "" {
		var c communeRow
		err := s.db.NewRaw("SELECT "+communeColumns+` FROM communes WHERE code_insee = upper(?) OR search_name = lower(immutable_unaccent(?))
			OR search_name LIKE lower(immutable_unaccent(?)) || '%' ORDER BY (code_insee = upper(?) OR search_name = lower(immutable_unaccent(?))) DESC,
			population DESC NULLS LAST LIMIT 1`, q.Near, q.Near, q.Near, q.Near, q.Near).Scan(ctx, &c)
		if isNoRows(err) {
			return nil, maillage.Invalid(map[string]string{"pres": "Commune inconnue : tapez son nom (par exemple « Lyon ») ou son code postal."})
		} else if err != nil {
			return nil, err
		}
		near = c.domain()
		res.Near, res.RadiusKm = near, q.RadiusKm
	}
	want := func(t string) bool { return len(q.Types) == 0 || contains(q.Types, t) }
	members := q.Members()

	type part struct {
		typ, id, from, where, title, subtitle, snippet, commune, dep, lat, lng, doc string
		args                                                                        []any
		facets                                                                      []string
	}
	var parts []part
	if want(maillage.SearchProfile) && onlyFilters(q.Filters, "kind", "departement", "region", "mentor_available", "open_to_work") {
		visC := fieldVisible(members, maillage.FieldCommune)
		p := part{typ: maillage.SearchProfile, id: "p.id", from: "profiles p LEFT JOIN communes c ON c.code_insee = p.code_insee",
			where: fieldVisible(members, maillage.FieldProfile), title: "p.display_name", subtitle: kindLabelSQL(),
			snippet: "CASE WHEN " + fieldVisible(members, maillage.FieldBio) + " THEN left(p.bio, 200) ELSE '' END",
			commune: "CASE WHEN " + visC + " THEN c.nom END", dep: "CASE WHEN " + visC + " THEN c.code_departement END",
			lat: "CASE WHEN " + visC + " THEN c.latitude END", lng: "CASE WHEN " + visC + " THEN c.longitude END",
			facets: []string{"kind", "departement"}}
		p.doc = "p.display_name || ' ' || " + kindLabelSQL() + " || ' ' || " + p.snippet + " || ' ' || coalesce(" + p.commune + ", '')"
		for attr, col := range map[string]string{"kind": "p.kind", "departement": p.dep, "region": "CASE WHEN " + visC + " THEN c.code_region END",
			"mentor_available": "CASE WHEN " + fieldVisible(members, maillage.FieldMentor) + " THEN p.mentor_available::text END",
			"open_to_work":     "CASE WHEN " + fieldVisible(members, maillage.FieldOpenToWork) + " THEN p.open_to_work::text END"} {
			if vs := q.Filters[attr]; len(vs) > 0 {
				p.where += " AND " + col + " IN (?)"
				p.args = append(p.args, bun.In(vs))
			}
		}
		parts = append(parts, p)
	}
	if want(maillage.SearchStructure) && onlyFilters(q.Filters, "roles", "departement", "region") {
		p := part{typ: maillage.SearchStructure, id: "s.id", from: "structures s LEFT JOIN communes c ON c.code_insee = s.commune_insee", where: "TRUE",
			title: "s.nom", subtitle: "array_to_string(s.roles, ' · ')", snippet: "left(s.presentation_resume, 200)", commune: "s.commune",
			dep: "c.code_departement", lat: "coalesce(s.latitude, c.latitude)", lng: "coalesce(s.longitude, c.longitude)", facets: []string{"departement"}}
		p.doc = "s.nom || ' ' || s.commune || ' ' || s.presentation_resume || ' ' || array_to_string(s.services, ' ')"
		for attr, col := range map[string]string{"departement": "c.code_departement", "region": "c.code_region"} {
			if vs := q.Filters[attr]; len(vs) > 0 {
				p.where += " AND " + col + " IN (?)"
				p.args = append(p.args, bun.In(vs))
			}
		}
		if vs := q.Filters["roles"]; len(vs) > 0 {
			p.where += " AND s.roles && ?"
			p.args = append(p.args, pgArray(vs))
		}
		parts = append(parts, p)
	}
	offset := (q.Page - 1) * q.PerPage
	remaining := q.PerPage
	facetVals := map[string]map[string]int{}
	for _, p := range parts {
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
		if contains(p.facets, "kind") {
			kindCol = "p.kind"
		}
		// One scan: the matching rows are computed once (MATERIALIZED), then
		// counted, grouped for the facets and paged.
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
		var out fallbackPart
		if err := s.db.NewRaw(sqlq, append(append(rargs, args...), remaining, offset)...).Scan(ctx, &out); err != nil {
			return nil, fmt.Errorf("fallback search %s: %w", p.typ, err)
		}
		total := out.Total
		res.TypeCounts[p.typ] = total
		res.Total += total
		for f, raw := range map[string]json.RawMessage{"kind": out.FacetKind, "departement": out.FacetDepartement} {
			if !contains(p.facets, f) {
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
			return nil, fmt.Errorf("fallback hits %s: %w", p.typ, err)
		}
		if offset >= total {
			offset -= total
			continue
		}
		for _, r := range rows {
			h := maillage.SearchHit{Type: p.typ, ID: r.ID, Title: r.Title, TitleParts: []maillage.Fragment{{Text: r.Title}}, Subtitle: r.Subtitle,
				Commune: str(r.Commune), Departement: str(r.Departement)}
			if r.Snippet != "" {
				h.Snippet = []maillage.Fragment{{Text: r.Snippet}}
			}
			if r.DistanceM != nil {
				d := int(*r.DistanceM)
				h.DistanceM = &d
			}
			if p.typ == maillage.SearchProfile {
				h.URL = "/profils/" + strconv.FormatInt(r.ID, 10)
			} else {
				h.URL = "/structures/" + strconv.FormatInt(r.ID, 10)
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
		f := maillage.Facet{Attribute: attr, Label: maillage.SearchFacetLabels[attr]}
		for v, n := range facetVals[attr] {
			label := v
			if attr == "kind" {
				label = maillage.ProfileKindLabels[maillage.ProfileKind(v)]
			}
			f.Values = append(f.Values, maillage.FacetValue{Value: v, Label: label, Count: n, Selected: contains(q.Filters[attr], v)})
		}
		search.SortFacetValues(f.Values)
		res.Facets = append(res.Facets, f)
	}
	res.TookMs = time.Since(start).Milliseconds()
	return res, nil
}

// onlyFilters reports whether every filter is one of attrs (a type whose
// fallback cannot apply a filter is left out rather than shown unfiltered).
func onlyFilters(f map[string][]string, attrs ...string) bool {
	for k := range f {
		if !contains(attrs, k) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
