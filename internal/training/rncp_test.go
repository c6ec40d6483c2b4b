package training_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/unicode/norm"

	"maillage/internal/maillage"
	"maillage/internal/training"
)

const bom = "\ufeff"

// rncpZip builds an export-fiches-csv archive from member name → content.
func rncpZip(t testing.TB, members map[string]string) *zip.Reader {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return zr
}

// The columns are those of the real export (Standard has 16); Colonne_Nouvelle
// is an unknown one, to be ignored.
var rncpMembers = map[string]string{
	"export_fiches_CSV_Standard_2026_11_20.csv": bom +
		`"Id_Fiche";"Numero_Fiche";"Intitule";"Abrege_Libelle";"Abrege_Intitule";"Nomenclature_Europe_Niveau";"Nomenclature_Europe_Intitule";"Accessible_Nouvelle_Caledonie";"Accessible_Polynesie_Francaise";"Date_dernier_jo";"Date_Decision";"Date_Fin_Enregistrement";"Date_Effet";"Type_Enregistrement";"Validation_Partielle";"Actif";"Colonne_Nouvelle"` + "\r\n" +
		`"4637";"RNCP34137";"Responsable d'espace de médiation numérique";"TP";"Titre professionnel";"NIV5";"Niveau 5";"Non";"Non";"15/02/2019";"";"12/07/2024";"13/07/2019";"Enregistrement de droit";"Oui";"INACTIVE";"x"` + "\r\n" +
		`"9001";"RNCP40695";"Médiateur numérique";"TP";"Titre professionnel";"NIV5";"Niveau 5";"Non";"Non";"";"20/05/2025";"";"";"Enregistrement de droit";"Oui";"ACTIVE";"y"` + "\r\n" +
		`"9002";"RNCP12";"Ligne trop courte";"NIV4"` + "\r\n" +
		`"9003";"ABC";"Numéro invalide";"";"";"NIV4";"";"";"";"";"";"";"";"";"";"ACTIVE";""` + "\r\n" +
		`"9004";"RS5875";"Pix";"";"";"";"";"";"";"";"";"31/13/2027";"";"";"";"ACTIVE";""` + "\r\n" +
		`"9005";"RNCP77";"Actif inconnu";"";"";"NIV9";"";"";"";"";"";"";"";"";"";"PEUT-ETRE";""` + "\r\n" +
		`"9006";"RNCP34137";"Doublon";"";"";"";"";"";"";"";"";"";"";"";"";"ACTIVE";""` + "\r\n",
	// The name in decomposed form (é as e + combining accent), as some
	// archivers write it.
	norm.NFD.String("export_fiches_CSV_Blocs_De_Compétences_2026_11_20.csv"): bom +
		"Numero_Fiche;Bloc_Competences_Code;Bloc_Competences_Libelle\n" +
		"RNCP34137;RNCP34137BC03;Contribuer à la gestion d'un espace\n" +
		"RNCP34137;RNCP34137BC01;\"Accompagner différents publics; vers l'autonomie\"\n" +
		"RNCP34137;RNCP34137BC02;Contribuer au développement\n" +
		"RNCP99999;RNCP99999BC01;Fiche absente\n",
	"export_fiches_CSV_Certificateurs_2026_11_20.csv": bom +
		"Numero_Fiche;Siret_Certificateur;Nom_Certificateur\n" +
		"RNCP34137;11000007200014;MINISTERE DU TRAVAIL\n" +
		"RNCP40695;11000007200014;MINISTERE DU TRAVAIL\n",
	"export_fiches_CSV_Nsf_2026_11_20.csv": bom +
		"Numero_Fiche;Nsf_Code;Nsf_Intitule\n" +
		"RNCP34137;320t;320t : Spécialités plurivalentes de la communication\n" +
		"RNCP40695;335;335 : Animation\n",
	"export_fiches_CSV_Ancienne_Nouvelle_Certification_2026_11_20.csv": bom +
		"Numero_Fiche;Ancienne_Certification;Nouvelle_Certification\n" +
		"RNCP40695;RNCP34137;\n" +
		"RNCP34137;;RNCP40695\n" +
		"RNCP34137;RNCP26543;\n",
	"export_fiches_CSV_Rome_2026_11_20.csv": bom + "Numero_Fiche;Codes_Rome_Code;Codes_Rome_Libelle\nRNCP34137;K1206;Intervention socioculturelle\n",
	"LISEZMOI.txt":                          "pas un membre",
}

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func TestReadRNCPCSV(t *testing.T) {
	fiches, rep, err := training.ReadRNCPCSV(rncpZip(t, rncpMembers))
	if err != nil {
		t.Fatal(err)
	}
	want := []*training.Fiche{
		{Number: "RNCP34137", Kind: maillage.KindRNCP, Title: "Responsable d'espace de médiation numérique", Level: 5, Active: false,
			NSF:            []string{"320t"},
			Certificateurs: []training.Certificateur{{SIRET: "11000007200014", Name: "MINISTERE DU TRAVAIL"}},
			Blocs: []training.FicheBloc{
				{Code: "RNCP34137BC01", Rank: 1, Label: "Accompagner différents publics; vers l'autonomie"},
				{Code: "RNCP34137BC02", Rank: 2, Label: "Contribuer au développement"},
				{Code: "RNCP34137BC03", Rank: 3, Label: "Contribuer à la gestion d'un espace"},
			},
			ValidFrom: day(2019, 7, 13), ValidUntil: day(2024, 7, 12),
			Replaces: []string{"RNCP26543"}, Successors: []string{"RNCP40695"}, Line: 2},
		{Number: "RNCP40695", Kind: maillage.KindRNCP, Title: "Médiateur numérique", Level: 5, Active: true,
			NSF:            []string{"335"},
			Certificateurs: []training.Certificateur{{SIRET: "11000007200014", Name: "MINISTERE DU TRAVAIL"}},
			ValidFrom:      day(2025, 5, 20), Replaces: []string{"RNCP34137"}, Line: 3},
		{Number: "RS5875", Kind: maillage.KindRS, Title: "Pix", Active: true, Line: 6},
	}
	if diff := cmp.Diff(want, fiches); diff != "" {
		t.Errorf("fiches (-want +got):\n%s", diff)
	}

	type where struct {
		member  string
		line    int
		key     string
		warning bool
	}
	var got []where
	for _, is := range rep.Issues {
		got = append(got, where{is.Member[:strings.LastIndex(is.Member, "_2026")], is.Line, is.Key, is.Warning})
	}
	wantIssues := []where{
		{"export_fiches_CSV_Standard", 4, training.KeyRNCPBadRow, false},
		{"export_fiches_CSV_Standard", 5, training.KeyRNCPBadNumber, false},
		{"export_fiches_CSV_Standard", 6, training.KeyRNCPBadDate, true},
		{"export_fiches_CSV_Standard", 7, training.KeyRNCPBadValue, false},
		{"export_fiches_CSV_Standard", 8, training.KeyRNCPDuplicate, false},
		{"export_fiches_CSV_Blocs_De_Compétences", 5, training.KeyRNCPUnknownFiche, false},
	}
	if diff := cmp.Diff(wantIssues, got, cmp.AllowUnexported(where{})); diff != "" {
		t.Errorf("issues (-want +got):\n%s", diff)
	}
	if rep.Fiches != 3 || rep.Active != 2 || rep.Inactive != 1 || rep.Rejected != 5 || rep.Fatal {
		t.Errorf("report = %+v", rep)
	}
	if len(rep.Ignored) != 1 || !strings.HasPrefix(rep.Ignored[0], "export_fiches_CSV_Rome") {
		t.Errorf("ignored = %v", rep.Ignored)
	}

	// Idempotent: the same archive reads the same.
	again, _, _ := training.ReadRNCPCSV(rncpZip(t, rncpMembers))
	if diff := cmp.Diff(fiches, again); diff != "" {
		t.Errorf("second read differs:\n%s", diff)
	}

	c := fiches[0].Certification()
	wantCert := &maillage.Certification{
		Code: "RNCP34137", Kind: maillage.KindRNCP, Number: "RNCP34137", NumberConfirmed: true,
		Title: "Responsable d'espace de médiation numérique", Level: 5, NSF: "320t", Certificateur: "MINISTERE DU TRAVAIL",
		ValidFrom: day(2019, 7, 13), ValidUntil: day(2024, 7, 12), Replaces: "RNCP26543",
		Blocs: []*maillage.Bloc{
			{Code: "RNCP34137BC01", CertificationCode: "RNCP34137", Rank: 1, Label: "Accompagner différents publics; vers l'autonomie", Status: maillage.StatusConfirmed, Competences: []string{}},
			{Code: "RNCP34137BC02", CertificationCode: "RNCP34137", Rank: 2, Label: "Contribuer au développement", Status: maillage.StatusConfirmed, Competences: []string{}},
			{Code: "RNCP34137BC03", CertificationCode: "RNCP34137", Rank: 3, Label: "Contribuer à la gestion d'un espace", Status: maillage.StatusConfirmed, Competences: []string{}},
		},
	}
	if diff := cmp.Diff(wantCert, c); diff != "" {
		t.Errorf("Certification() (-want +got):\n%s", diff)
	}
}

func TestReadRNCPCSVWithoutStandard(t *testing.T) {
	_, rep, err := training.ReadRNCPCSV(rncpZip(t, map[string]string{"export_fiches_CSV_Nsf_2026_11_20.csv": "Numero_Fiche;Nsf_Code\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Fatal || len(rep.Issues) != 1 || rep.Issues[0].Key != training.KeyRNCPMissingMember {
		t.Errorf("report = %+v", rep)
	}
}

const rncpXML = `<?xml version="1.0" encoding="UTF-8"?>
<FICHES>
  <VERSION_FLUX>4.1</VERSION_FLUX>
  <FICHE>
    <ID_FICHE>4637</ID_FICHE>
    <NUMERO_FICHE>RNCP34137</NUMERO_FICHE>
    <INTITULE>Responsable d'espace de médiation numérique</INTITULE>
    <ACTIF>Non</ACTIF>
    <ETAT_FICHE>Publiée</ETAT_FICHE>
    <NOMENCLATURE_EUROPE><NIVEAU>NIV5</NIVEAU><INTITULE>Niveau 5</INTITULE></NOMENCLATURE_EUROPE>
    <CODES_NSF><NSF><CODE>320t</CODE><INTITULE>Spécialités plurivalentes</INTITULE></NSF></CODES_NSF>
    <CERTIFICATEURS><CERTIFICATEUR><SIRET_CERTIFICATEUR>11000007200014</SIRET_CERTIFICATEUR><NOM_CERTIFICATEUR>MINISTERE DU TRAVAIL</NOM_CERTIFICATEUR></CERTIFICATEUR></CERTIFICATEURS>
    <DATE_FIN_ENREGISTREMENT>12/07/2024</DATE_FIN_ENREGISTREMENT>
    <DATE_EFFET>13/07/2019</DATE_EFFET>
    <BLOCS_COMPETENCES>
      <BLOC_COMPETENCES>
        <CODE>RNCP34137BC02</CODE>
        <LIBELLE>Contribuer au développement</LIBELLE>
        <LISTE_COMPETENCES>&lt;p&gt;- Diagnostiquer&lt;/p&gt;</LISTE_COMPETENCES>
      </BLOC_COMPETENCES>
      <BLOC_COMPETENCES>
        <CODE>RNCP34137BC01</CODE>
        <LIBELLE>Accompagner différents publics</LIBELLE>
        <LISTE_COMPETENCES>Accueillir</LISTE_COMPETENCES>
      </BLOC_COMPETENCES>
    </BLOCS_COMPETENCES>
    <NOUVELLES_CERTIFICATIONS><NOUVELLE_CERTIFICATION>RNCP40695</NOUVELLE_CERTIFICATION></NOUVELLES_CERTIFICATIONS>
  </FICHE>
  <FICHE>
    <NUMERO_FICHE>RNCP40695</NUMERO_FICHE>
    <INTITULE>Médiateur numérique</INTITULE>
    <ACTIF>Oui</ACTIF>
    <NOMENCLATURE_EUROPE><NIVEAU>NIV5</NIVEAU></NOMENCLATURE_EUROPE>
    <ANCIENNES_CERTIFICATIONS><ANCIENNE_CERTIFICATION><ID_FICHE_ANCIENNE_CERTIFICATION>RNCP34137</ID_FICHE_ANCIENNE_CERTIFICATION></ANCIENNE_CERTIFICATION></ANCIENNES_CERTIFICATIONS>
  </FICHE>
  <FICHE>
    <NUMERO_FICHE>pas un numéro</NUMERO_FICHE>
    <ACTIF>Oui</ACTIF>
  </FICHE>
  <FICHE>
    <NUMERO_FICHE>RNCP1</NUMERO_FICHE>
    <ACTIF>Peut-être</ACTIF>
  </FICHE>
</FICHES>
`

func TestReadRNCPXML(t *testing.T) {
	var got []*training.Fiche
	rep, err := training.ReadRNCPXML(strings.NewReader(rncpXML), func(f *training.Fiche) error {
		got = append(got, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []*training.Fiche{
		{Number: "RNCP34137", Kind: maillage.KindRNCP, Title: "Responsable d'espace de médiation numérique", Level: 5,
			NSF:            []string{"320t"},
			Certificateurs: []training.Certificateur{{SIRET: "11000007200014", Name: "MINISTERE DU TRAVAIL"}},
			Blocs: []training.FicheBloc{
				{Code: "RNCP34137BC01", Rank: 1, Label: "Accompagner différents publics", Skills: "Accueillir"},
				{Code: "RNCP34137BC02", Rank: 2, Label: "Contribuer au développement", Skills: "<p>- Diagnostiquer</p>"},
			},
			ValidFrom: day(2019, 7, 13), ValidUntil: day(2024, 7, 12), Successors: []string{"RNCP40695"}, Line: 4},
		{Number: "RNCP40695", Kind: maillage.KindRNCP, Title: "Médiateur numérique", Level: 5, Active: true, Replaces: []string{"RNCP34137"}, Line: 29},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fiches (-want +got):\n%s", diff)
	}
	if rep.Fiches != 2 || rep.Active != 1 || rep.Inactive != 1 || rep.Rejected != 2 {
		t.Errorf("report = %+v", rep)
	}
	for i, key := range []string{training.KeyRNCPBadNumber, training.KeyRNCPBadValue} {
		if i >= len(rep.Issues) || rep.Issues[i].Key != key || rep.Issues[i].Line == 0 {
			t.Errorf("issue %d = %+v, want %s with a line", i, rep.Issues, key)
		}
	}
}

func TestReadRNCPXMLInvalid(t *testing.T) {
	for name, data := range map[string]string{
		"not XML":    "NUMERO_FICHE;INTITULE\n",
		"wrong root": "<FORMATIONS/>",
		"truncated":  rncpXML[:400],
		"NUL":        "<FICHES>\x00</FICHES>",
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := training.ReadRNCPXML(strings.NewReader(data), func(*training.Fiche) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Fatal || len(rep.Issues) == 0 {
				t.Errorf("report = %+v, want fatal with an issue", rep)
			}
		})
	}
}
