package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/label"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
	"maillage/internal/web/kit"
)

const labelProgramme = "lieu-mediation-numerique"

var labelPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func labelID() string { return fmt.Sprintf("%d%03d", time.Now().UnixNano()%1e8, rand.IntN(1000)) }

// labelSetup is a place with its referent, and a reviewer of the programme.
type labelSetup struct {
	a         *app.App
	referent  *maillage.User
	reviewer  *maillage.User
	structure *maillage.Structure
	refS      string // sessions
	revS      string
}

func reviewerOf(code string) *maillage.RoleGrant {
	return &maillage.RoleGrant{Role: maillage.RoleInstructeur, ScopeKind: maillage.ScopeProgramme, ScopeValue: code}
}

func fullUser(t *testing.T, a *app.App, email string, g *maillage.RoleGrant) *maillage.User {
	t.Helper()
	u := newUser(t, a, email, g)
	full, err := a.Users.FindUserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return full
}

func newLabelSetup(t *testing.T, a *app.App, name string) *labelSetup {
	t.Helper()
	id := labelID()
	s := &labelSetup{a: a}
	s.referent = fullUser(t, a, "ref-"+id+"@exemple.fr", nil)
	s.reviewer = fullUser(t, a, "instr-"+id+"@exemple.fr", reviewerOf(labelProgramme))
	st, claim, err := a.Structures.CreateStructure(context.Background(), s.referent.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu},
		Lieu: maillage.Lieu{Pivot: fmt.Sprintf("W69%07d", rand.IntN(1e7)), Nom: name, Adresse: "3 place Sathonay", CodePostal: "69001",
			Commune: "Lyon", CodeInsee: "69123", Horaires: "Mo-Fr 09:00-17:00", Itinerance: []string{"Fixe"},
			Services: []string{"Aide aux démarches administratives"}}})
	if err != nil || claim != nil {
		t.Fatalf("structure: %v %v", err, claim)
	}
	s.structure = st
	s.refS, s.revS = newSession(t, a, s.referent), newSession(t, a, s.reviewer)
	return s
}

// submitted starts an application, answers it whole and submits it.
func (s *labelSetup) submitted(t *testing.T) *label.Application {
	t.Helper()
	ctx := context.Background()
	ap, err := s.a.Labels.Start(ctx, s.referent, s.structure.ID, labelProgramme)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := s.a.Labels.Find(ctx, s.referent, ap.ID)
	answers := map[string]string{}
	for _, in := range d.Programme.Indicators() {
		if in.AppliesTo(d.Kinds) && d.Revision.Answers[in.Code] == "" {
			answers[in.Code] = "Réponse " + in.Code
		}
	}
	if err := s.a.Labels.SaveAnswers(ctx, s.referent, ap.ID, answers); err != nil {
		t.Fatal(err)
	}
	if err := s.a.Labels.Submit(ctx, s.referent, ap.ID); err != nil {
		t.Fatal(err)
	}
	return ap
}

// postMultipart posts a form with files as a signed-in browser.
func postMultipart(t *testing.T, a *app.App, session, target string, fields url.Values, files map[string][2]string) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fields.Set("_csrf", kit.SessionCSRF(session))
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, f := range files {
		fw, err := mw.CreateFormFile(field, f[0])
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(f[1]))
	}
	mw.Close()
	req := httptest.NewRequest("POST", target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Cookie", "maillage_session="+session)
	resp, err := a.Web.App().Test(req, 30000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

// TestLabelFormsRefuseBadInput: every form of the label, sent with bad
// input, answers with a French message next to its field, keeps what was
// typed, and loses nothing already saved.
func TestLabelFormsRefuseBadInput(t *testing.T) {
	a := testenv.Get(t).App(t)
	s := newLabelSetup(t, a, "Espace des formulaires")
	ctx := context.Background()
	draft, err := a.Labels.Start(ctx, s.referent, s.structure.ID, labelProgramme)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Labels.SaveAnswers(ctx, s.referent, draft.ID, map[string]string{"2.1": "Réponse déjà enregistrée"}); err != nil {
		t.Fatal(err)
	}
	other := newLabelSetup(t, a, "Espace instruit des formulaires")
	sub := other.submitted(t)
	if err := a.Labels.Move(ctx, s.reviewer, sub.ID, label.EnInstruction, ""); err != nil {
		t.Fatal(err)
	}
	asked := fullUser(t, a, "avis-formulaires-"+labelID()+"@exemple.fr", reviewerOf(labelProgramme))
	if err := a.Labels.AskOpinion(ctx, s.reviewer, sub.ID, asked.ID, "Qu'en pensez-vous ?", false); err != nil {
		t.Fatal(err)
	}
	od, _ := a.Labels.Find(ctx, asked, sub.ID)
	askedS := newSession(t, a, asked)
	admin := fullUser(t, a, "admin-formulaires-"+labelID()+"@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleAdministrateur})
	adminS := newSession(t, a, admin)
	d := func(id int64, rest string) string { return fmt.Sprintf("/labels/dossiers/%d%s", id, rest) }

	for _, tc := range []struct {
		name, session, target string
		values                url.Values
		files                 map[string][2]string
		status                int
		want                  []string
	}{
		{"start without structure", s.refS, "/labels/dossiers", url.Values{"programme": {labelProgramme}}, nil, 422, []string{"Choisissez une structure."}},
		{"start twice", s.refS, "/labels/dossiers", url.Values{"structure_id": {fmt.Sprint(s.structure.ID)}, "programme": {labelProgramme}}, nil, 409,
			[]string{"Cette structure a déjà un dossier en cours pour ce programme."}},
		{"answer too long", s.refS, d(draft.ID, "/reponses"), url.Values{"reponses.1.1": {strings.Repeat("é", label.MaxAnswer+1)}}, map[string][2]string{}, 422,
			[]string{"10 000 caractères au plus", "Réponse déjà enregistrée"}},
		{"evidence with a lying extension", s.refS, d(draft.ID, "/reponses"), url.Values{"reponses.4.2": {"Plan de formation joint."}},
			map[string][2]string{"pieces.3.1": {"charte.pdf", "\x89PNG\r\n\x1a\n0000000000000000"}}, 422,
			[]string{"ne correspond pas à son extension .pdf", "Plan de formation joint."}},
		{"submit incomplete", s.refS, d(draft.ID, "/reponses"), url.Values{"action": {"deposer"}, "reponses.1.1": {"Du lundi au vendredi."}}, map[string][2]string{}, 422,
			[]string{"Le dossier n'est pas complet", "Répondez à cet indicateur", "Du lundi au vendredi."}},
		{"empty message", s.refS, d(draft.ID, "/messages"), url.Values{"texte": {"  "}}, map[string][2]string{}, 422, []string{"Ce champ est obligatoire."}},
		{"correction without motivation", s.revS, d(sub.ID, "/etat"), url.Values{"etat": {"correction_demandee"}, "motivation": {""}}, nil, 422,
			[]string{"Une motivation est obligatoire"}},
		{"decision not chosen", s.revS, d(sub.ID, "/decision"), url.Values{"motivation": {"Très bien."}}, nil, 422, []string{"Choisissez une décision.", "Très bien."}},
		{"decision without motivation", s.revS, d(sub.ID, "/decision"), url.Values{"decision": {"refusee"}}, nil, 422, []string{"Une motivation est obligatoire"}},
		{"major non-conformity without comment", s.revS, d(sub.ID, "/appreciations"), url.Values{"appreciations.1.1.appreciation": {"non_conformite_majeure"}}, nil, 422,
			[]string{"Une non-conformité doit être expliquée dans le commentaire."}},
		{"empty note", s.revS, d(sub.ID, "/notes"), url.Values{"note": {""}}, nil, 422, []string{"Ce champ est obligatoire."}},
		{"opinion of nobody", s.revS, d(sub.ID, "/avis"), url.Values{"question": {"Votre avis ?"}}, nil, 422,
			[]string{"Choisissez un autre instructeur ou une autre instructrice du programme.", "Votre avis ?"}},
		{"empty opinion", askedS, fmt.Sprintf("/labels/avis/%d/reponse", od.Opinions[0].ID), url.Values{"reponse": {" "}}, nil, 422, []string{"Ce champ est obligatoire.", "Qu'en pensez-vous ?"}},
		{"withdrawal without reason", adminS, "/labels/attributions/1/retrait", url.Values{"dossier": {fmt.Sprint(sub.ID)}, "motif": {""}}, nil, 422, []string{"Indiquez le motif du retrait."}},
		{"assign nobody", adminS, d(sub.ID, "/assigner"), url.Values{}, nil, 422, []string{"Choisissez un instructeur ou une instructrice."}},
		{"bulk without action", s.revS, "/labels/instruction/lot", url.Values{"ids": {fmt.Sprint(sub.ID)}}, nil, 422, []string{"Choisissez une action."}},
		{"bulk without selection", s.revS, "/labels/instruction/lot", url.Values{"action": {"instruire"}}, nil, 422, []string{"Cochez au moins un dossier"}},
		{"bulk refusal without motivation", s.revS, "/labels/instruction/lot", url.Values{"action": {"refuser"}, "ids": {fmt.Sprint(sub.ID)}}, nil, 422,
			[]string{"Une motivation est obligatoire"}},
		{"export without columns", s.revS, "/labels/instruction/export", url.Values{"format": {"csv"}}, nil, 422, []string{"Cochez au moins une colonne."}},
		{"tie without structure", s.revS, "/labels/liens", url.Values{"programme": {labelProgramme}, "motif": {"Famille"}}, nil, 422, []string{"Choisissez une structure.", "Famille"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r response
			if tc.files != nil {
				r = postMultipart(t, a, tc.session, tc.target, tc.values, tc.files)
			} else {
				r = postForm(t, a, tc.session, tc.target, tc.values, nil)
			}
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			mustContain(t, r.Body, tc.want...)
			if tc.status == 422 && !strings.Contains(r.Body, `class="field-error"`) && !strings.Contains(r.Body, "error-summary") {
				t.Error("no message next to the field")
			}
		})
	}
	dd, err := a.Labels.Find(ctx, s.referent, draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	if dd.Revision.Answers["2.1"] != "Réponse déjà enregistrée" || len(dd.Revision.Files) != 0 || dd.App.State != label.Brouillon {
		t.Errorf("after bad input: answers %v files %v state %s", dd.Revision.Answers, dd.Revision.Files, dd.App.State)
	}
	// The answers typed beside a refused file were saved.
	if dd.Revision.Answers["4.2"] != "Plan de formation joint." {
		t.Errorf("answer beside a refused file: %q", dd.Revision.Answers["4.2"])
	}
}

// TestLabelApplicantNeverSeesReviewerData: private notes and confidential
// opinions stay with reviewers on the page, in the API, exports, search
// and downloads; a reviewer of another programme opens nothing.
func TestLabelApplicantNeverSeesReviewerData(t *testing.T) {
	a := testenv.Get(t).App(t)
	s := newLabelSetup(t, a, "Médiathèque des Pentes")
	ctx := context.Background()
	ap := s.submitted(t)
	second := fullUser(t, a, "second-"+labelID()+"@exemple.fr", reviewerOf(labelProgramme))
	if err := a.Labels.AddNote(ctx, s.reviewer, ap.ID, "NOTE-PRIVEE-XYZ"); err != nil {
		t.Fatal(err)
	}
	if err := a.Labels.AskOpinion(ctx, s.reviewer, ap.ID, second.ID, "AVIS-CONFIDENTIEL-XYZ", true); err != nil {
		t.Fatal(err)
	}
	if err := a.Labels.PostMessage(ctx, s.reviewer, ap.ID, "Message visible", []label.Upload{{Name: "note.txt", Body: strings.NewReader("ok\n")}}); err != nil {
		t.Fatal(err)
	}
	page := do(t, a.Web.App(), "GET", fmt.Sprintf("/labels/dossiers/%d", ap.ID), cookie(s.refS, false))
	wantStatus(t, page, 200)
	mustContain(t, page.Body, "Message visible", "Médiathèque des Pentes")
	mustNotContain(t, page.Body, "NOTE-PRIVEE-XYZ", "AVIS-CONFIDENTIEL-XYZ", "Notes privées")
	api := do(t, a.Web.App(), "GET", fmt.Sprintf("/api/labels/dossiers/%d", ap.ID), cookie(s.refS, false))
	wantStatus(t, api, 200)
	mustNotContain(t, api.Body, "NOTE-PRIVEE-XYZ", "AVIS-CONFIDENTIEL-XYZ", `"notes"`, `"avis"`)
	var body map[string]any
	decode(t, api, &body)
	for _, k := range []string{"dossier", "revision", "messages", "historique"} {
		if body[k] == nil {
			t.Errorf("API dossier lacks %s", k)
		}
	}
	// Reviewer pages and exports: not for applicants.
	for _, target := range []string{"/labels/instruction", "/api/labels/dossiers"} {
		if r := do(t, a.Web.App(), "GET", target, cookie(s.refS, false)); r.Status != 403 {
			t.Errorf("applicant GET %s: %d", target, r.Status)
		}
	}
	if r := postForm(t, a, s.refS, "/labels/instruction/export", url.Values{"format": {"csv"}, "colonnes": {"id", "notes"}}, nil); r.Status != 403 {
		t.Errorf("applicant export: %d", r.Status)
	}
	// The reviewer sees the note; a reviewer who was not asked does not see the confidential opinion.
	rev := do(t, a.Web.App(), "GET", fmt.Sprintf("/labels/dossiers/%d", ap.ID), cookie(s.revS, false))
	mustContain(t, rev.Body, "NOTE-PRIVEE-XYZ", "AVIS-CONFIDENTIEL-XYZ")
	third := fullUser(t, a, "troisieme-"+labelID()+"@exemple.fr", reviewerOf(labelProgramme))
	r3 := do(t, a.Web.App(), "GET", fmt.Sprintf("/labels/dossiers/%d", ap.ID), cookie(newSession(t, a, third), false))
	mustContain(t, r3.Body, "NOTE-PRIVEE-XYZ")
	mustNotContain(t, r3.Body, "AVIS-CONFIDENTIEL-XYZ")
	// A reviewer of programme B opens nothing of programme A.
	otherProg := fullUser(t, a, "prog-b-"+labelID()+"@exemple.fr", reviewerOf("autre-programme"))
	oS := newSession(t, a, otherProg)
	for _, target := range []string{fmt.Sprintf("/labels/dossiers/%d", ap.ID), fmt.Sprintf("/api/labels/dossiers/%d", ap.ID)} {
		if r := do(t, a.Web.App(), "GET", target, cookie(oS, false)); r.Status != 404 {
			t.Errorf("reviewer of programme B GET %s: %d", target, r.Status)
		}
	}
	d, _ := a.Labels.Find(ctx, s.referent, ap.ID)
	fileURL := fmt.Sprintf("/labels/fichiers/%d", d.Messages[0].Files[0].ID)
	if r := do(t, a.Web.App(), "GET", fileURL, cookie(oS, false)); r.Status != 404 {
		t.Errorf("reviewer of programme B downloads: %d", r.Status)
	}
	if r := do(t, a.Web.App(), "GET", fileURL, cookie(s.refS, false)); r.Status != 200 || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("applicant downloads: %d", r.Status)
	}
	// Search: the applications index answers reviewers only, within their
	// programmes; the public search never lists applications.
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := a.SearchSync.WaitIdle(sctx); err != nil {
		t.Fatal(err)
	}
	found, err := a.SearchService.SearchApplications(ctx, s.reviewer, "Pentes")
	if err != nil || len(found) == 0 || found[0] != ap.ID {
		t.Errorf("reviewer search: %v %v", found, err)
	}
	if got, _ := a.SearchService.SearchApplications(ctx, otherProg, "Pentes"); len(got) != 0 {
		t.Errorf("reviewer of programme B finds %v", got)
	}
	if _, err := a.SearchService.SearchApplications(ctx, s.referent, "Pentes"); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Errorf("applicant searches applications: %v", err)
	}
	queue := do(t, a.Web.App(), "GET", "/labels/instruction?onglet=tous&q=Pentes", cookie(s.revS, false))
	mustContain(t, queue.Body, "Médiathèque des Pentes")
	pub := do(t, a.Web.App(), "GET", "/api/recherche?q=NOTE-PRIVEE-XYZ", nil)
	mustNotContain(t, pub.Body, `"type":"application"`)
	pub = do(t, a.Web.App(), "GET", "/api/recherche?q=Pentes", cookie(s.refS, false))
	mustNotContain(t, pub.Body, `"type":"application"`, "/labels/dossiers/")
}

// TestLabelExportXLSX: the export of the queue, with the columns chosen,
// reads back as a spreadsheet; private notes are a reviewer's column.
func TestLabelExportXLSX(t *testing.T) {
	a := testenv.Get(t).App(t)
	s := newLabelSetup(t, a, "Tiers-lieu de l'export")
	ap := s.submitted(t)
	if err := a.Labels.AddNote(context.Background(), s.reviewer, ap.ID, "Note exportée"); err != nil {
		t.Fatal(err)
	}
	r := postForm(t, a, s.revS, "/labels/instruction/export", url.Values{"format": {"xlsx"}, "onglet": {"tous"}, "departement": {"69"},
		"colonnes": {"id", "structure", "etat", "notes"}}, nil)
	wantStatus(t, r, 200)
	rows, err := label.ReadXLSX(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || strings.Join(rows[0], "|") != "N° de dossier|Structure|État|Notes privées" {
		t.Fatalf("xlsx rows %v", rows)
	}
	found := false
	for _, row := range rows[1:] {
		found = found || (row[0] == fmt.Sprint(ap.ID) && row[1] == "Tiers-lieu de l'export" && row[2] == "Déposé" && row[3] == "Note exportée")
	}
	if !found {
		t.Errorf("application %d not exported: %v", ap.ID, rows)
	}
	// The register's API is open data.
	reg := do(t, a.Web.App(), "GET", "/api/labels?departement=69", nil)
	wantStatus(t, reg, 200)
	var l struct {
		Total int               `json:"total"`
		Items []json.RawMessage `json:"items"`
	}
	decode(t, reg, &l)
}

// TestLabelQueueFilterOfNoCode: the queue's filter comes from the query
// string (and the bulk and export forms), where anything can be written.
// A département or a programme that is no code filters nothing; a NUL in
// either reached the SQL, which bun refuses to write: a 500 on the page,
// the API and the export.
func TestLabelQueueFilterOfNoCode(t *testing.T) {
	a := testenv.Get(t).FreshApp(t) // the queue lists only this test's applications
	s := newLabelSetup(t, a, "Espace des filtres étranges")
	ap := s.submitted(t)
	for _, tc := range []struct {
		name, query string
		listed      bool // the application is in the list
	}{
		{"département 69", "departement=69", true},
		{"NUL département", "departement=%00", true},
		{"département then NUL", "departement=69%00", true},
		{"NUL programme", "programme=%00", true},
		{"programme then NUL", "programme=" + labelProgramme + "%00", true},
		{"unknown département", "departement=99", false},
		{"unknown programme", "programme=inconnu", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := "onglet=tous&" + tc.query
			r := getPage(t, a, s.revS, "/labels/instruction?"+q)
			wantStatus(t, r, 200)
			if got := strings.Contains(r.Body, fmt.Sprintf("/labels/dossiers/%d", ap.ID)); got != tc.listed {
				t.Errorf("page lists %d: %v, want %v", ap.ID, got, tc.listed)
			}
			api := send(t, a, "GET", "/api/labels/dossiers?"+q, "", cookie(s.revS, false))
			wantStatus(t, api, 200)
			values, _ := url.ParseQuery(q)
			values.Set("format", "csv")
			values["colonnes"] = []string{"id", "structure"}
			exp := postForm(t, a, s.revS, "/labels/instruction/export", values, nil)
			if exp.Status >= 500 {
				t.Errorf("export: %d %.200s", exp.Status, exp.Body)
			}
		})
	}
}

// TestLabelOpinionIsAnsweredOnce: an opinion is part of the record of an
// application's review. Its answer was rewritten by posting the form
// again (a replay, a second tab), after the decision too, each time
// mailing the reviewer who asked; it is now given once.
func TestLabelOpinionIsAnsweredOnce(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	s := newLabelSetup(t, a, "Espace des avis donnés")
	sub := s.submitted(t)
	if err := a.Labels.Move(ctx, s.reviewer, sub.ID, label.EnInstruction, ""); err != nil {
		t.Fatal(err)
	}
	asked := fullUser(t, a, "avis-une-fois-"+labelID()+"@exemple.fr", reviewerOf(labelProgramme))
	if err := a.Labels.AskOpinion(ctx, s.reviewer, sub.ID, asked.ID, "Le plan de formation suffit-il ?", false); err != nil {
		t.Fatal(err)
	}
	od, err := a.Labels.Find(ctx, asked, sub.ID)
	if err != nil || len(od.Opinions) != 1 {
		t.Fatalf("opinion: %v %+v", err, od)
	}
	target := fmt.Sprintf("/labels/avis/%d/reponse", od.Opinions[0].ID)
	askedS := newSession(t, a, asked)
	for i, tt := range []struct {
		session, answer string
		status          int
	}{
		{s.revS, "Je réponds à sa place.", 403}, // only the reviewer asked
		{askedS, "Oui, il couvre les trois blocs.", 303},
		{askedS, "Finalement non.", 409},
	} {
		if r := postForm(t, a, tt.session, target, url.Values{"reponse": {tt.answer}}, nil); r.Status != tt.status {
			t.Errorf("answer %d: %d, want %d", i+1, r.Status, tt.status)
		}
	}
	d, err := a.Labels.Find(ctx, s.reviewer, sub.ID)
	if err != nil || len(d.Opinions) != 1 || d.Opinions[0].Answer != "Oui, il couvre les trois blocs." {
		t.Errorf("opinion kept: %v %+v", err, d.Opinions)
	}
	ms, _, err := a.Mails.FindMails(ctx, maillage.MailFilter{To: s.reviewer.Email, Kind: "label_opinion_answered", Limit: 10})
	if err != nil || len(ms) != 1 {
		t.Errorf("%d mails to the reviewer who asked, want 1 (%v)", len(ms), err)
	}
}

// TestLabelApplicantWhoReviewsSeesNoReviewerData: a referent of a place
// may also be an « instructeur » of the programme it applies to. On their
// own application they are its applicant: it was shown to them as to a
// reviewer, with the other reviewers' private notes, assessments and
// opinions, and they could grade it and write notes in it.
func TestLabelApplicantWhoReviewsSeesNoReviewerData(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	s := newLabelSetup(t, a, "Tiers-lieu de l'instructrice")
	ap := s.submitted(t)
	if err := a.Labels.Move(ctx, s.reviewer, ap.ID, label.EnInstruction, ""); err != nil {
		t.Fatal(err)
	}
	second := fullUser(t, a, "second-avis-"+labelID()+"@exemple.fr", reviewerOf(labelProgramme))
	if err := a.Labels.AddNote(ctx, s.reviewer, ap.ID, "NOTE-ENTRE-INSTRUCTEURS"); err != nil {
		t.Fatal(err)
	}
	if err := a.Labels.AskOpinion(ctx, s.reviewer, ap.ID, second.ID, "AVIS-ENTRE-INSTRUCTEURS", false); err != nil {
		t.Fatal(err)
	}
	if err := a.Labels.Assess(ctx, s.reviewer, ap.ID, []label.Assessment{{Indicator: "2.1", Grade: "non_conformite_mineure", Comment: "APPRECIATION-ENTRE-INSTRUCTEURS"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Users.GrantRole(ctx, s.referent.ID, maillage.RoleGrant{UserID: s.referent.ID, Role: maillage.RoleInstructeur,
		ScopeKind: maillage.ScopeProgramme, ScopeValue: labelProgramme}, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	private := []string{"NOTE-ENTRE-INSTRUCTEURS", "AVIS-ENTRE-INSTRUCTEURS", "APPRECIATION-ENTRE-INSTRUCTEURS"}
	page := do(t, a.Web.App(), "GET", fmt.Sprintf("/labels/dossiers/%d", ap.ID), cookie(s.refS, false))
	wantStatus(t, page, 200)
	mustNotContain(t, page.Body, private...)
	api := do(t, a.Web.App(), "GET", fmt.Sprintf("/api/labels/dossiers/%d", ap.ID), cookie(s.refS, false))
	wantStatus(t, api, 200)
	mustNotContain(t, api.Body, private...)
	for _, tc := range []struct {
		target string
		values url.Values
	}{
		{"/appreciations", url.Values{"appreciations.2.1.appreciation": {"conforme"}, "appreciations.2.1.commentaire": {"Tout va bien chez nous."}}},
		{"/notes", url.Values{"note": {"Note de la référente sur son propre dossier."}}},
		{"/avis", url.Values{"avis_de": {fmt.Sprint(second.ID)}, "question": {"Pouvez-vous être indulgent ?"}}},
	} {
		if r := postForm(t, a, s.refS, fmt.Sprintf("/labels/dossiers/%d%s", ap.ID, tc.target), tc.values, nil); r.Status != 403 {
			t.Errorf("POST %s by the applicant who reviews: %d", tc.target, r.Status)
		}
	}
	d, err := a.Labels.Find(ctx, s.reviewer, ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Notes) != 1 || len(d.Opinions) != 1 || len(d.Assessments) != 1 || d.Assessments[0].Grade != "non_conformite_mineure" {
		t.Errorf("the review changed: notes %+v opinions %+v assessments %+v", d.Notes, d.Opinions, d.Assessments)
	}
	// Nor through the queue, its API and its exports.
	link := fmt.Sprintf("/labels/dossiers/%d", ap.ID)
	if r := getPage(t, a, s.refS, "/labels/instruction?onglet=tous"); r.Status != 200 || strings.Contains(r.Body, link+`"`) {
		t.Errorf("queue of the applicant who reviews: %d, lists %d: %v", r.Status, ap.ID, strings.Contains(r.Body, link+`"`))
	}
	if r := send(t, a, "GET", "/api/labels/dossiers?onglet=tous", "", cookie(s.refS, false)); r.Status != 200 || strings.Contains(r.Body, fmt.Sprintf(`"id":%d,`, ap.ID)) {
		t.Errorf("queue API of the applicant who reviews: %d %.300s", r.Status, r.Body)
	}
	exp := postForm(t, a, s.refS, "/labels/instruction/export", url.Values{"format": {"csv"}, "onglet": {"tous"}, "colonnes": {"id", "structure", "notes"}}, nil)
	wantStatus(t, exp, 200)
	mustNotContain(t, exp.Body, private...)
	// The other reviewers still review it.
	mustContain(t, do(t, a.Web.App(), "GET", link, cookie(s.revS, false)).Body, private...)
}

// TestLabelConflictedReviewerDoesNotAssess: a reviewer tied to the
// structure (a member, even past; a declared tie) may not review its
// application: neither follow, move nor decide it, and the page offers no
// assessment form. The assessments were still written when posted, and
// they weigh on the decision (open major non-conformities).
func TestLabelConflictedReviewerDoesNotAssess(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	s := newLabelSetup(t, a, "Lieu d'un instructeur lié")
	ap := s.submitted(t)
	if err := a.Labels.Move(ctx, s.reviewer, ap.ID, label.EnInstruction, ""); err != nil {
		t.Fatal(err)
	}
	tied := fullUser(t, a, "instructeur-lie-"+labelID()+"@exemple.fr", reviewerOf(labelProgramme))
	testenv.Join(t, a, s.referent, s.structure.ID, tied, maillage.MemberMediateur)
	tiedS := newSession(t, a, tied)
	mustContain(t, getPage(t, a, tiedS, fmt.Sprintf("/labels/dossiers/%d", ap.ID)).Body, "conflit d")
	for i, tt := range []struct {
		session string
		status  int
	}{
		{tiedS, 403},
		{s.revS, 303},
	} {
		r := postForm(t, a, tt.session, fmt.Sprintf("/labels/dossiers/%d/appreciations", ap.ID),
			url.Values{"appreciations.2.1.appreciation": {"conforme"}, "appreciations.2.1.commentaire": {fmt.Sprintf("Appréciation %d", i+1)}}, nil)
		if r.Status != tt.status {
			t.Errorf("assessment %d: %d, want %d", i+1, r.Status, tt.status)
		}
	}
	d, err := a.Labels.Find(ctx, s.reviewer, ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Assessments) != 1 || d.Assessments[0].ReviewerID != s.reviewer.ID {
		t.Errorf("assessments: %+v", d.Assessments)
	}
}

// TestLabelOpinionRemindersAreNotAMailCannon: « Relancer » mails the
// reviewer asked. Every click sent a mail, from any reviewer of the
// programme, without bound; a reminder by hand now leaves a day after the
// request or the last reminder at the soonest.
func TestLabelOpinionRemindersAreNotAMailCannon(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	s := newLabelSetup(t, a, "Espace des relances")
	ap := s.submitted(t)
	asked := fullUser(t, a, "relance-"+labelID()+"@exemple.fr", reviewerOf(labelProgramme))
	if err := a.Labels.AskOpinion(ctx, s.reviewer, ap.ID, asked.ID, "Votre avis sur le critère 2 ?", false); err != nil {
		t.Fatal(err)
	}
	d, err := a.Labels.Find(ctx, s.reviewer, ap.ID)
	if err != nil || len(d.Opinions) != 1 {
		t.Fatalf("opinion: %v", err)
	}
	oid := d.Opinions[0].ID
	remind := func() response {
		return postForm(t, a, s.revS, fmt.Sprintf("/labels/avis/%d/relance", oid), url.Values{}, nil)
	}
	if r := remind(); r.Status != 429 {
		t.Errorf("reminder just after asking: %d", r.Status)
	}
	if _, err := a.DB.NewRaw("UPDATE label_opinions SET created_at = now() - interval '2 days' WHERE id = ?", oid).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{303, 429, 429} {
		if r := remind(); r.Status != want {
			t.Errorf("reminder %d: %d, want %d", i+1, r.Status, want)
		}
	}
	ms, _, err := a.Mails.FindMails(ctx, maillage.MailFilter{To: asked.Email, Kind: "label_opinion_reminder", Limit: 10})
	if err != nil || len(ms) != 1 {
		t.Errorf("%d reminders mailed, want 1 (%v)", len(ms), err)
	}
}

// TestLabelOpinionIsAskedOnceAtATime: asking an opinion mails the
// reviewer asked. The same request could be sent again and again (a
// replay, a double click, a reviewer insisting), each one a mail and an
// opinion to give; a reviewer now has one opinion at a time to give on an
// application.
func TestLabelOpinionIsAskedOnceAtATime(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	s := newLabelSetup(t, a, "Espace des avis répétés")
	ap := s.submitted(t)
	asked := fullUser(t, a, "avis-repete-"+labelID()+"@exemple.fr", reviewerOf(labelProgramme))
	third := fullUser(t, a, "avis-tiers-"+labelID()+"@exemple.fr", reviewerOf(labelProgramme))
	ask := func(session string, to *maillage.User) response {
		return postForm(t, a, session, fmt.Sprintf("/labels/dossiers/%d/avis", ap.ID),
			url.Values{"avis_de": {fmt.Sprint(to.ID)}, "question": {"Votre avis ?"}}, nil)
	}
	for i, tt := range []struct {
		session string
		to      *maillage.User
		status  int
	}{
		{s.revS, asked, 303},
		{s.revS, asked, 422},
		{newSession(t, a, third), asked, 422}, // from another reviewer too
		{s.revS, third, 303},                  // another reviewer asked
	} {
		r := ask(tt.session, tt.to)
		if r.Status != tt.status {
			t.Fatalf("opinion %d: %d, want %d", i+1, r.Status, tt.status)
		}
		if tt.status == 422 {
			mustContain(t, r.Body, `id="avis_de-error"`, "déjà")
		}
	}
	ms, _, err := a.Mails.FindMails(ctx, maillage.MailFilter{To: asked.Email, Kind: "label_opinion_asked", Limit: 10})
	if err != nil || len(ms) != 1 {
		t.Errorf("%d mails to the reviewer asked, want 1 (%v)", len(ms), err)
	}
	// Once answered, they may be asked again.
	d, _ := a.Labels.Find(ctx, asked, ap.ID)
	for _, o := range d.Opinions {
		if o.ReviewerID == asked.ID {
			if _, err := a.Labels.AnswerOpinion(ctx, asked, o.ID, "Favorable."); err != nil {
				t.Fatal(err)
			}
		}
	}
	if r := ask(s.revS, asked); r.Status != 303 {
		t.Errorf("after the answer: %d", r.Status)
	}
}
