package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/charter"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
)

// Charter versions come from content/charte (the loader parses them with
// charter.ParseVersions) and are stored with the SHA-256 of their text. A
// stored text never changes: a file whose Markdown differs from what was
// stored is refused (publish a new version instead); a version missing
// from the files stays. Once a new version is in force, the signers of
// older versions are asked by mail to sign it (announce), in the
// transaction that marks it announced.

// SyncCharter stores the charter versions read from content (the loader's
// "charte" set) and records the content hash.
func (s *ContentStore) SyncCharter(ctx context.Context, sha string, versions []charter.Version) ([]maillage.Problem, error) {
	// No texts at start-up (the catalogue is built later): the charter
	// worker announces the version in force (RunAnnouncements).
	cs := &CharterService{db: s.db}
	var warnings []maillage.Problem
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if warnings, err = cs.syncVersions(ctx, tx, versions, time.Now()); err != nil {
			return err
		}
		return markSynced(ctx, tx, "charte", sha, len(versions))
	})
	return warnings, err
}

// SyncVersions stores versions as of now and announces the one in force
// if it was not yet (tests publish a new version with it).
func (s *CharterService) SyncVersions(ctx context.Context, versions []charter.Version, now time.Time) ([]maillage.Problem, error) {
	var warnings []maillage.Problem
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		warnings, err = s.syncVersions(ctx, tx, versions, now)
		return err
	})
	return warnings, err
}

func (s *CharterService) syncVersions(ctx context.Context, tx bun.Tx, versions []charter.Version, now time.Time) ([]maillage.Problem, error) {
	if _, err := tx.ExecContext(ctx, chainLock); err != nil {
		return nil, err
	}
	stored, err := versionsOf(ctx, tx)
	if err != nil {
		return nil, err
	}
	byNumber := map[int]charter.Version{}
	for _, v := range stored {
		byNumber[v.Number] = v
	}
	var ps, warnings maillage.Problems
	for _, v := range versions {
		old, ok := byNumber[v.Number]
		switch {
		case !ok:
			if _, err := tx.NewRaw(`INSERT INTO charter_versions (number, published_at, summary, source, licence, file, markdown, html, sha256, source_sha256)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.Number, v.PublishedAt, v.Summary, v.Source, v.Licence, v.File, v.Markdown,
				string(v.HTML), v.SHA256, v.SourceSHA256).Exec(ctx); err != nil {
				return nil, fmt.Errorf("store charter version %d: %w", v.Number, err)
			}
			continue
		case old.SourceSHA256 != v.SourceSHA256:
			ps.Add(v.File+":texte", charter.KeyVersionChanged, "File", v.File, "Number", v.Number)
			continue
		case old.SHA256 != v.SHA256:
			// Same Markdown, other HTML (a new goldmark): the stored HTML
			// and its hash stay, signatures carry it.
			warnings.Add(v.File+":texte", charter.KeyRenderChanged, "File", v.File, "Number", v.Number)
		}
		if !old.PublishedAt.Equal(v.PublishedAt) && !old.PublishedAt.After(now) {
			ps.Add(v.File+":publiee_le", "charter.version.date_changed", "File", v.File, "Number", v.Number)
			continue
		}
		if _, err := tx.NewRaw(`UPDATE charter_versions SET published_at = ?, summary = ?, source = ?, licence = ?, file = ? WHERE number = ?`,
			v.PublishedAt, v.Summary, v.Source, v.Licence, v.File, v.Number).Exec(ctx); err != nil {
			return nil, fmt.Errorf("update charter version %d: %w", v.Number, err)
		}
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if s.Texts != nil {
		if _, err := s.announce(ctx, tx, now); err != nil {
			return nil, err
		}
	}
	return warnings, nil
}

// Announce asks, once, the signers of older versions to sign the version
// in force at now: a mail each through the outbox, in the transaction that
// marks the version announced. It returns how many mails it wrote.
func (s *CharterService) Announce(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, chainLock); err != nil {
			return err
		}
		var err error
		n, err = s.announce(ctx, tx, now)
		return err
	})
	return n, err
}

func (s *CharterService) announce(ctx context.Context, tx bun.Tx, now time.Time) (int, error) {
	// Locked: another instance announcing at the same moment skips these
	// versions, and finds them announced once this transaction commits.
	var due []int
	if err := tx.NewRaw("SELECT number FROM charter_versions WHERE published_at <= ? AND announced_at IS NULL ORDER BY number FOR UPDATE SKIP LOCKED", now).Scan(ctx, &due); err != nil {
		return 0, err
	}
	if len(due) == 0 {
		return 0, nil
	}
	cur, err := currentOf(ctx, tx, now)
	if err != nil {
		return 0, err
	}
	// Those whose latest signature is of an older version and neither
	// withdrawn nor revoked: charter.StatusSuperseded.
	var people []struct {
		Email       string
		DisplayName string
		Version     int
	}
	if err := tx.NewRaw(`WITH latest AS (
			SELECT DISTINCT ON (user_id) user_id, signature_code, version FROM charter_events
			WHERE kind = 'signature' ORDER BY user_id, seq DESC)
		SELECT u.email, coalesce(nullif(u.display_name, ''), l.user_id::text) AS display_name, l.version
		FROM latest l JOIN users u ON u.id = l.user_id
		WHERE l.version < ? AND u.email IS NOT NULL AND u.email_verified AND u.deleted_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM charter_events e WHERE e.signature_code = l.signature_code AND e.kind <> 'signature')
		ORDER BY l.user_id`, cur.Number).Scan(ctx, &people); err != nil {
		return 0, fmt.Errorf("signers to ask again: %w", err)
	}
	if s.Texts == nil {
		return 0, fmt.Errorf("announce charter version %d: no texts to write the mails", cur.Number)
	}
	const lang = i18n.FR
	date := dateFR(s.Texts, cur.PublishedAt)
	for _, p := range people {
		m := &maillage.Mail{To: p.Email, Kind: "charter_new_version", Lang: lang,
			Subject: s.Texts.T(lang, "charter.mail.new_version.subject", "Version", cur.Number),
			Text: s.Texts.T(lang, "charter.mail.new_version.body", "Name", p.DisplayName, "Version", cur.Number, "Date", date,
				"Summary", cur.Summary, "Signed", p.Version, "Link", s.BaseURL+"/charte/signer")}
		if err := EnqueueMail(ctx, tx, m); err != nil {
			return 0, err
		}
	}
	if _, err := tx.NewRaw("UPDATE charter_versions SET announced_at = ? WHERE number IN (?)", now, bun.In(due)).Exec(ctx); err != nil {
		return 0, err
	}
	return len(people), nil
}

// dateFR formats a publication day (« 25 novembre 2026 »).
func dateFR(t maillage.Texts, at time.Time) string {
	if c, ok := t.(*i18n.Catalog); ok {
		return c.Date(i18n.FR, at)
	}
	return at.In(maillage.Paris).Format(time.DateOnly)
}

// RunAnnouncements announces new versions whose publication day comes
// while the portal runs (a file deployed ahead of its date), hourly, until
// ctx is done.
func (s *CharterService) RunAnnouncements(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.Announce(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("charter announcements", "err", err)
		} else if n > 0 {
			log.Info("charter: signers asked to sign the new version", "mails", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
