package web_test

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"

	"maillage/internal/auth"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
	"maillage/internal/web"
	"maillage/internal/web/kit"
)

// flaky is a capability whose handlers fail with a given error their
// first times, and count their calls.
type flaky struct {
	mu    sync.Mutex
	err   error
	fails int // how many calls fail before one succeeds
	calls map[string]int
}

func (f *flaky) Name() string    { return "essai" }
func (f *flaky) Messages() fs.FS { return nil }
func (f *flaky) Mount(r *kit.Router) {
	h := func(c *fiber.Ctx) error {
		f.mu.Lock()
		f.calls[c.Method()+" "+c.Path()]++
		n := f.calls[c.Method()+" "+c.Path()]
		f.mu.Unlock()
		if n <= f.fails {
			return fmt.Errorf("find essai: %w", f.err)
		}
		return c.SendString("lu")
	}
	r.Get("/essai", auth.PermPublic, h)
	r.Post("/api/essai", auth.PermPublic, h)
}

// TestReadsAreRunAgainOnceAfterALostConnection: a GET whose handler fails
// because its connection was lost (each error pgx or database/sql gives
// then) is run once more and answers; failing twice, it is a 503; a POST
// is never run again; another error is neither run again nor a 503.
func TestReadsAreRunAgainOnceAfterALostConnection(t *testing.T) {
	a := testenv.Get(t).App(t)
	lost := []error{
		&pgconn.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"},
		&pgconn.PgError{Severity: "FATAL", Code: "57P03", Message: "the database system is shutting down"},
		&pgconn.PgError{Severity: "FATAL", Code: "08006", Message: "connection failure"},
		errors.New("conn closed"),
		fmt.Errorf("read: %w", io.ErrUnexpectedEOF),
		driver.ErrBadConn,
		sql.ErrConnDone,
	}
	type want struct {
		status int
		calls  int
	}
	for _, cause := range lost {
		for _, tc := range []struct {
			method, path string
			fails        int
			want         want
		}{
			{"GET", "/essai", 1, want{200, 2}},
			{"GET", "/essai", 2, want{503, 2}},
			{"POST", "/api/essai", 1, want{503, 1}},
		} {
			t.Run(fmt.Sprintf("%s %s fails %d: %v", tc.method, tc.path, tc.fails, cause), func(t *testing.T) {
				f := &flaky{err: cause, fails: tc.fails, calls: map[string]int{}}
				got := run(t, a.Web.Deps, f, tc.method, tc.path)
				if got.status != tc.want.status || got.calls != tc.want.calls {
					t.Errorf("status %d after %d calls, want %d after %d", got.status, got.calls, tc.want.status, tc.want.calls)
				}
			})
		}
	}
	t.Run("another error", func(t *testing.T) {
		f := &flaky{err: errors.New("boom"), fails: 1, calls: map[string]int{}}
		got := run(t, a.Web.Deps, f, "GET", "/essai")
		if got.status != 500 || got.calls != 1 {
			t.Errorf("status %d after %d calls, want 500 after 1", got.status, got.calls)
		}
	})
	t.Run("a refusal", func(t *testing.T) {
		f := &flaky{err: maillage.Errorf(maillage.ENOTFOUND, "error.404"), fails: 1, calls: map[string]int{}}
		got := run(t, a.Web.Deps, f, "GET", "/essai")
		if got.status != 404 || got.calls != 1 {
			t.Errorf("status %d after %d calls, want 404 after 1", got.status, got.calls)
		}
	})
}

type outcome struct{ status, calls int }

// run serves one request on a portal core that mounts only f.
func run(t *testing.T, d web.Deps, f *flaky, method, path string) outcome {
	t.Helper()
	d.Capabilities = []kit.Capability{f}
	s, err := web.New(d)
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, s.App(), method, path, nil)
	if r.Status == 503 && r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return outcome{r.Status, f.calls[method+" "+path]}
}
