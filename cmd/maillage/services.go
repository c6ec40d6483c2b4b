package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"

	"maillage/internal/localsvc"
)

// cmdServices: `maillage services exec -- CMD ARGS…` starts an ephemeral
// PostgreSQL (durability off) and Meilisearch unless DATABASE_URL / MEILI_URL
// are set, runs CMD with their URLs in its environment, then stops them.
// `make test` uses it so a whole `go test ./...` shares one pair of services.
func cmdServices(ctx context.Context, args []string) int {
	if len(args) < 3 || args[0] != "exec" || args[1] != "--" {
		fmt.Fprint(os.Stderr, usage)
		return exitConfig
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dir, err := os.MkdirTemp("", "maillage-services-")
	if err != nil {
		return exitCode(err)
	}
	_ = os.Chmod(dir, 0o755) // the postgres user must reach its folder
	defer os.RemoveAll(dir)
	env := os.Environ()
	if os.Getenv("DATABASE_URL") == "" {
		pg, err := localsvc.StartPostgres(ctx, filepath.Join(dir, "pg"), localsvc.PostgresOptions{Ephemeral: true})
		if err != nil {
			return exitCode(err)
		}
		defer pg.Stop()
		env = append(env, "DATABASE_URL="+pg.URL("maillage"))
	}
	if os.Getenv("MEILI_URL") == "" {
		m, err := localsvc.StartMeili(ctx, filepath.Join(dir, "meili"))
		if err != nil {
			return exitCode(err)
		}
		defer m.Stop()
		env = append(env, "MEILI_URL="+m.URL(), "MEILI_MASTER_KEY="+m.Key, "MAILLAGE_MEILI_DIR="+m.Dir)
	}
	cmd := exec.CommandContext(ctx, args[2], args[3:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			log.Warn("command failed", "code", ee.ExitCode())
			return ee.ExitCode()
		}
		return exitCode(err)
	}
	return exitOK
}
