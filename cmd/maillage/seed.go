package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"maillage/internal/app"
	"maillage/internal/config"
	"maillage/internal/demo"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
)

// cmdSeed: `maillage seed --demo [--seed N]` loads the demonstration
// network into the database named by DATABASE_URL, which must have no
// profile yet.
func cmdSeed(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	withDemo := fs.Bool("demo", false, "")
	seed := fs.Uint64("seed", demo.DefaultSeed, "")
	if err := fs.Parse(args); err != nil || !*withDemo || fs.NArg() > 0 {
		return config.Problems{{Var: "maillage seed", Expect: "followed by --demo (and optionally --seed N)"}}
	}
	cfg, err := config.Load(nil, config.Options{LocalServices: true})
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return config.Problems{{Var: "DATABASE_URL", Expect: "a PostgreSQL URL for maillage seed"}}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	return seedDemo(ctx, os.Stdout, a, *seed)
}

// seedDemo loads the demo (the network and every capability's step) and
// prints what it wrote and how long it took.
func seedDemo(ctx context.Context, w io.Writer, a *app.App, seed uint64) error {
	start := time.Now()
	n, err := a.LoadDemo(ctx, seed, false)
	if err != nil {
		if maillage.ErrorCode(err) == maillage.ECONFLICT {
			key, args := maillage.ErrorKey(err)
			return fmt.Errorf("%s", a.Catalog.T(i18n.FR, key, args...))
		}
		return fmt.Errorf("démonstration : %w", err)
	}
	fmt.Fprintf(w, "Démonstration chargée (graine %d) en %s : %s.\n", seed, time.Since(start).Round(time.Millisecond), n.Counts())
	return nil
}
