package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"maillage/internal/training"
)

// RNCPResult says what an RNCP import changed. A fiche whose certification
// content/referentiel manages (same number) only records the register's
// state (Content); the others are written with their blocs.
type RNCPResult struct {
	Fiches    int `json:"fiches"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Content   int `json:"content"`  // certifications of content/referentiel, marked only
	Inactive  int `json:"inactive"` // inactive fiches among those read (kept, marked)
	Linked    int `json:"linked"`   // successor links set
}

// ImportRNCP writes the fiches that read yields, in one transaction:
// idempotent (a fiche read again unchanged writes nothing), an inactive
// fiche is kept and marked (its certification and blocs retired, never
// deleted: offers and profiles may point to them), blocs no longer listed
// are retired, and a superseded title is linked to its successor
// (certifications.replaces of the newer one, when the import manages it).
func (s *TrainingService) ImportRNCP(ctx context.Context, read func(yield func(*training.Fiche) error) error) (*RNCPResult, error) {
	res := &RNCPResult{}
	type link struct{ older, newer string }
	var links []link
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// The retired_at of the certifications this import manages is its
		// own (see the rncp_fiches migration).
		if _, err := tx.ExecContext(ctx, "SET LOCAL maillage.rncp_import = 'on'"); err != nil {
			return err
		}
		err := read(func(f *training.Fiche) error {
			res.Fiches++
			if !f.Active {
				res.Inactive++
			}
			for _, old := range f.Replaces {
				links = append(links, link{older: old, newer: f.Number})
			}
			for _, nw := range f.Successors {
				links = append(links, link{older: f.Number, newer: nw})
			}
			return importFiche(ctx, tx, f, res)
		})
		if err != nil {
			return err
		}
		for _, l := range links {
			n, err := linkFiches(ctx, tx, l.older, l.newer)
			if err != nil {
				return fmt.Errorf("link %s → %s: %w", l.older, l.newer, err)
			}
			res.Linked += n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.forgetCertifications()
	return res, nil
}

func ficheDigest(f *training.Fiche) string {
	c := *f
	c.Line = 0
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func importFiche(ctx context.Context, tx bun.Tx, f *training.Fiche, res *RNCPResult) error {
	digest := ficheDigest(f)
	var known []struct {
		CertificationCode string
		Managed           bool
		Digest            string
	}
	if err := tx.NewRaw("SELECT certification_code, managed, digest FROM rncp_fiches WHERE number = ?", f.Number).Scan(ctx, &known); err != nil {
		return err
	}
	if len(known) > 0 && known[0].Digest == digest {
		res.Unchanged++
		return nil
	}
	code, managed := f.Number, true
	if len(known) > 0 {
		code, managed = known[0].CertificationCode, known[0].Managed
	} else {
		var existing []string
		if err := tx.NewRaw("SELECT code FROM certifications WHERE upper(number) = ? ORDER BY (code = ?) DESC, code LIMIT 1", f.Number, f.Number).Scan(ctx, &existing); err != nil {
			return err
		}
		if len(existing) > 0 && existing[0] != f.Number {
			code, managed = existing[0], false // content/referentiel's
		}
	}
	if managed {
		if err := writeFicheCertification(ctx, tx, f); err != nil {
			return fmt.Errorf("fiche %s: %w", f.Number, err)
		}
	} else {
		res.Content++
	}
	certs, _ := json.Marshal(nonNil(f.Certificateurs))
	blocs, _ := json.Marshal(nonNil(f.Blocs))
	_, err := tx.NewRaw(`INSERT INTO rncp_fiches (number, certification_code, managed, active, certificateurs, nsf, blocs, replaces, successors, digest)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (number) DO UPDATE SET active = EXCLUDED.active, certificateurs = EXCLUDED.certificateurs, nsf = EXCLUDED.nsf,
			blocs = EXCLUDED.blocs, replaces = EXCLUDED.replaces, successors = EXCLUDED.successors, digest = EXCLUDED.digest, updated_at = now()`,
		f.Number, code, managed, f.Active, string(certs), pgArray(f.NSF), string(blocs), pgArray(f.Replaces), pgArray(f.Successors), digest).Exec(ctx)
	if err != nil {
		return fmt.Errorf("fiche %s: %w", f.Number, err)
	}
	if len(known) > 0 {
		res.Updated++
	} else {
		res.Created++
	}
	return nil
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// writeFicheCertification writes a certification the import manages, and
// its blocs, keyed by the fiche's number and the blocs' official codes.
func writeFicheCertification(ctx context.Context, tx bun.Tx, f *training.Fiche) error {
	c := f.Certification()
	if c.ValidFrom != nil && c.ValidUntil != nil && c.ValidFrom.After(*c.ValidUntil) {
		c.ValidFrom = nil // the register's dates disagree: keep the end
	}
	title := strings.TrimSpace(c.Title)
	if title == "" {
		title = f.Number
	}
	if _, err := tx.NewRaw(`INSERT INTO certifications (code, kind, number, number_confirmed, title, level, nsf, certificateur,
			valid_from, valid_until, retired_at)
		VALUES (?, ?, ?, true, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN NULL ELSE now() END)
		ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, number = EXCLUDED.number, number_confirmed = true,
			title = EXCLUDED.title, level = EXCLUDED.level, nsf = EXCLUDED.nsf, certificateur = EXCLUDED.certificateur,
			valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until,
			retired_at = CASE WHEN ? THEN NULL ELSE coalesce(certifications.retired_at, now()) END`,
		c.Code, string(c.Kind), c.Number, title, nullInt(c.Level), c.NSF, c.Certificateur, c.ValidFrom, c.ValidUntil, f.Active, f.Active).Exec(ctx); err != nil {
		return err
	}
	codes := make([]string, 0, len(c.Blocs))
	for i, b := range c.Blocs {
		rank := b.Rank
		if rank <= 0 {
			rank = i + 1
		}
		label := strings.TrimSpace(b.Label)
		if label == "" {
			label = b.Code
		}
		codes = append(codes, b.Code)
		if _, err := tx.NewRaw(`INSERT INTO blocs (code, certification_code, rank, label, status, retired_at)
			VALUES (?, ?, ?, ?, 'confirme', CASE WHEN ? THEN NULL ELSE now() END)
			ON CONFLICT (code) DO UPDATE SET certification_code = EXCLUDED.certification_code, rank = EXCLUDED.rank,
				label = EXCLUDED.label, status = 'confirme',
				retired_at = CASE WHEN ? THEN NULL ELSE coalesce(blocs.retired_at, now()) END`,
			b.Code, c.Code, rank, label, f.Active, f.Active).Exec(ctx); err != nil {
			return fmt.Errorf("bloc %s: %w", b.Code, err)
		}
	}
	_, err := tx.NewRaw(`UPDATE blocs SET retired_at = now() WHERE certification_code = ? AND retired_at IS NULL AND NOT (code = ANY (?::text[]))`,
		c.Code, pgArray(codes)).Exec(ctx)
	return err
}

// linkFiches records that newer replaces older (both by number) on the
// newer certification when the import manages it and both are known. It
// returns 1 when the link changed.
func linkFiches(ctx context.Context, tx bun.Tx, older, newer string) (int, error) {
	res, err := tx.NewRaw(`UPDATE certifications c SET replaces = o.code
		FROM rncp_fiches nf, (SELECT coalesce((SELECT certification_code FROM rncp_fiches WHERE number = ?),
				(SELECT code FROM certifications WHERE upper(number) = ? ORDER BY code LIMIT 1)) AS code) o
		WHERE nf.number = ? AND nf.managed AND c.code = nf.certification_code AND o.code IS NOT NULL
			AND o.code <> c.code AND c.replaces IS DISTINCT FROM o.code`, older, older, newer).Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// RNCPFiche is what the register says of a certification (nil when it was
// never imported).
type RNCPFiche struct {
	Number     string   `json:"number"`
	Active     bool     `json:"active"`
	Managed    bool     `json:"managed"`
	Successors []string `json:"successors,omitempty"`
	Replaces   []string `json:"replaces,omitempty"`
}

// FindRNCPFiche returns the register's state of a certification.
func (s *TrainingService) FindRNCPFiche(ctx context.Context, certificationCode string) (*RNCPFiche, error) {
	var rows []struct {
		Number     string   `bun:"number"`
		Active     bool     `bun:"active"`
		Managed    bool     `bun:"managed"`
		Successors []string `bun:"successors,array"`
		Replaces   []string `bun:"replaces,array"`
	}
	if err := s.db.NewRaw("SELECT number, active, managed, successors, replaces FROM rncp_fiches WHERE certification_code = ?", certificationCode).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	return &RNCPFiche{Number: r.Number, Active: r.Active, Managed: r.Managed, Successors: r.Successors, Replaces: r.Replaces}, nil
}
