package search

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// ReindexReport says what a reindex did.
type ReindexReport struct {
	Documents map[string]int // per index
	Requeued  int            // changes recorded again after the swap
	Refused   int            // documents Meilisearch refused (logged, left out)
	Took      time.Duration
}

// Reindex builds every index afresh under "<name>_new", applies its
// settings, loads every document from the database, waits for every task,
// then swaps all of them with the live indexes in one atomic Meilisearch
// swap and deletes the old ones. Search is never empty: the live indexes
// answer until the swap. Changes written while it ran are recorded again in
// the outbox after the swap, so the worker re-applies them to the new
// indexes and nothing is lost.
func Reindex(ctx context.Context, c *Client, reg *Registry, src IDs, ob Outbox, log *slog.Logger) (*ReindexReport, error) {
	specs := reg.Specs()
	start := time.Now()
	// Two rebuilds would delete and swap each other's "_new" indexes.
	release, err := ob.LockReindex(ctx)
	if err != nil {
		return nil, fmt.Errorf("wait for another reindex: %w", err)
	}
	defer release()
	rep := &ReindexReport{Documents: map[string]int{}}
	since, err := ob.Now(ctx)
	if err != nil {
		return nil, err
	}
	// Transactions are short; five minutes of margin covers one that began
	// before "since" and committed after the documents were read.
	since = since.Add(-5 * time.Minute)

	for _, s := range specs {
		tmp := c.Index(s.Name + "_new")
		if err := c.deleteIfExists(ctx, tmp); err != nil {
			return nil, fmt.Errorf("delete leftover %s: %w", tmp, err)
		}
		if err := c.ensureIndex(ctx, tmp, s); err != nil {
			return nil, err
		}
	}
	type load struct {
		spec *IndexSpec
		docs []any
		task int64
	}
	var loads []load
	const page = 5000
	for _, t := range reg.Types() {
		entity := t.Name
		var after int64
		for {
			ids, err := src.EntityIDs(ctx, t.Table, after, page)
			if err != nil {
				return nil, err
			}
			if len(ids) == 0 {
				break
			}
			after = ids[len(ids)-1]
			docs, err := reg.Documents(ctx, entity, ids)
			if err != nil {
				return nil, err
			}
			for _, s := range t.Indexes {
				if len(docs[s.Name]) == 0 {
					continue
				}
				batch := make([]any, 0, len(docs[s.Name]))
				for _, id := range sortedIDs(docs[s.Name]) {
					batch = append(batch, docs[s.Name][id])
				}
				pk := s.PrimaryKey
				info, err := c.ms.Index(c.Index(s.Name+"_new")).AddDocumentsWithContext(ctx, batch, &meilisearch.DocumentOptions{PrimaryKey: &pk})
				if err != nil {
					return nil, fmt.Errorf("load %s: %w", s.Name, err)
				}
				loads = append(loads, load{spec: s, docs: batch, task: info.TaskUID})
				rep.Documents[s.Name] += len(batch)
			}
		}
	}
	for _, l := range loads {
		err := c.waitUID(ctx, l.task)
		if refused(err) {
			// One refused document fails its whole page: load the page
			// again without the documents Meilisearch refuses.
			var n int
			n, err = c.addSettingAside(ctx, c.Index(l.spec.Name+"_new"), l.spec.PrimaryKey, l.docs, log)
			rep.Refused += n
			rep.Documents[l.spec.Name] -= n
		}
		if err != nil {
			return nil, err
		}
	}
	// The first update of a freshly built index costs Meilisearch far more
	// than the next ones (measured on 100k profiles: 0.8–1.5 s instead of
	// ~0.1–0.2 s). Pay it here, before the swap, by writing one document
	// again, rather than in the sync lag of the first change after it.
	if err := c.warm(ctx, specs); err != nil {
		return nil, err
	}
	// Every live index must exist for the swap (first run).
	var swaps []*meilisearch.SwapIndexesParams
	for _, s := range specs {
		live := c.Index(s.Name)
		if _, err := c.ms.GetIndexWithContext(ctx, live); isNotFound(err) {
			info, err := c.ms.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: live, PrimaryKey: s.PrimaryKey})
			if err != nil {
				return nil, err
			}
			if err := c.wait(ctx, info); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, err
		}
		swaps = append(swaps, &meilisearch.SwapIndexesParams{Indexes: []string{live, c.Index(s.Name + "_new")}})
	}
	info, err := c.ms.SwapIndexesWithContext(ctx, swaps)
	if err != nil {
		return nil, fmt.Errorf("swap indexes: %w", err)
	}
	if err := c.wait(ctx, info); err != nil {
		return nil, fmt.Errorf("swap indexes: %w", err)
	}
	// Swapped in: every index answers searches from the database's data.
	for _, s := range specs {
		c.readiness.Ready(s.Name)
	}
	for _, s := range specs {
		if err := c.deleteIfExists(ctx, c.Index(s.Name+"_new")); err != nil {
			return nil, fmt.Errorf("delete old %s: %w", s.Name, err)
		}
	}
	if rep.Requeued, err = ob.Requeue(ctx, since); err != nil {
		return nil, err
	}
	// Answers kept from the old indexes are not used again (Cache).
	if err := ob.Advance(ctx); err != nil {
		return nil, err
	}
	rep.Took = time.Since(start)
	log.Info("reindex done", "documents", rep.Documents, "refused", rep.Refused, "requeued", rep.Requeued, "took", rep.Took.Round(time.Millisecond).String())
	return rep, nil
}

// addSettingAside adds documents and waits; when Meilisearch refuses the
// batch it splits it in halves down to the refused documents, which it logs
// and leaves out. It returns how many it left out.
func (c *Client) addSettingAside(ctx context.Context, uid, pk string, docs []any, log *slog.Logger) (int, error) {
	refusedDocs := 0
	err := setAside(docs, func(batch []any) error {
		info, err := c.ms.Index(uid).AddDocumentsWithContext(ctx, batch, &meilisearch.DocumentOptions{PrimaryKey: &pk})
		if err != nil {
			return err
		}
		return c.wait(ctx, info)
	}, func(_ any, err error) {
		log.Error("search: Meilisearch refused a document; left out of the index", "index", uid, "err", err)
		refusedDocs++
	})
	return refusedDocs, err
}

// warm rewrites the first document of every fresh "<name>_new" index.
func (c *Client) warm(ctx context.Context, specs []*IndexSpec) error {
	var tasks []int64
	for _, s := range specs {
		idx := c.ms.Index(c.Index(s.Name + "_new"))
		var res meilisearch.DocumentsResult
		if err := idx.GetDocumentsWithContext(ctx, &meilisearch.DocumentsQuery{Limit: 1}, &res); err != nil {
			return fmt.Errorf("warm %s: %w", s.Name, err)
		}
		if len(res.Results) == 0 {
			continue
		}
		pk := s.PrimaryKey
		info, err := idx.AddDocumentsWithContext(ctx, []any{res.Results[0]}, &meilisearch.DocumentOptions{PrimaryKey: &pk})
		if err != nil {
			return fmt.Errorf("warm %s: %w", s.Name, err)
		}
		tasks = append(tasks, info.TaskUID)
	}
	return c.waitAll(ctx, tasks)
}

// deleteIfExists deletes an index and waits (a delete of a missing index is
// a failed task, not an HTTP error, so look first).
func (c *Client) deleteIfExists(ctx context.Context, uid string) error {
	if _, err := c.ms.GetIndexWithContext(ctx, uid); isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	info, err := c.ms.DeleteIndexWithContext(ctx, uid)
	if err != nil {
		return err
	}
	return c.wait(ctx, info)
}
