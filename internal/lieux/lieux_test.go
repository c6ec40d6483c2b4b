package lieux_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/content"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
	"maillage/internal/testenv/csvtest"
)

// loadCommunes indexes content/territoires/communes.csv (a copy of
// shared/data/communes.csv kept in the repository, so the test runs in any
// clone), as storage does with the communes table.
var loadCommunes = sync.OnceValues(func() (*lieux.CommuneIndex, error) {
	f, err := os.Open("../../content/territoires/communes.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	var cs []lieux.Commune
	for _, r := range recs[1:] { // code_insee,nom,code_departement,code_region,codes_postaux,population,latitude,longitude
		pop, _ := strconv.Atoi(r[5])
		lat, _ := strconv.ParseFloat(r[6], 64)
		lon, _ := strconv.ParseFloat(r[7], 64)
		cs = append(cs, lieux.Commune{CodeInsee: r[0], Nom: r[1], CodeDepartement: r[2], CodesPostaux: strings.Fields(r[4]), Population: pop, Latitude: lat, Longitude: lon})
	}
	return lieux.NewCommuneIndex(cs), nil
})

func communes(t testing.TB) lieux.Communes {
	t.Helper()
	c, err := loadCommunes()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// problem is a report line: key and arguments.
func problem(line int, id, field, key string, args ...any) lieux.RowError {
	return lieux.RowError{Line: line, ID: id, Field: field, Key: key, Args: args}
}

// base is a valid row; tests override some fields.
func base(over map[string]string) map[string]string {
	m := map[string]string{
		"id":          "lieu-1",
		"pivot":       "43493312300029",
		"nom":         "Médiathèque de la Part-Dieu",
		"commune":     "Lyon",
		"code_postal": "69003",
		"code_insee":  "69123",
		"adresse":     "30 boulevard Vivier-Merle",
		"date_maj":    "2024-04-02",
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

// csvFile writes rows under the full header, with the given column delimiter.
func csvFile(comma rune, rows ...map[string]string) string {
	return csvtest.New(lieux.Columns()...).Comma(comma).Records(rows...).String()
}

func parse(t *testing.T, file string, opt lieux.Options) *lieux.Report {
	t.Helper()
	rep, err := lieux.ParseCSV(strings.NewReader(file), opt)
	if err != nil {
		t.Fatalf("ParseCSV: %v", err)
	}
	return rep
}

func ptr(f float64) *float64 { return &f }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestOfficialExampleParses(t *testing.T) {
	f, err := content.FS().Open("lieux/exemple-valide.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := lieux.ParseCSV(f, lieux.Options{Communes: communes(t)})
	if err != nil {
		t.Fatal(err)
	}
	// The example is fictive: its coordinates are those of Aix-en-Provence,
	// 645 km from Reims, whose code and postcode it gives.
	wantWarn := []lieux.RowError{problem(2, "structure-1", "latitude", lieux.KeyCoordinatesFar, "Code", "51454", "Commune", "Reims", "Km", 645.0)}
	if diff := cmp.Diff(wantWarn, rep.Warnings); len(rep.Errors) != 0 || diff != "" {
		t.Fatalf("errors %v, warnings (-want +got):\n%s", rep.Errors, diff)
	}
	want := []lieux.Row{{Line: 2, Present: lieux.Columns(), CommuneInsee: "51454", Lieu: maillage.Lieu{
		ID:                            "structure-1",
		Pivot:                         "43493312300029",
		Nom:                           "Anonymal",
		Commune:                       "Reims",
		CodePostal:                    "51100",
		CodeInsee:                     "51454",
		Adresse:                       "12 BIS RUE DE LECLERCQ",
		ComplementAdresse:             "Le patio du bois de l'Aulne",
		Latitude:                      ptr(43.52609),
		Longitude:                     ptr(5.41423),
		Typologie:                     []string{"TIERS_LIEUX", "ASSO"},
		Telephone:                     "+33180059880",
		Courriels:                     []string{"contact@laquincaillerie.tl", "responsable@laquincaillerie.tl"},
		SiteWeb:                       []string{"https://www.laquincaillerie.tl/", "https://m.facebook.com/laquincaillerienumerique/"},
		Horaires:                      "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00",
		PresentationResume:            "Notre association propose des formations aux outils numériques à destination des personnes âgées.",
		PresentationDetail:            rep.Rows[0].Lieu.PresentationDetail,
		Source:                        "Hubik",
		Itinerance:                    []string{"Itinérant"},
		StructureParente:              "SIRET de la ville pour une bibliothèque.",
		DateMaj:                       day("2024-04-02"),
		Services:                      []string{"Maîtrise des outils numériques du quotidien", "Insertion professionnelle via le numérique", "Loisirs et créations numériques"},
		PublicsSpecifiquementAdresses: []string{"Jeunes", "Femmes"},
		PriseEnChargeSpecifique:       []string{"Surdité", "Illettrisme", "Langues étrangères (anglais)"},
		FraisACharge:                  []string{"Gratuit sous condition", "Payant"},
		DispositifProgrammesNationaux: []string{"Aidants Connect", "Conseillers numériques", "La Croix Rouge"},
		FormationsLabels:              []string{"Formé à « Mon Espace Santé »", "Arnia/MedNum BFC (Bourgogne-Franche-Comté)"},
		AutresFormationsLabels:        "Label et la bête",
		ModalitesAcces:                []string{"Se présenter", "Téléphoner"},
		ModalitesAccompagnement:       []string{"Dans un atelier collectif", "À distance", "En autonomie", "Accompagnement individuel"},
		FicheAccesLibre:               "https://acceslibre.beta.gouv.fr/app/29-lampaul-plouarzel/a/bibliotheque-mediatheque/erp/mediatheque-13/",
		PriseRDV:                      "https://www.rdv-solidarites.fr/",
	}}}
	if diff := cmp.Diff(want, rep.Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(want[0].Lieu.PresentationDetail, "Notre parcours d'initiation") {
		t.Errorf("presentation_detail = %q", want[0].Lieu.PresentationDetail)
	}
}

func TestSeparators(t *testing.T) {
	lists := map[string]string{
		"services":       "Aide aux démarches administratives|Accès internet et matériel informatique",
		"frais_a_charge": "Gratuit|Payant",
		"typologie":      "EPN|BIB",
		"courriels":      "a@exemple.fr|b@exemple.fr",
		"site_web":       "https://a.exemple.fr/|https://b.exemple.fr/?x=1;y=2",
	}
	semis := map[string]string{}
	for k, v := range lists {
		semis[k] = strings.ReplaceAll(v, "|", ";")
	}
	semis["site_web"] = "https://a.exemple.fr/;https://b.exemple.fr/?x=1;y=2"
	want := []maillage.Lieu{{
		ID: "lieu-1", Pivot: "43493312300029", Nom: "Médiathèque de la Part-Dieu", Commune: "Lyon",
		CodePostal: "69003", CodeInsee: "69123", Adresse: "30 boulevard Vivier-Merle", DateMaj: day("2024-04-02"),
		Services:     []string{"Aide aux démarches administratives", "Accès internet et matériel informatique"},
		FraisACharge: []string{"Gratuit", "Payant"},
		Typologie:    []string{"EPN", "BIB"},
		Courriels:    []string{"a@exemple.fr", "b@exemple.fr"},
		SiteWeb:      []string{"https://a.exemple.fr/", "https://b.exemple.fr/?x=1;y=2"},
	}}
	tests := []struct {
		name  string
		comma rune
		row   map[string]string
	}{
		{"virgule et |", ',', base(lists)},
		{"virgule et ;", ',', base(semis)},
		{"point-virgule et |", ';', base(lists)},
		{"point-virgule et ;", ';', base(semis)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := parse(t, csvFile(tt.comma, tt.row), lieux.Options{})
			if len(rep.Errors) != 0 || len(rep.Warnings) != 0 {
				t.Fatalf("errors %v, warnings %v", rep.Errors, rep.Warnings)
			}
			if diff := cmp.Diff(want, rep.Lieux()); diff != "" {
				t.Errorf("lieux (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCanonicalValues(t *testing.T) {
	row := base(map[string]string{
		"dispositif_programmes_nationaux": "Point d’accès numérique CAF| conseillers numeriques ",
		"modalites_acces":                 "Ce lieu n’accueille pas de public;se presenter",
		"formations_labels":               "Étapes numériques (La Poste)|Formé à «\u00a0Mon Espace Santé\u00a0»",
		"services":                        "Comprehension du monde numérique|Compréhension du monde numérique",
		"modalites_accompagnement":        "À distance (par téléphone ou en visioconférence)|en autonomie",
		"publics_specifiquement_adresses": "ETUDIANTS|seniors",
		"itinerance":                      "itinerant",
		"typologie":                       "tiers_lieux|epn",
	})
	rep := parse(t, csvFile(',', row), lieux.Options{})
	if len(rep.Errors) != 0 || len(rep.Warnings) != 0 {
		t.Fatalf("errors %v, warnings %v", rep.Errors, rep.Warnings)
	}
	l := rep.Rows[0].Lieu
	got := [][]string{l.DispositifProgrammesNationaux, l.ModalitesAcces, l.FormationsLabels, l.Services, l.ModalitesAccompagnement, l.PublicsSpecifiquementAdresses, l.Itinerance, l.Typologie}
	want := [][]string{
		{"Point d'accès numérique CAF", "Conseillers numériques"},
		{"Ce lieu n'accueille pas de public", "Se présenter"},
		{"Étapes numériques(La Poste)", "Formé à « Mon Espace Santé »"},
		{"Compréhension du monde numérique"},
		{"À distance", "En autonomie"},
		{"Étudiants", "Seniors"},
		{"Itinérant"},
		{"TIERS_LIEUX", "EPN"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("canonical values (-want +got):\n%s", diff)
	}
}

func TestRowProblems(t *testing.T) {
	long := "À " + strings.Repeat("Atelier numérique pour tous ", 11) + "f." // 312 characters
	tests := []struct {
		name     string
		over     map[string]string
		errors   []lieux.RowError
		warnings []lieux.RowError
		check    func(t *testing.T, l maillage.Lieu)
	}{{
		name:     "SIRET bouche-trou",
		over:     map[string]string{"pivot": "00000000000000"},
		warnings: []lieux.RowError{problem(2, "lieu-1", "pivot", lieux.KeyPivotPlaceholder, "Value", "00000000000000")},
	}, {
		name:     "clé de SIRET fausse : avertissement seulement",
		over:     map[string]string{"pivot": "434 933 123 00028"},
		warnings: []lieux.RowError{problem(2, "lieu-1", "pivot", lieux.KeyPivotSIRETKey, "Value", "434 933 123 00028")},
		check: func(t *testing.T, l maillage.Lieu) {
			if l.Pivot != "43493312300028" {
				t.Errorf("pivot = %q", l.Pivot)
			}
		},
	}, {
		name: "RNA en minuscule",
		over: map[string]string{"pivot": "w691234567"},
		check: func(t *testing.T, l maillage.Lieu) {
			if l.Pivot != "W691234567" {
				t.Errorf("pivot = %q", l.Pivot)
			}
		},
	}, {
		name:   "pivot hors motif",
		over:   map[string]string{"pivot": "SIRET-123"},
		errors: []lieux.RowError{problem(2, "lieu-1", "pivot", lieux.KeyPivot, "Value", "SIRET-123")},
	}, {
		name:     "date 1970-01-01",
		over:     map[string]string{"date_maj": "1970-01-01"},
		warnings: []lieux.RowError{problem(2, "lieu-1", "date_maj", lieux.KeyDateOld, "Value", "1970-01-01")},
		check: func(t *testing.T, l maillage.Lieu) {
			if !l.DateMaj.Equal(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)) || l.DateMaj.Location() != time.UTC {
				t.Errorf("date_maj = %v", l.DateMaj)
			}
		},
	}, {
		name: "date JJ/MM/AAAA",
		over: map[string]string{"date_maj": "2/4/2024"},
		check: func(t *testing.T, l maillage.Lieu) {
			if !l.DateMaj.Equal(day("2024-04-02")) {
				t.Errorf("date_maj = %v", l.DateMaj)
			}
		},
	}, {
		name:   "date impossible",
		over:   map[string]string{"date_maj": "31/02/2024"},
		errors: []lieux.RowError{problem(2, "lieu-1", "date_maj", lieux.KeyDateImpossible, "Value", "31/02/2024")},
	}, {
		name:   "date illisible",
		over:   map[string]string{"date_maj": "avril 2024"},
		errors: []lieux.RowError{problem(2, "lieu-1", "date_maj", lieux.KeyDateUnreadable, "Value", "avril 2024")},
	}, {
		name:     "code INSEE d'une autre commune que le code postal",
		over:     map[string]string{"code_postal": "75001"},
		warnings: []lieux.RowError{problem(2, "lieu-1", "code_insee", lieux.KeyInseePostcode, "Code", "69123", "Postcode", "75001")},
	}, {
		name:   "code INSEE inconnu",
		over:   map[string]string{"code_insee": "69999"},
		errors: []lieux.RowError{problem(2, "lieu-1", "code_insee", lieux.KeyInseeUnknown, "Value", "69999")},
	}, {
		name:   "code INSEE hors motif",
		over:   map[string]string{"code_insee": "2C004"},
		errors: []lieux.RowError{problem(2, "lieu-1", "code_insee", lieux.KeyInsee, "Value", "2C004")},
	}, {
		name:   "code postal à 4 chiffres",
		over:   map[string]string{"code_postal": "6900"},
		errors: []lieux.RowError{problem(2, "lieu-1", "code_postal", lieux.KeyPostcode, "Value", "6900")},
	}, {
		name:     "résumé trop long : signalé, coupé, importé",
		over:     map[string]string{"presentation_resume": long},
		warnings: []lieux.RowError{problem(2, "lieu-1", "presentation_resume", lieux.KeyTruncated, "Field", "presentation_resume", "Length", 312, "Max", 280)},
		check: func(t *testing.T, l maillage.Lieu) {
			r := []rune(l.PresentationResume)
			if len(r) > 280 || !strings.HasSuffix(l.PresentationResume, "pour…") || !strings.HasPrefix(long, strings.TrimSuffix(l.PresentationResume, "…")+" ") {
				t.Errorf("résumé (%d caractères) = %q", len(r), l.PresentationResume)
			}
		},
	}, {
		name:   "champ obligatoire manquant",
		over:   map[string]string{"nom": "  "},
		errors: []lieux.RowError{problem(2, "lieu-1", "nom", lieux.KeyRequired, "Field", "nom")},
	}, {
		name: "téléphone national",
		over: map[string]string{"telephone": "04 78 00 00 00"},
		check: func(t *testing.T, l maillage.Lieu) {
			if l.Telephone != "+33478000000" {
				t.Errorf("telephone = %q", l.Telephone)
			}
		},
	}, {
		name: "téléphone de La Réunion",
		over: map[string]string{"telephone": "0262.12.34.56"},
		check: func(t *testing.T, l maillage.Lieu) {
			if l.Telephone != "+262262123456" {
				t.Errorf("telephone = %q", l.Telephone)
			}
		},
	}, {
		name:   "téléphone trop court",
		over:   map[string]string{"telephone": "04 78"},
		errors: []lieux.RowError{problem(2, "lieu-1", "telephone", lieux.KeyPhone, "Value", "04 78")},
	}, {
		name:   "latitude hors limites",
		over:   map[string]string{"latitude": "95", "longitude": "4,85"},
		errors: []lieux.RowError{problem(2, "lieu-1", "latitude", lieux.KeyCoordinateRange, "Field", "latitude", "Value", "95", "Limit", 90)},
	}, {
		name: "virgule décimale",
		over: map[string]string{"latitude": "45,76", "longitude": "4,85"},
		check: func(t *testing.T, l maillage.Lieu) {
			if diff := cmp.Diff([]*float64{ptr(45.76), ptr(4.85)}, []*float64{l.Latitude, l.Longitude}); diff != "" {
				t.Error(diff)
			}
		},
	}, {
		name:     "latitude seule",
		over:     map[string]string{"latitude": "45.76"},
		warnings: []lieux.RowError{problem(2, "lieu-1", "latitude", lieux.KeyCoordinateAlone, "Field", "latitude")},
	}, {
		name:   "site sans http",
		over:   map[string]string{"site_web": "www.exemple.fr"},
		errors: []lieux.RowError{problem(2, "lieu-1", "site_web", lieux.KeyURL, "Field", "site_web", "Value", "www.exemple.fr")},
	}, {
		name:   "prise de rendez-vous en ftp",
		over:   map[string]string{"prise_rdv": "ftp://exemple.fr/"},
		errors: []lieux.RowError{problem(2, "lieu-1", "prise_rdv", lieux.KeyURL, "Field", "prise_rdv", "Value", "ftp://exemple.fr/")},
	}, {
		name:   "courriel invalide",
		over:   map[string]string{"courriels": "contact@exemple.fr|contact-at-exemple.fr"},
		errors: []lieux.RowError{problem(2, "lieu-1", "courriels", lieux.KeyEmail, "Value", "contact-at-exemple.fr")},
	}, {
		name:   "service hors liste",
		over:   map[string]string{"services": "Aide aux démarches administratives|Réparation de vélos"},
		errors: []lieux.RowError{problem(2, "lieu-1", "services", lieux.KeyEnum, "Field", "services", "Value", "Réparation de vélos")},
	}, {
		name:     "typologie inconnue gardée",
		over:     map[string]string{"typologie": "EPN|Fablab municipal"},
		warnings: []lieux.RowError{problem(2, "lieu-1", "typologie", lieux.KeyTypologieUnknown, "Value", "Fablab municipal")},
	}, {
		name: "plusieurs problèmes sur une ligne",
		over: map[string]string{"code_postal": "", "telephone": "inconnu", "frais_a_charge": "Gratos"},
		errors: []lieux.RowError{
			problem(2, "lieu-1", "code_postal", lieux.KeyRequired, "Field", "code_postal"),
			problem(2, "lieu-1", "telephone", lieux.KeyPhone, "Value", "inconnu"),
			problem(2, "lieu-1", "frais_a_charge", lieux.KeyEnum, "Field", "frais_a_charge", "Value", "Gratos"),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := parse(t, csvFile(',', base(tt.over)), lieux.Options{Communes: communes(t)})
			if diff := cmp.Diff(tt.errors, rep.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warnings, rep.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if imported := len(rep.Rows) == 1; imported != (len(tt.errors) == 0) {
				t.Errorf("imported = %v with errors %v", imported, rep.Errors)
			}
			if tt.check != nil && len(rep.Rows) == 1 {
				tt.check(t, rep.Rows[0].Lieu)
			}
		})
	}
}

func TestBadRowAmongGood(t *testing.T) {
	file := csvFile(';',
		base(map[string]string{"id": "a"}),
		base(map[string]string{"id": "b", "code_postal": "6900"}),
		base(map[string]string{"id": "c", "presentation_resume": "Des ateliers, des permanences; et du matériel en libre accès."}),
		base(map[string]string{"id": "a", "nom": "Doublon"}),
	)
	rep := parse(t, file, lieux.Options{})
	var lines []int
	for _, r := range rep.Rows {
		lines = append(lines, r.Line)
	}
	if diff := cmp.Diff([]int{2, 4}, lines); diff != "" {
		t.Errorf("imported lines (-want +got):\n%s", diff)
	}
	want := []lieux.RowError{
		problem(3, "b", "code_postal", lieux.KeyPostcode, "Value", "6900"),
		problem(5, "a", "id", lieux.KeyIDDuplicate, "Value", "a", "First", 2),
	}
	if diff := cmp.Diff(want, rep.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if rep.Total != 4 || rep.Rejected() != 2 {
		t.Errorf("total %d, rejected %d", rep.Total, rep.Rejected())
	}
	if got := rep.Errors[0].Error(); got != "line 3 (id b) code_postal: lieux.row.code_postal Value=6900" {
		t.Errorf("Error() = %q", got)
	}
}

func TestFileDetails(t *testing.T) {
	row := base(nil)
	t.Run("BOM et CRLF", func(t *testing.T) {
		file := csvtest.New(lieux.Columns()...).Comma(';').BOM().CRLF().Records(row, row).String()
		rep := parse(t, file, lieux.Options{})
		if len(rep.Rows) != 1 || rep.Rows[0].Lieu.ID != "lieu-1" || len(rep.Errors) != 1 || rep.Errors[0].Line != 3 {
			t.Errorf("rows %+v, errors %v", rep.Rows, rep.Errors)
		}
	})
	t.Run("colonnes dans le désordre, absentes ou inconnues", func(t *testing.T) {
		file := csvtest.New("Nom", "ID", "pivot", "commune", "code_postal", "adresse", "date_maj", "remarque").CRLF().
			Row("Médiathèque", "lieu-1", "43493312300029", "Lyon", "69003", "1 rue X", "2024-04-02", "rien").String() + "\r\n" // and a blank line
		rep := parse(t, file, lieux.Options{})
		if len(rep.Rows) != 1 || rep.Rows[0].Lieu.Nom != "Médiathèque" || rep.Total != 1 {
			t.Fatalf("rows %+v, errors %v", rep.Rows, rep.Errors)
		}
		if len(rep.Warnings) != 2 || rep.Warnings[0].Key != lieux.KeyColumnsUnknown || rep.Warnings[0].Arg("Columns") != "remarque" ||
			rep.Warnings[1].Key != lieux.KeyColumnsAbsent || !strings.HasPrefix(rep.Warnings[1].Arg("Columns").(string), "code_insee, complement_adresse,") {
			t.Errorf("warnings %v", rep.Warnings)
		}
	})
	t.Run("ligne au mauvais nombre de colonnes", func(t *testing.T) {
		file := csvtest.New("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj").Row("x", "43493312300029", "Médiathèque", "Lyon").String()
		rep := parse(t, file, lieux.Options{})
		want := []lieux.RowError{problem(2, "x", "", lieux.KeyColumns, "Count", 4, "Header", 7)}
		if diff := cmp.Diff(want, rep.Errors); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
	})
}

func TestUnreadableFiles(t *testing.T) {
	tests := []struct {
		name, file string
		json       bool
		key        string
		args       []any
	}{
		{"vide", "", false, lieux.KeyFileEmpty, nil},
		{"Latin-1", csvtest.New("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj").Row("x", "1", "M\xe9diath\xe8que", "Lyon", "69003", "a", "2024-04-02").String(), false, lieux.KeyFileNotUTF8, []any{"Line", 2}},
		{"UTF-16", "\xff\xfei\x00d\x00", false, lieux.KeyFileUTF16, nil},
		{"colonnes obligatoires absentes", string(csvtest.CSV([]string{"id", "nom", "commune"}, []string{"x", "M", "Lyon"})), false, lieux.KeyFileRequired, []any{"Missing", "pivot, code_postal, adresse, date_maj", "Columns", strings.Join(lieux.Columns(), ", ")}},
		{"pas d'en-tête", csvtest.New().Row("lieu-1", "43493312300029", "Médiathèque").String(), false, lieux.KeyFileRequired, []any{"Missing", "id, pivot, nom, commune, code_postal, adresse, date_maj", "Columns", strings.Join(lieux.Columns(), ", ")}},
		{"JSON mal formé", "[\n{\"id\": \"x\"},\n{\"id\": }\n]", true, lieux.KeyFileJSONSyntax, []any{"Line", 3}},
		{"JSON sans liste", `{"id": "x"}`, true, lieux.KeyFileNotArray, nil},
		{"JSON tronqué", `[{"id": "x"}`, true, lieux.KeyFileJSONIncomplete, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parseFn := lieux.ParseCSV
			if tt.json {
				parseFn = lieux.ParseJSON
			}
			rep, err := parseFn(strings.NewReader(tt.file), lieux.Options{})
			if err == nil {
				t.Fatalf("accepted: %+v", rep)
			}
			if code := maillage.ErrorCode(err); code != maillage.EINVALID {
				t.Errorf("code = %q", code)
			}
			key, args := maillage.ErrorKey(err)
			if diff := cmp.Diff([]any{tt.key, tt.args}, []any{key, args}); diff != "" {
				t.Errorf("key (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseJSON(t *testing.T) {
	f, err := os.Open("testdata/lieux.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := lieux.ParseJSON(f, lieux.Options{Communes: communes(t)})
	if err != nil {
		t.Fatal(err)
	}
	want := []lieux.Row{{Line: 1, CommuneInsee: "69123",
		Present: []string{"id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "latitude", "longitude", "telephone", "date_maj", "services", "modalites_acces"},
		Lieu: maillage.Lieu{
			ID: "json-1", Pivot: "43493312300029", Nom: "Espace numérique", Commune: "Lyon", CodePostal: "69003", CodeInsee: "69123",
			Adresse: "30 boulevard Vivier-Merle", Latitude: ptr(45.7607), Longitude: ptr(4.8594), DateMaj: day("2024-04-02"),
			Services:       []string{"Aide aux démarches administratives", "Utilisation sécurisée du numérique"},
			ModalitesAcces: []string{"Ce lieu n'accueille pas de public"},
			Telephone:      "+33478000000",
		}}, {Line: 3, CommuneInsee: "51454",
		Present: []string{"id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse", "itinerance", "date_maj", "frais_a_charge"},
		Lieu: maillage.Lieu{
			ID: "json-3", Pivot: "00000000000000", Nom: "Bus numérique", Commune: "Reims", CodePostal: "51100", CodeInsee: "51454",
			Adresse: "Place d'Erlon", DateMaj: day("2023-12-01"), Itinerance: []string{"Itinérant", "Fixe"},
			FraisACharge: []string{"Gratuit"},
		}}}
	if diff := cmp.Diff(want, rep.Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	wantErr := []lieux.RowError{
		problem(2, "json-2", "code_postal", lieux.KeyPostcode, "Value", "1400"),
		problem(2, "json-2", "services", lieux.KeyJSONType, "Field", "services"),
		problem(4, "", "", lieux.KeyNotObject),
	}
	if diff := cmp.Diff(wantErr, rep.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	wantWarn := []lieux.RowError{
		problem(0, "", "", lieux.KeyFieldsUnknown, "Fields", "horaires_ouverture"),
		problem(3, "json-3", "pivot", lieux.KeyPivotPlaceholder, "Value", "00000000000000"),
	}
	if diff := cmp.Diff(wantWarn, rep.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// TestRoundTrip: parse → write → the file is valid against schema.json →
// parse again gives the same lieux, in CSV and in JSON.
func TestRoundTrip(t *testing.T) {
	example, err := fs.ReadFile(content.FS(), "lieux/exemple-valide.csv")
	if err != nil {
		t.Fatal(err)
	}
	first := parse(t, string(example), lieux.Options{}).Lieux()
	more := parse(t, csvFile(';',
		base(map[string]string{"id": "rt-1", "pivot": "00000000000000", "date_maj": "01/01/1970", "telephone": "0590 12 34 56",
			"dispositif_programmes_nationaux": "Point d’accès numérique CAF", "formations_labels": "Étapes numériques (La Poste)",
			"presentation_resume": strings.Repeat("Un résumé bien trop long, ", 20), "latitude": "-21,1151", "longitude": "55,5364",
			"horaires": "Mo-Fr 09:00-12:00; Sa 10:00-12:00", "presentation_detail": "Deux lignes,\navec \"guillemets\" et | barre."}),
		base(map[string]string{"id": "rt-2", "code_insee": "2a004", "code_postal": "20000", "typologie": "ETAT|Inconnu"}),
	), lieux.Options{})
	if len(more.Rows) != 2 {
		t.Fatalf("rows %+v, errors %v", more.Rows, more.Errors)
	}
	all := append(first, more.Lieux()...)

	var out bytes.Buffer
	if err := lieux.WriteCSV(&out, all); err != nil {
		t.Fatal(err)
	}
	if errs := lieux.ValidateCSVAgainstSchema(bytes.NewReader(out.Bytes())); len(errs) != 0 {
		t.Fatalf("written file breaks the schema: %v\n%s", errs, out.String())
	}
	if !strings.HasPrefix(out.String(), strings.Join(lieux.Columns(), ",")+"\n") {
		t.Errorf("header: %q", strings.SplitN(out.String(), "\n", 2)[0])
	}
	again := parse(t, out.String(), lieux.Options{})
	if len(again.Errors) != 0 {
		t.Fatalf("re-parse errors: %v", again.Errors)
	}
	if diff := cmp.Diff(all, again.Lieux()); diff != "" {
		t.Errorf("CSV round trip (-want +got):\n%s", diff)
	}

	out.Reset()
	if err := lieux.WriteJSON(&out, all); err != nil {
		t.Fatal(err)
	}
	fromJSON, err := lieux.ParseJSON(&out, lieux.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fromJSON.Errors) != 0 {
		t.Fatalf("re-parse errors: %v", fromJSON.Errors)
	}
	if diff := cmp.Diff(all, fromJSON.Lieux()); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}

func TestWriteRefusesInvalidLieux(t *testing.T) {
	good := maillage.Lieu{ID: "a", Pivot: "43493312300029", Nom: "M", Commune: "Lyon", CodePostal: "69003", Adresse: "1 rue X", DateMaj: day("2024-04-02")}
	bad := good
	bad.ID, bad.Nom, bad.Services = "b", "", []string{"Gratuit"}
	for name, write := range map[string]func(*bytes.Buffer, []maillage.Lieu) error{
		"csv":  func(b *bytes.Buffer, l []maillage.Lieu) error { return lieux.WriteCSV(b, l) },
		"json": func(b *bytes.Buffer, l []maillage.Lieu) error { return lieux.WriteJSON(b, l) },
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			err := write(&b, []maillage.Lieu{good, bad, good})
			var rows lieux.RowErrors
			if maillage.ErrorCode(err) != maillage.EINVALID || !errors.As(err, &rows) {
				t.Fatalf("err = %v", err)
			}
			line := 3
			if name == "json" {
				line = 2
			}
			want := lieux.RowErrors{
				problem(line, "b", "nom", lieux.KeyRequired, "Field", "nom"),
				problem(line, "b", "services", lieux.KeyEnum, "Field", "services", "Value", "Gratuit"),
				problem(line+1, "a", "id", lieux.KeyIDDuplicate, "Value", "a", "First", map[string]int{"csv": 2, "json": 1}[name]),
			}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes despite errors", b.Len())
			}
		})
	}
	if errs := lieux.Validate(good, nil); len(errs) != 0 {
		t.Errorf("Validate(good) = %v", errs)
	}
}

func TestValidateCSVAgainstSchema(t *testing.T) {
	header := strings.Join(lieux.Columns(), ",")
	ok := base(nil)
	tests := []struct {
		name string
		file string
		want []lieux.RowError
	}{
		{"point-virgule", csvFile(';', ok), []lieux.RowError{problem(1, "", "", lieux.KeyFileHeaderOrder, "Header", string([]rune(strings.Join(lieux.Columns(), ";"))[:120])+"…", "Count", 32, "Columns", header)}},
		{"valeurs brutes refusées", csvFile(',',
			base(map[string]string{"date_maj": "02/04/2024", "modalites_acces": "Ce lieu n’accueille pas de public", "telephone": "04 78 00 00 00", "latitude": "45,7"}),
			base(nil),
		), []lieux.RowError{
			problem(2, "lieu-1", "latitude", lieux.KeyNumber, "Field", "latitude", "Value", "45,7"),
			problem(2, "lieu-1", "telephone", lieux.KeyPhone, "Value", "04 78 00 00 00"),
			problem(2, "lieu-1", "date_maj", lieux.KeyDateFormat, "Field", "date_maj", "Value", "02/04/2024"),
			problem(2, "lieu-1", "modalites_acces", lieux.KeyEnum, "Field", "modalites_acces", "Value", "Ce lieu n’accueille pas de public"),
			problem(3, "lieu-1", "id", lieux.KeyIDDuplicate, "Value", "lieu-1", "First", 2),
		}},
		{"résumé trop long", csvFile(',', base(map[string]string{"presentation_resume": strings.Repeat("é", 281)})),
			[]lieux.RowError{problem(2, "lieu-1", "presentation_resume", lieux.KeyTooLong, "Field", "presentation_resume", "Length", 281, "Max", 280)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, lieux.ValidateCSVAgainstSchema(strings.NewReader(tt.file))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
