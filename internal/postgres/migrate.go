package postgres

import (
	"context"
	"fmt"

	"github.com/uptrace/bun/migrate"

	"maillage/migrations"
)

// migrateLockKey is the advisory lock that serialises migrators across
// processes; bun's own lock row is cleared under it if a crash left one.
const migrateLockKey = 7_461_102_026

func newMigrator(db *DB) (*migrate.Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrations.FS()); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	return migrate.NewMigrator(db.DB, ms, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// withMigrationLock runs fn holding a PostgreSQL advisory lock (waiting for
// other migrators) and bun's migrator lock.
func withMigrationLock(ctx context.Context, db *DB, fn func(m *migrate.Migrator) error) error {
	m, err := newMigrator(db)
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrateLockKey); err != nil {
		return fmt.Errorf("advisory lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?)", migrateLockKey) //nolint:errcheck
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("init migrations: %w", err)
	}
	// Under the advisory lock nobody else migrates: a lock row left by a
	// killed process is stale.
	if _, err := db.ExecContext(ctx, "DELETE FROM bun_migration_locks"); err != nil {
		return fmt.Errorf("clear stale migration lock: %w", err)
	}
	if err := m.Lock(ctx); err != nil {
		return err
	}
	defer m.Unlock(context.Background()) //nolint:errcheck
	return fn(m)
}

// MigrateUp applies every pending migration and returns their names.
func MigrateUp(ctx context.Context, db *DB) ([]string, error) {
	var names []string
	err := withMigrationLock(ctx, db, func(m *migrate.Migrator) error {
		group, err := m.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrate up: %w", err)
		}
		for _, mg := range group.Migrations {
			names = append(names, mg.Name)
		}
		return nil
	})
	return names, err
}

// MigrateDown rolls back the last group of migrations.
func MigrateDown(ctx context.Context, db *DB) ([]string, error) {
	var names []string
	err := withMigrationLock(ctx, db, func(m *migrate.Migrator) error {
		group, err := m.Rollback(ctx)
		if err != nil {
			return fmt.Errorf("migrate down: %w", err)
		}
		for _, mg := range group.Migrations {
			names = append(names, mg.Name)
		}
		return nil
	})
	return names, err
}

// MigrationStatus lists every known migration with whether it is applied.
type MigrationStatus struct {
	Name    string
	Applied bool
	Group   int64
}

// MigrateStatus returns the state of every migration.
func MigrateStatus(ctx context.Context, db *DB) ([]MigrationStatus, error) {
	m, err := newMigrator(db)
	if err != nil {
		return nil, err
	}
	if err := m.Init(ctx); err != nil {
		return nil, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, len(ms))
	for i, mg := range ms {
		out[i] = MigrationStatus{Name: mg.Name + "_" + mg.Comment, Applied: mg.IsApplied(), Group: mg.GroupID}
	}
	return out, nil
}
