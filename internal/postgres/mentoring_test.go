package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

// keyTexts renders a mail as its key and arguments.
type keyTexts struct{}

func (keyTexts) T(lang, key string, args ...any) string { return key + fmt.Sprint(args...) }

type mentoringFixture struct {
	profileFixture
	db  *postgres.DB
	svc *postgres.MentoringService
	tag string
}

func newMentoringFixture(t *testing.T, tag string) mentoringFixture {
	db := testenv.Get(t).DB(t)
	svc := postgres.NewMentoringService(db)
	svc.Texts, svc.BaseURL = keyTexts{}, "http://portail.test"
	return mentoringFixture{profileFixture{postgres.NewUserService(db), postgres.NewProfileService(db)}, db, svc, tag}
}

// conseiller creates a conseiller of a commune with competencies.
func (f mentoringFixture) conseiller(t *testing.T, name, commune string, comps ...maillage.ProfileCompetence) *maillage.User {
	t.Helper()
	u, _ := f.person(t, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"."+f.tag+"@exemple.fr", maillage.ProfileUpdate{
		Kind: ptr(maillage.KindConseiller), DisplayName: ptr(name), Commune: ptr(commune), Competences: &comps})
	return u
}

// mentor creates a mediator who mentors.
func (f mentoringFixture) mentor(t *testing.T, name, commune string, capacity, radius int, remote bool, comps ...maillage.ProfileCompetence) (*maillage.User, *maillage.Profile) {
	t.Helper()
	return f.person(t, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"."+f.tag+"@exemple.fr", maillage.ProfileUpdate{
		Kind: ptr(maillage.KindMediateur), DisplayName: ptr(name), Commune: ptr(commune), Competences: &comps,
		Mentor: &maillage.MentorSettings{Available: true, Capacity: capacity, RadiusKm: radius, Remote: remote, Themes: []string{"Démarches"}}})
}

func (f mentoringFixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.NewRaw(q, args...).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantProblem(t *testing.T, err error, field, key string) {
	t.Helper()
	ps := maillage.ErrorProblems(err)
	if ps.Key(field) != key {
		t.Fatalf("want %s on %s, got %v", key, field, err)
	}
}

func coverage35(t *testing.T, f mentoringFixture) mentoring.Coverage {
	t.Helper()
	rows, err := f.svc.Coverage(context.Background(), maillage.Viewer{UserID: 1, Admin: true}, mentoring.Scope{Departement: "35"})
	if err != nil || len(rows) != 1 {
		t.Fatalf("coverage: %v %v", rows, err)
	}
	return rows[0]
}

// TestMentoringLifecycle: a request refused for each rule, sent, accepted
// (coverage up by one), a second acceptance refused for a full mentor with
// nothing lost, meetings (future and negative duration refused), a
// validated competency on the profile, the end of the pairing (coverage
// back down), and every move recorded.
func TestMentoringLifecycle(t *testing.T) {
	f := newMentoringFixture(t, "cycle")
	ctx := context.Background()
	nadia := f.conseiller(t, "Nadia Cycle", "35238", maillage.ProfileCompetence{Code: "1.1", Level: 2})
	paul := f.conseiller(t, "Paul Cycle", "35238")
	anne, anneP := f.mentor(t, "Anne Cycle", "35051", 1, 10, false, maillage.ProfileCompetence{Code: "4.2", Level: 6}) // Cesson-Sévigné
	_, marcP := f.mentor(t, "Marc Cycle", "13055", 2, 20, false)                                                       // Marseille
	before := coverage35(t, f)

	// Ranked mentors: Anne within 20 km, not Marc.
	ranked, themes, located, err := f.svc.FindMentors(ctx, nadia.ID, mentoring.Query{MaxKm: 20})
	if err != nil || !located {
		t.Fatal(err, located)
	}
	found := false
	for _, r := range ranked {
		found = found || r.ProfileID == anneP.ID
		if r.ProfileID == marcP.ID {
			t.Error("a mentor 280 km away is listed within 20 km")
		}
	}
	if !found || len(themes) == 0 {
		t.Fatalf("Anne not listed: %+v %v", ranked, themes)
	}

	send := func(u *maillage.User, mentor int64, maxKm int) (*mentoring.Request, error) {
		return f.svc.SendRequest(ctx, u.ID, mentoring.RequestInput{MentorID: mentor, MaxKm: maxKm, Message: "Bonjour, je débute."}, "fr")
	}
	_, err = send(anne, anneP.ID, 20)
	wantProblem(t, err, "mentor_id", "mentoring.request.self")
	_, err = send(nadia, marcP.ID, 20)
	wantProblem(t, err, "max_km", "mentoring.request.too_far")
	_, err = send(nadia, 999999999, 20)
	wantProblem(t, err, "mentor_id", "mentoring.request.mentor.unknown")

	r, err := send(nadia, anneP.ID, 20)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != mentoring.RequestSent || r.Mentor.ProfileID != anneP.ID || r.DistanceKm == nil || *r.DistanceKm > 10 || !r.ExpiresAt.After(r.CreatedAt.Add(13*24*time.Hour)) {
		t.Fatalf("request %+v", r)
	}
	_, err = send(nadia, anneP.ID, 20)
	wantProblem(t, err, "mentor_id", "mentoring.request.twice")
	if n := f.count(t, "SELECT count(*) FROM mails WHERE kind = 'mentoring_request_received' AND recipient = ?", "anne.cycle.cycle@exemple.fr"); n != 1 {
		t.Errorf("%d mails to the mentor", n)
	}
	notes, err := f.svc.FindNotifications(ctx, anne.ID)
	if err != nil || len(notes) != 1 || notes[0].Kind != "request_received" || notes[0].OtherName != "Nadia Cycle" {
		t.Fatalf("notifications %+v %v", notes, err)
	}

	// Others do not see it; only the mentor answers.
	if _, err := f.svc.FindRequest(ctx, maillage.Viewer{UserID: paul.ID}, r.ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("a third person sees the request: %v", err)
	}
	if _, err := f.svc.AnswerRequest(ctx, nadia.ID, r.ID, mentoring.AnswerInput{Accept: true}, "fr"); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("the mentee answered: %v", err)
	}
	r2, err := send(paul, anneP.ID, 20)
	if err != nil {
		t.Fatal(err)
	}
	r, err = f.svc.AnswerRequest(ctx, anne.ID, r.ID, mentoring.AnswerInput{Accept: true, Message: "Avec plaisir"}, "fr")
	if err != nil || r.Status != mentoring.RequestAccepted || r.PairingID == nil || r.Answer != "Avec plaisir" {
		t.Fatalf("accept: %+v %v", r, err)
	}
	if got := coverage35(t, f); got.Covered != before.Covered+1 || got.Conseillers != before.Conseillers {
		t.Errorf("coverage after acceptance %+v, before %+v", got, before)
	}
	// Anne is full now: Paul's request cannot be accepted, and stays.
	_, err = f.svc.AnswerRequest(ctx, anne.ID, r2.ID, mentoring.AnswerInput{Accept: true}, "fr")
	wantProblem(t, err, "accept", "mentoring.answer.full")
	if got, _ := f.svc.FindRequest(ctx, maillage.Viewer{UserID: paul.ID}, r2.ID); got.Status != mentoring.RequestSent {
		t.Errorf("Paul's request after a refused acceptance: %s", got.Status)
	}
	lea := f.conseiller(t, "Léa Cycle", "35238")
	_, err = send(lea, anneP.ID, 20)
	wantProblem(t, err, "mentor_id", "mentoring.request.full")

	// Meetings: either side logs; the future and negative durations are refused.
	pid := *r.PairingID
	today := maillage.Today(time.Now())
	meet := func(u *maillage.User, in mentoring.MeetingInput) (*mentoring.Meeting, error) {
		return f.svc.LogMeeting(ctx, u.ID, pid, in)
	}
	_, err = meet(nadia, mentoring.MeetingInput{Date: today.AddDate(0, 0, 2), DurationMin: 60, Format: "visio"})
	wantProblem(t, err, "date", "mentoring.meeting.date.future")
	_, err = meet(nadia, mentoring.MeetingInput{Date: today, DurationMin: -5, Format: "visio"})
	wantProblem(t, err, "duration_min", "mentoring.meeting.duration.range")
	_, err = meet(nadia, mentoring.MeetingInput{Date: today, DurationMin: 30, Format: "visio", Validations: []mentoring.Validation{{Code: "1.1", Level: 5}}})
	wantProblem(t, err, "validate", "mentoring.meeting.validate.mentor_only")
	if _, err := meet(paul, mentoring.MeetingInput{Date: today, DurationMin: 30, Format: "visio"}); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("a third person logged a meeting: %v", err)
	}
	m, err := meet(nadia, mentoring.MeetingInput{Date: today, DurationMin: 45, Format: "visio", Topics: []string{"1.1", "4.2"}, Notes: "Premier échange."})
	if err != nil || len(m.Topics) != 2 || m.AuthorName != "Nadia Cycle" {
		t.Fatalf("meeting %+v %v", m, err)
	}
	m, err = meet(anne, mentoring.MeetingInput{Date: today, DurationMin: 60, Format: "presentiel", Topics: []string{"1.1"},
		Validations: []mentoring.Validation{{Code: "1.1", Level: 4}, {Code: "2.1", Level: 3}}})
	if err != nil || len(m.Validated) != 2 {
		t.Fatalf("meeting with validations %+v %v", m, err)
	}
	p, err := f.profiles.FindProfileByUserID(ctx, nadia.ID)
	if err != nil {
		t.Fatal(err)
	}
	validated := map[string]maillage.ProfileCompetence{}
	for _, c := range p.Competences {
		validated[c.Code] = c
	}
	for code, level := range map[string]int{"1.1": 4, "2.1": 3} {
		c := validated[code]
		if c.Evidence != maillage.EvidenceValidated || c.Level != level || c.ValidatedBy == nil || *c.ValidatedBy != anne.ID {
			t.Errorf("competency %s: %+v", code, c)
		}
	}
	// A new declaration of the profile keeps what the mentor validated.
	if _, err := f.profiles.SaveProfile(ctx, nadia.ID, maillage.ProfileUpdate{Competences: &[]maillage.ProfileCompetence{{Code: "1.1", Level: 2}}}); err != nil {
		t.Fatal(err)
	}
	if p, _ = f.profiles.FindProfileByUserID(ctx, nadia.ID); p.Competences[0].Evidence != maillage.EvidenceValidated {
		t.Errorf("validated competency lost: %+v", p.Competences)
	}
	ms, err := f.svc.FindMeetings(ctx, maillage.Viewer{UserID: anne.ID}, pid)
	if err != nil || len(ms) != 2 || ms[1].Notes != "Premier échange." {
		t.Fatalf("meetings seen by the mentor: %v %v", ms, err)
	}
	if _, err := f.svc.FindMeetings(ctx, maillage.Viewer{UserID: paul.ID}, pid); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("a third person reads the notes: %v", err)
	}
	if _, err := f.svc.FindMeetings(ctx, maillage.Viewer{UserID: lea.ID, Admin: true}, pid); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("an administrator reads the notes: %v", err)
	}

	// The end: a reason is required; Nadia is alone again.
	_, err = f.svc.EndPairing(ctx, nadia.ID, pid, mentoring.EndInput{Reason: " "}, "fr")
	wantProblem(t, err, "reason", "mentoring.end.reason.required")
	if _, err := f.svc.EndPairing(ctx, paul.ID, pid, mentoring.EndInput{Reason: "x"}, "fr"); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("a third person ended the pairing: %v", err)
	}
	pr, err := f.svc.EndPairing(ctx, nadia.ID, pid, mentoring.EndInput{Reason: "Je change de poste"}, "fr")
	if err != nil || pr.Status != mentoring.PairingEnded || pr.EndReason != "Je change de poste" {
		t.Fatalf("end %+v %v", pr, err)
	}
	if _, err := f.svc.EndPairing(ctx, anne.ID, pid, mentoring.EndInput{Reason: "encore"}, "fr"); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Errorf("ended twice: %v", err)
	}
	if got := coverage35(t, f); got.Covered != before.Covered {
		t.Errorf("coverage after the end %+v, before %+v", got, before)
	}
	_, err = meet(nadia, mentoring.MeetingInput{Date: today, DurationMin: 30, Format: "visio"})
	if maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Errorf("meeting of an ended pairing: %v", err)
	}
	_, err = send(nadia, anneP.ID, 20)
	wantProblem(t, err, "mentor_id", "mentoring.request.refused_before")

	for entity, id := range map[string]int64{"mentoring_request": r.ID, "mentoring_pairing": pid} {
		if n := f.count(t, "SELECT count(*) FROM state_transitions WHERE entity = ? AND entity_id = ?", entity, id); n != 2 {
			t.Errorf("%s %d: %d transitions", entity, id, n)
		}
	}
	if n := f.count(t, "SELECT count(*) FROM state_transitions WHERE entity = 'mentoring_pairing' AND entity_id = ? AND to_state = 'terminee' AND motivation = 'Je change de poste' AND actor_id = ?", pid, nadia.ID); n != 1 {
		t.Error("the end is not recorded with its actor and reason")
	}
	if n := f.count(t, "SELECT count(*) FROM mails WHERE kind = 'mentoring_pairing_ended' AND recipient = 'anne.cycle.cycle@exemple.fr'"); n != 1 {
		t.Errorf("%d pairing-ended mails", n)
	}
}

// TestMentoringLimitsPauseExpiry: three open requests at most, a mentor on
// pause, a declined request, expiry after 14 days with a reminder before.
func TestMentoringLimitsPauseExpiry(t *testing.T) {
	f := newMentoringFixture(t, "limits")
	ctx := context.Background()
	zoe := f.conseiller(t, "Zoé Limite", "35238")
	var mentors []*maillage.Profile
	var users []*maillage.User
	for i := range 5 {
		u, p := f.mentor(t, fmt.Sprintf("Mentor%d Limite", i), "35051", 2, 20, false)
		users, mentors = append(users, u), append(mentors, p)
	}
	var sent []*mentoring.Request
	for i := range 3 {
		r, err := f.svc.SendRequest(ctx, zoe.ID, mentoring.RequestInput{MentorID: mentors[i].ID, MaxKm: 20}, "fr")
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, r)
	}
	_, err := f.svc.SendRequest(ctx, zoe.ID, mentoring.RequestInput{MentorID: mentors[3].ID, MaxKm: 20}, "fr")
	wantProblem(t, err, "mentor_id", "mentoring.request.too_many")

	// Declined: the mentee is told; asking again is refused.
	r, err := f.svc.AnswerRequest(ctx, users[0].ID, sent[0].ID, mentoring.AnswerInput{Accept: false, Message: "Je suis complet en ce moment"}, "fr")
	if err != nil || r.Status != mentoring.RequestDeclined {
		t.Fatalf("decline %+v %v", r, err)
	}
	_, err = f.svc.SendRequest(ctx, zoe.ID, mentoring.RequestInput{MentorID: mentors[0].ID, MaxKm: 20}, "fr")
	wantProblem(t, err, "mentor_id", "mentoring.request.refused_before")

	// Pause: no request, not listed; resume.
	if err := f.svc.PauseMentor(ctx, users[4].ID, mentoring.PauseInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SendRequest(ctx, zoe.ID, mentoring.RequestInput{MentorID: mentors[4].ID, MaxKm: 20}, "fr")
	wantProblem(t, err, "mentor_id", "mentoring.request.paused")
	ranked, _, _, err := f.svc.FindMentors(ctx, zoe.ID, mentoring.Query{MaxKm: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ranked {
		if x.ProfileID == mentors[4].ID || x.ProfileID == mentors[0].ID {
			t.Errorf("listed: %s (paused or declined)", x.Name)
		}
		if x.ProfileID == mentors[1].ID && !x.Pending {
			t.Error("a mentor already asked is not marked")
		}
	}
	if err := f.svc.ResumeMentor(ctx, users[4].ID); err != nil {
		t.Fatal(err)
	}
	if p, err := f.svc.FindPause(ctx, users[4].ID); p != nil || err != nil {
		t.Errorf("pause after resuming: %v %v", p, err)
	}

	// Cancel one; the two others: a reminder 3 days before, then expiry.
	if r, err := f.svc.CancelRequest(ctx, zoe.ID, sent[2].ID); err != nil || r.Status != mentoring.RequestCancelled {
		t.Fatalf("cancel: %+v %v", r, err)
	}
	if _, err := f.svc.CancelRequest(ctx, users[1].ID, sent[1].ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("the mentor cancelled: %v", err)
	}
	_, reminded, err := f.svc.ExpireRequests(ctx, time.Now().Add(12*24*time.Hour))
	if err != nil || reminded < 1 {
		t.Fatalf("reminders: %d %v", reminded, err)
	}
	if n := f.count(t, "SELECT count(*) FROM mails WHERE kind = 'mentoring_request_expiring' AND recipient = ?", "mentor1.limite.limits@exemple.fr"); n != 1 {
		t.Errorf("%d reminders to the mentor", n)
	}
	if _, again, _ := f.svc.ExpireRequests(ctx, time.Now().Add(12*24*time.Hour)); again != 0 {
		t.Errorf("reminded twice: %d", again)
	}
	expired, _, err := f.svc.ExpireRequests(ctx, time.Now().Add(15*24*time.Hour))
	if err != nil || expired < 1 {
		t.Fatalf("expiry: %d %v", expired, err)
	}
	got, err := f.svc.FindRequest(ctx, maillage.Viewer{UserID: zoe.ID}, sent[1].ID)
	if err != nil || got.Status != mentoring.RequestExpired {
		t.Fatalf("after 15 days: %+v %v", got, err)
	}
	if n := f.count(t, "SELECT count(*) FROM state_transitions WHERE entity = 'mentoring_request' AND entity_id = ? AND to_state = 'expiree' AND actor_id IS NULL", sent[1].ID); n != 1 {
		t.Error("expiry not recorded")
	}
	notes, _ := f.svc.FindNotifications(ctx, zoe.ID)
	kinds := map[string]bool{}
	for _, n := range notes {
		kinds[n.Kind] = true
	}
	if !kinds["request_declined"] || !kinds["request_expired"] {
		t.Errorf("notifications %+v", notes)
	}
	if err := f.svc.MarkRead(ctx, zoe.ID, mentoring.NotificationKinds...); err != nil {
		t.Fatal(err)
	}
	if notes, _ := f.svc.FindNotifications(ctx, zoe.ID); len(notes) != 0 {
		t.Errorf("unread after marking: %+v", notes)
	}
}

// TestCoordination: scopes (a département's coordinator acts in it only;
// a région's in its départements; an administrator everywhere), the
// conseillers alone with the nearest mentor, the optimal proposals, and
// their confirmation into requests.
func TestCoordination(t *testing.T) {
	f := newMentoringFixture(t, "coord")
	ctx := context.Background()
	account := func(email string) int64 {
		out, err := f.users.SignInEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return out.User.ID
	}
	admin := &maillage.User{ID: account("admin.coord@exemple.fr"), Grants: []maillage.RoleGrant{{Role: maillage.RoleAdministrateur}}}
	dep := &maillage.User{ID: account("dep.coord@exemple.fr"), Grants: []maillage.RoleGrant{{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "35"}}}
	reg := &maillage.User{ID: account("reg.coord@exemple.fr"), Grants: []maillage.RoleGrant{{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeRegion, ScopeValue: "53"}}}
	none := &maillage.User{ID: account("none.coord@exemple.fr"), Grants: []maillage.RoleGrant{{Role: maillage.RoleConseiller}}}
	for _, tt := range []struct {
		u    *maillage.User
		sc   mentoring.Scope
		code string
	}{
		{admin, mentoring.Scope{}, ""},
		{admin, mentoring.Scope{Departement: "13"}, ""},
		{dep, mentoring.Scope{Departement: "35"}, ""},
		{dep, mentoring.Scope{Departement: "13"}, maillage.EFORBIDDEN},
		{dep, mentoring.Scope{Region: "53"}, maillage.EFORBIDDEN},
		{dep, mentoring.Scope{}, maillage.EFORBIDDEN},
		{reg, mentoring.Scope{Departement: "35"}, ""},
		{reg, mentoring.Scope{Region: "53"}, ""},
		{reg, mentoring.Scope{Departement: "13"}, maillage.EFORBIDDEN},
		{none, mentoring.Scope{Departement: "35"}, maillage.EFORBIDDEN},
		{admin, mentoring.Scope{Departement: "00"}, maillage.ENOTFOUND},
	} {
		if _, err := f.svc.CheckScope(ctx, tt.u, tt.sc); maillage.ErrorCode(err) != tt.code {
			t.Errorf("user %d scope %+v: %v, want %q", tt.u.ID, tt.sc, err, tt.code)
		}
	}
	scopes, err := f.svc.Scopes(ctx, reg)
	if err != nil || len(scopes) != 1 || scopes[0].Code != "53" {
		t.Errorf("scopes of a région's coordinator: %+v %v", scopes, err)
	}

	alone := f.conseiller(t, "Hugo Seul", "35238", maillage.ProfileCompetence{Code: "1.1", Level: 1})
	_, mp := f.mentor(t, "Inès Proche", "35051", 3, 20, false, maillage.ProfileCompetence{Code: "1.2", Level: 6})
	mentorUser, _ := f.profiles.FindProfileByID(ctx, maillage.Viewer{UserID: 1, Admin: true}, mp.ID)
	lonely, err := f.svc.Lonely(ctx, dep, mentoring.Scope{Departement: "35"})
	if err != nil {
		t.Fatal(err)
	}
	var hugo *mentoring.Lonely
	for i := range lonely {
		if lonely[i].UserID == alone.ID {
			hugo = &lonely[i]
		}
		if lonely[i].Departement != "35" {
			t.Errorf("outside the scope: %+v", lonely[i])
		}
	}
	if hugo == nil || hugo.NearestKm == nil || *hugo.NearestKm > 10 {
		t.Fatalf("Hugo alone: %+v", hugo)
	}
	loads, err := f.svc.Loads(ctx, dep, mentoring.Scope{Departement: "35"})
	if err != nil || len(loads) == 0 {
		t.Fatalf("loads %v %v", loads, err)
	}

	pr, err := f.svc.Propose(ctx, dep, mentoring.Scope{Departement: "35"})
	if err != nil {
		t.Fatal(err)
	}
	if pr.Result.Covered == 0 || pr.Alone < 1 {
		t.Fatalf("proposals %+v", pr.Result)
	}
	var mine *mentoring.Proposal
	for i, p := range pr.Result.Proposals {
		if p.MenteeID == alone.ID {
			mine = &pr.Result.Proposals[i]
		}
		if _, ok := pr.Mentors[p.MentorID]; !ok {
			t.Errorf("proposal to an unknown mentor %+v", p)
		}
		if d := pr.Mentees[p.MenteeID].Departement; d != "35" {
			t.Errorf("proposal for a mentee of %q", d)
		}
	}
	if mine == nil {
		t.Fatal("no proposal for Hugo")
	}
	// Confirmed: a request on behalf of the coordinator; a pair outside
	// the scope is refused.
	sent, refused, err := f.svc.ConfirmProposals(ctx, dep, mentoring.Scope{Departement: "35"},
		[]mentoring.Pair{{MenteeID: mine.MenteeID, MentorID: mine.MentorID}, {MenteeID: 999999, MentorID: mentorUser.UserID}}, "fr")
	if err != nil || len(sent) != 1 || len(refused) != 1 || !sent[0].Proposed {
		t.Fatalf("confirm: %+v %+v %v", sent, refused, err)
	}
	if n := f.count(t, "SELECT count(*) FROM mails WHERE kind = 'mentoring_request_proposed' AND recipient = 'hugo.seul.coord@exemple.fr'"); n != 1 {
		t.Errorf("the mentee was not told of the request sent in their name (%d mails)", n)
	}
	if n := f.count(t, "SELECT count(*) FROM state_transitions WHERE entity = 'mentoring_request' AND entity_id = ? AND actor_id = ? AND motivation = 'mentoring.request.proposed'", sent[0].ID, dep.ID); n != 1 {
		t.Error("the coordinator is not recorded as the actor of the proposal")
	}
	if _, _, err := f.svc.ConfirmProposals(ctx, dep, mentoring.Scope{Departement: "13"}, nil, "fr"); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Errorf("confirm outside the scope: %v", err)
	}
	// The waiting request shows to the coordinator; the pair is no longer proposed.
	waiting, err := f.svc.Waiting(ctx, dep, mentoring.Scope{Departement: "35"})
	if err != nil {
		t.Fatal(err)
	}
	ok := false
	for _, w := range waiting {
		ok = ok || w.ID == sent[0].ID
	}
	if !ok {
		t.Error("the confirmed proposal is not among the waiting requests")
	}
	pr, _ = f.svc.Propose(ctx, dep, mentoring.Scope{Departement: "35"})
	for _, p := range pr.Result.Proposals {
		if p.MenteeID == mine.MenteeID && p.MentorID == mine.MentorID {
			t.Error("a pair already waiting is proposed again")
		}
	}
	regions, err := f.svc.RegionCoverage(ctx, maillage.Anonymous)
	if err != nil || len(regions) < 13 {
		t.Fatalf("régions %d %v", len(regions), err)
	}
}

// TestMentoringPrivateCommune: a mentee whose commune is private can ask
// a mentor (the rules use it), but neither the mentor nor anyone else is
// shown their département or the distance.
func TestMentoringPrivateCommune(t *testing.T) {
	f := newMentoringFixture(t, "prive")
	ctx := context.Background()
	u, _ := f.person(t, "secret.prive@exemple.fr", maillage.ProfileUpdate{Kind: ptr(maillage.KindConseiller), DisplayName: ptr("Secret Privé"),
		Commune: ptr("35238"), Visibility: map[string]maillage.Visibility{maillage.FieldCommune: maillage.VisPrivate}})
	mentor, mp := f.mentor(t, "Ouvert Prive", "35051", 2, 20, false)
	r, err := f.svc.SendRequest(ctx, u.ID, mentoring.RequestInput{MentorID: mp.ID, MaxKm: 20}, "fr")
	if err != nil {
		t.Fatal(err)
	}
	seen, err := f.svc.FindRequest(ctx, maillage.Viewer{UserID: mentor.ID}, r.ID)
	if err != nil || seen.Mentee.Departement != "" || seen.DistanceKm != nil {
		t.Fatalf("the mentor sees the private commune's traces: %+v %v", seen, err)
	}
	rs, _ := f.svc.FindRequests(ctx, mentoring.RequestFilter{MentorID: mentor.ID})
	if len(rs) != 1 || rs[0].Mentee.Departement != "" {
		t.Fatalf("listed: %+v", rs)
	}
	if r, err = f.svc.AnswerRequest(ctx, mentor.ID, r.ID, mentoring.AnswerInput{Accept: true}, "fr"); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.FindPairing(ctx, maillage.Viewer{UserID: mentor.ID}, *r.PairingID)
	if err != nil || p.Mentee.Departement != "" || p.Mentor.Departement != "35" {
		t.Fatalf("pairing %+v %v", p, err)
	}
}

// TestDeletingAnAccountEndsItsMentoring: a mentor's data download holds her
// requests and pairings; deleting her account ends
// her pairing (the mentee is alone again, counted so, and told) and
// cancels the requests waiting for her, each move recorded.
func TestDeletingAnAccountEndsItsMentoring(t *testing.T) {
	f := newMentoringFixture(t, "oubli")
	f.users.Forget = append(f.users.Forget, f.svc.ForgetAccount)
	ctx := context.Background()
	lea := f.conseiller(t, "Léa Oubli", "35238")
	tom := f.conseiller(t, "Tom Oubli", "35238")
	anne, anneP := f.mentor(t, "Anne Oubli", "35051", 2, 20, false)
	before := coverage35(t, f)
	r, err := f.svc.SendRequest(ctx, lea.ID, mentoring.RequestInput{MentorID: anneP.ID, MaxKm: 20}, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AnswerRequest(ctx, anne.ID, r.ID, mentoring.AnswerInput{Accept: true}, "fr"); err != nil {
		t.Fatal(err)
	}
	waiting, err := f.svc.SendRequest(ctx, tom.ID, mentoring.RequestInput{MentorID: anneP.ID, MaxKm: 20}, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if got := coverage35(t, f); got.Covered != before.Covered+1 {
		t.Fatalf("covered %d, want %d", got.Covered, before.Covered+1)
	}
	// Her data download holds it.
	f.users.Export = append(f.users.Export, f.svc.ExportAccount)
	exp, err := f.users.ExportUser(ctx, anne.ID)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := exp.Extra["mentoring"].(map[string]any)
	if got, _ := m["requests_received"].([]*mentoring.Request); len(got) != 2 {
		t.Errorf("export: %d requests received, want 2", len(got))
	}
	if got, _ := m["pairings"].([]*mentoring.Pairing); len(got) != 1 {
		t.Errorf("export: %d pairings, want 1", len(got))
	}

	if err := f.users.DeleteUser(ctx, anne.ID, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if got := coverage35(t, f); got.Covered != before.Covered {
		t.Errorf("after the mentor left: covered %d, want %d", got.Covered, before.Covered)
	}
	if n := f.count(t, "SELECT count(*) FROM mentoring_pairings WHERE mentor_id = ? AND status = 'active'", anne.ID); n != 0 {
		t.Errorf("%d pairings still active", n)
	}
	if n := f.count(t, "SELECT count(*) FROM mentoring_requests WHERE id = ? AND status = 'annulee'", waiting.ID); n != 1 {
		t.Error("the waiting request is not cancelled")
	}
	if n := f.count(t, `SELECT count(*) FROM state_transitions WHERE actor_id = ? AND motivation = 'account deleted'`, anne.ID); n != 2 {
		t.Errorf("%d transitions recorded, want 2 (the pairing and the request)", n)
	}
	notes, err := f.svc.FindNotifications(ctx, lea.ID)
	if err != nil || len(notes) == 0 || notes[0].Kind != "pairing_ended" {
		t.Errorf("the mentee is not told: %+v %v", notes, err)
	}
}
