package lieux_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/lieux"
	"maillage/internal/maillage"
)

// TestPhoneNumbers: French numbers as people write them, metropolitan and
// overseas, are stored in the form of the schema (issue 10, item 16: they
// were refused, or a Pacific number became a metropolitan one).
func TestPhoneNumbers(t *testing.T) {
	tests := []struct {
		in, postcode string
		want         string // stored, "" when refused
		key          string // problem reported
	}{
		{"04 78 12 34 56", "69003", "+33478123456", ""},
		{"+33 4 78 12 34 56", "69003", "+33478123456", ""},
		{"+33 (0)4 78 12 34 56", "69003", "+33478123456", ""},
		{"0033 4 78 12 34 56", "69003", "+33478123456", ""},
		{"04.78.12.34.56", "69003", "+33478123456", ""},
		{"04-78-12-34-56", "69003", "+33478123456", ""},
		{"06 12 34 56 78", "69003", "+33612345678", ""},
		{"06 87 27 12 34", "69003", "+33687271234", ""}, // a mobile in Lyon, not Nouméa
		{"0262 12 34 56", "97400", "+262262123456", ""},
		{"0692 12 34 56", "97400", "+262692123456", ""},
		{"+33 262 12 34 56", "97400", "+262262123456", ""},
		{"0590 12 34 56", "97110", "+590590123456", ""},
		{"0594 12 34 56", "97300", "+594594123456", ""},
		{"0596 71 23 45", "97200", "+596596712345", ""},
		{"0269 61 12 34", "97600", "+262269611234", ""},
		{"0687 27 12 34", "98800", "+687271234", ""},
		{"27.12.34", "98800", "+687271234", ""},
		{"+687 27 12 34", "98800", "+687271234", ""},
		{"+689 40 41 42 43", "98714", "+68940414243", ""},
		{"04 00 00 00 00", "69003", "+33400000000", lieux.KeyPhoneUnassigned},
		{"01 23 45 67 89 | 06 12 34 56 78", "75001", "+33123456789", lieux.KeyPhoneSeveral},
		{"04 78", "69003", "", lieux.KeyPhone},
		{"inconnu", "69003", "", lieux.KeyPhone},
		{"+32 2 123 45 67", "69003", "", lieux.KeyPhoneForeign},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			rep := parse(t, csvFile(',', base(map[string]string{"telephone": tt.in, "code_postal": tt.postcode, "code_insee": ""})), lieux.Options{})
			var keys []string
			for _, e := range append(rep.Errors, rep.Warnings...) {
				if e.Field == "telephone" {
					keys = append(keys, e.Key)
				}
			}
			var want []string
			if tt.key != "" {
				want = []string{tt.key}
			}
			if diff := cmp.Diff(want, keys); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			got := ""
			if len(rep.Rows) == 1 {
				got = rep.Rows[0].Lieu.Telephone
			}
			if got != tt.want {
				t.Errorf("stored %q, want %q", got, tt.want)
			}
		})
	}
	for stored, want := range map[string]string{
		"+33478123456":  "04 78 12 34 56",
		"+33612345678":  "06 12 34 56 78",
		"+262262123456": "0262 12 34 56",
		"+590590123456": "0590 12 34 56",
		"+687271234":    "+687 27.12.34",
		"+508411234":    "+508 41 12 34",
		"pas un numéro": "pas un numéro",
		"":              "",
	} {
		if got := lieux.FormatPhone(stored); got != want {
			t.Errorf("FormatPhone(%q) = %q, want %q", stored, got, want)
		}
	}
	if n, ok := lieux.NormalisePhone("04 78 12 34 56", "69003"); !ok || n != "+33478123456" {
		t.Errorf("NormalisePhone = %q, %v", n, ok)
	}
}

// TestBounds: the importer and Validate refuse the same over-long values
// (issue 10, item 16: the API took a 100,000-character name).
func TestBounds(t *testing.T) {
	many := func(n int, f func(i int) string) string {
		var parts []string
		for i := range n {
			parts = append(parts, f(i))
		}
		return strings.Join(parts, "|")
	}
	tests := []struct {
		name string
		over map[string]string
		err  lieux.RowError // the first error; zero when the row is imported
		warn string         // key of a warning
	}{
		{"nom de 251 caractères", map[string]string{"nom": strings.Repeat("é", 251)},
			problem(2, "lieu-1", "nom", lieux.KeyTooLong, "Field", "nom", "Length", 251, "Max", 250), ""},
		{"nom de 250 caractères", map[string]string{"nom": strings.Repeat("é", 250)}, lieux.RowError{}, ""},
		{"adresse de 501 caractères", map[string]string{"adresse": strings.Repeat("a", 501)},
			problem(2, "lieu-1", "adresse", lieux.KeyTooLong, "Field", "adresse", "Length", 501, "Max", 500), ""},
		{"présentation de 10 001 caractères coupée", map[string]string{"presentation_detail": strings.Repeat("atelier ", 1251)}, lieux.RowError{}, lieux.KeyTruncated},
		{"51 typologies", map[string]string{"typologie": many(51, func(i int) string { return "T" + strings.Repeat("X", i+1) })},
			problem(2, "lieu-1", "typologie", lieux.KeyListTooLong, "Field", "typologie", "Count", 51, "Max", 50), ""},
		{"51 courriels", map[string]string{"courriels": many(51, func(i int) string { return "a" + strings.Repeat("b", i) + "@exemple.fr" })},
			problem(2, "lieu-1", "courriels", lieux.KeyListTooLong, "Field", "courriels", "Count", 51, "Max", 50), ""},
		{"site de 2 049 caractères", map[string]string{"site_web": "https://exemple.fr/" + strings.Repeat("a", 2030)},
			problem(2, "lieu-1", "site_web", lieux.KeyTooLong, "Field", "site_web", "Length", 2049, "Max", 2048), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := parse(t, csvFile(',', base(tt.over)), lieux.Options{Communes: communes(t)})
			if tt.err.Key == "" {
				if len(rep.Errors) > 0 {
					t.Fatalf("rejected: %v", rep.Errors)
				}
				if errs := lieux.Validate(rep.Rows[0].Lieu, communes(t)); len(errs) > 0 {
					t.Errorf("imported but Validate says %v", errs)
				}
			} else if len(rep.Errors) == 0 || cmp.Diff(tt.err, rep.Errors[0]) != "" {
				t.Fatalf("errors %v, want first %v", rep.Errors, tt.err)
			}
			if tt.warn != "" && (len(rep.Warnings) == 0 || rep.Warnings[0].Key != tt.warn) {
				t.Errorf("warnings %v, want %s", rep.Warnings, tt.warn)
			}
		})
	}

	// Validate, as forms and the API call it.
	ok := maillage.Lieu{ID: "a", Pivot: "43493312300029", Nom: "Médiathèque", Commune: "Lyon", CodePostal: "69003", CodeInsee: "69123",
		Adresse: "1 rue X", DateMaj: day("2024-04-02")}
	themes := make([]string, 1000)
	for i := range themes {
		themes[i] = maillage.LieuServices[i%len(maillage.LieuServices)]
	}
	for name, tt := range map[string]struct {
		edit func(l *maillage.Lieu)
		want lieux.RowError
	}{
		"nom de 100 000 caractères": {func(l *maillage.Lieu) { l.Nom = strings.Repeat("n", 100000) }, problem(0, "a", "nom", lieux.KeyTooLong, "Field", "nom", "Length", 100000, "Max", 250)},
		"adresse d'un million":      {func(l *maillage.Lieu) { l.Adresse = strings.Repeat("a", 1<<20) }, problem(0, "a", "adresse", lieux.KeyTooLong, "Field", "adresse", "Length", 1<<20, "Max", 500)},
		"code INSEE inconnu":        {func(l *maillage.Lieu) { l.CodeInsee = "69999" }, problem(0, "a", "code_insee", lieux.KeyInseeUnknown, "Value", "69999")},
		"1 000 services":            {func(l *maillage.Lieu) { l.Services = themes }, problem(0, "a", "services", lieux.KeyListTooLong, "Field", "services", "Count", 1000, "Max", 50)},
		"NUL dans le nom":           {func(l *maillage.Lieu) { l.Nom = "Média\x00thèque" }, problem(0, "a", "nom", lieux.KeyControl, "Field", "nom", "Position", 6, "Code", "U+0000")},
		"retour à la ligne":         {func(l *maillage.Lieu) { l.Adresse = "1 rue X\nLyon" }, problem(0, "a", "adresse", lieux.KeyControl, "Field", "adresse", "Position", 8, "Code", "U+000A")},
	} {
		t.Run(name, func(t *testing.T) {
			l := ok
			tt.edit(&l)
			if diff := cmp.Diff([]lieux.RowError{tt.want}, lieux.Validate(l, communes(t))); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
			ps := lieux.RowErrors(lieux.Validate(l, communes(t))).Problems("lieu.")
			if len(ps) != 1 || ps[0].Field != "lieu."+tt.want.Field || ps[0].Key != tt.want.Key {
				t.Errorf("Problems = %+v", ps)
			}
		})
	}
	if errs := lieux.Validate(ok, communes(t)); len(errs) != 0 {
		t.Errorf("Validate(ok) = %v", errs)
	}
}

// TestControlCharacters: a NUL or another control character anywhere in a
// file — past its first 512 bytes too — rejects its row with the field and
// the position, and the good rows still go in (issue 10, item 5: the whole
// import failed in PostgreSQL).
func TestControlCharacters(t *testing.T) {
	rows := []map[string]string{
		base(map[string]string{"id": "a", "presentation_detail": strings.Repeat("Des ateliers pour tous. ", 40)}), // past 512 bytes
		base(map[string]string{"id": "b", "nom": "Médiathèque\x00 de Lyon"}),
		base(map[string]string{"id": "c", "adresse": "1 rue \x01X"}),
		base(map[string]string{"id": "d", "nom": "Espace\tnumérique\r\nde la gare", "presentation_detail": "Deux lignes\navec\ttabulation"}),
		base(map[string]string{"id": "e\x00", "nom": "Espace"}), // line 8: row d spans lines 5 to 7
		base(map[string]string{"id": "f", "horaires": "Mo 09:00-12:00\x7f"}),
	}
	file := csvFile(',', rows...)
	if i := strings.IndexByte(file, 0); i < 512 {
		t.Fatalf("first NUL at %d, want it past 512 bytes", i)
	}
	rep := parse(t, file, lieux.Options{Communes: communes(t)})
	want := []lieux.RowError{
		problem(3, "b", "nom", lieux.KeyControl, "Field", "nom", "Position", 12, "Code", "U+0000"),
		problem(4, "c", "adresse", lieux.KeyControl, "Field", "adresse", "Position", 7, "Code", "U+0001"),
		problem(8, "eU+0000", "id", lieux.KeyControl, "Field", "id", "Position", 2, "Code", "U+0000"),
		problem(9, "f", "horaires", lieux.KeyControl, "Field", "horaires", "Position", 15, "Code", "U+007F"),
	}
	var got []lieux.RowError
	for _, e := range rep.Errors {
		if e.Key == lieux.KeyControl {
			got = append(got, e)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("control errors (-want +got):\n%s", diff)
	}
	var ids []string
	for _, r := range rep.Rows {
		ids = append(ids, r.Lieu.ID)
		assertClean(t, r.Lieu)
	}
	if diff := cmp.Diff([]string{"a", "d"}, ids); diff != "" {
		t.Errorf("imported (-want +got):\n%s", diff)
	}
	if d := rep.Rows[1].Lieu; d.Nom != "Espace numérique de la gare" || d.PresentationDetail != "Deux lignes\navec\ttabulation" {
		t.Errorf("line breaks: nom %q, presentation %q", d.Nom, d.PresentationDetail)
	}

	// The same in JSON.
	js := `[{"id": "j1", "pivot": "43493312300029", "nom": "Espace\u0000", "commune": "Lyon", "code_postal": "69003", "adresse": "1 rue X", "date_maj": "2024-04-02"},
		{"id": "j2", "pivot": "43493312300029", "nom": "Espace", "commune": "Lyon", "code_postal": "69003", "adresse": "1 rue X", "date_maj": "2024-04-02", "cl\u0000é": 1}]`
	jrep, err := lieux.ParseJSON(strings.NewReader(js), lieux.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jrep.Rows) != 1 || jrep.Rows[0].Lieu.ID != "j2" || len(jrep.Errors) != 1 || jrep.Errors[0].Key != lieux.KeyControl {
		t.Errorf("JSON: rows %+v, errors %v", jrep.Rows, jrep.Errors)
	}
	for _, w := range jrep.Warnings {
		for _, a := range w.Args {
			if s, ok := a.(string); ok && strings.ContainsRune(s, 0) {
				t.Errorf("a report argument holds a NUL: %q", s)
			}
		}
	}
}

// assertClean fails when a field of l holds a control character (or a line
// break outside the free-text fields).
func assertClean(t testing.TB, l maillage.Lieu) {
	t.Helper()
	free := map[string]bool{"presentation_resume": true, "presentation_detail": true, "autres_formations_labels": true}
	var b strings.Builder
	if err := lieux.WriteJSON(&b, []maillage.Lieu{l}); err != nil {
		t.Fatalf("lieu %q breaks the schema: %v", l.ID, err)
	}
	check := func(field, v string) {
		for _, r := range v {
			if r < 0x20 && !(free[field] && (r == '\t' || r == '\n' || r == '\r')) || r == 0x7f || r >= 0x80 && r <= 0x9f {
				t.Errorf("lieu %q: %s holds %U", l.ID, field, r)
			}
		}
	}
	for field, v := range map[string]string{"id": l.ID, "pivot": l.Pivot, "nom": l.Nom, "commune": l.Commune, "code_postal": l.CodePostal,
		"code_insee": l.CodeInsee, "adresse": l.Adresse, "complement_adresse": l.ComplementAdresse, "telephone": l.Telephone,
		"horaires": l.Horaires, "presentation_resume": l.PresentationResume, "presentation_detail": l.PresentationDetail,
		"source": l.Source, "structure_parente": l.StructureParente, "autres_formations_labels": l.AutresFormationsLabels,
		"fiche_acces_libre": l.FicheAccesLibre, "prise_rdv": l.PriseRDV} {
		check(field, v)
	}
	for field, vs := range map[string][]string{"typologie": l.Typologie, "courriels": l.Courriels, "site_web": l.SiteWeb} {
		for _, v := range vs {
			check(field, v)
		}
	}
}
