package training_test

import (
	"archive/zip"
	"bytes"
	"os"
	"regexp"
	"testing"

	"maillage/internal/training"
)

func FuzzLHEO(f *testing.F) {
	g := training.NewSynthetic(5, now)
	var valid bytes.Buffer
	if err := g.WriteLHEO(&valid, 2); err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Bytes())
	if b, err := os.ReadFile("testdata/lheo-2.2.xml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("\x00"))
	f.Add([]byte("<lheo xmlns=\"http://lheo.gouv.fr/2.3\"><offres><formation>\x00</formation></offres></lheo>"))
	f.Add([]byte("<lheo xmlns=\"http://lheo.gouv.fr/2.3\"><offres><formation><action><session><periode><debut>2027\x0001</debut></periode></session></action></formation></offres></lheo>"))
	ix := training.NewCertIndex(g.Certifications())
	f.Fuzz(func(t *testing.T, data []byte) {
		passed := 0
		rep, err := training.ImportLHEO(bytes.NewReader(data), training.ImportOptions{Certifications: ix}, func(fo training.Formation) error {
			passed++
			if ps := fo.Offer.Validate(ix); len(ps) > 0 {
				t.Errorf("an imported offer is invalid: %v", ps)
			}
			if ps := fo.Body.Validate(); len(ps) > 0 {
				t.Errorf("an imported body is invalid: %v", ps)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("error from a bytes reader: %v", err)
		}
		if len(rep.Issues) > training.MaxIssues || passed != rep.Imported || rep.Imported+rep.Rejected > rep.Formations {
			t.Fatalf("report out of bounds: %d issues, %d passed, %+v", len(rep.Issues), passed, rep)
		}
	})
}

var fuzzNumber = regexp.MustCompile(`^(RNCP|RS)\d+$`)

func FuzzRNCPCSV(f *testing.F) {
	f.Add([]byte(rncpMembers["export_fiches_CSV_Standard_2026_11_20.csv"]))
	f.Add([]byte("\x00"))
	f.Add([]byte("Numero_Fiche;Actif\nRNCP1\x00;ACTIVE\n"))
	f.Add([]byte("\ufeffNumero_Fiche;Bloc_Competences_Code;Actif\n\"RNCP1;\"\"x\nRNCP2;RNCP2BC01;INACTIVE\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, name := range []string{"export_fiches_CSV_Standard_2026_01_01.csv", "export_fiches_CSV_Blocs_De_Compétences_2026_01_01.csv", "export_fiches_CSV_Ancienne_Nouvelle_Certification_2026_01_01.csv"} {
			w, _ := zw.Create(name)
			w.Write(data)
		}
		zw.Close()
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		fiches, rep, err := training.ReadRNCPCSV(zr)
		if err != nil {
			t.Fatalf("error from an in-memory archive: %v", err)
		}
		if len(rep.Issues) > training.MaxIssues || len(fiches) != rep.Fiches || rep.Active+rep.Inactive != rep.Fiches {
			t.Fatalf("report out of bounds: %+v", rep)
		}
		for _, fi := range fiches {
			if !fuzzNumber.MatchString(fi.Number) {
				t.Fatalf("fiche number %q", fi.Number)
			}
		}
		// The XML reader on the same bytes never panics either.
		if _, err := training.ReadRNCPXML(bytes.NewReader(data), func(*training.Fiche) error { return nil }); err != nil {
			t.Fatalf("error from a bytes reader: %v", err)
		}
	})
}
