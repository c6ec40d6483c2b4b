package testenv

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"maillage/internal/app"
	"maillage/internal/localsvc"
	"maillage/internal/postgres"
)

// OwnPostgres is a PostgreSQL cluster of a test's own, for tests that stop,
// restart or cut it (the shared server of `make test` must never be
// touched). Its database "maillage" is migrated and holds the content.
type OwnPostgres struct {
	*localsvc.Postgres
	dir string
}

// StartOwnPostgres starts an ephemeral cluster in a temporary folder,
// migrates it with app.Prepare, and stops and removes it at the end of
// the test.
func StartOwnPostgres(t testing.TB) *OwnPostgres {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "maillage-ownpg-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755) // the postgres user must reach its folder
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	o := &OwnPostgres{dir: filepath.Join(dir, "pg")}
	if o.Postgres, err = localsvc.StartPostgres(ctx, o.dir, localsvc.PostgresOptions{Ephemeral: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = o.Stop() })
	db, err := postgres.Open(ctx, o.URL("maillage"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := app.Prepare(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("migrate own PostgreSQL: %v", err)
	}
	return o
}

// Restart starts the cluster again, on the same folder and port, after
// Stop (the cleanup stops it again).
func (o *OwnPostgres) Restart(t testing.TB) {
	t.Helper()
	pg, err := localsvc.StartPostgres(context.Background(), o.dir, localsvc.PostgresOptions{Ephemeral: true, Port: o.Port})
	if err != nil {
		t.Fatal(err)
	}
	o.Postgres = pg
}

// AppOn wires a whole portal on databaseURL (already migrated) and the
// package's Meilisearch.
func (e *Env) AppOn(t testing.TB, databaseURL string) *app.App {
	t.Helper()
	cfg := e.Config(t)
	cfg.DatabaseURL = databaseURL
	a, err := app.Open(context.Background(), cfg, Logger(t), app.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}
