// Package testenv gives tests the real PostgreSQL and Meilisearch. When
// DATABASE_URL / MEILI_URL are set (as `make test` does through `maillage
// services exec`), it uses them; otherwise it starts its own for the test
// binary. Each test package gets its own database, cloned from a migrated
// template that holds the content, and its own index prefix; both are
// removed at the end. No test ever skips for a missing service.
package testenv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"maillage/content"
	"maillage/internal/app"
	"maillage/internal/config"
	"maillage/internal/localsvc"
	"maillage/internal/postgres"
	"maillage/internal/search"
	"maillage/migrations"
)

// Env is one test package's share of the services.
type Env struct {
	DatabaseURL string
	MeiliURL    string
	MeiliKey    string
	IndexPrefix string
	// Meili is set when this binary started its own Meilisearch (tests that
	// stop and restart it need it).
	Meili *localsvc.Meili

	serverURL string // postgres URL of the maintenance database
	template  string // the migrated template the package database was cloned from
	dbName    string
	fresh     atomic.Int64 // databases made by FreshURL and EmptyURL
	cleanup   []func()
}

var (
	current *Env
	mu      sync.Mutex
)

// Main sets the services up for a test package, runs it and cleans up.
// Use it from TestMain: os.Exit(testenv.Main(m)).
func Main(m *testing.M) int {
	env, err := setup(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	mu.Lock()
	current = env
	mu.Unlock()
	code := m.Run()
	env.close()
	return code
}

// Get returns the package's Env (Main must have run).
func Get(t testing.TB) *Env {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if current == nil {
		t.Fatal("testenv: call testenv.Main from TestMain")
	}
	return current
}

func randomSuffix() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func setup(ctx context.Context) (*Env, error) {
	env := &Env{}
	dbURL := os.Getenv("DATABASE_URL")
	if dbURL == "" {
		dir, err := os.MkdirTemp("", "maillage-testenv-")
		if err != nil {
			return nil, err
		}
		_ = os.Chmod(dir, 0o755)
		pg, err := localsvc.StartPostgres(ctx, filepath.Join(dir, "pg"), localsvc.PostgresOptions{Ephemeral: true})
		if err != nil {
			return nil, fmt.Errorf("start PostgreSQL: %w", err)
		}
		env.cleanup = append(env.cleanup, func() { _ = pg.Stop(); _ = os.RemoveAll(dir) })
		dbURL = pg.URL("maillage")
	}
	env.MeiliURL, env.MeiliKey = os.Getenv("MEILI_URL"), os.Getenv("MEILI_MASTER_KEY")
	if env.MeiliURL == "" {
		dir, err := os.MkdirTemp("", "maillage-testenv-meili-")
		if err != nil {
			return nil, err
		}
		m, err := localsvc.StartMeili(ctx, dir)
		if err != nil {
			env.close()
			return nil, fmt.Errorf("start Meilisearch: %w", err)
		}
		env.Meili = m
		env.cleanup = append(env.cleanup, func() { _ = m.Stop(); _ = os.RemoveAll(dir) })
		env.MeiliURL, env.MeiliKey = m.URL(), m.Key
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		env.close()
		return nil, err
	}
	u.Path = "/postgres"
	env.serverURL = u.String()

	tmpl, err := ensureTemplate(ctx, env.serverURL)
	if err != nil {
		env.close()
		return nil, err
	}
	env.template = tmpl
	pkg := filepath.Base(mustGetwd())
	env.dbName = sanitize("t_" + pkg + "_" + randomSuffix())
	if err := cloneDatabase(ctx, env.serverURL, tmpl, env.dbName); err != nil {
		env.close()
		return nil, err
	}
	u.Path = "/" + env.dbName
	env.DatabaseURL = u.String()
	env.IndexPrefix = sanitize("t" + randomSuffix() + "_")
	env.cleanup = append([]func(){env.dropDatabase, env.dropIndexes}, env.cleanup...)
	return env, nil
}

func (e *Env) close() {
	for _, f := range e.cleanup {
		f()
	}
}

func (e *Env) dropDatabase() { dropDatabase(e.serverURL, e.dbName) }

func dropDatabase(serverURL, name string) {
	db, err := sql.Open("pgx", serverURL)
	if err != nil {
		return
	}
	defer db.Close()
	_, _ = db.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
}

// newDatabase creates a database of the test's own on the server, a clone
// of tmpl or, when tmpl is "", an empty one, dropped when the test ends;
// it returns its URL.
func (e *Env) newDatabase(t testing.TB, tmpl string) string {
	t.Helper()
	name := sanitize(fmt.Sprintf("%s_%d", e.dbName, e.fresh.Add(1)))
	ctx := context.Background()
	if tmpl != "" {
		if err := cloneDatabase(ctx, e.serverURL, tmpl, name); err != nil {
			t.Fatalf("testenv: clone the template into %s: %v", name, err)
		}
	} else {
		db, err := sql.Open("pgx", e.serverURL)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.ExecContext(ctx, `CREATE DATABASE "`+name+`"`)
		db.Close()
		if err != nil {
			t.Fatalf("testenv: create database %s: %v", name, err)
		}
	}
	t.Cleanup(func() { dropDatabase(e.serverURL, name) })
	u, err := url.Parse(e.serverURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// FreshURL clones the migrated template (migrations and content, no
// other row) into a database of the test's own, dropped when the test
// ends, and returns its URL. Tests that count rows use it, so that what
// the package's other tests wrote cannot change their counts.
func (e *Env) FreshURL(t testing.TB) string {
	t.Helper()
	return e.newDatabase(t, e.template)
}

// FreshDB opens a connection pool to a fresh clone of the template
// (FreshURL).
func (e *Env) FreshDB(t testing.TB) *postgres.DB {
	t.Helper()
	return e.open(t, e.FreshURL(t))
}

// EmptyDB opens a connection pool to a new empty database (no migration,
// no content), dropped when the test ends.
func (e *Env) EmptyDB(t testing.TB) *postgres.DB {
	t.Helper()
	return e.open(t, e.newDatabase(t, ""))
}

func (e *Env) open(t testing.TB, dbURL string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (e *Env) dropIndexes() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = search.New(e.MeiliURL, e.MeiliKey, e.IndexPrefix).DeleteAllIndexes(ctx)
}

// Config returns a portal configuration pointing at this package's services.
func (e *Env) Config(t testing.TB) *config.Config {
	t.Helper()
	vars := map[string]string{
		"DATABASE_URL":       e.DatabaseURL,
		"MEILI_URL":          e.MeiliURL,
		"MEILI_MASTER_KEY":   e.MeiliKey,
		"MEILI_INDEX_PREFIX": e.IndexPrefix,
		"MAILLAGE_ADDR":      "127.0.0.1:0",
		"MAILLAGE_LOG_LEVEL": "warn",
		"MAILLAGE_DEMO":      "false",
		"MAILLAGE_FILES_DIR": t.TempDir(),
	}
	cfg, err := config.Load(func(k string) string { return vars[k] }, config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// DB opens a connection pool to the package database.
func (e *Env) DB(t testing.TB) *postgres.DB {
	t.Helper()
	return e.open(t, e.DatabaseURL)
}

// Search returns a client on the package's index prefix.
func (e *Env) Search() *search.Client {
	return search.New(e.MeiliURL, e.MeiliKey, e.IndexPrefix)
}

// App wires a whole portal on the package's services.
func (e *Env) App(t testing.TB) *app.App {
	t.Helper()
	return e.openApp(t, e.Config(t))
}

// FreshApp wires a whole portal on a fresh clone of the template
// (FreshURL) and search indexes of its own, both removed when the test
// ends: its lists, counts and search results hold only what the test wrote.
func (e *Env) FreshApp(t testing.TB) *app.App {
	t.Helper()
	cfg := e.Config(t)
	cfg.DatabaseURL = e.FreshURL(t)
	cfg.IndexPrefix = sanitize("t" + randomSuffix() + "_")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = search.New(e.MeiliURL, e.MeiliKey, cfg.IndexPrefix).DeleteAllIndexes(ctx)
	})
	return e.openApp(t, cfg)
}

func (e *Env) openApp(t testing.TB, cfg *config.Config) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), cfg, Logger(t), app.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// Logger returns a logger that writes through t.Log (warnings and above).
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// templateHash names the template database after the migrations and the
// content, so a change to either builds a new one.
func templateHash() (string, error) {
	h := sha256.New()
	for _, fsys := range []fs.FS{migrations.FS(), content.FS()} {
		var names []string
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				names = append(names, p)
			}
			return err
		})
		if err != nil {
			return "", err
		}
		sort.Strings(names)
		for _, n := range names {
			f, err := fsys.Open(n)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "%s\x00", n)
			_, _ = io.Copy(h, f)
			f.Close()
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// ensureTemplate builds the migrated template database once per server
// (serialised by an advisory lock across concurrent test binaries).
func ensureTemplate(ctx context.Context, serverURL string) (string, error) {
	hash, err := templateHash()
	if err != nil {
		return "", err
	}
	name := "maillage_tmpl_" + hash
	db, err := sql.Open("pgx", serverURL)
	if err != nil {
		return "", err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(74611)"); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(74611)") //nolint:errcheck
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_b"
	if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+building+`" WITH (FORCE)`); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE "`+building+`"`); err != nil {
		return "", err
	}
	u, _ := url.Parse(serverURL)
	u.Path = "/" + building
	pdb, err := postgres.Open(ctx, u.String())
	if err != nil {
		return "", err
	}
	err = app.Prepare(ctx, pdb, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pdb.Close()
	if err != nil {
		return "", fmt.Errorf("prepare template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE "`+building+`" RENAME TO "`+name+`"`); err != nil {
		return "", err
	}
	return name, nil
}

func cloneDatabase(ctx context.Context, serverURL, tmpl, name string) error {
	db, err := sql.Open("pgx", serverURL)
	if err != nil {
		return err
	}
	defer db.Close()
	for attempt := 0; ; attempt++ {
		_, err = db.ExecContext(ctx, `CREATE DATABASE "`+name+`" TEMPLATE "`+tmpl+`"`)
		if err == nil || attempt >= 50 || !strings.Contains(err.Error(), "being accessed by other users") {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	out := b.String()
	if len(out) > 60 {
		out = out[:60]
	}
	return out
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "pkg"
	}
	return wd
}
