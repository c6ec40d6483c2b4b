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
	const window = time.Second
	hits := func(key string, n int) []int {
		t.Helper()
		var out []int
		for range n {
			c, err := store.Hit(ctx, key, window)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, c)
		}
		return out
	}
	// Start just after a window boundary so three quick hits share a window.
	sleepToNextWindow := func() { time.Sleep(time.Until(time.Now().Truncate(window).Add(window + 20*time.Millisecond))) }

	key := "test:" + uniq()
	sleepToNextWindow()
	if got := hits(key, 3); !cmp.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("hits in one window %v, want 1 2 3", got)
	}
	if got := hits("test:"+uniq(), 1); !cmp.Equal(got, []int{1}) {
		t.Fatalf("another key counts %v, want 1", got)
	}
	sleepToNextWindow()
	if got := hits(key, 2); !cmp.Equal(got, []int{1, 2}) {
		t.Fatalf("hits in the next window %v, want 1 2", got)
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
