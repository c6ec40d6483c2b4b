package postgres

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
)

// APITokenService implements maillage.APITokenService.
type APITokenService struct{ db *DB }

// NewAPITokenService returns the API token store.
func NewAPITokenService(db *DB) *APITokenService { return &APITokenService{db: db} }

var _ maillage.APITokenService = (*APITokenService)(nil)

type apiTokenRow struct {
	bun.BaseModel `bun:"table:api_tokens"`
	ID            int64      `bun:"id,pk,autoincrement"`
	UserID        int64      `bun:"user_id"`
	Name          string     `bun:"name"`
	TokenHash     string     `bun:"token_hash"`
	CreatedAt     time.Time  `bun:"created_at,nullzero,default:now()"`
	LastUsedAt    *time.Time `bun:"last_used_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
	ReadOnly      bool       `bun:"read_only"`
	ExpiresAt     *time.Time `bun:"expires_at"`
}

func (r *apiTokenRow) domain() *maillage.APIToken {
	return &maillage.APIToken{ID: r.ID, UserID: r.UserID, Name: r.Name, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt,
		ReadOnly: r.ReadOnly, ExpiresAt: r.ExpiresAt}
}

// newAPISecret returns a clear token: the prefix and 32 random bytes.
func newAPISecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return maillage.APITokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// CreateAPIToken stores the hash of a new token, records it in the audit
// log in the same transaction, and returns the clear secret once.
func (s *APITokenService) CreateAPIToken(ctx context.Context, userID int64, in maillage.APITokenInput, ip string) (*maillage.APIToken, string, error) {
	in.Name = maillage.CleanText(in.Name)
	if err := in.Validate().Err(); err != nil {
		return nil, "", err
	}
	name := in.Name
	secret, err := newAPISecret()
	if err != nil {
		return nil, "", err
	}
	expires := time.Now().Add(time.Duration(in.Days) * 24 * time.Hour)
	r := &apiTokenRow{UserID: userID, Name: name, TokenHash: maillage.HashToken(secret), ReadOnly: in.ReadOnly, ExpiresAt: &expires}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Lock the account row so two concurrent creations count the same way.
		if _, err := tx.NewRaw("SELECT id FROM users WHERE id = ? AND deleted_at IS NULL FOR UPDATE", userID).Exec(ctx); err != nil {
			return err
		}
		live, err := tx.NewSelect().Model((*apiTokenRow)(nil)).Where("user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())", userID).Count(ctx)
		if err != nil {
			return err
		}
		if live >= maillage.MaxAPITokens {
			return maillage.Invalid("name", "account.token.too_many", "Count", live)
		}
		if _, err := tx.NewInsert().Model(r).Returning("*").Exec(ctx); err != nil {
			return translate(err, "account.token.not_found")
		}
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &userID, Action: "api_token.created", TargetID: &userID, IP: ip,
			Details: map[string]any{"token_id": r.ID, "name": name, "read_only": in.ReadOnly, "days": in.Days}})
	})
	if err != nil {
		return nil, "", err
	}
	return r.domain(), secret, nil
}

// FindAPITokens lists a person's tokens, live first, newest first.
func (s *APITokenService) FindAPITokens(ctx context.Context, userID int64) ([]*maillage.APIToken, error) {
	var rows []apiTokenRow
	if err := s.db.NewSelect().Model(&rows).Where("user_id = ?", userID).
		OrderExpr("revoked_at IS NOT NULL, created_at DESC, id DESC").Limit(200).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*maillage.APIToken, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// RevokeAPIToken ends one of the person's live tokens, recorded in the audit log.
func (s *APITokenService) RevokeAPIToken(ctx context.Context, userID, id int64, ip string) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var name string
		err := tx.NewRaw("UPDATE api_tokens SET revoked_at = now() WHERE id = ? AND user_id = ? AND revoked_at IS NULL RETURNING name", id, userID).Scan(ctx, &name)
		if isNoRows(err) {
			return maillage.Errorf(maillage.ENOTFOUND, "account.token.not_found")
		}
		if err != nil {
			return err
		}
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &userID, Action: "api_token.revoked", TargetID: &userID, IP: ip,
			Details: map[string]any{"token_id": id, "name": name}})
	})
}

// AuthenticateAPIToken returns the live token of a secret whose owner
// exists, and refreshes last_used_at at most once a minute.
func (s *APITokenService) AuthenticateAPIToken(ctx context.Context, secret string) (*maillage.APIToken, error) {
	refused := maillage.Errorf(maillage.EUNAUTHORIZED, "account.token.refused")
	if !strings.HasPrefix(secret, maillage.APITokenPrefix) || len(secret) > 200 {
		return nil, refused
	}
	var r apiTokenRow
	err := s.db.NewSelect().Model(&r).
		Where("token_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())", maillage.HashToken(secret)).
		Where("EXISTS (SELECT 1 FROM users u WHERE u.id = user_id AND u.deleted_at IS NULL)").
		Scan(ctx)
	if isNoRows(err) {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	if r.LastUsedAt == nil || time.Since(*r.LastUsedAt) > time.Minute {
		if err := s.db.NewRaw("UPDATE api_tokens SET last_used_at = now() WHERE id = ? RETURNING last_used_at", r.ID).Scan(ctx, &r.LastUsedAt); err != nil {
			return nil, err
		}
	}
	return r.domain(), nil
}
