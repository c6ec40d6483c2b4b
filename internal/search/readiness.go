package search

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/meilisearch/meilisearch-go"
)

// Readiness says which indexes may answer searches. An index that is
// missing, or empty while the database has documents for it, or being
// rebuilt, is not ready: Service.Search then answers from PostgreSQL with
// the degraded notice rather than with an empty answer that looks real.
// Syncer.Ensure sets an index not ready when it finds it lost and ready
// once it is found right or its rebuild is swapped in (Reindex); the
// service sets it not ready when Meilisearch answers index_not_found. The
// zero value has every index ready. Each Client holds one (names are the
// logical index names, without the prefix).
type Readiness struct {
	mu  sync.Mutex
	why map[string]string // index → why it is not ready
}

// NotReady records that index must not answer searches, and why.
func (r *Readiness) NotReady(index, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.why == nil {
		r.why = map[string]string{}
	}
	r.why[index] = why
}

// Ready records that the indexes answer searches rightly.
func (r *Readiness) Ready(indexes ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, name := range indexes {
		delete(r.why, name)
	}
}

// Why says why index is not ready ("" when it is).
func (r *Readiness) Why(index string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.why[index]
}

// NotReadyIndexes lists the indexes that are not ready, sorted.
func (r *Readiness) NotReadyIndexes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.why))
	for name := range r.why {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// NotReadyError is the cause logged when search answers from PostgreSQL
// because an index it reads is not ready.
type NotReadyError struct{ Index, Why string }

func (e *NotReadyError) Error() string {
	return fmt.Sprintf("search index %s not ready (%s)", e.Index, e.Why)
}

// notReady returns the first of specs that is not ready, as an error (nil
// when all are ready).
func (r *Readiness) notReady(specs []*IndexSpec) error {
	for _, spec := range specs {
		if why := r.Why(spec.Name); why != "" {
			return &NotReadyError{Index: spec.Name, Why: why}
		}
	}
	return nil
}

// indexNotFound reports whether Meilisearch answered that an index of the
// query does not exist.
func indexNotFound(err error) bool {
	var me *meilisearch.Error
	return errors.As(err, &me) && me.MeilisearchApiError.Code == "index_not_found"
}

// markNotFound sets not ready the indexes of specs that Meilisearch says
// do not exist (every one of them when its message names none).
func (c *Client) markNotFound(err error, specs []*IndexSpec) {
	var me *meilisearch.Error
	if !errors.As(err, &me) {
		return
	}
	var named []string
	for _, spec := range specs {
		if strings.Contains(me.MeilisearchApiError.Message, "`"+c.Index(spec.Name)+"`") {
			named = append(named, spec.Name)
		}
	}
	if len(named) == 0 {
		for _, spec := range specs {
			named = append(named, spec.Name)
		}
	}
	for _, name := range named {
		c.readiness.NotReady(name, "missing")
	}
}
