package mail_test

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"maillage/internal/mail"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

const from = "Maillage <ne-pas-repondre@maillage.example.fr>"

// fastBackoff keeps outage tests short: 10 ms after a first failure, at
// most 200 ms between attempts.
var fastBackoff = mail.Backoff{Base: 10 * time.Millisecond, Max: 200 * time.Millisecond}

// outbox returns the package database with an empty outbox: workers claim
// every due mail, so each test has the table to itself (tests run one at a
// time).
func outbox(t *testing.T) *postgres.DB {
	t.Helper()
	db := testenv.Get(t).DB(t)
	if _, err := db.NewRaw("DELETE FROM mails").Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func enqueue(t *testing.T, db bun.IDB, n int, prefix string) []*maillage.Mail {
	t.Helper()
	out := make([]*maillage.Mail, n)
	for i := range out {
		m := &maillage.Mail{To: fmt.Sprintf("%s%d@exemple.fr", prefix, i), Kind: "test.mail", Lang: "fr",
			Subject: fmt.Sprintf("Courriel n°\u00a0%d", i), Text: fmt.Sprintf("Bonjour,\n\nceci est le courriel %d.\n", i)}
		if err := postgres.EnqueueMail(context.Background(), db, m); err != nil {
			t.Fatal(err)
		}
		out[i] = m
	}
	return out
}

func sender(t *testing.T, sink *testenv.SMTPSink) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTPSender(sink.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	s.TLS = sink.ClientTLS()
	s.LocalName = "portail.test"
	return s
}

// start runs w until the end of the test (or stop).
func start(t *testing.T, w *mail.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds; it fails the test after a minute
// (a liveness guard, not a measure).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stats reads the outbox.
type stats struct {
	Pending, Sent, Abandoned, Attempts, MaxAttempts int
}

func readStats(t *testing.T, db *postgres.DB) stats {
	t.Helper()
	var s stats
	err := db.NewRaw(`SELECT count(*) FILTER (WHERE sent_at IS NULL AND abandoned_at IS NULL),
		count(sent_at), count(abandoned_at), coalesce(sum(attempts), 0), coalesce(max(attempts), 0) FROM mails`).
		Scan(context.Background(), &s.Pending, &s.Sent, &s.Abandoned, &s.Attempts, &s.MaxAttempts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// messageIDs counts the Message-IDs the sinks received.
func messageIDs(sinks ...*testenv.SMTPSink) map[string]int {
	out := map[string]int{}
	for _, s := range sinks {
		for _, m := range s.Messages() {
			out[m.Header.Get("Message-ID")]++
		}
	}
	return out
}

func wantOnce(t *testing.T, mails []*maillage.Mail, got map[string]int) {
	t.Helper()
	want := map[string]int{}
	for _, m := range mails {
		want[mail.MessageID(m, "maillage.example.fr")] = 1
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Message-IDs received (-want each once +got):\n%s", diff)
	}
}

func TestWorkerDelivers(t *testing.T) {
	db := outbox(t)
	sink := testenv.StartSMTP(t, testenv.SMTPOptions{TLS: true, User: "portail", Password: "s3cret"})
	start(t, &mail.Worker{Store: postgres.NewMailStore(db), Sender: sender(t, sink), Log: testenv.Logger(t)})

	m := &maillage.Mail{To: "élodie.durand@exemple.fr", Kind: maillage.MailEmailLink, Lang: "fr",
		Subject: "Votre lien de connexion à Maillage — « accès »",
		Text:    "Bonjour Élodie,\n\nOuvrez ce lien dans les 15\u00a0minutes\u00a0:\n\nhttps://maillage.example.fr/connexion/email/verifier?jeton=a_b-C\n.\n.. deux points\n— Maillage\n"}
	enqueued := time.Now()
	if err := postgres.EnqueueMail(context.Background(), db.DB, m); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the mail at the sink", func() bool { return sink.Len() == 1 })
	t.Logf("delivered %s after the commit (LISTEN/NOTIFY wake-up, STARTTLS, AUTH PLAIN)", time.Since(enqueued).Round(time.Millisecond))

	got := sink.Messages()[0]
	date, _ := got.Header.Date()
	subject, _ := new(mime.WordDecoder).DecodeHeader(got.Header.Get("Subject"))
	gotFields := []string{got.From, strings.Join(got.To, ","), fmt.Sprint(got.TLS), got.User,
		got.Header.Get("From"), got.Header.Get("To"), subject, got.Header.Get("Message-ID"),
		date.UTC().Format(time.RFC3339), got.Header.Get("Content-Type"), got.Header.Get("Content-Language"), got.Body}
	wantFields := []string{"ne-pas-repondre@maillage.example.fr", m.To, "true", "portail",
		`"Maillage" <ne-pas-repondre@maillage.example.fr>`, "<" + m.To + ">", m.Subject, mail.MessageID(m, "maillage.example.fr"),
		m.CreatedAt.UTC().Format(time.RFC3339), "text/plain; charset=utf-8", "fr", m.Text}
	if diff := cmp.Diff(wantFields, gotFields); diff != "" {
		t.Errorf("envelope, TLS, user, headers, body (-want +got):\n%s", diff)
	}
	waitFor(t, "the mail marked sent", func() bool { return readStats(t, db).Sent == 1 })
	if s := readStats(t, db); s != (stats{Sent: 1, Attempts: 1, MaxAttempts: 1}) {
		t.Fatalf("outbox %+v, want one mail sent at the first attempt", s)
	}
}

// The SMTP server goes away mid-stream and comes back: every mail is
// delivered, once.
func TestWorkerOutage(t *testing.T) {
	db := outbox(t)
	sink := testenv.StartSMTP(t, testenv.SMTPOptions{})
	const total, before = 200, 50
	mails := enqueue(t, db.DB, total, "panne")

	began := time.Now()
	start(t, &mail.Worker{Store: postgres.NewMailStore(db), Sender: sender(t, sink), Log: testenv.Logger(t),
		Backoff: fastBackoff, MaxAttempts: 1000})
	waitFor(t, fmt.Sprintf("%d mails delivered", before), func() bool { return sink.Len() >= before })
	sink.Stop()
	down := time.Now()
	atStop := sink.Len()

	// Let the worker fail and back off until every pending mail failed five
	// times (with fastBackoff: 10, 20, 40, 80 ms waits, then 160).
	const failures = 5
	var pending, failed, most, short int
	waitFor(t, "failed attempts", func() bool {
		err := db.NewRaw(`SELECT count(*), coalesce(sum(attempts), 0), coalesce(max(attempts), 0), count(*) FILTER (WHERE attempts < ?)
			FROM mails WHERE sent_at IS NULL`, failures).Scan(context.Background(), &pending, &failed, &most, &short)
		return err == nil && short == 0
	})
	if err := sink.Start(); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	waitFor(t, "every mail sent", func() bool { return readStats(t, db).Sent == total })
	recovered := time.Now()

	wantOnce(t, mails, messageIDs(sink))
	after := readStats(t, db)
	if after.Pending != 0 || after.Abandoned != 0 || sink.Len() != total {
		t.Fatalf("after the outage: outbox %+v, %d messages at the sink, want %d sent once", after, sink.Len(), total)
	}
	t.Logf("%d mails: %d delivered in %s before the sink stopped; during the %s outage the %d pending mails failed %d attempts "+
		"(at most %d each); after the restart all were delivered in %s; %d attempts in all (at most %d for a mail), each mail received once",
		total, atStop, down.Sub(began).Round(time.Millisecond), up.Sub(down).Round(time.Millisecond), pending, failed, most,
		recovered.Sub(up).Round(time.Millisecond), after.Attempts, after.MaxAttempts)
}

// A mail whose transaction rolls back is never sent.
func TestWorkerRolledBackMail(t *testing.T) {
	db := outbox(t)
	sink := testenv.StartSMTP(t, testenv.SMTPOptions{})
	start(t, &mail.Worker{Store: postgres.NewMailStore(db), Sender: sender(t, sink), Log: testenv.Logger(t)})

	failed := errors.New("the change fails")
	err := db.RunInTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		enqueue(t, tx, 3, "annule")
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatal(err)
	}
	kept := enqueue(t, db.DB, 1, "garde")
	waitFor(t, "the committed mail", func() bool { return readStats(t, db).Sent == 1 })
	wantOnce(t, kept, messageIDs(sink))
	if s := readStats(t, db); s.Pending+s.Sent+s.Abandoned != 1 {
		t.Fatalf("outbox %+v, want only the committed mail", s)
	}
}

// Two portal instances (two workers, two pools, one table): no mail is
// sent twice. Each worker has its own sink, so the split is visible.
func TestTwoWorkers(t *testing.T) {
	db := outbox(t)
	env := testenv.Get(t)
	const total = 200
	mails := enqueue(t, db.DB, total, "deux")
	var sinks []*testenv.SMTPSink
	for range 2 {
		sink := testenv.StartSMTP(t, testenv.SMTPOptions{})
		sinks = append(sinks, sink)
		start(t, &mail.Worker{Store: postgres.NewMailStore(env.DB(t)), Sender: sender(t, sink), Log: testenv.Logger(t), Batch: 5})
	}
	waitFor(t, "every mail sent", func() bool { return readStats(t, db).Sent == total })
	wantOnce(t, mails, messageIDs(sinks...))
	t.Logf("%d mails: %d by the first worker, %d by the second", total, sinks[0].Len(), sinks[1].Len())
	if s := readStats(t, db); s.Attempts != total {
		t.Fatalf("outbox %+v, want %d attempts", s, total)
	}
}

// A recipient refused for good (5xx) is abandoned at once and kept; the
// others go through.
func TestWorkerPermanentRefusal(t *testing.T) {
	db := outbox(t)
	sink := testenv.StartSMTP(t, testenv.SMTPOptions{Refuse: func(to string) error {
		if strings.HasPrefix(to, "inconnu") {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		}
		return nil
	}})
	start(t, &mail.Worker{Store: postgres.NewMailStore(db), Sender: sender(t, sink), Log: testenv.Logger(t), Backoff: fastBackoff})
	refused := enqueue(t, db.DB, 1, "inconnu")[0]
	ok := enqueue(t, db.DB, 2, "connu")
	waitFor(t, "all mails settled", func() bool { s := readStats(t, db); return s.Pending == 0 })
	wantOnce(t, ok, messageIDs(sink))
	ms, _, err := postgres.NewMailStore(db).FindMails(context.Background(), maillage.MailFilter{To: refused.To})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].State() != maillage.MailAbandoned || ms[0].Attempts != 1 || !strings.Contains(ms[0].LastError, "550") {
		t.Fatalf("refused mail %+v, want abandoned after one attempt with the 550 reply", ms[0])
	}
}

// Without SMTP (development), mails are recorded as kept for the
// development mailbox, which lists them from the same table.
func TestWorkerDevMailbox(t *testing.T) {
	db := outbox(t)
	start(t, &mail.Worker{Store: postgres.NewMailStore(db), Sender: mail.DevMailbox{Log: testenv.Logger(t)}, Log: testenv.Logger(t)})
	mails := enqueue(t, db.DB, 3, "dev")
	waitFor(t, "mails kept", func() bool { return readStats(t, db).Sent == 3 })
	listed, n, err := postgres.NewMailStore(db).FindMails(context.Background(), maillage.MailFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range listed {
		got = append(got, m.Subject+" "+string(m.State()))
	}
	want := []string{mails[2].Subject + " sent", mails[1].Subject + " sent"}
	if diff := cmp.Diff(want, got); diff != "" || n != 3 {
		t.Fatalf("development mailbox: %d in all; newest (-want +got):\n%s", n, diff)
	}
}

// Stopping the worker releases the mails it claimed and did not try.
func TestWorkerStops(t *testing.T) {
	db := outbox(t)
	sink := testenv.StartSMTP(t, testenv.SMTPOptions{})
	slow := &slowSender{next: sender(t, sink), delay: 50 * time.Millisecond}
	stop := start(t, &mail.Worker{Store: postgres.NewMailStore(db), Sender: slow, Log: testenv.Logger(t), Batch: 50})
	mails := enqueue(t, db.DB, 20, "arret")
	waitFor(t, "a first mail", func() bool { return sink.Len() >= 1 })
	stop()
	var leased int
	if err := db.NewRaw("SELECT count(*) FROM mails WHERE locked_until IS NOT NULL").Scan(context.Background(), &leased); err != nil {
		t.Fatal(err)
	}
	s := readStats(t, db)
	if leased != 0 || s.Sent != sink.Len() || s.Sent == len(mails) {
		t.Fatalf("after stop: %d mails still leased, outbox %+v, %d at the sink; want none leased, sent = delivered < %d",
			leased, s, sink.Len(), len(mails))
	}
	// Another worker sends the rest.
	start(t, &mail.Worker{Store: postgres.NewMailStore(db), Sender: sender(t, sink), Log: testenv.Logger(t)})
	waitFor(t, "the rest", func() bool { return readStats(t, db).Sent == len(mails) })
	wantOnce(t, mails, messageIDs(sink))
}

type slowSender struct {
	next  mail.Sender
	delay time.Duration
}

func (s *slowSender) Send(ctx context.Context, m *maillage.Mail) error {
	time.Sleep(s.delay)
	return s.next.Send(ctx, m)
}

// noListen is the outbox without LISTEN: the worker only polls.
type noListen struct{ *postgres.MailStore }

func (noListen) ListenMails(ctx context.Context, wake func()) error {
	<-ctx.Done()
	return nil
}

// BenchmarkDeliveryLatency measures one mail from the commit of its
// transaction to its arrival at a real SMTP server on loopback: woken by
// LISTEN/NOTIFY, and by polling alone (every 250 ms) for comparison.
func BenchmarkDeliveryLatency(b *testing.B) {
	db := testenv.Get(b).DB(b)
	if _, err := db.NewRaw("DELETE FROM mails").Exec(context.Background()); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		store mail.Outbox
	}{
		{"notify", postgres.NewMailStore(db)},
		{"poll_250ms", noListen{postgres.NewMailStore(db)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			sink := testenv.StartSMTP(b, testenv.SMTPOptions{})
			s, err := mail.NewSMTPSender(sink.URL(), from)
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			w := &mail.Worker{Store: bc.store, Sender: s, Poll: 250 * time.Millisecond}
			go func() { w.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			time.Sleep(100 * time.Millisecond) // listening
			b.ResetTimer()
			for i := range b.N {
				m := &maillage.Mail{To: fmt.Sprintf("latence%d@exemple.fr", i), Kind: "test.mail", Lang: "fr", Subject: "Latence", Text: "Bonjour\n"}
				if err := postgres.EnqueueMail(context.Background(), db.DB, m); err != nil {
					b.Fatal(err)
				}
				for sink.Len() <= i {
					time.Sleep(200 * time.Microsecond)
				}
			}
		})
	}
}
