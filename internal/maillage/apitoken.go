package maillage

import (
	"context"
	"time"
)

// APIToken lets a program act as a person on the JSON API
// (Authorization: Bearer). Only the SHA-256 of the secret is stored: the
// clear token is shown once, when it is created.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"-"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the token still authenticates.
func (t *APIToken) Active() bool { return t.RevokedAt == nil }

// APITokenPrefix starts every clear API token, so that a leaked token is easy
// to recognise (secret scanners, logs).
const APITokenPrefix = "mlg_"

// MaxAPITokens is how many live tokens a person may hold at once.
const MaxAPITokens = 20

// APITokenService manages API tokens.
type APITokenService interface {
	// CreateAPIToken creates a token for userID and returns it with its
	// clear secret, which is never stored nor shown again.
	CreateAPIToken(ctx context.Context, userID int64, name, ip string) (*APIToken, string, error)
	// FindAPITokens lists a person's tokens, live first.
	FindAPITokens(ctx context.Context, userID int64) ([]*APIToken, error)
	// RevokeAPIToken ends one of the person's tokens (ENOTFOUND when it is
	// not theirs or already revoked).
	RevokeAPIToken(ctx context.Context, userID, id int64, ip string) error
	// AuthenticateAPIToken returns the live token of a clear secret and
	// records its use; EUNAUTHORIZED when unknown or revoked.
	AuthenticateAPIToken(ctx context.Context, secret string) (*APIToken, error)
}
