// Package app wires the portal together from a configuration: storage,
// search, content, services and the web server. The command and the tests
// share it, so what is tested is what runs.
package app

import (
	"context"
	"fmt"
	"log/slog"

	"maillage/content"
	"maillage/internal/config"
	"maillage/internal/loader"
	"maillage/internal/postgres"
	"maillage/internal/search"
	"maillage/internal/web"
	webfs "maillage/web"
)

// App is a wired portal.
type App struct {
	Config *config.Config
	Log    *slog.Logger
	DB     *postgres.DB
	Search *search.Client
	Web    *web.Server
}

// Options tune Open.
type Options struct {
	// SkipMigrate is for tests whose database is a clone of a migrated template.
	SkipMigrate bool
}

// Open connects, migrates, syncs content and builds the web server.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger, opts Options) (*App, error) {
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: db}
	if !opts.SkipMigrate {
		if err := Prepare(ctx, db, log); err != nil {
			db.Close()
			return nil, err
		}
	}
	a.Search = search.New(cfg.MeiliURL, cfg.MeiliKey, cfg.IndexPrefix)
	a.Web, err = web.New(web.Deps{
		Config:      cfg,
		Log:         log,
		Templates:   webfs.Templates(),
		Static:      webfs.Static(),
		Postgres:    db,
		Meili:       a.Search,
		Territories: postgres.NewTerritoryService(db),
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// Prepare applies migrations and syncs content/ into the database.
func Prepare(ctx context.Context, db *postgres.DB, log *slog.Logger) error {
	applied, err := postgres.MigrateUp(ctx, db)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "names", applied)
	}
	ld := &loader.Loader{FS: content.FS(), Store: postgres.NewContentStore(db), Log: log}
	if _, err := ld.Sync(ctx); err != nil {
		return fmt.Errorf("sync content: %w", err)
	}
	return nil
}

// Close releases the connections.
func (a *App) Close() error { return a.DB.Close() }
