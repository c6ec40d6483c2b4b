package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"maillage/internal/charter"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

// charterFixture is the charter storage on the package database, with the
// charter's catalogue for its mails.
type charterFixture struct {
	db      *postgres.DB
	users   *postgres.UserService
	cs      *postgres.CharterService
	consent string
}

func newCharterFixture(t *testing.T) charterFixture {
	t.Helper()
	db := testenv.Get(t).DB(t)
	cat := i18n.NewWithFormats()
	if err := cat.Load("charter", os.DirFS("../web/charter")); err != nil {
		t.Fatal(err)
	}
	cs := postgres.NewCharterService(db)
	cs.BaseURL, cs.Texts = "https://maillage.exemple.fr", cat
	return charterFixture{db: db, users: postgres.NewUserService(db), cs: cs, consent: cat.T(i18n.FR, "charter.sign.consent")}
}

// origin is a signed-in person's request.
func (f charterFixture) origin(u *maillage.User, at time.Time) charter.Origin {
	return charter.Origin{At: at, UserID: u.ID, Email: u.Email, IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (Android 15) Firefox/140.0",
		AuthMethod: "email", SessionHash: maillage.HashToken("session-" + u.Email)}
}

// input is a correct signing form for version v.
func (f charterFixture) input(v charter.Version, name string) charter.SignInput {
	return charter.SignInput{Version: v.Number, TextSHA256: v.SHA256, ConsentSHA256: charter.ConsentSHA256(f.consent), Consent: true, TypedName: name}
}

func (f charterFixture) current(t *testing.T) charter.Version {
	t.Helper()
	v, err := f.cs.Current(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (f charterFixture) sign(t *testing.T, u *maillage.User, name string) charter.Event {
	t.Helper()
	e, err := f.cs.Sign(context.Background(), f.input(f.current(t), name), f.consent, "fr", f.origin(u, time.Now()))
	if err != nil {
		t.Fatalf("sign as %s: %v", u.Email, err)
	}
	return e
}

// publishNext stores a new version of the charter, in force from the day
// after the last one (never after today), as the loader would; the signers
// of older versions are asked to sign it.
func publishNext(t testing.TB, cs *postgres.CharterService) charter.Version {
	t.Helper()
	ctx := context.Background()
	vs, err := cs.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last := vs[len(vs)-1]
	p := last.PublishedAt.In(maillage.Paris)
	day := time.Date(p.Year(), p.Month(), p.Day()+1, 0, 0, 0, 0, maillage.Paris)
	if day.After(time.Now()) {
		t.Fatalf("no day left after %s to publish version %d", p.Format(time.DateOnly), last.Number+1)
	}
	n := last.Number + 1
	md := last.Markdown + fmt.Sprintf("\n## Point ajouté par la version %d\n\nVous relisez la charte à chaque nouvelle version.\n", n)
	v := charter.Version{Number: n, PublishedAt: day.UTC(), Summary: fmt.Sprintf("Version %d : un point ajouté.", n),
		Source: "Tests de Maillage.", Licence: "Licence Ouverte 2.0 (Etalab)", File: fmt.Sprintf("v%d.md", n), Markdown: md}
	if v.HTML, err = charter.Render(md); err != nil {
		t.Fatal(err)
	}
	v.SHA256, v.SourceSHA256 = charter.TextSHA256(string(v.HTML)), charter.TextSHA256(md)
	if _, err := cs.SyncVersions(ctx, append(vs, v), time.Now()); err != nil {
		t.Fatalf("publish version %d: %v", n, err)
	}
	return v
}

func errKey(err error) string {
	k, _ := maillage.ErrorKey(err)
	return k
}

func chainHolds(t *testing.T, cs *postgres.CharterService) int64 {
	t.Helper()
	br, n, err := cs.VerifyChain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if br != nil {
		t.Fatalf("chain broken: %v", br)
	}
	return n
}

// TestCharterVersionsLoaded: the versions of content/charte are stored by
// the content sync, each with the SHA-256 of the exact text shown.
func TestCharterVersionsLoaded(t *testing.T) {
	f := newCharterFixture(t)
	files, err := charter.ParseVersions(os.DirFS("../../content/charte"))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := f.cs.Versions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) < len(files) {
		t.Fatalf("%d versions stored, %d in content", len(stored), len(files))
	}
	for i, v := range files {
		if diff := cmp.Diff(v, stored[i]); diff != "" {
			t.Errorf("version %d stored (-file +db):\n%s", v.Number, diff)
		}
		if charter.TextSHA256(string(stored[i].HTML)) != stored[i].SHA256 {
			t.Errorf("version %d: sha256 is not the hash of its text", v.Number)
		}
	}
	// A published text never changes: the loader refuses an edited file.
	edited := append([]charter.Version(nil), files...)
	edited[0].Markdown += "\nUne phrase ajoutée en douce.\n"
	edited[0].SourceSHA256 = charter.TextSHA256(edited[0].Markdown)
	_, err = f.cs.SyncVersions(context.Background(), edited, time.Now())
	if ps := maillage.ErrorProblems(err); len(ps) != 1 || ps[0].Key != charter.KeyVersionChanged || ps[0].Field != "v1.md:texte" {
		t.Errorf("edited version 1: %v, want %s on v1.md:texte", err, charter.KeyVersionChanged)
	}
	if _, err := f.db.NewRaw("UPDATE charter_versions SET html = html || ' ' WHERE number = 1").Exec(context.Background()); err == nil {
		t.Error("PostgreSQL let the text of version 1 change")
	}
}

// TestCharterSignature: a signature records everything the issue lists,
// chains after the head, and the refusals leave what was stored intact.
func TestCharterSignature(t *testing.T) {
	f := newCharterFixture(t)
	ctx := context.Background()
	u := newUser(t, f.users, "aidante")
	owner := newUser(t, f.users, "referente")
	st, _, err := postgres.NewStructureService(f.db).CreateStructure(ctx, owner.ID, newPlace(fmt.Sprintf("W%09d", time.Now().UnixNano()%1e9)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.NewRaw("INSERT INTO memberships (structure_id, user_id, role, started_on) VALUES (?, ?, 'salarie', current_date)", st.ID, u.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	cur := f.current(t)
	at := time.Now().UTC()
	o := f.origin(u, at)
	o.Email = "menteur@exemple.fr" // the account's verified address is recorded, not the caller's word
	o.AuthLevel = "eidas1"
	in := f.input(cur, "  Camille   Durand-Lefèvre ")
	in.StructureID = &st.ID
	before, _ := f.cs.Head(ctx)

	other := newUser(t, f.users, "ailleurs")
	bad := in
	bad.StructureID = &st.ID
	if _, err := f.cs.Sign(ctx, bad, f.consent, "fr", f.origin(other, at)); !hasProblem(err, "structure_id", "charter.sign.structure_unknown") {
		t.Errorf("structure of someone else: %v", err)
	}

	e, err := f.cs.Sign(ctx, in, f.consent, "fr", o)
	if err != nil {
		t.Fatal(err)
	}
	want := charter.Event{Seq: before.Count + 1, Kind: charter.KindSignature, At: at.Truncate(time.Microsecond), SignatureCode: e.SignatureCode,
		UserID: u.ID, ActorID: u.ID, Email: u.Email, TypedName: "Camille Durand-Lefèvre", StructureID: &st.ID, Version: cur.Number,
		TextSHA256: cur.SHA256, ConsentSHA256: charter.ConsentSHA256(f.consent), IP: "203.0.113.7", UserAgent: o.UserAgent,
		AuthMethod: "email", AuthLevel: "eidas1", SessionID: o.SessionHash, PrevHash: before.Hash, Hash: e.Hash}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("signature (-want +got):\n%s", diff)
	}
	stored, later, err := f.cs.Signature(ctx, strings.ToLower(strings.ReplaceAll(e.SignatureCode, "-", "")))
	if err != nil || len(later) != 0 {
		t.Fatalf("find by code: %v, %v", err, later)
	}
	if diff := cmp.Diff(e, stored); diff != "" {
		t.Errorf("stored signature (-returned +stored):\n%s", diff)
	}
	if stored.ComputeHash() != stored.Hash {
		t.Error("the stored row does not hash to its hash")
	}
	head, _ := f.cs.Head(ctx)
	if head.Count != e.Seq || head.Hash != e.Hash {
		t.Errorf("head %+v after signature %d", head, e.Seq)
	}
	var consent string
	if err := f.db.NewRaw("SELECT text FROM charter_consents WHERE sha256 = ?", e.ConsentSHA256).Scan(ctx, &consent); err != nil || consent != f.consent {
		t.Errorf("consent sentence kept: %q, %v", consent, err)
	}

	// Refusals: each leaves the chain as it was.
	replay := func(name string, in charter.SignInput, key string) {
		t.Helper()
		_, err := f.cs.Sign(ctx, in, f.consent, "fr", f.origin(u, time.Now()))
		if errKey(err) != key {
			t.Errorf("%s: %v, want %s", name, err, key)
		}
	}
	replay("replayed form", in, "charter.sign.already_signed")
	if prev, ok := previousOf(t, f, cur); ok {
		old := f.input(prev, "Camille Durand-Lefèvre")
		replay("outdated version", old, "charter.sign.outdated")
	}
	changed := in
	changed.TextSHA256 = charter.TextSHA256(string(cur.HTML) + " ")
	replay("changed text", changed, "charter.sign.text_changed")
	if after, _ := f.cs.Head(ctx); after != head {
		t.Errorf("a refused signature moved the head: %+v → %+v", head, after)
	}

	// The attestation carries the signature, its text and its sentence.
	sig, html, sentence, err := f.cs.Attestation(ctx, u.ID)
	if err != nil || sig.Hash != e.Hash || charter.TextSHA256(html) != e.TextSHA256 || charter.ConsentSHA256(sentence) != e.ConsentSHA256 {
		t.Errorf("attestation: %v %v", sig.SignatureCode, err)
	}

	// Verification reveals the name, the version, the date and the status.
	v, err := f.cs.Verify(ctx, e.SignatureCode, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(charter.Verification{Code: e.SignatureCode, TypedName: "Camille Durand-Lefèvre", Version: cur.Number, SignedAt: e.At, Status: charter.StatusValid}, v); diff != "" {
		t.Errorf("verification (-want +got):\n%s", diff)
	}
	for _, code := range []string{"not a code", "0000-0000-0001"} {
		if _, err := f.cs.Verify(ctx, code, time.Now()); maillage.ErrorCode(err) != maillage.ENOTFOUND {
			t.Errorf("verify %q: %v", code, err)
		}
	}

	// Withdrawal by the signer, then revocation by an administrator.
	w, err := f.cs.Withdraw(ctx, f.origin(u, time.Now()), "Je change de poste.")
	if err != nil || w.Kind != charter.KindWithdrawal || w.SignatureCode != e.SignatureCode || w.Reason != "Je change de poste." || w.Seq <= e.Seq {
		t.Fatalf("withdraw: %+v %v", w, err)
	}
	if _, err := f.cs.Withdraw(ctx, f.origin(u, time.Now()), ""); errKey(err) != "charter.withdraw.already_withdrawn" {
		t.Errorf("second withdrawal: %v", err)
	}
	if v, _ := f.cs.Verify(ctx, e.SignatureCode, time.Now()); v.Status != charter.StatusWithdrawn {
		t.Errorf("after withdrawal: %s", v.Status)
	}
	if _, _, _, err := f.cs.Attestation(ctx, u.ID); errKey(err) != "charter.attestation.ended" {
		t.Errorf("attestation of a withdrawn signature: %v", err)
	}
	again := f.sign(t, u, "Camille Durand-Lefèvre") // signing again after a withdrawal
	admin := newUser(t, f.users, "admin")
	if _, err := f.cs.Revoke(ctx, again.SignatureCode, f.origin(admin, time.Now()), " "); !hasProblem(err, "reason", "charter.revoke.reason_required") {
		t.Errorf("revocation without a reason: %v", err)
	}
	r, err := f.cs.Revoke(ctx, again.SignatureCode, f.origin(admin, time.Now()), "Compte usurpé, signalé par la structure.")
	if err != nil || r.Kind != charter.KindRevocation || r.ActorID != admin.ID || r.UserID != u.ID || r.Reason == "" {
		t.Fatalf("revoke: %+v %v", r, err)
	}
	if v, _ := f.cs.Verify(ctx, again.SignatureCode, time.Now()); v.Status != charter.StatusRevoked {
		t.Errorf("after revocation: %s", v.Status)
	}
	if got := auditOf(t, f.db, u.ID); len(got) == 0 || got[len(got)-1] != (auditLine{ActorID: admin.ID, Action: "charter.revoked", TargetID: u.ID}) {
		t.Errorf("audit of the revocation: %v", got)
	}
	if _, err := f.cs.Revoke(ctx, "ZZZZ-ZZZZ-ZZZZ", f.origin(admin, time.Now()), "x"); !hasProblem(err, "code", "charter.verify.code_invalid") {
		t.Errorf("revoke a forged code: %v", err)
	}
	chainHolds(t, f.cs)
}

func hasProblem(err error, field, key string) bool {
	for _, p := range maillage.ErrorProblems(err) {
		if p.Field == field && p.Key == key {
			return true
		}
	}
	return false
}

func previousOf(t *testing.T, f charterFixture, cur charter.Version) (charter.Version, bool) {
	t.Helper()
	if cur.Number < 2 {
		return charter.Version{}, false
	}
	v, err := f.cs.Version(context.Background(), cur.Number-1)
	if err != nil {
		t.Fatal(err)
	}
	return v, true
}

// TestCharterConcurrentSignatures: signatures at the same moment are
// serialised; the chain never forks.
func TestCharterConcurrentSignatures(t *testing.T) {
	f := newCharterFixture(t)
	before, _ := f.cs.Head(context.Background())
	const n = 12
	users := make([]*maillage.User, n)
	for i := range users {
		users[i] = newUser(t, f.users, fmt.Sprintf("concurrente%d", i))
	}
	cur := f.current(t)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.cs.Sign(context.Background(), f.input(cur, fmt.Sprintf("Personne %d", i)), f.consent, "fr", f.origin(u, time.Now()))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("signature %d: %v", i, err)
		}
	}
	after, _ := f.cs.Head(context.Background())
	if after.Count != before.Count+n {
		t.Errorf("head went from %d to %d, want +%d", before.Count, after.Count, n)
	}
	chainHolds(t, f.cs)
}

// TestCharterAppendOnly: PostgreSQL refuses to change or remove an event
// or a head, and an event that does not follow the head.
func TestCharterAppendOnly(t *testing.T) {
	f := newCharterFixture(t)
	ctx := context.Background()
	f.sign(t, newUser(t, f.users, "immuable"), "Alix Martin")
	for _, q := range []string{
		"UPDATE charter_events SET typed_name = 'Autre' WHERE seq = 1",
		"DELETE FROM charter_events WHERE seq = (SELECT max(seq) FROM charter_events)",
		"TRUNCATE charter_events CASCADE",
		"UPDATE charter_heads SET hash = 'x'",
		"DELETE FROM charter_heads",
		`INSERT INTO charter_events (seq, kind, at, signature_code, user_id, actor_id, email, typed_name, version, text_sha256,
			consent_sha256, ip, user_agent, auth_method, auth_level, session_id, reason, prev_hash, hash)
			SELECT seq, kind, at, signature_code || 'x', user_id, actor_id, email, typed_name, version, text_sha256, consent_sha256,
			ip, user_agent, auth_method, auth_level, session_id, reason, prev_hash, repeat('0', 64)
			FROM charter_events ORDER BY seq DESC LIMIT 1`, // a fork: a second row after the same predecessor
	} {
		if _, err := f.db.NewRaw(q).Exec(ctx); err == nil {
			t.Errorf("PostgreSQL accepted %s", strings.Fields(q)[0]+" "+strings.Fields(q)[1])
		}
	}
	chainHolds(t, f.cs)
}

// tamper changes the chain behind the triggers' back, in a transaction
// that is rolled back, and returns what verification finds in it.
func tamper(t *testing.T, db *postgres.DB, edit func(ctx context.Context, tx bun.Tx) error) *charter.Break {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	for _, q := range []string{"ALTER TABLE charter_events DISABLE TRIGGER USER", "ALTER TABLE charter_heads DISABLE TRIGGER USER"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := edit(ctx, tx); err != nil {
		t.Fatal(err)
	}
	br, _, err := postgres.VerifyCharterChain(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	return br
}

// TestCharterChainDetectsTampering: an edited row, a deleted row, a
// reordered row, a forged head and a history rewritten with every hash
// recomputed are each found, at the first row at fault.
func TestCharterChainDetectsTampering(t *testing.T) {
	f := newCharterFixture(t)
	ctx := context.Background()
	a, b, c := newUser(t, f.users, "chaine-a"), newUser(t, f.users, "chaine-b"), newUser(t, f.users, "chaine-c")
	s1 := f.sign(t, a, "Aline Arnaud")
	s2 := f.sign(t, b, "Bruno Bernard")
	w, err := f.cs.Withdraw(ctx, f.origin(b, time.Now()), "")
	if err != nil {
		t.Fatal(err)
	}
	f.sign(t, c, "Chloé Colin")
	last := chainHolds(t, f.cs)
	exec := func(q string, args ...any) func(ctx context.Context, tx bun.Tx) error {
		return func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewRaw(q, args...).Exec(ctx)
			return err
		}
	}
	tests := []struct {
		name string
		edit func(ctx context.Context, tx bun.Tx) error
		seq  int64
		key  string
	}{
		{"edited row", exec("UPDATE charter_events SET typed_name = 'Bruno Bertrand' WHERE seq = ?", s2.Seq), s2.Seq, charter.BreakEdited},
		{"edited reason", exec("UPDATE charter_events SET reason = 'forcé' WHERE seq = ?", w.Seq), w.Seq, charter.BreakEdited},
		{"deleted row", exec("DELETE FROM charter_events WHERE seq = ?", s2.Seq), s2.Seq + 1, charter.BreakMissing},
		{"deleted last row", exec("DELETE FROM charter_events WHERE seq = ?", last), last, charter.BreakHeadBeyond},
		{"reordered rows", func(ctx context.Context, tx bun.Tx) error {
			return swapIDs(ctx, tx, s1.Seq, s2.Seq)
		}, s2.Seq, charter.BreakOrder},
		{"forged head", exec("UPDATE charter_heads SET hash = repeat('f', 64) WHERE count = ?", s2.Seq), s2.Seq, charter.BreakHeadDiffer},
		{"history rewritten, every hash recomputed", func(ctx context.Context, tx bun.Tx) error {
			return rewrite(ctx, tx, s2.Seq, "Bruno Bertrand")
		}, s2.Seq, charter.BreakHeadDiffer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := tamper(t, f.db, tt.edit)
			if br == nil {
				t.Fatal("verification found nothing")
			}
			if br.Seq != tt.seq || br.Key != tt.key {
				t.Errorf("break at %d (%s), want %d (%s)", br.Seq, br.Key, tt.seq, tt.key)
			}
		})
	}
	chainHolds(t, f.cs) // every tampering was rolled back
}

// swapIDs exchanges the places (id, the order of writing) of two rows.
func swapIDs(ctx context.Context, tx bun.Tx, a, b int64) error {
	var ia, ib int64
	if err := tx.NewRaw("SELECT id FROM charter_events WHERE seq = ?", a).Scan(ctx, &ia); err != nil {
		return err
	}
	if err := tx.NewRaw("SELECT id FROM charter_events WHERE seq = ?", b).Scan(ctx, &ib); err != nil {
		return err
	}
	for _, q := range [][2]any{{-ia, a}, {ia, b}, {ib, a}} {
		if _, err := tx.NewRaw("UPDATE charter_events SET id = ? WHERE seq = ?", q[0], q[1]).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// rewrite edits the name of row seq and recomputes the hash of that row
// and of every row after it, as a forger would: the chain holds by itself,
// only the heads recorded along the way tell.
func rewrite(ctx context.Context, tx bun.Tx, seq int64, name string) error {
	events, _, err := postgres.ReadCharterChain(ctx, tx)
	if err != nil {
		return err
	}
	prev := ""
	for _, e := range events {
		if e.Seq == seq {
			e.TypedName = name
		}
		if e.Seq >= seq {
			e = charter.Chain(prev, e)
			if _, err := tx.NewRaw("UPDATE charter_events SET typed_name = ?, prev_hash = ?, hash = ? WHERE seq = ?", e.TypedName, e.PrevHash, e.Hash, e.Seq).Exec(ctx); err != nil {
				return err
			}
		}
		prev = e.Hash
	}
	events, _, err = postgres.ReadCharterChain(ctx, tx)
	if err != nil {
		return err
	}
	if br := charter.Verify(events); br != nil {
		return fmt.Errorf("the rewritten chain should hold by itself: %v", br)
	}
	return nil
}

// TestCharterNewVersion: publishing a version asks the signers of older
// versions, once, by a mail written in the same transaction; they stand
// « à re-signer » until they sign it.
func TestCharterNewVersion(t *testing.T) {
	f := newCharterFixture(t)
	ctx := context.Background()
	old, gone, fresh := newUser(t, f.users, "ancienne"), newUser(t, f.users, "partie"), newUser(t, f.users, "nouvelle")
	f.sign(t, old, "Odile Ancelin")
	f.sign(t, gone, "Gaston Partant")
	if _, err := f.cs.Withdraw(ctx, f.origin(gone, time.Now()), ""); err != nil {
		t.Fatal(err)
	}
	prev := f.current(t)
	next := publishNext(t, f.cs)
	if cur := f.current(t); cur.Number != next.Number || cur.SHA256 != next.SHA256 {
		t.Fatalf("current = %d after publishing %d", cur.Number, next.Number)
	}
	mails := func(to string) []*maillage.Mail {
		ms, _, err := postgres.NewMailStore(f.db).FindMails(ctx, maillage.MailFilter{To: to, Kind: "charter_new_version"})
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	got := mails(old.Email)
	if len(got) != 1 || !strings.Contains(got[0].Subject, fmt.Sprint(next.Number)) || !strings.Contains(got[0].Text, "https://maillage.exemple.fr/charte/signer") ||
		!strings.Contains(got[0].Text, fmt.Sprintf("version %d", prev.Number)) {
		t.Fatalf("mails to a signer of version %d: %+v", prev.Number, got)
	}
	if len(mails(gone.Email)) != 0 || len(mails(fresh.Email)) != 0 {
		t.Error("a mail went to someone who withdrew or never signed")
	}
	if n, err := f.cs.Announce(ctx, time.Now()); err != nil || n != 0 || len(mails(old.Email)) != 1 {
		t.Errorf("announcing again: %d mails, %v", n, err)
	}
	st, err := f.cs.Standing(ctx, old.ID, time.Now())
	if err != nil || st.Status != charter.StatusSuperseded || !st.MustSign() {
		t.Fatalf("standing after the new version: %+v %v", st.Standing, err)
	}
	// The old form is refused; the new version is signed.
	if _, err := f.cs.Sign(ctx, f.input(prev, "Odile Ancelin"), f.consent, "fr", f.origin(old, time.Now())); errKey(err) != "charter.sign.outdated" {
		t.Errorf("signing version %d after %d: %v", prev.Number, next.Number, err)
	}
	e := f.sign(t, old, "Odile Ancelin")
	if e.Version != next.Number {
		t.Errorf("signed version %d", e.Version)
	}
	if st, _ := f.cs.Standing(ctx, old.ID, time.Now()); st.Status != charter.StatusValid || st.MustSign() {
		t.Errorf("after signing again: %s", st.Status)
	}
	chainHolds(t, f.cs)
}

// TestCharterStructure: a referent sees which members signed which
// version; anyone else is refused; invitations go out the same whether or
// not the address has an account.
func TestCharterStructure(t *testing.T) {
	f := newCharterFixture(t)
	ctx := context.Background()
	ref, signer, unsigned, outsider := newUser(t, f.users, "ref"), newUser(t, f.users, "signe"), newUser(t, f.users, "pas-signe"), newUser(t, f.users, "dehors")
	st, _, err := postgres.NewStructureService(f.db).CreateStructure(ctx, ref.ID, newPlace(fmt.Sprintf("W%09d", (time.Now().UnixNano()+7)%1e9)))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*maillage.User{signer, unsigned} {
		if _, err := f.db.NewRaw("INSERT INTO memberships (structure_id, user_id, role, started_on) VALUES (?, ?, 'mediateur', current_date)", st.ID, u.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	in := f.input(f.current(t), "Sam Signataire")
	in.StructureID = &st.ID
	if _, err := f.cs.Sign(ctx, in, f.consent, "fr", f.origin(signer, time.Now())); err != nil {
		t.Fatal(err)
	}
	view, err := f.cs.StructureSigners(ctx, maillage.Viewer{UserID: ref.ID}, st.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	status := map[int64]string{}
	for _, s := range view.Signers {
		status[s.UserID] = string(s.Standing.Status)
		if s.UserID == signer.ID && !s.ForStructure {
			t.Error("the signature names the structure")
		}
	}
	if diff := cmp.Diff(map[int64]string{ref.ID: "", signer.ID: "valid", unsigned.ID: ""}, status); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if _, err := f.cs.StructureSigners(ctx, maillage.Viewer{UserID: outsider.ID}, st.ID, time.Now()); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Errorf("an outsider: %v", err)
	}
	if _, err := f.cs.StructureSigners(ctx, maillage.Viewer{UserID: outsider.ID, Admin: true}, st.ID, time.Now()); err != nil {
		t.Errorf("an administrator: %v", err)
	}

	known, unknown := unsigned.Email, "inconnue-"+uniq()+"@exemple.fr"
	for _, to := range []string{known, unknown} {
		if err := f.cs.Invite(ctx, maillage.Viewer{UserID: ref.ID}, st.ID, charter.InviteInput{Email: strings.ToUpper(to), Message: "Merci de la signer avant l'atelier de lundi."}, "fr"); err != nil {
			t.Fatalf("invite %s: %v", to, err)
		}
		ms, _, err := postgres.NewMailStore(f.db).FindMails(ctx, maillage.MailFilter{To: to, Kind: "charter_invitation"})
		if err != nil || len(ms) != 1 {
			t.Fatalf("mails to %s: %v %v", to, ms, err)
		}
		for _, s := range []string{st.Lieu.Nom, "atelier de lundi", "https://maillage.exemple.fr/charte/signer", "Pourquoi"} {
			if !strings.Contains(ms[0].Text, s) {
				t.Errorf("invitation to %s lacks %q:\n%s", to, s, ms[0].Text)
			}
		}
	}
	if err := f.cs.Invite(ctx, maillage.Viewer{UserID: ref.ID}, st.ID, charter.InviteInput{Email: known}, "fr"); !hasProblem(err, "email", "charter.invite.already") {
		t.Errorf("a second invitation the same day: %v", err)
	}
	if err := f.cs.Invite(ctx, maillage.Viewer{UserID: ref.ID}, st.ID, charter.InviteInput{Email: "pas une adresse"}, "fr"); !hasProblem(err, "email", "charter.invite.email_invalid") {
		t.Errorf("a bad address: %v", err)
	}
	if err := f.cs.Invite(ctx, maillage.Viewer{UserID: outsider.ID}, st.ID, charter.InviteInput{Email: "x@exemple.fr"}, "fr"); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Errorf("an outsider invites: %v", err)
	}
	if view, _ = f.cs.StructureSigners(ctx, maillage.Viewer{UserID: ref.ID}, st.ID, time.Now()); len(view.Invitations) != 2 {
		t.Errorf("invitations listed: %v", view.Invitations)
	}
}
