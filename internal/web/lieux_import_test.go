package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"maillage/internal/app"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
	"maillage/internal/testenv/csvtest"
	"maillage/internal/web/kit"
)

// uploadLieux posts a file to the import page as a browser does: multipart
// body, CSRF cookie and field, session cookie.
func uploadLieux(t *testing.T, a *app.App, u *maillage.User, filename string, content []byte) response {
	t.Helper()
	csrf, cookie := maillage.RandomToken(32), ""
	if u != nil {
		session := newSession(t, a, u)
		csrf, cookie = kit.SessionCSRF(session), "maillage_session="+session
	} else {
		cookie = "maillage_csrf=" + csrf
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("_csrf", csrf); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("fichier", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest("POST", "/admin/lieux/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())

	req.Header.Set("Cookie", cookie)
	resp, err := a.Web.App().Test(req, 30000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

// lieuxCSV writes rows under the schema's header with the given separator.
func lieuxCSV(comma rune, rows ...map[string]string) []byte {
	return csvtest.New(lieux.Columns()...).Comma(comma).Records(rows...).Bytes()
}

func lieuRow(id, nom string, over map[string]string) map[string]string {
	m := map[string]string{"id": id, "nom": nom, "pivot": "43493312300029", "commune": "Lyon", "code_postal": "69003",
		"code_insee": "69383", "adresse": "30 boulevard Vivier-Merle", "date_maj": "2024-04-02"}
	for k, v := range over {
		m[k] = v
	}
	return m
}

func TestLieuxImportPage(t *testing.T) {
	a := testenv.Get(t).App(t)
	coord := newUser(t, a, "coordination-69@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "69"})
	conseiller := newUser(t, a, "conseillere@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleConseiller})

	t.Run("un coordinateur importe et lit le rapport", func(t *testing.T) {
		file := lieuxCSV(';',
			lieuRow("web-1", "Espace numérique Part-Dieu", nil),
			lieuRow("web-2", "Espace bouche-trou", map[string]string{"pivot": "00000000000000"}),
			lieuRow("web-3", "Espace mal écrit", map[string]string{"code_postal": "6900"}),
		)
		before := countIn69(t, a)
		r := importAndWait(t, a, coord, "lieux-69.csv", file)
		mustContain(t, r.Body, "Rapport d&#39;import : lieux-69.csv", "<dd>3</dd>", "<dd>2</dd>", "<dd>1</dd>",
			"SIRET bouche-trou", "code_postal « 6900 » : 5 chiffres attendus", "rapport.csv",
			// The field is named, not only given as the column of the file.
			"<td>Code postal <code>code_postal</code></td>")
		if n := countIn69(t, a) - before; n != 2 {
			t.Fatalf("%d structures created in 69, want 2", n)
		}
		// Again: updated, not duplicated.
		r = importAndWait(t, a, coord, "lieux-69.csv", file)
		mustContain(t, r.Body, "Lieux mis à jour</dt><dd>2</dd>", "Lieux créés</dt><dd>0</dd>")
		if n := countIn69(t, a) - before; n != 2 {
			t.Fatalf("after re-import, %d structures more in 69, want 2", n)
		}
	})

	t.Run("erreurs à côté du champ", func(t *testing.T) {
		big := append(lieuxCSV(',', lieuRow("x", "X", nil)), bytes.Repeat([]byte("\n"), 10<<20)...)
		tests := []struct {
			name, file string
			content    []byte
			want       string
		}{
			{"extension", "lieux.xlsx", csvtest.CSV([]string{"id", "nom"}), "au format CSV (.csv) ou JSON (.json)"},
			{"trop gros", "lieux.csv", big, "10 Mo au plus"},
			{"pas du texte", "lieux.csv", append([]byte("PK\x03\x04\x00\x00\x08\x00"), make([]byte, 64)...), "n&#39;est pas du texte"},
			{"vide", "lieux.csv", nil, "Le fichier est vide"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := uploadLieux(t, a, coord, tt.file, tt.content)
				if r.Status != 422 {
					t.Fatalf("status %d, want 422", r.Status)
				}
				mustContain(t, r.Body, `class="field-error" id="fichier-error"`, tt.want, `aria-invalid="true"`)
			})
		}
	})

	t.Run("un fichier illisible : le rapport le dit", func(t *testing.T) {
		for name, content := range map[string][]byte{
			"lieux.csv":  csvtest.CSV([]string{"id", "pivot", "nom"}, []string{"1", "43493312300029", "M\xe9diath\xe8que"}),
			"lieux.json": []byte(`[{"id": `),
		} {
			r := importAndWait(t, a, coord, name, content)
			mustContain(t, r.Body, `class="error-summary"`)
		}
	})

	t.Run("un autre coordinateur ne voit pas le rapport", func(t *testing.T) {
		r := uploadLieux(t, a, coord, "a-moi.csv", lieuxCSV(',', lieuRow("m", "M", nil)))
		other := newUser(t, a, "coordination-01@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "01"})
		if got := do(t, a.Web.App(), "GET", r.Header.Get("Location"), map[string]string{"Cookie": "maillage_session=" + newSession(t, a, other)}); got.Status != 404 {
			t.Errorf("another coordinator opens the import: %d", got.Status)
		}
	})

	t.Run("un conseiller est refusé, un anonyme renvoyé à la connexion", func(t *testing.T) {
		if r := uploadLieux(t, a, conseiller, "lieux.csv", lieuxCSV(',', lieuRow("c", "C", nil))); r.Status != 403 {
			t.Errorf("conseiller: %d, want 403", r.Status)
		}
		if r := uploadLieux(t, a, nil, "lieux.csv", lieuxCSV(',', lieuRow("c", "C", nil))); r.Status != 401 {
			t.Errorf("anonymous POST: %d, want 401", r.Status)
		}
		if r := do(t, a.Web.App(), "GET", "/admin/lieux/import", nil); r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/connexion") {
			t.Errorf("anonymous GET: %d %s", r.Status, r.Header.Get("Location"))
		}
	})

	t.Run("export ouvert et valide", func(t *testing.T) {
		r := do(t, a.Web.App(), "GET", "/lieux.csv", nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("GET /lieux.csv: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		if errs := lieux.ValidateCSVAgainstSchema(strings.NewReader(r.Body)); len(errs) > 0 {
			t.Errorf("export breaks the schema: %v", errs)
		}
		mustContain(t, r.Body, "web-1", "Espace bouche-trou")
		if r := do(t, a.Web.App(), "GET", "/lieux.csv?departement=75", nil); strings.Contains(r.Body, "web-1") {
			t.Errorf("export of 75 holds a place of 69")
		}
		j := do(t, a.Web.App(), "GET", "/lieux.json?departement=69", nil)
		rep, err := lieux.ParseJSON(strings.NewReader(j.Body), lieux.Options{})
		if j.Status != 200 || err != nil || len(rep.Errors) != 0 || len(rep.Rows) != countIn69(t, a) {
			t.Errorf("GET /lieux.json: %d, %v, %+v", j.Status, err, rep)
		}
		mustContain(t, j.Body, `"id":"web-1"`)
		if r := do(t, a.Web.App(), "GET", "/lieux.csv?departement=zz9", nil); r.Status != 422 {
			t.Errorf("bad département: %d", r.Status)
		}
	})
}

func countIn69(t *testing.T, a *app.App) int {
	t.Helper()
	_, n, err := a.Structures.FindStructures(context.Background(), maillage.StructureFilter{CodeDepartement: "69"})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// importAndWait uploads a file, runs the background import to its end and
// returns the import's page.
func importAndWait(t *testing.T, a *app.App, u *maillage.User, filename string, content []byte) response {
	t.Helper()
	r := uploadLieux(t, a, u, filename, content)
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/admin/lieux/import/") {
		t.Fatalf("upload: status %d to %q:\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	for {
		ran, err := a.LieuxImports.RunOne(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			break
		}
	}
	page := do(t, a.Web.App(), "GET", r.Header.Get("Location"), map[string]string{"Cookie": "maillage_session=" + newSession(t, a, u)})
	if page.Status != 200 {
		t.Fatalf("import page: %d", page.Status)
	}
	return page
}

// TestLieuxImportStaysInTheCoordinatorsTerritory: a coordinator imports
// the places of their territory only. The import wrote anywhere: a
// coordinator of one département could rewrite every place of France by
// its published id (name, contact address — the one a claim's proof link
// goes to), referents' structures included. Rows outside the territory,
// and rows whose id names a stored place outside it, are rejected with
// their line; a place outside is never matched by SIRET and name; an
// administrator imports anywhere.
func TestLieuxImportStaysInTheCoordinatorsTerritory(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	coord := newUser(t, a, "import.coord.69@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "69"})
	regional := newUser(t, a, "import.coord.84@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeRegion, ScopeValue: "84"})
	admin := newUser(t, a, "import.admin.terr@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleAdministrateur})
	paris := maillage.Lieu{ID: "terr-paris-1", Pivot: validRNA(751000001), Nom: "Espace numérique parisien", Commune: "Paris", CodePostal: "75011",
		CodeInsee: "75111", Adresse: "1 rue Oberkampf", Courriels: []string{"contact@parisien-exemple.fr"}}
	if _, _, err := a.Structures.UpsertLieux(ctx, []maillage.Lieu{paris}, "test"); err != nil {
		t.Fatal(err)
	}
	paris2 := paris
	paris2.ID, paris2.Pivot, paris2.Nom = "terr-paris-2", validRNA(751000002), "Médiathèque du onzième"
	if _, _, err := a.Structures.UpsertLieux(ctx, []maillage.Lieu{paris2}, "test"); err != nil {
		t.Fatal(err)
	}
	lyon := func(id, nom, pivot string) map[string]string {
		return lieuRow(id, nom, map[string]string{"pivot": pivot, "courriels": "pirate@exemple.fr"})
	}
	inParis := func(id, nom, pivot string) map[string]string {
		return lieuRow(id, nom, map[string]string{"pivot": pivot, "commune": "Paris", "code_postal": "75011", "code_insee": "75111", "adresse": "2 rue Oberkampf"})
	}
	for _, tt := range []struct {
		name    string
		who     *maillage.User
		row     map[string]string
		created bool   // the row became a place of its own
		rewrote string // id of a stored place the row changed ("" when none)
		field   string // field of the row's error when rejected
	}{
		{"coordinator, place of the territory", coord, lyon("terr-lyon-1", "Espace numérique lyonnais", validRNA(691000101)), true, "", ""},
		{"coordinator, place outside", coord, inParis("terr-paris-3", "Espace numérique du onzième", validRNA(751000003)), false, "", "code_insee"},
		{"coordinator, stored id outside moved into the territory", coord, lyon("terr-paris-1", "Espace numérique parisien", validRNA(751000001)), false, "", "id"},
		{"coordinator, stored id outside", coord, inParis("terr-paris-1", "Nom changé", validRNA(751000001)), false, "", "code_insee"},
		{"coordinator, SIRET and name of a place outside", coord, lyon("terr-lyon-2", "Médiathèque du onzième", validRNA(751000002)), true, "", ""},
		{"regional coordinator, place of a département of the région", regional, lyon("terr-lyon-3", "Espace numérique de la région", validRNA(691000103)), true, "", ""},
		{"regional coordinator, place outside", regional, inParis("terr-paris-4", "Espace numérique hors région", validRNA(751000004)), false, "", "code_insee"},
		{"administrator, anywhere", admin, inParis("terr-paris-1", "Espace numérique parisien renommé", validRNA(751000001)), false, "terr-paris-1", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := map[string]*maillage.Structure{}
			for _, p := range []maillage.Lieu{paris, paris2} {
				sts, _, err := a.Structures.FindStructures(ctx, maillage.StructureFilter{Pivot: p.Pivot})
				if err != nil {
					t.Fatal(err)
				}
				for _, st := range sts {
					before[st.Lieu.ID] = st
				}
			}
			importAndWait(t, a, tt.who, "lieux.csv", lieuxCSV(',', tt.row))
			rep, err := a.LieuxImports.ImportReport(ctx, lastImport(t, a))
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Created == 1; got != tt.created {
				t.Errorf("created %d, want created=%v", rep.Created, tt.created)
			}
			if tt.field != "" {
				found := false
				for _, l := range rep.Lines {
					found = found || !l.Warning && !l.Note && l.Field == tt.field
				}
				if rep.Rejected != 1 || !found {
					t.Errorf("rejected %d, lines %+v; want the row rejected on %s", rep.Rejected, rep.Lines, tt.field)
				}
			}
			for id, st := range before {
				after, err := a.Structures.FindStructureByID(ctx, st.ID)
				if err != nil {
					t.Fatal(err)
				}
				changed := after.Lieu.Nom != st.Lieu.Nom || after.Lieu.CodeInsee != st.Lieu.CodeInsee || strings.Join(after.Lieu.Courriels, ",") != strings.Join(st.Lieu.Courriels, ",")
				if changed != (id == tt.rewrote) {
					t.Errorf("stored place %s changed=%v (%q in %s), want %v", id, changed, after.Lieu.Nom, after.Lieu.CodeInsee, id == tt.rewrote)
				}
			}
		})
	}
}

// lastImport returns the id of the newest import job.
func lastImport(t *testing.T, a *app.App) int64 {
	t.Helper()
	var id int64
	if err := a.DB.NewRaw("SELECT max(id) FROM lieux_imports").Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestLieuxExportNeutralisesFormulas: the open export of places is opened
// in spreadsheets. Any member could create a structure named
// =HYPERLINK(…) and /lieux.csv wrote it as it was, so the spreadsheet of
// whoever opened the file ran it. Text cells starting with =, +, -, @, a
// tab or a carriage return get a leading apostrophe (as the directory
// export and the import report do); numbers and E.164 telephones, whose
// pattern makes them harmless, stay as they are. The file still follows the
// schema.
func TestLieuxExportNeutralisesFormulas(t *testing.T) {
	a := testenv.Get(t).App(t)
	u := newUser(t, a, "export.formules@exemple.fr", nil)
	token := bearer(newToken(t, a, u))
	body := `{"lieu": {"nom": "=HYPERLINK(\"http://evil.example\",\"Cliquez\")", "pivot": "W441000001", "commune": "Nantes", "code_postal": "44000",
		"code_insee": "44109", "adresse": "@SUM(1+1)", "complement_adresse": "-2+3", "presentation_resume": "+cmd|' /C calc'!A0",
		"telephone": "+33240000000", "latitude": 47.2184, "longitude": -1.5536}, "roles": ["lieu"]}`
	wantStatus(t, send(t, a, "POST", "/api/structures", body, token), 201)
	r := do(t, a.Web.App(), "GET", "/lieux.csv?departement=44", nil)
	wantStatus(t, r, 200)
	recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	var rec []string
	for _, x := range recs[1:] {
		if x[col["pivot"]] == "W441000001" {
			rec = x
		}
	}
	if rec == nil {
		t.Fatalf("the place is not exported:\n%s", r.Body)
	}
	for field, want := range map[string]string{
		"nom":                 `'=HYPERLINK("http://evil.example","Cliquez")`,
		"adresse":             "'@SUM(1+1)",
		"complement_adresse":  "'-2+3",
		"presentation_resume": "'+cmd|' /C calc'!A0",
		"telephone":           "+33240000000",
		"longitude":           "-1.5536",
		"latitude":            "47.2184",
	} {
		if got := rec[col[field]]; got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	if errs := lieux.ValidateCSVAgainstSchema(strings.NewReader(r.Body)); len(errs) > 0 {
		t.Errorf("export breaks the schema: %v", errs)
	}
}
