package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func TestEmailTokens(t *testing.T) {
	store := postgres.NewAuthStore(testenv.Get(t).DB(t))
	ctx := context.Background()

	t.Run("single use", func(t *testing.T) {
		hash := maillage.HashToken("live-" + uniq())
		if err := store.CreateEmailToken(ctx, hash, " Jean.Dupont@Exemple.FR ", "192.0.2.5", time.Now().Add(15*time.Minute), linkMail(" Jean.Dupont@Exemple.FR ")); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := store.PeekEmailToken(ctx, hash); err != nil {
				t.Fatalf("peek of a live token: %v", err)
			}
		}
		email, err := store.ConsumeEmailToken(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if email != "jean.dupont@exemple.fr" {
			t.Fatalf("address %q, want it normalised", email)
		}
		if _, err := store.ConsumeEmailToken(ctx, hash); !errors.Is(err, maillage.ErrTokenUsed) {
			t.Fatalf("second use: %v, want ErrTokenUsed", err)
		}
		if err := store.PeekEmailToken(ctx, hash); !errors.Is(err, maillage.ErrTokenUsed) {
			t.Fatalf("peek after use: %v, want ErrTokenUsed", err)
		}
	})

	tests := []struct {
		name    string
		expires time.Duration // from now; 0: token never stored
		want    error
	}{
		{"expired", -time.Minute, maillage.ErrTokenExpired},
		{"unknown", 0, maillage.ErrTokenUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash := maillage.HashToken(tt.name + "-" + uniq())
			if tt.expires != 0 {
				if err := store.CreateEmailToken(ctx, hash, "jean@exemple.fr", "", time.Now().Add(tt.expires), linkMail("jean@exemple.fr")); err != nil {
					t.Fatal(err)
				}
			}
			if err := store.PeekEmailToken(ctx, hash); !errors.Is(err, tt.want) {
				t.Fatalf("peek: %v, want %v", err, tt.want)
			}
			if _, err := store.ConsumeEmailToken(ctx, hash); !errors.Is(err, tt.want) {
				t.Fatalf("consume: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTakeFlow(t *testing.T) {
	store := postgres.NewAuthStore(testenv.Get(t).DB(t))
	ctx := context.Background()
	f := &maillage.AuthFlow{StateHash: maillage.HashToken("state-" + uniq()), Provider: "oidc", Nonce: "n-" + uniq(),
		CodeVerifier: "v-" + uniq(), GothSession: `{"AuthURL":"https://op.example/authorize"}`, ReturnTo: "/compte",
		ExpiresAt: time.Now().Add(10 * time.Minute)}
	if err := store.SaveFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	got, err := store.TakeFlow(ctx, f.StateHash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, got, cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
		t.Fatalf("flow (-saved +taken):\n%s", diff)
	}
	_, err = store.TakeFlow(ctx, f.StateHash)
	wantCode(t, err, maillage.ENOTFOUND)

	expired := *f
	expired.StateHash = maillage.HashToken("expired-" + uniq())
	expired.ExpiresAt = time.Now().Add(-time.Second)
	if err := store.SaveFlow(ctx, &expired); err != nil {
		t.Fatal(err)
	}
	_, err = store.TakeFlow(ctx, expired.StateHash)
	wantCode(t, err, maillage.ENOTFOUND)
}

func TestHit(t *testing.T) {
	store := postgres.NewAuthStore(testenv.Get(t).DB(t))
	ctx := context.Background()
	var now time.Time
	store.Now = func() time.Time { return now }
	// A window boundary in the past: the counters it writes are cleaned up.
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// A key is used with one window length (the counters are keyed by key
	// and window start): the 15-minute cases use a key of their own.
	key, other, quarter := "test:"+uniq(), "test:"+uniq(), "test:"+uniq()
	tests := []struct {
		name   string
		at     time.Time
		key    string
		window time.Duration
		want   int
	}{
		{"first hit of a window", t0, key, time.Second, 1},
		{"same window", t0.Add(400 * time.Millisecond), key, time.Second, 2},
		{"last instant of the window", t0.Add(time.Second - time.Nanosecond), key, time.Second, 3},
		{"another key counts apart", t0.Add(500 * time.Millisecond), other, time.Second, 1},
		{"next window starts again", t0.Add(time.Second), key, time.Second, 1},
		{"next window, again", t0.Add(1500 * time.Millisecond), key, time.Second, 2},
		{"a late hit of the first window", t0.Add(900 * time.Millisecond), key, time.Second, 4},
		{"a clock in Paris time is the same instant", t0.Add(1700 * time.Millisecond).In(paris), key, time.Second, 3},
		{"a 15-minute window", t0.Add(5 * time.Minute), quarter, 15 * time.Minute, 1},
		{"same 15-minute window", t0.Add(14*time.Minute + 59*time.Second), quarter, 15 * time.Minute, 2},
		{"next 15-minute window", t0.Add(15 * time.Minute), quarter, 15 * time.Minute, 1},
	}
	for _, tt := range tests {
		now = tt.at
		got, err := store.Hit(ctx, tt.key, tt.window)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s (%s): count %d, want %d", tt.name, tt.at.Format(time.RFC3339Nano), got, tt.want)
		}
	}
}

func TestCleanup(t *testing.T) {
	db := testenv.Get(t).DB(t)
	store := postgres.NewAuthStore(db)
	ctx := context.Background()
	tag := uniq()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.NewRaw(q, args...).Exec(ctx); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, f := range []struct {
		name    string
		expires time.Duration
	}{{"gone", -time.Minute}, {"kept", time.Minute}} {
		if err := store.SaveFlow(ctx, &maillage.AuthFlow{StateHash: f.name + tag, Provider: "oidc", GothSession: "{}", ExpiresAt: time.Now().Add(f.expires)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tk := range []struct {
		name    string
		expires time.Duration
	}{{"gone", -48 * time.Hour}, {"kept-expired", -time.Hour}, {"kept", time.Minute}} {
		if err := store.CreateEmailToken(ctx, tk.name+tag, "cleanup@exemple.fr", "", time.Now().Add(tk.expires), linkMail("cleanup@exemple.fr")); err != nil {
			t.Fatal(err)
		}
	}
	exec("INSERT INTO rate_limits (key, window_start, hits) VALUES (?, now() - interval '2 days', 3), (?, now(), 1)", "gone"+tag, "kept"+tag)
	exec("INSERT INTO pending_links (email, provider, subject, expires_at) VALUES ('c@exemple.fr', 'oidc', ?, now() - interval '1 minute'), ('c@exemple.fr', 'oidc', ?, now() + interval '1 hour')", "gone"+tag, "kept"+tag)
	exec(`INSERT INTO mails (kind, lang, recipient, subject, body, sent_at, abandoned_at) VALUES
		('t', 'fr', ?, 's', 'b', now() - interval '31 days', NULL), ('t', 'fr', ?, 's', 'b', NULL, now() - interval '31 days'),
		('t', 'fr', ?, 's', 'b', now() - interval '29 days', NULL), ('t', 'fr', ?, 's', 'b', NULL, NULL)`,
		"gone-sent"+tag, "gone-abandoned"+tag, "kept-sent"+tag, "kept-pending"+tag)

	if err := store.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}

	kept := []string{"kept" + tag}
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"SELECT state_hash FROM auth_flows WHERE state_hash LIKE ? ORDER BY state_hash COLLATE \"C\"", kept},
		{"SELECT token_hash FROM email_tokens WHERE token_hash LIKE ? ORDER BY token_hash COLLATE \"C\"", []string{"kept-expired" + tag, "kept" + tag}},
		{"SELECT key FROM rate_limits WHERE key LIKE ? ORDER BY key COLLATE \"C\"", kept},
		{"SELECT subject FROM pending_links WHERE subject LIKE ? ORDER BY subject COLLATE \"C\"", kept},
		{"SELECT recipient FROM mails WHERE recipient LIKE ? ORDER BY recipient COLLATE \"C\"", []string{"kept-pending" + tag, "kept-sent" + tag}},
	} {
		var got []string
		if err := db.NewRaw(tt.query, "%"+tag).Scan(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.query, diff)
		}
	}
	// A token expired for less than a day stays, so its link can still say
	// "expired" rather than "unknown".
	if err := store.PeekEmailToken(ctx, "kept-expired"+tag); !errors.Is(err, maillage.ErrTokenExpired) {
		t.Fatalf("recently expired token after cleanup: %v, want ErrTokenExpired", err)
	}
}
