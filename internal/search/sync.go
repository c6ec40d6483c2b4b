package search

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// Change is one row of search_outbox: an entity that changed.
type Change struct {
	ID        int64
	Entity    string
	EntityID  int64
	CreatedAt time.Time
	Attempts  int
}

// Outbox is the queue of changes written by storage in the same
// transactions as the changes themselves (internal/postgres implements it).
type Outbox interface {
	// Drain claims up to limit pending changes (oldest first) in one
	// transaction and calls apply. The rows are marked processed only when
	// apply returns nil (those it returns as rejected are also marked
	// rejected); otherwise their attempts and last_error are bumped and they
	// stay pending. It returns the number of changes applied; 0 and no call
	// to apply when nothing is pending or another worker holds the queue.
	Drain(ctx context.Context, limit int, apply func(ctx context.Context, changes []Change) ([]Rejection, error)) (int, error)
	// Reject sets changes aside: Meilisearch refused their documents.
	Reject(ctx context.Context, rejections []Rejection) error
	// Claim returns up to limit pending changes, oldest first, except the
	// ids in exclude (in flight). Only the lease holder calls it.
	Claim(ctx context.Context, limit int, exclude []int64) ([]Change, error)
	// Done marks changes applied; Failed bumps their attempts and records
	// the error (they stay pending).
	Done(ctx context.Context, ids []int64) error
	Failed(ctx context.Context, ids []int64, msg string) error
	// Lead takes the single-worker lease (the lock Drain takes per
	// transaction); ok is false when another worker holds it.
	Lead(ctx context.Context) (lease Lease, ok bool, err error)
	// LockReindex waits until no other reindex runs (any instance) and
	// holds that until release is called.
	LockReindex(ctx context.Context) (release func(), err error)
	// Requeue records again every entity changed since t (reindex).
	Requeue(ctx context.Context, since time.Time) (int, error)
	// Advance moves the generation of the indexes on: they changed
	// outside the outbox (a reindex swapped in). Done, Reject and Drain
	// advance it themselves.
	Advance(ctx context.Context) error
	// Now is the database clock.
	Now(ctx context.Context) (time.Time, error)
	// Pending counts changes not yet applied.
	Pending(ctx context.Context) (int, error)
	// Purge deletes processed changes older than t (rejected ones after 30 days).
	Purge(ctx context.Context, before time.Time) error
}

// Rejection is a change whose document Meilisearch refused, and why.
type Rejection struct {
	ID     int64
	Reason string
}

// Lease is the right to send changes, held by one worker at a time.
type Lease interface {
	Alive(ctx context.Context) error
	Release()
}

// Syncer applies outbox changes to the indexes.
type Syncer struct {
	Client   *Client
	Registry *Registry
	IDs      IDs
	Outbox   Outbox
	Log      *slog.Logger
	Batch    int           // changes per batch (default 500)
	Idle     time.Duration // poll interval when the queue is empty (default 25 ms)
	// MaxBackoff caps the wait between failed attempts (default 30 s).
	MaxBackoff time.Duration
	// OnApplied, if set, receives each applied batch and when it became
	// searchable (the benchmark measures the sync lag with it).
	OnApplied func(changes []Change, visible time.Time)

	mu      sync.Mutex
	ensured bool
	// sendMu makes reading the database and enqueuing one step: the
	// sender and the confirmer (setting refused documents aside) both
	// send, and a document read earlier must not be enqueued later.
	sendMu sync.Mutex
}

// Apply sends one batch of changes to Meilisearch and waits until every
// task succeeded. It is idempotent: each entity is brought to its current
// state in the database, whatever the change was.
func (s *Syncer) Apply(ctx context.Context, changes []Change) error {
	tasks, err := s.send(ctx, changes)
	if err != nil {
		return err
	}
	return s.Client.waitAll(ctx, tasks)
}

// applySettingAside is Apply that, when Meilisearch refuses a document,
// splits the batch in halves until it finds the changes whose documents it
// refuses; the others are applied. It returns the refused ones: one bad
// value must not block every change queued after it.
func (s *Syncer) applySettingAside(ctx context.Context, changes []Change) ([]Rejection, error) {
	var rejected []Rejection
	err := setAside(changes, func(batch []Change) error { return s.Apply(ctx, batch) }, func(c Change, err error) {
		s.Log.Error("search: Meilisearch refused a document; change set aside (the next change of this entity is tried again)",
			"entity", c.Entity, "id", c.EntityID, "outbox_id", c.ID, "err", err)
		rejected = append(rejected, Rejection{ID: c.ID, Reason: err.Error()})
	})
	return rejected, err
}

// setAside sends items with send; when Meilisearch refuses the batch it
// splits it in halves down to the items it refuses, which go to
// onRefused, and sends the others. Any other error stops it.
func setAside[T any](items []T, send func([]T) error, onRefused func(T, error)) error {
	err := send(items)
	if err == nil || !refused(err) {
		return err
	}
	if len(items) == 1 {
		onRefused(items[0], err)
		return nil
	}
	half := len(items) / 2
	if err := setAside(items[:half], send, onRefused); err != nil {
		return err
	}
	return setAside(items[half:], send, onRefused)
}

// send builds the documents of the changed entities from the database and
// enqueues their upserts and deletions; it returns the Meilisearch tasks.
func (s *Syncer) send(ctx context.Context, changes []Change) ([]int64, error) {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	byEntity := map[string][]int64{}
	seen := map[string]bool{}
	for _, c := range changes {
		k := c.Entity + ":" + strconv.FormatInt(c.EntityID, 10)
		if !seen[k] {
			seen[k] = true
			byEntity[c.Entity] = append(byEntity[c.Entity], c.EntityID)
		}
	}
	var tasks []int64
	for entity, ids := range byEntity {
		docs, err := s.Registry.Documents(ctx, entity, ids)
		if err != nil {
			return tasks, fmt.Errorf("build %s documents: %w", entity, err)
		}
		for _, spec := range s.Registry.Type(entity).Indexes {
			idx := s.Client.ms.Index(s.Client.Index(spec.Name))
			var upserts []any
			var deletes []string
			for _, id := range ids {
				if d, ok := docs[spec.Name][id]; ok {
					upserts = append(upserts, d)
				} else {
					deletes = append(deletes, strconv.FormatInt(id, 10))
				}
			}
			if len(upserts) > 0 {
				pk := spec.PrimaryKey
				info, err := idx.AddDocumentsWithContext(ctx, upserts, &meilisearch.DocumentOptions{PrimaryKey: &pk})
				if err != nil {
					return tasks, fmt.Errorf("add to %s: %w", spec.Name, err)
				}
				tasks = append(tasks, info.TaskUID)
			}
			if len(deletes) > 0 {
				info, err := idx.DeleteDocumentsWithContext(ctx, deletes, nil)
				if err != nil {
					return tasks, fmt.Errorf("delete from %s: %w", spec.Name, err)
				}
				tasks = append(tasks, info.TaskUID)
			}
		}
	}
	return tasks, nil
}

// DrainOnce applies one batch; it returns how many changes it applied.
func (s *Syncer) DrainOnce(ctx context.Context) (int, error) {
	if err := s.ensure(ctx); err != nil {
		return 0, fmt.Errorf("ensure indexes: %w", err)
	}
	batch := s.Batch
	if batch <= 0 {
		batch = 500
	}
	return s.Outbox.Drain(ctx, batch, func(ctx context.Context, changes []Change) ([]Rejection, error) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		rejected, err := s.applySettingAside(ctx, changes)
		if err != nil {
			return nil, err
		}
		if s.OnApplied != nil {
			s.OnApplied(changes, time.Now())
		}
		return rejected, nil
	})
}

// Run sends outbox changes to Meilisearch until ctx is done.
//
// It is a pipeline: one loop claims pending changes, builds their
// documents and enqueues the Meilisearch tasks without waiting for them
// (Meilisearch applies the tasks of an index in the order they were
// enqueued, and batches those waiting); another waits for the tasks, in
// order, and marks the changes applied. A change is thus searchable as
// soon as Meilisearch has indexed it, not after the previous batch's round
// trip. Only the holder of the outbox lease runs it (one worker among all
// instances); the others wait for the lease.
//
// While Meilisearch is down the changes stay pending and the worker
// retries with an exponential backoff (up to MaxBackoff); when it comes
// back, everything pending is applied.
func (s *Syncer) Run(ctx context.Context) {
	idle := s.idle()
	for ctx.Err() == nil {
		lease, ok, err := s.Outbox.Lead(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("search sync: cannot take the outbox lease", "err", err)
		}
		if !ok {
			// Another instance leads (or PostgreSQL is unreachable).
			s.refresh(ctx)
			sleep(ctx, 20*idle)
			continue
		}
		s.lead(ctx, lease)
		lease.Release()
	}
}

func (s *Syncer) idle() time.Duration {
	if s.Idle > 0 {
		return s.Idle
	}
	return 25 * time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// flight is a batch of changes whose tasks are enqueued.
type flight struct {
	changes []Change
	tasks   []int64
}

// lead runs the pipeline while the lease holds.
func (s *Syncer) lead(ctx context.Context, lease Lease) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	idle := s.idle()
	maxBackoff := s.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = 30 * time.Second
	}
	batch := s.Batch
	if batch <= 0 {
		batch = 500
	}

	var (
		mu       sync.Mutex
		inFlight = map[int64]bool{} // outbox ids sent, not yet confirmed
		failures int
		retryAt  time.Time
		backoff  time.Duration
	)
	// failed records a failure and schedules the next attempt.
	failed := func(changes []Change, err error) {
		ids := changeIDs(changes)
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer fcancel()
		if ferr := s.Outbox.Failed(fctx, ids, err.Error()); ferr != nil {
			err = fmt.Errorf("%w (and recording the failure: %v)", err, ferr)
		}
		mu.Lock()
		for _, id := range ids {
			delete(inFlight, id)
		}
		failures++
		switch {
		case backoff == 0:
			backoff = 100 * time.Millisecond
		case time.Now().Before(retryAt):
			// Several batches in flight failing together are one failure.
		default:
			if backoff *= 2; backoff > maxBackoff {
				backoff = maxBackoff
			}
		}
		retryAt = time.Now().Add(backoff)
		n, wait := failures, backoff
		mu.Unlock()
		// A failure may mean Meilisearch restarted empty: check the
		// indexes again before the next batch.
		s.mu.Lock()
		s.ensured = false
		s.mu.Unlock()
		lvl := slog.LevelWarn
		if n > 5 {
			lvl = slog.LevelError
		}
		s.Log.Log(ctx, lvl, "search sync failed; changes kept for a retry", "err", err, "failures", n, "retry_in", wait.String())
	}

	// The confirmer waits for each flight's tasks, in order.
	flights := make(chan *flight, 8)
	confirmed := make(chan struct{})
	go func() {
		defer close(confirmed)
		for f := range flights {
			wctx, wcancel := context.WithTimeout(ctx, 2*time.Minute)
			err := s.Client.waitAll(wctx, f.tasks)
			if refused(err) {
				// Find the refused documents, apply the others.
				var rejected []Rejection
				if rejected, err = s.applySettingAside(wctx, f.changes); err == nil && len(rejected) > 0 {
					err = s.Outbox.Reject(wctx, rejected)
				}
			}
			wcancel()
			if err == nil {
				dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				err = s.Outbox.Done(dctx, changeIDs(f.changes))
				dcancel()
			}
			if err != nil {
				if ctx.Err() == nil {
					failed(f.changes, err)
				}
				continue
			}
			if s.OnApplied != nil {
				s.OnApplied(f.changes, time.Now())
			}
			mu.Lock()
			for _, c := range f.changes {
				delete(inFlight, c.ID)
			}
			if failures > 0 {
				s.Log.Info("search sync recovered", "after_failures", failures)
			}
			failures, backoff = 0, 0
			mu.Unlock()
		}
	}()
	defer func() {
		// Stop first: once the lease is gone this worker must not send
		// (batches not yet confirmed stay pending and are sent again).
		cancel()
		close(flights)
		<-confirmed
	}()

	lastPurge, lastCheck := time.Now(), time.Now()
	for ctx.Err() == nil {
		if time.Since(lastCheck) > 30*time.Second {
			// Meilisearch may have restarted without its data.
			lastCheck = time.Now()
			for _, spec := range s.Registry.Specs() {
				if s.checkIndex(ctx, spec) != "" {
					s.mu.Lock()
					s.ensured = false
					s.mu.Unlock()
					break
				}
			}
		}
		mu.Lock()
		wait := time.Until(retryAt)
		exclude := make([]int64, 0, len(inFlight))
		for id := range inFlight {
			exclude = append(exclude, id)
		}
		mu.Unlock()
		if wait > 0 {
			sleep(ctx, wait)
			continue
		}
		if err := lease.Alive(ctx); err != nil {
			if ctx.Err() == nil {
				s.Log.Warn("search sync: outbox lease lost", "err", err)
			}
			return
		}
		if err := s.ensure(ctx); err != nil {
			if ctx.Err() == nil {
				failed(nil, fmt.Errorf("ensure indexes: %w", err))
			}
			continue
		}
		changes, err := s.Outbox.Claim(ctx, batch, exclude)
		if err != nil {
			if ctx.Err() == nil {
				s.Log.Warn("search sync: cannot read the outbox", "err", err)
				sleep(ctx, 20*idle)
			}
			continue
		}
		if len(changes) == 0 {
			if time.Since(lastPurge) > 10*time.Minute {
				lastPurge = time.Now()
				if err := s.Outbox.Purge(ctx, time.Now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
					s.Log.Warn("purge search outbox", "err", err)
				}
			}
			sleep(ctx, idle)
			continue
		}
		mu.Lock()
		for _, c := range changes {
			inFlight[c.ID] = true
		}
		mu.Unlock()
		tasks, err := s.send(ctx, changes)
		if refused(err) {
			// Refused at once (payload too large…): find the culprits
			// now, apply the others, and confirm the batch as applied.
			var rejected []Rejection
			if rejected, err = s.applySettingAside(ctx, changes); err == nil {
				tasks = nil
				if len(rejected) > 0 {
					err = s.Outbox.Reject(ctx, rejected)
				}
			}
		}
		if err != nil {
			if ctx.Err() == nil {
				failed(changes, err)
			}
			// Tasks enqueued before the error are still awaited by
			// nobody: they are idempotent, and the retry resends
			// the current state after them.
			continue
		}
		select {
		case flights <- &flight{changes: changes, tasks: tasks}:
		case <-ctx.Done():
		}
	}
}

func (s *Syncer) ensure(ctx context.Context) error {
	s.mu.Lock()
	ensured := s.ensured
	s.mu.Unlock()
	// An index the service found missing is checked at once.
	if ensured && len(s.Client.readiness.NotReadyIndexes()) == 0 {
		return nil
	}
	if err := s.Ensure(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	s.ensured = true
	s.mu.Unlock()
	return nil
}

// Ensure applies every index's settings and checks them (at start-up,
// after a sync failure, and when the periodic check finds an index missing
// or with other settings, or the service found one missing). When an index
// was missing, had other settings (Meilisearch creates a missing index with
// default settings on the first document sent to it) or is empty, although
// the database holds documents for it, Meilisearch lost its data (a restart
// on a new volume, a restore): the outbox no longer holds those changes, so
// it rebuilds every index (Reindex) instead of leaving search silently
// incomplete. Until the rebuild is swapped in, such an index is not ready
// (Readiness) and search answers from PostgreSQL.
func (s *Syncer) Ensure(ctx context.Context) error {
	rd := &s.Client.readiness
	suspect := map[string]string{} // index → why
	for _, spec := range s.Registry.Specs() {
		if why := s.checkIndex(ctx, spec); why != "" {
			suspect[spec.Name] = why
			// It answers wrongly already; EnsureIndexes would make it
			// answer empty.
			rd.NotReady(spec.Name, why)
		}
	}
	if _, err := s.Client.EnsureIndexes(ctx, s.Registry.Specs()); err != nil {
		return err
	}
	var lost []*IndexSpec
	for _, spec := range s.Registry.Specs() {
		if suspect[spec.Name] == "" {
			stats, err := s.Client.ms.Index(s.Client.Index(spec.Name)).GetStatsWithContext(ctx, nil)
			if err != nil {
				return fmt.Errorf("stats of %s: %w", spec.Name, err)
			}
			if stats.NumberOfDocuments > 0 {
				continue
			}
			suspect[spec.Name] = "empty"
		}
		// An index may rightly be empty (no public profile yet).
		has, err := s.hasDocuments(ctx, spec)
		if err != nil {
			return err
		}
		if has {
			lost = append(lost, spec)
		}
	}
	var right []string
	for _, spec := range s.Registry.Specs() {
		if !slices.Contains(lost, spec) {
			right = append(right, spec.Name)
		}
	}
	rd.Ready(right...)
	if len(lost) == 0 {
		return nil
	}
	for _, spec := range lost {
		rd.NotReady(spec.Name, suspect[spec.Name]+", rebuilding")
	}
	s.Log.Warn("search index missing, with other settings or empty while the database has documents for it: rebuilding every index", "index", lost[0].Name, "why", suspect[lost[0].Name])
	// Reindex sets every index ready once swapped in.
	_, err := Reindex(ctx, s.Client, s.Registry, s.IDs, s.Outbox, s.Log)
	return err
}

// hasDocuments reports whether the database has a document for the index
// among the first entities of its type.
func (s *Syncer) hasDocuments(ctx context.Context, spec *IndexSpec) (bool, error) {
	ids, err := s.IDs.EntityIDs(ctx, s.Registry.Type(spec.Entity).Table, 0, 100)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	docs, err := s.Registry.Documents(ctx, spec.Entity, ids)
	if err != nil {
		return false, err
	}
	return len(docs[spec.Name]) > 0, nil
}

// refresh sets ready the indexes found right again (an instance that does
// not lead the sync, and so never runs Ensure, learns this way that the
// leader rebuilt them).
func (s *Syncer) refresh(ctx context.Context) {
	rd := &s.Client.readiness
	for _, spec := range s.Registry.Specs() {
		if rd.Why(spec.Name) == "" || s.checkIndex(ctx, spec) != "" {
			continue
		}
		stats, err := s.Client.ms.Index(s.Client.Index(spec.Name)).GetStatsWithContext(ctx, nil)
		if err != nil {
			continue
		}
		if stats.NumberOfDocuments == 0 {
			if has, err := s.hasDocuments(ctx, spec); err != nil || has {
				continue
			}
		}
		rd.Ready(spec.Name)
	}
}

// checkIndex says what is wrong with a live index ("" when it has the
// spec's settings).
func (s *Syncer) checkIndex(ctx context.Context, spec *IndexSpec) string {
	got, err := s.Client.ms.Index(s.Client.Index(spec.Name)).GetSettingsWithContext(ctx)
	switch {
	case isNotFound(err):
		return "missing"
	case err != nil:
		return "" // unreachable: the next step fails and says so
	case spec.check(got) != nil:
		return "other settings"
	}
	return ""
}

func changeIDs(changes []Change) []int64 {
	ids := make([]int64, len(changes))
	for i, c := range changes {
		ids[i] = c.ID
	}
	return ids
}

// WaitIdle drains until nothing is pending (tests and reindex).
func (s *Syncer) WaitIdle(ctx context.Context) error {
	for {
		n, err := s.DrainOnce(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			p, err := s.Outbox.Pending(ctx)
			if err != nil || p == 0 {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

func sortedIDs(m map[int64]any) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
