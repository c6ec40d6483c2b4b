package localsvc_test

import (
	"context"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"maillage/internal/localsvc"
)

func tempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "maillage-localsvc-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestPostgresPersists starts a cluster, writes, stops, starts it again in
// the same folder (as `make run` does on its second run) and reads back.
func TestPostgresPersists(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(tempDir(t), "pg")
	pg, err := localsvc.StartPostgres(ctx, dir, localsvc.PostgresOptions{Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	exec(t, pg.URL("maillage"), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('bonjour')")
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	pg2, err := localsvc.StartPostgres(ctx, dir, localsvc.PostgresOptions{Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pg2.Stop()
	db, _ := sql.Open("pgx", pg2.URL("maillage"))
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT v FROM kept").Scan(&v); err != nil || v != "bonjour" {
		t.Fatalf("after restart: %q %v", v, err)
	}
}

func exec(t *testing.T, url, q string) {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// TestMeiliKeyPersistsAndStaleProcessIsReplaced: the master key is kept in
// the folder, and a Meilisearch left behind by a killed parent is ended.
func TestMeiliKeyPersistsAndStaleProcessIsReplaced(t *testing.T) {
	ctx := context.Background()
	dir := tempDir(t)
	m1, err := localsvc.StartMeili(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate a crash of the portal: m1 is not stopped.
	m2, err := localsvc.StartMeili(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Stop()
	if m1.Key != m2.Key {
		t.Fatal("master key changed between runs")
	}
	if _, err := http.Get(m1.URL() + "/health"); err == nil {
		t.Fatal("the stale Meilisearch still answers")
	}
	resp, err := http.Get(m2.URL() + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("new Meilisearch: %v", err)
	}
	resp.Body.Close()
}
