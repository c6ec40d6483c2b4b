package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/search"
	"maillage/internal/testenv"
)

// TestTwoInstancesApplyEachChangeOnce runs two portal instances, as behind
// a proxy: one database, one Meilisearch, every worker of both running.
// Changes arrive through both; each is applied once: every search change
// by one instance only (the sync lease), every mail delivered once at the
// SMTP server (the outbox lease), every overdue mentoring request expired
// once, with one transition and its mail (SKIP LOCKED).
func TestTwoInstancesApplyEachChangeOnce(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	sink := testenv.StartSMTP(t, testenv.SMTPOptions{})
	cfg := env.Config(t)
	cfg.DatabaseURL = env.FreshURL(t)
	cfg.IndexPrefix = fmt.Sprintf("two%d_", time.Now().UnixNano()%1e9)
	cfg.SMTPURL = sink.URL()

	var mu sync.Mutex
	applied := map[int64][]int{} // search_outbox id → instances that applied it
	var instances []*app.App
	for i := 0; i < 2; i++ {
		a, err := app.Open(ctx, cfg, testenv.Logger(t), app.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		a.SearchSync.OnApplied = func(changes []search.Change, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			for _, c := range changes {
				applied[c.ID] = append(applied[c.ID], i)
			}
		}
		instances = append(instances, a)
	}
	if err := instances[0].EnsureSearch(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = instances[0].Search.DeleteAllIndexes(cctx)
	})
	// Mentoring requests past their fortnight, before the workers start:
	// both expiry loops find them at once.
	db := instances[0].DB
	var users []int64
	for i := 0; i < 8; i++ {
		out, err := instances[i%2].Users.SignInEmail(ctx, fmt.Sprintf("instance-%d@exemple.fr", i))
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, out.User.ID)
	}
	const overdue = 3
	for i := 0; i < overdue; i++ {
		if _, err := db.NewRaw(`INSERT INTO mentoring_requests (mentee_id, mentor_id, max_km, created_at, expires_at)
			VALUES (?, ?, 20, now() - interval '15 days', now() - interval '1 day')`, users[i], users[7]).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}

	runCtx, stop := context.WithCancel(ctx)
	var waits []func()
	for _, a := range instances {
		waits = append(waits, a.RunWorkers(runCtx))
	}
	defer func() {
		stop()
		for _, w := range waits {
			w()
		}
	}()

	// Profiles saved through both instances, several times each.
	const saves = 40
	for i := 0; i < saves; i++ {
		a := instances[i%2]
		u := maillage.ProfileUpdate{DisplayName: ptr(fmt.Sprintf("Personne %d", i%8)), Bio: ptr(fmt.Sprintf("Version %d", i)),
			Kind: ptr(maillage.KindMediateur), Commune: ptr("69123"), Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic}}
		if _, err := a.Profiles.SaveProfile(ctx, users[i%8], u); err != nil {
			t.Fatal(err)
		}
	}
	// Sign-in links asked through both: one mail each.
	const links = 10
	for i := 0; i < links; i++ {
		if err := instances[i%2].Auth.RequestEmailLink(ctx, fmt.Sprintf("lien-%d@exemple.fr", i), fmt.Sprintf("198.51.100.%d", i+1), "fr", ""); err != nil {
			t.Fatal(err)
		}
	}

	waitUntil(t, "every search change applied", func() bool {
		var pending int
		_ = db.NewRaw("SELECT count(*) FROM search_outbox WHERE processed_at IS NULL").Scan(ctx, &pending)
		return pending == 0
	})
	var outbox []int64
	if err := db.NewRaw("SELECT id FROM search_outbox ORDER BY id").Scan(ctx, &outbox); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	by := [2]int{}
	for _, id := range outbox {
		for _, i := range applied[id] {
			by[i]++
		}
		if n := len(applied[id]); n != 1 {
			t.Errorf("search change %d applied %d times (by %v)", id, n, applied[id])
		}
	}
	mu.Unlock()
	t.Logf("%d search changes: %d applied by the first instance, %d by the second", len(outbox), by[0], by[1])
	// What search shows is the last save of each person.
	res, err := instances[1].SearchService.Search(ctx, maillage.SearchQuery{Q: "Version", Types: []string{maillage.SearchProfile}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Degraded || res.Total != 8 {
		t.Errorf("search: %d people (degraded %v), want 8", res.Total, res.Degraded)
	}

	// Mails: the links, and one notice to each side of each expired request.
	var mails int
	if err := db.NewRaw("SELECT count(*) FROM mails").Scan(ctx, &mails); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "every mail at the sink", func() bool {
		var unsent int
		_ = db.NewRaw("SELECT count(*) FROM mails WHERE sent_at IS NULL").Scan(ctx, &unsent)
		return unsent == 0 && sink.Len() >= mails
	})
	time.Sleep(200 * time.Millisecond) // a second delivery would arrive now
	seen := map[string]int{}
	for _, m := range sink.Messages() {
		seen[m.Header.Get("Message-Id")]++
	}
	t.Logf("%d mails, %d messages at the SMTP server", mails, sink.Len())
	if sink.Len() != mails {
		t.Errorf("%d messages at the SMTP server for %d mails", sink.Len(), mails)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("mail %s delivered %d times", id, n)
		}
	}
	for i := 0; i < links; i++ {
		to := fmt.Sprintf("lien-%d@exemple.fr", i)
		n := 0
		for _, m := range sink.Messages() {
			if strings.Contains(strings.Join(m.To, ","), to) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s received %d links", to, n)
		}
	}

	// Mentoring: each overdue request expired once.
	var moves, expired int
	if err := db.NewRaw(`SELECT count(*) FROM state_transitions WHERE entity = 'mentoring_request' AND to_state = 'expiree'`).Scan(ctx, &moves); err != nil {
		t.Fatal(err)
	}
	if err := db.NewRaw(`SELECT count(*) FROM mentoring_requests WHERE status = 'expiree'`).Scan(ctx, &expired); err != nil {
		t.Fatal(err)
	}
	if expired != overdue || moves != overdue {
		t.Errorf("%d requests expired with %d transitions, want %d and %d", expired, moves, overdue, overdue)
	}
}

func ptr[T any](v T) *T { return &v }

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
