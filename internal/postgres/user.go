package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
)

// UserService implements maillage.UserService.
type UserService struct {
	db *DB
	// Forget is what each capability does, in the transaction that
	// deletes an account, with what was that person's: requests
	// withdrawn, pairings ended, applications closed… (one line per
	// capability in internal/app).
	Forget []ForgetFunc
	// Export is what each capability adds to the download of a person's
	// data (ExportUser), one line per capability in internal/app.
	Export []ExportFunc
}

// ExportFunc gives what a capability holds of a person, for the download
// of their data: a name (its key in the export) and the data.
type ExportFunc func(ctx context.Context, userID int64) (string, any, error)

// ForgetFunc ends, in tx, what a capability holds of a deleted account.
type ForgetFunc func(ctx context.Context, tx bun.Tx, userID int64) error

// NewUserService returns the user service.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

var _ maillage.UserService = (*UserService)(nil)

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:u"`
	ID            int64      `bun:"id,pk,autoincrement"`
	Email         *string    `bun:"email"`
	EmailVerified bool       `bun:"email_verified"`
	DisplayName   string     `bun:"display_name"`
	CreatedAt     time.Time  `bun:"created_at,nullzero,default:now()"`
	UpdatedAt     time.Time  `bun:"updated_at,nullzero,default:now()"`
	DeletedAt     *time.Time `bun:"deleted_at"`
}

func (r *userRow) domain() *maillage.User {
	u := &maillage.User{ID: r.ID, EmailVerified: r.EmailVerified, DisplayName: r.DisplayName, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.Email != nil {
		u.Email = *r.Email
	}
	return u
}

type grantRow struct {
	bun.BaseModel `bun:"table:role_grants"`
	ID            int64      `bun:"id,pk,autoincrement"`
	UserID        int64      `bun:"user_id"`
	Role          string     `bun:"role"`
	ScopeKind     string     `bun:"scope_kind"`
	ScopeValue    string     `bun:"scope_value"`
	GrantedBy     *int64     `bun:"granted_by"`
	GrantedAt     time.Time  `bun:"granted_at,nullzero,default:now()"`
	RevokedBy     *int64     `bun:"revoked_by"`
	RevokedAt     *time.Time `bun:"revoked_at"`
}

func (g *grantRow) domain() maillage.RoleGrant {
	return maillage.RoleGrant{ID: g.ID, UserID: g.UserID, Role: maillage.Role(g.Role), ScopeKind: g.ScopeKind,
		ScopeValue: g.ScopeValue, GrantedBy: g.GrantedBy, GrantedAt: g.GrantedAt}
}

type identityRow struct {
	bun.BaseModel `bun:"table:identities"`
	ID            int64     `bun:"id,pk,autoincrement"`
	UserID        int64     `bun:"user_id"`
	Provider      string    `bun:"provider"`
	Subject       string    `bun:"subject"`
	Email         string    `bun:"email"`
	CreatedAt     time.Time `bun:"created_at,nullzero,default:now()"`
	LastUsedAt    time.Time `bun:"last_used_at,nullzero,default:now()"`
}

func (r *identityRow) domain() *maillage.Identity {
	return &maillage.Identity{ID: r.ID, UserID: r.UserID, Provider: r.Provider, Subject: r.Subject, Email: r.Email, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt}
}

// NormalizeEmail lower-cases and trims an address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (s *UserService) loadGrants(ctx context.Context, idb bun.IDB, users ...*maillage.User) error {
	if len(users) == 0 {
		return nil
	}
	ids := make([]int64, len(users))
	byID := map[int64]*maillage.User{}
	for i, u := range users {
		ids[i] = u.ID
		byID[u.ID] = u
		u.Grants = []maillage.RoleGrant{}
	}
	var rows []grantRow
	if err := idb.NewSelect().Model(&rows).Where("user_id IN (?)", bun.In(ids)).Where("revoked_at IS NULL").
		OrderExpr("role, scope_kind, scope_value").Scan(ctx); err != nil {
		return err
	}
	for _, g := range rows {
		byID[g.UserID].Grants = append(byID[g.UserID].Grants, g.domain())
	}
	return nil
}

// FindUserByID returns a live user with its roles.
func (s *UserService) FindUserByID(ctx context.Context, id int64) (*maillage.User, error) {
	var r userRow
	if err := s.db.NewSelect().Model(&r).Where("id = ? AND deleted_at IS NULL", id).Scan(ctx); err != nil {
		return nil, translate(err, "account.user.not_found")
	}
	u := r.domain()
	return u, s.loadGrants(ctx, s.db.DB, u)
}

// FindUserByEmail returns the live user with that address.
func (s *UserService) FindUserByEmail(ctx context.Context, email string) (*maillage.User, error) {
	var r userRow
	if err := s.db.NewSelect().Model(&r).Where("email = ? AND deleted_at IS NULL", NormalizeEmail(email)).Scan(ctx); err != nil {
		return nil, translate(err, "account.user.not_found")
	}
	u := r.domain()
	return u, s.loadGrants(ctx, s.db.DB, u)
}

// FindUsers lists users for administration.
func (s *UserService) FindUsers(ctx context.Context, f maillage.UserFilter) ([]*maillage.User, int, error) {
	var rows []userRow
	q := s.db.NewSelect().Model(&rows).Where("deleted_at IS NULL")
	if f.Query != "" {
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		q = q.Where("(email LIKE ? OR lower(display_name) LIKE ?)", like, like)
	}
	if f.Role != "" {
		q = q.Where("EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id AND g.role = ? AND g.revoked_at IS NULL)", string(f.Role))
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	n, err := q.OrderExpr("u.id").Offset(int64(f.Offset)).Limit(int64(limit)).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*maillage.User, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, int(n), s.loadGrants(ctx, s.db.DB, out...)
}

// SignInExternal finds the user of an identity, or creates one. When the
// identity is new but its verified e-mail already belongs to an account, it
// is not linked silently: a pending link waits for the owner's confirmation.
func (s *UserService) SignInExternal(ctx context.Context, id maillage.ExternalIdentity) (*maillage.SignInOutcome, error) {
	if id.Provider == "" || id.Subject == "" {
		return nil, maillage.Errorf(maillage.EINVALID, "account.signin.no_subject")
	}
	email := NormalizeEmail(id.Email)
	out := &maillage.SignInOutcome{}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var ident identityRow
		err := tx.NewSelect().Model(&ident).Where("provider = ? AND subject = ?", id.Provider, id.Subject).For("UPDATE").Scan(ctx)
		if err == nil {
			var ur userRow
			if err := tx.NewSelect().Model(&ur).Where("id = ? AND deleted_at IS NULL", ident.UserID).Scan(ctx); err != nil {
				return translate(err, "account.user.not_found")
			}
			if _, err := tx.NewUpdate().Model((*identityRow)(nil)).Set("last_used_at = now(), email = ?", email).Where("id = ?", ident.ID).Exec(ctx); err != nil {
				return err
			}
			out.User = ur.domain()
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if email != "" {
			var existing userRow
			err := tx.NewSelect().Model(&existing).Where("email = ? AND deleted_at IS NULL", email).Scan(ctx)
			if err == nil {
				if !id.EmailVerified {
					return maillage.Errorf(maillage.ECONFLICT, "account.signin.unverified_email_taken", "Email", email)
				}
				if _, err := tx.NewRaw(`INSERT INTO pending_links (email, provider, subject, expires_at) VALUES (?, ?, ?, now() + interval '1 hour')
					ON CONFLICT (provider, subject) DO UPDATE SET email = EXCLUDED.email, expires_at = EXCLUDED.expires_at`, email, id.Provider, id.Subject).Exec(ctx); err != nil {
					return err
				}
				out.PendingLink = true
				out.User = existing.domain()
				return nil
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		// The account takes the address only when the provider vouches for
		// it: users.email is what e-mail links and pending links trust, so an
		// unproven address there would let whoever typed it into a provider
		// take over the account of its real owner later. The identity keeps
		// the address either way.
		u := &userRow{DisplayName: strings.TrimSpace(id.Name)}
		if email != "" && id.EmailVerified {
			u.Email, u.EmailVerified = &email, true
		}
		if _, err := tx.NewInsert().Model(u).Returning("*").Exec(ctx); err != nil {
			return translate(err, "account.user.not_found")
		}
		ir := &identityRow{UserID: u.ID, Provider: id.Provider, Subject: id.Subject, Email: email}
		if _, err := tx.NewInsert().Model(ir).Exec(ctx); err != nil {
			return translate(err, "account.identity.not_found")
		}
		out.User, out.Created = u.domain(), true
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &u.ID, Action: "account.created", TargetID: &u.ID, Details: map[string]any{"provider": id.Provider}})
	})
	if err != nil {
		return nil, err
	}
	if !out.PendingLink {
		if err := s.loadGrants(ctx, s.db.DB, out.User); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SignInEmail signs in (or creates) the account of an address proven by an
// e-mail link; the address is then verified.
func (s *UserService) SignInEmail(ctx context.Context, email string) (*maillage.SignInOutcome, error) {
	email = NormalizeEmail(email)
	out := &maillage.SignInOutcome{}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var ur userRow
		err := tx.NewSelect().Model(&ur).Where("email = ? AND deleted_at IS NULL", email).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			ur = userRow{Email: &email, EmailVerified: true}
			if _, err := tx.NewInsert().Model(&ur).Returning("*").Exec(ctx); err != nil {
				return translate(err, "account.user.not_found")
			}
			out.Created = true
		} else if err != nil {
			return err
		} else if !ur.EmailVerified {
			if _, err := tx.NewUpdate().Model((*userRow)(nil)).Set("email_verified = true, updated_at = now()").Where("id = ?", ur.ID).Exec(ctx); err != nil {
				return err
			}
			ur.EmailVerified = true
		}
		if _, err := tx.NewRaw(`INSERT INTO identities (user_id, provider, subject, email) VALUES (?, 'email', ?, ?)
			ON CONFLICT (provider, subject) DO UPDATE SET last_used_at = now()`, ur.ID, email, email).Exec(ctx); err != nil {
			return err
		}
		out.User = ur.domain()
		if out.Created {
			return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &ur.ID, Action: "account.created", TargetID: &ur.ID, Details: map[string]any{"provider": "email"}})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, s.loadGrants(ctx, s.db.DB, out.User)
}

// FindIdentities lists a user's identities.
func (s *UserService) FindIdentities(ctx context.Context, userID int64) ([]*maillage.Identity, error) {
	var rows []identityRow
	if err := s.db.NewSelect().Model(&rows).Where("user_id = ?", userID).OrderExpr("created_at").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*maillage.Identity, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// FindPendingLinks lists identities waiting for the owner of email.
func (s *UserService) FindPendingLinks(ctx context.Context, email string) ([]*maillage.PendingLink, error) {
	var out []*maillage.PendingLink
	err := s.db.NewRaw("SELECT id, email, provider, subject, expires_at FROM pending_links WHERE email = ? AND expires_at > now() ORDER BY id", NormalizeEmail(email)).Scan(ctx, &out)
	return out, err
}

// ConfirmLink attaches a pending identity to the signed-in user, whose
// e-mail must be the one the identity carried.
func (s *UserService) ConfirmLink(ctx context.Context, userID, linkID int64) (*maillage.Identity, error) {
	var ident *maillage.Identity
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var l maillage.PendingLink
		err := tx.NewRaw(`DELETE FROM pending_links p USING users u
			WHERE p.id = ? AND u.id = ? AND u.email = p.email AND p.expires_at > now()
			RETURNING p.id, p.email, p.provider, p.subject, p.expires_at`, linkID, userID).Scan(ctx, &l)
		if err != nil {
			return translate(err, "account.link.not_found")
		}
		ir := &identityRow{UserID: userID, Provider: l.Provider, Subject: l.Subject, Email: l.Email}
		if _, err := tx.NewInsert().Model(ir).Returning("*").Exec(ctx); err != nil {
			return translate(err, "account.identity.not_found")
		}
		ident = ir.domain()
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &userID, Action: "identity.linked", TargetID: &userID, Details: map[string]any{"provider": l.Provider}})
	})
	return ident, err
}

// RemoveIdentity unlinks an identity; the last one cannot be removed.
func (s *UserService) RemoveIdentity(ctx context.Context, userID, identityID int64) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var n int
		if err := tx.NewRaw("SELECT count(*) FROM identities WHERE user_id = ?", userID).Scan(ctx, &n); err != nil {
			return err
		}
		if n <= 1 {
			return maillage.Errorf(maillage.ECONFLICT, "account.identity.last")
		}
		res, err := tx.NewDelete().Model((*identityRow)(nil)).Where("id = ? AND user_id = ?", identityID, userID).Exec(ctx)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return maillage.Errorf(maillage.ENOTFOUND, "account.identity.not_found")
		}
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &userID, Action: "identity.removed", TargetID: &userID, Details: map[string]any{"identity_id": identityID}})
	})
}

// UpdateDisplayName changes the person's name, on the account and on the
// profile alike.
func (s *UserService) UpdateDisplayName(ctx context.Context, userID int64, name string) error {
	name = maillage.CleanText(name)
	var ps maillage.Problems
	maillage.CheckText(&ps, "display_name", name, maillage.MaxDisplayName, false)
	if err := ps.Err(); err != nil {
		return err
	}
	// One name: the account's and the profile's are the same (issue 10,
	// item 19); a profile's name is never empty.
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*userRow)(nil)).Set("display_name = ?, updated_at = now()", name).Where("id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		if name == "" {
			return nil
		}
		var id int64
		err := tx.NewRaw("UPDATE profiles SET display_name = ?, updated_at = now() WHERE user_id = ? RETURNING id", name, userID).Scan(ctx, &id)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return outbox(ctx, tx, "profile", id)
	})
}

// GrantRole gives a role, recorded in the audit log.
func (s *UserService) GrantRole(ctx context.Context, actorID int64, g maillage.RoleGrant, ip string) (*maillage.RoleGrant, error) {
	g.Normalize()
	if err := g.Validate().Err(); err != nil {
		return nil, err
	}
	var out maillage.RoleGrant
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		switch g.ScopeKind {
		case maillage.ScopeDepartement:
			if err := mustExist(ctx, tx, "departements", "code", g.ScopeValue, "scope_value", "admin.role.scope.departement_unknown"); err != nil {
				return err
			}
		case maillage.ScopeRegion:
			if err := mustExist(ctx, tx, "regions", "code", g.ScopeValue, "scope_value", "admin.role.scope.region_unknown"); err != nil {
				return err
			}
		}
		r := &grantRow{UserID: g.UserID, Role: string(g.Role), ScopeKind: g.ScopeKind, ScopeValue: g.ScopeValue, GrantedBy: &actorID}
		if _, err := tx.NewInsert().Model(r).Returning("*").Exec(ctx); err != nil {
			err = translate(err, "admin.role.not_found")
			if maillage.ErrorCode(err) == maillage.EINVALID {
				return maillage.Errorf(maillage.ENOTFOUND, "account.user.not_found")
			}
			return err
		}
		out = r.domain()
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &actorID, Action: "role.granted", TargetID: &g.UserID, IP: ip,
			Details: map[string]any{"role": string(g.Role), "scope_kind": g.ScopeKind, "scope_value": g.ScopeValue}})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func mustExist(ctx context.Context, tx bun.Tx, table, col, value, field, key string) error {
	var ok bool
	if err := tx.NewRaw("SELECT EXISTS (SELECT 1 FROM ? WHERE ? = ?)", bun.Ident(table), bun.Ident(col), value).Scan(ctx, &ok); err != nil {
		return err
	}
	if !ok {
		return maillage.Invalid(field, key)
	}
	return nil
}

// RevokeRole ends a grant, recorded in the audit log. An administrator
// cannot revoke their own administrator role (someone else must).
func (s *UserService) RevokeRole(ctx context.Context, actorID, grantID int64, ip string) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var g grantRow
		if err := tx.NewSelect().Model(&g).Where("id = ? AND revoked_at IS NULL", grantID).For("UPDATE").Scan(ctx); err != nil {
			return translate(err, "admin.role.not_found")
		}
		if g.UserID == actorID && g.Role == string(maillage.RoleAdministrateur) {
			return maillage.Errorf(maillage.ECONFLICT, "admin.role.own_admin")
		}
		if _, err := tx.NewUpdate().Model((*grantRow)(nil)).Set("revoked_at = now(), revoked_by = ?", actorID).Where("id = ?", grantID).Exec(ctx); err != nil {
			return err
		}
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &actorID, Action: "role.revoked", TargetID: &g.UserID, IP: ip,
			Details: map[string]any{"role": g.Role, "scope_kind": g.ScopeKind, "scope_value": g.ScopeValue}})
	})
}

type auditRow struct {
	bun.BaseModel `bun:"table:audit_log"`
	ID            int64          `bun:"id,pk,autoincrement"`
	At            time.Time      `bun:"at,nullzero,default:now()"`
	ActorID       *int64         `bun:"actor_id"`
	Action        string         `bun:"action"`
	TargetID      *int64         `bun:"target_id"`
	Details       map[string]any `bun:"details,type:jsonb"`
	IP            string         `bun:"ip"`
}

// Audit appends an entry to the audit log.
func (s *UserService) Audit(ctx context.Context, e maillage.AuditEntry) error {
	return auditTx(ctx, s.db.DB, e)
}

// FindAudit returns the latest audit entries with actor and target names.
func (s *UserService) FindAudit(ctx context.Context, limit int) ([]*maillage.AuditEntry, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.findAudit(ctx, "TRUE", limit)
}

func (s *UserService) findAudit(ctx context.Context, where string, limit int, args ...any) ([]*maillage.AuditEntry, error) {
	type row struct {
		ID       int64
		At       time.Time
		ActorID  *int64
		Actor    sql.NullString
		Action   string
		TargetID *int64
		Target   sql.NullString
		Details  []byte
		IP       string
	}
	var rows []row
	args = append(args, limit)
	err := s.db.NewRaw(`SELECT a.id, a.at, a.actor_id, coalesce(nullif(ua.display_name, ''), ua.email, '#' || ua.id::text) AS actor,
		a.action, a.target_id, coalesce(nullif(ut.display_name, ''), ut.email, '#' || ut.id::text) AS target, a.details, a.ip
		FROM audit_log a LEFT JOIN users ua ON ua.id = a.actor_id LEFT JOIN users ut ON ut.id = a.target_id
		WHERE `+where+` ORDER BY a.id DESC LIMIT ?`, args...).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]*maillage.AuditEntry, len(rows))
	for i, r := range rows {
		e := &maillage.AuditEntry{ID: r.ID, At: r.At, ActorID: r.ActorID, Actor: r.Actor.String, Action: r.Action, TargetID: r.TargetID, Target: r.Target.String, IP: r.IP}
		_ = json.Unmarshal(r.Details, &e.Details)
		out[i] = e
	}
	return out, nil
}

// ExportUser gathers everything held about a user.
func (s *UserService) ExportUser(ctx context.Context, userID int64) (*maillage.UserExport, error) {
	u, err := s.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	ids, err := s.FindIdentities(ctx, userID)
	if err != nil {
		return nil, err
	}
	sess, err := NewSessionService(s.db).FindSessions(ctx, userID)
	if err != nil {
		return nil, err
	}
	audit, err := s.findAudit(ctx, "(a.actor_id = ? OR a.target_id = ?)", 1000, userID, userID)
	if err != nil {
		return nil, err
	}
	exp := &maillage.UserExport{ExportedAt: time.Now().UTC(), User: u, Identities: ids, Sessions: sess, Audit: audit, Extra: map[string]any{}}
	for _, export := range s.Export {
		name, data, err := export(ctx, userID)
		if err != nil {
			return nil, err
		}
		exp.Extra[name] = data
	}
	return exp, nil
}

// DeleteUser erases an account: profile (and its search document, through
// the outbox), identities, sessions, API tokens, pending links and e-mail
// tokens are deleted; roles are revoked and memberships ended; the user row is kept
// anonymised (no e-mail, no name) so the audit log still points somewhere.
func (s *UserService) DeleteUser(ctx context.Context, userID int64, ip string) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var email sql.NullString
		if err := tx.NewRaw("SELECT email FROM users WHERE id = ? AND deleted_at IS NULL FOR UPDATE", userID).Scan(ctx, &email); err != nil {
			return translate(err, "account.user.not_found")
		}
		if err := deleteProfileTx(ctx, tx, userID); err != nil {
			return err
		}
		for _, forget := range s.Forget {
			if err := forget(ctx, tx, userID); err != nil {
				return err
			}
		}
		for _, q := range []string{
			"UPDATE memberships SET ended_on = " + maillage.TodaySQL + " WHERE user_id = ? AND ended_on IS NULL",
			"DELETE FROM api_tokens WHERE user_id = ?",
			"DELETE FROM identities WHERE user_id = ?",
			"DELETE FROM sessions WHERE user_id = ?",
			"UPDATE role_grants SET revoked_at = now(), revoked_by = user_id WHERE user_id = ? AND revoked_at IS NULL",
			"UPDATE users SET email = NULL, email_verified = false, display_name = '', deleted_at = now(), updated_at = now() WHERE id = ?",
		} {
			if _, err := tx.NewRaw(q, userID).Exec(ctx); err != nil {
				return err
			}
		}
		if email.Valid {
			for _, q := range []string{"DELETE FROM pending_links WHERE email = ?", "DELETE FROM email_tokens WHERE email = ?"} {
				if _, err := tx.NewRaw(q, email.String).Exec(ctx); err != nil {
					return err
				}
			}
		}
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &userID, Action: "account.deleted", TargetID: &userID, IP: ip})
	})
}

// BootstrapAdmin grants administrateur once to a user who never held it.
func (s *UserService) BootstrapAdmin(ctx context.Context, userID int64, ip string) (bool, error) {
	granted := false
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var id int64
		err := tx.NewRaw(`INSERT INTO role_grants (user_id, role, granted_by)
			SELECT ?, 'administrateur', ? WHERE NOT EXISTS (SELECT 1 FROM role_grants WHERE user_id = ? AND role = 'administrateur')
			RETURNING id`, userID, userID, userID).Scan(ctx, &id)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		granted = true
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &userID, Action: "role.granted", TargetID: &userID, IP: ip,
			Details: map[string]any{"role": "administrateur", "source": "MAILLAGE_ADMIN_EMAILS"}})
	})
	return granted, err
}
