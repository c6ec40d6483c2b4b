package main

import (
	"context"
	"fmt"
	"os"

	"maillage/internal/config"
	"maillage/internal/postgres"
)

func cmdMigrate(ctx context.Context, args []string) error {
	if len(args) != 1 || (args[0] != "up" && args[0] != "down" && args[0] != "status") {
		return config.Problems{{Var: "maillage migrate", Expect: "followed by up, down or status"}}
	}
	cfg, err := config.Load(nil, config.Options{LocalServices: true})
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return config.Problems{{Var: "DATABASE_URL", Expect: "a PostgreSQL URL for maillage migrate"}}
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "up":
		names, err := postgres.MigrateUp(ctx, db)
		if err != nil {
			return err
		}
		fmt.Printf("%d migration(s) applied %v\n", len(names), names)
	case "down":
		names, err := postgres.MigrateDown(ctx, db)
		if err != nil {
			return err
		}
		fmt.Printf("%d migration(s) rolled back %v\n", len(names), names)
	case "status":
		st, err := postgres.MigrateStatus(ctx, db)
		if err != nil {
			return err
		}
		for _, s := range st {
			state := "pending"
			if s.Applied {
				state = fmt.Sprintf("applied (group %d)", s.Group)
			}
			fmt.Fprintf(os.Stdout, "%-60s %s\n", s.Name, state)
		}
	}
	return nil
}
