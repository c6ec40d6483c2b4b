package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"maillage/internal/app"
	"maillage/internal/config"
	"maillage/internal/demo"
	"maillage/internal/localsvc"
)

func newLogger(cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.Production() {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// localServices starts what is not configured, under cfg.DataDir.
type localServices struct {
	pg    *localsvc.Postgres
	meili *localsvc.Meili
}

func (l *localServices) stop(log *slog.Logger) {
	if l.meili != nil {
		if err := l.meili.Stop(); err != nil {
			log.Error("stop meilisearch", "err", err)
		} else {
			log.Info("meilisearch stopped")
		}
	}
	if l.pg != nil {
		if err := l.pg.Stop(); err != nil {
			log.Error("stop postgres", "err", err)
		} else {
			log.Info("postgres stopped")
		}
	}
}

func startLocal(ctx context.Context, cfg *config.Config, log *slog.Logger) (*localServices, error) {
	l := &localServices{}
	if cfg.DatabaseURL == "" {
		pg, err := localsvc.StartPostgres(ctx, filepath.Join(cfg.DataDir, "postgres"), localsvc.PostgresOptions{})
		if err != nil {
			return nil, err
		}
		l.pg = pg
		cfg.DatabaseURL = pg.URL("maillage")
		log.Info("local postgres started", "dir", pg.Dir, "port", pg.Port)
	}
	if cfg.MeiliURL == "" {
		m, err := localsvc.StartMeili(ctx, filepath.Join(cfg.DataDir, "meilisearch"))
		if err != nil {
			l.stop(log)
			return nil, err
		}
		l.meili = m
		cfg.MeiliURL, cfg.MeiliKey = m.URL(), m.Key
		log.Info("local meilisearch started", "dir", m.Dir, "port", m.Port)
	}
	return l, nil
}

func cmdRun(ctx context.Context, local bool) error {
	cfg, err := config.Load(nil, config.Options{LocalServices: local})
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	started := time.Now()
	if local {
		svcs, err := startLocal(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer svcs.stop(log)
	}

	a, err := app.Open(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Demo {
		t := time.Now()
		n, err := a.LoadDemo(ctx, demo.DefaultSeed, true)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if n != nil {
			c := n.Counts()
			log.Info("demo data loaded", "profiles", c.People, "structures", c.Structures, "memberships", c.Memberships,
				"duration", time.Since(t).Round(time.Millisecond).String())
		}
	}
	ectx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := a.EnsureSearch(ectx); err != nil {
		log.Warn("search indexes not ready: search runs degraded until Meilisearch answers", "err", err)
	}
	cancel()
	// The background workers (search sync, mail, housekeeping) run until
	// the portal stops, then stop together.
	workCtx, stopWorkers := context.WithCancel(context.Background())
	wait := a.RunWorkers(workCtx)
	defer func() { stopWorkers(); wait() }()
	err = a.Web.Listen(ctx, cfg.Addr, func(addr string) {
		log.Info("portal ready", "url", cfg.BaseURL.String(), "listen", addr, "startup", time.Since(started).Round(time.Millisecond).String())
		fmt.Printf("\nMaillage est prêt : %s  (Ctrl-C pour arrêter)\n\n", cfg.BaseURL.String())
	})
	if err != nil {
		return fmt.Errorf("serve on %s: %w", cfg.Addr, err)
	}
	log.Info("portal stopped")
	return nil
}

// cmdReindex rebuilds every search index from the database and swaps the
// new indexes in atomically (search never goes empty).
func cmdReindex(ctx context.Context) error {
	cfg, err := config.Load(nil, config.Options{})
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	a, err := app.Open(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.Reindex(ctx)
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	fmt.Printf("Réindexation terminée en %s :", rep.Took.Round(time.Millisecond))
	for name, n := range rep.Documents {
		fmt.Printf(" %s=%d", name, n)
	}
	fmt.Printf(" (changements rejoués : %d)\n", rep.Requeued)
	return nil
}
