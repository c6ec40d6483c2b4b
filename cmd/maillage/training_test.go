package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/i18n"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
	"maillage/internal/training"
)

// TestImportExportLHEOCommand: `maillage import lheo` creates the bodies
// it does not know and prints its report with a progress line; a file in
// another namespace writes nothing and fails; the export writes the file
// back.
func TestImportExportLHEOCommand(t *testing.T) {
	db := testenv.Get(t).DB(t)
	ctx := context.Background()
	svc := postgres.NewTrainingService(db)
	cat, err := app.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	tr := cat.In(i18n.FR).T
	// Two formations of a synthetic body, on REMN's blocs, in Lyon.
	g := training.NewSynthetic(7, time.Now().Add(48*time.Hour))
	ix, err := svc.Certifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	lw := training.NewLHEOWriter(&file, training.ExportOptions{Certifications: ix})
	for i := range 2 {
		f := g.FormationWithSessions(i, 1)
		f.Offer.ID, f.Offer.StructureID, f.Body.StructureID = 0, 0, 0
		f.Body = g.Bodies()[0]
		f.Body.Address = training.Place{CodeInsee: "69123", Postcode: "69002", City: "Lyon", Address: "1 place Bellecour"}
		f.Offer.Certifications, f.Offer.Blocs = []string{"REMN"}, []string{"REMN-B1"}
		f.Offer.Sessions[0].ID, f.Offer.Sessions[0].OfferID = 0, 0
		f.Offer.Sessions[0].Place = training.Place{CodeInsee: "69123", Postcode: "69002", City: "Lyon"}
		if err := lw.Write(f.Body, f.Offer); err != nil {
			t.Fatal(err)
		}
	}
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "offres.xml")
	os.WriteFile(path, file.Bytes(), 0o600)

	var out, progress bytes.Buffer
	if err := importLHEO(ctx, &out, &progress, svc, path, tr); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	if got := readableCLI(out.String()); !strings.Contains(got, "2 formations lues : 2 importées, 0 refusées.") || !strings.Contains(got, "Organismes créés : 1") {
		t.Errorf("output:\n%s", got)
	}

	wrong := filepath.Join(dir, "autre.xml")
	os.WriteFile(wrong, bytes.Replace(file.Bytes(), []byte(training.NamespaceLHEO23), []byte("urn:autre"), 1), 0o600)
	out.Reset()
	err = importLHEO(ctx, &out, &progress, svc, wrong, tr)
	if err == nil || !strings.Contains(readableCLI(out.String()), "n'est pas celui de LHEO") || !strings.Contains(readableCLI(err.Error()), "rien n'a été enregistré") {
		t.Errorf("wrong namespace: %v\n%s", err, out.String())
	}

	// The export of that body.
	var exported bytes.Buffer
	var id int64
	if err := db.NewRaw("SELECT id FROM structures WHERE pivot = ?", g.Bodies()[0].SIRET).Scan(ctx, &id); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.ExportLHEO(ctx, &exported, id, tr); err != nil || n != 2 {
		t.Fatalf("export: %d %v", n, err)
	}
}

func readableCLI(s string) string {
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s)
}
