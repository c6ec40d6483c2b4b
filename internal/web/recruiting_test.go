package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/recruiting"
	"maillage/internal/testenv"
	"maillage/internal/web/kit"
)

// jobPeople is an employer (referent of an employer structure in Lyon) and
// a mediator open to opportunities in Villeurbanne, each with a session.
type jobPeople struct {
	a            *app.App
	boss, cand   *maillage.User
	bossS, candS string
	st           *maillage.Structure
	candProfile  *maillage.Profile
}

var jobSeq int

func newJobPeople(t *testing.T, a *app.App, candVis map[string]maillage.Visibility) *jobPeople {
	t.Helper()
	ctx := context.Background()
	jobSeq++
	p := &jobPeople{a: a}
	p.boss = newUser(t, a, fmt.Sprintf("employeuse.%d@exemple.fr", jobSeq), nil)
	var err error
	p.st, _, err = a.Structures.CreateStructure(ctx, p.boss.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu, maillage.StructureEmployeur},
		Lieu: maillage.Lieu{Pivot: fmt.Sprintf("W6951%05d", jobSeq), Nom: fmt.Sprintf("France Services Terreaux %d", jobSeq), Adresse: "2 place des Terreaux",
			CodePostal: "69001", Commune: "Lyon", CodeInsee: "69123"}})
	if err != nil {
		t.Fatal(err)
	}
	p.cand = newUser(t, a, fmt.Sprintf("mediatrice.%d@exemple.fr", jobSeq), nil)
	open, pix := true, 5
	p.candProfile = saveProfile(t, a, p.cand, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr(fmt.Sprintf("Nadia Candidate %d", jobSeq)),
		Commune: ptr("69266"), OpenToWork: &open, PixLevel: ptr(&pix), Bio: ptr("Médiatrice en centre social."),
		Titles:     &[]maillage.ProfileTitle{{CertificationCode: "REMN", BlocCode: "REMN-B1"}, {CertificationCode: "REMN", BlocCode: "REMN-B3"}},
		Visibility: candVis})
	p.bossS, p.candS = newSession(t, a, p.boss), newSession(t, a, p.cand)
	return p
}

func offerForm(closes string) url.Values {
	return url.Values{"structure_id": {""}, "title_feminine": {"Médiatrice numérique"}, "title_masculine": {"Médiateur numérique"},
		"description": {"Ateliers et accompagnement individuel aux démarches."}, "code_insee": {"Lyon (69123)"}, "remote": {"aucun"},
		"contract": {"cdd"}, "duration_months": {"12"}, "hours_per_week": {"35"}, "salary.min": {"1900"}, "salary.max": {"2200"},
		"salary.period": {"mois"}, "start_on": {""}, "closes_on": {closes}, "wants.REMN/REMN-B1": {"required"}, "wants.MN": {"welcome"},
		"how_to_apply": {""}, "apply_url": {""}}
}

func inDays(n int) string {
	return maillage.Today(time.Now()).AddDate(0, 0, n).Format(recruiting.DateLayout)
}

var locationID = regexp.MustCompile(`/emploi/(?:offres|candidatures)/(\d+)`)

// publish writes and publishes an offer through the pages; it returns its id.
func (p *jobPeople) publish(t *testing.T) string {
	t.Helper()
	f := offerForm(inDays(20))
	f.Set("structure_id", fmt.Sprint(p.st.ID))
	r := postForm(t, p.a, p.bossS, "/emploi/offres/nouvelle", f, nil)
	if r.Status != 303 {
		t.Fatalf("create offer: %d %s", r.Status, r.Body)
	}
	id := locationID.FindStringSubmatch(r.Header.Get("Location"))[1]
	if r := postForm(t, p.a, p.bossS, "/emploi/offres/"+id+"/statut", url.Values{"status": {"publiee"}}, nil); r.Status != 303 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	return id
}

func getPage(t *testing.T, a *app.App, session, target string) response {
	t.Helper()
	h := map[string]string{}
	if session != "" {
		h["Cookie"] = "maillage_session=" + session
	}
	return do(t, a.Web.App(), "GET", target, h)
}

// apply posts the application form as a browser does (multipart, with an
// optional file).
func apply(t *testing.T, a *app.App, session, offerID, message string, cvName string, cv []byte) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", kit.SessionCSRF(session))
	mw.WriteField("message", message)
	if cv != nil {
		fw, err := mw.CreateFormFile("cv", cvName)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(cv)
	}
	mw.Close()
	req := httptest.NewRequest("POST", "/emploi/offres/"+offerID+"/postuler", &body)
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

var cvPDF = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

// TestRecruitingOfferPages: the employer writes, publishes and edits an
// offer; bad input (a closing date in the past, a salary minimum above its
// maximum) comes back next to its field in French, as typed, and nothing
// stored is lost; only employers of the structure edit; a draft does not
// exist for others.
func TestRecruitingOfferPages(t *testing.T) {
	a := testenv.Get(t).App(t)
	p := newJobPeople(t, a, nil)
	outsider := newSession(t, a, newUser(t, a, "curieuse.offres@exemple.fr", nil))

	if r := getPage(t, a, p.bossS, "/emploi/offres/nouvelle"); r.Status != 200 || !strings.Contains(r.Body, `name="wants.REMN/REMN-B1"`) {
		t.Fatalf("new offer form: %d", r.Status)
	}
	if r := getPage(t, a, outsider, "/emploi/offres/nouvelle"); r.Status != 403 {
		t.Fatalf("new offer form for a non-employer: %d", r.Status)
	}
	bad := offerForm(inDays(-1))
	bad.Set("structure_id", fmt.Sprint(p.st.ID))
	bad.Set("salary.min", "2500")
	bad.Set("salary.max", "2000")
	bad.Set("title_masculine", "Médiateur numérique tapé")
	r := postForm(t, a, p.bossS, "/emploi/offres/nouvelle", bad, nil)
	if r.Status != 422 {
		t.Fatalf("bad offer: %d", r.Status)
	}
	mustContain(t, r.Body, "La date de clôture est déjà passée", "Le salaire minimum (2500 €) dépasse le maximum (2000 €)",
		`id="closes_on-error"`, `id="salary.min-error"`, `value="Médiateur numérique tapé"`, `value="2500"`)
	if _, n, _ := a.Recruiting.FindOffers(context.Background(), recruiting.OfferFilter{StructureIDs: []int64{p.st.ID}, Statuses: recruiting.OfferMachine.States}); n != 0 {
		t.Fatalf("a refused offer was stored (%d)", n)
	}

	good := offerForm(inDays(20))
	good.Set("structure_id", fmt.Sprint(p.st.ID))
	r = postForm(t, a, p.bossS, "/emploi/offres/nouvelle", good, nil)
	if r.Status != 303 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := locationID.FindStringSubmatch(r.Header.Get("Location"))[1]
	mustContain(t, getPage(t, a, p.bossS, "/emploi/offres/"+id).Body, "Brouillon", "Publier l'offre", "Médiatrice numérique / Médiateur numérique")
	for _, s := range []string{"", outsider} {
		if r := getPage(t, a, s, "/emploi/offres/"+id); r.Status != 404 {
			t.Fatalf("draft seen by another (%q): %d", s, r.Status)
		}
	}
	if r := postForm(t, a, outsider, "/emploi/offres/"+id+"/statut", url.Values{"status": {"publiee"}}, nil); r.Status != 404 {
		t.Fatalf("draft published by another: %d", r.Status)
	}
	if r := postForm(t, a, p.bossS, "/emploi/offres/"+id+"/statut", url.Values{"status": {"publiee"}}, nil); r.Status != 303 {
		t.Fatalf("publish: %d", r.Status)
	}
	pub := getPage(t, a, "", "/emploi/offres/"+id)
	if pub.Status != 200 {
		t.Fatalf("published offer, anonymously: %d", pub.Status)
	}
	mustContain(t, pub.Body, "Médiatrice numérique / Médiateur numérique", "1 900 à 2 200 € brut par mois", "Connectez-vous pour postuler", "REMN-B1")
	mustNotContain(t, pub.Body, "Gérer l'offre")
	mustContain(t, getPage(t, a, "", "/emploi").Body, "/emploi/offres/"+id)
	// Others cannot edit it.
	for _, target := range []string{"/emploi/offres/" + id + "/modifier", "/emploi/offres/" + id + "/candidatures", "/emploi/offres/" + id + "/candidats"} {
		if r := getPage(t, a, outsider, target); r.Status != 403 {
			t.Errorf("%s for another: %d", target, r.Status)
		}
	}
	if r := postForm(t, a, outsider, "/emploi/offres/"+id+"/modifier", good, nil); r.Status != 403 {
		t.Fatalf("edited by another: %d", r.Status)
	}
	// The employer's bad edit: the message next to the field, the stored
	// offer as it was.
	r = postForm(t, a, p.bossS, "/emploi/offres/"+id+"/modifier", bad, nil)
	if r.Status != 422 {
		t.Fatalf("bad edit: %d", r.Status)
	}
	mustContain(t, r.Body, "La date de clôture est déjà passée", `value="Médiateur numérique tapé"`)
	mustContain(t, getPage(t, a, "", "/emploi/offres/"+id).Body, "Médiatrice numérique / Médiateur numérique", "1 900 à 2 200")
	mustContain(t, getPage(t, a, p.bossS, "/emploi/employeur").Body, "Médiatrice numérique / Médiateur numérique", "Publiée")
	// Filled: it says so, and takes no application.
	if r := postForm(t, a, p.bossS, "/emploi/offres/"+id+"/statut", url.Values{"status": {"pourvue"}}, nil); r.Status != 303 {
		t.Fatalf("fill: %d", r.Status)
	}
	r = getPage(t, a, p.candS, "/emploi/offres/"+id)
	mustContain(t, r.Body, "Pourvue")
	mustNotContain(t, r.Body, "Envoyer ma candidature")
}

// TestRecruitingApplyAndFollow: a candidate applies with a message and a
// CV (a file that is not a PDF, or applying twice, comes back next to its
// field); the employer reads the application (seen), downloads the CV,
// moves it to the interview; the candidate sees it.
func TestRecruitingApplyAndFollow(t *testing.T) {
	a := testenv.Get(t).App(t)
	p := newJobPeople(t, a, nil)
	id := p.publish(t)
	other := newSession(t, a, newUser(t, a, "curieux.candidatures@exemple.fr", nil))

	r := getPage(t, a, p.candS, "/emploi/offres/"+id)
	mustContain(t, r.Body, "Pour vous", "1 bloc requis sur 1", "à 5 km", "Envoyer ma candidature")

	r = apply(t, a, p.candS, id, "Bonjour, je suis intéressée.", "cv.pdf", []byte("Nom : Nadia\nExpérience : 3 ans"))
	if r.Status != 422 {
		t.Fatalf("not a PDF: %d", r.Status)
	}
	mustContain(t, r.Body, "Ce fichier n'est pas un PDF", `id="cv-error"`, "Bonjour, je suis intéressée.")
	if list, _ := a.Recruiting.FindApplications(context.Background(), p.cand, recruiting.ApplicationFilter{Mine: true}); len(list) != 0 {
		t.Fatalf("stored despite a bad CV: %v", list)
	}
	r = apply(t, a, p.candS, id, "Bonjour, je suis intéressée.", "Mon CV.pdf", cvPDF)
	if r.Status != 303 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	appID := locationID.FindStringSubmatch(r.Header.Get("Location"))[1]
	r = apply(t, a, p.candS, id, "Encore moi", "", nil)
	if r.Status != 422 {
		t.Fatalf("apply twice: %d", r.Status)
	}
	mustContain(t, r.Body, "Vous avez déjà postulé à cette offre", `id="message-error"`, "Encore moi")
	mustContain(t, getPage(t, a, p.candS, "/emploi/candidatures/"+appID).Body, "Envoyée", "Mon CV.pdf", "Retirer ma candidature")

	// Not for others.
	for _, target := range []string{"/emploi/candidatures/" + appID, "/emploi/candidatures/" + appID + "/cv"} {
		if r := getPage(t, a, other, target); r.Status != 404 {
			t.Errorf("%s for another: %d", target, r.Status)
		}
	}
	// The employer: the list, the page (seen), the CV, the interview.
	mustContain(t, getPage(t, a, p.bossS, "/emploi/offres/"+id+"/candidatures").Body, p.candProfile.DisplayName, "Envoyée", "1 bloc requis sur 1")
	r = getPage(t, a, p.bossS, "/emploi/candidatures/"+appID)
	mustContain(t, r.Body, "Vue par l'employeur", p.cand.Email, "Bonjour, je suis intéressée.", `value="entretien"`)
	cv := getPage(t, a, p.bossS, "/emploi/candidatures/"+appID+"/cv")
	if cv.Status != 200 || cv.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(cv.Header.Get("Content-Disposition"), "attachment") ||
		cv.Header.Get("X-Content-Type-Options") != "nosniff" || cv.Body != string(cvPDF) {
		t.Fatalf("CV download: %d %v", cv.Status, cv.Header)
	}
	csv := getPage(t, a, p.bossS, "/emploi/offres/"+id+"/candidatures.csv")
	mustContain(t, csv.Body, "Candidat ou candidate", p.candProfile.DisplayName, p.cand.Email, "Mon CV.pdf")
	if r := postForm(t, a, p.candS, "/emploi/candidatures/"+appID+"/statut", url.Values{"status": {"entretien"}}, nil); r.Status != 403 {
		t.Fatalf("the candidate moved to interview: %d", r.Status)
	}
	if r := postForm(t, a, p.bossS, "/emploi/candidatures/"+appID+"/statut", url.Values{"status": {"entretien"}, "motivation": {"Mardi 10 h ?"}}, nil); r.Status != 303 {
		t.Fatalf("interview: %d %s", r.Status, r.Body)
	}
	mustContain(t, getPage(t, a, p.candS, "/emploi/mes-candidatures").Body, "Entretien")
	mustContain(t, getPage(t, a, p.candS, "/emploi/candidatures/"+appID).Body, "Entretien", "Mardi 10 h ?")
	mustContain(t, getPage(t, a, p.candS, "/tableau-de-bord").Body, "1 candidature en entretien")
}

// TestRecruitingForMeAndDashboard: « offres qui vous correspondent » on the
// dashboard and its page, with why and the bridge to the training path
// for a required bloc the person lacks; the availability is set there.
func TestRecruitingForMeAndDashboard(t *testing.T) {
	a := testenv.Get(t).App(t)
	p := newJobPeople(t, a, nil)
	f := offerForm(inDays(25))
	f.Set("structure_id", fmt.Sprint(p.st.ID))
	f.Set("title_feminine", "Coordinatrice numérique")
	f.Set("title_masculine", "Coordinateur numérique")
	f.Set("wants.REMN/REMN-B2", "required")
	r := postForm(t, a, p.bossS, "/emploi/offres/nouvelle", f, nil)
	id := locationID.FindStringSubmatch(r.Header.Get("Location"))[1]
	postForm(t, a, p.bossS, "/emploi/offres/"+id+"/statut", url.Values{"status": {"publiee"}}, nil)

	dash := getPage(t, a, p.candS, "/tableau-de-bord")
	mustContain(t, dash.Body, "qui vous correspond", "Coordinatrice numérique / Coordinateur numérique", "1 bloc requis sur 2")
	forMe := getPage(t, a, p.candS, "/emploi/pour-moi")
	mustContain(t, forMe.Body, "Coordinatrice numérique", "1 bloc requis sur 2", "à 5 km", "Il vous manque le bloc requis REMN-B2",
		`href="/parcours?certification=REMN"`)
	// Availability: a bad date next to its field; a good one saved.
	r = postForm(t, a, p.candS, "/emploi/disponibilite", url.Values{"available_from": {"15/01/2027"}}, nil)
	if r.Status != 422 {
		t.Fatalf("bad date: %d", r.Status)
	}
	mustContain(t, r.Body, "Date au format AAAA-MM-JJ", `value="15/01/2027"`)
	if r := postForm(t, a, p.candS, "/emploi/disponibilite", url.Values{"available_from": {inDays(3)}}, nil); r.Status != 303 {
		t.Fatalf("save availability: %d", r.Status)
	}
	// The employer sees the availability in the ranking.
	mustContain(t, getPage(t, a, p.bossS, "/emploi/offres/"+id+"/candidats").Body, p.candProfile.DisplayName, "1 bloc requis sur 2", "à 5 km")
}

// TestRecruitingHiddenFieldsNeverReachEmployers: a candidate who made her
// commune, bio, titles and Pix level private: no employer page, API,
// export nor search shows them, or finds her by them.
func TestRecruitingHiddenFieldsNeverReachEmployers(t *testing.T) {
	a := testenv.Get(t).App(t)
	p := newJobPeople(t, a, nil)
	ctx := context.Background()
	// Her own values, found nowhere else in the package's data.
	pix := 7
	if _, err := a.Profiles.SaveProfile(ctx, p.cand.ID, maillage.ProfileUpdate{Bio: ptr("Secret zqxbio de la candidate"), Commune: ptr("69256"),
		PixLevel: ptr(&pix), Titles: &[]maillage.ProfileTitle{{CertificationCode: "CMN", BlocCode: "CMN-B2"}},
		Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisMembers, maillage.FieldCommune: maillage.VisPrivate,
			maillage.FieldBio: maillage.VisPrivate, maillage.FieldTitles: maillage.VisPrivate, maillage.FieldPix: maillage.VisPrivate,
			maillage.FieldCompetences: maillage.VisPrivate, maillage.FieldOpenToWork: maillage.VisMembers}}); err != nil {
		t.Fatal(err)
	}
	id := p.publish(t)
	if r := apply(t, a, p.candS, id, "Bonjour, voici ma candidature.", "", nil); r.Status != 303 {
		t.Fatalf("apply: %d", r.Status)
	}
	apps, _ := a.Recruiting.FindApplications(ctx, p.cand, recruiting.ApplicationFilter{Mine: true})
	appID := fmt.Sprint(apps[0].ID)
	if err := a.SearchSync.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	name := p.candProfile.DisplayName
	secrets := []string{"Vaulx-en-Velin", "69256", "zqxbio", "CMN-B2", "Niveau Pix", "pix_level\":7", "\"pix_level\": 7"}
	hidden := func(where, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows the hidden %q", where, s)
			}
		}
	}
	// her is the part of a list about her: her card, row or JSON item.
	her := func(where, body string) string {
		t.Helper()
		i := strings.Index(body, name)
		if i < 0 {
			t.Errorf("%s does not show her", where)
			return ""
		}
		from, to := max(0, strings.LastIndex(body[:i], "<li")), len(body)
		if j := strings.Index(body[i:], "</li>"); j >= 0 {
			to = i + j
		}
		if k := strings.Index(body[i:], "</tr>"); k >= 0 && i+k < to {
			from, to = max(0, strings.LastIndex(body[:i], "<tr")), i+k
		}
		return body[from:to]
	}
	pid := fmt.Sprint(p.candProfile.ID)
	for _, target := range []string{"/emploi/candidats/" + pid, "/emploi/candidatures/" + appID, "/profils/" + pid} {
		r := getPage(t, a, p.bossS, target)
		if r.Status != 200 || !strings.Contains(r.Body, name) {
			t.Errorf("%s: %d", target, r.Status)
		}
		hidden(target, r.Body)
	}
	hidden("candidate search", her("candidate search", getPage(t, a, p.bossS, "/emploi/candidats").Body))
	hidden("applications", her("applications", getPage(t, a, p.bossS, "/emploi/offres/"+id+"/candidatures").Body))
	csv := getPage(t, a, p.bossS, "/emploi/offres/"+id+"/candidatures.csv").Body
	for _, line := range strings.Split(csv, "\n") {
		if strings.Contains(line, name) {
			hidden("applications export", line)
		}
	}
	// Her commune is hidden: no distance, so she is not ranked within the
	// offer's radius at all.
	if r := getPage(t, a, p.bossS, "/emploi/offres/"+id+"/candidats"); strings.Contains(r.Body, name) {
		t.Error("ranked by a hidden commune")
	}
	for _, target := range []string{"/api/emploi/offres/" + id + "/candidats", "/api/emploi/offres/" + id + "/candidatures"} {
		var list struct {
			Items []map[string]any `json:"items"`
		}
		decode(t, send(t, a, "GET", target, "", cookie(p.bossS, false)), &list)
		for _, it := range list.Items {
			b, _ := json.Marshal(it)
			if strings.Contains(string(b), name) {
				hidden(target, string(b))
			}
		}
	}
	// Not found by what she hides; found without filters.
	for _, q := range []string{"/emploi/candidats?titre=CMN%2FCMN-B2", "/emploi/candidats?pres=69256&rayon=10", "/emploi/candidats?pix=7"} {
		if r := getPage(t, a, p.bossS, q); strings.Contains(r.Body, name) {
			t.Errorf("%s finds her by a hidden field", q)
		}
	}
	var res struct {
		Hits []map[string]any `json:"hits"`
	}
	decode(t, send(t, a, "GET", "/api/recherche?q=zqxbio", "", cookie(p.bossS, false)), &res)
	for _, h := range res.Hits {
		if h["title"] == name {
			t.Error("search finds her by her private bio")
		}
	}
}

// TestRecruitingContactWithoutAddress: an employer contacts a candidate
// through the portal; no address is shown to either side until she
// accepts, then both are.
func TestRecruitingContactWithoutAddress(t *testing.T) {
	a := testenv.Get(t).App(t)
	p := newJobPeople(t, a, nil)
	pid := fmt.Sprint(p.candProfile.ID)
	r := postForm(t, a, p.bossS, "/emploi/candidats/"+pid+"/contact", url.Values{"structure_id": {fmt.Sprint(p.st.ID)}, "message": {""}}, nil)
	if r.Status != 422 {
		t.Fatalf("empty message: %d", r.Status)
	}
	mustContain(t, r.Body, "Écrivez un message à la personne.", `id="message-error"`)
	r = postForm(t, a, p.bossS, "/emploi/candidats/"+pid+"/contact", url.Values{"structure_id": {fmt.Sprint(p.st.ID)},
		"message": {"Bonjour, échangeons sur un poste de médiatrice."}}, nil)
	if r.Status != 303 {
		t.Fatalf("contact: %d %s", r.Status, r.Body)
	}
	emp := getPage(t, a, p.bossS, "/emploi/employeur")
	mustContain(t, emp.Body, p.candProfile.DisplayName, "En attente de réponse")
	mustNotContain(t, emp.Body, p.cand.Email)
	mine := getPage(t, a, p.candS, "/emploi/mes-candidatures")
	mustContain(t, mine.Body, p.st.Lieu.Nom, "Bonjour, échangeons", "Accepter l'échange")
	mustNotContain(t, mine.Body, p.boss.Email)
	mail := mailTo(t, a, p.cand.Email)
	if mail.Kind != "job_contact_received" || strings.Contains(mail.Text, p.boss.Email) {
		t.Fatalf("mail to the candidate: %+v", mail)
	}
	cs, _ := a.Recruiting.FindContacts(context.Background(), p.cand, recruiting.ContactFilter{Received: true})
	r = postForm(t, a, p.candS, fmt.Sprintf("/emploi/contacts/%d/reponse", cs[0].ID), url.Values{"reponse": {"accepter"}, "answer": {"Avec plaisir."}}, nil)
	if r.Status != 303 {
		t.Fatalf("accept: %d", r.Status)
	}
	mustContain(t, getPage(t, a, p.bossS, "/emploi/employeur").Body, p.cand.Email, "Acceptée", "Avec plaisir.")
	mustContain(t, getPage(t, a, p.candS, "/emploi/mes-candidatures").Body, p.boss.Email)
	if m := mailTo(t, a, p.boss.Email); m.Kind != "job_contact_accepted" || !strings.Contains(m.Text, p.cand.Email) {
		t.Fatalf("mail to the employer: %+v", m)
	}
}

// TestRecruitingAPI: offers and applications through the JSON API, with
// the same rules and field paths as the forms.
func TestRecruitingAPI(t *testing.T) {
	a := testenv.Get(t).App(t)
	p := newJobPeople(t, a, nil)
	boss, cand := bearer(newToken(t, a, p.boss)), bearer(newToken(t, a, p.cand))
	body := func(closes string, min, max int) string {
		return fmt.Sprintf(`{"structure_id": %d, "title_feminine": "Médiatrice API", "title_masculine": "Médiateur API", "description": "Par l'API.",
			"code_insee": "69123", "contract": "cdi", "hours_per_week": 28, "salary": {"min": %d, "max": %d, "period": "mois"}, "closes_on": %q,
			"wants": [{"ref": "REMN/REMN-B1", "required": true}]}`, p.st.ID, min, max, closes)
	}
	r := send(t, a, "POST", "/api/emploi/offres", body(inDays(-3), 2500, 2000), boss)
	wantStatus(t, r, 422)
	var e apiError
	decode(t, r, &e)
	if !strings.Contains(e.Fields["closes_on"], "déjà passée") || !strings.Contains(e.Fields["salary.min"], "dépasse le maximum") {
		t.Fatalf("API problems: %+v", e)
	}
	wantStatus(t, send(t, a, "POST", "/api/emploi/offres", body(inDays(10), 2000, 2500), cand), 422) // not an employer: structure_id
	r = send(t, a, "POST", "/api/emploi/offres", body(inDays(10), 2000, 2500), boss)
	wantStatus(t, r, 201)
	var o struct {
		ID     int64  `json:"id"`
		Title  string `json:"title"`
		Status string `json:"status"`
		URL    string `json:"url"`
		Wants  []struct {
			Ref   string `json:"ref"`
			Label string `json:"label"`
		} `json:"wants"`
	}
	decode(t, r, &o)
	if o.Status != "brouillon" || o.Title != "Médiatrice API / Médiateur API" || len(o.Wants) != 1 || o.Wants[0].Label == "" {
		t.Fatalf("created %+v", o)
	}
	oid := fmt.Sprint(o.ID)
	wantStatus(t, send(t, a, "GET", "/api/emploi/offres/"+oid, "", nil), 404)
	wantStatus(t, send(t, a, "POST", "/api/emploi/offres/"+oid+"/statut", `{"status": "publiee"}`, boss), 200)
	var list struct {
		Total int `json:"total"`
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	decode(t, send(t, a, "GET", "/api/emploi/offres?departement=69&contrat=cdi&limit=100", "", nil), &list)
	found := false
	for _, it := range list.Items {
		found = found || it.ID == o.ID
	}
	if !found {
		t.Fatalf("published offer not listed: %+v", list)
	}
	wantStatus(t, send(t, a, "GET", "/api/emploi/offres?contrat=interim", "", nil), 422)

	r = send(t, a, "POST", "/api/emploi/offres/"+oid+"/candidatures", `{"message": "Bonjour par l'API"}`, cand)
	wantStatus(t, r, 201)
	var ap struct {
		ID      int64  `json:"id"`
		Status  string `json:"status"`
		History []struct {
			To string `json:"to"`
		} `json:"history"`
	}
	decode(t, r, &ap)
	r = send(t, a, "POST", "/api/emploi/offres/"+oid+"/candidatures", `{"message": "Encore"}`, cand)
	wantStatus(t, r, 422)
	decode(t, r, &e)
	if !strings.Contains(e.Fields["message"], "déjà postulé") {
		t.Fatalf("twice: %+v", e)
	}
	aid := fmt.Sprint(ap.ID)
	wantStatus(t, send(t, a, "POST", "/api/emploi/candidatures/"+aid+"/statut", `{"status": "retenue"}`, cand), 403)
	wantStatus(t, send(t, a, "POST", "/api/emploi/candidatures/"+aid+"/statut", `{"status": "entretien"}`, boss), 409) // not seen yet
	wantStatus(t, send(t, a, "GET", "/api/emploi/candidatures/"+aid, "", boss), 200)                                   // seen
	r = send(t, a, "POST", "/api/emploi/candidatures/"+aid+"/statut", `{"status": "entretien", "motivation": "Jeudi ?"}`, boss)
	wantStatus(t, r, 200)
	decode(t, r, &ap)
	if ap.Status != "entretien" || len(ap.History) != 3 {
		t.Fatalf("after interview: %+v", ap)
	}
	decode(t, send(t, a, "GET", "/api/emploi/candidatures", "", cand), &list)
	if list.Total != 1 || list.Items[0].ID != ap.ID {
		t.Fatalf("my applications: %+v", list)
	}
	var ranked struct {
		Items []struct {
			ProfileID int64  `json:"profile_id"`
			Why       string `json:"why"`
		} `json:"items"`
	}
	decode(t, send(t, a, "GET", "/api/emploi/offres/"+oid+"/candidats", "", boss), &ranked)
	ok := false
	for _, c := range ranked.Items {
		ok = ok || c.ProfileID == p.candProfile.ID && strings.Contains(c.Why, "1 bloc requis sur 1")
	}
	if !ok {
		t.Fatalf("ranked candidates %+v", ranked)
	}
	wantStatus(t, send(t, a, "GET", "/api/emploi/offres/"+oid+"/candidats", "", cand), 403)
	wantStatus(t, send(t, a, "GET", "/api/emploi/offres/"+oid+"/candidatures", "", cand), 403)
}

// TestRecruitingOpenData: the open offers as schema.org JobPosting.
func TestRecruitingOpenData(t *testing.T) {
	a := testenv.Get(t).App(t)
	p := newJobPeople(t, a, nil)
	id := p.publish(t)
	r := getPage(t, a, "", "/emploi/offres.json")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/ld+json") {
		t.Fatalf("open data: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	var doc struct {
		Context string           `json:"@context"`
		Graph   []map[string]any `json:"@graph"`
	}
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
		t.Fatal(err)
	}
	var job map[string]any
	for _, j := range doc.Graph {
		if strings.HasSuffix(fmt.Sprint(j["url"]), "/emploi/offres/"+id) {
			job = j
		}
	}
	if doc.Context != "https://schema.org" || job == nil {
		t.Fatalf("no JobPosting for offer %s in %s", id, r.Body)
	}
	org, _ := job["hiringOrganization"].(map[string]any)
	sal, _ := job["baseSalary"].(map[string]any)
	loc, _ := job["jobLocation"].(map[string]any)
	if job["@type"] != "JobPosting" || job["title"] != "Médiatrice numérique / Médiateur numérique" || org["name"] != p.st.Lieu.Nom ||
		sal["currency"] != "EUR" || loc["@type"] != "Place" || job["validThrough"] == nil || job["datePosted"] == nil ||
		fmt.Sprint(job["employmentType"]) != "[TEMPORARY FULL_TIME]" {
		t.Fatalf("JobPosting %v", job)
	}
	if strings.Contains(r.Body, p.cand.Email) || strings.Contains(r.Body, p.boss.Email) {
		t.Fatal("an address in the open data")
	}
}

// TestRecruitingInSearch: a published offer is in the search page and API
// (its type tab, contract facet, its page as the link); filled, it leaves.
func TestRecruitingInSearch(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	if err := a.EnsureSearch(ctx); err != nil {
		t.Fatal(err)
	}
	p := newJobPeople(t, a, nil)
	f := offerForm(inDays(20))
	f.Set("structure_id", fmt.Sprint(p.st.ID))
	f.Set("title_feminine", "Animatrice numérique wazoobie")
	f.Set("title_masculine", "Animateur numérique wazoobie")
	r := postForm(t, a, p.bossS, "/emploi/offres/nouvelle", f, nil)
	id := locationID.FindStringSubmatch(r.Header.Get("Location"))[1]
	postForm(t, a, p.bossS, "/emploi/offres/"+id+"/statut", url.Values{"status": {"publiee"}}, nil)
	if err := a.SearchSync.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	r = getPage(t, a, "", "/recherche?q=wazoobie&type=job")
	mustContain(t, r.Body, `href="/emploi/offres/`+id+`"`, "Offres d'emploi", "CDD", "Contrat", "Titres et blocs voulus")
	mustNotContain(t, r.Body, "Le moteur de recherche ne répond pas")
	var res struct {
		Hits []struct {
			Type     string `json:"type"`
			URL      string `json:"url"`
			Subtitle string `json:"subtitle"`
		} `json:"hits"`
	}
	decode(t, send(t, a, "GET", "/api/recherche?q=wazoobie&job_contract=cdd", "", nil), &res)
	if len(res.Hits) != 1 || res.Hits[0].Type != "job" || res.Hits[0].URL != "/emploi/offres/"+id || res.Hits[0].Subtitle != "CDD" {
		t.Fatalf("API search %+v", res)
	}
	postForm(t, a, p.bossS, "/emploi/offres/"+id+"/statut", url.Values{"status": {"pourvue"}}, nil)
	if err := a.SearchSync.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	mustNotContain(t, getPage(t, a, "", "/recherche?q=wazoobie&type=job").Body, `href="/emploi/offres/`+id+`"`)
}

// TestRecruitingPagesInEnglish: the job pages in English hold no French
// text but the data.
func TestRecruitingPagesInEnglish(t *testing.T) {
	a := testenv.Get(t).App(t)
	p := newJobPeople(t, a, nil)
	id := p.publish(t)
	apply(t, a, p.candS, id, "Hello", "", nil)
	apps, _ := a.Recruiting.FindApplications(context.Background(), p.cand, recruiting.ApplicationFilter{Mine: true})
	for _, tt := range []struct{ session, target string }{
		{"", "/emploi"}, {"", "/emploi/offres/" + id}, {p.candS, "/emploi/offres/" + id}, {p.candS, "/emploi/pour-moi"},
		{p.candS, "/emploi/mes-candidatures"}, {p.bossS, "/emploi/employeur"}, {p.bossS, "/emploi/offres/nouvelle"},
		{p.bossS, "/emploi/offres/" + id}, {p.bossS, "/emploi/offres/" + id + "/candidats"}, {p.bossS, "/emploi/offres/" + id + "/candidatures"},
		{p.bossS, fmt.Sprintf("/emploi/candidatures/%d", apps[0].ID)}, {p.bossS, "/emploi/candidats"}, {p.bossS, fmt.Sprintf("/emploi/candidats/%d", p.candProfile.ID)},
	} {
		h := map[string]string{"Cookie": "lang=en"}
		if tt.session != "" {
			h["Cookie"] += "; maillage_session=" + tt.session
		}
		r := do(t, a.Web.App(), "GET", tt.target, h)
		if r.Status != 200 || !strings.Contains(r.Body, `<html lang="en">`) {
			t.Errorf("%s: %d", tt.target, r.Status)
			continue
		}
		text := strings.ReplaceAll(visibleText(r.Body), "Français", "")
		for _, line := range strings.Split(text, "\n") {
			if m := frenchWords.FindString(line); m != "" {
				t.Errorf("%s: French word %q in %q", tt.target, m, strings.Join(strings.Fields(line), " "))
			}
		}
	}
}

// recruitingAPICalls calls every recruiting operation of the API with
// success and with each documented error, for TestOpenAPIResponses, which
// validates every response against the document.
func recruitingAPICalls(t *testing.T, a *app.App, v *apiValidator) {
	t.Helper()
	ctx := context.Background()
	p := newJobPeople(t, a, nil)
	boss, cand := bearer(newToken(t, a, p.boss)), bearer(newToken(t, a, p.cand))
	member := bearer(newToken(t, a, newUser(t, a, "api-schema-emploi@exemple.fr", nil)))
	unknown := bearer("mlg_inconnu")
	body := func(closes string) string {
		return fmt.Sprintf(`{"structure_id": %d, "title_feminine": "Médiatrice schéma", "title_masculine": "Médiateur schéma",
			"description": "Offre du schéma.", "code_insee": "69123", "remote": "partiel", "contract": "cdd", "duration_months": 6,
			"hours_per_week": 35, "salary": {"min": 1900, "max": 2100, "period": "mois"}, "start_on": %q, "closes_on": %q,
			"wants": [{"ref": "REMN/REMN-B1", "required": true}, {"ref": "MN", "required": false}], "how_to_apply": "Par le portail.",
			"apply_url": "https://exemple.fr/postuler"}`, p.st.ID, inDays(40), closes)
	}
	var o struct{ ID int64 }
	decode(t, v.call(t, "POST", "/api/emploi/offres", body(inDays(20)), boss, 201), &o)
	v.call(t, "POST", "/api/emploi/offres", body(inDays(20)), nil, 401)
	v.call(t, "POST", "/api/emploi/offres", body(inDays(-1)), boss, 422)
	oid := fmt.Sprint(o.ID)
	v.call(t, "GET", "/api/emploi/offres/"+oid, "", boss, 200)
	v.call(t, "GET", "/api/emploi/offres/"+oid, "", nil, 404) // a draft exists for its employers only
	v.call(t, "POST", "/api/emploi/offres/"+oid+"/candidatures", `{"message": "Trop tôt"}`, cand, 404)
	// Publishing re-checks the offer: a closing day now past is refused.
	if _, err := a.DB.NewRaw("UPDATE job_offers SET closes_on = current_date - 2 WHERE id = ?", o.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	v.call(t, "POST", "/api/emploi/offres/"+oid+"/statut", `{"status": "publiee"}`, boss, 422)
	v.call(t, "PUT", "/api/emploi/offres/"+oid, body(inDays(20)), boss, 200)
	v.call(t, "POST", "/api/emploi/offres/"+oid+"/statut", `{"status": "publiee"}`, boss, 200)
	v.call(t, "POST", "/api/emploi/offres/"+oid+"/statut", `{"status": "publiee"}`, boss, 409)
	v.call(t, "POST", "/api/emploi/offres/"+oid+"/statut", `{"status": "fermee"}`, member, 403)
	v.call(t, "POST", "/api/emploi/offres/"+oid+"/statut", `{"status": "fermee"}`, nil, 401)
	v.call(t, "POST", "/api/emploi/offres/999999999/statut", `{"status": "fermee"}`, boss, 404)
	v.call(t, "PUT", "/api/emploi/offres/"+oid, body(inDays(20)), member, 403)
	v.call(t, "PUT", "/api/emploi/offres/"+oid, body(inDays(20)), nil, 401)
	v.call(t, "PUT", "/api/emploi/offres/999999999", body(inDays(20)), boss, 404)
	v.call(t, "PUT", "/api/emploi/offres/"+oid, body(inDays(-1)), boss, 422)
	for _, h := range []map[string]string{nil, member, boss} {
		v.call(t, "GET", "/api/emploi/offres/"+oid, "", h, 200)
		v.call(t, "GET", "/api/emploi/offres?departement=69&contrat=cdd&limit=100", "", h, 200)
	}
	v.call(t, "GET", "/api/emploi/offres?contrat=interim", "", nil, 422)
	v.call(t, "GET", "/api/emploi/offres", "", unknown, 401)
	v.call(t, "GET", "/api/emploi/offres/"+oid, "", unknown, 401)
	v.call(t, "GET", "/api/emploi/offres/999999999", "", nil, 404)

	// Applying, then following the application from both sides.
	var ap struct{ ID int64 }
	decode(t, v.call(t, "POST", "/api/emploi/offres/"+oid+"/candidatures", `{"message": "Bonjour, je postule."}`, cand, 201), &ap)
	v.call(t, "POST", "/api/emploi/offres/"+oid+"/candidatures", `{"message": "Encore"}`, cand, 422)
	v.call(t, "POST", "/api/emploi/offres/"+oid+"/candidatures", `{"message": "Moi"}`, nil, 401)
	v.call(t, "POST", "/api/emploi/offres/999999999/candidatures", `{"message": "Personne"}`, cand, 404)
	aid := fmt.Sprint(ap.ID)
	v.call(t, "GET", "/api/emploi/candidatures", "", cand, 200)
	v.call(t, "GET", "/api/emploi/candidatures", "", nil, 401)
	v.call(t, "GET", "/api/emploi/candidatures/"+aid, "", cand, 200)
	v.call(t, "POST", "/api/emploi/candidatures/"+aid+"/statut", `{"status": "entretien"}`, boss, 409) // not seen yet
	v.call(t, "GET", "/api/emploi/candidatures/"+aid, "", boss, 200)                                   // seen
	v.call(t, "GET", "/api/emploi/candidatures/"+aid, "", member, 404)
	v.call(t, "GET", "/api/emploi/candidatures/"+aid, "", nil, 401)
	v.call(t, "POST", "/api/emploi/candidatures/"+aid+"/statut", `{"status": "retenue"}`, cand, 403)
	v.call(t, "POST", "/api/emploi/candidatures/"+aid+"/statut", fmt.Sprintf(`{"status": "entretien", "motivation": %q}`, strings.Repeat("m", 1001)), boss, 422)
	v.call(t, "POST", "/api/emploi/candidatures/"+aid+"/statut", `{"status": "entretien", "motivation": "Jeudi ?"}`, boss, 200)
	v.call(t, "POST", "/api/emploi/candidatures/"+aid+"/statut", `{"status": "retiree"}`, nil, 401)
	v.call(t, "POST", "/api/emploi/candidatures/999999999/statut", `{"status": "retiree"}`, cand, 404)
	v.call(t, "GET", "/api/emploi/offres/"+oid+"/candidatures", "", boss, 200)
	v.call(t, "GET", "/api/emploi/offres/"+oid+"/candidatures", "", member, 403)
	v.call(t, "GET", "/api/emploi/offres/"+oid+"/candidatures", "", nil, 401)
	v.call(t, "GET", "/api/emploi/offres/999999999/candidatures", "", boss, 404)
	if err := a.Recruiting.SetAvailability(ctx, p.cand.ID, ptr(maillage.Today(time.Now()).AddDate(0, 0, 5))); err != nil {
		t.Fatal(err)
	}
	v.call(t, "GET", "/api/emploi/offres/"+oid+"/candidats?rayon=20", "", boss, 200)
	v.call(t, "GET", "/api/emploi/offres/"+oid+"/candidats", "", member, 403)
	v.call(t, "GET", "/api/emploi/offres/"+oid+"/candidats", "", nil, 401)
	v.call(t, "GET", "/api/emploi/offres/999999999/candidats", "", boss, 404)
	// Filled: no more applications, no more edits.
	v.call(t, "POST", "/api/emploi/offres/"+oid+"/statut", `{"status": "pourvue"}`, boss, 200)
	v.call(t, "POST", "/api/emploi/offres/"+oid+"/candidatures", `{"message": "Trop tard"}`, member, 409)
	v.call(t, "PUT", "/api/emploi/offres/"+oid, body(inDays(20)), boss, 409)
}

// TestRecruitingDaysFromYear2000: every day the recruiting room reads (an
// offer's start, a candidate's availability, the candidates' « disponible
// le » filter) is written YYYY-MM-DD from 1 January 2000. Year 0 has that
// form, and PostgreSQL, which has no year 0, refused it with a 500.
func TestRecruitingDaysFromYear2000(t *testing.T) {
	a := testenv.Get(t).App(t)
	p := newJobPeople(t, a, nil)
	boss := bearer(newToken(t, a, p.boss))
	offer := func(start string) string {
		return fmt.Sprintf(`{"structure_id": %d, "title_feminine": "Médiatrice datée", "title_masculine": "Médiateur daté", "description": "Dates.",
			"code_insee": "69123", "contract": "cdi", "hours_per_week": 28, "start_on": %q, "closes_on": %q}`, p.st.ID, start, inDays(10))
	}
	for _, tc := range []struct {
		day    string
		status int // of the offer's API and the availability form
	}{
		{"0000-01-01", 422},
		{"0001-01-01", 422},
		{"1999-12-31", 422},
		{inDays(3), 0},
	} {
		t.Run(tc.day, func(t *testing.T) {
			r := send(t, a, "POST", "/api/emploi/offres", offer(tc.day), boss)
			if tc.status == 0 {
				wantStatus(t, r, 201)
			} else {
				wantStatus(t, r, tc.status)
				var e apiError
				decode(t, r, &e)
				if !strings.Contains(e.Fields["start_on"], "2000") {
					t.Errorf("start_on: %+v", e)
				}
			}
			f := postForm(t, a, p.candS, "/emploi/disponibilite", url.Values{"available_from": {tc.day}}, nil)
			if tc.status == 0 {
				wantStatus(t, f, 303)
			} else {
				wantStatus(t, f, tc.status)
				mustContain(t, f.Body, "Date au format AAAA-MM-JJ, à partir du 1er janvier 2000", `value="`+tc.day+`"`)
			}
			s := getPage(t, a, p.bossS, "/emploi/candidats?dispo="+tc.day)
			if tc.status == 0 {
				wantStatus(t, s, 200)
			} else {
				wantStatus(t, s, tc.status)
				mustContain(t, s.Body, "à partir du 1er janvier 2000")
			}
		})
	}
}

// TestRecruitingContactsAreNotAMailCannon: a contact request mails the
// person the employer's message. One waiting request was allowed per
// structure, and anyone may create employer structures: one person
// mailed a candidate once per structure they created. One employer now
// has one request waiting for a person, whatever the structure; another
// employer of the same structure is told the structure's request waits.
func TestRecruitingContactsAreNotAMailCannon(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	p := newJobPeople(t, a, nil)
	second, _, err := a.Structures.CreateStructure(ctx, p.boss.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu, maillage.StructureEmployeur},
		Lieu: maillage.Lieu{Pivot: fmt.Sprintf("W6952%05d", jobSeq), Nom: fmt.Sprintf("Deuxième employeur %d", jobSeq), Adresse: "1 rue Neuve",
			CodePostal: "69001", Commune: "Lyon", CodeInsee: "69123"}})
	if err != nil {
		t.Fatal(err)
	}
	contact := func(st *maillage.Structure) response {
		return postForm(t, a, p.bossS, fmt.Sprintf("/emploi/candidats/%d/contact", p.candProfile.ID),
			url.Values{"structure_id": {fmt.Sprint(st.ID)}, "message": {"Parlons d'un poste."}}, nil)
	}
	for i, tt := range []struct {
		st     *maillage.Structure
		status int
	}{{p.st, 303}, {p.st, 422}, {second, 422}} {
		r := contact(tt.st)
		if r.Status != tt.status {
			t.Fatalf("contact %d: %d, want %d", i+1, r.Status, tt.status)
		}
		if tt.status == 422 {
			mustContain(t, r.Body, `id="message-error"`, "attend déjà")
		}
	}
	ms, _, err := a.Mails.FindMails(ctx, maillage.MailFilter{To: p.cand.Email, Kind: "job_contact_received", Limit: 100})
	if err != nil || len(ms) != 1 {
		t.Errorf("%d mails to the candidate, want 1 (%v)", len(ms), err)
	}
	// Once answered, the employer may write again.
	cs, _ := a.Recruiting.FindContacts(ctx, p.cand, recruiting.ContactFilter{Received: true})
	if _, err := a.Recruiting.AnswerContact(ctx, p.cand, cs[0].ID, false, "Pas maintenant."); err != nil {
		t.Fatal(err)
	}
	if r := contact(second); r.Status != 303 {
		t.Errorf("after the answer: %d", r.Status)
	}
}
