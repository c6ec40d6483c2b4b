package search

import (
	"context"
	"fmt"
	"log/slog"
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
	// apply returns nil; otherwise their attempts and last_error are bumped
	// and they stay pending. It returns the number of changes applied; 0 and
	// no call to apply when nothing is pending or another worker holds the
	// queue.
	Drain(ctx context.Context, limit int, apply func(ctx context.Context, changes []Change) error) (int, error)
	// Requeue records again every entity changed since t (reindex).
	Requeue(ctx context.Context, since time.Time) (int, error)
	// Now is the database clock.
	Now(ctx context.Context) (time.Time, error)
	// Pending counts changes not yet applied.
	Pending(ctx context.Context) (int, error)
	// Purge deletes processed changes older than t.
	Purge(ctx context.Context, before time.Time) error
}

// Syncer applies outbox changes to the indexes.
type Syncer struct {
	Client *Client
	Specs  []*IndexSpec
	Source Source
	Outbox Outbox
	Log    *slog.Logger
	Batch  int           // changes per batch (default 500)
	Idle   time.Duration // poll interval when the queue is empty (default 50 ms)
	// MaxBackoff caps the wait between failed attempts (default 30 s).
	MaxBackoff time.Duration
	// OnApplied, if set, receives each applied batch and when it became
	// searchable (the benchmark measures the sync lag with it).
	OnApplied func(changes []Change, visible time.Time)

	mu      sync.Mutex
	ensured bool
}

// Apply sends one batch of changes to Meilisearch and waits until every
// task succeeded. It is idempotent: each entity is brought to its current
// state in the database, whatever the change was.
func (s *Syncer) Apply(ctx context.Context, changes []Change) error {
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
		docs, err := Documents(ctx, s.Source, s.Specs, entity, ids)
		if err != nil {
			return fmt.Errorf("build %s documents: %w", entity, err)
		}
		for _, spec := range s.Specs {
			if spec.Entity != entity {
				continue
			}
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
					return fmt.Errorf("add to %s: %w", spec.Name, err)
				}
				tasks = append(tasks, info.TaskUID)
			}
			if len(deletes) > 0 {
				info, err := idx.DeleteDocumentsWithContext(ctx, deletes, nil)
				if err != nil {
					return fmt.Errorf("delete from %s: %w", spec.Name, err)
				}
				tasks = append(tasks, info.TaskUID)
			}
		}
	}
	return s.Client.waitAll(ctx, tasks)
}

// DrainOnce applies one batch; it returns how many changes it applied.
func (s *Syncer) DrainOnce(ctx context.Context) (int, error) {
	s.mu.Lock()
	ensured := s.ensured
	s.mu.Unlock()
	if !ensured {
		if err := s.Client.EnsureIndexes(ctx, s.Specs); err != nil {
			return 0, fmt.Errorf("ensure indexes: %w", err)
		}
		s.mu.Lock()
		s.ensured = true
		s.mu.Unlock()
	}
	batch := s.Batch
	if batch <= 0 {
		batch = 500
	}
	return s.Outbox.Drain(ctx, batch, func(ctx context.Context, changes []Change) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := s.Apply(ctx, changes); err != nil {
			return err
		}
		if s.OnApplied != nil {
			s.OnApplied(changes, time.Now())
		}
		return nil
	})
}

// Run drains the outbox until ctx is done. While Meilisearch is down it
// keeps the changes and retries with an exponential backoff (up to
// MaxBackoff); when it comes back, everything pending is applied.
func (s *Syncer) Run(ctx context.Context) {
	idle := s.Idle
	if idle <= 0 {
		idle = 50 * time.Millisecond
	}
	maxBackoff := s.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = 30 * time.Second
	}
	backoff := time.Duration(0)
	failures := 0
	lastPurge := time.Now()
	for ctx.Err() == nil {
		n, err := s.DrainOnce(ctx)
		var wait time.Duration
		switch {
		case err != nil && ctx.Err() == nil:
			failures++
			if backoff == 0 {
				backoff = 100 * time.Millisecond
			} else if backoff *= 2; backoff > maxBackoff {
				backoff = maxBackoff
			}
			// A failure may mean Meilisearch restarted empty: check the
			// indexes again before the next batch.
			s.mu.Lock()
			s.ensured = false
			s.mu.Unlock()
			lvl := slog.LevelWarn
			if failures > 5 {
				lvl = slog.LevelError
			}
			s.Log.Log(ctx, lvl, "search sync failed; changes kept for a retry", "err", err, "failures", failures, "retry_in", backoff.String())
			wait = backoff
		case n == 0:
			wait = idle
		default:
			if failures > 0 {
				s.Log.Info("search sync recovered", "after_failures", failures)
			}
			backoff, failures = 0, 0
		}
		if time.Since(lastPurge) > 10*time.Minute {
			lastPurge = time.Now()
			if err := s.Outbox.Purge(ctx, time.Now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
				s.Log.Warn("purge search outbox", "err", err)
			}
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
	}
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
