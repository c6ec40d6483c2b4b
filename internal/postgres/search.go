package postgres

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

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
	_ search.ProfileStore   = (*SearchStore)(nil)
	_ search.StructureStore = (*SearchStore)(nil)
	_ search.IDs            = (*SearchStore)(nil)
	_ search.Outbox         = (*SearchStore)(nil)
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

// PendingIDs tells, in one statement, the generation of the indexes and which
// of these ids (by entity) have a change the indexes have not applied yet
// (a search_outbox row not processed). One statement reads both from one
// snapshot of the outbox: a change it sees applied has advanced the
// generation it returns (markProcessed).
func (s *SearchStore) PendingIDs(ctx context.Context, ids map[string][]int64) (int64, map[string]map[int64]bool, error) {
	var ents []string
	var eids []int64
	for e, list := range ids {
		for _, id := range list {
			ents, eids = append(ents, e), append(eids, id)
		}
	}
	var rows pendingRows
	// The generation comes on every row, and alone when nothing is pending.
	if err := s.db.NewRaw(`SELECT g.generation, p.entity, p.entity_id
		FROM (SELECT `+generationSQL+` AS generation) g
		LEFT JOIN (SELECT DISTINCT o.entity, o.entity_id FROM search_outbox o
			JOIN unnest(?::text[], ?::bigint[]) AS w(entity, entity_id) ON w.entity = o.entity AND w.entity_id = o.entity_id
			WHERE o.processed_at IS NULL) p ON true`, pgdialect.Array(ents), pgdialect.Array(eids)).Scan(ctx, &rows); err != nil {
		return 0, nil, err
	}
	gen, out, _ := rows.collect()
	return gen, out, nil
}

// pendingRows are the generation joined to pending changes (an empty
// entity: none pending), as PendingIDs and PendingNow read them.
type pendingRows []struct {
	Generation int64
	Entity     string
	EntityID   int64
}

// collect returns the generation, the pending entities and how many rows
// named one.
func (rows pendingRows) collect() (gen int64, pending map[string]map[int64]bool, n int) {
	pending = map[string]map[int64]bool{}
	for _, r := range rows {
		gen = r.Generation
		if r.Entity == "" {
			continue
		}
		n++
		if pending[r.Entity] == nil {
			pending[r.Entity] = map[int64]bool{}
		}
		pending[r.Entity][r.EntityID] = true
	}
	return gen, pending, n
}

// PendingNow implements search.PendingStore: the generation and up to
// limit pending changes, oldest first, read in one statement (the partial
// index on pending rows stops at limit + 1).
func (s *SearchStore) PendingNow(ctx context.Context, limit int) (int64, map[string]map[int64]bool, bool, error) {
	var rows pendingRows
	if err := s.db.NewRaw(`SELECT g.generation, p.entity, p.entity_id
		FROM (SELECT `+generationSQL+` AS generation) g
		LEFT JOIN (SELECT o.entity, o.entity_id FROM search_outbox o
			WHERE o.processed_at IS NULL ORDER BY o.id LIMIT ?) p ON true`, limit+1).Scan(ctx, &rows); err != nil {
		return 0, nil, false, err
	}
	gen, out, n := rows.collect()
	return gen, out, n <= limit, nil
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

// EntityIDs pages through the ids of a table (the Table of a search type).
func (s *SearchStore) EntityIDs(ctx context.Context, table string, after int64, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.NewRaw("SELECT id FROM ? WHERE id > ? ORDER BY id LIMIT ?", bun.Ident(table), after, limit).Scan(ctx, &ids)
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
		return markProcessed(ctx, tx, ids)
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
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error { return markProcessed(ctx, tx, ids) })
}

// markProcessed marks changes applied and advances the generation of the
// indexes before the transaction commits: a reader that sees the changes
// no longer pending also sees the new generation (search.Cache).
func markProcessed(ctx context.Context, tx bun.IDB, ids []int64) error {
	if err := advance(ctx, tx); err != nil {
		return err
	}
	_, err := tx.NewRaw("UPDATE search_outbox SET processed_at = now() WHERE id IN (?)", bun.In(ids)).Exec(ctx)
	return err
}

// advance moves the generation of the indexes on (a sequence: visible at
// once, whatever the transaction becomes; a rolled-back advance only makes
// cached answers be asked again).
func advance(ctx context.Context, db bun.IDB) error {
	_, err := db.NewRaw("SELECT nextval('search_generation')").Exec(ctx)
	return err
}

// Advance implements search.Outbox: the indexes changed outside the
// outbox (a reindex swapped in).
func (s *SearchStore) Advance(ctx context.Context) error { return advance(ctx, s.db.DB) }

// generationSQL reads the generation of the indexes (0 before the first
// advance).
const generationSQL = "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM search_generation)"

// Reject sets changes aside: Meilisearch refused their documents. They
// count as processed; rejected_at and last_error say why (kept 30 days).
func (s *SearchStore) Reject(ctx context.Context, rejections []search.Rejection) error {
	return reject(ctx, s.db.DB, rejections)
}

func reject(ctx context.Context, db bun.IDB, rejections []search.Rejection) error {
	if len(rejections) > 0 {
		if err := advance(ctx, db); err != nil {
			return err
		}
	}
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
