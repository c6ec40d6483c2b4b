package lieux_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/i18n"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
	"maillage/internal/testenv/csvtest"
)

// TestV0File: a file in the pre-2024 schema is converted to v1 — columns
// and vocabulary — with one note per mapping and its count, each unknown
// value once with its count, and each list of allowed values once (issue
// 10, item 15: every row was rejected and the allowed values repeated on
// each line).
func TestV0File(t *testing.T) {
	f, err := os.Open("testdata/v0-charente.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := lieux.ParseCSV(f, lieux.Options{Communes: communes(t)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Version != "v0" || rep.Total != 6 {
		t.Fatalf("version %q, total %d", rep.Version, rep.Total)
	}
	byID := map[string]maillage.Lieu{}
	for _, r := range rep.Rows {
		byID[r.Lieu.ID] = r.Lieu
	}
	// Rows 5 and 6 hold an unknown service ("Apprendre à coder"): rejected.
	if len(rep.Rows) != 4 || len(rep.Errors) != 3 {
		t.Fatalf("rows %d, errors %v", len(rep.Rows), rep.Errors)
	}
	alpha := byID["cd16-001"]
	want := maillage.Lieu{
		ID: "cd16-001", Pivot: "21160015000018", Nom: "Médiathèque l'Alpha", Commune: "Angoulême", CodePostal: "16000", CodeInsee: "16015",
		Adresse: "1 rue Coulomb", Latitude: ptr(45.6506), Longitude: ptr(0.1623), Typologie: []string{"BIB"}, Telephone: "+33545945600",
		Courriels: []string{"alpha@exemple.fr"}, SiteWeb: []string{"https://www.lalpha.org"}, Horaires: "Tu-Sa 10:00-18:00; PH off",
		PresentationResume: "Espace numérique de la médiathèque : postes en accès libre et ateliers.", Source: "Département de la Charente",
		DateMaj:                       day("2022-06-02"),
		Services:                      []string{"Maîtrise des outils numériques du quotidien", "Accès internet et matériel informatique", "Aide aux démarches administratives"},
		PublicsSpecifiquementAdresses: []string{"Seniors", "Familles et/ou enfants"},
		FraisACharge:                  []string{"Gratuit"},
		DispositifProgrammesNationaux: []string{"Conseillers numériques", "France Services"},
		AutresFormationsLabels:        "Label Charente numérique",
		ModalitesAccompagnement:       []string{"En autonomie", "Dans un atelier collectif"},
		FicheAccesLibre:               "https://acceslibre.beta.gouv.fr/app/16-angouleme/a/bibliotheque-mediatheque/erp/alpha/",
	}
	if diff := cmp.Diff(want, alpha); diff != "" {
		t.Errorf("converted row (-want +got):\n%s", diff)
	}
	cognac := byID["cd16-003"]
	if diff := cmp.Diff([][]string{{"Jeunes", "Femmes"}, {"Gratuit sous condition"}, {"Point d'accès numérique CAF"}, {"Accompagnement individuel"}},
		[][]string{cognac.PublicsSpecifiquementAdresses, cognac.FraisACharge, cognac.DispositifProgrammesNationaux, cognac.ModalitesAccompagnement}); diff != "" || cognac.AutresFormationsLabels != "APTIC" {
		t.Errorf("Cognac (-want +got):\n%s autres %q", diff, cognac.AutresFormationsLabels)
	}
	ruffec := byID["cd16-004"]
	if diff := cmp.Diff([][]string{{"Déficience visuelle", "Surdité"}, {"Payant"}, {"Fabriques de Territoire"}},
		[][]string{ruffec.PriseEnChargeSpecifique, ruffec.FraisACharge, ruffec.FormationsLabels}); diff != "" {
		t.Errorf("Ruffec (-want +got):\n%s", diff)
	}

	// Notes: one per mapping with its count, then unknown values once with
	// their count, then the allowed values once per field.
	count := func(key string, args ...any) int {
		n := 0
		for _, e := range rep.Notes {
			if e.Key != key {
				continue
			}
			match := true
			for i := 0; i+1 < len(args); i += 2 {
				if e.Arg(args[i].(string)) != args[i+1] {
					match = false
				}
			}
			if match {
				n++
			}
		}
		return n
	}
	for _, tt := range []struct {
		args []any
	}{
		{[]any{"FromField", "services", "From", "Prendre en main un smartphone ou une tablette", "To", "Maîtrise des outils numériques du quotidien", "Count", 1}},
		{[]any{"FromField", "conditions_acces", "From", "Gratuit : Je peux accéder gratuitement au lieu et à ses services", "To", "Gratuit", "Count", 3}},
		{[]any{"FromField", "modalites_accompagnement", "From", "Avec de l'aide : je suis accompagné seul dans l'usage du numérique", "To", "Accompagnement individuel", "Count", 3}},
		{[]any{"FromField", "labels_nationaux", "From", "France Services", "ToField", "dispositif_programmes_nationaux", "Count", 2}},
		{[]any{"FromField", "publics_accueillis", "From", "Public langues étrangères", "ToField", "prise_en_charge_specifique", "To", "Langues étrangères (autres)", "Count", 1}},
	} {
		if n := count(lieux.KeyV0Value, tt.args...); n != 1 {
			t.Errorf("%d notes %v, want 1 in %v", n, tt.args, rep.Notes)
		}
	}
	if n := count(lieux.KeyV0Dropped, "Value", "Adultes", "Count", 2); n != 1 {
		t.Errorf("dropped Adultes: %d notes", n)
	}
	if n := count(lieux.KeyEnumUnknown, "Field", "services", "Value", "Apprendre à coder", "Count", 2); n != 1 {
		t.Errorf("unknown service noted %d times: %v", n, rep.Notes)
	}
	if n := count(lieux.KeyEnumAllowed, "Field", "services"); n != 1 {
		t.Errorf("allowed services listed %d times", n)
	}
	for _, e := range append(rep.Errors, rep.Warnings...) {
		for _, a := range e.Args {
			if s, ok := a.(string); ok && strings.Contains(s, "Acquisition de matériel informatique à prix solidaire") {
				t.Errorf("a line repeats the allowed values: %v", e)
			}
		}
	}
	if n := count(lieux.KeyV0Detected); n != 1 {
		t.Errorf("v0 noted %d times", n)
	}
	if n := count(lieux.KeyV0Column, "From", "courriel", "To", "courriels"); n != 1 {
		t.Errorf("courriel → courriels noted %d times", n)
	}
	if n := count(lieux.KeyV0ColumnIgnore, "Column", "cle_ban"); n != 1 {
		t.Errorf("cle_ban noted %d times", n)
	}
	// The report renders in both languages, short: notes + rows.
	c := catalogue(t)
	full := rep.ImportReport(lieux.Stored{Created: 4})
	for _, lang := range i18n.Langs {
		var b bytes.Buffer
		if err := lieux.WriteReportCSV(&b, full, c.In(lang).T); err != nil {
			t.Fatal(err)
		}
		// Notes are bounded by the v0 vocabulary (46 values), not by the rows.
		if n := strings.Count(b.String(), "\n"); n > 70 {
			t.Errorf("%s report of a 6-row file has %d lines:\n%s", lang, n, b.String())
		}
		if strings.Contains(b.String(), "lieux.v0.value,lieux.v0.value") || strings.Contains(b.String(), "<no value>") {
			t.Errorf("untranslated lines:\n%s", b.String())
		}
	}
}

// TestV0JSON: a JSON export of the v0 era is converted the same way.
func TestV0JSON(t *testing.T) {
	js := `[{"id": "v0-1", "pivot": "21160102600019", "nom": "Maison des solidarités", "commune": "Cognac", "code_postal": "16100",
		"adresse": "15 rue Marc Fourier", "date_maj": "2023-01-10", "courriel": "msc@exemple.fr",
		"services": "Utiliser le numérique au quotidien;Accéder à du matériel", "publics_accueillis": ["Surdité", "Seniors (+ 65 ans)"],
		"conditions_acces": "Gratuit", "modalites_accompagnement": "Avec de l'aide"}]`
	rep, err := lieux.ParseJSON(strings.NewReader(js), lieux.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Version != "v0" || len(rep.Rows) != 1 {
		t.Fatalf("version %q, rows %d, errors %v", rep.Version, len(rep.Rows), rep.Errors)
	}
	l := rep.Rows[0].Lieu
	got := [][]string{l.Courriels, l.Services, l.PublicsSpecifiquementAdresses, l.PriseEnChargeSpecifique, l.FraisACharge, l.ModalitesAccompagnement}
	want := [][]string{{"msc@exemple.fr"}, {"Maîtrise des outils numériques du quotidien", "Accès internet et matériel informatique"}, {"Seniors"}, {"Surdité"}, {"Gratuit"}, {"Accompagnement individuel"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !slices.Contains(rep.Columns, "courriels") || !slices.Contains(rep.Columns, "prise_en_charge_specifique") {
		t.Errorf("columns %v", rep.Columns)
	}
}

// TestCommuneResolution: the commune of a place comes from its code_insee,
// postcode, name and coordinates; a code thousands of km away from the
// coordinates is corrected and CEDEX or generic postcodes find their
// commune (issue 10, item 13: such places were filed under Puy-de-Dôme or
// vanished from every département).
func TestCommuneResolution(t *testing.T) {
	tests := []struct {
		name       string
		over       map[string]string
		insee      string // resolved commune
		codeInsee  string // code_insee stored
		warn       string // key of the warning, "" for none
		warnFields []any
	}{
		{"Nouvelle-Calédonie codée 63236", map[string]string{"commune": "Mont-Dore", "code_postal": "98809", "code_insee": "63236", "latitude": "-22.2632", "longitude": "166.5652", "adresse": "Route de la Baie des Dames"},
			"98817", "98817", lieux.KeyInseeCorrectedPostcode, []any{"Old", "63236", "OldCommune", "Mont-Dore", "New", "98817", "NewCommune", "Le Mont-Dore"}},
		{"CEDEX 06286", map[string]string{"commune": "NICE CEDEX 3", "code_postal": "06286", "code_insee": "", "latitude": "43.7102", "longitude": "7.2620"},
			"06088", "", lieux.KeyCommuneByName, []any{"Postcode", "06286", "Code", "06088", "Commune", "Nice"}},
		{"code générique 13000", map[string]string{"commune": "Marseille", "code_postal": "13000", "code_insee": ""},
			"13055", "", lieux.KeyCommuneByName, []any{"Postcode", "13000", "Code", "13055"}},
		{"code CEDEX 13098", map[string]string{"commune": "MARSEILLE CEDEX 02", "code_postal": "13098", "code_insee": ""},
			"13055", "", lieux.KeyCommuneByName, []any{"Postcode", "13098", "Code", "13055"}},
		{"CEDEX sans nom connu, avec coordonnées", map[string]string{"commune": "Centre de tri", "code_postal": "06286", "code_insee": "", "latitude": "43.7102", "longitude": "7.2620"},
			"06088", "", lieux.KeyCommuneByCoordinates, []any{"Postcode", "06286", "Code", "06088"}},
		{"CEDEX introuvable", map[string]string{"commune": "Centre de tri", "code_postal": "06286", "code_insee": ""},
			"", "", lieux.KeyCommuneUnresolved, []any{"Postcode", "06286"}},
		{"arrondissement de Lyon", map[string]string{"code_insee": "69383", "latitude": "45.7597", "longitude": "4.8422"}, "69123", "69383", "", nil},
		{"coordonnées inversées", map[string]string{"latitude": "4.8422", "longitude": "45.7597"}, "69123", "69123", lieux.KeyCoordinatesFar, []any{"Code", "69123", "Commune", "Lyon"}},
		{"Saint-Denis de La Réunion sans code INSEE", map[string]string{"commune": "Saint-Denis", "code_postal": "97400", "code_insee": ""}, "97411", "", "", nil},
		{"code postal à plusieurs communes", map[string]string{"commune": "Saint-Mitre-les-Remparts", "code_postal": "13920", "code_insee": ""}, "13098", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := parse(t, csvFile(',', base(tt.over)), lieux.Options{Communes: communes(t)})
			if len(rep.Rows) != 1 {
				t.Fatalf("errors %v", rep.Errors)
			}
			r := rep.Rows[0]
			if r.CommuneInsee != tt.insee || r.Lieu.CodeInsee != tt.codeInsee {
				t.Errorf("commune %q code_insee %q, want %q %q", r.CommuneInsee, r.Lieu.CodeInsee, tt.insee, tt.codeInsee)
			}
			var keys []string
			for _, w := range rep.Warnings {
				keys = append(keys, w.Key)
				if w.Key == tt.warn {
					for i := 0; i+1 < len(tt.warnFields); i += 2 {
						if got := w.Arg(tt.warnFields[i].(string)); got != tt.warnFields[i+1] {
							t.Errorf("%s = %v, want %v", tt.warnFields[i], got, tt.warnFields[i+1])
						}
					}
				}
			}
			var want []string
			if tt.warn != "" {
				want = []string{tt.warn}
			}
			if diff := cmp.Diff(want, keys); diff != "" {
				t.Errorf("warnings (-want +got):\n%s\n%v", diff, rep.Warnings)
			}
		})
	}
}

// TestPresentColumns: the report says which fields each row carries, so
// that a partial file leaves the other stored fields as they are (issue
// 10, item 14).
func TestPresentColumns(t *testing.T) {
	file := csvtest.New("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj", "telephone").
		Row("lieu-1", "43493312300029", "Médiathèque", "Lyon", "69003", "30 boulevard Vivier-Merle", "2024-04-02", "").String()
	rep := parse(t, file, lieux.Options{})
	want := []string{"id", "pivot", "nom", "commune", "code_postal", "adresse", "telephone", "date_maj"}
	if diff := cmp.Diff(want, rep.Rows[0].Present); diff != "" {
		t.Errorf("present (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, rep.Columns); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if len(rep.Warnings) != 1 || rep.Warnings[0].Key != lieux.KeyColumnsAbsent {
		t.Errorf("warnings %v", rep.Warnings)
	}
}

// TestSummarize: a report of any size keeps, per kind of problem, its
// total and its first 20 lines; the CSV has them all (issue 10, item 17: a
// 7 MB garbage file gave a 22.9 MB page).
func TestSummarize(t *testing.T) {
	var rows []map[string]string
	for i := range 500 {
		over := map[string]string{"id": "l" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("0", i/26)}
		switch {
		case i%2 == 0:
			over["code_postal"] = "6900"
		case i%5 == 0:
			over["pivot"] = "00000000000000"
		}
		rows = append(rows, base(over))
	}
	rep := parse(t, csvFile(',', rows...), lieux.Options{})
	full := rep.ImportReport(lieux.Stored{Created: len(rep.Rows)})
	sum := lieux.Summarize(full)
	got := map[string][2]int{}
	for _, g := range sum.Groups {
		got[g.Key] = [2]int{g.Count, len(g.Lines)}
	}
	want := map[string][2]int{lieux.KeyPostcode: {250, 20}, lieux.KeyPivotPlaceholder: {50, 20}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	if sum.Total != 500 || sum.Rejected != 250 || sum.Created != 250 || sum.Warnings != 50 || sum.Groups[0].Kind != lieux.KindError {
		t.Errorf("summary %+v", sum)
	}
	var b bytes.Buffer
	c := catalogue(t)
	if err := lieux.WriteReportCSV(&b, full, c.In(i18n.FR).T); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 301 || recs[0][0] != "ligne" || recs[1][5] != "code_postal «\u00a06900\u00a0»\u00a0: 5 chiffres attendus" || recs[1][2] != "rejetée" {
		t.Errorf("%d records, first %v", len(recs), recs[:2])
	}
	// Formula injection: a cell starting with = is neutralised.
	b.Reset()
	inj := &maillage.ImportReport{Lines: []maillage.ImportLine{{Line: 2, ID: "=HYPERLINK(\"http://x\")", Key: lieux.KeyNotObject}}}
	if err := lieux.WriteReportCSV(&b, inj, c.In(i18n.EN).T); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"'=HYPERLINK(""http://x"")"`) {
		t.Errorf("formula kept:\n%s", b.String())
	}
}

// BenchmarkParseCSV reads a generated file of 10,000 places with the
// communes referential and prints rows/s.
func BenchmarkParseCSV(b *testing.B) {
	var rows []map[string]string
	for i := range 10000 {
		rows = append(rows, base(map[string]string{"id": "bench-" + strconv.Itoa(100000 + i)[1:], "telephone": "04 78 12 34 56",
			"horaires": "Mo-Fr 09:00-12:00,14:00-18:00; PH off", "services": "Aide aux démarches administratives|Accès internet et matériel informatique",
			"latitude": "45.7597", "longitude": "4.8422"}))
	}
	file := []byte(csvFile(',', rows...))
	opt := lieux.Options{Communes: communes(b)}
	b.ResetTimer()
	for b.Loop() {
		if _, err := lieux.ParseCSV(bytes.NewReader(file), opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
}
