package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func day(s string) *time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &d
}

// The template database holds content/referentiel: these tests read it.

func TestReferentialCounts(t *testing.T) {
	svc := postgres.NewReferentialService(testenv.Get(t).DB(t))
	ctx := context.Background()
	domains, err := svc.FindDomains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	competences, n, err := svc.FindCompetences(ctx, maillage.CompetenceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	levels, err := svc.FindLevels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pix, err := svc.FindPixLevels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	certs, total, err := svc.FindCertifications(ctx, maillage.CertificationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	blocs := map[string][]string{}
	for _, c := range certs {
		blocs[c.Code] = []string{}
		for _, b := range c.Blocs {
			blocs[c.Code] = append(blocs[c.Code], b.Code)
		}
	}
	got := map[string]int{"domains": len(domains), "competences": len(competences), "competences total": n,
		"levels": len(levels), "pix levels": len(pix), "certifications": len(certs), "certifications total": total}
	want := map[string]int{"domains": 5, "competences": 16, "competences total": 16,
		"levels": 8, "pix levels": 9, "certifications": 4, "certifications total": 4}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	wantBlocs := map[string][]string{
		"MN":   {}, // the 2025 title's blocs are not known: none is invented
		"REMN": {"REMN-B1", "REMN-B2", "REMN-B3"},
		"CMN":  {"CMN-B1", "CMN-B2", "CMN-B3"},
		"PIX":  {},
	}
	if diff := cmp.Diff(wantBlocs, blocs); diff != "" {
		t.Errorf("blocs per certification (-want +got):\n%s", diff)
	}
	if got := []string{levels[0].Name, levels[2].Name, levels[5].Name, levels[7].Name}; !cmp.Equal(got, []string{"Novice", "Indépendant", "Avancé", "Expert"}) {
		t.Errorf("level names %v", got)
	}
	if got := *pix[3]; got != (maillage.PixLevel{Level: 3, Key: "LEVEL_INDEPENDENT_3", PixMin: 256, PixMax: 383}) {
		t.Errorf("pix level 3 = %+v", got)
	}
	versions, err := svc.FindReferentialVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, v := range versions {
		if v.Version == "" || len(v.SHA256) != 64 || v.SyncedAt.IsZero() {
			t.Errorf("version %+v incomplete", v)
		}
		names[v.Name] = true
	}
	if !cmp.Equal(names, map[string]bool{"pix": true, "certifications": true}) {
		t.Errorf("versions recorded for %v", names)
	}
}

func TestFindCertificationByCode(t *testing.T) {
	svc := postgres.NewReferentialService(testenv.Get(t).DB(t))
	ctx := context.Background()
	got, err := svc.FindCertificationByCode(ctx, "REMN")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range got.Blocs {
		b.Note = ""
	}
	got.Note, got.LegalText = "", ""
	want := &maillage.Certification{Code: "REMN", Kind: maillage.KindRNCP, Number: "RNCP34137", NumberConfirmed: false,
		Title: "Responsable d'espace de médiation numérique", Level: 5, NSF: "320t", Certificateur: "Ministère chargé de l'emploi",
		ValidFrom: day("2019-07-13"), ValidUntil: day("2024-07-12"), Replaces: "CMN",
		Blocs: []*maillage.Bloc{
			{Code: "REMN-B1", CertificationCode: "REMN", Rank: 1, Label: "Accompagner différents publics vers l'autonomie dans les usages des technologies, services et médias numériques", Status: maillage.StatusConfirmed, Competences: []string{}},
			{Code: "REMN-B2", CertificationCode: "REMN", Rank: 2, Label: "Contribuer au développement d'un espace de médiation numérique et de ses projets", Status: maillage.StatusSecondary, Competences: []string{}},
			{Code: "REMN-B3", CertificationCode: "REMN", Rank: 3, Label: "Contribuer à la gestion d'un espace de médiation numérique et animer ses projets collaboratifs", Status: maillage.StatusSecondary, Competences: []string{}},
		}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("REMN (-want +got):\n%s", diff)
	}
	mn, err := svc.FindCertificationByCode(ctx, "MN")
	if err != nil {
		t.Fatal(err)
	}
	if len(mn.Blocs) != 0 || mn.Note == "" || mn.NumberConfirmed || mn.Replaces != "REMN" {
		t.Errorf("MN = %+v: want no bloc, a note, an unconfirmed number, replaces REMN", mn)
	}
	if _, err := svc.FindCertificationByCode(ctx, "NOPE"); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("unknown certification: got %v, want ENOTFOUND", err)
	}
	if _, err := svc.FindBlocByCode(ctx, "NOPE-B1"); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("unknown bloc: got %v, want ENOTFOUND", err)
	}
	if _, err := svc.FindCompetenceByCode(ctx, "9.9"); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("unknown competence: got %v, want ENOTFOUND", err)
	}
	c, err := svc.FindCompetenceByCode(ctx, "4.3")
	if err != nil {
		t.Fatal(err)
	}
	wantC := &maillage.Competence{Code: "4.3", Label: "Protéger la santé, le bien-être et l'environnement", DomainCode: "4", Rank: 14, Variants: []string{"Se protéger des risques"}}
	if diff := cmp.Diff(wantC, c); diff != "" {
		t.Errorf("4.3 (-want +got):\n%s", diff)
	}
}

func TestFindCertifications(t *testing.T) {
	svc := postgres.NewReferentialService(testenv.Get(t).DB(t))
	ctx := context.Background()
	tests := []struct {
		name   string
		filter maillage.CertificationFilter
		want   []string
		total  int
	}{
		{"all, RNCP then RS, by title", maillage.CertificationFilter{}, []string{"CMN", "MN", "REMN", "PIX"}, 4},
		{"RS only", maillage.CertificationFilter{Kind: maillage.KindRS}, []string{"PIX"}, 1},
		{"valid in 2020: CMN ended, unknown dates kept", maillage.CertificationFilter{ValidOn: day("2020-01-01")}, []string{"MN", "REMN", "PIX"}, 3},
		{"valid in 2018: REMN not yet", maillage.CertificationFilter{ValidOn: day("2018-01-01")}, []string{"CMN", "MN", "PIX"}, 3},
		{"last day of REMN", maillage.CertificationFilter{Kind: maillage.KindRNCP, ValidOn: day("2024-07-12")}, []string{"MN", "REMN"}, 2},
		{"page", maillage.CertificationFilter{Limit: 2, Offset: 1}, []string{"MN", "REMN"}, 4},
		{"past the end", maillage.CertificationFilter{Limit: 2, Offset: 10}, []string{}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, total, err := svc.FindCertifications(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, c := range certs {
				got = append(got, c.Code)
				if tt.filter.ValidOn != nil && !c.ValidOn(*tt.filter.ValidOn) {
					t.Errorf("%s returned but ValidOn(%s) is false", c.Code, tt.filter.ValidOn.Format(time.DateOnly))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || total != tt.total {
				t.Errorf("codes (-want +got):\n%s total = %d, want %d", diff, total, tt.total)
			}
		})
	}
}

func TestFindBlocs(t *testing.T) {
	svc := postgres.NewReferentialService(testenv.Get(t).DB(t))
	ctx := context.Background()
	tests := []struct {
		name   string
		filter maillage.BlocFilter
		want   []string
	}{
		{"all, by certification and rank", maillage.BlocFilter{}, []string{"CMN-B1", "CMN-B2", "CMN-B3", "REMN-B1", "REMN-B2", "REMN-B3"}},
		{"one certification", maillage.BlocFilter{CertificationCode: "REMN"}, []string{"REMN-B1", "REMN-B2", "REMN-B3"}},
		{"no bloc known", maillage.BlocFilter{CertificationCode: "MN"}, []string{}},
		{"by competence: links are not known yet", maillage.BlocFilter{CompetenceCode: "1.1"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocs, n, err := svc.FindBlocs(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, b := range blocs {
				got = append(got, b.Code)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || n != len(tt.want) {
				t.Errorf("blocs (-want +got):\n%s n = %d", diff, n)
			}
		})
	}
}
