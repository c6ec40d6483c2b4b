package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/i18n"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
	"maillage/internal/testenv/csvtest"
)

// placesCSV writes rows under the given columns (all the schema's when nil).
func placesCSV(cols []string, rows ...map[string]string) []byte {
	if cols == nil {
		cols = lieux.Columns()
	}
	return csvtest.New(cols...).Records(rows...).Bytes()
}

// charente is a place of the Charente département; tests override fields.
func charente(over map[string]string) map[string]string {
	m := map[string]string{
		"pivot": "21160015000018", "nom": "Bibliothèque municipale", "commune": "Angoulême", "code_postal": "16000", "code_insee": "16015",
		"adresse": "1 rue Coulomb", "date_maj": "2024-03-12", "services": "Accès internet et matériel informatique",
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

// importFile runs a file through the synchronous import, as the CLI does.
func importFile(t testing.TB, s *postgres.StructureService, data []byte) *maillage.ImportReport {
	t.Helper()
	ctx := context.Background()
	communes, err := s.Communes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := lieux.Import(ctx, bytes.NewReader(data), lieux.FormatCSV, lieux.Options{Communes: communes}, s, "test.csv")
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func byLieuID(t testing.TB, s *postgres.StructureService, f maillage.StructureFilter) map[string]*maillage.Structure {
	t.Helper()
	f.Limit = 5000
	sts, _, err := s.FindStructures(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*maillage.Structure{}
	for _, st := range sts {
		out[st.Lieu.ID] = st
	}
	return out
}

func linesWith(rep *maillage.ImportReport, key string) []maillage.ImportLine {
	var out []maillage.ImportLine
	for _, l := range rep.Lines {
		if l.Key == key {
			out = append(out, l)
		}
	}
	return out
}

// TestImportKeepsPlacesOfOneFileApart: rows of one file with different ids
// but the same SIRET and name stay two places; a new id with the SIRET and
// name of a place stored before is matched to it, and the report says so
// (issue 10, item 12: 8 places of the Charente file were lost, merged).
func TestImportKeepsPlacesOfOneFileApart(t *testing.T) {
	db := testenv.Get(t).FreshDB(t) // an import matches and counts against what is stored
	s := postgres.NewStructureService(db)
	// The libraries of a town share its SIRET and, often, their name.
	rows := []map[string]string{
		charente(map[string]string{"id": "cd16-bm-1", "adresse": "1 rue Coulomb", "telephone": "05 45 94 56 00", "horaires": "Tu-Sa 10:00-18:00"}),
		charente(map[string]string{"id": "cd16-bm-2", "adresse": "Place de la Bussatte", "telephone": "05 45 95 12 34", "horaires": "We 14:00-18:00; Sa 10:00-12:00"}),
		charente(map[string]string{"id": "cd16-bm-3", "nom": "BIBLIOTHEQUE MUNICIPALE", "adresse": "Rue de Basseau", "frais_a_charge": "Gratuit"}),
	}
	rep := importFile(t, s, placesCSV(nil, rows...))
	if rep.Created != 3 || rep.Updated != 0 || len(linesWith(rep, lieux.KeyMatched)) != 0 {
		t.Fatalf("first import: %+v", rep)
	}
	stored := byLieuID(t, s, maillage.StructureFilter{Pivot: "21160015000018"})
	if len(stored) != 3 || stored["cd16-bm-2"].Lieu.Telephone != "+33545951234" || stored["cd16-bm-1"].Lieu.Adresse != "1 rue Coulomb" {
		t.Fatalf("stored: %v", stored)
	}

	// The same file again: each row updates its own place.
	rep = importFile(t, s, placesCSV(nil, rows...))
	if rep.Created != 0 || rep.Updated != 3 || len(linesWith(rep, lieux.KeyMatched)) != 0 {
		t.Fatalf("second import: %+v", rep)
	}

	// Another producer's file: a new id with the SIRET, name and address of
	// a stored place is matched to it and reported; one whose SIRET and name
	// fit several stored places at other addresses is a place of its own,
	// reported too.
	other := placesCSV(nil,
		charente(map[string]string{"id": "hub-17", "adresse": "1 rue Coulomb", "horaires": "Tu-Sa 10:00-19:00"}),
		charente(map[string]string{"id": "hub-18", "adresse": "Avenue de Cognac"}),
	)
	rep = importFile(t, s, other)
	matched := linesWith(rep, lieux.KeyMatched)
	ambiguous := linesWith(rep, lieux.KeyMatchAmbiguous)
	if rep.Created != 1 || rep.Updated != 1 || len(matched) != 1 || len(ambiguous) != 1 || ambiguous[0].ID != "hub-18" {
		t.Fatalf("other producer: %+v", rep)
	}
	first := stored["cd16-bm-1"]
	want := maillage.ImportLine{Line: 2, ID: "hub-17", Field: "pivot", Key: lieux.KeyMatched, Warning: true,
		Args: []any{"Structure", first.ID, "LieuID", "cd16-bm-1", "Nom", "Bibliothèque municipale"}}
	if diff := cmp.Diff(want, matched[0]); diff != "" {
		t.Errorf("matched line (-want +got):\n%s", diff)
	}
	stored = byLieuID(t, s, maillage.StructureFilter{Pivot: "21160015000018"})
	if len(stored) != 4 || stored["cd16-bm-1"].Lieu.Horaires != "Tu-Sa 10:00-19:00" || stored["hub-18"] == nil || stored["hub-17"] != nil {
		t.Errorf("after the other producer: %v", stored)
	}
	tr := catalogue(t).In(i18n.FR)
	if got := tr.T(matched[0].Key, matched[0].Args...); !strings.Contains(got, fmt.Sprintf("n°\u00a0%d", first.ID)) && !strings.Contains(got, fmt.Sprint(first.ID)) {
		t.Errorf("message %q does not name the stored place", got)
	}
}

func catalogue(t testing.TB) *i18n.Catalog {
	t.Helper()
	c := i18n.NewWithFormats()
	if err := c.Load("lieux", os.DirFS("../web/lieux")); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestImportFindsTheDepartement: a place coded 63236 with New-Caledonian
// coordinates is filed in Nouvelle-Calédonie; CEDEX and generic postcodes
// find their commune (issue 10, item 13).
func TestImportFindsTheDepartement(t *testing.T) {
	db := testenv.Get(t).FreshDB(t) // an import matches and counts against what is stored
	s := postgres.NewStructureService(db)
	rep := importFile(t, s, placesCSV(nil,
		map[string]string{"id": "nc-1", "pivot": "1234567001", "nom": "Médiathèque de Boulari", "commune": "Mont-Dore", "code_postal": "98809",
			"code_insee": "63236", "adresse": "Route de la Baie des Dames", "latitude": "-22.2632", "longitude": "166.5652", "date_maj": "2024-02-01", "telephone": "27 12 34"},
		map[string]string{"id": "cedex-1", "pivot": "21060088800015", "nom": "Point numérique CAF", "commune": "NICE CEDEX 3", "code_postal": "06286",
			"adresse": "36 rue Bonaparte", "latitude": "43.7015", "longitude": "7.2829", "date_maj": "2024-02-01"},
		map[string]string{"id": "mrs-1", "pivot": "21130055300016", "nom": "Maison pour tous", "commune": "Marseille", "code_postal": "13000",
			"adresse": "12 boulevard de la Libération", "date_maj": "2024-02-01"},
		map[string]string{"id": "mrs-2", "pivot": "21130055300016", "nom": "Accueil numérique", "commune": "MARSEILLE CEDEX 02", "code_postal": "13098",
			"adresse": "2 rue Henri Barbusse", "date_maj": "2024-02-01"},
	))
	if rep.Created != 4 || rep.Rejected != 0 {
		t.Fatalf("import: %+v", rep)
	}
	for dep, ids := range map[string][]string{"988": {"nc-1"}, "06": {"cedex-1"}, "13": {"mrs-1", "mrs-2"}} {
		got := byLieuID(t, s, maillage.StructureFilter{CodeDepartement: dep})
		for _, id := range ids {
			if got[id] == nil {
				t.Errorf("département %s lacks %s", dep, id)
			}
		}
	}
	if nc := byLieuID(t, s, maillage.StructureFilter{CodeDepartement: "988"})["nc-1"]; nc == nil || nc.Lieu.CodeInsee != "98817" || nc.Lieu.Telephone != "+687271234" {
		t.Errorf("Nouvelle-Calédonie: %+v", nc)
	}
	if puy := byLieuID(t, s, maillage.StructureFilter{CodeDepartement: "63"}); len(puy) != 0 {
		t.Errorf("Puy-de-Dôme holds %v", puy)
	}
	fixed := linesWith(rep, lieux.KeyInseeCorrectedPostcode)
	if len(fixed) != 1 || fixed[0].ID != "nc-1" {
		t.Errorf("correction not reported: %v", rep.Lines)
	}
	if n := len(linesWith(rep, lieux.KeyCommuneByName)); n != 3 {
		t.Errorf("%d CEDEX lines, want 3: %v", n, rep.Lines)
	}
}

// TestPartialImportKeepsStoredFields: columns absent from a file leave the
// stored values as they are; a present, empty cell clears one (issue 10,
// item 14: every optional field was emptied).
func TestPartialImportKeepsStoredFields(t *testing.T) {
	db := testenv.Get(t).FreshDB(t) // an import matches and counts against what is stored
	s := postgres.NewStructureService(db)
	full := charente(map[string]string{"id": "partial-1", "pivot": "21160292500011", "nom": "Cyber-base de Ruffec", "commune": "Ruffec", "code_postal": "16700",
		"code_insee": "16292", "adresse": "Place du Jeu de Paume", "telephone": "05 45 31 01 83", "horaires": "Tu,Th 14:00-18:00",
		"courriels": "cyberbase@exemple.fr", "latitude": "46.0291", "longitude": "0.1978", "frais_a_charge": "Gratuit", "typologie": "EPN",
		"presentation_resume": "Ateliers et postes en accès libre."})
	importFile(t, s, placesCSV(nil, full))

	required := []string{"id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj"}
	rep := importFile(t, s, placesCSV(required, map[string]string{"id": "partial-1", "pivot": "21160292500011", "nom": "Cyber-base de Ruffec",
		"commune": "Ruffec", "code_postal": "16700", "adresse": "1 place du Jeu de Paume", "date_maj": "2024-06-01"}))
	if rep.Updated != 1 {
		t.Fatalf("partial import: %+v", rep)
	}
	st := byLieuID(t, s, maillage.StructureFilter{Pivot: "21160292500011"})["partial-1"]
	l := st.Lieu
	if l.Adresse != "1 place du Jeu de Paume" || !l.DateMaj.Equal(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("present fields not updated: %+v", l)
	}
	if diff := cmp.Diff([]any{"+33545310183", "Tu,Th 14:00-18:00", []string{"cyberbase@exemple.fr"}, []string{"Gratuit"}, []string{"EPN"}, "Ateliers et postes en accès libre.", "16292", "test.csv"},
		[]any{l.Telephone, l.Horaires, l.Courriels, l.FraisACharge, l.Typologie, l.PresentationResume, l.CodeInsee, l.Source}); diff != "" || l.Latitude == nil {
		t.Errorf("absent fields changed (-want +got):\n%s", diff)
	}

	// A present, empty cell clears the field.
	importFile(t, s, placesCSV(append(required, "telephone", "frais_a_charge"), map[string]string{"id": "partial-1", "pivot": "21160292500011",
		"nom": "Cyber-base de Ruffec", "commune": "Ruffec", "code_postal": "16700", "adresse": "1 place du Jeu de Paume", "date_maj": "2024-06-02"}))
	l = byLieuID(t, s, maillage.StructureFilter{Pivot: "21160292500011"})["partial-1"].Lieu
	if l.Telephone != "" || len(l.FraisACharge) != 0 || l.Horaires != "Tu,Th 14:00-18:00" {
		t.Errorf("empty cells: telephone %q, frais %v, horaires %q", l.Telephone, l.FraisACharge, l.Horaires)
	}
}

// TestImportWithNUL: a NUL in a row past the first 512 bytes rejects that
// row only (issue 10, item 5: PostgreSQL refused it and the whole import
// failed with « Erreur interne »).
func TestImportWithNUL(t *testing.T) {
	db := testenv.Get(t).FreshDB(t) // an import matches and counts against what is stored
	s := postgres.NewStructureService(db)
	var rows []map[string]string
	for i := range 6 {
		rows = append(rows, charente(map[string]string{"id": fmt.Sprintf("nul-%d", i), "pivot": "26160001900010", "nom": fmt.Sprintf("Point numérique %d", i),
			"presentation_detail": strings.Repeat("Ateliers numériques ouverts à tous. ", 5)}))
	}
	rows[4]["nom"] = "Point\x00 numérique"
	rows[5]["horaires"] = "Mo 09:00-12:00\x00"
	data := placesCSV(nil, rows...)
	if bytes.IndexByte(data, 0) < 512 {
		t.Fatal("the NUL must come after 512 bytes")
	}
	rep := importFile(t, s, data)
	if rep.Created != 4 || rep.Rejected != 2 || len(linesWith(rep, lieux.KeyControl)) != 2 {
		t.Errorf("report: %+v", rep)
	}
	if got := byLieuID(t, s, maillage.StructureFilter{Pivot: "26160001900010"}); len(got) != 4 {
		t.Errorf("%d places stored, want 4", len(got))
	}
}

// TestBackgroundImport: a file is queued, run by the worker, followed
// through its progress, and its report read as a summary and as CSV; a job
// left running by a dead process is taken up again where it stopped (issue
// 10, item 17).
func TestBackgroundImport(t *testing.T) {
	ctx := context.Background()
	db := testenv.Get(t).FreshDB(t) // the queue to itself
	svc := postgres.NewImportService(db, testenv.Logger(t))
	users := postgres.NewUserService(db)
	admin, err := users.SignInEmail(ctx, "admin-import@exemple.fr")
	if err != nil {
		t.Fatal(err)
	}
	// Only administrators and coordinators import (the worker checks the
	// role when it runs the job).
	if _, err := users.GrantRole(ctx, admin.User.ID, maillage.RoleGrant{UserID: admin.User.ID, Role: maillage.RoleAdministrateur}, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for i := range 1200 {
		r := charente(map[string]string{"id": fmt.Sprintf("bg-%04d", i), "pivot": "78293293300016", "nom": fmt.Sprintf("Espace numérique %d", i)})
		if i%100 == 0 {
			r["code_postal"] = "1600" // rejected
		}
		rows = append(rows, r)
	}
	data := placesCSV(nil, rows...)
	id, err := svc.StartImport(ctx, admin.User.ID, "C:\\Users\\hub\\2024-03-12_hub_lieux\x00.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	j, err := svc.FindImport(ctx, id)
	if err != nil || j.Status != lieux.JobQueued || j.FileName != "2024-03-12_hub_lieux.csv" || j.Size != int64(len(data)) || len(j.SHA256) != 64 {
		t.Fatalf("queued job: %+v %v", j, err)
	}
	ran, err := svc.RunOne(ctx)
	if err != nil || !ran {
		t.Fatalf("RunOne: %v %v", ran, err)
	}
	j, err = svc.FindImport(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != lieux.JobDone || j.RowsDone != 1188 || j.RowsTotal != 1188 || j.Created != 1188 || j.Summary == nil || j.FinishedAt == nil {
		t.Fatalf("done job: %+v", j)
	}
	if g := j.Summary.Groups; len(g) != 1 || g[0].Key != lieux.KeyPostcode || g[0].Count != 12 || len(g[0].Lines) != 12 || j.Summary.Rejected != 12 {
		t.Errorf("summary: %+v", j.Summary)
	}
	rep, err := svc.ImportReport(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := lieux.WriteReportCSV(&out, rep, catalogue(t).In(i18n.EN).T); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "code_postal “1600”: 5 digits are expected") || strings.Count(out.String(), "\n") != 13 {
		t.Errorf("report CSV:\n%s", out.String())
	}
	if ran, err := svc.RunOne(ctx); ran || err != nil {
		t.Errorf("nothing left to run, got %v %v", ran, err)
	}

	// A process died while running a job (status running, no heartbeat for
	// an hour, 500 rows stored): another worker goes on from row 500.
	id2, err := svc.StartImport(ctx, admin.User.ID, "relance.csv", placesCSV(nil, rows[1:1001]...)) // 990 good rows
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewRaw(`UPDATE lieux_imports SET status = 'running', rows_done = 500, heartbeat_at = now() - interval '1 hour', attempts = 1 WHERE id = ?`, id2).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if ran, err := svc.RunOne(ctx); !ran || err != nil {
		t.Fatalf("taking the job up again: %v %v", ran, err)
	}
	j, _ = svc.FindImport(ctx, id2)
	if j.Status != lieux.JobDone || j.RowsDone != 990 || j.Updated != 490 || j.Created != 0 {
		t.Errorf("job taken up again: %+v", j)
	}

	// A job running in a live process is left alone; a file that cannot be
	// read fails with its reason.
	id3, _ := svc.StartImport(ctx, admin.User.ID, "vivant.csv", data)
	if _, err := db.NewRaw(`UPDATE lieux_imports SET status = 'running', heartbeat_at = now() WHERE id = ?`, id3).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	id4, _ := svc.StartImport(ctx, admin.User.ID, "latin1.csv", csvtest.CSV([]string{"id", "nom"}, []string{"1", "M\xe9diath\xe8que"}))
	if ran, err := svc.RunOne(ctx); !ran || err != nil {
		t.Fatalf("RunOne: %v %v", ran, err)
	}
	if j, _ := svc.FindImport(ctx, id3); j.Status != lieux.JobRunning {
		t.Errorf("a live job was taken: %+v", j)
	}
	j, _ = svc.FindImport(ctx, id4)
	if j.Status != lieux.JobFailed || j.ErrorKey != lieux.KeyFileNotUTF8 {
		t.Errorf("unreadable file: %+v", j)
	}
	if _, err := svc.StartImport(ctx, admin.User.ID, "gros.csv", make([]byte, lieux.MaxFileSize+1)); maillage.ErrorCode(err) != maillage.EINVALID {
		t.Errorf("a file over 10 MiB: %v", err)
	}
	if _, err := svc.FindImport(ctx, 999999); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("unknown job: %v", err)
	}
}

// BenchmarkUpsertLieux imports a generated file of 10,000 places (created on
// the first round, updated after) and prints rows/s.
func BenchmarkUpsertLieux(b *testing.B) {
	ctx := context.Background()
	db := testenv.Get(b).DB(b)
	s := postgres.NewStructureService(db)
	communes := []struct{ commune, cp, insee string }{{"Angoulême", "16000", "16015"}, {"Lyon", "69003", "69123"}, {"Marseille", "13001", "13201"}, {"Reims", "51100", "51454"}}
	ls := make([]maillage.Lieu, 10000)
	for i := range ls {
		c := communes[i%len(communes)]
		ls[i] = maillage.Lieu{ID: fmt.Sprintf("bench-%05d", i), Pivot: "43493312300029", Nom: fmt.Sprintf("Espace numérique %d", i), Commune: c.commune,
			CodePostal: c.cp, CodeInsee: c.insee, Adresse: fmt.Sprintf("%d rue de la République", i%200+1), DateMaj: time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC),
			Telephone: "+33478123456", Horaires: "Mo-Fr 09:00-12:00,14:00-18:00", Services: []string{"Aide aux démarches administratives", "Accès internet et matériel informatique"},
			FraisACharge: []string{"Gratuit"}, Typologie: []string{"EPN"}, PresentationResume: "Ateliers et postes en accès libre."}
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, _, err := s.UpsertLieux(ctx, ls, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ls)*b.N)/time.Since(start).Seconds(), "rows/s")
}
