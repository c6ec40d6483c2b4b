package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"maillage/internal/app"
	"maillage/internal/config"
	"maillage/internal/i18n"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
)

// cmdImport: `maillage import lieux FILE [REPORT.csv]` imports places in the
// national standard (CSV or JSON, v1 or v0) into the database named by
// DATABASE_URL, prints the report summed up (per kind of problem, its total
// and first lines) and, when REPORT.csv is given, writes every line there.
func cmdImport(ctx context.Context, args []string) error {
	if len(args) > 0 && (args[0] == "rncp" || args[0] == "lheo") {
		return cmdImportTraining(ctx, args[0], args[1:])
	}
	if len(args) < 2 || len(args) > 3 || args[0] != "lieux" {
		return config.Problems{{Var: "maillage import", Expect: "followed by lieux FILE [REPORT.csv] (a CSV or JSON file in the national standard of places)"}}
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
	cat, err := app.Catalog()
	if err != nil {
		return err
	}
	translate := cat.In(i18n.FR).T
	report := ""
	if len(args) == 3 {
		report = args[2]
	}
	return importLieux(ctx, os.Stdout, postgres.NewStructureService(db), args[1], report, translate)
}

// placeStore stores places and knows the communes (postgres.StructureService).
type placeStore interface {
	lieux.Store
	Communes(ctx context.Context) (lieux.Communes, error)
}

// importLieux imports a file of places and prints its report through
// translate. It returns an error (exit 1) only when the file cannot be read
// or stored; rejected rows are reported, not failed. report, when not "",
// is where the whole report is written as CSV.
func importLieux(ctx context.Context, w io.Writer, store placeStore, path, report string, translate lieux.Translate) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	communes, err := store.Communes(ctx)
	if err != nil {
		return err
	}
	rep, err := lieux.Import(ctx, io.LimitReader(f, 64<<20), lieux.DetectFormat(path, head[:n]), lieux.Options{Communes: communes}, store, filepath.Base(path))
	if err != nil {
		if maillage.ErrorCode(err) == maillage.EINVALID {
			key, args := maillage.ErrorKey(err)
			return fmt.Errorf("%s: %s", path, translate(key, args...))
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	writeImportReport(w, path, rep, translate)
	if report != "" {
		out, err := os.Create(report)
		if err != nil {
			return err
		}
		if err := lieux.WriteReportCSV(out, rep, translate); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	return nil
}

// writeImportReport prints a report summed up: the totals, then per kind of
// problem its first lines and how many more there are.
func writeImportReport(w io.Writer, name string, rep *maillage.ImportReport, t lieux.Translate) {
	sum := lieux.Summarize(rep)
	fmt.Fprintln(w, t(lieux.KeyReportTitle, "Name", name))
	fmt.Fprintln(w, "  "+t(lieux.KeyReportTotals, "Total", sum.Total, "Created", sum.Created, "Updated", sum.Updated, "Rejected", sum.Rejected, "Warnings", sum.Warnings))
	for _, g := range sum.Groups {
		kind := t(lieux.KindKeys[g.Kind])
		for _, l := range g.Lines {
			where := t(lieux.KeyReportFile)
			switch {
			case l.Line > 0 && l.ID != "":
				where = t(lieux.KeyReportLineID, "Line", l.Line, "ID", l.ID)
			case l.Line > 0:
				where = t(lieux.KeyReportLine, "Line", l.Line)
			}
			fmt.Fprintln(w, "  "+t(lieux.KeyReportEntry, "Kind", fmt.Sprintf("%-13s", kind), "Where", where, "Message", t(l.Key, l.Args...)))
		}
		if more := g.Count - len(g.Lines); more > 0 {
			fmt.Fprintln(w, "  "+t(lieux.KeyReportMore, "Count", more))
		}
	}
}
