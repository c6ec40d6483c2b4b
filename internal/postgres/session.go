package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
)

// SessionService implements maillage.SessionService.
type SessionService struct{ db *DB }

// NewSessionService returns the session store.
func NewSessionService(db *DB) *SessionService { return &SessionService{db: db} }

var _ maillage.SessionService = (*SessionService)(nil)

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions"`
	IDHash        string     `bun:"id_hash,pk"`
	UserID        int64      `bun:"user_id"`
	AuthMethod    string     `bun:"auth_method"`
	IDToken       string     `bun:"id_token"`
	CreatedAt     time.Time  `bun:"created_at,nullzero,default:now()"`
	LastSeenAt    time.Time  `bun:"last_seen_at,nullzero,default:now()"`
	ExpiresAt     time.Time  `bun:"expires_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
	IP            string     `bun:"ip"`
	UserAgent     string     `bun:"user_agent"`
}

func (r *sessionRow) domain() *maillage.Session {
	return &maillage.Session{IDHash: r.IDHash, UserID: r.UserID, AuthMethod: r.AuthMethod, IDToken: r.IDToken, CreatedAt: r.CreatedAt,
		LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt, IP: r.IP, UserAgent: r.UserAgent}
}

// CreateSession stores a new session under the hash of its token.
func (s *SessionService) CreateSession(ctx context.Context, sess *maillage.Session, token string) error {
	sess.IDHash = maillage.HashToken(token)
	r := &sessionRow{IDHash: sess.IDHash, UserID: sess.UserID, AuthMethod: sess.AuthMethod, IDToken: sess.IDToken,
		ExpiresAt: sess.ExpiresAt, IP: sess.IP, UserAgent: truncate(sess.UserAgent, 300)}
	if _, err := s.db.NewInsert().Model(r).Returning("*").Exec(ctx); err != nil {
		return translate(err, "account.session.not_found")
	}
	*sess = *r.domain()
	return nil
}

// FindSession returns the live session of a token: not revoked, before its
// absolute expiry, and seen within idle. It refreshes last_seen_at at most
// once a minute.
func (s *SessionService) FindSession(ctx context.Context, token string, idle time.Duration) (*maillage.Session, error) {
	var r sessionRow
	err := s.db.NewSelect().Model(&r).
		Where("id_hash = ? AND revoked_at IS NULL AND expires_at > now() AND last_seen_at > now() - ?::interval", maillage.HashToken(token), idle.String()).
		Where("EXISTS (SELECT 1 FROM users u WHERE u.id = user_id AND u.deleted_at IS NULL)").
		Scan(ctx)
	if err != nil {
		return nil, translate(err, "account.session.not_found")
	}
	if time.Since(r.LastSeenAt) > time.Minute {
		if _, err := s.db.NewUpdate().Model((*sessionRow)(nil)).Set("last_seen_at = now()").Where("id_hash = ?", r.IDHash).Exec(ctx); err != nil {
			return nil, err
		}
	}
	return r.domain(), nil
}

// FindSessions lists a user's sessions, live first.
func (s *SessionService) FindSessions(ctx context.Context, userID int64) ([]*maillage.Session, error) {
	var rows []sessionRow
	if err := s.db.NewSelect().Model(&rows).Where("user_id = ?", userID).
		OrderExpr("revoked_at IS NOT NULL, last_seen_at DESC").Limit(100).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*maillage.Session, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// RevokeSession ends one session of the user.
func (s *SessionService) RevokeSession(ctx context.Context, userID int64, idHash string) error {
	res, err := s.db.NewUpdate().Model((*sessionRow)(nil)).Set("revoked_at = now()").
		Where("id_hash = ? AND user_id = ? AND revoked_at IS NULL", idHash, userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return maillage.Errorf(maillage.ENOTFOUND, "account.session.not_found")
	}
	return nil
}

// RevokeSessions ends every session of the user ("sign out everywhere").
func (s *SessionService) RevokeSessions(ctx context.Context, userID int64) (int, error) {
	res, err := s.db.NewUpdate().Model((*sessionRow)(nil)).Set("revoked_at = now()").
		Where("user_id = ? AND revoked_at IS NULL", userID).Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
