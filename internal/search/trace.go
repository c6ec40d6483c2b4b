package search

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// Trace is what searches cost in Meilisearch: the requests the portal sent,
// their round trips and Meilisearch's own processingTimeMs. A search whose
// context carries a Trace (WithTrace) adds to it; the bench reads it to show
// where the time goes. Safe for the concurrent requests of one search.
type Trace struct {
	mu           sync.Mutex
	Requests     int           // HTTP requests sent to Meilisearch
	RoundTrip    time.Duration // their round trips, summed
	ProcessingMs int64         // processingTimeMs of each answer, summed
}

type traceKey struct{}

// WithTrace returns ctx carrying t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

func traceOf(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

// Snapshot returns the figures so far.
func (t *Trace) Snapshot() (requests int, roundTrip time.Duration, processingMs int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.Requests, t.RoundTrip, t.ProcessingMs
}

func (t *Trace) request(d time.Duration) {
	t.mu.Lock()
	t.Requests++
	t.RoundTrip += d
	t.mu.Unlock()
}

// processing adds Meilisearch's processingTimeMs of a search answer (for
// a multi-search without federation, of each of its results).
func processing(ctx context.Context, ms int64) {
	if t := traceOf(ctx); t != nil {
		t.mu.Lock()
		t.ProcessingMs += ms
		t.mu.Unlock()
	}
}

func processingMulti(ctx context.Context, r *meilisearch.MultiSearchResponse) {
	if r == nil {
		return
	}
	ms := r.ProcessingTimeMs
	if len(r.Results) > 0 {
		ms = 0
		for _, x := range r.Results {
			ms += x.ProcessingTimeMs
		}
	}
	processing(ctx, ms)
}

// tracing counts the requests of a traced context on their way to
// Meilisearch.
type tracing struct{ next http.RoundTripper }

func (tr tracing) RoundTrip(req *http.Request) (*http.Response, error) {
	t := traceOf(req.Context())
	if t == nil {
		return tr.next.RoundTrip(req)
	}
	start := time.Now()
	resp, err := tr.next.RoundTrip(req)
	t.request(time.Since(start))
	return resp, err
}
