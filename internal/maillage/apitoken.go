package maillage

import (
	"context"
	"slices"
	"time"
)

// APIToken lets a program act as a person on the JSON API
// (Authorization: Bearer). Only the SHA-256 of the secret is stored: the
// clear token is shown once, when it is created.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"-"`
	Name       string     `json:"name"`
	ReadOnly   bool       `json:"read_only"` // may only read (GET) the API
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the token still authenticates at now.
func (t *APIToken) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// APITokenLifetimes are the durations a token may be created for (days).
var APITokenLifetimes = []int{30, 90, 365}

// APITokenPrefix starts every clear API token, so that a leaked token is easy
// to recognise (secret scanners, logs).
const APITokenPrefix = "mlg_"

// MaxAPITokens is how many live tokens a person may hold at once.
const MaxAPITokens = 20

// APITokenInput is what a person chooses when creating a token.
type APITokenInput struct {
	Name     string `json:"name"`
	ReadOnly bool   `json:"read_only"`
	Days     int    `json:"days"` // one of APITokenLifetimes
}

// Validate is the one rule for a new token.
func (in APITokenInput) Validate() Problems {
	var ps Problems
	if in.Name == "" {
		ps.Add("name", "account.token.name.required")
	}
	CheckText(&ps, "name", in.Name, 80, false)
	if !slices.Contains(APITokenLifetimes, in.Days) {
		ps.Add("days", KeyNotInList)
	}
	return ps
}

// APITokenService manages API tokens.
type APITokenService interface {
	// CreateAPIToken creates a token for userID and returns it with its
	// clear secret, which is never stored nor shown again.
	CreateAPIToken(ctx context.Context, userID int64, in APITokenInput, ip string) (*APIToken, string, error)
	// FindAPITokens lists a person's tokens, live first.
	FindAPITokens(ctx context.Context, userID int64) ([]*APIToken, error)
	// RevokeAPIToken ends one of the person's tokens (ENOTFOUND when it is
	// not theirs or already revoked).
	RevokeAPIToken(ctx context.Context, userID, id int64, ip string) error
	// AuthenticateAPIToken returns the live token of a clear secret and
	// records its use; EUNAUTHORIZED when unknown or revoked.
	AuthenticateAPIToken(ctx context.Context, secret string) (*APIToken, error)
}
