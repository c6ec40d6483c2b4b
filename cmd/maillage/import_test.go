package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/app"
	"maillage/internal/i18n"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
	"maillage/internal/testenv/csvtest"
)

// placeRow is a valid row of the national standard; tests override fields.
func placeRow(over map[string]string) map[string]string {
	m := map[string]string{
		"pivot":       "43493312300029",
		"commune":     "Lyon",
		"code_postal": "69003",
		"code_insee":  "69123",
		"adresse":     "30 boulevard Vivier-Merle",
		"date_maj":    "2024-04-02",
		"services":    "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

// placesCSV writes rows under the schema's header with the given separator.
func placesCSV(comma rune, rows []map[string]string) []byte {
	return csvtest.New(lieux.Columns()...).Comma(comma).Records(rows...).Bytes()
}

// remark is what a report line must say: line, field, and whether it is a warning.
type remark struct {
	Line    int
	Field   string
	Warning bool
}

func remarks(rep []maillage.ImportLine) []remark {
	var out []remark
	for _, l := range rep {
		out = append(out, remark{l.Line, l.Field, l.Warning})
	}
	return out
}

// TestImportLieux drives the function behind `maillage import lieux FILE`
// with files written by the test: each problem is reported on its line, the
// other rows go in, a second import only updates, and the export is valid.
func TestImportLieux(t *testing.T) {
	ctx := context.Background()
	db := testenv.Get(t).DB(t)
	structures := postgres.NewStructureService(db)
	long := strings.Repeat("Ateliers numériques pour tous les publics, ", 8) // about 350 characters

	tests := []struct {
		name  string
		comma rune
	}{
		{"virgules", ','},
		{"points-virgules", ';'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.name + "-" // ids and names differ between subtests
			rows := []map[string]string{
				placeRow(map[string]string{"id": p + "ok", "nom": p + "Médiathèque de la Part-Dieu"}), // line 2
				placeRow(map[string]string{"id": p + "apostrophes", "nom": p + "Maison de l’emploi", "pivot": "35600000000048", // line 3
					"modalites_acces": "Ce lieu n’accueille pas de public"}),
				placeRow(map[string]string{"id": p + "bouche-trou", "nom": p + "Espace sans SIRET", "pivot": "00000000000000"}), // line 4
				placeRow(map[string]string{"id": p + "1970", "nom": p + "Espace 1970", "date_maj": "1970-01-01"}),               // line 5
				placeRow(map[string]string{"id": p + "insee", "nom": p + "Espace Paris", "code_postal": "75001"}),               // line 6
				placeRow(map[string]string{"id": p + "long", "nom": p + "Espace bavard", "presentation_resume": long}),          // line 7
				placeRow(map[string]string{"id": p + "mauvais", "nom": p + "Espace mal écrit", "code_postal": "6900"}),          // line 8
				placeRow(map[string]string{"id": p + "arrondissement", "nom": p + "Espace Lyon 3e", "code_insee": "69383"}),     // line 9
			}
			file := filepath.Join(t.TempDir(), "lieux.csv")
			if err := os.WriteFile(file, placesCSV(tt.comma, rows), 0o644); err != nil {
				t.Fatal(err)
			}
			before := countStructures(t, structures)
			var out bytes.Buffer
			if err := importLieux(ctx, &out, structures, file, "", french(t)); err != nil {
				t.Fatalf("import: %v", err)
			}
			text := spaces(out.String())
			for _, want := range []string{
				"lus : 8, créés : 7, mis à jour : 0, rejetés : 1, avertissements : 4",
				"avertissement ligne 4 (id " + p + "bouche-trou) : pivot « 00000000000000 » : SIRET bouche-trou",
				"avertissement ligne 5 (id " + p + "1970) : date_maj « 1970-01-01 » : date antérieure à 2000",
				"avertissement ligne 6 (id " + p + "insee) : le code INSEE 69123 ne correspond pas au code postal 75001",
				"avertissement ligne 7 (id " + p + "long) : presentation_resume : texte trop long",
				"rejetée ligne 8 (id " + p + "mauvais) : code_postal « 6900 » : 5 chiffres attendus",
			} {
				if !strings.Contains(text, spaces(want)) {
					t.Errorf("report lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, "ligne 9") || strings.Contains(text, "ligne 3") || strings.Contains(text, "ligne 2") {
				t.Errorf("clean rows reported:\n%s", text)
			}
			if got := countStructures(t, structures) - before; got != 7 {
				t.Errorf("%d structures created, want 7", got)
			}
			st := findByPivotName(t, structures, "35600000000048", p+"Maison de l’emploi")
			if st == nil || len(st.Lieu.ModalitesAcces) != 1 || st.Lieu.ModalitesAcces[0] != "Ce lieu n'accueille pas de public" {
				t.Errorf("curly apostrophes not normalised: %+v", st)
			}
			arr := findByPivotName(t, structures, "43493312300029", p+"Espace Lyon 3e")
			if arr == nil || arr.CodeDepartement != "69" || arr.Lieu.CodeInsee != "69383" {
				t.Errorf("Lyon arrondissement: %+v", arr)
			}
			if long := findByPivotName(t, structures, "43493312300029", p+"Espace bavard"); long == nil || len([]rune(long.Lieu.PresentationResume)) > 280 {
				t.Errorf("long summary not cut: %+v", long)
			}

			// Same file again: nothing new, every good row updated.
			out.Reset()
			if err := importLieux(ctx, &out, structures, file, "", french(t)); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(spaces(out.String()), "lus : 8, créés : 0, mis à jour : 7, rejetés : 1") {
				t.Errorf("second import:\n%s", out.String())
			}
			if got := countStructures(t, structures) - before; got != 7 {
				t.Errorf("after re-import, %d structures more, want 7", got)
			}
		})
	}

	t.Run("JSON reconnu au contenu", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "export")
		data := `[{"id": "json-1", "pivot": "43493312300029", "nom": "Espace JSON", "commune": "Marseille", "code_postal": "13001",
			"code_insee": "13201", "adresse": "1 La Canebière", "date_maj": "2025-03-01"}]`
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := importLieux(ctx, &out, structures, file, "", french(t)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(spaces(out.String()), "lus : 1, créés : 1, mis à jour : 0, rejetés : 0, avertissements : 0") {
			t.Errorf("JSON import:\n%s", out.String())
		}
	})

	t.Run("fichier illisible", func(t *testing.T) {
		for name, data := range map[string][]byte{
			"vide.csv":       {},
			"latin1.csv":     csvtest.CSV([]string{"id", "nom"}, []string{"1", "M\xe9diath\xe8que"}),
			"cassé.json":     []byte(`[{"id": `),
			"sans-pivot.csv": csvtest.CSV([]string{"id", "nom"}, []string{"1", "Médiathèque"}),
		} {
			file := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err := importLieux(ctx, &out, structures, file, "", french(t))
			if err == nil || !strings.Contains(err.Error(), name+":") || !strings.Contains(err.Error(), "fichier") || exitCode(err) != exitFail {
				t.Errorf("%s: err %v (exit %d), want the file named, a French message and exit 1", name, err, exitCode(err))
			}
		}
		if err := importLieux(ctx, &bytes.Buffer{}, structures, "/nulle/part.csv", "", french(t)); exitCode(err) != exitFail {
			t.Errorf("missing file: %v", err)
		}
	})

	t.Run("export valide", func(t *testing.T) {
		ls, err := structures.AllLieux(ctx, maillage.StructureFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := lieux.WriteCSV(&b, ls); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]lieux.RowError(nil), lieux.ValidateCSVAgainstSchema(&b)); diff != "" {
			t.Errorf("export breaks the schema:\n%s", diff)
		}
	})
}

func countStructures(t *testing.T, s *postgres.StructureService) int {
	t.Helper()
	_, n, err := s.FindStructures(context.Background(), maillage.StructureFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func findByPivotName(t *testing.T, s *postgres.StructureService, pivot, nom string) *maillage.Structure {
	t.Helper()
	sts, _, err := s.FindStructures(context.Background(), maillage.StructureFilter{Pivot: pivot, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sts {
		if st.Lieu.Nom == nom {
			return st
		}
	}
	return nil
}

// french is the portal's catalogue in French (the report as the command prints it).
func french(t *testing.T) lieux.Translate {
	t.Helper()
	cat, err := app.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	return cat.In(i18n.FR).T
}

// spaces folds the non-breaking spaces of French typography and runs of
// spaces, so a test reads the text as a person does.
func spaces(s string) string {
	s = strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s)
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}
