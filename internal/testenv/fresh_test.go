package testenv_test

import (
	"context"
	"crypto/rand"
	"os"
	"testing"

	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func count(t *testing.T, db *postgres.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestFreshDB: a fresh database holds the template's content and nothing
// the package's tests wrote, keeps what its test writes to itself, and is
// dropped when its test ends; an empty database holds no table.
func TestFreshDB(t *testing.T) {
	env := testenv.Get(t)
	shared := env.DB(t)
	ctx := context.Background()
	mark := "fresh-" + rand.Text()
	if _, err := shared.NewRaw("INSERT INTO rate_limits (key, window_start, hits) VALUES (?, now(), 1)", mark+"-shared").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fresh := range []struct {
		name   string
		open   func(testing.TB) *postgres.DB
		tables bool
	}{{"FreshDB", env.FreshDB, true}, {"EmptyDB", env.EmptyDB, false}} {
		t.Run(fresh.name, func(t *testing.T) {
			db := fresh.open(t)
			var name string
			if err := db.NewRaw("SELECT current_database()").Scan(ctx, &name); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
			if n := count(t, shared, "SELECT count(*) FROM pg_database WHERE datname = ?", name); n != 1 {
				t.Fatalf("database %s not on the server", name)
			}
			tables := count(t, db, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
			if !fresh.tables {
				if tables != 0 {
					t.Fatalf("an empty database holds %d tables", tables)
				}
				return
			}
			if n := count(t, db, "SELECT count(*) FROM communes"); n != 34969 {
				t.Errorf("%d communes, want the template's 34969", n)
			}
			if n := count(t, db, "SELECT count(*) FROM rate_limits WHERE key LIKE ?", mark+"%"); n != 0 {
				t.Errorf("the fresh database holds %d rows the package database got", n)
			}
			if _, err := db.NewRaw("INSERT INTO rate_limits (key, window_start, hits) VALUES (?, now(), 1)", mark+"-fresh").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if n := count(t, shared, "SELECT count(*) FROM rate_limits WHERE key = ?", mark+"-fresh"); n != 0 {
				t.Errorf("the package database sees the fresh database's row")
			}
		})
	}
	for _, name := range names {
		if n := count(t, shared, "SELECT count(*) FROM pg_database WHERE datname = ?", name); n != 0 {
			t.Errorf("database %s left on the server after its test", name)
		}
	}
	if len(names) != 2 || names[0] == names[1] {
		t.Errorf("databases %v, want two of their own", names)
	}
}
