package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"maillage/internal/app"
	"maillage/internal/charter"
	"maillage/internal/config"
	"maillage/internal/i18n"
	"maillage/internal/postgres"
)

// errChainBroken is returned when the charter chain does not hold (exit 1).
var errChainBroken = errors.New("charter chain broken")

// cmdCharter: `maillage charter verify` reads the whole chain of charter
// events and every recorded head, checks each row's hash, link and rank,
// and names the first row that does not hold.
func cmdCharter(ctx context.Context, args []string) error {
	cat, err := app.Catalog()
	if err != nil {
		return err
	}
	if len(args) != 1 || args[0] != "verify" {
		return config.Problems{{Var: "maillage charter", Expect: "followed by verify"}}
	}
	cfg, err := config.Load(nil, config.Options{LocalServices: true})
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return config.Problems{{Var: "DATABASE_URL", Expect: "a PostgreSQL URL for maillage charter verify"}}
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	return verifyCharter(ctx, os.Stdout, postgres.NewCharterService(db), cat)
}

// verifyCharter prints what the verification found.
func verifyCharter(ctx context.Context, w io.Writer, s charter.Service, cat *i18n.Catalog) error {
	br, n, err := s.VerifyChain(ctx)
	if err != nil {
		return err
	}
	if br != nil {
		fmt.Fprintln(w, cat.T(i18n.FR, "charter.cli.broken", "Message", cat.T(i18n.FR, br.Key, br.Args()...)))
		return fmt.Errorf("%w at seq %d (%s)", errChainBroken, br.Seq, br.Key)
	}
	head, err := s.Head(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, cat.T(i18n.FR, "charter.cli.ok", "Count", int(n), "Hash", head.Hash))
	return nil
}
