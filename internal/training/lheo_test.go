package training_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"maillage/internal/maillage"
	"maillage/internal/training"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// xsdPath finds the official LHEO 2.3 schema the repository keeps in
// content/lheo, looking up from the package folder.
func xsdPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MAILLAGE_LHEO_XSD"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for { // content/lheo at the module's root
		p := filepath.Join(dir, "content", "lheo", "lheo-2.3.xsd")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("content/lheo/lheo-2.3.xsd not found above the package folder")
		}
		dir = filepath.Dir(dir)
	}
}

// xmllint validates file against the official schema with Debian's xmllint.
func xmllint(t *testing.T, file string) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is missing: install it with `apt-get install -y libxml2-utils`")
	}
	out, err := exec.Command(bin, "--noout", "--schema", xsdPath(t), file).CombinedOutput()
	if err != nil {
		if len(out) > 4000 {
			out = out[:4000]
		}
		t.Fatalf("xmllint refuses %s: %v\n%s", file, err, out)
	}
}

// tricky is an offer whose every field is at an edge of the mapping.
func tricky() training.Formation {
	b := &training.Body{
		StructureID: 42, SIRET: "73282932000074", Name: "Organisme « L'Atelier » & Cie", LegalName: "L'Atelier <SAS>",
		ActivityNumber: "11755555555", Qualiopi: true,
		Address: training.Place{CodeInsee: "2A004", Postcode: "20000", City: "Ajaccio", Address: "1 cours Napoléon\nBâtiment B"},
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	long := strings.Repeat("Paragraphe accentué éèà — 😀 \"quoted\" & <b>tags</b>.\r\n\tTab. ", 60) // > 3000 characters
	o := &training.Offer{
		ID: 7, StructureID: 42,
		Title:          "Médiation & numérique : « accompagner » <tous> les publics",
		Description:    long,
		Objectives:     "Savoir ; faire, et\nsavoir-être",
		Certifications: []string{"REMN"},
		Blocs:          []string{"REMN-B1", "REMN-B3"},
		Modality:       training.ModalityHybride,
		Hours:          0,
		PriceCents:     1,
		Funding:        []training.Funding{training.FundingCPF, training.FundingAutre, training.FundingRegion},
		CreatedAt:      time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC),
		UpdatedAt:      time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
		Sessions: []*training.Session{
			{ID: 70, OfferID: 7, Start: time.Date(2027, 3, 29, 0, 0, 0, 0, paris), End: time.Date(2027, 3, 29, 0, 0, 0, 0, paris),
				Place: training.Place{Remote: true}, Seats: 0, SeatsLeft: 0, Registration: training.RegistrationFull},
			{ID: 71, OfferID: 7, Start: time.Date(2027, 10, 30, 23, 30, 0, 0, time.UTC), End: time.Date(2027, 11, 2, 17, 0, 0, 0, paris),
				Place: training.Place{CodeInsee: "69123", Postcode: "69001", City: "Lyon", Address: "Salle « 1 »"},
				Seats: 12, SeatsLeft: 12, Registration: training.RegistrationClosed,
				RegistrationURL: "https://exemple.fr/inscription?a=1&b=<2>"},
		},
	}
	return training.Formation{Body: b, Offer: o}
}

func referential() []*maillage.Certification {
	return []*maillage.Certification{
		{Code: "REMN", Kind: maillage.KindRNCP, Number: "RNCP34137", Title: "Responsable d'espace de médiation numérique", Blocs: []*maillage.Bloc{
			{Code: "REMN-B1", CertificationCode: "REMN", Rank: 1, Label: "Accompagner différents publics"},
			{Code: "REMN-B2", CertificationCode: "REMN", Rank: 2, Label: "Contribuer au développement"},
			{Code: "REMN-B3", CertificationCode: "REMN", Rank: 3, Label: "Contribuer à la gestion"},
		}},
		{Code: "CMN", Kind: maillage.KindRNCP, Title: "Conseiller médiateur numérique", Blocs: []*maillage.Bloc{
			{Code: "CMN-B1", CertificationCode: "CMN", Rank: 1, Label: "Accompagner"},
		}},
		{Code: "PIX", Kind: maillage.KindRS, Number: "RS5875", Title: "Pix"},
	}
}

func importAll(t *testing.T, data []byte, opts training.ImportOptions) ([]training.Formation, *training.Report) {
	t.Helper()
	var got []training.Formation
	rep, err := training.ImportLHEO(bytes.NewReader(data), opts, func(f training.Formation) error {
		got = append(got, f)
		return nil
	})
	if err != nil {
		t.Fatalf("ImportLHEO: %v", err)
	}
	return got, rep
}

func TestLHEORoundTrip(t *testing.T) {
	g := training.NewSynthetic(7, now)
	certs := append(referential(), g.Certifications()...)
	ix := training.NewCertIndex(certs)

	want := []training.Formation{tricky()}
	for i := range 40 {
		want = append(want, g.Formation(i))
	}
	noSession := g.Formation(40)
	noSession.Offer.Sessions = nil
	noSession.Offer.Description = ""
	want = append(want, noSession)

	var buf bytes.Buffer
	opts := training.ExportOptions{Certifications: ix, Now: now, Text: func(key string, args ...any) string { return "texte " + key }}
	if err := training.WriteLHEO(&buf, want, opts); err != nil {
		t.Fatalf("WriteLHEO: %v", err)
	}
	file := filepath.Join(t.TempDir(), "export.xml")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	xmllint(t, file)

	got, rep := importAll(t, buf.Bytes(), training.ImportOptions{Certifications: ix})
	if len(rep.Issues) > 0 || rep.Fatal {
		t.Fatalf("import of an export: %+v", rep)
	}
	if rep.Version != "2.3" || rep.Imported != len(want) {
		t.Errorf("report = %+v, want version 2.3 and %d imported", rep, len(want))
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(training.Formation{}, "Index", "Line")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestLHEOExportRefusesInvalid(t *testing.T) {
	ix := training.NewCertIndex(referential())
	tests := []struct {
		name  string
		edit  func(*training.Formation)
		field string
	}{
		{"body without activity number", func(f *training.Formation) { f.Body.ActivityNumber = "" }, "activity_number"},
		{"bloc of another certification", func(f *training.Formation) { f.Offer.Blocs = append(f.Offer.Blocs, "CMN-B1") }, "blocs.2"},
		{"session ending before it starts", func(f *training.Formation) {
			s := f.Offer.Sessions[1]
			s.End = s.Start.Add(-time.Hour)
		}, "sessions.1.end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tricky()
			tt.edit(&f)
			err := training.WriteLHEO(&bytes.Buffer{}, []training.Formation{f}, training.ExportOptions{Certifications: ix})
			var e *maillage.Error
			if !errors.As(err, &e) || e.Code != maillage.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if len(e.Args) < 2 || e.Args[1] != tt.field {
				t.Errorf("args = %v, want field %s", e.Args, tt.field)
			}
		})
	}
	if err := training.WriteLHEO(&bytes.Buffer{}, nil, training.ExportOptions{}); maillage.ErrorCode(err) != maillage.EINVALID {
		t.Errorf("empty export: err = %v, want EINVALID", err)
	}
}

func TestLHEOImport22(t *testing.T) {
	data, err := os.ReadFile("testdata/lheo-2.2.xml")
	if err != nil {
		t.Fatal(err)
	}
	got, rep := importAll(t, data, training.ImportOptions{Certifications: training.NewCertIndex(referential())})
	if rep.Version != "2.2" || rep.Fatal || rep.Imported != 1 || rep.Rejected != 1 {
		t.Fatalf("report = %+v", rep)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	want := []training.Formation{{
		Index: 1,
		Line:  4,
		Body: &training.Body{SIRET: "73282932000074", Name: "GRETA Exemple", LegalName: "GRETA EXEMPLE",
			ActivityNumber: "11759999999",
			Address:        training.Place{Postcode: "75017", City: "Paris 17e Arrondissement", Address: "12 rue Exemple"},
			Contact:        training.Contact{Name: "Claire Dupont", Phone: "0102030405", Email: "contact@greta.example"}},
		Offer: &training.Offer{
			Title:          "Responsable d'espace de médiation numérique",
			Description:    "Contenu de la formation.",
			Objectives:     "Obtenir le titre.",
			Certifications: []string{"REMN"},
			Blocs:          []string{"REMN-B1", "REMN-B2"},
			Modality:       training.ModalityPresentiel,
			Hours:          482,
			PriceCents:     450050,
			Funding:        []training.Funding{training.FundingRegion, training.FundingFranceTravail, training.FundingAutre},
			Contact:        training.Contact{Name: "Accueil"},
			Sessions: []*training.Session{{
				Start: time.Date(2027, 9, 1, 0, 0, 0, 0, paris), End: time.Date(2028, 7, 31, 0, 0, 0, 0, paris),
				Place:        training.Place{CodeInsee: "75117", Postcode: "75017", City: "Paris 17e Arrondissement", Address: "12 rue Exemple"},
				Registration: training.RegistrationOpen,
			}},
		},
	}}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("2.2 import (-want +got):\n%s", diff)
	}
}

func TestLHEOInvalidFiles(t *testing.T) {
	g := training.NewSynthetic(3, now)
	ix := training.NewCertIndex(g.Certifications())
	var valid bytes.Buffer
	if err := g.WriteLHEO(&valid, 2); err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) []byte {
		s := valid.String()
		if !strings.Contains(s, old) {
			t.Fatalf("%q not in the synthetic file", old)
		}
		return []byte(strings.Replace(s, old, new, 1))
	}
	// The first session's dates and seats, to break them.
	first := g.Formation(0).Offer.Sessions[0]
	paris, _ := time.LoadLocation("Europe/Paris")
	debut := first.Start.In(paris).Format("20060102")
	fin := first.End.In(paris).Format("20060102")

	type want struct {
		fatal    bool
		rejected int
		element  string
		key      string
		field    string
	}
	tests := []struct {
		name string
		data []byte
		want want
	}{
		{"not XML", []byte("ceci n'est pas du XML"), want{fatal: true, key: training.KeyLHEONotXML}},
		{"NUL bytes", []byte("\x00\x00<lheo"), want{fatal: true, key: training.KeyLHEONotXML}},
		{"truncated", valid.Bytes()[:valid.Len()/2], want{fatal: true, key: training.KeyLHEONotXML}},
		{"empty", nil, want{fatal: true, key: training.KeyLHEOMissing}},
		{"wrong namespace", replace(training.NamespaceLHEO23, "http://example.org/lheo"), want{fatal: true, element: "lheo", key: training.KeyLHEOBadNamespace}},
		{"no namespace", replace(` xmlns="`+training.NamespaceLHEO23+`"`, ""), want{fatal: true, element: "lheo", key: training.KeyLHEOBadNamespace}},
		{"wrong root", []byte(`<?xml version="1.0"?><offres xmlns="http://lheo.gouv.fr/2.3"/>`), want{fatal: true, element: "offres", key: training.KeyLHEOBadRoot}},
		{"unknown start date", replace("<debut>"+debut+"</debut>", "<debut>00000000</debut>"),
			want{rejected: 1, element: "lheo/offres/formation[1]/action[1]/session[1]/periode/debut", key: training.KeyLHEOUnknownDate}},
		{"unknown end date", replace("<fin>"+fin+"</fin>", "<fin>99999999</fin>"),
			want{rejected: 1, element: "lheo/offres/formation[1]/action[1]/session[1]/periode/fin", key: training.KeyLHEOUnknownDate}},
		{"bad date", replace("<debut>"+debut+"</debut>", "<debut>2026-13-01</debut>"),
			want{rejected: 1, element: "lheo/offres/formation[1]/action[1]/session[1]/periode/debut", key: training.KeyLHEOBadDate}},
		{"session ending before it starts", replace(`<extra info="fin">`+first.End.Format(time.RFC3339Nano)+`</extra>`, `<extra info="fin">`+first.Start.Add(-48*time.Hour).Format(time.RFC3339Nano)+`</extra>`),
			want{rejected: 1, element: "lheo/offres/formation[1]/action[1]/session[1]/periode/fin", key: training.KeyEndBeforeStart, field: "sessions.0.end"}},
		{"negative seats", replace(`<extra info="places">`, `<extra info="places">-`),
			want{rejected: 1, element: "lheo/offres/formation[1]/action[1]/session[1]", key: training.KeyNegative, field: "sessions.0.seats"}},
		{"bloc of another certification", replace(`<extra info="blocs">`, `<extra info="blocs">SYN12-B1|`),
			want{rejected: 1, element: "lheo/offres/formation[1]", key: training.KeyBlocOtherCertification, field: "blocs.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imported := 0
			rep, err := training.ImportLHEO(bytes.NewReader(tt.data), training.ImportOptions{Certifications: ix}, func(training.Formation) error {
				imported++
				return nil
			})
			if err != nil {
				t.Fatalf("ImportLHEO: %v", err)
			}
			if rep.Fatal != tt.want.fatal || rep.Rejected != tt.want.rejected {
				t.Errorf("fatal %v rejected %d, want %v %d: %+v", rep.Fatal, rep.Rejected, tt.want.fatal, tt.want.rejected, rep)
			}
			if imported != rep.Imported {
				t.Errorf("%d formations passed on, report says %d", imported, rep.Imported)
			}
			if rep.Err() == nil {
				t.Error("Err() = nil for a bad file")
			}
			found := false
			for _, is := range rep.Issues {
				if is.Key == tt.want.key && is.Element == tt.want.element && is.Field == tt.want.field {
					found = true
					if !tt.want.fatal && is.Line == 0 {
						t.Errorf("issue without line: %+v", is)
					}
				}
			}
			if !found {
				t.Errorf("no issue %s at %q (field %q) in %+v", tt.want.key, tt.want.element, tt.want.field, rep.Issues)
			}
		})
	}
}

func TestLHEOImportLines(t *testing.T) {
	data := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<lheo xmlns="http://lheo.gouv.fr/2.3">
<offres>
<formation>
<intitule-formation>Titre</intitule-formation>
<objectif-formation>Objectif</objectif-formation>
<contenu-formation>Contenu</contenu-formation>
<action>
<modalites-enseignement>0</modalites-enseignement>
<session>
<periode>
<debut>20270110</debut>
<fin>20270105</fin>
</periode>
</session>
</action>
</formation>
</offres>
</lheo>`)
	_, rep := importAll(t, data, training.ImportOptions{})
	want := map[string]int{
		"lheo/offres/formation[1]/action[1]/session[1]/periode/fin": 13,
		"lheo/offres/formation[1]":                                  4,
	}
	for _, is := range rep.Issues {
		if l, ok := want[is.Element]; ok && (is.Key == training.KeyEndBeforeStart || is.Key == training.KeyLHEOMissing) {
			if is.Line != l {
				t.Errorf("%s %s at line %d, want %d", is.Element, is.Key, is.Line, l)
			}
			delete(want, is.Element)
		}
	}
	if len(want) > 0 {
		t.Errorf("issues missing for %v in %+v", want, rep.Issues)
	}
}

func TestLHEOImportStreams(t *testing.T) {
	g := training.NewSynthetic(11, now)
	var buf bytes.Buffer
	if err := g.WriteLHEO(&buf, 300); err != nil {
		t.Fatal(err)
	}
	var done []int
	stop := errors.New("stop")
	n := 0
	rep, err := training.ImportLHEO(bytes.NewReader(buf.Bytes()), training.ImportOptions{
		Certifications: training.NewCertIndex(g.Certifications()),
		Progress:       func(d int) { done = append(done, d) },
	}, func(training.Formation) error {
		n++
		if n == 250 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want the callback's error", err)
	}
	if rep.Imported != 250 || len(done) != 249 || done[248] != 249 {
		t.Errorf("imported %d, progress calls %d", rep.Imported, len(done))
	}
}

// BenchmarkLHEOImport imports a synthetic file of 10,000 formations and
// prints the time and the peak heap in use while it runs (the process peak
// RSS is printed by TestMain at exit, see main_test.go).
func BenchmarkLHEOImport(b *testing.B) {
	g := training.NewSynthetic(1, now)
	file := filepath.Join(b.TempDir(), "lheo.xml")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := g.WriteLHEO(f, 10000); err != nil {
		b.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(file)
	ix := training.NewCertIndex(g.Certifications())
	b.ResetTimer()
	for b.Loop() {
		in, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		var peak uint64
		var ms runtime.MemStats
		count := 0
		start := time.Now()
		rep, err := training.ImportLHEO(in, training.ImportOptions{Certifications: ix, Progress: func(done int) {
			if done%500 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}}, func(training.Formation) error { count++; return nil })
		in.Close()
		if err != nil || rep.Imported != 10000 {
			b.Fatalf("import: %v, %+v", err, rep.Issues)
		}
		b.Logf("LHEO import of 10,000 formations (%.1f MiB): %v, heap in use at most %.1f MiB", float64(st.Size())/(1<<20), time.Since(start).Round(time.Millisecond), float64(peak)/(1<<20))
	}
}
