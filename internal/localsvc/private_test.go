package localsvc_test

import (
	"context"
	"database/sql"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"maillage/internal/localsvc"
)

// TestPostgresStartsFromAPrivateFolder: `make run` as root from a clone in
// a folder the postgres user cannot enter (root's home, mode 700) starts
// PostgreSQL all the same, and the next run finds the same cluster. As
// root the cluster lives in a folder of its own that the postgres user
// owns; as another user, initdb runs as that user, who can enter its own
// folder.
func TestPostgresStartsFromAPrivateFolder(t *testing.T) {
	ctx := context.Background()
	private, err := os.MkdirTemp("", "maillage-private-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(private) })
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(private, "clone", ".data", "postgres")

	pg, err := localsvc.StartPostgres(ctx, dir, localsvc.PostgresOptions{Ephemeral: true})
	if err != nil {
		t.Fatalf("start PostgreSQL under a mode-700 folder: %v", err)
	}
	cluster := pg.Dir
	t.Cleanup(func() {
		if !strings.HasPrefix(cluster, private) {
			os.RemoveAll(cluster)
			_ = os.Remove(localsvc.RelocatedBase) // only if now empty
		}
	})
	exec(t, pg.URL("maillage"), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('bonjour')")
	if os.Geteuid() == 0 {
		if strings.HasPrefix(cluster, private+string(filepath.Separator)) {
			t.Errorf("the cluster stayed in %s, which the postgres user cannot enter", cluster)
		}
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(filepath.Join(cluster, "data"))
		if err != nil {
			t.Fatal(err)
		}
		if uid := strconv.Itoa(int(st.Sys().(*syscall.Stat_t).Uid)); uid != u.Uid {
			t.Errorf("data folder owned by uid %s, want postgres (%s)", uid, u.Uid)
		}
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}

	// The next run finds the cluster where the first one put it.
	pg2, err := localsvc.StartPostgres(ctx, dir, localsvc.PostgresOptions{Ephemeral: true})
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	defer pg2.Stop()
	if pg2.Dir != cluster {
		t.Errorf("second run used %s, want %s", pg2.Dir, cluster)
	}
	db, _ := sql.Open("pgx", pg2.URL("maillage"))
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT v FROM kept").Scan(&v); err != nil || v != "bonjour" {
		t.Fatalf("after restart: %q %v", v, err)
	}
}

// TestPostgresClusterBehindAClosedFolderSaysWhy: a cluster created where
// the postgres user could enter, whose folder was closed since (mode 700),
// is not replaced by an empty one: as root the start stops with one
// sentence naming the folder to open.
func TestPostgresClusterBehindAClosedFolderSaysWhy(t *testing.T) {
	ctx := context.Background()
	top := tempDir(t)
	dir := filepath.Join(top, "clone", "pg")
	pg, err := localsvc.StartPostgres(ctx, dir, localsvc.PostgresOptions{Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	closed := filepath.Join(top, "clone")
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	pg, err = localsvc.StartPostgres(ctx, dir, localsvc.PostgresOptions{Ephemeral: true})
	if os.Geteuid() != 0 {
		// Its owner can still enter it.
		if err != nil {
			t.Fatal(err)
		}
		_ = pg.Stop()
		return
	}
	if err == nil {
		_ = pg.Stop()
		t.Fatalf("started from %s although the postgres user cannot enter %s", pg.Dir, closed)
	}
	if msg := err.Error(); !strings.Contains(msg, closed+":") || !strings.Contains(msg, "chmod o+x "+closed) {
		t.Errorf("error = %q, want it to name %s and the fix", msg, closed)
	}
}
