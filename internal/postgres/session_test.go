package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

// newSession stores a live session of user and returns its cookie token.
func newSession(t *testing.T, sessions *postgres.SessionService, userID int64) (string, *maillage.Session) {
	t.Helper()
	token := "tok-" + uniq() + uniq()
	s := &maillage.Session{UserID: userID, AuthMethod: "email", ExpiresAt: time.Now().Add(24 * time.Hour), IP: "192.0.2.4", UserAgent: "Firefox"}
	if err := sessions.CreateSession(context.Background(), s, token); err != nil {
		t.Fatal(err)
	}
	return token, s
}

func TestFindSession(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	sessions := postgres.NewSessionService(db)
	ctx := context.Background()
	u := newUser(t, users, "session")
	const idle = time.Hour

	token, created := newSession(t, sessions, u.ID)
	if created.CreatedAt.IsZero() || created.LastSeenAt.IsZero() || created.IDHash == "" {
		t.Fatalf("CreateSession did not fill the stored fields: %+v", created)
	}
	got, err := sessions.FindSession(ctx, token, idle)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != u.ID || got.IDHash != created.IDHash || got.AuthMethod != "email" || got.UserAgent != "Firefox" {
		t.Fatalf("found %+v, want the created session %+v", got, created)
	}
	_, err = sessions.FindSession(ctx, token+"x", idle)
	wantCode(t, err, maillage.ENOTFOUND)

	t.Run("seen within the idle time stays and is marked seen", func(t *testing.T) {
		token, s := newSession(t, sessions, u.ID)
		if _, err := db.NewRaw("UPDATE sessions SET last_seen_at = now() - interval '30 minutes' WHERE id_hash = ?", s.IDHash).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := sessions.FindSession(ctx, token, idle); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT count(*) FROM sessions WHERE id_hash = ? AND last_seen_at > now() - interval '1 minute'", s.IDHash); n != 1 {
			t.Fatal("last_seen_at not refreshed")
		}
	})

	dead := []struct {
		name string
		kill func(t *testing.T, s *maillage.Session)
	}{
		{"idle too long", func(t *testing.T, s *maillage.Session) {
			if _, err := db.NewRaw("UPDATE sessions SET last_seen_at = now() - interval '61 minutes' WHERE id_hash = ?", s.IDHash).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{"past its absolute expiry", func(t *testing.T, s *maillage.Session) {
			if _, err := db.NewRaw("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = ?", s.IDHash).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{"revoked", func(t *testing.T, s *maillage.Session) {
			if err := sessions.RevokeSession(ctx, s.UserID, s.IDHash); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range dead {
		t.Run(tt.name, func(t *testing.T) {
			token, s := newSession(t, sessions, u.ID)
			if _, err := sessions.FindSession(ctx, token, idle); err != nil {
				t.Fatalf("fresh session: %v", err)
			}
			tt.kill(t, s)
			_, err := sessions.FindSession(ctx, token, idle)
			wantCode(t, err, maillage.ENOTFOUND)
		})
	}
}

func TestRevokeSessions(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	sessions := postgres.NewSessionService(db)
	ctx := context.Background()
	u := newUser(t, users, "everywhere")
	other := newUser(t, users, "other")

	var tokens []string
	for range 3 {
		token, _ := newSession(t, sessions, u.ID)
		tokens = append(tokens, token)
	}
	_, closed := newSession(t, sessions, u.ID)
	if err := sessions.RevokeSession(ctx, u.ID, closed.IDHash); err != nil {
		t.Fatal(err)
	}
	wantCode(t, sessions.RevokeSession(ctx, u.ID, closed.IDHash), maillage.ENOTFOUND)
	otherToken, otherSession := newSession(t, sessions, other.ID)
	wantCode(t, sessions.RevokeSession(ctx, u.ID, otherSession.IDHash), maillage.ENOTFOUND)

	n, err := sessions.RevokeSessions(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("revoked %d sessions, want 3", n)
	}
	for _, token := range tokens {
		_, err := sessions.FindSession(ctx, token, time.Hour)
		wantCode(t, err, maillage.ENOTFOUND)
	}
	if _, err := sessions.FindSession(ctx, otherToken, time.Hour); err != nil {
		t.Fatalf("another user's session was revoked: %v", err)
	}
	if n, err := sessions.RevokeSessions(ctx, u.ID); err != nil || n != 0 {
		t.Fatalf("second RevokeSessions = %d, %v; want 0", n, err)
	}
}

func TestSessionStoresOnlyTheTokenHash(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	sessions := postgres.NewSessionService(db)
	u := newUser(t, users, "hash")
	token, s := newSession(t, sessions, u.ID)

	sum := sha256.Sum256([]byte(token))
	if want := hex.EncodeToString(sum[:]); s.IDHash != want {
		t.Fatalf("id_hash %s, want the SHA-256 %s", s.IDHash, want)
	}
	if n := count(t, db, "SELECT count(*) FROM sessions WHERE id_hash = ?", s.IDHash); n != 1 {
		t.Fatalf("%d rows under the hash, want 1", n)
	}
	if n := count(t, db, "SELECT count(*) FROM sessions s WHERE strpos(s::text, ?) > 0", token); n != 0 {
		t.Fatalf("the raw token appears in %d session rows", n)
	}
}
