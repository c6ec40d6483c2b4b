package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/mentoring"
	"maillage/internal/testenv"
)

func getAs(t *testing.T, a *app.App, session, target string) response {
	t.Helper()
	h := map[string]string{}
	if session != "" {
		h["Cookie"] = "maillage_session=" + session
	}
	return do(t, a.Web.App(), "GET", target, h)
}

// mentoringPeople are the people of a mentoring test.
type mentoringPeople struct {
	mentee, other, mentor, far *maillage.User
	mentorP, farP              *maillage.Profile
	s                          map[string]string // sessions by name
}

func newMentoringPeople(t *testing.T, a *app.App, tag string) mentoringPeople {
	t.Helper()
	person := func(name, commune string, kind maillage.ProfileKind, mentor *maillage.MentorSettings) (*maillage.User, *maillage.Profile) {
		u := newUser(t, a, strings.ReplaceAll(strings.ToLower(name), " ", ".")+"."+tag+"@exemple.fr", nil)
		u.DisplayName = name
		p := saveProfile(t, a, u, maillage.ProfileUpdate{Kind: &kind, DisplayName: ptr(name), Commune: ptr(commune), Mentor: mentor,
			Competences: &[]maillage.ProfileCompetence{{Code: "1.1", Level: 6}}})
		return u, p
	}
	var m mentoringPeople
	m.mentee, _ = person("Inès Mentorée "+tag, "69123", maillage.KindConseiller, nil)
	m.other, _ = person("Omar Autre "+tag, "69123", maillage.KindConseiller, nil)
	m.mentor, m.mentorP = person("Rose Mentor "+tag, "69266", maillage.KindMediateur, &maillage.MentorSettings{Available: true, Capacity: 1, RadiusKm: 10, Themes: []string{"Démarches"}})
	m.far, m.farP = person("Loin Mentor "+tag, "13055", maillage.KindMediateur, &maillage.MentorSettings{Available: true, Capacity: 2, RadiusKm: 20})
	m.s = map[string]string{}
	for name, u := range map[string]*maillage.User{"mentee": m.mentee, "other": m.other, "mentor": m.mentor, "far": m.far} {
		m.s[name] = newSession(t, a, u)
	}
	return m
}

// TestMentoringBadInput: each refusal comes back as a French message next
// to its field, with what was typed kept, and nothing already saved lost.
func TestMentoringBadInput(t *testing.T) {
	a := testenv.Get(t).App(t)
	m := newMentoringPeople(t, a, "saisie")
	ask := func(who string, mentor *maillage.Profile, maxKm string) response {
		return postForm(t, a, m.s[who], fmt.Sprintf("/mentorat/mentors/%d/demande", mentor.ID),
			url.Values{"message": {"Bonjour, je débute à la médiathèque."}, "max_km": {maxKm}}, nil)
	}
	refused := func(r response, field string, parts ...string) {
		t.Helper()
		if r.Status != 422 {
			t.Fatalf("status %d, want 422", r.Status)
		}
		mustContain(t, r.Body, append(parts, `id="`+field+`-error"`, "Bonjour, je débute à la médiathèque.")...)
	}
	refused(ask("mentor", m.mentorP, "20"), "mentor_id", "Vous ne pouvez pas être votre propre mentor.")
	refused(ask("mentee", m.farP, "20"), "max_km", "Ce mentor est trop loin")
	refused(ask("mentee", m.mentorP, "7"), "max_km", "Choisissez une distance de la liste")
	if r := ask("mentee", m.mentorP, "20"); r.Status != 303 || r.Header.Get("Location") != "/mentorat/demandes" {
		t.Fatalf("request: %d %s", r.Status, r.Header.Get("Location"))
	}
	refused(ask("mentee", m.mentorP, "20"), "mentor_id", "Vous avez déjà envoyé une demande à ce mentor")

	// The mentor accepts; the other conseiller finds them full.
	rs, err := a.Mentoring.FindRequests(context.Background(), mentoring.RequestFilter{MentorID: m.mentor.ID, Status: mentoring.RequestSent})
	if err != nil || len(rs) != 1 {
		t.Fatalf("requests %v %v", rs, err)
	}
	r := postForm(t, a, m.s["mentor"], fmt.Sprintf("/mentorat/demandes/%d/reponse", rs[0].ID), url.Values{"decision": {"accepter"}, "message": {"Bienvenue"}}, nil)
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/mentorat/binomes/") {
		t.Fatalf("accept: %d %s", r.Status, r.Header.Get("Location"))
	}
	pairing := r.Header.Get("Location")
	refused(ask("other", m.mentorP, "20"), "mentor_id", "Ce mentor n'a plus de place libre")
	// The API says the same with the field.
	r = send(t, a, "POST", "/api/mentorat/demandes", fmt.Sprintf(`{"mentor_id": %d, "max_km": 20, "message": "x"}`, m.mentorP.ID), cookie(m.s["other"], true))
	wantStatus(t, r, 422)
	var e apiError
	decode(t, r, &e)
	if !strings.Contains(e.Fields["mentor_id"], "plus de place libre") {
		t.Errorf("API refusal %+v", e)
	}

	// Meetings: in the future, or of a negative duration: refused, the
	// notes kept, nothing saved.
	tomorrow := maillage.Today(time.Now()).AddDate(0, 0, 2).Format(time.DateOnly)
	meet := func(date, minutes string) response {
		return postForm(t, a, m.s["mentee"], pairing+"/rencontres", url.Values{"date": {date}, "duration_min": {minutes}, "format": {"visio"},
			"topics": {"1.1"}, "notes": {"Notes précieuses à garder"}}, nil)
	}
	for _, tt := range []struct{ date, minutes, field, text string }{
		{tomorrow, "60", "date", "La rencontre ne peut pas être dans le futur"},
		{maillage.Today(time.Now()).Format(time.DateOnly), "-30", "duration_min", "Indiquez une durée en minutes"},
	} {
		r := meet(tt.date, tt.minutes)
		if r.Status != 422 {
			t.Fatalf("meeting %+v: status %d", tt, r.Status)
		}
		mustContain(t, r.Body, `id="`+tt.field+`-error"`, tt.text, "Notes précieuses à garder")
	}
	var pid int64
	fmt.Sscanf(strings.TrimPrefix(pairing, "/mentorat/binomes/"), "%d", &pid)
	ms, err := a.Mentoring.FindMeetings(context.Background(), maillage.Viewer{UserID: m.mentee.ID}, pid)
	if err != nil || len(ms) != 0 {
		t.Fatalf("meetings saved after refusals: %v %v", ms, err)
	}
	if r := meet(maillage.Today(time.Now()).Format(time.DateOnly), "45"); r.Status != 303 {
		t.Fatalf("good meeting: %d", r.Status)
	}
	// An end without a reason is refused; the pairing goes on.
	r = postForm(t, a, m.s["mentor"], pairing+"/terminer", url.Values{"reason": {" "}}, nil)
	if r.Status != 422 {
		t.Fatalf("end without reason: %d", r.Status)
	}
	mustContain(t, r.Body, `id="reason-error"`, "Indiquez le motif")
	if p, _ := a.Mentoring.FindPairing(context.Background(), maillage.Viewer{UserID: m.mentor.ID}, pid); !p.Active() {
		t.Error("the pairing ended without a reason")
	}
}

// TestMentoringAuthorization: a pairing's log is seen by its two sides
// only; a coordinator sees and acts in their territory only.
func TestMentoringAuthorization(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	m := newMentoringPeople(t, a, "droits")
	r, err := a.Mentoring.SendRequest(ctx, m.mentee.ID, mentoring.RequestInput{MentorID: m.mentorP.ID, MaxKm: 20}, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = a.Mentoring.AnswerRequest(ctx, m.mentor.ID, r.ID, mentoring.AnswerInput{Accept: true}, "fr"); err != nil {
		t.Fatal(err)
	}
	pid := *r.PairingID
	if _, err := a.Mentoring.LogMeeting(ctx, m.mentor.ID, pid, mentoring.MeetingInput{Date: maillage.Today(time.Now()), DurationMin: 30,
		Format: "visio", Notes: "Note confidentielle du binôme"}); err != nil {
		t.Fatal(err)
	}
	admin := newUser(t, a, "admin.droits@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleAdministrateur})
	coord69 := newUser(t, a, "coord69.droits@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "69"})
	coord13 := newUser(t, a, "coord13.droits@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "13"})
	coord84 := newUser(t, a, "coord84.droits@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeRegion, ScopeValue: "84"})
	for name, u := range map[string]*maillage.User{"admin": admin, "coord69": coord69, "coord13": coord13, "coord84": coord84} {
		m.s[name] = newSession(t, a, u)
	}

	page := fmt.Sprintf("/mentorat/binomes/%d", pid)
	api := fmt.Sprintf("/api/mentorat/binomes/%d/rencontres", pid)
	for _, tt := range []struct {
		who    string
		status int
	}{{"mentee", 200}, {"mentor", 200}, {"other", 404}, {"far", 404}, {"admin", 404}, {"coord69", 404}} {
		r := getAs(t, a, m.s[tt.who], page)
		if r.Status != tt.status || (tt.status == 200) != strings.Contains(r.Body, "Note confidentielle du binôme") {
			t.Errorf("%s reads the log: %d", tt.who, r.Status)
		}
		if r := send(t, a, "GET", api, "", cookie(m.s[tt.who], false)); r.Status != tt.status {
			t.Errorf("%s reads the log through the API: %d", tt.who, r.Status)
		}
		// Only the pairing's sides log a meeting or end it.
		if tt.status != 200 {
			if r := postForm(t, a, m.s[tt.who], page+"/terminer", url.Values{"reason": {"intrusion"}}, nil); r.Status != 404 {
				t.Errorf("%s ends the pairing: %d", tt.who, r.Status)
			}
		}
	}
	// The request: its sides only; only the mentor answers.
	if r := send(t, a, "GET", fmt.Sprintf("/api/mentorat/demandes/%d", r.ID), "", cookie(m.s["other"], false)); r.Status != 404 {
		t.Errorf("a third person reads the request: %d", r.Status)
	}

	for _, tt := range []struct {
		who, target string
		status      int
	}{
		{"coord69", "/mentorat/coordination?departement=69", 200},
		{"coord69", "/mentorat/coordination", 200},
		{"coord69", "/mentorat/coordination?departement=13", 403},
		{"coord69", "/mentorat/coordination?region=84", 403},
		{"coord69", "/mentorat/coordination?national=1", 403},
		{"coord69", "/mentorat/coordination/propositions?departement=69", 200},
		{"coord69", "/mentorat/coordination/propositions?departement=13", 403},
		{"coord69", "/mentorat/coordination/export.csv?departement=69", 200},
		{"coord69", "/mentorat/coordination/export.csv?departement=13&table=seuls", 403},
		{"coord13", "/mentorat/coordination?departement=69", 403},
		{"coord84", "/mentorat/coordination?departement=69", 200},
		{"coord84", "/mentorat/coordination?region=84", 200},
		{"coord84", "/mentorat/coordination?departement=13", 403},
		{"admin", "/mentorat/coordination?national=1", 200},
		{"admin", "/mentorat/coordination?departement=13", 200},
		{"mentee", "/mentorat/coordination", 403},
		{"mentee", "/mentorat/coordination/propositions?departement=69", 403},
	} {
		if r := getAs(t, a, m.s[tt.who], tt.target); r.Status != tt.status {
			t.Errorf("%s GET %s: %d, want %d", tt.who, tt.target, r.Status, tt.status)
		}
	}
	// A coordinator of the 69 sees the conseillers alone of the 69, by name.
	r69 := getAs(t, a, m.s["coord69"], "/mentorat/coordination?departement=69")
	mustContain(t, r69.Body, m.other.DisplayName)
	if r := getAs(t, a, m.s["coord69"], "/mentorat/coordination/export.csv?departement=69&table=seuls"); !strings.Contains(r.Body, m.other.DisplayName) ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("CSV of the alone: %s", r.Body)
	}
	// Confirming proposals outside the territory is refused; inside, the
	// proposals become requests.
	if r := postForm(t, a, m.s["coord69"], "/mentorat/coordination/propositions", url.Values{"departement": {"13"},
		"pairs": {fmt.Sprintf("%d-%d", m.other.ID, m.far.ID)}}, nil); r.Status != 403 {
		t.Errorf("confirm in the 13 as coordinator of the 69: %d", r.Status)
	}
	if r := postForm(t, a, m.s["coord13"], "/mentorat/coordination/propositions", url.Values{"departement": {"69"},
		"pairs": {fmt.Sprintf("%d-%d", m.other.ID, m.far.ID)}}, nil); r.Status != 403 {
		t.Errorf("confirm in the 69 as coordinator of the 13: %d", r.Status)
	}

	// The observatory is public and names nobody.
	obs := getAs(t, a, "", "/observatoire")
	if obs.Status != 200 || strings.Contains(obs.Body, m.other.DisplayName) || strings.Contains(obs.Body, m.mentor.DisplayName) {
		t.Errorf("observatory: %d", obs.Status)
	}
	mustContain(t, obs.Body, "Couverture par département", "<svg")
	for _, target := range []string{"/observatoire/couverture.json", "/api/mentorat/couverture", "/api/mentorat/couverture?region=84"} {
		r := getAs(t, a, "", target)
		if r.Status != 200 || !strings.Contains(r.Body, `"departements"`) || strings.Contains(r.Body, m.other.DisplayName) {
			t.Errorf("%s: %d", target, r.Status)
		}
	}
	if r := getAs(t, a, "", "/observatoire/couverture.csv"); r.Status != 200 || !strings.HasPrefix(r.Body, "niveau,code,nom,conseillers") {
		t.Errorf("open data CSV: %d %.80s", r.Status, r.Body)
	}
}

// TestMentoringInEnglish: with ?lang=en, the mentoring pages show no
// French text but names and what they mark as French (territories,
// competencies, themes).
func TestMentoringInEnglish(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	m := newMentoringPeople(t, a, "english")
	r, err := a.Mentoring.SendRequest(ctx, m.other.ID, mentoring.RequestInput{MentorID: m.mentorP.ID, MaxKm: 20, Message: "Hello"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = a.Mentoring.AnswerRequest(ctx, m.mentor.ID, r.ID, mentoring.AnswerInput{Accept: true}, "en"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Mentoring.LogMeeting(ctx, m.mentor.ID, *r.PairingID, mentoring.MeetingInput{Date: maillage.Today(time.Now()), DurationMin: 30,
		Format: "visio", Topics: []string{"1.1"}, Notes: "First talk", Validations: []mentoring.Validation{{Code: "1.1", Level: 4}}}); err != nil {
		t.Fatal(err)
	}
	admin := newUser(t, a, "admin.english@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleAdministrateur})
	m.s["admin"] = newSession(t, a, admin)
	pages := map[string][]string{
		"other":  {"/mentorat", "/mentorat/trouver", "/mentorat/demandes", fmt.Sprintf("/mentorat/binomes/%d", *r.PairingID)},
		"mentee": {"/mentorat/trouver?max_km=distance", fmt.Sprintf("/mentorat/mentors/%d/demande", m.mentorP.ID)},
		"mentor": {"/mentorat/mentores", fmt.Sprintf("/mentorat/binomes/%d", *r.PairingID), "/tableau-de-bord"},
		"admin":  {"/mentorat/coordination?departement=69", "/mentorat/coordination?national=1", "/mentorat/coordination/propositions?departement=69"},
		"":       {"/observatoire"},
	}
	for who, targets := range pages {
		for _, target := range targets {
			h := map[string]string{"Cookie": "lang=en"}
			if who != "" {
				h["Cookie"] += "; maillage_session=" + m.s[who]
			}
			r := do(t, a.Web.App(), "GET", target, h)
			if r.Status != 200 || !strings.Contains(r.Body, `<html lang="en">`) {
				t.Errorf("%s as %s: %d", target, who, r.Status)
				continue
			}
			text := strings.ReplaceAll(visibleText(r.Body), "Français", "")
			for _, line := range strings.Split(text, "\n") {
				if w := frenchWords.FindString(line); w != "" {
					t.Errorf("%s: French word %q in %q", target, w, strings.Join(strings.Fields(line), " "))
				}
			}
		}
	}
}

// TestMentorProfileAsks: an available mentor's profile page offers to ask
// them (the network's page, through partials_mentoring_profile), to a
// signed-in visitor; anonymous visitors are invited to sign in first; the
// mentor does not see it on their own page.
func TestMentorProfileAsks(t *testing.T) {
	a := testenv.Get(t).App(t)
	m := newMentoringPeople(t, a, "profil")
	target := fmt.Sprintf("/profils/%d", m.mentorP.ID)
	ask := fmt.Sprintf(`href="/mentorat/mentors/%d/demande"`, m.mentorP.ID)
	if r := getAs(t, a, m.s["mentee"], target); r.Status != 200 || !strings.Contains(r.Body, ask) {
		t.Errorf("a member does not see how to ask: %d", r.Status)
	}
	if r := getAs(t, a, m.s["mentor"], target); strings.Contains(r.Body, ask) {
		t.Error("the mentor is offered to ask themself")
	}
	// The profile is for members only (the default): make it public to
	// read it anonymously.
	saveProfile(t, a, m.mentor, maillage.ProfileUpdate{Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic}})
	if r := getAs(t, a, "", target); r.Status != 200 || !strings.Contains(r.Body, "/connexion?retour=/mentorat/mentors/") {
		t.Errorf("anonymous: %d", r.Status)
	}
	// The form reached from there, then sent.
	form := getAs(t, a, m.s["mentee"], fmt.Sprintf("/mentorat/mentors/%d/demande", m.mentorP.ID))
	if form.Status != 200 {
		t.Fatalf("request form: %d", form.Status)
	}
	mustContain(t, form.Body, m.mentor.DisplayName, "place libre")
}

// TestMentoringRequestsAreNotAMailCannon: each request mails the mentor
// the mentee's message. Send, cancel, send again mailed them each time,
// without bound; a mentee now asks the same mentor again the next day at
// the soonest. Another mentor, or a coordinator's assignment, is not
// concerned.
func TestMentoringRequestsAreNotAMailCannon(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	m := newMentoringPeople(t, a, "canon")
	ask := func(who string) response {
		return postForm(t, a, m.s[who], fmt.Sprintf("/mentorat/mentors/%d/demande", m.mentorP.ID),
			url.Values{"message": {"Encore moi."}, "max_km": {"20"}}, nil)
	}
	cancel := func(who string, u *maillage.User) {
		rs, err := a.Mentoring.FindRequests(ctx, mentoring.RequestFilter{MenteeID: u.ID, Status: mentoring.RequestSent})
		if err != nil || len(rs) != 1 {
			t.Fatalf("waiting requests of %s: %v %v", who, rs, err)
		}
		if r := postForm(t, a, m.s[who], fmt.Sprintf("/mentorat/demandes/%d/annuler", rs[0].ID), url.Values{}, nil); r.Status != 303 {
			t.Fatalf("cancel: %d", r.Status)
		}
	}
	if r := ask("mentee"); r.Status != 303 {
		t.Fatalf("first request: %d", r.Status)
	}
	cancel("mentee", m.mentee)
	for i := range 3 {
		r := ask("mentee")
		if r.Status != 422 {
			t.Fatalf("request %d after a cancel: %d", i+2, r.Status)
		}
		mustContain(t, r.Body, `id="mentor_id-error"`, "demain", "Encore moi.")
	}
	// Another mentee asks the same mentor.
	if r := ask("other"); r.Status != 303 {
		t.Errorf("another mentee: %d", r.Status)
	}
	ms, _, err := a.Mails.FindMails(ctx, maillage.MailFilter{To: m.mentor.Email, Kind: "mentoring_request_received", Limit: 100})
	if err != nil || len(ms) != 2 {
		t.Errorf("%d mails to the mentor, want 2 (%v)", len(ms), err)
	}
	// The next day the mentee may ask again.
	cancel("other", m.other)
	if _, err := a.Mentoring.At(time.Now().Add(25*time.Hour)).SendRequest(ctx, m.mentee.ID, mentoring.RequestInput{MentorID: m.mentorP.ID, MaxKm: 20}, "fr"); err != nil {
		t.Errorf("the next day: %v", err)
	}
}
