package postgres_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
	"maillage/internal/training"
)

var trainingSeq atomic.Int64

// luhn completes digits with the key that makes them pass the Luhn check.
func luhn(digits string) string {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return digits + strconv.Itoa((10-sum%10)%10)
}

// uniqueSIRET is a valid SIRET no other test uses.
func uniqueSIRET() string {
	siren := luhn(fmt.Sprintf("9%07d", time.Now().UnixNano()%1e7+trainingSeq.Add(1)*13))
	return luhn(siren + "0001")
}

type trainingEnv struct {
	db   *postgres.DB
	svc  *postgres.TrainingService
	prof *postgres.ProfileService
	st   *postgres.StructureService
	u    *postgres.UserService
}

func newTrainingEnv(t *testing.T) *trainingEnv {
	db := testenv.Get(t).DB(t)
	e := &trainingEnv{db: db, svc: postgres.NewTrainingService(db), prof: postgres.NewProfileService(db),
		st: postgres.NewStructureService(db), u: postgres.NewUserService(db)}
	e.st.Texts = keyTexts{}
	return e
}

// join makes u a member of a structure as the portal does: the referent
// invites, u accepts.
func (e *trainingEnv) join(t *testing.T, referent *maillage.User, structureID int64, u *maillage.User, role string) {
	t.Helper()
	ctx := context.Background()
	inv, err := e.st.Invite(ctx, maillage.Viewer{UserID: referent.ID}, structureID, maillage.InvitationInput{Email: u.Email, Role: role}, "fr")
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	if _, err := e.st.RespondInvitation(ctx, u, inv.ID, true); err != nil {
		t.Fatalf("accept: %v", err)
	}
}

func regexpReplaceFirst(s, pattern, repl string) string {
	re := regexp.MustCompile(pattern)
	done := false
	return re.ReplaceAllStringFunc(s, func(m string) string {
		if done {
			return m
		}
		done = true
		return repl
	})
}

func regexpReplaceAll(s, pattern, repl string) string {
	return regexp.MustCompile(pattern).ReplaceAllString(s, repl)
}

func (e *trainingEnv) user(t *testing.T, name string) *maillage.User {
	t.Helper()
	out, err := e.u.SignInEmail(context.Background(), fmt.Sprintf("%s-%d@formation.exemple.fr", name, trainingSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	return out.User
}

// body creates a structure whose referent is owner and declares it as a
// training body.
func (e *trainingEnv) body(t *testing.T, owner *maillage.User, name string) *training.Organisation {
	t.Helper()
	ctx := context.Background()
	st, _, err := e.st.CreateStructure(ctx, owner.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureFormation},
		Lieu: maillage.Lieu{Pivot: uniqueSIRET(), Nom: name, Adresse: "12 rue d'Austerlitz", CodePostal: "69004", Commune: "Lyon", CodeInsee: "69123",
			Courriels: []string{"accueil@formation.exemple.fr"}}})
	if err != nil {
		t.Fatalf("create structure: %v", err)
	}
	org, err := e.svc.DeclareBody(ctx, maillage.Viewer{UserID: owner.ID}, st.ID, training.BodyInput{ActivityNumber: "84 69 1234567", Qualiopi: true})
	if err != nil {
		t.Fatalf("declare: %v", err)
	}
	return org
}

func days(n int) time.Time {
	return time.Now().Add(time.Duration(n) * 24 * time.Hour).Truncate(time.Second)
}

func lyonSession(start time.Time) *training.Session {
	return &training.Session{Start: start, End: start.Add(72 * time.Hour), Seats: 12, SeatsLeft: 5, Registration: training.RegistrationOpen,
		Place: training.Place{CodeInsee: "69123", Postcode: "69003", City: "Lyon", Address: "Salle 2\n3 rue Garibaldi"}}
}

func offerFor(blocs ...string) *training.Offer {
	return &training.Offer{Title: "Accompagner les publics " + strconv.FormatInt(trainingSeq.Add(1), 10), Objectives: "Accompagner vers l'autonomie.",
		Description: "Déroulé en trois temps.", Certifications: []string{"REMN"}, Blocs: blocs, Modality: training.ModalityPresentiel,
		Hours: 70, PriceCents: 150050, Funding: []training.Funding{training.FundingCPF, training.FundingOPCO},
		Contact: training.Contact{Name: "Camille Martin", Email: "camille@formation.exemple.fr", Phone: "04 78 00 00 00"}}
}

// TestTrainingBodyEditsOnlyItsOwnOffers: the people of a body (referent,
// employee) and administrators change its offers and sessions; the people
// of another body, and anyone else, are refused (EFORBIDDEN), and nothing
// changes.
func TestTrainingBodyEditsOnlyItsOwnOffers(t *testing.T) {
	e := newTrainingEnv(t)
	ctx := context.Background()
	owner, other, stranger := e.user(t, "referente"), e.user(t, "autre-organisme"), e.user(t, "inconnu")
	org := e.body(t, owner, "Institut de formation Austerlitz")
	e.body(t, other, "Autre organisme")
	v, err := e.svc.CreateOffer(ctx, maillage.Viewer{UserID: owner.ID}, org.Body.StructureID, offerFor("REMN-B1"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.svc.CreateSession(ctx, maillage.Viewer{UserID: owner.ID}, v.ID, lyonSession(days(30)))
	if err != nil {
		t.Fatal(err)
	}
	for _, actor := range []*maillage.User{other, stranger} {
		view := maillage.Viewer{UserID: actor.ID}
		checks := map[string]error{}
		_, checks["create offer"] = e.svc.CreateOffer(ctx, view, org.Body.StructureID, offerFor("REMN-B1"))
		_, checks["update offer"] = e.svc.UpdateOffer(ctx, view, v.ID, offerFor("REMN-B2"))
		_, checks["delete offer"] = e.svc.DeleteOffer(ctx, view, v.ID)
		_, checks["create session"] = e.svc.CreateSession(ctx, view, v.ID, lyonSession(days(40)))
		_, checks["update session"] = e.svc.UpdateSession(ctx, view, s.ID, lyonSession(days(41)))
		_, checks["delete session"] = e.svc.DeleteSession(ctx, view, s.ID)
		_, checks["declare"] = e.svc.DeclareBody(ctx, view, org.Body.StructureID, training.BodyInput{ActivityNumber: "11111111111"})
		_, checks["import"] = e.svc.ImportLHEO(ctx, training.ImportRequest{File: strings.NewReader("<lheo/>"), Actor: view, StructureID: org.Body.StructureID})
		for what, err := range checks {
			if maillage.ErrorCode(err) != maillage.EFORBIDDEN {
				t.Errorf("%s by %s: %v, want forbidden", what, actor.Email, err)
			}
		}
	}
	after, err := e.svc.FindOffer(ctx, v.ID)
	if err != nil || after.Blocs[0] != "REMN-B1" || len(after.Sessions) != 1 || !after.Sessions[0].Start.Equal(s.Start) {
		t.Fatalf("refused changes changed the offer: %v %+v", err, after)
	}

	// An employee of the body may; an administrator may.
	employee := e.user(t, "salariee")
	e.join(t, owner, org.Body.StructureID, employee, maillage.MemberSalarie)
	if _, err := e.svc.UpdateOffer(ctx, maillage.Viewer{UserID: employee.ID}, v.ID, offerFor("REMN-B2")); err != nil {
		t.Fatalf("employee: %v", err)
	}
	if _, err := e.svc.CreateSession(ctx, maillage.Viewer{Admin: true}, v.ID, lyonSession(days(50))); err != nil {
		t.Fatalf("administrator: %v", err)
	}
	// A mediator of the place does not manage its trainings.
	mediator := e.user(t, "mediateur")
	e.join(t, owner, org.Body.StructureID, mediator, maillage.MemberMediateur)
	if _, err := e.svc.DeleteOffer(ctx, maillage.Viewer{UserID: mediator.ID}, v.ID); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Fatalf("mediator deleted: %v", err)
	}
}

// TestTrainingBadInputKeepsWhatIsSaved: a session ending before it starts,
// negative seats, a bloc of another certification, an unknown commune:
// each is refused next to its field (the JSON path) and the stored offer
// stays as it was.
func TestTrainingBadInputKeepsWhatIsSaved(t *testing.T) {
	e := newTrainingEnv(t)
	ctx := context.Background()
	owner := e.user(t, "saisie")
	org := e.body(t, owner, "Organisme des saisies")
	me := maillage.Viewer{UserID: owner.ID}
	v, err := e.svc.CreateOffer(ctx, me, org.Body.StructureID, offerFor("REMN-B1"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.svc.CreateSession(ctx, me, v.ID, lyonSession(days(20)))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := e.svc.FindOffer(ctx, v.ID)

	endFirst := lyonSession(days(30))
	endFirst.End = endFirst.Start.Add(-time.Hour)
	negative := lyonSession(days(30))
	negative.Seats = -2
	nowhere := lyonSession(days(30))
	nowhere.Place.CodeInsee = "99999"
	otherCert := offerFor("CMN-B1")
	withSessions := offerFor("REMN-B1")
	withSessions.Sessions = []*training.Session{lyonSession(days(10)), endFirst}

	tests := []struct {
		name, field string
		do          func() error
	}{
		{"session ending before it starts", "end", func() error { _, err := e.svc.UpdateSession(ctx, me, s.ID, endFirst); return err }},
		{"negative seats", "seats", func() error { _, err := e.svc.CreateSession(ctx, me, v.ID, negative); return err }},
		{"unknown commune", "place.code_insee", func() error { _, err := e.svc.CreateSession(ctx, me, v.ID, nowhere); return err }},
		{"bloc of another certification", "blocs.0", func() error { _, err := e.svc.UpdateOffer(ctx, me, v.ID, otherCert); return err }},
		{"offer with a bad session", "sessions.1.end", func() error { _, err := e.svc.CreateOffer(ctx, me, org.Body.StructureID, withSessions); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			ps := maillage.ErrorProblems(err)
			if maillage.ErrorCode(err) != maillage.EINVALID || !ps.Has(tt.field) {
				t.Fatalf("err = %v, want a problem on %s", err, tt.field)
			}
		})
	}
	if p := maillage.ErrorProblems(func() error { _, err := e.svc.UpdateOffer(ctx, me, v.ID, otherCert); return err }()); p.Key("blocs.0") != training.KeyBlocOtherCertification {
		t.Errorf("bloc of another certification: key %q", p.Key("blocs.0"))
	}
	after, _ := e.svc.FindOffer(ctx, v.ID)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("a refused change altered the offer (-before +after):\n%s", diff)
	}
	_, total, _ := e.svc.FindOffers(ctx, training.OfferFilter{StructureID: org.Body.StructureID})
	if total != 1 {
		t.Errorf("%d offers, want 1 (the refused one is not saved)", total)
	}
}

// TestTrainingPastSessionsAreKept: a past session is shown with its offer,
// never changed nor deleted; deleting an offer that ran withdraws it.
func TestTrainingPastSessionsAreKept(t *testing.T) {
	e := newTrainingEnv(t)
	ctx := context.Background()
	owner := e.user(t, "passe")
	org := e.body(t, owner, "Organisme du passé")
	me := maillage.Viewer{UserID: owner.ID}
	o := offerFor("REMN-B1")
	o.Sessions = []*training.Session{lyonSession(days(-40)), lyonSession(days(40))}
	v, err := e.svc.CreateOffer(ctx, me, org.Body.StructureID, o)
	if err != nil {
		t.Fatal(err)
	}
	past, next := v.Sessions[0], v.Sessions[1]
	if _, err := e.svc.UpdateSession(ctx, me, past.ID, lyonSession(days(-39))); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Errorf("past session changed: %v", err)
	}
	if _, err := e.svc.DeleteSession(ctx, me, past.ID); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Errorf("past session deleted: %v", err)
	}
	if _, err := e.svc.DeleteOffer(ctx, me, v.ID); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.FindOffer(ctx, v.ID)
	if err != nil || got.WithdrawnAt == nil || len(got.Sessions) != 1 || got.Sessions[0].ID != past.ID {
		t.Fatalf("withdrawn offer: %v %+v", err, got)
	}
	if _, _, err := e.svc.FindSession(ctx, next.ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("the upcoming session of a withdrawn offer remains: %v", err)
	}
	// An offer that never ran is deleted.
	w, _ := e.svc.CreateOffer(ctx, me, org.Body.StructureID, offerFor("REMN-B2"))
	if _, err := e.svc.DeleteOffer(ctx, me, w.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.FindOffer(ctx, w.ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("deleted offer still found: %v", err)
	}
}

// TestTrainingPath: a conseiller of Lyon who holds REMN-B1 (certified)
// misses B2 and B3; the path proposes only upcoming, open sessions within
// their radius (or remote when they accept it), never past ones, nor those
// too far, full, or of a withdrawn offer, and covers both blocs with one
// session when one session covers both.
func TestTrainingPath(t *testing.T) {
	e := newTrainingEnv(t)
	ctx := context.Background()
	owner := e.user(t, "organisme-parcours")
	org := e.body(t, owner, "Organisme des parcours")
	me := maillage.Viewer{UserID: owner.ID}
	create := func(blocs []string, sessions ...*training.Session) *training.OfferView {
		t.Helper()
		o := offerFor(blocs...)
		o.Sessions = sessions
		v, err := e.svc.CreateOffer(ctx, me, org.Body.StructureID, o)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	at := func(code, postcode, city string, start time.Time) *training.Session {
		s := lyonSession(start)
		s.Place = training.Place{CodeInsee: code, Postcode: postcode, City: city}
		return s
	}
	remote := lyonSession(days(15))
	remote.Place = training.Place{Remote: true}
	full := at("69282", "69330", "Meyzieu", days(12))
	full.Registration = training.RegistrationFull

	near := create([]string{"REMN-B2"}, at("69282", "69330", "Meyzieu", days(20)), at("69282", "69330", "Meyzieu", days(-5)), full)
	far := create([]string{"REMN-B3"}, at("13055", "13001", "Marseille", days(25)))
	dist := create([]string{"REMN-B3"}, remote)
	both := create([]string{"REMN-B2", "REMN-B3"}, at("69123", "69007", "Lyon", days(60)))
	withdrawn := create([]string{"REMN-B2", "REMN-B3"}, at("69123", "69007", "Lyon", days(30)), at("69123", "69007", "Lyon", days(-60)))
	if _, err := e.svc.DeleteOffer(ctx, me, withdrawn.ID); err != nil {
		t.Fatal(err)
	}

	person := e.user(t, "conseillere")
	kind, name, commune := maillage.KindConseiller, "Nadia Parcours", "69123"
	titles := []maillage.ProfileTitle{{CertificationCode: "REMN", BlocCode: "REMN-B1"}}
	if _, err := e.prof.SaveProfile(ctx, person.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Commune: &commune, Titles: &titles}); err != nil {
		t.Fatal(err)
	}
	// The package's database holds the other tests' offers too: only this
	// body's sessions are compared.
	ids := func(opts []training.Option) []int64 {
		var out []int64
		for _, o := range opts {
			if o.Offer.StructureID == org.Body.StructureID {
				out = append(out, o.Session.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	mine := func(offers ...*training.OfferView) []int64 {
		var out []int64
		for _, o := range offers {
			for _, s := range o.Sessions {
				if s.Start.After(time.Now()) && s.Registration == training.RegistrationOpen {
					out = append(out, s.ID)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	for _, tt := range []struct {
		name          string
		set           training.PathSettings
		b2, b3, cover []int64
	}{
		{"40 km, remote", training.PathSettings{Target: "REMN", RadiusKm: 40, Remote: true}, mine(near, both), mine(dist, both), mine(both)},
		{"40 km, no remote", training.PathSettings{Target: "REMN", RadiusKm: 40}, mine(near, both), mine(both), mine(both)},
		{"5 km: Meyzieu (14 km) is out of reach", training.PathSettings{RadiusKm: 5}, mine(both), mine(both), mine(both)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := e.svc.PathFor(ctx, person.ID, tt.set, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			p := v.Path
			if p.Certification != "REMN" || !slices.Equal(p.Missing, []string{"REMN-B2", "REMN-B3"}) || len(p.Held) != 1 || p.Held[0].Evidence != maillage.EvidenceCertified {
				t.Fatalf("path to %s held %v missing %v", p.Certification, p.Held, p.Missing)
			}
			if got := ids(p.Sessions[0].Sessions); !slices.Equal(got, tt.b2) {
				t.Errorf("B2 sessions %v, want %v", got, tt.b2)
			}
			if got := ids(p.Sessions[1].Sessions); !slices.Equal(got, tt.b3) {
				t.Errorf("B3 sessions %v, want %v", got, tt.b3)
			}
			if got := ids(p.Cover); !slices.Equal(got, tt.cover) {
				t.Errorf("cover %v, want %v (one session covers both blocs)", got, tt.cover)
			}
			for _, bs := range p.Sessions {
				for _, o := range bs.Sessions {
					if o.Session.Past(time.Now()) || o.DistanceKm > float64(v.Settings.RadiusKm) || (o.Session.Place.Remote && !v.Settings.Remote) {
						t.Errorf("proposed: session %d (past %v, %.1f km, remote %v)", o.Session.ID, o.Session.Past(time.Now()), o.DistanceKm, o.Session.Place.Remote)
					}
					if o.Offer.ID == far.ID || o.Offer.ID == withdrawn.ID {
						t.Errorf("proposed a session of offer %d (too far or withdrawn)", o.Offer.ID)
					}
				}
			}
		})
	}

	// Share links: shown to anyone holding one, until revoked by their owner.
	token, err := e.svc.SharePath(ctx, person.ID, training.PathSettings{RadiusKm: 40, Remote: true})
	if err != nil {
		t.Fatal(err)
	}
	shared, err := e.svc.SharedPath(ctx, token, time.Now())
	if err != nil || shared.Owner != "Nadia Parcours" || shared.Path.Certification != "REMN" {
		t.Fatalf("shared path: %v %+v", err, shared)
	}
	shares, _ := e.svc.PathShares(ctx, person.ID)
	if len(shares) != 1 {
		t.Fatalf("%d shares", len(shares))
	}
	if err := e.svc.RevokePathShare(ctx, owner.ID, shares[0].ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("someone else revoked the link: %v", err)
	}
	if err := e.svc.RevokePathShare(ctx, person.ID, shares[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SharedPath(ctx, token, time.Now()); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("revoked link still shows the path: %v", err)
	}
	var stored int
	if err := e.db.NewRaw("SELECT count(*) FROM training_path_shares WHERE token_hash = ?", token).Scan(ctx, &stored); err != nil || stored != 0 {
		t.Errorf("the token is stored as such (%d rows, %v)", stored, err)
	}

	// The person's data download lists the links; deleting the account
	// deletes them.
	again, err := e.svc.SharePath(ctx, person.ID, training.PathSettings{RadiusKm: 20})
	if err != nil {
		t.Fatal(err)
	}
	users := postgres.NewUserService(e.db)
	users.Forget = []postgres.ForgetFunc{e.svc.ForgetAccount}
	users.Export = []postgres.ExportFunc{e.svc.ExportAccount}
	exp, err := users.ExportUser(ctx, person.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := exp.Extra["training"].(map[string]any)["path_shares"].([]*training.PathShare); len(got) != 2 {
		t.Errorf("export: %+v", exp.Extra["training"])
	}
	if err := users.DeleteUser(ctx, person.ID, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SharedPath(ctx, again, time.Now()); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("a deleted account's link still answers: %v", err)
	}
	if err := e.db.NewRaw("SELECT count(*) FROM training_path_shares WHERE user_id = ?", person.ID).Scan(ctx, &stored); err != nil || stored != 0 {
		t.Errorf("%d links left after the account was deleted (%v)", stored, err)
	}
}

// ---------------------------------------------------------------- LHEO

func xsd(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for { // content/lheo at the module's root
		p := filepath.Join(dir, "content", "lheo", "lheo-2.3.xsd")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("content/lheo/lheo-2.3.xsd not found above the package folder")
		}
		dir = filepath.Dir(dir)
	}
}

func validLHEO(t *testing.T, data []byte) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "export.xml")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is missing: apt-get install -y libxml2-utils")
	}
	if out, err := exec.Command(bin, "--noout", "--schema", xsd(t), f).CombinedOutput(); err != nil {
		t.Fatalf("xmllint refuses the export: %v\n%s", err, out)
	}
}

// TestLHEOStorageRoundTrip: an offer exported from the database and
// imported back (after it was changed) is what it was, field by field;
// the export is valid against the official schema.
func TestLHEOStorageRoundTrip(t *testing.T) {
	e := newTrainingEnv(t)
	ctx := context.Background()
	owner := e.user(t, "lheo")
	org := e.body(t, owner, "Organisme « LHEO » & Cie")
	me := maillage.Viewer{UserID: owner.ID}
	o := offerFor("REMN-B1", "REMN-B3")
	o.Modality = training.ModalityHybride
	o.Funding = []training.Funding{training.FundingCPF, training.FundingRegion, training.FundingAutre}
	o.Description = strings.Repeat("Déroulé détaillé « long » & <précis>. ", 120) // longer than contenu-formation
	remote := lyonSession(days(10).Add(90 * time.Minute))
	remote.Place = training.Place{Remote: true}
	remote.Registration = training.RegistrationFull
	remote.SeatsLeft, remote.RegistrationURL = 0, "https://formation.exemple.fr/inscription?s=1&t=<2>"
	closed := lyonSession(days(100))
	closed.Registration = training.RegistrationClosed
	o.Sessions = []*training.Session{lyonSession(days(-30)), remote, closed}
	v, err := e.svc.CreateOffer(ctx, me, org.Body.StructureID, o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := e.svc.ExportLHEO(ctx, &buf, org.Body.StructureID, func(key string, args ...any) string { return "texte" })
	if err != nil || n != 1 {
		t.Fatalf("export: %d, %v", n, err)
	}
	validLHEO(t, buf.Bytes())
	want, _ := e.svc.FindOffer(ctx, v.ID)

	// Change everything, then import the export back.
	changed := offerFor("REMN-B2")
	changed.Modality = training.ModalityDistanciel
	if _, err := e.svc.UpdateOffer(ctx, me, v.ID, changed); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeleteSession(ctx, me, want.Sessions[2].ID); err != nil {
		t.Fatal(err)
	}
	extra, _ := e.svc.CreateSession(ctx, me, v.ID, lyonSession(days(200)))
	res, err := e.svc.ImportLHEO(ctx, training.ImportRequest{File: bytes.NewReader(buf.Bytes()), Actor: me, StructureID: org.Body.StructureID})
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.Imported != 1 || res.Report.Rejected != 0 || res.OffersUpdated != 1 || res.SessionsCreated != 1 || res.SessionsUpdated != 2 || res.SessionsRemoved != 1 {
		t.Fatalf("import: %+v report %+v", res, res.Report)
	}
	got, _ := e.svc.FindOffer(ctx, v.ID)
	if _, _, err := e.svc.FindSession(ctx, extra.ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("an upcoming session absent from the file was kept: %v", err)
	}
	// The deleted session came back under a new id; the rest is the same.
	ignore := cmpopts.IgnoreFields(training.Offer{}, "UpdatedAt")
	sessionIDs := cmpopts.IgnoreFields(training.Session{}, "ID")
	if diff := cmp.Diff(want, got, ignore, sessionIDs, cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
		t.Errorf("round trip (-exported +imported):\n%s", diff)
	}
	// The same file again changes nothing and duplicates nothing.
	res, err = e.svc.ImportLHEO(ctx, training.ImportRequest{File: bytes.NewReader(buf.Bytes()), Actor: me, StructureID: org.Body.StructureID})
	if err != nil || res.OffersCreated != 0 || res.SessionsCreated != 0 || res.SessionsRemoved != 0 {
		t.Fatalf("second import: %v %+v", err, res)
	}
	if _, total, _ := e.svc.FindOffers(ctx, training.OfferFilter{StructureID: org.Body.StructureID}); total != 1 {
		t.Errorf("%d offers after two imports", total)
	}
}

// TestLHEOImportReports: a file that is not LHEO (wrong namespace) writes
// nothing and says why; in a file of several formations, the invalid one is
// reported element by element and the others are imported; a body's own
// import leaves out another body's formations; an administrator's import
// creates the bodies it does not know, in one transaction.
func TestLHEOImportReports(t *testing.T) {
	e := newTrainingEnv(t)
	ctx := context.Background()
	owner := e.user(t, "import")
	org := e.body(t, owner, "Organisme des imports")
	me := maillage.Viewer{UserID: owner.ID}
	first := offerFor("REMN-B1")
	first.Sessions = []*training.Session{lyonSession(days(20))}
	if _, err := e.svc.CreateOffer(ctx, me, org.Body.StructureID, first); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := e.db.NewRaw("SELECT count(*) FROM training_offers").Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var file bytes.Buffer
	if _, err := e.svc.ExportLHEO(ctx, &file, org.Body.StructureID, nil); err != nil {
		t.Fatal(err)
	}
	good := file.String()

	t.Run("wrong namespace", func(t *testing.T) {
		before := count()
		bad := strings.Replace(good, training.NamespaceLHEO23, "http://lheo.gouv.fr/9.9", 1)
		res, err := e.svc.ImportLHEO(ctx, training.ImportRequest{File: strings.NewReader(bad), Actor: me, StructureID: org.Body.StructureID})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Report.Fatal || len(res.Report.Issues) == 0 || res.Report.Issues[0].Key != training.KeyLHEOBadNamespace || count() != before {
			t.Fatalf("report %+v, offers %d → %d", res.Report, before, count())
		}
	})

	t.Run("one bad formation among good ones", func(t *testing.T) {
		// The second formation's session ends before it starts.
		start := strings.Index(good, "<formation")
		end := strings.LastIndex(good, "</formation>") + len("</formation>")
		formation := good[start:end]
		second := strings.Replace(formation, "<intitule-formation>", "<intitule-formation>Deuxième ", 1)
		second = regexpReplaceFirst(second, `<fin>\d{8}</fin>`, "<fin>20000101</fin>")
		second = regexpReplaceAll(second, `<extra info="(fin|id|offre-id)">[^<]*</extra>`, "")
		doc := good[:end] + "\n" + second + good[end:]
		before := count()
		res, err := e.svc.ImportLHEO(ctx, training.ImportRequest{File: strings.NewReader(doc), Actor: me, StructureID: org.Body.StructureID})
		if err != nil {
			t.Fatal(err)
		}
		rep := res.Report
		if rep.Formations != 2 || rep.Imported != 1 || rep.Rejected != 1 || count() != before {
			t.Fatalf("report %+v (offers %d → %d)", rep, before, count())
		}
		found := false
		for _, is := range rep.Issues {
			found = found || (is.Formation == 2 && is.Key == training.KeyEndBeforeStart && strings.Contains(is.Element, "formation[2]/action[") && is.Line > 0)
		}
		if !found {
			t.Errorf("no per-element issue for the second formation: %+v", rep.Issues)
		}
	})

	t.Run("another body's formation", func(t *testing.T) {
		other := e.user(t, "import-autre")
		otherOrg := e.body(t, other, "Organisme voisin")
		res, err := e.svc.ImportLHEO(ctx, training.ImportRequest{File: strings.NewReader(good), Actor: maillage.Viewer{UserID: other.ID}, StructureID: otherOrg.Body.StructureID})
		if err != nil {
			t.Fatal(err)
		}
		if res.Report.Imported != 0 || res.Report.Rejected != 1 || res.Report.Issues[0].Key != training.KeyOtherBody {
			t.Fatalf("report %+v", res.Report)
		}
	})

	t.Run("administrator creates unknown bodies", func(t *testing.T) {
		siret := uniqueSIRET()
		doc := strings.Replace(good, org.Body.SIRET, siret, 1)
		doc = regexpReplaceAll(doc, `<extra info="(id|structure-id|offre-id)">[^<]*</extra>`, "")
		res, err := e.svc.ImportLHEO(ctx, training.ImportRequest{File: strings.NewReader(doc), Actor: maillage.Viewer{Admin: true}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Report.Imported != 1 || res.BodiesCreated != 1 || res.OffersCreated != 1 {
			t.Fatalf("result %+v report %+v", res, res.Report)
		}
		var roles []string
		if err := e.db.NewRaw("SELECT unnest(roles) FROM structures WHERE pivot = ?", siret).Scan(ctx, &roles); err != nil || !slices.Contains(roles, "organisme_formation") {
			t.Fatalf("created body: roles %v, %v", roles, err)
		}
		if _, err := e.svc.ImportLHEO(ctx, training.ImportRequest{File: strings.NewReader(doc), Actor: me}); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
			t.Errorf("a body's person imported for everyone: %v", err)
		}
	})
}

// ---------------------------------------------------------------- RNCP

func rncpArchive(t *testing.T, members map[string]string) *zip.Reader {
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

const bom = "\ufeff"

func rncpCSV(old, nw string, oldActive string, blocs ...string) map[string]string {
	std := bom + `"Id_Fiche";"Numero_Fiche";"Intitule";"Abrege_Libelle";"Abrege_Intitule";"Nomenclature_Europe_Niveau";"Nomenclature_Europe_Intitule";"Accessible_Nouvelle_Caledonie";"Accessible_Polynesie_Francaise";"Date_dernier_jo";"Date_Decision";"Date_Fin_Enregistrement";"Date_Effet";"Type_Enregistrement";"Validation_Partielle";"Actif";"Colonne_Inconnue"` + "\r\n" +
		`"1";"` + old + `";"Technicien d'assistance numérique";"TP";"Titre professionnel";"NIV4";"Niveau 4";"Non";"Non";"";"";"31/12/2025";"01/01/2021";"";"Oui";"` + oldActive + `";"x"` + "\r\n" +
		`"2";"` + nw + `";"Technicien de médiation numérique";"TP";"Titre professionnel";"NIV5";"Niveau 5";"Non";"Non";"";"";"";"01/01/2026";"";"Oui";"ACTIVE";"y"` + "\r\n" +
		`"3";"RNCP12";"Ligne trop courte"` + "\r\n" +
		`"4";"PASUNNUMERO";"Numéro invalide";"";"";"NIV4";"";"";"";"";"";"";"";"";"";"ACTIVE";""` + "\r\n"
	b := bom + "Numero_Fiche;Bloc_Competences_Code;Bloc_Competences_Libelle\n"
	for _, x := range blocs {
		b += x + "\n"
	}
	return map[string]string{
		"export_fiches_CSV_Standard_2026_11_20.csv":             std,
		"export_fiches_CSV_Blocs_De_Compétences_2026_11_20.csv": b,
		"export_fiches_CSV_Certificateurs_2026_11_20.csv":       bom + "Numero_Fiche;Siret_Certificateur;Nom_Certificateur\n" + nw + ";11000007200014;MINISTERE DU TRAVAIL\n",
		"export_fiches_CSV_Ancienne_Nouvelle_Certification_2026_11_20.csv": bom + "Numero_Fiche;Ancienne_Certification;Nouvelle_Certification\n" +
			nw + ";" + old + ";\n",
		"export_fiches_CSV_Rome_2026_11_20.csv": bom + "Numero_Fiche;Codes_Rome_Code\n" + nw + ";K1206\n",
	}
}

type certState struct {
	Code       string
	Title      string
	Retired    bool
	Replaces   string
	Blocs      []string // code:retired
	FicheState string
}

func certStates(t *testing.T, db *postgres.DB, codes ...string) []certState {
	t.Helper()
	ctx := context.Background()
	var out []certState
	for _, code := range codes {
		var r struct {
			Code     string
			Title    string
			Retired  bool
			Replaces *string
		}
		if err := db.NewRaw("SELECT code, title, retired_at IS NOT NULL AS retired, replaces FROM certifications WHERE code = ?", code).Scan(ctx, &r); err != nil {
			t.Fatalf("certification %s: %v", code, err)
		}
		st := certState{Code: r.Code, Title: r.Title, Retired: r.Retired}
		if r.Replaces != nil {
			st.Replaces = *r.Replaces
		}
		if err := db.NewRaw("SELECT code || ':' || (retired_at IS NOT NULL)::text FROM blocs WHERE certification_code = ? ORDER BY code", code).Scan(ctx, &st.Blocs); err != nil {
			t.Fatal(err)
		}
		var fiche []string
		if err := db.NewRaw("SELECT (managed::text || ',' || active::text) FROM rncp_fiches WHERE certification_code = ?", code).Scan(ctx, &fiche); err != nil {
			t.Fatal(err)
		}
		if len(fiche) > 0 {
			st.FicheState = fiche[0]
		}
		out = append(out, st)
	}
	return out
}

// TestRNCPImportCSV: the CSV archive of the registers against the real
// database: fiches and blocs written (idempotent: a second import changes
// nothing), bad rows reported with their line, an inactive fiche kept and
// marked, the successor link set; a content sync does not retire what the
// import manages; a later archive retires a bloc no longer listed.
func TestRNCPImportCSV(t *testing.T) {
	e := newTrainingEnv(t)
	ctx := context.Background()
	n := 930000 + int(trainingSeq.Add(1))%9000
	old, nw := fmt.Sprintf("RNCP%d", n), fmt.Sprintf("RNCP%d", n+1)
	members := rncpCSV(old, nw, "INACTIVE",
		old+";"+old+"BC01;Assister les utilisateurs",
		nw+";"+nw+"BC02;Animer des ateliers numériques",
		nw+";"+nw+"BC01;\"Accompagner les publics; vers l'autonomie\"",
		nw+";"+nw+"BC03;Gérer un espace")
	importCSV := func(m map[string]string) (*postgres.RNCPResult, *training.RNCPReport) {
		t.Helper()
		fiches, rep, err := training.ReadRNCPCSV(rncpArchive(t, m))
		if err != nil || rep.Fatal {
			t.Fatalf("read: %v %+v", err, rep)
		}
		res, err := e.svc.ImportRNCP(ctx, func(yield func(*training.Fiche) error) error {
			for _, f := range fiches {
				if err := yield(f); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return res, rep
	}
	res, rep := importCSV(members)
	if res.Created != 2 || res.Inactive != 1 || res.Linked != 1 {
		t.Errorf("first import: %+v", res)
	}
	lines := map[int]string{}
	for _, is := range rep.Issues {
		if !is.Warning {
			lines[is.Line] = is.Key
		}
	}
	if lines[4] != training.KeyRNCPBadRow || lines[5] != training.KeyRNCPBadNumber {
		t.Errorf("bad rows not reported by line: %+v", rep.Issues)
	}
	want := []certState{
		{Code: old, Title: "Technicien d'assistance numérique", Retired: true, Blocs: []string{old + "BC01:true"}, FicheState: "true,false"},
		{Code: nw, Title: "Technicien de médiation numérique", Replaces: old, Blocs: []string{nw + "BC01:false", nw + "BC02:false", nw + "BC03:false"}, FicheState: "true,true"},
	}
	if diff := cmp.Diff(want, certStates(t, e.db, old, nw)); diff != "" {
		t.Errorf("after the first import (-want +got):\n%s", diff)
	}

	// The same archive again: nothing changes.
	res, _ = importCSV(members)
	if res.Created != 0 || res.Updated != 0 || res.Unchanged != 2 || res.Linked != 0 {
		t.Errorf("second import: %+v", res)
	}
	if diff := cmp.Diff(want, certStates(t, e.db, old, nw)); diff != "" {
		t.Errorf("after the second import (-want +got):\n%s", diff)
	}

	// The content sync retires what content/ does not hold: not these.
	if _, err := e.db.NewRaw("UPDATE certifications SET retired_at = now() WHERE code = ?", nw).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.NewRaw("UPDATE blocs SET retired_at = now() WHERE certification_code = ?", nw).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, certStates(t, e.db, old, nw)); diff != "" {
		t.Errorf("an outside update retired imported rows (-want +got):\n%s", diff)
	}

	// A new archive: BC03 is gone, the old fiche active again.
	res, _ = importCSV(rncpCSV(old, nw, "ACTIVE",
		old+";"+old+"BC01;Assister les utilisateurs",
		nw+";"+nw+"BC01;Accompagner les publics",
		nw+";"+nw+"BC02;Animer des ateliers numériques"))
	if res.Updated != 2 {
		t.Errorf("third import: %+v", res)
	}
	want[0].Retired, want[0].Blocs, want[0].FicheState = false, []string{old + "BC01:false"}, "true,true"
	want[1].Blocs = []string{nw + "BC01:false", nw + "BC02:false", nw + "BC03:true"}
	if diff := cmp.Diff(want, certStates(t, e.db, old, nw)); diff != "" {
		t.Errorf("after the new archive (-want +got):\n%s", diff)
	}
	// An offer may prepare the imported blocs, by their official codes.
	ix, err := e.svc.Certifications(ctx)
	if err != nil || ix.Bloc(nw+"BC02") == nil {
		t.Fatalf("imported bloc not in the referential: %v", err)
	}
}

// TestRNCPImportXML: the XML export, streamed: a fiche of a certification
// content/referentiel manages (REMN has number RNCP34137) is only marked;
// others are written; a second run is idempotent.
func TestRNCPImportXML(t *testing.T) {
	e := newTrainingEnv(t)
	ctx := context.Background()
	nw := fmt.Sprintf("RNCP%d", 950000+int(trainingSeq.Add(1))%9000)
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<FICHES>
 <FICHE>
  <ID_FICHE>4637</ID_FICHE><NUMERO_FICHE>RNCP34137</NUMERO_FICHE>
  <INTITULE>Responsable d'espace de médiation numérique</INTITULE>
  <ACTIF>Non</ACTIF>
  <NOMENCLATURE_EUROPE><NIVEAU>NIV5</NIVEAU></NOMENCLATURE_EUROPE>
  <NOUVELLES_CERTIFICATIONS><NOUVELLE_CERTIFICATION>` + nw + `</NOUVELLE_CERTIFICATION></NOUVELLES_CERTIFICATIONS>
 </FICHE>
 <FICHE>
  <ID_FICHE>9001</ID_FICHE><NUMERO_FICHE>` + nw + `</NUMERO_FICHE>
  <INTITULE>Médiation numérique avancée</INTITULE>
  <ACTIF>Oui</ACTIF>
  <NOMENCLATURE_EUROPE><NIVEAU>NIV6</NIVEAU></NOMENCLATURE_EUROPE>
  <CERTIFICATEURS><CERTIFICATEUR><SIRET_CERTIFICATEUR>11000007200014</SIRET_CERTIFICATEUR><NOM_CERTIFICATEUR>MINISTERE DU TRAVAIL</NOM_CERTIFICATEUR></CERTIFICATEUR></CERTIFICATEURS>
  <BLOCS_COMPETENCES>
   <BLOC_COMPETENCES><CODE>` + nw + `BC01</CODE><LIBELLE>Concevoir des parcours</LIBELLE><LISTE_COMPETENCES>&lt;p&gt;Diagnostiquer&lt;/p&gt;</LISTE_COMPETENCES></BLOC_COMPETENCES>
  </BLOCS_COMPETENCES>
  <ANCIENNES_CERTIFICATIONS><ANCIENNE_CERTIFICATION>RNCP34137</ANCIENNE_CERTIFICATION></ANCIENNES_CERTIFICATIONS>
 </FICHE>
 <FICHE><NUMERO_FICHE>PASUNNUMERO</NUMERO_FICHE><INTITULE>x</INTITULE></FICHE>
</FICHES>`
	run := func() (*postgres.RNCPResult, *training.RNCPReport) {
		t.Helper()
		var rep *training.RNCPReport
		res, err := e.svc.ImportRNCP(ctx, func(yield func(*training.Fiche) error) error {
			var err error
			rep, err = training.ReadRNCPXML(strings.NewReader(doc), yield)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return res, rep
	}
	before := certStates(t, e.db, "REMN")
	res, rep := run()
	if res.Fiches != 2 || res.Content != 1 || res.Created != 2 || res.Linked != 1 || rep.Rejected != 1 {
		t.Errorf("first import: %+v, report %+v", res, rep)
	}
	after := certStates(t, e.db, "REMN", nw)
	before[0].FicheState = "false,false" // marked inactive, otherwise untouched
	if diff := cmp.Diff(before[0], after[0]); diff != "" {
		t.Errorf("content/ certification changed by the import (-want +got):\n%s", diff)
	}
	if after[1].Replaces != "REMN" || after[1].Retired || !slices.Equal(after[1].Blocs, []string{nw + "BC01:false"}) {
		t.Errorf("imported certification: %+v", after[1])
	}
	fiche, err := e.svc.FindRNCPFiche(ctx, "REMN")
	if err != nil || fiche == nil || fiche.Active || !slices.Equal(fiche.Successors, []string{nw}) {
		t.Errorf("fiche of REMN: %+v %v", fiche, err)
	}
	res, _ = run()
	if res.Unchanged != 2 || res.Created+res.Updated+res.Linked != 0 {
		t.Errorf("second import: %+v", res)
	}
}

// TestTrainingPathIndex: the path the service answers from its index of
// upcoming sessions equals the path computed from every session of the
// offers as stored, on random people; a session added is proposed at once.
func TestTrainingPathIndex(t *testing.T) {
	e := newTrainingEnv(t)
	ctx := context.Background()
	code := fmt.Sprintf("TPATH%d", trainingSeq.Add(1))
	if _, err := e.db.NewRaw("INSERT INTO certifications (code, kind, title) VALUES (?, 'RNCP', 'Titre des chemins')", code).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var blocs []string
	for i := 1; i <= 4; i++ {
		b := fmt.Sprintf("%s-B%d", code, i)
		blocs = append(blocs, b)
		if _, err := e.db.NewRaw("INSERT INTO blocs (code, certification_code, rank, label, status) VALUES (?, ?, ?, ?, 'confirme')", b, code, i, "Bloc "+b).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	owner := e.user(t, "chemins")
	org := e.body(t, owner, "Organisme des chemins")
	me := maillage.Viewer{UserID: owner.ID}
	places := []training.Place{{CodeInsee: "69123", Postcode: "69001", City: "Lyon"}, {CodeInsee: "69282", Postcode: "69330", City: "Meyzieu"},
		{CodeInsee: "38185", Postcode: "38000", City: "Grenoble"}, {CodeInsee: "42218", Postcode: "42000", City: "Saint-Étienne"}, {Remote: true}}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 12 {
		o := &training.Offer{Title: fmt.Sprintf("Chemin %d", i), Objectives: "o", Certifications: []string{code}, Modality: training.ModalityHybride}
		for _, j := range r.Perm(4)[:1+r.IntN(3)] {
			o.Blocs = append(o.Blocs, blocs[j])
		}
		for range 3 + r.IntN(6) {
			start := days(2 + r.IntN(200)).Add(time.Duration(r.IntN(24)) * time.Hour)
			s := &training.Session{Start: start, End: start.Add(time.Duration(1+r.IntN(400)) * time.Hour), Registration: training.RegistrationOpen, Place: places[r.IntN(len(places))]}
			if r.IntN(8) == 0 {
				s.Registration = training.RegistrationClosed
			}
			o.Sessions = append(o.Sessions, s)
		}
		if _, err := e.svc.CreateOffer(ctx, me, org.Body.StructureID, o); err != nil {
			t.Fatal(err)
		}
	}
	all, _, err := e.svc.FindOffers(ctx, training.OfferFilter{StructureID: org.Body.StructureID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var offers []*training.Offer
	for _, v := range all {
		offers = append(offers, v.Offer)
	}
	ix, _ := e.svc.Certifications(ctx)
	coords := map[string][2]float64{}
	for _, p := range places[:4] {
		var c struct{ Latitude, Longitude float64 }
		if err := e.db.NewRaw("SELECT latitude, longitude FROM communes WHERE code_insee = ?", p.CodeInsee).Scan(ctx, &c); err != nil {
			t.Fatal(err)
		}
		coords[p.CodeInsee] = [2]float64{c.Latitude, c.Longitude}
	}
	inMemory := training.NewSessionIndex(ix, offers, func(c string) (float64, float64, bool) { p, ok := coords[c]; return p[0], p[1], ok })
	now := time.Now()
	for i := range 40 {
		person := training.Person{Lat: 45.70 + r.Float64()*0.2, Lon: 4.8 + r.Float64()*0.3, RadiusKm: float64([]int{5, 20, 40, 100}[r.IntN(4)]), Remote: r.IntN(3) > 0}
		for _, b := range blocs {
			if r.IntN(3) == 0 {
				person.Blocs = append(person.Blocs, training.HeldBloc{Code: b, Evidence: maillage.EvidenceCertified})
			}
		}
		if len(person.Blocs) == len(blocs) {
			continue
		}
		got, err := e.svc.PathForPerson(ctx, person, code, now)
		if err != nil {
			t.Fatal(err)
		}
		want, err := inMemory.Path(training.PathQuery{Person: person, Target: code, Now: now, PerBloc: postgres.PathPerBloc})
		if err != nil {
			t.Fatal(err)
		}
		opts := cmp.Options{cmp.Comparer(func(a, b *training.Session) bool { return a.ID == b.ID }), cmp.Comparer(func(a, b *training.Offer) bool { return a.ID == b.ID })}
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Fatalf("person %d (%+v): the service's path differs from the whole one (-whole +service):\n%s", i, person, diff)
		}
	}
	// A new session in Lyon, sooner than any: proposed at once.
	person := training.Person{Lat: 45.758, Lon: 4.8351, RadiusKm: 5}
	first := lyonSession(days(1))
	created, err := e.svc.CreateSession(ctx, me, all[0].ID, first)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.PathForPerson(ctx, person, code, now)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, bs := range p.Sessions {
		found = found || (len(bs.Sessions) > 0 && bs.Sessions[0].Session.ID == created.ID)
	}
	if !found {
		t.Errorf("the new session is not proposed first: %+v", p.Sessions)
	}
}
