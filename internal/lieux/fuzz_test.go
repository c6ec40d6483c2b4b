package lieux_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"testing"

	"maillage/content"
	"maillage/internal/lieux"
)

// checkReport fails when a returned lieu breaks Validate or holds a control
// character, or when the report could not be stored as JSON in PostgreSQL
// (which refuses \u0000).
func checkReport(t *testing.T, rep *lieux.Report) {
	t.Helper()
	for _, r := range rep.Rows {
		if errs := lieux.Validate(r.Lieu, nil); len(errs) > 0 {
			t.Fatalf("line %d imported but Validate says %v", r.Line, errs)
		}
		assertClean(t, r.Lieu)
	}
	b, err := json.Marshal(rep.ImportReport(lieux.Stored{}))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(`\u0000`)) {
		t.Fatalf("the report holds a NUL: %s", b)
	}
}

func seeds(f *testing.F) {
	example, err := fs.ReadFile(content.FS(), "lieux/exemple-valide.csv")
	if err != nil {
		f.Fatal(err)
	}
	v0, err := os.ReadFile("testdata/v0-charente.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add(v0)
	f.Add(bytes.Replace(example, []byte("Anonymal"), []byte("Anony\x00mal"), 1))
	f.Add([]byte("id,pivot,nom,commune,code_postal,adresse,date_maj\nx\x00,43493312300029,M\x00,Lyon,69003,a,2024-04-02\n"))
	f.Add([]byte("id;pivot;nom;commune;code_postal;adresse;date_maj;telephone;horaires\n1;1;\"a\nb\";Lyon;6900;\x01;31/02/2024;04 78;Mo-Fr 9h\n"))
}

func FuzzParseCSV(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := lieux.ParseCSV(bytes.NewReader(data), lieux.Options{})
		if err != nil {
			return
		}
		checkReport(t, rep)
	})
}

func FuzzParseJSON(f *testing.F) {
	b, err := os.ReadFile("testdata/lieux.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(bytes.Replace(b, []byte("Espace numérique"), []byte(`Espace\u0000num\u0001érique`), 1))
	f.Add([]byte(`[{"id": "a\u0000", "pivot": "43493312300029", "nom": "M", "commune": "Lyon", "code_postal": "69003", "adresse": "a", "date_maj": "2024-04-02", "n\u0000": 1}]`))
	f.Add([]byte(`[{"publics_accueillis": "Adultes;Surdité", "courriel": "a@b.fr", "services": ["x", 1, null]}, 3, []]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := lieux.ParseJSON(bytes.NewReader(data), lieux.Options{})
		if err != nil {
			return
		}
		checkReport(t, rep)
	})
}

func FuzzDetectFormat(f *testing.F) {
	f.Add("lieux.csv", []byte("id,nom"))
	f.Add("export", []byte("\ufeff  [{\"id\": 1}]"))
	f.Add("a.JSON", []byte{0, 0, 0})
	f.Add("", []byte("\x00[{"))
	f.Fuzz(func(t *testing.T, name string, head []byte) {
		got := lieux.DetectFormat(name, head)
		if got != lieux.FormatCSV && got != lieux.FormatJSON {
			t.Fatalf("DetectFormat(%q) = %q", name, got)
		}
		rep, err := lieux.Parse(bytes.NewReader(head), "", lieux.Options{})
		if err == nil {
			checkReport(t, rep)
		}
	})
}

func FuzzParseHoraires(f *testing.F) {
	for _, s := range []string{"Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00", "24/7", "PH off", "Jul-Aug Mo 10:00-12:00", "week 01-53/2 Sa[1,-1] 09:00-12:00 \"rdv\"", "Mo\x00", "Dec 24-26 off", "Fr 22:00-02:00+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sch, err := lieux.ParseHoraires(s)
		if err != nil {
			if he, ok := err.(*lieux.HoursError); !ok || he.Pos < 1 || he.Pos > len([]rune(s))+1 {
				t.Fatalf("ParseHoraires(%q): error %v", s, err)
			}
			return
		}
		for _, d := range sch.Week {
			for _, iv := range d.Intervals {
				if iv.From < 0 || iv.To < iv.From || iv.To > 96*60 {
					t.Fatalf("ParseHoraires(%q): interval %+v", s, iv)
				}
			}
		}
	})
}
