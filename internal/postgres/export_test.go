package postgres

import (
	"context"

	"github.com/uptrace/bun/migrate"
)

// MigrateUpOne applies the first pending migration alone, as a group of its
// own, so that a test can roll the migrations back one at a time. It
// returns the migration's name, "" when none is pending.
func MigrateUpOne(ctx context.Context, db *DB) (string, error) {
	all, err := newMigrator(db)
	if err != nil {
		return "", err
	}
	if err := all.Init(ctx); err != nil {
		return "", err
	}
	ms, err := all.MigrationsWithStatus(ctx)
	if err != nil {
		return "", err
	}
	pending := ms.Unapplied()
	if len(pending) == 0 {
		return "", nil
	}
	one := migrate.NewMigrations()
	one.Add(pending[0])
	group, err := migrate.NewMigrator(db.DB, one, migrate.WithMarkAppliedOnSuccess(true)).Migrate(ctx)
	if err != nil {
		return "", err
	}
	return group.Migrations[0].Name, nil
}
