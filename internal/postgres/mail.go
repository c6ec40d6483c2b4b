package postgres

import (
	"cmp"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"maillage/internal/maillage"
)

// MailStore is the mail outbox (the mails table): what the mail worker
// claims and marks (mail.Outbox), what the development mailbox lists
// (maillage.MailStore). Mails are written by EnqueueMail inside the
// transaction of the change that causes them.
type MailStore struct{ db *DB }

var _ maillage.MailStore = (*MailStore)(nil)

// NewMailStore returns the store.
func NewMailStore(db *DB) *MailStore { return &MailStore{db: db} }

// MailRetention is how long sent and abandoned mails are kept (housekeeping
// purges them after that).
const MailRetention = 30 * 24 * time.Hour

// mailChannel is the NOTIFY channel of the insert trigger on mails.
const mailChannel = "maillage_mails"

// EnqueueMail writes m to the outbox in tx, the transaction of the change
// that causes it (storage files call it next to their other writes): the
// mail exists if and only if the change is committed, and the workers are
// woken up at commit. It sets m.ID, m.CreatedAt and m.NextAttemptAt. A
// mail that fails m.Check is refused (an internal error: a bug of the
// caller), which rolls the change back.
func EnqueueMail(ctx context.Context, tx bun.IDB, m *maillage.Mail) error {
	m.To = NormalizeEmail(m.To)
	if err := m.Check(); err != nil {
		return err
	}
	err := tx.NewRaw(`INSERT INTO mails (kind, lang, recipient, subject, body) VALUES (?, ?, ?, ?, ?)
		RETURNING id, created_at, next_attempt_at`, m.Kind, m.Lang, m.To, m.Subject, m.Text).
		Scan(ctx, &m.ID, &m.CreatedAt, &m.NextAttemptAt)
	if err != nil {
		return fmt.Errorf("enqueue mail %s: %w", m.Kind, err)
	}
	return nil
}

type mailRow struct {
	ID            int64
	Kind          string
	Lang          string
	Recipient     string
	Subject       string
	Body          string
	CreatedAt     time.Time
	NextAttemptAt time.Time
	Attempts      int
	LastError     string
	SentAt        *time.Time
	AbandonedAt   *time.Time
}

const mailColumns = "id, kind, lang, recipient, subject, body, created_at, next_attempt_at, attempts, last_error, sent_at, abandoned_at"

func (r *mailRow) domain() *maillage.Mail {
	return &maillage.Mail{ID: r.ID, Kind: r.Kind, Lang: r.Lang, To: r.Recipient, Subject: r.Subject, Text: r.Body,
		CreatedAt: r.CreatedAt, NextAttemptAt: r.NextAttemptAt, Attempts: r.Attempts, LastError: r.LastError,
		SentAt: r.SentAt, AbandonedAt: r.AbandonedAt}
}

func mailsOf(rows []mailRow) []*maillage.Mail {
	out := make([]*maillage.Mail, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out
}

// ClaimMails leases up to limit mails due at now (soonest first) until
// now+lease and returns them. Several workers, in one or several portal
// instances, can claim at the same time: a row locked by another claim is
// skipped (FOR UPDATE SKIP LOCKED) and a leased row is left alone until
// its lease ends, so each mail goes to one worker. A worker that dies
// leaves its mails to the others once the lease ends.
func (s *MailStore) ClaimMails(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*maillage.Mail, error) {
	var rows []mailRow
	err := s.db.NewRaw(`WITH due AS (
			SELECT id FROM mails
			WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= ?0
				AND (locked_until IS NULL OR locked_until <= ?0)
			ORDER BY next_attempt_at, id LIMIT ?1
			FOR UPDATE SKIP LOCKED)
		UPDATE mails m SET locked_until = ?2 FROM due WHERE m.id = due.id
		RETURNING `+prefixColumns("m.", mailColumns), now, limit, now.Add(lease)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("claim mails: %w", err)
	}
	out := mailsOf(rows)
	// UPDATE … RETURNING does not keep the order of the claim.
	slices.SortFunc(out, func(a, b *maillage.Mail) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func prefixColumns(prefix, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, c := range parts {
		parts[i] = prefix + c
	}
	return strings.Join(parts, ", ")
}

// MarkSent records that the SMTP server accepted a mail (or that it is
// kept for the development mailbox). It is never sent again. The last
// error of earlier attempts stays, for the record.
func (s *MailStore) MarkSent(ctx context.Context, id int64, at time.Time) error {
	_, err := s.db.NewRaw(`UPDATE mails SET sent_at = ?, attempts = attempts + 1, locked_until = NULL
		WHERE id = ? AND sent_at IS NULL`, at, id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark mail %d sent: %w", id, err)
	}
	return nil
}

// MarkFailed records a failed attempt: the mail is tried again from next.
// A mail sent meanwhile (by a worker that took over an expired lease) is
// left as sent.
func (s *MailStore) MarkFailed(ctx context.Context, id int64, reason string, next time.Time) error {
	_, err := s.db.NewRaw(`UPDATE mails SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, locked_until = NULL
		WHERE id = ? AND sent_at IS NULL`, lastError(reason), next, id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark mail %d failed: %w", id, err)
	}
	return nil
}

// AbandonMail records a last failed attempt: the mail is not tried again.
// The row stays (purged with the sent ones) so the failure can be looked at.
func (s *MailStore) AbandonMail(ctx context.Context, id int64, reason string, at time.Time) error {
	_, err := s.db.NewRaw(`UPDATE mails SET attempts = attempts + 1, last_error = ?, abandoned_at = ?, locked_until = NULL
		WHERE id = ? AND sent_at IS NULL`, lastError(reason), at, id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("abandon mail %d: %w", id, err)
	}
	return nil
}

// ReleaseMails ends the lease of claimed mails that were not tried (the
// worker is stopping), so any worker can take them at once.
func (s *MailStore) ReleaseMails(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.NewRaw("UPDATE mails SET locked_until = NULL WHERE id IN (?) AND sent_at IS NULL", bun.In(ids)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("release mails: %w", err)
	}
	return nil
}

// NextMailAt returns when the next pending mail can be claimed: its next
// attempt, or the end of its lease if later. ok is false when no mail is
// pending.
func (s *MailStore) NextMailAt(ctx context.Context) (at time.Time, ok bool, err error) {
	var next *time.Time
	err = s.db.NewRaw(`SELECT min(greatest(next_attempt_at, coalesce(locked_until, next_attempt_at))) FROM mails
		WHERE sent_at IS NULL AND abandoned_at IS NULL`).Scan(ctx, &next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next mail: %w", err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return *next, true, nil
}

// ListenMails calls wake once listening, then at each committed insert
// into the outbox (LISTEN on a connection of its own), until ctx is done
// or the connection fails.
func (s *MailStore) ListenMails(ctx context.Context, wake func()) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("listen for mails: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+mailChannel); err != nil {
			return errors.Join(err, driver.ErrBadConn)
		}
		wake() // mails committed before LISTEN
		for {
			if _, err := pc.WaitForNotification(ctx); err != nil {
				// Cancelled or broken: the connection still listens (or is
				// dead); do not give it back to the pool.
				return errors.Join(err, driver.ErrBadConn)
			}
			wake()
		}
	})
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("listen for mails: %w", err)
}

// FindMails returns mails, newest first, and how many match in all.
func (s *MailStore) FindMails(ctx context.Context, f maillage.MailFilter) ([]*maillage.Mail, int, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q := s.db.NewSelect().TableExpr("mails").ColumnExpr(mailColumns).OrderExpr("id DESC").Limit(int64(f.Limit))
	if f.To != "" {
		q = q.Where("recipient = ?", NormalizeEmail(f.To))
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	var rows []mailRow
	n, err := q.ScanAndCount(ctx, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("find mails: %w", err)
	}
	return mailsOf(rows), int(n), nil
}

// PurgeMails removes the mails sent or abandoned before before and returns
// how many. Housekeeping calls it (through AuthStore.Cleanup) with
// now - MailRetention.
func (s *MailStore) PurgeMails(ctx context.Context, before time.Time) (int64, error) {
	return purgeMails(ctx, s.db.DB, before)
}

func purgeMails(ctx context.Context, db bun.IDB, before time.Time) (int64, error) {
	res, err := db.NewRaw("DELETE FROM mails WHERE sent_at < ?0 OR abandoned_at < ?0", before).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge mails: %w", err)
	}
	return res.RowsAffected()
}
