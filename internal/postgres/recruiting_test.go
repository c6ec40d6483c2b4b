package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/recruiting"
	"maillage/internal/testenv"
)

// recruitingEnv is the recruiting service on the package database, with
// the users, structures and profiles it reads.
type recruitingEnv struct {
	t          *testing.T
	db         *postgres.DB
	svc        *postgres.RecruitingService
	users      *postgres.UserService
	structures *postgres.StructureService
	profiles   *postgres.ProfileService
	mails      *postgres.MailStore
	files      string
}

var recruitingSeq atomic.Int64

func newRecruitingEnv(t *testing.T) *recruitingEnv {
	t.Helper()
	db := testenv.Get(t).DB(t)
	cat, err := app.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	files := t.TempDir()
	svc := postgres.NewRecruitingService(db, files)
	svc.Texts, svc.BaseURL, svc.Log = cat, "https://maillage.example.fr", testenv.Logger(t)
	structures := postgres.NewStructureService(db)
	structures.Texts, structures.BaseURL = cat, svc.BaseURL
	return &recruitingEnv{t: t, db: db, svc: svc, users: postgres.NewUserService(db), structures: structures,
		profiles: postgres.NewProfileService(db), mails: postgres.NewMailStore(db), files: files}
}

// user signs a new person in (a unique address per call) with roles.
func (e *recruitingEnv) user(name string, grants ...maillage.RoleGrant) *maillage.User {
	e.t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("%s.%d@recrutement.exemple.fr", name, recruitingSeq.Add(1))
	out, err := e.users.SignInEmail(ctx, email)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, g := range grants {
		g.UserID = out.User.ID
		if _, err := e.users.GrantRole(ctx, out.User.ID, g, "127.0.0.1"); err != nil {
			e.t.Fatal(err)
		}
	}
	u, err := e.users.FindUserByID(ctx, out.User.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// employer creates an employer structure in Lyon with u as its referent.
func (e *recruitingEnv) employer(u *maillage.User, nom string) *maillage.Structure {
	e.t.Helper()
	st, _, err := e.structures.CreateStructure(context.Background(), u.ID, &maillage.Structure{
		Roles: []maillage.StructureRole{maillage.StructureLieu, maillage.StructureEmployeur},
		Lieu: maillage.Lieu{Pivot: fmt.Sprintf("W6950%05d", recruitingSeq.Add(1)), Nom: nom, Adresse: "3 place Bellecour",
			CodePostal: "69002", Commune: "Lyon", CodeInsee: "69123"}})
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// candidate creates a profile open to opportunities.
func (e *recruitingEnv) candidate(u *maillage.User, name, insee string, titles []maillage.ProfileTitle, pix *int, vis map[string]maillage.Visibility) *maillage.Profile {
	e.t.Helper()
	kind, open := maillage.KindMediateur, true
	p, err := e.profiles.SaveProfile(context.Background(), u.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Commune: &insee,
		OpenToWork: &open, Titles: &titles, PixLevel: &pix, Visibility: vis})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *recruitingEnv) offerInput(st *maillage.Structure) recruiting.OfferInput {
	closes := maillage.Today(time.Now()).AddDate(0, 0, 20).Format(recruiting.DateLayout)
	min, max := 1900, 2200
	return recruiting.OfferInput{StructureID: st.ID, TitleFeminine: "Médiatrice numérique", TitleMasculine: "Médiateur numérique",
		Description: "Ateliers collectifs et accompagnement individuel.", CodeInsee: "69123", Contract: recruiting.ContractCDI,
		HoursPerWeek: 35, ClosesOn: closes, Salary: &recruiting.Salary{Min: &min, Max: &max, Period: recruiting.PeriodMonth},
		Wants: []recruiting.Want{{Ref: "REMN/REMN-B1", Required: true}, {Ref: "REMN/REMN-B2", Required: true}, {Ref: "MN"}}}
}

func (e *recruitingEnv) published(u *maillage.User, st *maillage.Structure) *recruiting.Offer {
	e.t.Helper()
	ctx := context.Background()
	o, err := e.svc.CreateOffer(ctx, u, e.offerInput(st))
	if err != nil {
		e.t.Fatal(err)
	}
	if o, err = e.svc.MoveOffer(ctx, u, o.ID, recruiting.OfferPublished); err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *recruitingEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func wantJobProblem(t *testing.T, err error, field, key string) {
	t.Helper()
	if got := maillage.ErrorProblems(err).Key(field); got != key {
		t.Fatalf("problem on %s = %q, want %q (error %v)", field, got, key, err)
	}
}

// TestOfferOnlyEmployersEdit: only an employer of the structure (its
// referent, or a member holding the employer role) writes, publishes and
// reads the applications of its offers; a draft does not exist for others.
func TestOfferOnlyEmployersEdit(t *testing.T) {
	e := newRecruitingEnv(t)
	ctx := context.Background()
	boss := e.user("referente")
	st := e.employer(boss, "France Services Bellecour")
	salaried := e.user("salariee")
	hr := e.user("rh", maillage.RoleGrant{Role: maillage.RoleEmployeur, ScopeKind: maillage.ScopeStructure, ScopeValue: fmt.Sprint(st.ID)})
	for _, m := range []*maillage.User{salaried, hr} {
		inv, err := e.structures.Invite(ctx, maillage.Viewer{UserID: boss.ID}, st.ID, maillage.InvitationInput{Email: m.Email, Role: maillage.MemberSalarie}, "fr")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.structures.RespondInvitation(ctx, m, inv.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	outsider := e.user("autre")
	admin := e.user("admin", maillage.RoleGrant{Role: maillage.RoleAdministrateur})

	if _, err := e.svc.CreateOffer(ctx, salaried, e.offerInput(st)); maillage.ErrorProblems(err).Key("structure_id") != "recruiting.offer.structure.forbidden" {
		t.Fatalf("a salaried member without the employer role created an offer: %v", err)
	}
	o, err := e.svc.CreateOffer(ctx, hr, e.offerInput(st))
	if err != nil {
		t.Fatalf("a member with the employer role of the structure: %v", err)
	}
	if o.Status != recruiting.OfferDraft || !o.Manage || o.Title() != "Médiatrice numérique / Médiateur numérique" || len(o.Wants) != 3 || o.Wants[0].Label == "" {
		t.Fatalf("created offer %+v", o)
	}
	// The draft does not exist for others, administrators included.
	for _, u := range []*maillage.User{outsider, salaried, admin, nil} {
		if _, err := e.svc.FindOffer(ctx, u, o.ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
			t.Fatalf("draft seen by %v: %v", u, err)
		}
		if u != nil {
			if _, err := e.svc.UpdateOffer(ctx, u, o.ID, e.offerInput(st)); maillage.ErrorCode(err) != maillage.ENOTFOUND {
				t.Fatalf("draft edited by %s: %v", u.Email, err)
			}
		}
	}
	if _, err := e.svc.MoveOffer(ctx, boss, o.ID, recruiting.OfferPublished); err != nil {
		t.Fatalf("the referent publishes: %v", err)
	}
	// Published: anyone reads it, nobody else changes it.
	for _, u := range []*maillage.User{outsider, salaried, admin} {
		got, err := e.svc.FindOffer(ctx, u, o.ID)
		if err != nil || got.Manage {
			t.Fatalf("published offer for %s: %v manage=%v", u.Email, err, got != nil && got.Manage)
		}
		if _, err := e.svc.UpdateOffer(ctx, u, o.ID, e.offerInput(st)); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
			t.Fatalf("edited by %s: %v", u.Email, err)
		}
		if _, err := e.svc.MoveOffer(ctx, u, o.ID, recruiting.OfferClosed); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
			t.Fatalf("closed by %s: %v", u.Email, err)
		}
		if _, err := e.svc.FindApplications(ctx, u, recruiting.ApplicationFilter{OfferID: o.ID}); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
			t.Fatalf("applications read by %s: %v", u.Email, err)
		}
		if _, err := e.svc.RankCandidates(ctx, u, o.ID, 30, 10); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
			t.Fatalf("candidates ranked by %s: %v", u.Email, err)
		}
	}
	// A referent who leaves is no employer any more.
	for _, m := range st.Members {
		if m.UserID == boss.ID {
			if _, err := e.structures.EndMember(ctx, maillage.Viewer{UserID: boss.ID}, m.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := e.svc.MoveOffer(ctx, boss, o.ID, recruiting.OfferClosed); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Fatalf("a former referent closed the offer: %v", err)
	}
	if got, _ := e.svc.EmployerStructures(ctx, hr); len(got) != 1 || got[0].ID != st.ID {
		t.Fatalf("employer structures of the member with the role: %v", got)
	}
	// Every move is recorded with its actor.
	got, err := e.svc.FindOffer(ctx, hr, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != 2 || got.Events[0].To != recruiting.OfferDraft || got.Events[1].To != recruiting.OfferPublished || *got.Events[1].ActorID != boss.ID {
		t.Fatalf("events %+v", got.Events)
	}
}

// TestOfferBadInputKeepsWhatIsStored: a closing date in the past or a
// salary minimum above the maximum is refused next to its field, and the
// stored offer stays as it was.
func TestOfferBadInputKeepsWhatIsStored(t *testing.T) {
	e := newRecruitingEnv(t)
	ctx := context.Background()
	boss := e.user("employeuse")
	st := e.employer(boss, "Association Connexions Part-Dieu")
	o := e.published(boss, st)

	past := e.offerInput(st)
	past.TitleMasculine = "Changé"
	past.ClosesOn = maillage.Today(time.Now()).AddDate(0, 0, -1).Format(recruiting.DateLayout)
	_, err := e.svc.UpdateOffer(ctx, boss, o.ID, past)
	wantJobProblem(t, err, "closes_on", "recruiting.offer.closes.past")

	order := e.offerInput(st)
	order.TitleMasculine = "Changé"
	lo, hi := 2500, 2000
	order.Salary = &recruiting.Salary{Min: &lo, Max: &hi, Period: recruiting.PeriodMonth}
	_, err = e.svc.UpdateOffer(ctx, boss, o.ID, order)
	wantJobProblem(t, err, "salary.min", "recruiting.offer.salary.order")

	got, err := e.svc.FindOffer(ctx, boss, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.TitleMasculine != "Médiateur numérique" || *got.Salary.Min != 1900 || len(got.Wants) != 3 || got.Status != recruiting.OfferPublished {
		t.Fatalf("stored offer changed: %+v", got)
	}
	// A new offer with a closing date in the past is not created either.
	n := e.count("SELECT count(*) FROM job_offers WHERE structure_id = ?", st.ID)
	if _, err := e.svc.CreateOffer(ctx, boss, past); maillage.ErrorProblems(err).Key("closes_on") == "" {
		t.Fatalf("created with a past closing date: %v", err)
	}
	if e.count("SELECT count(*) FROM job_offers WHERE structure_id = ?", st.ID) != n {
		t.Fatal("a refused offer was stored")
	}
}

// TestOfferExpiry: the worker expires published offers past their closing
// day (Paris time), records it without actor and queues their search
// documents; other states are left alone.
func TestOfferExpiry(t *testing.T) {
	e := newRecruitingEnv(t)
	ctx := context.Background()
	boss := e.user("expiration")
	st := e.employer(boss, "Médiathèque des Pentes")
	o := e.published(boss, st)
	draft, err := e.svc.CreateOffer(ctx, boss, e.offerInput(st))
	if err != nil {
		t.Fatal(err)
	}
	// On its closing day, still open.
	if _, err := e.svc.ExpireOffers(ctx, o.ClosesOn.Add(20*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.FindOffer(ctx, boss, o.ID); got.Status != recruiting.OfferPublished {
		t.Fatalf("expired on its closing day: %s", got.Status)
	}
	outbox := e.count("SELECT count(*) FROM search_outbox WHERE entity = 'job' AND entity_id = ?", o.ID)
	n, err := e.svc.ExpireOffers(ctx, o.ClosesOn.AddDate(0, 0, 1).Add(time.Hour))
	if err != nil || n < 1 {
		t.Fatalf("expired %d, %v", n, err)
	}
	got, _ := e.svc.FindOffer(ctx, boss, o.ID)
	if got.Status != recruiting.OfferExpired || got.Events[len(got.Events)-1].ActorID != nil {
		t.Fatalf("after expiry: %s %+v", got.Status, got.Events)
	}
	if e.count("SELECT count(*) FROM search_outbox WHERE entity = 'job' AND entity_id = ?", o.ID) != outbox+1 {
		t.Fatal("expiry did not queue the search document")
	}
	if got, _ := e.svc.FindOffer(ctx, boss, draft.ID); got.Status != recruiting.OfferDraft {
		t.Fatalf("a draft expired: %s", got.Status)
	}
	// An expired offer takes no application, is no more edited, and stays
	// readable by anyone.
	u := e.user("tardive")
	if _, err := e.svc.Apply(ctx, u, o.ID, recruiting.ApplicationInput{Message: "Bonjour"}, nil); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Fatalf("applied to an expired offer: %v", err)
	}
	if _, err := e.svc.UpdateOffer(ctx, boss, o.ID, e.offerInput(st)); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Fatalf("edited an expired offer: %v", err)
	}
	if _, err := e.svc.MoveOffer(ctx, boss, o.ID, recruiting.OfferPublished); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Fatalf("published an expired offer again: %v", err)
	}
}

var pdf = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

// TestApplications: applying (message, CV), applying twice, a CV that is
// not a PDF, the states through the service (who may move what), the
// history and the mails.
func TestApplications(t *testing.T) {
	e := newRecruitingEnv(t)
	ctx := context.Background()
	boss := e.user("recruteuse")
	st := e.employer(boss, "Tiers-lieu La Fabrique de Lyon")
	o := e.published(boss, st)
	cand := e.user("candidate")
	e.candidate(cand, "Nadia Benali", "69266", nil, nil, nil)
	other := e.user("curieux")

	// Not a PDF: refused next to the CV, nothing stored, no file kept.
	_, err := e.svc.Apply(ctx, cand, o.ID, recruiting.ApplicationInput{Message: "Bonjour"}, &recruiting.CVFile{Name: "cv.pdf", Data: []byte("<html>pas un pdf</html>")})
	wantJobProblem(t, err, "cv", "recruiting.cv.not_pdf")
	if e.count("SELECT count(*) FROM job_applications WHERE offer_id = ?", o.ID) != 0 {
		t.Fatal("an application with a bad CV was stored")
	}
	_, err = e.svc.Apply(ctx, cand, o.ID, recruiting.ApplicationInput{Message: "  "}, nil)
	wantJobProblem(t, err, "message", "recruiting.application.message.required")

	a, err := e.svc.Apply(ctx, cand, o.ID, recruiting.ApplicationInput{Message: "Bonjour, je suis disponible en janvier."},
		&recruiting.CVFile{Name: `C:\Documents\CV Nadia.pdf`, Data: pdf})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pdf)
	if a.Status != recruiting.ApplicationSent || a.CV == nil || a.CV.Name != "CV Nadia.pdf" || a.CV.SHA256 != hex.EncodeToString(sum[:]) || a.CV.Size != len(pdf) {
		t.Fatalf("application %+v cv %+v", a, a.CV)
	}
	// The file is kept under the files folder, by a random name, for the
	// portal's user only.
	entries, _ := os.ReadDir(filepath.Join(e.files, "cv"))
	if len(entries) != 1 || strings.Contains(entries[0].Name(), "Nadia") {
		t.Fatalf("CV files %v", entries)
	}
	if info, _ := entries[0].Info(); info.Mode().Perm() != 0o600 {
		t.Errorf("CV file mode %v", info.Mode().Perm())
	}
	// Applying twice: refused next to the message, the first one intact.
	_, err = e.svc.Apply(ctx, cand, o.ID, recruiting.ApplicationInput{Message: "Encore moi"}, nil)
	wantJobProblem(t, err, "message", "recruiting.application.twice")
	if e.count("SELECT count(*) FROM job_applications WHERE offer_id = ? AND message LIKE 'Bonjour%'", o.ID) != 1 {
		t.Fatal("the first application changed")
	}
	// The employer cannot apply to their own offer.
	if _, err := e.svc.Apply(ctx, boss, o.ID, recruiting.ApplicationInput{Message: "Moi"}, nil); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Fatalf("employer applied: %v", err)
	}
	// The employer was told by mail, in French, with the link.
	ms, _, _ := e.mails.FindMails(ctx, maillage.MailFilter{To: boss.Email, Kind: "job_application_received"})
	if len(ms) != 1 || !strings.Contains(ms[0].Text, "Nadia Benali") || !strings.Contains(ms[0].Text, "/emploi/candidatures/") {
		t.Fatalf("mail to the employer: %+v", ms)
	}

	// The CV: for the candidate and the employer only.
	for _, u := range []*maillage.User{cand, boss} {
		r, cv, err := e.svc.OpenCV(ctx, u, a.ID)
		if err != nil {
			t.Fatalf("CV for %s: %v", u.Email, err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != string(pdf) || cv.Name != "CV Nadia.pdf" {
			t.Fatalf("CV read back %q", b)
		}
	}
	if _, _, err := e.svc.OpenCV(ctx, other, a.ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Fatalf("CV for someone else: %v", err)
	}
	if _, err := e.svc.FindApplication(ctx, other, a.ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Fatalf("application read by someone else: %v", err)
	}

	// The candidate cannot move it anywhere but withdrawn; the employer
	// opening it marks it seen, then moves it to the interview.
	if _, err := e.svc.MoveApplication(ctx, cand, a.ID, recruiting.ApplicationInterview, ""); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Fatalf("candidate moved to interview: %v", err)
	}
	seen, err := e.svc.FindApplication(ctx, boss, a.ID)
	if err != nil || seen.Status != recruiting.ApplicationSeen || seen.CandidateEmail != cand.Email {
		t.Fatalf("opened by the employer: %v %+v", err, seen)
	}
	if _, err := e.svc.MoveApplication(ctx, boss, a.ID, recruiting.ApplicationWithdrawn, ""); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Fatalf("employer withdrew: %v", err)
	}
	if _, err := e.svc.MoveApplication(ctx, boss, a.ID, recruiting.ApplicationSent, ""); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Fatalf("moved back to sent: %v", err)
	}
	iv, err := e.svc.MoveApplication(ctx, boss, a.ID, recruiting.ApplicationInterview, "Entretien mardi à 10 h.")
	if err != nil || iv.Status != recruiting.ApplicationInterview {
		t.Fatalf("interview: %v %+v", err, iv)
	}
	// Both sides read the history with times and actors.
	mine, err := e.svc.FindApplication(ctx, cand, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, ev := range mine.Events {
		steps = append(steps, ev.From+"→"+ev.To+":"+ev.ActorName)
	}
	if strings.Join(steps, " ") != "→envoyee:Nadia Benali envoyee→vue: vue→entretien:" || mine.Events[2].Motivation != "Entretien mardi à 10 h." || mine.Events[2].At.IsZero() {
		t.Fatalf("history %v", steps)
	}
	ms, _, _ = e.mails.FindMails(ctx, maillage.MailFilter{To: cand.Email, Kind: "job_application_status"})
	if len(ms) != 1 || !strings.Contains(ms[0].Subject, "Entretien") || !strings.Contains(ms[0].Text, "mardi") {
		t.Fatalf("mail to the candidate: %+v", ms)
	}
	// From the interview the machine does not go back to seen.
	if _, err := e.svc.MoveApplication(ctx, boss, a.ID, recruiting.ApplicationSeen, ""); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Fatalf("interview → seen: %v", err)
	}
	// The candidate withdraws; then nothing moves any more.
	if _, err := e.svc.MoveApplication(ctx, cand, a.ID, recruiting.ApplicationWithdrawn, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.MoveApplication(ctx, boss, a.ID, recruiting.ApplicationHired, ""); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Fatalf("withdrawn → retained: %v", err)
	}
	list, err := e.svc.FindApplications(ctx, cand, recruiting.ApplicationFilter{Mine: true})
	if err != nil || len(list) != 1 || list[0].Status != recruiting.ApplicationWithdrawn {
		t.Fatalf("my applications: %v %+v", err, list)
	}

	// The data download holds the applications with their history; a
	// deleted account takes its applications with it, and the worker then
	// removes the CV file no application holds.
	e.users.Export = append(e.users.Export, e.svc.ExportAccount)
	e.users.Forget = append(e.users.Forget, e.svc.ForgetAccount)
	exp, err := e.users.ExportUser(ctx, cand.ID)
	if err != nil {
		t.Fatal(err)
	}
	mineExported := exp.Extra["recruiting"].(map[string]any)["applications"].([]*recruiting.Application)
	if len(mineExported) != 1 || mineExported[0].Message != "Bonjour, je suis disponible en janvier." || len(mineExported[0].Events) != 4 {
		t.Fatalf("export %+v", exp.Extra["recruiting"])
	}
	if err := e.users.DeleteUser(ctx, cand.ID, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if e.count("SELECT count(*) FROM job_applications WHERE user_id = ?", cand.ID) != 0 ||
		e.count("SELECT count(*) FROM state_transitions WHERE entity = 'job_application' AND entity_id = ?", a.ID) != 0 {
		t.Fatal("applications of a deleted account remain")
	}
	if n, err := e.svc.SweepCVs(ctx, time.Now().Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("swept %d CV files, %v", n, err)
	}
}

// TestContactRevealsNoAddress: an employer's request to a person open to
// opportunities carries no address — not in the mail, not in the lists —
// until the person accepts.
func TestContactRevealsNoAddress(t *testing.T) {
	e := newRecruitingEnv(t)
	ctx := context.Background()
	boss := e.user("contact.employeuse")
	st := e.employer(boss, "Centre social des Canuts")
	cand := e.user("contact.candidate")
	p := e.candidate(cand, "Sofia Mercier", "69123", nil, nil, nil)
	closed := e.user("fermee")
	q := e.candidate(closed, "Paul Fermé", "69123", nil, nil, map[string]maillage.Visibility{maillage.FieldOpenToWork: maillage.VisPrivate})
	nobody := e.user("sans.structure")

	if _, err := e.svc.Contact(ctx, nobody, recruiting.ContactInput{StructureID: st.ID, ProfileID: p.ID, Message: "Bonjour"}); maillage.ErrorProblems(err).Key("structure_id") == "" {
		t.Fatalf("contact from a non-employer: %v", err)
	}
	if _, err := e.svc.Contact(ctx, boss, recruiting.ContactInput{StructureID: st.ID, ProfileID: q.ID, Message: "Bonjour"}); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Fatalf("contact to someone whose « open to opportunities » is private: %v", err)
	}
	c, err := e.svc.Contact(ctx, boss, recruiting.ContactInput{StructureID: st.ID, ProfileID: p.ID, Message: "Bonjour, votre profil nous intéresse."})
	if err != nil {
		t.Fatal(err)
	}
	if c.CandidateEmail != "" || c.EmployerEmail != "" || c.CandidateName != "Sofia Mercier" {
		t.Fatalf("contact shows an address: %+v", c)
	}
	_, err = e.svc.Contact(ctx, boss, recruiting.ContactInput{StructureID: st.ID, ProfileID: p.ID, Message: "Relance"})
	wantJobProblem(t, err, "message", "recruiting.contact.pending")

	ms, _, _ := e.mails.FindMails(ctx, maillage.MailFilter{To: cand.Email, Kind: "job_contact_received"})
	if len(ms) != 1 || strings.Contains(ms[0].Text, boss.Email) || strings.Contains(ms[0].Text, "@") || !strings.Contains(ms[0].Text, "Centre social des Canuts") {
		t.Fatalf("mail to the candidate: %+v", ms)
	}
	for _, f := range []recruiting.ContactFilter{{Sent: true}, {Received: true}} {
		u := boss
		if f.Received {
			u = cand
		}
		list, err := e.svc.FindContacts(ctx, u, f)
		if err != nil || len(list) != 1 || list[0].CandidateEmail != "" || list[0].EmployerEmail != "" {
			t.Fatalf("contacts %+v: %v %+v", f, err, list)
		}
	}
	// Only the person answers.
	if _, err := e.svc.AnswerContact(ctx, boss, c.ID, true, ""); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Fatalf("the employer answered for the candidate: %v", err)
	}
	got, err := e.svc.AnswerContact(ctx, cand, c.ID, true, "Avec plaisir, appelez-moi.")
	if err != nil || got.CandidateEmail != cand.Email || got.EmployerEmail != boss.Email {
		t.Fatalf("accepted: %v %+v", err, got)
	}
	ms, _, _ = e.mails.FindMails(ctx, maillage.MailFilter{To: boss.Email, Kind: "job_contact_accepted"})
	if len(ms) != 1 || !strings.Contains(ms[0].Text, cand.Email) || !strings.Contains(ms[0].Text, "Avec plaisir") {
		t.Fatalf("mail to the employer: %+v", ms)
	}
	if _, err := e.svc.AnswerContact(ctx, cand, c.ID, false, ""); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Fatalf("answered twice: %v", err)
	}
	// Declined: no address ever.
	c2, err := e.svc.Contact(ctx, boss, recruiting.ContactInput{StructureID: st.ID, ProfileID: p.ID, Message: "Une autre offre"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.svc.AnswerContact(ctx, cand, c2.ID, false, "Non merci."); err != nil || got.CandidateEmail != "" || got.EmployerEmail != "" {
		t.Fatalf("declined: %v %+v", err, got)
	}
}

// TestCandidatesSeeOnlyVisibleFields: employers find, rank and read
// candidates from what they made visible to members only: a private
// commune, title or Pix level neither matches, ranks nor shows.
func TestCandidatesSeeOnlyVisibleFields(t *testing.T) {
	e := newRecruitingEnv(t)
	ctx := context.Background()
	boss := e.user("classement")
	st := e.employer(boss, "France Services Croix-Rousse")
	o := e.published(boss, st)
	pix4 := 4
	b1b2 := []maillage.ProfileTitle{{CertificationCode: "REMN", BlocCode: "REMN-B1"}, {CertificationCode: "REMN", BlocCode: "REMN-B2"}}
	open := e.user("ouverte")
	e.candidate(open, "Amina Visible", "69266", b1b2, &pix4, map[string]maillage.Visibility{maillage.FieldPix: maillage.VisMembers})
	secret := e.user("discrete")
	hidden := e.candidate(secret, "Bérénice Discrète", "69266", b1b2, &pix4, map[string]maillage.Visibility{
		maillage.FieldCommune: maillage.VisPrivate, maillage.FieldTitles: maillage.VisPrivate, maillage.FieldPix: maillage.VisPrivate})
	soon := maillage.Today(time.Now()).AddDate(0, 0, 3)
	for _, u := range []*maillage.User{open, secret} {
		if err := e.svc.SetAvailability(ctx, u.ID, &soon); err != nil {
			t.Fatal(err)
		}
	}
	notOpen := e.user("pas.ouverte")
	e.candidate(notOpen, "Chloé Invisible", "69123", b1b2, &pix4, map[string]maillage.Visibility{maillage.FieldOpenToWork: maillage.VisPrivate})

	names := func(ss []recruiting.Seeker) map[string]recruiting.Seeker {
		out := map[string]recruiting.Seeker{}
		for _, s := range ss {
			out[s.Name] = s
		}
		return out
	}
	lyon := [2]float64{45.7578, 4.8320}
	for _, tt := range []struct {
		name string
		f    recruiting.CandidateFilter
	}{
		{"near Lyon", recruiting.CandidateFilter{NearLat: &lyon[0], NearLng: &lyon[1], RadiusKm: 10}},
		{"holding bloc 2", recruiting.CandidateFilter{Holds: []string{"REMN/REMN-B2"}}},
		{"Pix 4", recruiting.CandidateFilter{MinPix: &pix4}},
		{"available soon", recruiting.CandidateFilter{AvailableBy: &soon}},
	} {
		list, _, err := e.svc.FindCandidates(ctx, boss, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		got := names(list)
		if _, ok := got["Amina Visible"]; !ok {
			t.Errorf("%s: the visible candidate is not found", tt.name)
		}
		if _, ok := got["Chloé Invisible"]; ok {
			t.Errorf("%s: someone whose « open to opportunities » is private is found", tt.name)
		}
		_, found := got["Bérénice Discrète"]
		if want := tt.name == "available soon"; found != want {
			t.Errorf("%s: the discreet candidate found = %v, want %v (her availability goes with her visible « open to opportunities »)", tt.name, found, want)
		}
		if s, ok := got["Bérénice Discrète"]; ok && (s.Latitude != nil || s.Commune != "" || len(s.Holds) != 0 || s.PixLevel != nil) {
			t.Errorf("%s: hidden fields in the result: %+v", tt.name, s)
		}
	}
	// Ranked for the offer: the discreet candidate has no distance (so she
	// is outside the offer's radius) — she is not in the ranking at all.
	ranked, err := e.svc.RankCandidates(ctx, boss, o.ID, 30, 50)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, r := range ranked {
		seen = append(seen, r.Name)
		if r.Name == "Amina Visible" && (r.Fit.RequiredMet != 2 || r.Fit.DistanceKm == nil) {
			t.Errorf("fit of the visible candidate: %+v", r.Fit)
		}
	}
	if !strings.Contains(strings.Join(seen, ","), "Amina Visible") || strings.Contains(strings.Join(seen, ","), "Bérénice") || strings.Contains(strings.Join(seen, ","), "Chloé") {
		t.Fatalf("ranked %v", seen)
	}
	// Her page: only what she shows.
	view, avail, err := e.svc.FindCandidate(ctx, boss, hidden.ID)
	if err != nil || view.Commune != "" || view.Latitude != nil || len(view.Titles) != 0 || view.PixLevel != nil || avail == nil {
		t.Fatalf("candidate page: %v %+v", err, view)
	}
	// Only employers search.
	if _, _, err := e.svc.FindCandidates(ctx, notOpen, recruiting.CandidateFilter{}); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Fatalf("a non-employer searched candidates: %v", err)
	}
	// « Offres qui vous correspondent » for the visible candidate.
	matches, err := e.svc.MatchingOffers(ctx, open, 30, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range matches {
		found = found || m.Offer.ID == o.ID && m.Fit.RequiredMet == 2
	}
	if !found {
		t.Fatalf("the offer is not among the matches: %+v", matches)
	}
}
