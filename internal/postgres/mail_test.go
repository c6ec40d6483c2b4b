package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

// linkMail is a sign-in mail to an address.
func linkMail(to string) *maillage.Mail {
	return &maillage.Mail{To: to, Kind: maillage.MailEmailLink, Lang: "fr", Subject: "Votre lien de connexion à Maillage",
		Text: "Bonjour,\n\nhttps://maillage.example.fr/connexion/email/verifier?jeton=x\n"}
}

func ids(ms []*maillage.Mail) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func TestEnqueueMail(t *testing.T) {
	db := testenv.Get(t).FreshDB(t) // counts the mails of an address
	store := postgres.NewMailStore(db)
	ctx := context.Background()

	m := linkMail("  Camille.Martin@Exemple.FR ")
	if err := postgres.EnqueueMail(ctx, db.DB, m); err != nil {
		t.Fatal(err)
	}
	if m.ID == 0 || m.CreatedAt.IsZero() || m.NextAttemptAt.IsZero() {
		t.Fatalf("enqueued mail %+v, want its id and times set", m)
	}
	got, n, err := store.FindMails(ctx, maillage.MailFilter{To: "camille.martin@exemple.fr"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(got) != 1 || got[0].To != "camille.martin@exemple.fr" || got[0].State() != maillage.MailPending {
		t.Fatalf("found %d %+v, want the one pending mail, address normalised", n, got)
	}

	tests := []struct {
		name string
		edit func(m *maillage.Mail)
	}{
		{"display name", func(m *maillage.Mail) { m.To = "Camille <camille@exemple.fr>" }},
		{"two addresses", func(m *maillage.Mail) { m.To = "camille@exemple.fr, x@exemple.fr" }},
		{"header injection", func(m *maillage.Mail) { m.Subject = "Objet\r\nBcc: x@exemple.fr" }},
		{"empty subject", func(m *maillage.Mail) { m.Subject = " " }},
		{"empty body", func(m *maillage.Mail) { m.Text = "" }},
		{"no kind", func(m *maillage.Mail) { m.Kind = "" }},
		{"no language", func(m *maillage.Mail) { m.Lang = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := linkMail("refus." + uniq() + "@exemple.fr")
			to := m.To
			tt.edit(m)
			err := postgres.EnqueueMail(ctx, db.DB, m)
			if err == nil || maillage.ErrorCode(err) != maillage.EINTERNAL {
				t.Fatalf("enqueue: %v, want an internal error", err)
			}
			if _, n, _ := store.FindMails(ctx, maillage.MailFilter{To: to}); n != 0 {
				t.Fatalf("%d mails written", n)
			}
		})
	}
}

func TestEnqueueMailRollsBack(t *testing.T) {
	db := testenv.Get(t).DB(t)
	store := postgres.NewMailStore(db)
	ctx := context.Background()
	to := "annule." + uniq() + "@exemple.fr"
	rollback := errors.New("the change fails")
	err := db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := postgres.EnqueueMail(ctx, tx, linkMail(to)); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatalf("transaction: %v", err)
	}
	if _, n, _ := store.FindMails(ctx, maillage.MailFilter{To: to}); n != 0 {
		t.Fatalf("%d mails kept after a rollback, want 0", n)
	}
}

func TestClaimMails(t *testing.T) {
	db := testenv.Get(t).FreshDB(t) // claims need the outbox to themselves
	store := postgres.NewMailStore(db)
	ctx := context.Background()
	var ms []*maillage.Mail
	for i := range 3 {
		m := linkMail(fmt.Sprintf("claim%d.%s@exemple.fr", i, uniq()))
		if err := postgres.EnqueueMail(ctx, db.DB, m); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	a, b, c := ms[0].ID, ms[1].ID, ms[2].ID
	now := time.Now().Add(time.Second).Truncate(time.Microsecond) // PostgreSQL keeps microseconds
	const lease = time.Minute
	claim := func(at time.Time, limit int, want ...int64) []*maillage.Mail {
		t.Helper()
		got, err := store.ClaimMails(ctx, at, limit, lease)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, ids(got), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("claimed at +%s (-want +got):\n%s", at.Sub(now), diff)
		}
		return got
	}
	next := func(want time.Time) {
		t.Helper()
		got, ok, err := store.NextMailAt(ctx)
		if err != nil || !ok || !got.Equal(want) {
			t.Fatalf("next mail at %v (%v, %v), want %v", got, ok, err, want)
		}
	}

	claim(now, 2, a, b)
	claim(now, 10, c)
	claim(now, 10) // all leased
	next(now.Add(lease))
	claim(now.Add(lease+time.Second), 10, a, b, c) // leases ended: taken over

	failedAt := now.Add(lease + 2*time.Second)
	if err := store.MarkFailed(ctx, a, "451 try later", failedAt.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := store.MarkSent(ctx, b, failedAt); err != nil {
		t.Fatal(err)
	}
	if err := store.AbandonMail(ctx, c, "550 no such user", failedAt); err != nil {
		t.Fatal(err)
	}
	next(failedAt.Add(time.Hour))
	claim(failedAt.Add(lease), 10) // a waits for its retry; b is sent; c abandoned
	got := claim(failedAt.Add(time.Hour), 10, a)
	if got[0].Attempts != 1 || got[0].LastError != "451 try later" {
		t.Fatalf("retried mail: attempts %d, last error %q", got[0].Attempts, got[0].LastError)
	}
	if err := store.ReleaseMails(ctx, []int64{a}); err != nil {
		t.Fatal(err)
	}
	claim(failedAt.Add(time.Hour), 10, a) // released: claimable at once

	// A late failure report (a worker whose lease ended) does not undo a send.
	if err := store.MarkFailed(ctx, b, "late", failedAt.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	all, n, err := store.FindMails(ctx, maillage.MailFilter{Kind: maillage.MailEmailLink})
	if err != nil {
		t.Fatal(err)
	}
	states := map[int64]string{}
	for _, m := range all {
		states[m.ID] = fmt.Sprintf("%s %d %q", m.State(), m.Attempts, m.LastError)
	}
	want := map[int64]string{a: `pending 1 "451 try later"`, b: `sent 1 ""`, c: `abandoned 1 "550 no such user"`}
	if diff := cmp.Diff(want, states); diff != "" || n != 3 {
		t.Fatalf("%d mails; states (-want +got):\n%s", n, diff)
	}
	if all[0].ID != c {
		t.Fatalf("FindMails order %v, want newest first", ids(all))
	}
}

// Workers of several portal instances claim at the same time: each mail
// goes to exactly one.
func TestClaimMailsConcurrently(t *testing.T) {
	ctx := context.Background()
	dbURL := testenv.Get(t).FreshURL(t) // claims need the outbox to themselves
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db := open()
	const total = 300
	var want []int64
	for i := range total {
		m := linkMail(fmt.Sprintf("concurrent%d@exemple.fr", i))
		if err := postgres.EnqueueMail(ctx, db.DB, m); err != nil {
			t.Fatal(err)
		}
		want = append(want, m.ID)
	}
	now := time.Now().Add(time.Second)
	var mu sync.Mutex
	var got []int64
	var wg sync.WaitGroup
	for range 6 {
		store := postgres.NewMailStore(open()) // an instance: its own pool
		wg.Go(func() {
			for {
				ms, err := store.ClaimMails(ctx, now, 7, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				got = append(got, ids(ms)...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("claimed ids (-want +got):\n%s", diff)
	}
}

func TestListenMails(t *testing.T) {
	db := testenv.Get(t).DB(t)
	store := postgres.NewMailStore(db)
	ctx, cancel := context.WithCancel(context.Background())
	wakes := make(chan time.Time, 10)
	done := make(chan error, 1)
	go func() { done <- store.ListenMails(ctx, func() { wakes <- time.Now() }) }()
	wait := func(what string) time.Time {
		t.Helper()
		select {
		case at := <-wakes:
			return at
		case err := <-done:
			t.Fatalf("%s: listening stopped: %v", what, err)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no wake-up", what)
		}
		return time.Time{}
	}
	wait("listening")

	sent := time.Now()
	if err := postgres.EnqueueMail(context.Background(), db.DB, linkMail("reveil."+uniq()+"@exemple.fr")); err != nil {
		t.Fatal(err)
	}
	t.Logf("wake-up %s after the commit of a mail", wait("commit").Sub(sent))

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenMails after cancel: %v, want nil", err)
	}
}
