package loader_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"maillage/content"
	"maillage/internal/loader"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func readContent(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(content.FS(), name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replace replaces old by new in s exactly once.
func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q occurs %d times, want once", old, strings.Count(s, old))
	}
	return strings.Replace(s, old, new, 1)
}

// referentiel returns the result of the referentiel content set.
func referentiel(t *testing.T, res []loader.Result) loader.Result {
	t.Helper()
	for _, r := range res {
		if r.Name == "referentiel" {
			return r
		}
	}
	t.Fatalf("no referentiel in %+v", res)
	return loader.Result{}
}

func TestParseReferentielContent(t *testing.T) {
	ref, err := loader.ParseReferentiel(content.FS())
	if err != nil {
		t.Fatal(err)
	}
	blocs := map[string]int{}
	for _, c := range ref.Certifications {
		blocs[c.Code] = len(c.Blocs)
	}
	got := map[string]int{"domains": len(ref.Domains), "competences": len(ref.Competences), "levels": len(ref.Levels),
		"pix levels": len(ref.PixLevels), "certifications": len(ref.Certifications), "versions": len(ref.Versions)}
	want := map[string]int{"domains": 5, "competences": 16, "levels": 8, "pix levels": 9, "certifications": 4, "versions": 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"MN": 0, "REMN": 3, "CMN": 3, "PIX": 0}, blocs); diff != "" {
		t.Errorf("blocs (-want +got):\n%s", diff)
	}
	codes := []string{}
	for _, c := range ref.Competences {
		codes = append(codes, c.Code)
	}
	wantCodes := []string{"1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.1", "5.2"}
	if diff := cmp.Diff(wantCodes, codes); diff != "" {
		t.Errorf("competence codes (-want +got):\n%s", diff)
	}
}

func TestSyncReferentiel(t *testing.T) {
	db := testenv.Get(t).DB(t)
	ctx := context.Background()
	svc := postgres.NewReferentialService(db)
	l := &loader.Loader{FS: content.FS(), Store: postgres.NewContentStore(db)}

	// The template holds the referential: an unchanged reload is skipped.
	res, err := l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(loader.Result{Name: "referentiel", Skipped: true}, referentiel(t, res)); diff != "" {
		t.Fatalf("unchanged content (-want +got):\n%s", diff)
	}

	// Something outside the referential points to the bloc about to go.
	if _, err := db.ExecContext(ctx, `CREATE TABLE test_profile_blocs (profile int, bloc_code text NOT NULL REFERENCES blocs (code))`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), `DROP TABLE test_profile_blocs`) })
	if _, err := db.ExecContext(ctx, `INSERT INTO test_profile_blocs VALUES (1, 'REMN-B3')`); err != nil {
		t.Fatal(err)
	}

	// A new version: a label edited, a bloc removed, competences linked to a bloc.
	pix := readContent(t, loader.PixFile)
	pix = replace(t, pix, `version: "2026-11-22.1"`, `version: "test.2"`)
	pix = replace(t, pix, "libelle: Mener une recherche et une veille d'information", "libelle: Mener une recherche et une veille d'information (révisé)")
	certs := readContent(t, loader.CertificationsFile)
	certs = replace(t, certs, `version: "2026-11-22.1"`, `version: "test.2"`)
	certs = replace(t, certs, "        statut: confirme\n", "        statut: confirme\n        competences: [\"2.1\", \"1.1\"]\n")
	b3 := certs[strings.Index(certs, "      - code: REMN-B3"):strings.Index(certs, "\n\n  - code: CMN")]
	certs = replace(t, certs, b3, "")
	l.FS = contentWith(t, map[string]string{loader.PixFile: pix, loader.CertificationsFile: certs})
	res, err = l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(loader.Result{Name: "referentiel", Rows: 5 + 16 + 8 + 9 + 4 + 5}, referentiel(t, res)); diff != "" {
		t.Fatalf("changed content (-want +got):\n%s", diff)
	}

	c, err := svc.FindCompetenceByCode(ctx, "1.1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Label != "Mener une recherche et une veille d'information (révisé)" || c.RetiredAt != nil {
		t.Errorf("1.1 = %+v: label not updated in place", c)
	}
	if _, n, _ := svc.FindCompetences(ctx, maillage.CompetenceFilter{}); n != 16 {
		t.Errorf("%d competences, want 16", n)
	}
	b, err := svc.FindBlocByCode(ctx, "REMN-B3")
	if err != nil {
		t.Fatalf("removed bloc deleted: %v", err)
	}
	if b.RetiredAt == nil {
		t.Errorf("REMN-B3 removed from the file but not retired: %+v", b)
	}
	var held int
	if err := db.NewRaw(`SELECT count(*) FROM test_profile_blocs WHERE bloc_code = 'REMN-B3'`).Scan(ctx, &held); err != nil || held != 1 {
		t.Errorf("referencing row: %d, %v", held, err)
	}
	tests := []struct {
		name   string
		filter maillage.BlocFilter
		want   []string
	}{
		{"active blocs of REMN", maillage.BlocFilter{CertificationCode: "REMN"}, []string{"REMN-B1", "REMN-B2"}},
		{"with retired", maillage.BlocFilter{CertificationCode: "REMN", IncludeRetired: true}, []string{"REMN-B1", "REMN-B2", "REMN-B3"}},
		{"covering 2.1", maillage.BlocFilter{CompetenceCode: "2.1"}, []string{"REMN-B1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocs, _, err := svc.FindBlocs(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, b := range blocs {
				got = append(got, b.Code)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("blocs (-want +got):\n%s", diff)
			}
		})
	}
	b1, err := svc.FindBlocByCode(ctx, "REMN-B1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1.1", "2.1"}, b1.Competences); diff != "" {
		t.Errorf("REMN-B1 competences in referential order (-want +got):\n%s", diff)
	}
	remn, err := svc.FindCertificationByCode(ctx, "REMN")
	if err != nil || len(remn.Blocs) != 3 || remn.Blocs[2].RetiredAt == nil {
		t.Errorf("REMN by code should list its retired bloc too: %+v, %v", remn, err)
	}
	versions, err := svc.FindReferentialVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, v := range versions {
		got[v.Name+" "+v.Version] = true
	}
	want := map[string]bool{"pix 2026-11-22.1": true, "certifications 2026-11-22.1": true, "pix test.2": true, "certifications test.2": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}

	// The same changed content again: skipped.
	if res, err = l.Sync(ctx); err != nil || !referentiel(t, res).Skipped {
		t.Fatalf("second sync of the same content: %+v, %v", res, err)
	}

	// Back to the real content: the bloc comes back, the label too.
	l.FS = content.FS()
	if _, err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err := svc.FindBlocByCode(ctx, "REMN-B3"); err != nil || b.RetiredAt != nil {
		t.Errorf("REMN-B3 back in the file but still retired: %+v, %v", b, err)
	}
	if c, err := svc.FindCompetenceByCode(ctx, "1.1"); err != nil || c.Label != "Mener une recherche et une veille d'information" {
		t.Errorf("1.1 label not restored: %+v, %v", c, err)
	}
	if blocs, _, err := svc.FindBlocs(ctx, maillage.BlocFilter{CompetenceCode: "2.1"}); err != nil || len(blocs) != 0 {
		t.Errorf("links of REMN-B1 not replaced by the file's (none): %+v, %v", blocs, err)
	}
}

const validPix = `version: "1"
domaines:
  - code: "1"
    libelle: Informations et données
    competences:
      - { code: "1.1", libelle: Mener une recherche }
      - { code: "1.2", libelle: Gérer des données }
niveaux:
  - { niveau: 1, nom: Novice }
  - { niveau: 2, nom: Novice }
  - { niveau: 3, nom: Indépendant }
  - { niveau: 4, nom: Indépendant }
  - { niveau: 5, nom: Avancé }
  - { niveau: 6, nom: Avancé }
  - { niveau: 7, nom: Expert }
  - { niveau: 8, nom: Expert }
niveaux_certification:
  - { niveau: 0, cle: LEVEL_PRE_BEGINNER, pix_min: 0, pix_max: 63 }
  - { niveau: 1, cle: LEVEL_BEGINNER_1, pix_min: 64, pix_max: 127 }
  - { niveau: 2, cle: LEVEL_BEGINNER_2, pix_min: 128, pix_max: 255 }
  - { niveau: 3, cle: LEVEL_INDEPENDENT_3, pix_min: 256, pix_max: 383 }
  - { niveau: 4, cle: LEVEL_INDEPENDENT_4, pix_min: 384, pix_max: 511 }
  - { niveau: 5, cle: LEVEL_ADVANCED_5, pix_min: 512, pix_max: 639 }
  - { niveau: 6, cle: LEVEL_ADVANCED_6, pix_min: 640, pix_max: 767 }
  - { niveau: 7, cle: LEVEL_EXPERT_7, pix_min: 768, pix_max: 895 }
  - { niveau: 8, cle: LEVEL_EXPERT_8, pix_min: 896, pix_max: 1024 }
`

const validCerts = `version: "1"
certifications:
  - code: T
    type: RNCP
    numero: RNCP1
    confirme: true
    intitule: Titre
    niveau: 5
    valide_du: 2020-01-01
    valide_au: 2024-12-31
    blocs:
      - { code: T-B1, rang: 1, libelle: Bloc un, statut: confirme, competences: ["1.1"] }
      - { code: T-B2, rang: 2, libelle: Bloc deux, statut: source_secondaire }
  - code: R
    type: RS
    intitule: Certification
    remplace: T
`

func TestParseReferentielErrors(t *testing.T) {
	if _, err := loader.ParseReferentiel(fstest.MapFS{
		loader.PixFile: {Data: []byte(validPix)}, loader.CertificationsFile: {Data: []byte(validCerts)},
	}); err != nil {
		t.Fatalf("valid files rejected: %v", err)
	}
	tests := []struct {
		name       string
		file       string // the file that is broken
		old, new   string
		wantInErrs []string
	}{
		{"syntax", loader.PixFile, "domaines:\n", "domaines: [\n", []string{"referentiel/pix.yaml: yaml:"}},
		{"unknown field", loader.PixFile, "libelle: Informations", "libele: Informations", []string{"referentiel/pix.yaml: yaml: unmarshal errors:\n  line 4: field libele not found in domaine"}},
		{"empty file", loader.CertificationsFile, validCerts, "", []string{"referentiel/certifications.yaml: empty file"}},
		{"missing version", loader.PixFile, `version: "1"`, "", []string{"referentiel/pix.yaml: version: missing"}},
		{"duplicate competence", loader.PixFile, `code: "1.2"`, `code: "1.1"`, []string{`referentiel/pix.yaml: domaines[0].competences[1].code: "1.1" is used twice`}},
		{"missing label", loader.PixFile, "libelle: Gérer des données", "libelle: ''", []string{"referentiel/pix.yaml: domaines[0].competences[1].libelle: missing"}},
		{"level out of range", loader.PixFile, "niveau: 8, nom: Expert", "niveau: 9, nom: Expert",
			[]string{"referentiel/pix.yaml: niveaux[7].niveau: 9 is out of range", "referentiel/pix.yaml: niveaux: level 8 is missing"}},
		{"global level missing", loader.PixFile, "  - { niveau: 8, cle: LEVEL_EXPERT_8, pix_min: 896, pix_max: 1024 }\n", "",
			[]string{"referentiel/pix.yaml: niveaux_certification: level 8 is missing"}},
		{"pix range", loader.PixFile, "pix_min: 0, pix_max: 63", "pix_min: 64, pix_max: 63", []string{"niveaux_certification[0].pix_min: 64–63 is not a range"}},
		{"unknown competence in bloc", loader.CertificationsFile, `competences: ["1.1"]`, `competences: ["9.9"]`,
			[]string{`referentiel/certifications.yaml: certifications[0] (T).blocs[0].competences[0]: competence "9.9" is not in referentiel/pix.yaml`}},
		{"duplicate bloc", loader.CertificationsFile, "code: T-B2", "code: T-B1", []string{`certifications[0] (T).blocs[1].code: "T-B1" is used twice`}},
		{"duplicate rank", loader.CertificationsFile, "rang: 2", "rang: 1", []string{"certifications[0] (T).blocs[1].rang: 1 is used twice in T"}},
		{"bad status", loader.CertificationsFile, "statut: source_secondaire", "statut: probable", []string{`blocs[1].statut: "probable" is not one of`}},
		{"bad kind", loader.CertificationsFile, "type: RS", "type: RSCH", []string{`certifications[1] (R).type: "RSCH" is not RNCP or RS`}},
		{"bad number", loader.CertificationsFile, "numero: RNCP1", "numero: RS1", []string{`certifications[0] (T).numero: "RS1" does not look like a RNCP number`}},
		{"title level out of range", loader.CertificationsFile, "niveau: 5", "niveau: 9", []string{"certifications[0] (T).niveau: 9 is out of range"}},
		{"RNCP without level", loader.CertificationsFile, "    niveau: 5\n", "", []string{"certifications[0] (T).niveau: missing"}},
		{"dates reversed", loader.CertificationsFile, "valide_au: 2024-12-31", "valide_au: 2019-12-31", []string{"certifications[0] (T).valide_au: 2019-12-31 is before valide_du 2020-01-01"}},
		{"unknown replaced", loader.CertificationsFile, "remplace: T", "remplace: X", []string{`certifications[1] (R).remplace: "X" is not another certification`}},
		{"duplicate certification", loader.CertificationsFile, "code: R\n", "code: T\n", []string{`certifications[1] (T).code: "T" is used twice`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{loader.PixFile: validPix, loader.CertificationsFile: validCerts}
			files[tt.file] = replace(t, files[tt.file], tt.old, tt.new)
			fsys := fstest.MapFS{}
			for n, d := range files {
				fsys[n] = &fstest.MapFile{Data: []byte(d)}
			}
			_, err := loader.ParseReferentiel(fsys)
			if err == nil {
				t.Fatal("broken file accepted")
			}
			t.Log(err)
			for _, w := range tt.wantInErrs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}
