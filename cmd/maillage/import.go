package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"maillage/internal/config"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
)

// cmdImport: `maillage import lieux FILE` imports places in the national
// standard (CSV or JSON) into the database named by DATABASE_URL.
func cmdImport(ctx context.Context, args []string) error {
	if len(args) != 2 || args[0] != "lieux" {
		return config.Problems{{Var: "maillage import", Expect: "followed by lieux FILE (a CSV or JSON file in the national standard of places)"}}
	}
	cfg, err := config.Load(nil, config.Options{LocalServices: true})
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return config.Problems{{Var: "DATABASE_URL", Expect: "a PostgreSQL URL for maillage import"}}
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	return importLieux(ctx, os.Stdout, postgres.NewTerritoryService(db), postgres.NewStructureService(db), args[1])
}

// importLieux imports a file of places and prints the report in French. It
// returns an error (exit 1) only when the file cannot be read or stored;
// rejected rows are reported, not failed.
func importLieux(ctx context.Context, w io.Writer, territories maillage.TerritoryService, store lieux.Upserter, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("lecture de %s : %w", path, err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("lecture de %s : %w", path, err)
	}
	communes, err := territories.PostcodeIndex(ctx)
	if err != nil {
		return err
	}
	rep, err := lieux.Import(ctx, f, lieux.DetectFormat(path, head[:n]), lieux.Options{Communes: communes}, store, "Import "+filepath.Base(path))
	if err != nil {
		if msg, _ := maillage.ErrorKey(err); maillage.ErrorCode(err) == maillage.EINVALID && msg != "" {
			return fmt.Errorf("%s : fichier illisible : %s", path, msg)
		}
		return fmt.Errorf("import de %s : %w", path, err)
	}
	writeImportReport(w, path, rep)
	return nil
}

// writeImportReport prints a report: the totals, then each remark with its line.
func writeImportReport(w io.Writer, name string, rep *maillage.ImportReport) {
	warnings := 0
	for _, l := range rep.Lines {
		if l.Warning {
			warnings++
		}
	}
	fmt.Fprintf(w, "Import de %s\n", name)
	fmt.Fprintf(w, "  lus : %d, créés : %d, mis à jour : %d, rejetés : %d, avertissements : %d\n",
		rep.Total, rep.Created, rep.Updated, rep.Rejected, warnings)
	for _, l := range rep.Lines {
		kind := "rejetée"
		if l.Warning {
			kind = "avertissement"
		}
		where := "fichier"
		if l.Line > 0 {
			where = fmt.Sprintf("ligne %d", l.Line)
		}
		if l.ID != "" {
			where += " (id " + l.ID + ")"
		}
		fmt.Fprintf(w, "  %-13s  %s : %s\n", kind, where, l.Reason)
	}
}
