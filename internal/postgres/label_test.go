package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/label"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

const programme = "lieu-mediation-numerique"

var pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// labelWorld is an applicant with a place, and reviewers.
type labelWorld struct {
	a         *app.App
	s         *postgres.LabelService
	referent  *maillage.User
	structure *maillage.Structure
	reviewer  *maillage.User
	other     *maillage.User // reviewer of another programme
}

func labelUniq() string { return fmt.Sprintf("%d%d", time.Now().UnixNano()%1e9, rand.IntN(1000)) }

func labelUser(t *testing.T, a *app.App, email string, g *maillage.RoleGrant) *maillage.User {
	t.Helper()
	ctx := context.Background()
	out, err := a.Users.SignInEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if g != nil {
		g.UserID = out.User.ID
		if _, err := a.Users.GrantRole(ctx, out.User.ID, *g, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	u, err := a.Users.FindUserByID(ctx, out.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func reviewerGrant(code string) *maillage.RoleGrant {
	return &maillage.RoleGrant{Role: maillage.RoleInstructeur, ScopeKind: maillage.ScopeProgramme, ScopeValue: code}
}

// newPlaceOf creates a fixed place with a referent.
func newPlaceOf(t *testing.T, a *app.App, u *maillage.User, pivot string) *maillage.Structure {
	t.Helper()
	st := newPlace(pivot)
	st.Lieu.Nom = "Espace numérique " + pivot
	st.Lieu.Horaires = "Mo-Fr 09:00-17:00"
	st.Lieu.Itinerance = []string{"Fixe"}
	out, claim, err := a.Structures.CreateStructure(context.Background(), u.ID, st)
	if err != nil || claim != nil {
		t.Fatalf("create structure: %v %v", err, claim)
	}
	return out
}

func newLabelWorld(t *testing.T) *labelWorld {
	t.Helper()
	a := testenv.Get(t).App(t)
	id := labelUniq()
	w := &labelWorld{a: a, s: a.Labels}
	w.referent = labelUser(t, a, "referente-"+id+"@exemple.fr", nil)
	w.structure = newPlaceOf(t, a, w.referent, fmt.Sprintf("W69%07s", id[len(id)-7:]))
	w.reviewer = labelUser(t, a, "instructrice-"+id+"@exemple.fr", reviewerGrant(programme))
	w.other = labelUser(t, a, "instructeur-b-"+id+"@exemple.fr", reviewerGrant("autre-programme"))
	return w
}

// answerAll answers every indicator that applies.
func (w *labelWorld) answerAll(t *testing.T, id int64) {
	t.Helper()
	ctx := context.Background()
	d, err := w.s.Find(ctx, w.referent, id)
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string]string{}
	for _, in := range d.Programme.Indicators() {
		if in.AppliesTo(d.Kinds) {
			answers[in.Code] = "Réponse à " + in.Code
		}
	}
	if err := w.s.SaveAnswers(ctx, w.referent, id, answers); err != nil {
		t.Fatal(err)
	}
}

// submitted starts, answers and submits an application.
func (w *labelWorld) submitted(t *testing.T) *label.Application {
	t.Helper()
	ctx := context.Background()
	a, err := w.s.Start(ctx, w.referent, w.structure.ID, programme)
	if err != nil {
		t.Fatal(err)
	}
	w.answerAll(t, a.ID)
	if err := w.s.Submit(ctx, w.referent, a.ID); err != nil {
		t.Fatal(err)
	}
	return a
}

func mailsTo(t *testing.T, a *app.App, to, kind string) int {
	t.Helper()
	_, n, err := a.Mails.FindMails(context.Background(), maillage.MailFilter{To: to, Kind: kind, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLabelApplicationWorkflow: a referent applies (prefilled from the
// place), submits; a reviewer of the programme reviews, asks for a
// correction (the submitted revision is frozen, a new one opens), sees
// what changed, and accepts with a motivation; the label is in the
// register, on the place and in the national export; every move is
// recorded; each person concerned gets a mail.
func TestLabelApplicationWorkflow(t *testing.T) {
	w := newLabelWorld(t)
	ctx := context.Background()
	a, err := w.s.Start(ctx, w.referent, w.structure.ID, programme)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != label.Brouillon {
		t.Fatalf("state %s", a.State)
	}
	d, err := w.s.Find(ctx, w.referent, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Revision.Answers["1.1"] != "Mo-Fr 09:00-17:00" || !d.Editable() {
		t.Errorf("prefill = %q, editable %v", d.Revision.Answers["1.1"], d.Editable())
	}
	// Only one open application per structure and programme.
	if _, err := w.s.Start(ctx, w.referent, w.structure.ID, programme); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Errorf("second start: %v", err)
	}
	// A draft is the applicant's alone.
	if _, err := w.s.Find(ctx, w.reviewer, a.ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("reviewer sees a draft: %v", err)
	}
	// Incomplete: refused, each missing indicator named.
	err = w.s.Submit(ctx, w.referent, a.ID)
	if ps := maillage.ErrorProblems(err); ps.Key("reponses.2.1") != "label.answer.required" || ps.Has("reponses.1.1") {
		t.Fatalf("incomplete submit: %v", err)
	}
	// Bad input keeps what is saved.
	long := strings.Repeat("x", label.MaxAnswer+1)
	if err := w.s.SaveAnswers(ctx, w.referent, a.ID, map[string]string{"2.1": long}); !maillage.ErrorProblems(err).Has("reponses.2.1") {
		t.Errorf("too long answer: %v", err)
	}
	w.answerAll(t, a.ID)
	if err := w.s.Submit(ctx, w.referent, a.ID); err != nil {
		t.Fatal(err)
	}
	if n := mailsTo(t, w.a, w.referent.Email, "label_deposited"); n != 1 {
		t.Errorf("%d deposit mails", n)
	}
	d, _ = w.s.Find(ctx, w.referent, a.ID)
	if d.App.State != label.Deposee || d.App.DueAt == nil || label.DaysLeft(time.Now(), *d.App.DueAt) < 58 || d.Editable() {
		t.Fatalf("after deposit: %+v", d.App)
	}
	// A reviewer of another programme cannot open it.
	if _, err := w.s.Find(ctx, w.other, a.ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("reviewer of another programme: %v", err)
	}
	if err := w.s.Move(ctx, w.other, a.ID, label.EnInstruction, ""); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("reviewer of another programme moves: %v", err)
	}
	if err := w.s.Move(ctx, w.reviewer, a.ID, label.EnInstruction, ""); err != nil {
		t.Fatal(err)
	}
	// A decision needs a motivation.
	if err := w.s.Move(ctx, w.reviewer, a.ID, label.Acceptee, "  "); maillage.ErrorProblems(err).Key("motivation") != "label.motivation.required" {
		t.Errorf("decision without motivation: %v", err)
	}
	// Private notes and a confidential opinion: never the applicant's.
	if err := w.s.AddNote(ctx, w.reviewer, a.ID, "Visite prévue mardi."); err != nil {
		t.Fatal(err)
	}
	second := labelUser(t, w.a, "second-"+labelUniq()+"@exemple.fr", reviewerGrant(programme))
	third := labelUser(t, w.a, "troisieme-"+labelUniq()+"@exemple.fr", reviewerGrant(programme))
	if err := w.s.AskOpinion(ctx, w.reviewer, a.ID, second.ID, "Les horaires suffisent-ils ?", true); err != nil {
		t.Fatal(err)
	}
	if err := w.s.Assess(ctx, w.reviewer, a.ID, []label.Assessment{{Indicator: "1.1", Grade: label.Majeure}}); !maillage.ErrorProblems(err).Has("appreciations.1.1.commentaire") {
		t.Errorf("a major non-conformity without comment: %v", err)
	}
	if err := w.s.Assess(ctx, w.reviewer, a.ID, []label.Assessment{{Indicator: "1.1", Grade: label.Majeure, Comment: "Pas d'ouverture le samedi."}}); err != nil {
		t.Fatal(err)
	}
	mine, _ := w.s.Find(ctx, w.referent, a.ID)
	if mine.Notes != nil || mine.Opinions != nil || mine.Assessments != nil || mine.Reviewer {
		t.Errorf("applicant sees reviewer data: notes %v opinions %v assessments %v", mine.Notes, mine.Opinions, mine.Assessments)
	}
	for who, u := range map[string]*maillage.User{"asker": w.reviewer, "asked": second, "another reviewer": third} {
		rd, err := w.s.Find(ctx, u, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := who != "another reviewer"; (len(rd.Opinions) == 1) != want {
			t.Errorf("%s sees %d opinions", who, len(rd.Opinions))
		}
		if len(rd.Notes) != 1 || len(label.OpenMajors(rd.Programme, rd.Assessments)) != 1 {
			t.Errorf("%s: notes %d, majors %v", who, len(rd.Notes), rd.Assessments)
		}
	}
	// Correction: revision 1 frozen, revision 2 open for the applicant.
	if err := w.s.Move(ctx, w.reviewer, a.ID, label.Correction, "Précisez l'ouverture du samedi."); err != nil {
		t.Fatal(err)
	}
	if n := mailsTo(t, w.a, w.referent.Email, "label_state.correction_demandee"); n != 1 {
		t.Errorf("%d correction mails", n)
	}
	if _, err := w.a.DB.NewRaw(`UPDATE label_answers SET text = 'changé' WHERE revision_id = (SELECT id FROM label_revisions WHERE application_id = ? AND number = 1)`, a.ID).Exec(ctx); err == nil {
		t.Error("a frozen revision was changed")
	}
	if err := w.s.SaveAnswers(ctx, w.referent, a.ID, map[string]string{"1.1": "Du lundi au samedi de 9 h à 17 h."}); err != nil {
		t.Fatal(err)
	}
	if err := w.s.Submit(ctx, w.referent, a.ID); err != nil {
		t.Fatal(err)
	}
	rd, _ := w.s.Find(ctx, w.reviewer, a.ID)
	if rd.App.State != label.EnInstruction || rd.App.Revision != 2 || rd.Previous == nil || rd.Previous.Answers["1.1"] == rd.Revision.Answers["1.1"] {
		t.Fatalf("after corrections: %+v", rd.App)
	}
	if ch := label.Diff(rd.Programme, rd.Previous, rd.Revision); len(ch) != 1 || ch[0].Indicator != "1.1" {
		t.Errorf("diff = %+v", ch)
	}
	if err := w.s.Move(ctx, w.reviewer, a.ID, label.Acceptee, "Tous les critères sont remplis."); err != nil {
		t.Fatal(err)
	}
	rd, _ = w.s.Find(ctx, w.referent, a.ID)
	if rd.Label == nil || !rd.Label.Active(time.Now()) || rd.Label.ExpiresOn.Year() != rd.Label.StartsOn.Year()+3 {
		t.Fatalf("label = %+v", rd.Label)
	}
	if n := mailsTo(t, w.a, w.referent.Email, "label_state.acceptee"); n != 1 {
		t.Errorf("%d acceptance mails", n)
	}
	var moves []string
	for _, m := range rd.History {
		moves = append(moves, m.From+">"+m.To)
		if m.To == label.Acceptee && (m.Motivation != "Tous les critères sont remplis." || m.ActorName == "") {
			t.Errorf("acceptance recorded as %+v", m)
		}
	}
	want := []string{">brouillon", "brouillon>deposee", "deposee>en_instruction", "en_instruction>correction_demandee", "correction_demandee>en_instruction", "en_instruction>acceptee"}
	if !slices.Equal(moves, want) {
		t.Errorf("history %v", moves)
	}
	// The register, the place and the national export show it.
	reg, _, err := w.s.Register(ctx, "69", 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(reg, func(l *label.Label) bool { return l.StructureID == w.structure.ID }) {
		t.Error("not in the register")
	}
	st, _ := w.a.Structures.FindStructureByID(ctx, w.structure.ID)
	if !strings.Contains(st.Lieu.AutresFormationsLabels, "Label Lieu de médiation numérique de qualité (jusqu'au ") {
		t.Errorf("place's labels = %q", st.Lieu.AutresFormationsLabels)
	}
	ls, err := w.a.Structures.AllLieux(ctx, maillage.StructureFilter{CodeDepartement: "69"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ls, func(l maillage.Lieu) bool {
		return l.ID == st.Lieu.ID && strings.Contains(l.AutresFormationsLabels, "Label Lieu")
	}) {
		t.Error("not in the national export")
	}
	// Reopening the decision withdraws the label.
	if err := w.s.Move(ctx, w.reviewer, a.ID, label.EnInstruction, "Recours de la structure."); err != nil {
		t.Fatal(err)
	}
	rd, _ = w.s.Find(ctx, w.reviewer, a.ID)
	if rd.Label == nil || rd.Label.Status != label.LabelRetire {
		t.Errorf("after reopening, label = %+v", rd.Label)
	}
}

// TestLabelConflictOfInterest: a reviewer tied to the structure (member,
// same legal entity, declared tie) is never assigned its application.
func TestLabelConflictOfInterest(t *testing.T) {
	w := newLabelWorld(t)
	ctx := context.Background()
	a := w.submitted(t)
	id := labelUniq()
	member := labelUser(t, w.a, "membre-"+id+"@exemple.fr", reviewerGrant(programme))
	if _, err := w.a.DB.NewRaw("INSERT INTO memberships (structure_id, user_id, role, started_on, ended_on) VALUES (?, ?, 'salarie', '2020-01-01', '2022-01-01')",
		w.structure.ID, member.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	tied := labelUser(t, w.a, "lie-"+id+"@exemple.fr", reviewerGrant(programme))
	if err := w.s.DeclareTie(ctx, tied, w.structure.ID, "Membre du conseil d'administration."); err != nil {
		t.Fatal(err)
	}
	free := labelUser(t, w.a, "libre-"+id+"@exemple.fr", reviewerGrant(programme))
	lead := labelUser(t, w.a, "responsable-"+id+"@exemple.fr", reviewerGrant(programme))
	admin := labelUser(t, w.a, "admin-"+id+"@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleAdministrateur})
	if err := w.s.SetLead(ctx, admin, programme, lead.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*maillage.User{member, tied} {
		if _, err := w.s.Assign(ctx, u, []int64{a.ID}, u.ID); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
			t.Errorf("%s assigns themselves: %v", u.Email, err)
		}
		if _, err := w.s.Assign(ctx, lead, []int64{a.ID}, u.ID); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
			t.Errorf("lead assigns %s: %v", u.Email, err)
		}
		if err := w.s.Move(ctx, u, a.ID, label.EnInstruction, ""); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
			t.Errorf("%s moves: %v", u.Email, err)
		}
	}
	// The referent reviewing their own structure is a conflict too.
	if label.Conflict(w.referent.ID, a, w.structure.Lieu.Pivot, nil) != true {
		t.Error("applicant")
	}
	// Only a lead assigns someone else.
	if _, err := w.s.Assign(ctx, free, []int64{a.ID}, lead.ID); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Errorf("non-lead assigns another: %v", err)
	}
	if _, err := w.s.Assign(ctx, lead, []int64{a.ID}, free.ID); err != nil {
		t.Fatal(err)
	}
	if n := mailsTo(t, w.a, free.Email, "label_assigned"); n != 1 {
		t.Errorf("%d assignment mails", n)
	}
	apps, _, err := w.s.Queue(ctx, label.Filter{Viewer: free, Tab: label.TabFollowed})
	if err != nil || !slices.ContainsFunc(apps, func(x *label.Application) bool { return x.ID == a.ID }) {
		t.Errorf("followed tab: %v %v", apps, err)
	}
	// A person's data download holds what the label keeps of them.
	ex, err := w.a.Users.ExportUser(ctx, free.ID)
	if err != nil {
		t.Fatal(err)
	}
	if lx, ok := ex.Extra["label"].(map[string]any); !ok || len(lx["followed"].([]int64)) != 1 {
		t.Errorf("export = %#v", ex.Extra["label"])
	}
	// A deleted reviewer follows nothing any more: back to « à suivre ».
	if err := w.a.Users.DeleteUser(ctx, free.ID, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	d, err := w.s.Find(ctx, lead, a.ID)
	if err != nil || len(d.App.Reviewers) != 0 {
		t.Errorf("after the reviewer's deletion: %+v %v", d.App.Reviewers, err)
	}
}

// TestLabelExpiryAndRenewal: reminders before expiry (once per
// threshold), renewal linked and prefilled, the new label replaces the
// old; withdrawal needs a reason.
func TestLabelExpiryAndRenewal(t *testing.T) {
	w := newLabelWorld(t)
	ctx := context.Background()
	a := w.submitted(t)
	for _, to := range []string{label.EnInstruction, label.Acceptee} {
		if err := w.s.Move(ctx, w.reviewer, a.ID, to, "Conforme."); err != nil {
			t.Fatal(err)
		}
	}
	d, _ := w.s.Find(ctx, w.referent, a.ID)
	expires := d.Label.ExpiresOn
	w.s.Now = func() time.Time { return expires.AddDate(0, 0, -89) }
	before := mailsTo(t, w.a, w.referent.Email, "label_expiry")
	for range 2 {
		if _, err := w.s.RunReminders(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := mailsTo(t, w.a, w.referent.Email, "label_expiry") - before; n != 1 {
		t.Errorf("%d reminders at 89 days", n)
	}
	w.s.Now = func() time.Time { return expires.AddDate(0, 0, -20) }
	if _, err := w.s.RunReminders(ctx); err != nil {
		t.Fatal(err)
	}
	if n := mailsTo(t, w.a, w.referent.Email, "label_expiry") - before; n != 2 {
		t.Errorf("%d reminders at 20 days", n)
	}
	w.s.Now = time.Now
	// Renewal: a new application linked to the previous one, prefilled from it.
	r, err := w.s.Start(ctx, w.referent, w.structure.ID, programme)
	if err != nil {
		t.Fatal(err)
	}
	rd, _ := w.s.Find(ctx, w.referent, r.ID)
	if rd.App.RenewalOf == nil || *rd.App.RenewalOf != a.ID || rd.Revision.Answers["2.1"] != "Réponse à 2.1" {
		t.Fatalf("renewal = %+v answers %v", rd.App, rd.Revision.Answers)
	}
	if err := w.s.Submit(ctx, w.referent, r.ID); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{label.EnInstruction, label.Acceptee} {
		if err := w.s.Move(ctx, w.reviewer, r.ID, to, "Renouvelé."); err != nil {
			t.Fatal(err)
		}
	}
	ls, err := w.s.Labels(ctx, w.structure.ID)
	if err != nil || len(ls) != 2 || ls[0].Status != label.LabelRemplace || ls[1].Status != label.LabelActif {
		t.Fatalf("labels after renewal: %v %v", ls, err)
	}
	admin := labelUser(t, w.a, "admin-retrait-"+labelUniq()+"@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleAdministrateur})
	if err := w.s.Withdraw(ctx, admin, ls[1].ID, ""); maillage.ErrorProblems(err).Key("motif") != "label.withdraw.reason_required" {
		t.Errorf("withdrawal without reason: %v", err)
	}
	if err := w.s.Withdraw(ctx, w.reviewer, ls[1].ID, "Fermeture."); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Errorf("withdrawal by a reviewer who is no lead: %v", err)
	}
	if err := w.s.Withdraw(ctx, admin, ls[1].ID, "Le lieu a fermé."); err != nil {
		t.Fatal(err)
	}
	l, _ := w.s.Label(ctx, ls[1].ID)
	if l.Status != label.LabelRetire || l.WithdrawalReason != "Le lieu a fermé." {
		t.Errorf("withdrawn label %+v", l)
	}
	st, _ := w.a.Structures.FindStructureByID(ctx, w.structure.ID)
	if strings.Contains(st.Lieu.AutresFormationsLabels, "Label Lieu") {
		t.Errorf("a withdrawn label still on the place: %q", st.Lieu.AutresFormationsLabels)
	}
}

// TestLabelEvidenceFiles: a file whose extension lies, or over the limit,
// is refused next to its field; an accepted one is stored outside the web
// root under its SHA-256 and served only to who may see the application.
func TestLabelEvidenceFiles(t *testing.T) {
	w := newLabelWorld(t)
	ctx := context.Background()
	a, err := w.s.Start(ctx, w.referent, w.structure.ID, programme)
	if err != nil {
		t.Fatal(err)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	if _, err := w.s.AddFile(ctx, w.referent, a.ID, "3.1", label.Upload{Name: "charte.pdf", Body: bytes.NewReader(png)}); maillage.ErrorProblems(err).Key("pieces.3.1") != "label.evidence.mismatch" {
		t.Errorf("lying extension: %v", err)
	}
	big := append(append([]byte{}, pdfBytes...), make([]byte, label.MaxEvidenceSize)...)
	if _, err := w.s.AddFile(ctx, w.referent, a.ID, "3.1", label.Upload{Name: "gros.pdf", Body: bytes.NewReader(big)}); maillage.ErrorProblems(err).Key("pieces.3.1") != "label.evidence.too_big" {
		t.Errorf("too big: %v", err)
	}
	ev, err := w.s.AddFile(ctx, w.referent, a.ID, "3.1", label.Upload{Name: "charte.pdf", Body: bytes.NewReader(pdfBytes)})
	if err != nil {
		t.Fatal(err)
	}
	if ev.ContentType != "application/pdf" || len(ev.SHA256) != 64 {
		t.Errorf("evidence %+v", ev)
	}
	if _, err := os.Stat(filepath.Join(w.a.Config.FilesDir, "label", ev.SHA256[:2], ev.SHA256)); err != nil {
		t.Errorf("stored file: %v", err)
	}
	stranger := labelUser(t, w.a, "inconnu-"+labelUniq()+"@exemple.fr", nil)
	for who, u := range map[string]*maillage.User{"stranger": stranger, "reviewer (draft)": w.reviewer, "other programme": w.other} {
		if _, _, err := w.s.File(ctx, u, ev.ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
			t.Errorf("%s downloads: %v", who, err)
		}
	}
	_, r, err := w.s.File(ctx, w.referent, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	w.answerAll(t, a.ID)
	if err := w.s.Submit(ctx, w.referent, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, r, err := w.s.File(ctx, w.reviewer, ev.ID); err != nil {
		t.Errorf("reviewer downloads a submitted file: %v", err)
	} else {
		r.Close()
	}
	// Frozen: the file cannot be removed any more.
	if err := w.s.RemoveFile(ctx, w.referent, a.ID, ev.ID); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Errorf("remove from a frozen revision: %v", err)
	}
	// A message with an attachment, seen by both sides.
	if err := w.s.PostMessage(ctx, w.reviewer, a.ID, "Pouvez-vous préciser ?", []label.Upload{{Name: "question.txt", Body: strings.NewReader("Précisez les horaires.\n")}}); err != nil {
		t.Fatal(err)
	}
	d, _ := w.s.Find(ctx, w.referent, a.ID)
	if len(d.Messages) != 1 || !d.Messages[0].FromReviewer || len(d.Messages[0].Files) != 1 {
		t.Errorf("messages %+v", d.Messages)
	}
}

// TestLabelBulkAndExport: one action on every application of a filter,
// with one motivation; export columns, private notes for reviewers, XLSX
// read back.
func TestLabelBulkAndExport(t *testing.T) {
	w := newLabelWorld(t)
	ctx := context.Background()
	var ids []int64
	for i := range 3 {
		u := labelUser(t, w.a, fmt.Sprintf("ref-lot-%d-%s@exemple.fr", i, labelUniq()), nil)
		st := newPlaceOf(t, w.a, u, fmt.Sprintf("W6%08d", rand.IntN(1e8)))
		ww := *w
		ww.referent, ww.structure = u, st
		ids = append(ids, ww.submitted(t).ID)
	}
	if _, err := w.s.Bulk(ctx, w.reviewer, label.BulkRefuse, ids, 0, ""); maillage.ErrorProblems(err).Key("motivation") != "label.motivation.required" {
		t.Errorf("bulk refusal without motivation: %v", err)
	}
	res, err := w.s.Bulk(ctx, w.reviewer, label.BulkInstruction, ids, 0, "")
	if err != nil || res.Done != 3 {
		t.Fatalf("bulk instruction: %+v %v", res, err)
	}
	res, err = w.s.Bulk(ctx, w.reviewer, label.BulkAssign, ids, 0, "")
	if err != nil || res.Done != 3 {
		t.Fatalf("bulk assign: %+v %v", res, err)
	}
	if err := w.s.AddNote(ctx, w.reviewer, ids[0], "=HYPERLINK(\"x\")"); err != nil {
		t.Fatal(err)
	}
	f := label.Filter{Viewer: w.reviewer, Tab: label.TabAll, IDs: ids, HasIDs: true}
	rows, n, err := w.s.Export(ctx, f, []string{"id", "structure", "etat", "notes"})
	if err != nil || n != 3 {
		t.Fatalf("export: %d %v", n, err)
	}
	if rows[0]["etat"] != "En instruction" || rows[0]["notes"] == "" {
		t.Errorf("row = %v", rows[0])
	}
	cols := label.ExportColumnsFor([]string{"id", "structure", "etat", "notes"}, true)
	var b bytes.Buffer
	if err := label.WriteXLSX(&b, cols, postgres.ExportHeader(w.a.Catalog, "fr", cols), rows); err != nil {
		t.Fatal(err)
	}
	back, err := label.ReadXLSX(&b)
	if err != nil || len(back) != 4 || back[0][0] != "N° de dossier" || back[0][3] != "Notes privées" {
		t.Errorf("xlsx = %v %v", back, err)
	}
	res, err = w.s.Bulk(ctx, w.reviewer, label.BulkClassee, append(ids, 999999999), 0, "La structure a fermé.")
	if err != nil || res.Done != 3 || len(res.Skipped) != 1 {
		t.Fatalf("bulk classer: %+v %v", res, err)
	}
	// An export started in the background, announced by mail.
	eid, err := w.s.StartExport(ctx, f, []string{"id", "etat"}, label.FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.s.RunExports(ctx); err != nil {
		t.Fatal(err)
	}
	if n := mailsTo(t, w.a, w.reviewer.Email, "label_export_ready"); n != 1 {
		t.Errorf("%d export mails", n)
	}
	if _, _, err := w.s.ExportFile(ctx, w.other, eid); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("another person downloads the export: %v", err)
	}
	format, r, err := w.s.ExportFile(ctx, w.reviewer, eid)
	if err != nil || format != "csv" {
		t.Fatal(format, err)
	}
	r.Close()
}

// TestLabelApplicationStartsFromTheTeamsCharter: indicator 3.1 (« charte
// de l'aidant numérique signée par l'équipe ») starts from the charter's
// chain: how many active members signed the version in force, under the
// name each typed when signing (no address).
func TestLabelApplicationStartsFromTheTeamsCharter(t *testing.T) {
	w := newLabelWorld(t)
	ctx := context.Background()
	f := newCharterFixture(t)
	id := labelUniq()
	aidant := labelUser(t, w.a, "aidante-"+id+"@exemple.fr", nil)
	late := labelUser(t, w.a, "aidant-tardif-"+id+"@exemple.fr", nil)
	for _, u := range []*maillage.User{aidant, late} {
		if _, err := w.a.DB.NewRaw("INSERT INTO memberships (structure_id, user_id, role, started_on) VALUES (?, ?, 'salarie', current_date)", w.structure.ID, u.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cur := f.current(t)
	at := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC) // 1 December in Paris
	if _, err := f.cs.Sign(ctx, f.input(cur, "Camille Aidante"), f.consent, "fr", f.origin(aidant, at)); err != nil {
		t.Fatal(err)
	}
	a, err := w.s.Start(ctx, w.referent, w.structure.ID, programme)
	if err != nil {
		t.Fatal(err)
	}
	d, err := w.s.Find(ctx, w.referent, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := d.Revision.Answers["3.1"]
	want := fmt.Sprintf("Charte de l'aidant numérique, version %d en vigueur\u00a0: 1 personne de l'équipe sur 3 l'a signée sur Maillage.\nSignatures\u00a0: Camille Aidante (1er décembre 2026).", cur.Number)
	if got != want {
		t.Errorf("answer 3.1 =\n%q\nwant\n%q", got, want)
	}
	if strings.Contains(got, "@") {
		t.Error("the prefill shows an address")
	}
}
