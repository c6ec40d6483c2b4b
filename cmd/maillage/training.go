package main

import (
	"archive/zip"
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"maillage/internal/app"
	"maillage/internal/config"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/training"
)

// Keys of the training commands' output.
const (
	keyCLIProgress    = "training.cli.progress"     // Count
	keyCLILHEOSummary = "training.cli.lheo.summary" // Formations, Imported, Rejected
	keyCLILHEOStored  = "training.cli.lheo.stored"  // Bodies, OffersCreated, OffersUpdated, SessionsCreated, SessionsUpdated, SessionsRemoved
	keyCLIRNCPSummary = "training.cli.rncp.summary" // Fiches, Active, Inactive, Rejected
	keyCLIRNCPStored  = "training.cli.rncp.stored"  // Created, Updated, Unchanged, Content, Linked
	keyCLIIssue       = "training.cli.issue"        // Where, Message
	keyCLIIssuesMore  = "training.cli.issues_more"  // Count
	keyCLIWhereLine   = "training.cli.where_line"   // Element, Line
	keyCLIFatal       = "training.cli.fatal"        // Name
	keyCLINoBody      = "training.cli.no_body"      // SIRET
)

// printedIssues is how many remarks a command prints (the rest is counted).
const printedIssues = 30

// trainingDB opens the database named by DATABASE_URL with the training
// service and the French texts of the output.
func trainingDB(ctx context.Context, what string) (*postgres.DB, *postgres.TrainingService, func(string, ...any) string, error) {
	cfg, err := config.Load(nil, config.Options{LocalServices: true})
	if err != nil {
		return nil, nil, nil, err
	}
	if cfg.DatabaseURL == "" {
		return nil, nil, nil, config.Problems{{Var: "DATABASE_URL", Expect: "a PostgreSQL URL for maillage " + what}}
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, nil, err
	}
	cat, err := app.Catalog()
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	svc := postgres.NewTrainingService(db)
	svc.Log = newLogger(cfg)
	return db, svc, cat.In(i18n.FR).T, nil
}

// cmdImportTraining: `maillage import rncp PATH` (the CSV archive
// export-fiches-csv-*.zip or the XML export of France compétences) and
// `maillage import lheo FILE` (LHEO 2.3 or 2.2, as an administrator: the
// training bodies not yet on the portal are created).
func cmdImportTraining(ctx context.Context, kind string, args []string) error {
	if len(args) != 1 {
		return config.Problems{{Var: "maillage import " + kind, Expect: "followed by one FILE"}}
	}
	db, svc, t, err := trainingDB(ctx, "import "+kind)
	if err != nil {
		return err
	}
	defer db.Close()
	if kind == "rncp" {
		return importRNCP(ctx, os.Stdout, svc, args[0], t)
	}
	return importLHEO(ctx, os.Stdout, os.Stderr, svc, args[0], t)
}

// importLHEO imports an LHEO file in one transaction, printing a progress
// line on progress (every 100 formations) and the report on w. A file that
// is not LHEO is an error (exit 1) and writes nothing; rejected formations
// are reported, not failed.
func importLHEO(ctx context.Context, w, progress io.Writer, svc *postgres.TrainingService, path string, t func(string, ...any) string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	res, err := svc.ImportLHEO(ctx, training.ImportRequest{File: bufio.NewReaderSize(f, 1<<20), Actor: maillage.Viewer{Admin: true},
		Progress: func(done int) {
			if done%100 == 0 {
				fmt.Fprintf(progress, "\r%s", t(keyCLIProgress, "Count", done))
			}
		}})
	fmt.Fprintln(progress)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	rep := res.Report
	fmt.Fprintln(w, t(keyCLILHEOSummary, "Formations", rep.Formations, "Imported", rep.Imported, "Rejected", rep.Rejected))
	if !rep.Fatal {
		fmt.Fprintln(w, t(keyCLILHEOStored, "Bodies", res.BodiesCreated, "OffersCreated", res.OffersCreated, "OffersUpdated", res.OffersUpdated,
			"SessionsCreated", res.SessionsCreated, "SessionsUpdated", res.SessionsUpdated, "SessionsRemoved", res.SessionsRemoved))
	}
	for i, is := range rep.Issues {
		if i == printedIssues {
			break
		}
		fmt.Fprintln(w, "  "+t(keyCLIIssue, "Where", t(keyCLIWhereLine, "Element", is.Element, "Line", is.Line), "Message", t(is.Key, is.Args...)))
	}
	if more := len(rep.Issues) - printedIssues + rep.IssuesLeftOut; more > 0 {
		fmt.Fprintln(w, "  "+t(keyCLIIssuesMore, "Count", more))
	}
	if rep.Fatal {
		return fmt.Errorf("%s", t(keyCLIFatal, "Name", filepath.Base(path)))
	}
	return nil
}

// importRNCP imports the registers' fiches and prints what it read and
// stored.
func importRNCP(ctx context.Context, w io.Writer, svc *postgres.TrainingService, path string, t func(string, ...any) string) error {
	var rep *training.RNCPReport
	var read func(yield func(*training.Fiche) error) error
	if strings.EqualFold(filepath.Ext(path), ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			return fmt.Errorf("%s: %s", path, t(training.KeyRNCPBadArchive))
		}
		defer zr.Close()
		fiches, r, err := training.ReadRNCPCSV(&zr.Reader)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rep = r
		read = func(yield func(*training.Fiche) error) error {
			for _, f := range fiches {
				if err := yield(f); err != nil {
					return err
				}
			}
			return nil
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer f.Close()
		read = func(yield func(*training.Fiche) error) error {
			var err error
			rep, err = training.ReadRNCPXML(bufio.NewReaderSize(f, 1<<20), yield)
			return err
		}
	}
	var res *postgres.RNCPResult
	if rep == nil || !rep.Fatal {
		var err error
		if res, err = svc.ImportRNCP(ctx, read); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	fmt.Fprintln(w, t(keyCLIRNCPSummary, "Fiches", rep.Fiches, "Active", rep.Active, "Inactive", rep.Inactive, "Rejected", rep.Rejected))
	if res != nil && !rep.Fatal {
		fmt.Fprintln(w, t(keyCLIRNCPStored, "Created", res.Created, "Updated", res.Updated, "Unchanged", res.Unchanged, "Content", res.Content, "Linked", res.Linked))
	}
	for i, is := range rep.Issues {
		if i == printedIssues {
			break
		}
		where := is.Member
		if is.Element != "" {
			where = is.Element
		}
		fmt.Fprintln(w, "  "+t(keyCLIIssue, "Where", t(keyCLIWhereLine, "Element", where, "Line", is.Line), "Message", t(is.Key, is.Args...)))
	}
	if more := len(rep.Issues) - printedIssues + rep.IssuesLeftOut; more > 0 {
		fmt.Fprintln(w, "  "+t(keyCLIIssuesMore, "Count", more))
	}
	if rep.Fatal {
		return fmt.Errorf("%s", t(keyCLIFatal, "Name", filepath.Base(path)))
	}
	return nil
}

// cmdExport: `maillage export lheo [--siret SIRET] > FILE` writes every
// offer (or one training body's) as LHEO 2.3 on standard output.
func cmdExport(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "lheo" || (len(args) != 1 && (len(args) != 3 || args[1] != "--siret")) {
		return config.Problems{{Var: "maillage export", Expect: "followed by lheo [--siret SIRET] (the file is written on standard output)"}}
	}
	db, svc, t, err := trainingDB(ctx, "export lheo")
	if err != nil {
		return err
	}
	defer db.Close()
	var structureID int64
	if len(args) == 3 {
		siret := strings.ReplaceAll(args[2], " ", "")
		var ids []int64
		if err := db.NewRaw("SELECT s.id FROM structures s JOIN training_bodies b ON b.structure_id = s.id WHERE s.pivot = ? ORDER BY s.id LIMIT 1", siret).Scan(ctx, &ids); err != nil {
			return err
		}
		if len(ids) == 0 {
			return fmt.Errorf("%s", t(keyCLINoBody, "SIRET", siret))
		}
		structureID = ids[0]
	}
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	if _, err := svc.ExportLHEO(ctx, out, structureID, t); err != nil {
		if maillage.ErrorCode(err) != maillage.EINTERNAL {
			key, kargs := maillage.ErrorKey(err)
			return fmt.Errorf("%s", t(key, kargs...))
		}
		return err
	}
	return out.Flush()
}
