package lieux_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/content"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
)

// communesFile is a CommuneChecker over content/territoires/communes.csv (a copy of shared/data/communes.csv kept in the repository, so the test runs in any clone).
type communesFile map[string][]string

func (c communesFile) PostcodesOf(code string) ([]string, bool) {
	cps, ok := c[code]
	return cps, ok
}

var loadCommunes = sync.OnceValues(func() (communesFile, error) {
	f, err := os.Open("../../content/territoires/communes.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	c := communesFile{}
	for _, r := range recs[1:] { // code_insee,nom,code_departement,code_region,codes_postaux,…
		c[r[0]] = strings.Fields(r[4])
	}
	return c, nil
})

func communes(t *testing.T) lieux.CommuneChecker {
	t.Helper()
	c, err := loadCommunes()
	if err != nil {
		t.Fatal(err)
	}
	return c
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
func csvFile(t *testing.T, comma rune, rows ...map[string]string) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = comma
	cols := lieux.Columns()
	w.Write(cols)
	for _, r := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			rec[i] = r[c]
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.String()
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
	if len(rep.Errors) != 0 || len(rep.Warnings) != 0 {
		t.Fatalf("errors %v, warnings %v", rep.Errors, rep.Warnings)
	}
	want := []lieux.Row{{Line: 2, Lieu: maillage.Lieu{
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
	if got := rep.Summary(); got != "1 lieu importé sur 1." {
		t.Errorf("Summary = %q", got)
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
			rep := parse(t, csvFile(t, tt.comma, tt.row), lieux.Options{})
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
	rep := parse(t, csvFile(t, ',', row), lieux.Options{})
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
		warnings: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "pivot", Reason: "pivot « 00000000000000 » : SIRET bouche-trou ; renseignez le vrai SIRET du lieu (annuaire-entreprises.data.gouv.fr)"}},
	}, {
		name:     "clé de SIRET fausse : avertissement seulement",
		over:     map[string]string{"pivot": "434 933 123 00028"},
		warnings: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "pivot", Reason: "pivot « 434 933 123 00028 » : clé de contrôle du SIRET invalide ; vérifiez le numéro (annuaire-entreprises.data.gouv.fr)"}},
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
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "pivot", Reason: "pivot « SIRET-123 » : SIRET (14 chiffres), RNA (W + 9 chiffres) ou RIDET attendu"}},
	}, {
		name:     "date 1970-01-01",
		over:     map[string]string{"date_maj": "1970-01-01"},
		warnings: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "date_maj", Reason: "date_maj « 1970-01-01 » : date antérieure à 2000, sans doute une valeur par défaut ; vérifiez-la"}},
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
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "date_maj", Reason: "date_maj « 31/02/2024 » : date impossible"}},
	}, {
		name:   "date illisible",
		over:   map[string]string{"date_maj": "avril 2024"},
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "date_maj", Reason: "date_maj « avril 2024 » : date AAAA-MM-JJ attendue (ou JJ/MM/AAAA)"}},
	}, {
		name:     "code INSEE d'une autre commune que le code postal",
		over:     map[string]string{"code_postal": "75001"},
		warnings: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "code_insee", Reason: "le code INSEE 69123 ne correspond pas au code postal 75001"}},
	}, {
		name:   "code INSEE inconnu",
		over:   map[string]string{"code_insee": "69999"},
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "code_insee", Reason: "code_insee « 69999 » : aucune commune n'a ce code INSEE"}},
	}, {
		name:   "code INSEE hors motif",
		over:   map[string]string{"code_insee": "2C004"},
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "code_insee", Reason: "code_insee « 2C004 » : code INSEE de 5 caractères attendu (ex. 69123, 2A004)"}},
	}, {
		name:   "code postal à 4 chiffres",
		over:   map[string]string{"code_postal": "6900"},
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "code_postal", Reason: "code_postal « 6900 » : 5 chiffres attendus"}},
	}, {
		name:     "résumé trop long : signalé, coupé, importé",
		over:     map[string]string{"presentation_resume": long},
		warnings: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "presentation_resume", Reason: "presentation_resume : résumé trop long (312 caractères, 280 au plus) ; il est coupé en fin de mot et terminé par « … »"}},
		check: func(t *testing.T, l maillage.Lieu) {
			r := []rune(l.PresentationResume)
			if len(r) > 280 || !strings.HasSuffix(l.PresentationResume, "pour…") || !strings.HasPrefix(long, strings.TrimSuffix(l.PresentationResume, "…")+" ") {
				t.Errorf("résumé (%d caractères) = %q", len(r), l.PresentationResume)
			}
		},
	}, {
		name:   "champ obligatoire manquant",
		over:   map[string]string{"nom": "  "},
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "nom", Reason: "nom : champ obligatoire vide"}},
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
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "telephone", Reason: "telephone « 04 78 » : numéro français attendu (ex. 04 78 00 00 00 ou +33478000000)"}},
	}, {
		name:   "latitude hors limites",
		over:   map[string]string{"latitude": "95", "longitude": "4,85"},
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "latitude", Reason: "latitude « 95 » : valeur entre -90 et 90 attendue"}},
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
		warnings: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "latitude", Reason: "latitude sans longitude : coordonnée ignorée"}},
	}, {
		name:   "site sans http",
		over:   map[string]string{"site_web": "www.exemple.fr"},
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "site_web", Reason: "site_web « www.exemple.fr » : adresse web complète attendue, commençant par https:// ou http://"}},
	}, {
		name:   "prise de rendez-vous en ftp",
		over:   map[string]string{"prise_rdv": "ftp://exemple.fr/"},
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "prise_rdv", Reason: "prise_rdv « ftp://exemple.fr/ » : adresse web complète attendue, commençant par https:// ou http://"}},
	}, {
		name:   "courriel invalide",
		over:   map[string]string{"courriels": "contact@exemple.fr|contact-at-exemple.fr"},
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "courriels", Reason: "courriels « contact-at-exemple.fr » : adresse électronique invalide"}},
	}, {
		name:   "service hors liste",
		over:   map[string]string{"services": "Aide aux démarches administratives|Réparation de vélos"},
		errors: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "services", Reason: "services « Réparation de vélos » : valeur hors liste (valeurs possibles : " + strings.Join(maillage.LieuServices, " | ") + ")"}},
	}, {
		name:     "typologie inconnue gardée",
		over:     map[string]string{"typologie": "EPN|Fablab municipal"},
		warnings: []lieux.RowError{{Line: 2, ID: "lieu-1", Field: "typologie", Reason: "typologie « Fablab municipal » : code absent de la liste des typologies, gardé tel quel"}},
	}, {
		name: "plusieurs problèmes sur une ligne",
		over: map[string]string{"code_postal": "", "telephone": "inconnu", "frais_a_charge": "Gratos"},
		errors: []lieux.RowError{
			{Line: 2, ID: "lieu-1", Field: "code_postal", Reason: "code_postal : champ obligatoire vide"},
			{Line: 2, ID: "lieu-1", Field: "telephone", Reason: "telephone « inconnu » : numéro français attendu (ex. 04 78 00 00 00 ou +33478000000)"},
			{Line: 2, ID: "lieu-1", Field: "frais_a_charge", Reason: "frais_a_charge « Gratos » : valeur hors liste (valeurs possibles : Gratuit | Gratuit sous condition | Payant)"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := parse(t, csvFile(t, ',', base(tt.over)), lieux.Options{Communes: communes(t)})
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
	file := csvFile(t, ';',
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
		{Line: 3, ID: "b", Field: "code_postal", Reason: "code_postal « 6900 » : 5 chiffres attendus"},
		{Line: 5, ID: "a", Field: "id", Reason: "id « a » : déjà utilisé ligne 2 (l'id doit être unique dans le fichier)"},
	}
	if diff := cmp.Diff(want, rep.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if got := rep.Summary(); got != "2 lieux importés sur 4, 2 lignes rejetées." {
		t.Errorf("Summary = %q", got)
	}
	if got := rep.Errors[0].Error(); got != "ligne 3 (id b) : code_postal « 6900 » : 5 chiffres attendus" {
		t.Errorf("Error() = %q", got)
	}
}

func TestFileDetails(t *testing.T) {
	row := base(nil)
	t.Run("BOM et CRLF", func(t *testing.T) {
		file := "\ufeff" + strings.ReplaceAll(csvFile(t, ';', row, row), "\n", "\r\n")
		rep := parse(t, file, lieux.Options{})
		if len(rep.Rows) != 1 || rep.Rows[0].Lieu.ID != "lieu-1" || len(rep.Errors) != 1 || rep.Errors[0].Line != 3 {
			t.Errorf("rows %+v, errors %v", rep.Rows, rep.Errors)
		}
	})
	t.Run("colonnes dans le désordre, absentes ou inconnues", func(t *testing.T) {
		file := "Nom,ID,pivot,commune,code_postal,adresse,date_maj,remarque\r\n" +
			"Médiathèque,lieu-1,43493312300029,Lyon,69003,1 rue X,2024-04-02,rien\r\n\r\n"
		rep := parse(t, file, lieux.Options{})
		if len(rep.Rows) != 1 || rep.Rows[0].Lieu.Nom != "Médiathèque" || rep.Total != 1 {
			t.Fatalf("rows %+v, errors %v", rep.Rows, rep.Errors)
		}
		if len(rep.Warnings) != 2 || rep.Warnings[0].Reason != "colonnes inconnues, ignorées : remarque" || !strings.HasPrefix(rep.Warnings[1].Reason, "colonnes absentes, laissées vides : code_insee, complement_adresse,") {
			t.Errorf("warnings %v", rep.Warnings)
		}
	})
	t.Run("ligne au mauvais nombre de colonnes", func(t *testing.T) {
		file := "id,pivot,nom,commune,code_postal,adresse,date_maj\nx,43493312300029,Médiathèque,Lyon\n"
		rep := parse(t, file, lieux.Options{})
		want := []lieux.RowError{{Line: 2, ID: "x", Reason: "la ligne a 4 colonnes et l'en-tête 7 : vérifiez les guillemets et le séparateur"}}
		if diff := cmp.Diff(want, rep.Errors); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
	})
}

func TestUnreadableFiles(t *testing.T) {
	tests := []struct {
		name, file string
		json       bool
		message    string
	}{
		{"vide", "", false, "Le fichier est vide."},
		{"Latin-1", "id,pivot,nom,commune,code_postal,adresse,date_maj\nx,1,M\xe9diath\xe8que,Lyon,69003,a,2024-04-02\n", false,
			"Le fichier n'est pas encodé en UTF-8 (premier caractère illisible ligne 2) : enregistrez-le en UTF-8 (« CSV UTF-8 » dans un tableur) puis réessayez."},
		{"UTF-16", "\xff\xfei\x00d\x00", false, "Le fichier est encodé en UTF-16 : enregistrez-le en UTF-8 (« CSV UTF-8 » dans un tableur) puis réessayez."},
		{"colonnes obligatoires absentes", "id,nom,commune\nx,M,Lyon\n", false, "Colonnes obligatoires absentes : pivot, code_postal, adresse, date_maj."},
		{"pas d'en-tête", "lieu-1,43493312300029,Médiathèque\n", false, "Colonnes obligatoires absentes : id, pivot, nom, commune, code_postal, adresse, date_maj."},
		{"JSON mal formé", "[\n{\"id\": \"x\"},\n{\"id\": }\n]", true, "Le fichier JSON est mal formé (ligne 3) : vérifiez les virgules, guillemets et crochets."},
		{"JSON sans liste", `{"id": "x"}`, true, "Le fichier JSON doit contenir une liste d'objets, un par lieu : [{\"id\": …, \"pivot\": …}, …]."},
		{"JSON tronqué", `[{"id": "x"}`, true, "Le fichier JSON est incomplet : il se termine avant la fin de la liste."},
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
			if msg, _ := maillage.ErrorKey(err); msg == "" {
				t.Errorf("message = %q, want one (%q)", msg, tt.message)
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
	want := []lieux.Row{{Line: 1, Lieu: maillage.Lieu{
		ID: "json-1", Pivot: "43493312300029", Nom: "Espace numérique", Commune: "Lyon", CodePostal: "69003", CodeInsee: "69123",
		Adresse: "30 boulevard Vivier-Merle", Latitude: ptr(45.7607), Longitude: ptr(4.8594), DateMaj: day("2024-04-02"),
		Services:       []string{"Aide aux démarches administratives", "Utilisation sécurisée du numérique"},
		ModalitesAcces: []string{"Ce lieu n'accueille pas de public"},
		Telephone:      "+33478000000",
	}}, {Line: 3, Lieu: maillage.Lieu{
		ID: "json-3", Pivot: "00000000000000", Nom: "Bus numérique", Commune: "Reims", CodePostal: "51100", CodeInsee: "51454",
		Adresse: "Place d'Erlon", DateMaj: day("2023-12-01"), Itinerance: []string{"Itinérant", "Fixe"},
		FraisACharge: []string{"Gratuit"},
	}}}
	if diff := cmp.Diff(want, rep.Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	wantErr := []lieux.RowError{
		{Line: 2, ID: "json-2", Field: "code_postal", Reason: "code_postal « 1400 » : 5 chiffres attendus"},
		{Line: 2, ID: "json-2", Field: "services", Reason: "services : texte, nombre ou liste de textes attendu"},
		{Line: 4, Reason: "un objet {…} est attendu pour chaque lieu"},
	}
	if diff := cmp.Diff(wantErr, rep.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	wantWarn := []lieux.RowError{
		{Line: 3, ID: "json-3", Field: "pivot", Reason: "pivot « 00000000000000 » : SIRET bouche-trou ; renseignez le vrai SIRET du lieu (annuaire-entreprises.data.gouv.fr)"},
		{Reason: "champs inconnus, ignorés : horaires_ouverture"},
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
	more := parse(t, csvFile(t, ';',
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
				{Line: line, ID: "b", Field: "nom", Reason: "nom : champ obligatoire vide"},
				{Line: line, ID: "b", Field: "services", Reason: "services « Gratuit » : valeur hors liste (valeurs possibles : " + strings.Join(maillage.LieuServices, " | ") + ")"},
				{Line: line + 1, ID: "a", Field: "id", Reason: "id « a » : déjà utilisé ligne " + map[string]string{"csv": "2", "json": "1"}[name]},
			}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes despite errors", b.Len())
			}
		})
	}
	if errs := lieux.Validate(good); len(errs) != 0 {
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
		{"point-virgule", csvFile(t, ';', ok), []lieux.RowError{{Line: 1, Reason: "en-tête « " + strings.Join(lieux.Columns(), ";") + " » : les 32 colonnes du schéma sont attendues dans l'ordre : " + header}}},
		{"valeurs brutes refusées", csvFile(t, ',',
			base(map[string]string{"date_maj": "02/04/2024", "modalites_acces": "Ce lieu n’accueille pas de public", "telephone": "04 78 00 00 00", "latitude": "45,7"}),
			base(nil),
		), []lieux.RowError{
			{Line: 2, ID: "lieu-1", Field: "latitude", Reason: "latitude « 45,7 » : nombre attendu (décimales avec un point)"},
			{Line: 2, ID: "lieu-1", Field: "telephone", Reason: "telephone « 04 78 00 00 00 » : numéro français attendu (ex. 04 78 00 00 00 ou +33478000000)"},
			{Line: 2, ID: "lieu-1", Field: "date_maj", Reason: "date_maj « 02/04/2024 » : date AAAA-MM-JJ attendue"},
			{Line: 2, ID: "lieu-1", Field: "modalites_acces", Reason: "modalites_acces « Ce lieu n’accueille pas de public » : valeur hors liste (valeurs possibles : " + strings.Join(maillage.LieuModalitesAcces, " | ") + ")"},
			{Line: 3, ID: "lieu-1", Field: "id", Reason: "id « lieu-1 » : déjà utilisé ligne 2"},
		}},
		{"résumé trop long", csvFile(t, ',', base(map[string]string{"presentation_resume": strings.Repeat("é", 281)})),
			[]lieux.RowError{{Line: 2, ID: "lieu-1", Field: "presentation_resume", Reason: "presentation_resume « " + strings.Repeat("é", 281) + " » : trop long (281 caractères, 280 au plus)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, lieux.ValidateCSVAgainstSchema(strings.NewReader(tt.file))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
