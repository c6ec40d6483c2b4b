package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
)

// AuthStore keeps the short-lived secrets of signing in: e-mail link tokens,
// OAuth/OpenID flows and rate-limit counters.
type AuthStore struct {
	db *DB
	// Now is the clock of the rate-limit windows (time.Now by default;
	// tests set their own).
	Now func() time.Time
}

var _ maillage.AuthStore = (*AuthStore)(nil)

// NewAuthStore returns the store.
func NewAuthStore(db *DB) *AuthStore { return &AuthStore{db: db, Now: time.Now} }

func (s *AuthStore) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// CreateEmailToken stores the hash of a single-use sign-in link and, in
// the same transaction, the mail that carries the link: both or neither.
func (s *AuthStore) CreateEmailToken(ctx context.Context, tokenHash, email, ip string, expires time.Time, m *maillage.Mail) error {
	if m == nil {
		return errors.New("store sign-in token: no mail to carry it")
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw("INSERT INTO email_tokens (token_hash, email, expires_at, ip) VALUES (?, ?, ?, ?)",
			tokenHash, NormalizeEmail(email), expires, ip).Exec(ctx); err != nil {
			return fmt.Errorf("store sign-in token: %w", err)
		}
		return EnqueueMail(ctx, tx, m)
	})
}

// ConsumeEmailToken marks a token used and returns its address, or says
// why it cannot be used.
func (s *AuthStore) ConsumeEmailToken(ctx context.Context, tokenHash string) (string, error) {
	var email string
	err := s.db.NewRaw(`UPDATE email_tokens SET used_at = now()
		WHERE token_hash = ? AND used_at IS NULL AND expires_at > now() RETURNING email`, tokenHash).Scan(ctx, &email)
	if err == nil {
		return email, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	var used sql.NullTime
	var expires time.Time
	err = s.db.NewRaw("SELECT used_at, expires_at FROM email_tokens WHERE token_hash = ?", tokenHash).Scan(ctx, &used, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", maillage.ErrTokenUnknown
	case err != nil:
		return "", err
	case used.Valid:
		return "", maillage.ErrTokenUsed
	default:
		return "", maillage.ErrTokenExpired
	}
}

// PeekEmailToken says whether a token could still be used, without using it.
func (s *AuthStore) PeekEmailToken(ctx context.Context, tokenHash string) error {
	var used sql.NullTime
	var expires time.Time
	err := s.db.NewRaw("SELECT used_at, expires_at FROM email_tokens WHERE token_hash = ?", tokenHash).Scan(ctx, &used, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return maillage.ErrTokenUnknown
	case err != nil:
		return err
	case used.Valid:
		return maillage.ErrTokenUsed
	case !expires.After(time.Now()):
		return maillage.ErrTokenExpired
	}
	return nil
}

// SaveFlow stores a flow under the hash of its state.
func (s *AuthStore) SaveFlow(ctx context.Context, f *maillage.AuthFlow) error {
	_, err := s.db.NewRaw(`INSERT INTO auth_flows (state_hash, provider, nonce, code_verifier, goth_session, return_to, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, f.StateHash, f.Provider, f.Nonce, f.CodeVerifier, f.GothSession, f.ReturnTo, f.ExpiresAt).Exec(ctx)
	return err
}

// TakeFlow removes and returns the live flow of a state (single use).
func (s *AuthStore) TakeFlow(ctx context.Context, stateHash string) (*maillage.AuthFlow, error) {
	var f maillage.AuthFlow
	err := s.db.NewRaw(`DELETE FROM auth_flows WHERE state_hash = ? AND expires_at > now()
		RETURNING state_hash, provider, nonce, code_verifier, goth_session, return_to, expires_at`, stateHash).
		Scan(ctx, &f.StateHash, &f.Provider, &f.Nonce, &f.CodeVerifier, &f.GothSession, &f.ReturnTo, &f.ExpiresAt)
	if err != nil {
		return nil, translate(err, "account.signin.flow_not_found")
	}
	return &f, nil
}

// Hit counts one event for key in the fixed window that contains now
// (s.Now) and returns the count so far. Stored in PostgreSQL so several
// instances share it.
func (s *AuthStore) Hit(ctx context.Context, key string, window time.Duration) (int, error) {
	start := s.now().UTC().Truncate(window)
	var n int
	err := s.db.NewRaw(`INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits`, key, start).Scan(ctx, &n)
	return n, err
}

// Cleanup removes expired flows, tokens and counters, and the mails sent
// or abandoned more than MailRetention ago (mail.go).
func (s *AuthStore) Cleanup(ctx context.Context) error {
	for _, q := range []string{
		"DELETE FROM auth_flows WHERE expires_at < now()",
		"DELETE FROM email_tokens WHERE expires_at < now() - interval '1 day'",
		"DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'",
		"DELETE FROM pending_links WHERE expires_at < now()",
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	_, err := purgeMails(ctx, s.db.DB, time.Now().Add(-MailRetention))
	return err
}
