package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"

	"maillage/internal/label"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// BenchmarkQueue is the label reviewers' scenario (`make bench
// BENCH=queue`): 10,000 applications of the programme of places in every
// state, spread over the départements, 5 reviewers following some; it
// prints the p50/p95 time of a reviewer's queue page (the « tous » tab,
// sorted by due date, and a filtered tab), and the time of a filtered
// export of 5,000 rows in CSV and in XLSX. No assertion on time
// (targets: page p95 ≤ 50 ms, export ≤ 5 s).
func BenchmarkQueue(b *testing.B) {
	a := testenv.Get(b).App(b)
	ctx := context.Background()
	const apps = 10000
	start := time.Now()
	if _, err := a.DB.NewRaw(`INSERT INTO structures (lieu_id, pivot, nom, commune, code_postal, code_insee, adresse, date_maj, roles, commune_insee)
		SELECT 'bench-label-' || g, 'W' || lpad(g::text, 9, '0'), 'Espace numérique ' || c.nom || ' ' || g, c.nom, coalesce(c.codes_postaux[1], '00000'),
			c.code_insee, g || ' place de la Mairie', current_date, '{lieu}', c.code_insee
		FROM generate_series(1, ?) g JOIN (SELECT code_insee, nom, codes_postaux, row_number() OVER (ORDER BY code_insee) AS n FROM communes) c
			ON c.n = 1 + (g * 7) % 30000`, apps).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	reviewer := benchUser(b, a.Users, "instructrice-bench@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleInstructeur, ScopeKind: maillage.ScopeProgramme, ScopeValue: "lieu-mediation-numerique"})
	var others []int64
	for i := range 4 {
		others = append(others, benchUser(b, a.Users, fmt.Sprintf("instructeur-bench-%d@exemple.fr", i), &maillage.RoleGrant{Role: maillage.RoleInstructeur,
			ScopeKind: maillage.ScopeProgramme, ScopeValue: "lieu-mediation-numerique"}).ID)
	}
	// Applications in every state (drafts included: they are never listed),
	// deposited over the past year, with their first revision.
	if _, err := a.DB.NewRaw(`INSERT INTO label_applications (programme_id, programme_code, structure_id, state, deposited_at, due_at, created_at, decided_at, motivation)
		SELECT p.id, p.code, s.id, (ARRAY['brouillon','deposee','en_instruction','en_instruction','correction_demandee','acceptee','refusee','classee_sans_suite'])[1 + s.id % 8],
			now() - (s.id % 365) * interval '1 day', now() - (s.id % 365) * interval '1 day' + interval '60 days', now() - (s.id % 365) * interval '1 day',
			CASE WHEN s.id % 8 >= 5 THEN now() END, CASE WHEN s.id % 8 >= 4 THEN 'Motivation de démonstration.' ELSE '' END
		FROM structures s, label_programmes p WHERE s.lieu_id LIKE 'bench-label-%' AND p.code = 'lieu-mediation-numerique'`).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := a.DB.NewRaw(`INSERT INTO label_revisions (application_id, number, submitted_at) SELECT id, 1, deposited_at FROM label_applications`).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := a.DB.NewRaw(`INSERT INTO label_assignments (application_id, reviewer_id) SELECT a.id, r.id
		FROM label_applications a JOIN unnest(?::bigint[]) WITH ORDINALITY r(id, n) ON a.id % 9 = r.n`, pgdialect.Array(append(others, reviewer.ID))).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := a.DB.NewRaw(`INSERT INTO label_notes (application_id, author_id, text) SELECT id, ?, 'Note privée ' || id FROM label_applications WHERE id % 3 = 0`, reviewer.ID).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := a.DB.NewRaw(`INSERT INTO label_assessments (application_id, indicator, grade, comment, reviewer_id)
		SELECT id, '1.1', CASE WHEN id % 5 = 0 THEN 'non_conformite_majeure' ELSE 'conforme' END, 'Commentaire', ? FROM label_applications WHERE state <> 'brouillon'`, reviewer.ID).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := a.DB.NewRaw("ANALYZE").Exec(ctx); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("queue: loaded %d applications in %s\n", apps, time.Since(start).Round(time.Millisecond))

	session := maillage.RandomToken(32)
	if err := a.Sessions.CreateSession(ctx, &maillage.Session{UserID: reviewer.ID, AuthMethod: "bench", ExpiresAt: time.Now().Add(time.Hour)}, session); err != nil {
		b.Fatal(err)
	}
	page := func(target string) time.Duration {
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("Cookie", "maillage_session="+session)
		t0 := time.Now()
		resp, err := a.Web.App().Test(req, 30000)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", target, resp.StatusCode)
		}
		return time.Since(t0)
	}
	for name, target := range map[string]string{
		"tous, by due date":               "/labels/instruction?onglet=tous&tri=echeance",
		"à suivre, by age":                "/labels/instruction?onglet=a_suivre",
		"suivis, en_instruction, page 3":  "/labels/instruction?onglet=suivis&etat=en_instruction&page=3",
		"tous, département 69, page 2":    "/labels/instruction?onglet=tous&departement=69&page=2",
		"traités, sorted by age, page 40": "/labels/instruction?onglet=traites&page=40",
	} {
		page(target) // warm
		var ds []time.Duration
		for range 100 {
			ds = append(ds, page(target))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		fmt.Printf("queue page %-34s p50 %9s  p95 %9s  max %9s\n", name, ms(ds[49]), ms(ds[94]), ms(ds[99]))
	}
	// Where a page's time goes: the service calls it makes.
	for name, call := range map[string]func(){
		"Queue (tous, by due date)": func() {
			if _, _, err := a.Labels.Queue(ctx, label.Filter{Viewer: reviewer, Tab: label.TabAll, Sort: label.SortDue}); err != nil {
				b.Fatal(err)
			}
		},
		"Counts": func() {
			if _, err := a.Labels.Counts(ctx, reviewer); err != nil {
				b.Fatal(err)
			}
		},
		"Team": func() {
			if _, err := a.Labels.Team(ctx, reviewer, "lieu-mediation-numerique"); err != nil {
				b.Fatal(err)
			}
		},
	} {
		var ds []time.Duration
		for range 50 {
			t0 := time.Now()
			call()
			ds = append(ds, time.Since(t0))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		fmt.Printf("queue service %-26s p50 %9s  p95 %9s\n", name, ms(ds[24]), ms(ds[47]))
	}
	// A filtered export of 5,000 rows: the treated and followed-by-anyone
	// applications, with every column (private notes included).
	f := label.Filter{Viewer: reviewer, Tab: label.TabAll, Sort: label.SortDue}
	all, n, err := a.Labels.Queue(ctx, label.Filter{Viewer: reviewer, Tab: label.TabAll, AllIDs: true})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, 0, 5000)
	for _, x := range all[:min(5000, n)] {
		ids = append(ids, x.ID)
	}
	f.IDs, f.HasIDs = ids, true
	t0 := time.Now()
	rows, count, err := a.Labels.Export(ctx, f, label.ExportColumns)
	if err != nil {
		b.Fatal(err)
	}
	read := time.Since(t0)
	cols := label.ExportColumnsFor(label.ExportColumns, true)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = a.Catalog.T("fr", "label.column."+c)
	}
	var buf bytes.Buffer
	t1 := time.Now()
	if err := label.WriteCSV(&buf, cols, header, rows); err != nil {
		b.Fatal(err)
	}
	csvTime, csvSize := time.Since(t1), buf.Len()
	buf.Reset()
	t2 := time.Now()
	if err := label.WriteXLSX(&buf, cols, header, rows); err != nil {
		b.Fatal(err)
	}
	xlsxTime := time.Since(t2)
	fmt.Printf("queue export %d rows (%d columns): read %s, CSV %s (%d kB), XLSX %s (%d kB); total CSV %s, XLSX %s\n", count, len(cols),
		read.Round(time.Millisecond), csvTime.Round(time.Millisecond), csvSize/1024, xlsxTime.Round(time.Millisecond), buf.Len()/1024,
		(read + csvTime).Round(time.Millisecond), (read + xlsxTime).Round(time.Millisecond))
	// The same export through the background path (a large export).
	eid, err := a.Labels.StartExport(ctx, f, label.ExportColumns, label.FormatXLSX)
	if err != nil {
		b.Fatal(err)
	}
	t3 := time.Now()
	if err := a.Labels.RunExports(ctx); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("queue background export %d of %d rows (XLSX, file + mail): %s\n", eid, count, time.Since(t3).Round(time.Millisecond))
	for b.Loop() {
	}
}

func benchUser(b *testing.B, a maillage.UserService, email string, g *maillage.RoleGrant) *maillage.User {
	b.Helper()
	ctx := context.Background()
	out, err := a.SignInEmail(ctx, email)
	if err != nil {
		b.Fatal(err)
	}
	g.UserID = out.User.ID
	if _, err := a.GrantRole(ctx, out.User.ID, *g, "127.0.0.1"); err != nil {
		b.Fatal(err)
	}
	u, err := a.FindUserByID(ctx, out.User.ID)
	if err != nil {
		b.Fatal(err)
	}
	return u
}
