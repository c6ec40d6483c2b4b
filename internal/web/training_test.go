package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
	"maillage/internal/training"
	"maillage/internal/web/kit"
)

var trainingWebSeq atomic.Int64

func luhnDigits(digits string) string {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return digits + strconv.Itoa((10-sum%10)%10)
}

// trainingStructure creates a structure with the training-body role whose
// referent is u (not yet declared with its activity number).
func trainingStructure(t *testing.T, a *app.App, u *maillage.User, name string) *maillage.Structure {
	t.Helper()
	siret := luhnDigits(luhnDigits(fmt.Sprintf("7%07d", time.Now().UnixNano()%1e7+trainingWebSeq.Add(1)*7)) + "0001")
	st, _, err := a.Structures.CreateStructure(context.Background(), u.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureFormation},
		Lieu: maillage.Lieu{Pivot: siret, Nom: name, Adresse: "5 quai Saint-Antoine", CodePostal: "69002", Commune: "Lyon", CodeInsee: "69123",
			Courriels: []string{"contact@organisme.exemple.fr"}}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func postFile(t *testing.T, a *app.App, session, target, field, name string, content []byte) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", kit.SessionCSRF(session))
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(content)
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

// TestTrainingFormsSayWhatIsWrong: a training body declares itself,
// publishes an offer and a session through the forms; each bad input
// (activity number, a bloc of another certification, a session ending
// before it starts, negative seats, an LHEO file in another namespace)
// comes back in French next to its field, with what was typed, and
// nothing already saved is lost. The .ics and the LHEO export follow.
func TestTrainingFormsSayWhatIsWrong(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	ref := newUser(t, a, "referente.formations@exemple.fr", nil)
	st := trainingStructure(t, a, ref, "Institut Saint-Antoine")
	session := newSession(t, a, ref)
	base := "/organismes/" + strconv.FormatInt(st.ID, 10)

	r := postForm(t, a, session, base+"/declaration", url.Values{"activity_number": {"123"}, "qualiopi": {"on"}}, nil)
	wantStatus(t, r, 422)
	if msg := fieldError(r.Body, "activity_number"); !strings.Contains(msg, "11 caractères") {
		t.Errorf("activity number: message %q", msg)
	}
	mustContain(t, r.Body, `value="123"`)
	r = postForm(t, a, session, base+"/declaration", url.Values{"activity_number": {"84 69 1234567"}, "qualiopi": {"on"}}, nil)
	wantStatus(t, r, 303)

	offer := url.Values{"title": {"Contribuer au développement d'un lieu"}, "objectives": {"Développer un espace."},
		"certifications": {"REMN"}, "blocs": {"CMN-B1"}, "modality": {"presentiel"}, "hours": {"35"}, "price_cents": {"-5"}, "funding": {"cpf"}}
	r = postForm(t, a, session, base+"/offres/nouvelle", offer, nil)
	wantStatus(t, r, 422)
	if msg := fieldError(r.Body, "blocs"); !strings.Contains(msg, "appartient à la certification CMN") {
		t.Errorf("bloc of another certification: message %q", msg)
	}
	if msg := fieldError(r.Body, "price_cents"); !strings.Contains(msg, "positif ou nul") {
		t.Errorf("negative price: message %q", msg)
	}
	mustContain(t, r.Body, `value="Contribuer au développement d&#39;un lieu"`)
	offer.Set("blocs", "REMN-B2")
	offer.Set("price_cents", "1 200,50")
	r = postForm(t, a, session, base+"/offres/nouvelle", offer, nil)
	wantStatus(t, r, 303)
	offerURL := r.Header.Get("Location")
	id, _ := strconv.ParseInt(strings.TrimPrefix(offerURL, "/formations/"), 10, 64)
	if id == 0 {
		t.Fatalf("redirected to %q", offerURL)
	}

	start := time.Now().Add(40*24*time.Hour).In(time.UTC).Format("2006-01-02") + "T09:00"
	bad := url.Values{"start": {start}, "end": {time.Now().Add(39*24*time.Hour).Format("2006-01-02") + "T17:00"}, "place.code_insee": {"Villeurbanne"},
		"seats": {"-3"}, "seats_left": {"0"}, "registration": {"ouverte"}}
	r = postForm(t, a, session, offerURL+"/sessions/nouvelle", bad, nil)
	wantStatus(t, r, 422)
	if msg := fieldError(r.Body, "end"); !strings.Contains(msg, "se termine avant de commencer") {
		t.Errorf("end before start: message %q", msg)
	}
	if msg := fieldError(r.Body, "seats"); !strings.Contains(msg, "positif ou nul") {
		t.Errorf("negative seats: message %q", msg)
	}
	mustContain(t, r.Body, `value="Villeurbanne (69266)"`, `value="-3"`)
	good := url.Values{"start": {start}, "end": {time.Now().Add(42*24*time.Hour).Format("2006-01-02") + "T17:00"}, "place.code_insee": {"Villeurbanne"},
		"place.address": {"Maison du numérique\n3 rue Francis-de-Pressensé"}, "seats": {"12"}, "seats_left": {"12"}, "registration": {"ouverte"}}
	r = postForm(t, a, session, offerURL+"/sessions/nouvelle", good, nil)
	wantStatus(t, r, 303)

	v, err := a.Training.FindOffer(ctx, id)
	if err != nil || len(v.Sessions) != 1 || v.PriceCents != 120050 || v.Sessions[0].Place.Postcode != "69100" {
		t.Fatalf("stored offer: %v %+v", err, v)
	}
	// The stored session survives a bad edit.
	sURL := "/formations/sessions/" + strconv.FormatInt(v.Sessions[0].ID, 10)
	r = postForm(t, a, session, sURL+"/modifier", bad, nil)
	wantStatus(t, r, 422)
	if after, _ := a.Training.FindOffer(ctx, id); !after.Sessions[0].End.Equal(v.Sessions[0].End) || after.Sessions[0].Seats != 12 {
		t.Errorf("a refused edit changed the session: %+v", after.Sessions[0])
	}

	// Public pages and files.
	r = do(t, a.Web.App(), "GET", offerURL, nil)
	wantStatus(t, r, 200)
	mustContain(t, r.Body, "Contribuer au développement d&#39;un lieu", "Villeurbanne", "1200,50 € TTC", "Compte personnel de formation (CPF)")
	r = do(t, a.Web.App(), "GET", sURL+"/agenda.ics", nil)
	wantStatus(t, r, 200)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") || !strings.Contains(r.Body, "BEGIN:VEVENT") ||
		!strings.Contains(r.Body, "UID:session-"+strconv.FormatInt(v.Sessions[0].ID, 10)+"@") || !strings.Contains(r.Body, "TZID=Europe/Paris") {
		t.Errorf("ics: %s %q", r.Header.Get("Content-Type"), r.Body)
	}
	r = do(t, a.Web.App(), "GET", base+"/sessions.ics", nil)
	wantStatus(t, r, 200)
	r = do(t, a.Web.App(), "GET", base+"/formations.lheo.xml", nil)
	wantStatus(t, r, 200)
	if !strings.Contains(r.Body, `xmlns="`+training.NamespaceLHEO23+`"`) || !strings.Contains(r.Body, "<intitule-formation>Contribuer au développement") {
		t.Errorf("LHEO export: %.300s", r.Body)
	}

	// An LHEO file in another namespace: a French message on the file
	// field, nothing lost.
	wrong := strings.Replace(r.Body, training.NamespaceLHEO23, "http://www.lheo.org/2.0", 1)
	r = postFile(t, a, session, base+"/import-lheo", "file", "offres.xml", []byte(wrong))
	wantStatus(t, r, 422)
	if msg := fieldError(r.Body, "file"); !strings.Contains(msg, "n'est pas celui de LHEO") {
		t.Errorf("wrong namespace: message %q", msg)
	}
	if after, _ := a.Training.FindOffer(ctx, id); len(after.Sessions) != 1 {
		t.Errorf("the refused file changed the offer")
	}
	// The export imported back: the same offer, updated, and a report.
	r = do(t, a.Web.App(), "GET", base+"/formations.lheo.xml", nil)
	r = postFile(t, a, session, base+"/import-lheo", "file", "offres.xml", []byte(r.Body))
	wantStatus(t, r, 200)
	mustContain(t, r.Body, "Compte rendu de l&#39;import", "0 créées, 1 mises à jour")
}

// TestTrainingBodyEditsOnlyItsOwnOffersOverHTTP: the pages and the API of
// an offer refuse the people of another training body (403) and let the
// body's own referent through.
func TestTrainingBodyEditsOnlyItsOwnOffersOverHTTP(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	owner, other := newUser(t, a, "proprietaire.formation@exemple.fr", nil), newUser(t, a, "voisin.formation@exemple.fr", nil)
	st := trainingStructure(t, a, owner, "Organisme propriétaire")
	otherSt := trainingStructure(t, a, other, "Organisme voisin")
	for _, x := range []struct {
		u  *maillage.User
		st *maillage.Structure
	}{{owner, st}, {other, otherSt}} {
		if _, err := a.Training.DeclareBody(ctx, maillage.Viewer{UserID: x.u.ID}, x.st.ID, training.BodyInput{ActivityNumber: "84691234567"}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now().Add(20 * 24 * time.Hour)
	v, err := a.Training.CreateOffer(ctx, maillage.Viewer{UserID: owner.ID}, st.ID, &training.Offer{Title: "Offre protégée", Objectives: "o",
		Certifications: []string{"REMN"}, Blocs: []string{"REMN-B1"}, Modality: training.ModalityPresentiel,
		Sessions: []*training.Session{{Start: start, End: start.Add(time.Hour), Registration: training.RegistrationOpen, Place: training.Place{Remote: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	oid, sid := strconv.FormatInt(v.ID, 10), strconv.FormatInt(v.Sessions[0].ID, 10)
	intruder := newSession(t, a, other)
	for _, target := range []string{"/formations/" + oid + "/modifier", "/formations/" + oid + "/sessions/nouvelle", "/formations/sessions/" + sid + "/modifier",
		"/organismes/" + strconv.FormatInt(st.ID, 10) + "/gestion", "/organismes/" + strconv.FormatInt(st.ID, 10) + "/offres/nouvelle"} {
		if r := do(t, a.Web.App(), "GET", target, map[string]string{"Cookie": "maillage_session=" + intruder}); r.Status != 403 {
			t.Errorf("GET %s by another body: %d", target, r.Status)
		}
	}
	for _, target := range []string{"/formations/" + oid + "/modifier", "/formations/" + oid + "/supprimer", "/formations/sessions/" + sid + "/supprimer",
		"/formations/sessions/" + sid + "/modifier", "/organismes/" + strconv.FormatInt(st.ID, 10) + "/declaration"} {
		if r := postForm(t, a, intruder, target, url.Values{"title": {"Pris"}, "activity_number": {"11111111111"}}, nil); r.Status != 403 {
			t.Errorf("POST %s by another body: %d", target, r.Status)
		}
	}
	for _, req := range []struct{ method, target, body string }{
		{"PUT", "/api/formations/" + oid, `{"title": "Pris", "objectives": "o", "modality": "presentiel"}`},
		{"DELETE", "/api/formations/" + oid, ""},
		{"POST", "/api/formations/" + oid + "/sessions", `{"start": "2030-01-01T09:00:00Z", "end": "2030-01-02T09:00:00Z", "place": {"remote": true}}`},
		{"DELETE", "/api/formations/sessions/" + sid, ""},
		{"POST", "/api/formations", `{"structure_id": ` + strconv.FormatInt(st.ID, 10) + `, "title": "t", "objectives": "o", "modality": "presentiel"}`},
	} {
		r := send(t, a, req.method, req.target, req.body, cookie(intruder, true))
		if r.Status != 403 {
			t.Errorf("%s %s by another body: %d %s", req.method, req.target, r.Status, r.Body)
		}
	}
	if after, err := a.Training.FindOffer(ctx, v.ID); err != nil || after.Title != "Offre protégée" || len(after.Sessions) != 1 {
		t.Fatalf("the offer changed: %v %+v", err, after)
	}
	// Its own referent, through the API.
	r := send(t, a, "PUT", "/api/formations/"+oid, `{"title": "Offre modifiée", "objectives": "o", "certifications": ["REMN"], "blocs": ["REMN-B1"], "modality": "hybride"}`,
		cookie(newSession(t, a, owner), true))
	wantStatus(t, r, 200)
	r = send(t, a, "POST", "/api/formations/"+oid+"/sessions", `{"start": "2030-01-02T09:00:00Z", "end": "2030-01-01T09:00:00Z", "seats": -1, "place": {"remote": true}}`,
		cookie(newSession(t, a, owner), true))
	wantStatus(t, r, 422)
	var e apiError
	decode(t, r, &e)
	if !strings.Contains(e.Fields["end"], "se termine avant de commencer") || e.Fields["seats"] == "" {
		t.Errorf("API problems: %+v", e)
	}
}

// TestTrainingPathPage: « Mon parcours » for a person without a profile
// says what to do; with one, it names the missing blocs; the API gives the
// same path.
func TestTrainingPathPage(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	u := newUser(t, a, "parcours.page@exemple.fr", nil)
	s := newSession(t, a, u)
	r := do(t, a.Web.App(), "GET", "/parcours", map[string]string{"Cookie": "maillage_session=" + s})
	wantStatus(t, r, 200)
	mustContain(t, r.Body, "créez-le d&#39;abord")
	kind, name, commune := maillage.KindConseiller, "Zoé Parcours", "69123"
	titles := []maillage.ProfileTitle{{CertificationCode: "REMN", BlocCode: "REMN-B1"}}
	if _, err := a.Profiles.SaveProfile(ctx, u.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Commune: &commune, Titles: &titles}); err != nil {
		t.Fatal(err)
	}
	r = do(t, a.Web.App(), "GET", "/parcours?rayon=20&distance=0", map[string]string{"Cookie": "maillage_session=" + s})
	wantStatus(t, r, 200)
	mustContain(t, r.Body, `id="bloc-REMN-B2"`, `id="bloc-REMN-B3"`, "Sessions à 20 km au plus de Lyon")
	r = do(t, a.Web.App(), "GET", "/parcours?rayon=7", map[string]string{"Cookie": "maillage_session=" + s})
	wantStatus(t, r, 200) // a radius outside the list falls back to the default
	r = send(t, a, "GET", "/api/moi/parcours", "", cookie(s, false))
	wantStatus(t, r, 200)
	var v struct {
		Path struct {
			Certification string   `json:"certification"`
			Missing       []string `json:"missing"`
		} `json:"path"`
	}
	decode(t, r, &v)
	if v.Path.Certification != "REMN" || strings.Join(v.Path.Missing, ",") != "REMN-B2,REMN-B3" {
		t.Errorf("API path: %+v", v)
	}
	// The dashboard leads from the first missing bloc to the path.
	r = do(t, a.Web.App(), "GET", "/tableau-de-bord", map[string]string{"Cookie": "maillage_session=" + s})
	mustContain(t, r.Body, `href="/parcours#bloc-REMN-B2"`)
	// A share link, then revoked.
	r = postForm(t, a, s, "/parcours/partages", url.Values{"rayon": {"40"}, "distance": {"1"}}, nil)
	wantStatus(t, r, 200)
	link := regexp.MustCompile(`/parcours/partage/[A-Za-z0-9_-]+`).FindString(r.Body)
	if link == "" {
		t.Fatal("no share link shown")
	}
	wantStatus(t, do(t, a.Web.App(), "GET", link, nil), 200)
	shares, _ := a.Training.PathShares(ctx, u.ID)
	wantStatus(t, postForm(t, a, s, "/parcours/partages/"+strconv.FormatInt(shares[0].ID, 10)+"/revoquer", url.Values{}, nil), 303)
	wantStatus(t, do(t, a.Web.App(), "GET", link, nil), 404)
}

// TestTrainingSessionDatesFromYear2000: a session's start and end are
// days from 1 January 2000 (over the API, the form and an offer's inline
// sessions). Year 0 is a valid time in Go and none in PostgreSQL: a 500;
// 1 January 0001 in Paris is year 0 in UTC, a 500 too.
func TestTrainingSessionDatesFromYear2000(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	owner := newUser(t, a, "dates.formation@exemple.fr", nil)
	st := trainingStructure(t, a, owner, "Organisme des dates")
	if _, err := a.Training.DeclareBody(ctx, maillage.Viewer{UserID: owner.ID}, st.ID, training.BodyInput{ActivityNumber: "84691234567"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(20 * 24 * time.Hour)
	v, err := a.Training.CreateOffer(ctx, maillage.Viewer{UserID: owner.ID}, st.ID, &training.Offer{Title: "Offre datée", Objectives: "o",
		Certifications: []string{"REMN"}, Blocs: []string{"REMN-B1"}, Modality: training.ModalityPresentiel,
		Sessions: []*training.Session{{Start: start, End: start.Add(time.Hour), Registration: training.RegistrationOpen, Place: training.Place{Remote: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	token, session := bearer(newToken(t, a, owner)), newSession(t, a, owner)
	for _, tc := range []struct {
		start, end string // RFC 3339 for the API
		form       string // the form's start and end
		status     int
	}{
		{"0000-01-01T10:00:00Z", "0000-01-01T12:00:00Z", "0000-01-01T10:00", 422},
		{"0001-01-01T10:00:00Z", "0001-01-01T12:00:00Z", "0001-01-01", 422},
		{"1999-12-31T10:00:00Z", "2027-01-01T12:00:00Z", "1999-12-31", 422},
		{"2027-03-01T09:00:00Z", "2027-03-01T17:00:00Z", "2027-03-01T09:00", 201},
	} {
		t.Run(tc.start, func(t *testing.T) {
			body := fmt.Sprintf(`{"start": %q, "end": %q, "registration": "ouverte", "place": {"remote": true}}`, tc.start, tc.end)
			r := send(t, a, "POST", fmt.Sprintf("/api/formations/%d/sessions", v.ID), body, token)
			wantStatus(t, r, tc.status)
			put := send(t, a, "PUT", fmt.Sprintf("/api/formations/sessions/%d", v.Sessions[0].ID), body, token)
			if tc.status == 422 {
				wantStatus(t, put, 422)
				var e apiError
				decode(t, r, &e)
				if !strings.Contains(e.Fields["start"], "2000") {
					t.Errorf("no message on start: %s", r.Body)
				}
				offer := fmt.Sprintf(`{"structure_id": %d, "title": "Offre en l'an zéro", "objectives": "o", "certifications": ["REMN"], "blocs": ["REMN-B1"],
					"modality": "presentiel", "sessions": [%s]}`, st.ID, body)
				o := send(t, a, "POST", "/api/formations", offer, token)
				wantStatus(t, o, 422)
				var oe apiError
				decode(t, o, &oe)
				if !strings.Contains(oe.Fields["sessions.0.start"], "2000") {
					t.Errorf("offer with the session: %s", o.Body)
				}
			}
			f := postForm(t, a, session, fmt.Sprintf("/formations/%d/sessions/nouvelle", v.ID),
				url.Values{"start": {tc.form}, "end": {tc.form}, "registration": {"ouverte"}, "place.remote": {"on"}}, nil)
			if want := map[int]int{422: 422, 201: 303}[tc.status]; f.Status != want {
				t.Errorf("form: %d, want %d", f.Status, want)
			}
		})
	}
}
