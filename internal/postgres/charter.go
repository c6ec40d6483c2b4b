package postgres

import (
	"context"
	"fmt"
	"html/template"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/charter"
	"maillage/internal/maillage"
)

// CharterService implements charter.Service: the versions loaded from
// content/charte, the append-only chain of events (signatures, withdrawals,
// revocations) with its heads, structures' views and invitations, and the
// badge choice. Every write to the chain takes the chain lock (a
// transaction advisory lock), reads the head and appends after it, so
// concurrent signatures never fork the chain; the charter_events_link
// trigger refuses a row that does not follow the head anyway.
type CharterService struct {
	db *DB
	// BaseURL and Texts write the mails (invitations, new versions).
	BaseURL string
	Texts   maillage.Texts
	// NewCode draws verification codes (charter.NewCode; tests may fix it).
	NewCode func() string
}

var _ charter.Service = (*CharterService)(nil)

// NewCharterService returns the charter storage.
func NewCharterService(db *DB) *CharterService {
	return &CharterService{db: db, NewCode: charter.NewCode}
}

// chainLock serialises the writers of the chain.
const chainLock = "SELECT pg_advisory_xact_lock(hashtext('maillage charter chain'))"

type versionRow struct {
	Number       int        `bun:"number"`
	PublishedAt  time.Time  `bun:"published_at"`
	Summary      string     `bun:"summary"`
	Source       string     `bun:"source"`
	Licence      string     `bun:"licence"`
	File         string     `bun:"file"`
	Markdown     string     `bun:"markdown"`
	HTML         string     `bun:"html"`
	SHA256       string     `bun:"sha256"`
	SourceSHA256 string     `bun:"source_sha256"`
	AnnouncedAt  *time.Time `bun:"announced_at"`
}

const versionColumns = "number, published_at, summary, source, licence, file, markdown, html, sha256, source_sha256, announced_at"

func (r *versionRow) domain() charter.Version {
	return charter.Version{Number: r.Number, PublishedAt: r.PublishedAt.UTC(), Summary: r.Summary, Source: r.Source,
		Licence: r.Licence, File: r.File, Markdown: r.Markdown, HTML: template.HTML(r.HTML), //nolint:gosec // rendered by goldmark without raw HTML
		SHA256: r.SHA256, SourceSHA256: r.SourceSHA256}
}

func versionsOf(ctx context.Context, db bun.IDB) ([]charter.Version, error) {
	var rows []versionRow
	if err := db.NewRaw("SELECT "+versionColumns+" FROM charter_versions ORDER BY number").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("charter versions: %w", err)
	}
	out := make([]charter.Version, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

func currentOf(ctx context.Context, db bun.IDB, now time.Time) (charter.Version, error) {
	vs, err := versionsOf(ctx, db)
	if err != nil {
		return charter.Version{}, err
	}
	v, ok := charter.Current(vs, now)
	if !ok {
		return charter.Version{}, maillage.Errorf(maillage.ENOTFOUND, "charter.sign.no_version")
	}
	return v, nil
}

// Versions implements charter.Service.
func (s *CharterService) Versions(ctx context.Context) ([]charter.Version, error) {
	return versionsOf(ctx, s.db.DB)
}

// Version implements charter.Service.
func (s *CharterService) Version(ctx context.Context, number int) (charter.Version, error) {
	var r versionRow
	if err := s.db.NewRaw("SELECT "+versionColumns+" FROM charter_versions WHERE number = ?", number).Scan(ctx, &r); err != nil {
		return charter.Version{}, translate(err, "charter.version.not_found")
	}
	return r.domain(), nil
}

// Current implements charter.Service.
func (s *CharterService) Current(ctx context.Context, now time.Time) (charter.Version, error) {
	return currentOf(ctx, s.db.DB, now)
}

// eventRow is a row of charter_events.
type eventRow struct {
	ID            int64     `bun:"id"`
	Seq           int64     `bun:"seq"`
	Kind          string    `bun:"kind"`
	At            time.Time `bun:"at"`
	SignatureCode string    `bun:"signature_code"`
	UserID        int64     `bun:"user_id"`
	ActorID       int64     `bun:"actor_id"`
	Email         string    `bun:"email"`
	TypedName     string    `bun:"typed_name"`
	StructureID   *int64    `bun:"structure_id"`
	Version       int       `bun:"version"`
	TextSHA256    string    `bun:"text_sha256"`
	ConsentSHA256 string    `bun:"consent_sha256"`
	IP            string    `bun:"ip"`
	UserAgent     string    `bun:"user_agent"`
	AuthMethod    string    `bun:"auth_method"`
	AuthLevel     string    `bun:"auth_level"`
	SessionID     string    `bun:"session_id"`
	Reason        string    `bun:"reason"`
	PrevHash      string    `bun:"prev_hash"`
	Hash          string    `bun:"hash"`
}

const eventColumns = `id, seq, kind, at, signature_code, user_id, actor_id, email, typed_name, structure_id, version,
	text_sha256, consent_sha256, ip, user_agent, auth_method, auth_level, session_id, reason, prev_hash, hash`

func (r *eventRow) domain() charter.Event {
	return charter.Event{Seq: r.Seq, Kind: charter.Kind(r.Kind), At: r.At.UTC(), SignatureCode: r.SignatureCode,
		UserID: r.UserID, ActorID: r.ActorID, Email: r.Email, TypedName: r.TypedName, StructureID: r.StructureID,
		Version: r.Version, TextSHA256: r.TextSHA256, ConsentSHA256: r.ConsentSHA256, IP: r.IP, UserAgent: r.UserAgent,
		AuthMethod: r.AuthMethod, AuthLevel: r.AuthLevel, SessionID: r.SessionID, Reason: r.Reason, PrevHash: r.PrevHash, Hash: r.Hash}
}

// eventsWhere reads events in chain order (seq).
func eventsWhere(ctx context.Context, db bun.IDB, where string, args ...any) ([]charter.Event, error) {
	var rows []eventRow
	if err := db.NewRaw("SELECT "+eventColumns+" FROM charter_events WHERE "+where+" ORDER BY seq", args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("charter events: %w", err)
	}
	out := make([]charter.Event, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// headOf reads the head of the chain: its last row.
func headOf(ctx context.Context, db bun.IDB) (charter.Head, error) {
	var rows []struct {
		Seq  int64
		Hash string
		At   time.Time
	}
	if err := db.NewRaw("SELECT seq, hash, at FROM charter_events ORDER BY seq DESC LIMIT 1").Scan(ctx, &rows); err != nil {
		return charter.Head{}, fmt.Errorf("charter head: %w", err)
	}
	if len(rows) == 0 {
		return charter.Head{}, nil
	}
	return charter.Head{Hash: rows[0].Hash, Count: rows[0].Seq, At: rows[0].At.UTC()}, nil
}

// appendEvent chains e after the head and writes it with its head, in tx
// (which holds the chain lock).
func appendEvent(ctx context.Context, tx bun.Tx, e charter.Event) (charter.Event, error) {
	head, err := headOf(ctx, tx)
	if err != nil {
		return e, err
	}
	e = charter.Next(head, e)
	_, err = tx.NewRaw(`INSERT INTO charter_events (seq, kind, at, signature_code, user_id, actor_id, email, typed_name,
		structure_id, version, text_sha256, consent_sha256, ip, user_agent, auth_method, auth_level, session_id, reason, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, string(e.Kind), e.At, e.SignatureCode, e.UserID, e.ActorID, e.Email, e.TypedName, e.StructureID, e.Version,
		e.TextSHA256, e.ConsentSHA256, e.IP, e.UserAgent, e.AuthMethod, e.AuthLevel, e.SessionID, e.Reason, e.PrevHash, e.Hash).Exec(ctx)
	if err != nil {
		return e, translate(fmt.Errorf("append charter event %d: %w", e.Seq, err), "charter.sign.bad_origin")
	}
	if _, err := tx.NewRaw("INSERT INTO charter_heads (count, hash, at) VALUES (?, ?, ?)", e.Seq, e.Hash, e.At).Exec(ctx); err != nil {
		return e, fmt.Errorf("charter head %d: %w", e.Seq, err)
	}
	return e, nil
}

// verifiedEmail returns the verified address of an account ("" when it is
// not verified): the e-mail a signature records is the account's, not the
// caller's word.
func verifiedEmail(ctx context.Context, db bun.IDB, userID int64) (string, error) {
	var rows []struct {
		Email         *string
		EmailVerified bool
	}
	if err := db.NewRaw("SELECT email, email_verified FROM users WHERE id = ? AND deleted_at IS NULL", userID).Scan(ctx, &rows); err != nil {
		return "", err
	}
	if len(rows) == 0 || rows[0].Email == nil || !rows[0].EmailVerified {
		return "", nil
	}
	return *rows[0].Email, nil
}

// Standing implements charter.Service.
func (s *CharterService) Standing(ctx context.Context, userID int64, now time.Time) (charter.MyStanding, error) {
	cur, err := currentOf(ctx, s.db.DB, now)
	if err != nil {
		return charter.MyStanding{}, err
	}
	events, err := eventsWhere(ctx, s.db.DB, "user_id = ?", userID)
	if err != nil {
		return charter.MyStanding{}, err
	}
	return standingOf(events, userID, cur), nil
}

func standingOf(events []charter.Event, userID int64, cur charter.Version) charter.MyStanding {
	st := charter.MyStanding{Standing: charter.StandingOf(events, userID, cur.Number), Current: cur}
	if st.Signed && (st.Status == charter.StatusWithdrawn || st.Status == charter.StatusRevoked) {
		for i := range events {
			e := events[i]
			if e.Seq > st.Signature.Seq && e.SignatureCode == st.Signature.SignatureCode && e.Kind != charter.KindSignature {
				st.Ended = &e
				if e.Kind == charter.KindRevocation {
					break
				}
			}
		}
	}
	return st
}

// Structures implements charter.Service.
func (s *CharterService) Structures(ctx context.Context, userID int64) ([]charter.StructureRef, error) {
	return structuresOf(ctx, s.db.DB, userID)
}

func structuresOf(ctx context.Context, db bun.IDB, userID int64) ([]charter.StructureRef, error) {
	var out []charter.StructureRef
	if err := db.NewRaw(`SELECT DISTINCT s.id, s.nom FROM memberships m JOIN structures s ON s.id = m.structure_id
		WHERE m.user_id = ? AND m.ended_on IS NULL ORDER BY s.nom, s.id`, userID).Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("charter structures of %d: %w", userID, err)
	}
	return out, nil
}

// Sign implements charter.Service: one transaction under the chain lock
// reads the current version at o.At and the signer's history, checks the
// form (charter.NewSignature), the structure named (one of the signer's),
// records the consent sentence shown, and appends the signature.
func (s *CharterService) Sign(ctx context.Context, in charter.SignInput, consentText, lang string, o charter.Origin) (charter.Event, error) {
	var out charter.Event
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, chainLock); err != nil {
			return err
		}
		email, err := verifiedEmail(ctx, tx, o.UserID)
		if err != nil {
			return err
		}
		o.Email = email
		cur, err := currentOf(ctx, tx, o.At)
		if err != nil {
			return err
		}
		history, err := eventsWhere(ctx, tx, "user_id = ?", o.UserID)
		if err != nil {
			return err
		}
		e, err := charter.NewSignature(in, consentText, cur, history, o, s.NewCode())
		if err != nil {
			return err
		}
		if in.StructureID != nil {
			mine, err := structuresOf(ctx, tx, o.UserID)
			if err != nil {
				return err
			}
			found := false
			for _, st := range mine {
				found = found || st.ID == *in.StructureID
			}
			if !found {
				return maillage.Invalid("structure_id", "charter.sign.structure_unknown")
			}
		}
		if _, err := tx.NewRaw(`INSERT INTO charter_consents (sha256, lang, text) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING`,
			e.ConsentSHA256, lang, consentText).Exec(ctx); err != nil {
			return err
		}
		out, err = appendEvent(ctx, tx, e)
		return err
	})
	return out, err
}

// Withdraw implements charter.Service.
func (s *CharterService) Withdraw(ctx context.Context, o charter.Origin, reason string) (charter.Event, error) {
	var out charter.Event
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, chainLock); err != nil {
			return err
		}
		email, err := verifiedEmail(ctx, tx, o.UserID)
		if err != nil {
			return err
		}
		o.Email = email
		cur, err := currentOf(ctx, tx, o.At)
		if err != nil {
			return err
		}
		history, err := eventsWhere(ctx, tx, "user_id = ?", o.UserID)
		if err != nil {
			return err
		}
		st := charter.StandingOf(history, o.UserID, cur.Number)
		if !st.Signed {
			return maillage.Errorf(maillage.ENOTFOUND, "charter.withdraw.none")
		}
		e, err := charter.NewWithdrawal(st.Signature, history, cur.Number, o, reason)
		if err != nil {
			return err
		}
		out, err = appendEvent(ctx, tx, e)
		return err
	})
	return out, err
}

// Revoke implements charter.Service: the revocation is a chain event and
// an audit entry (charter.revoked), in one transaction.
func (s *CharterService) Revoke(ctx context.Context, code string, o charter.Origin, reason string) (charter.Event, error) {
	norm, ok := charter.NormalizeCode(code)
	if !ok {
		return charter.Event{}, maillage.Invalid("code", "charter.verify.code_invalid")
	}
	var out charter.Event
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, chainLock); err != nil {
			return err
		}
		email, err := verifiedEmail(ctx, tx, o.UserID)
		if err != nil {
			return err
		}
		o.Email = email
		events, err := eventsWhere(ctx, tx, "signature_code = ?", norm)
		if err != nil {
			return err
		}
		if len(events) == 0 || events[0].Kind != charter.KindSignature {
			return maillage.Invalid("code", "charter.verify.not_found")
		}
		cur, err := currentOf(ctx, tx, o.At)
		if err != nil {
			return err
		}
		e, err := charter.NewRevocation(events[0], events[1:], cur.Number, o, reason)
		if err != nil {
			return err
		}
		if out, err = appendEvent(ctx, tx, e); err != nil {
			return err
		}
		actor, target := o.UserID, events[0].UserID
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &actor, Action: "charter.revoked", TargetID: &target, IP: out.IP,
			Details: map[string]any{"code": norm, "seq": out.Seq, "reason": out.Reason, "version": events[0].Version}})
	})
	return out, err
}

// signatureOf returns a signature and the events after it that name it.
func signatureOf(ctx context.Context, db bun.IDB, code string) (charter.Event, []charter.Event, error) {
	norm, ok := charter.NormalizeCode(code)
	if !ok {
		return charter.Event{}, nil, &maillage.Error{Code: maillage.ENOTFOUND, Key: "charter.verify.code_invalid",
			Problems: maillage.Problems{{Field: "code", Key: "charter.verify.code_invalid"}}}
	}
	events, err := eventsWhere(ctx, db, "signature_code = ?", norm)
	if err != nil {
		return charter.Event{}, nil, err
	}
	if len(events) == 0 || events[0].Kind != charter.KindSignature {
		return charter.Event{}, nil, &maillage.Error{Code: maillage.ENOTFOUND, Key: "charter.verify.not_found",
			Problems: maillage.Problems{{Field: "code", Key: "charter.verify.not_found"}}}
	}
	return events[0], events[1:], nil
}

// Signature implements charter.Service.
func (s *CharterService) Signature(ctx context.Context, code string) (charter.Event, []charter.Event, error) {
	return signatureOf(ctx, s.db.DB, code)
}

// Verify implements charter.Service.
func (s *CharterService) Verify(ctx context.Context, code string, now time.Time) (charter.Verification, error) {
	sig, later, err := signatureOf(ctx, s.db.DB, code)
	if err != nil {
		return charter.Verification{}, err
	}
	cur, err := currentOf(ctx, s.db.DB, now)
	if err != nil {
		return charter.Verification{}, err
	}
	return charter.VerificationOf(sig, later, cur.Number), nil
}

// Attestation implements charter.Service: the latest signature of the
// person, unless it was withdrawn or revoked, with the text and the
// consent sentence whose hashes it carries.
func (s *CharterService) Attestation(ctx context.Context, userID int64) (charter.Event, string, string, error) {
	events, err := eventsWhere(ctx, s.db.DB, "user_id = ?", userID)
	if err != nil {
		return charter.Event{}, "", "", err
	}
	st := charter.StandingOf(events, userID, 0)
	switch {
	case !st.Signed:
		return charter.Event{}, "", "", maillage.Errorf(maillage.ENOTFOUND, "charter.attestation.none")
	case st.Status == charter.StatusWithdrawn || st.Status == charter.StatusRevoked:
		return charter.Event{}, "", "", maillage.Errorf(maillage.ECONFLICT, "charter.attestation.ended")
	}
	var html, consent string
	if err := s.db.NewRaw("SELECT html FROM charter_versions WHERE number = ?", st.Signature.Version).Scan(ctx, &html); err != nil {
		return charter.Event{}, "", "", fmt.Errorf("text of version %d: %w", st.Signature.Version, err)
	}
	if err := s.db.NewRaw("SELECT text FROM charter_consents WHERE sha256 = ?", st.Signature.ConsentSHA256).Scan(ctx, &consent); err != nil {
		return charter.Event{}, "", "", fmt.Errorf("consent of %s: %w", st.Signature.SignatureCode, err)
	}
	return st.Signature, html, consent, nil
}

// Head implements charter.Service.
func (s *CharterService) Head(ctx context.Context) (charter.Head, error) { return headOf(ctx, s.db.DB) }

// Heads implements charter.Service.
func (s *CharterService) Heads(ctx context.Context, limit int) ([]charter.Head, error) {
	if limit <= 0 {
		limit = 100
	}
	var rows []struct {
		Count int64
		Hash  string
		At    time.Time
	}
	if err := s.db.NewRaw(`SELECT count, hash, at FROM (
			SELECT DISTINCT ON ((at AT TIME ZONE 'Europe/Paris')::date) count, hash, at
			FROM charter_heads ORDER BY (at AT TIME ZONE 'Europe/Paris')::date DESC, count DESC) d
		ORDER BY count DESC LIMIT ?`, limit).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("charter heads: %w", err)
	}
	out := make([]charter.Head, len(rows))
	for i, r := range rows {
		out[i] = charter.Head{Count: r.Count, Hash: r.Hash, At: r.At.UTC()}
	}
	return out, nil
}

// VerifyChain implements charter.Service.
func (s *CharterService) VerifyChain(ctx context.Context) (*charter.Break, int64, error) {
	return VerifyCharterChain(ctx, s.db.DB)
}

// VerifyCharterChain reads every event in the order it was written (id)
// and every recorded head, and checks them (charter.Verify): the first
// break names its row. Tests call it inside a transaction that tampered
// with the rows.
func VerifyCharterChain(ctx context.Context, db bun.IDB) (*charter.Break, int64, error) {
	events, heads, err := ReadCharterChain(ctx, db)
	if err != nil {
		return nil, 0, err
	}
	return charter.Verify(events, heads...), int64(len(events)), nil
}

// ReadCharterChain returns every event in the order it was written (id),
// and every recorded head by count.
func ReadCharterChain(ctx context.Context, db bun.IDB) ([]charter.Event, []charter.Head, error) {
	var rows []eventRow
	if err := db.NewRaw("SELECT "+eventColumns+" FROM charter_events ORDER BY id").Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("read the charter chain: %w", err)
	}
	events := make([]charter.Event, len(rows))
	for i := range rows {
		events[i] = rows[i].domain()
	}
	var heads []charter.Head
	if err := db.NewRaw("SELECT count, hash, at FROM charter_heads ORDER BY count").Scan(ctx, &heads); err != nil {
		return nil, nil, fmt.Errorf("read the charter heads: %w", err)
	}
	for i := range heads {
		heads[i].At = heads[i].At.UTC()
	}
	return events, heads, nil
}
