package postgres_test

import (
	"context"
	"testing"
	"time"

	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

// TestPurgeWaitsForReindex: processed outbox rows are purged after their
// delay, but never while a reindex runs (it replays the changes recorded
// since it started, processed ones included).
func TestPurgeWaitsForReindex(t *testing.T) {
	db := testenv.Get(t).DB(t)
	ctx := context.Background()
	store := postgres.NewSearchStore(db)
	var id int64
	if err := db.NewRaw(`INSERT INTO search_outbox (entity, entity_id, created_at, processed_at)
		VALUES ('profile', 424242, now() - interval '2 hours', now() - interval '2 hours') RETURNING id`).Scan(ctx, &id); err != nil {
		t.Fatal(err)
	}
	exists := func() bool {
		t.Helper()
		var n int
		if err := db.NewRaw("SELECT count(*) FROM search_outbox WHERE id = ?", id).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	release, err := store.LockReindex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Purge(ctx, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !exists() {
		t.Error("purged while a reindex was running")
	}
	release()
	if err := store.Purge(ctx, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if exists() {
		t.Error("not purged once the reindex was over")
	}
}
