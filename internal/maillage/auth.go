package maillage

import (
	"context"
	"errors"
	"time"
)

// Reasons an e-mail sign-in link is refused.
var (
	ErrTokenUnknown = errors.New("unknown token")
	ErrTokenUsed    = errors.New("token already used")
	ErrTokenExpired = errors.New("token expired")
)

// AuthFlow is a sign-in started with an external provider, stored under the
// hash of its state until the provider calls back (single use).
type AuthFlow struct {
	StateHash    string
	Provider     string
	Nonce        string
	CodeVerifier string
	GothSession  string
	ReturnTo     string
	ExpiresAt    time.Time
}

// AuthStore keeps the short-lived secrets of signing in.
type AuthStore interface {
	// CreateEmailToken stores a sign-in link and the mail that carries it,
	// in one transaction.
	CreateEmailToken(ctx context.Context, tokenHash, email, ip string, expires time.Time, m *Mail) error
	ConsumeEmailToken(ctx context.Context, tokenHash string) (string, error)
	PeekEmailToken(ctx context.Context, tokenHash string) error
	SaveFlow(ctx context.Context, f *AuthFlow) error
	TakeFlow(ctx context.Context, stateHash string) (*AuthFlow, error)
	Hit(ctx context.Context, key string, window time.Duration) (int, error)
	Cleanup(ctx context.Context) error
}
