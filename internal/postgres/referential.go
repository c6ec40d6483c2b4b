package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"maillage/internal/maillage"
)

// SyncReferentiel writes the competency referential in one transaction:
// upserts by code (a label edit updates in place), retires the rows missing
// from the new version (retired_at, never a delete: something may reference
// them), reactivates the rows that come back, replaces the competence links
// of the blocs in the files, records each file's version and the content hash.
func (s *ContentStore) SyncReferentiel(ctx context.Context, sha string, ref *maillage.Referential) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		domains := make([]string, len(ref.Domains))
		for i, d := range ref.Domains {
			domains[i] = d.Code
			if _, err := tx.NewRaw(`INSERT INTO competence_domains (code, label, rank) VALUES (?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET label = EXCLUDED.label, rank = EXCLUDED.rank, retired_at = NULL`,
				d.Code, d.Label, d.Rank).Exec(ctx); err != nil {
				return fmt.Errorf("upsert domain %s: %w", d.Code, err)
			}
		}
		competences := make([]string, len(ref.Competences))
		for i, c := range ref.Competences {
			competences[i] = c.Code
			if _, err := tx.NewRaw(`INSERT INTO competences (code, label, domain_code, rank, variants) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET label = EXCLUDED.label, domain_code = EXCLUDED.domain_code,
					rank = EXCLUDED.rank, variants = EXCLUDED.variants, retired_at = NULL`,
				c.Code, c.Label, c.DomainCode, c.Rank, textArray(c.Variants)).Exec(ctx); err != nil {
				return fmt.Errorf("upsert competence %s: %w", c.Code, err)
			}
		}
		for _, l := range ref.Levels {
			if _, err := tx.NewRaw(`INSERT INTO competence_levels (level, name) VALUES (?, ?)
				ON CONFLICT (level) DO UPDATE SET name = EXCLUDED.name`, l.Level, l.Name).Exec(ctx); err != nil {
				return fmt.Errorf("upsert level %d: %w", l.Level, err)
			}
		}
		for _, l := range ref.PixLevels {
			if _, err := tx.NewRaw(`INSERT INTO pix_levels (level, key, pix_min, pix_max) VALUES (?, ?, ?, ?)
				ON CONFLICT (level) DO UPDATE SET key = EXCLUDED.key, pix_min = EXCLUDED.pix_min, pix_max = EXCLUDED.pix_max`,
				l.Level, l.Key, l.PixMin, l.PixMax).Exec(ctx); err != nil {
				return fmt.Errorf("upsert pix level %d: %w", l.Level, err)
			}
		}
		// Certifications first without replaces, so a certification may
		// replace one written later in the file.
		certs := make([]string, len(ref.Certifications))
		var blocs []string
		for i, c := range ref.Certifications {
			certs[i] = c.Code
			if _, err := tx.NewRaw(`INSERT INTO certifications (code, kind, number, number_confirmed, title, level, nsf,
					certificateur, legal_text, valid_from, valid_until, note)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, number = EXCLUDED.number,
					number_confirmed = EXCLUDED.number_confirmed, title = EXCLUDED.title, level = EXCLUDED.level,
					nsf = EXCLUDED.nsf, certificateur = EXCLUDED.certificateur, legal_text = EXCLUDED.legal_text,
					valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until, note = EXCLUDED.note,
					retired_at = NULL`,
				c.Code, string(c.Kind), c.Number, c.NumberConfirmed, c.Title, nullInt(c.Level), c.NSF,
				c.Certificateur, c.LegalText, c.ValidFrom, c.ValidUntil, c.Note).Exec(ctx); err != nil {
				return fmt.Errorf("upsert certification %s: %w", c.Code, err)
			}
		}
		for _, c := range ref.Certifications {
			if _, err := tx.NewRaw(`UPDATE certifications SET replaces = NULLIF(?, '') WHERE code = ?`, c.Replaces, c.Code).Exec(ctx); err != nil {
				return fmt.Errorf("certification %s replaces %s: %w", c.Code, c.Replaces, err)
			}
			for _, b := range c.Blocs {
				blocs = append(blocs, b.Code)
				if _, err := tx.NewRaw(`INSERT INTO blocs (code, certification_code, rank, label, status, note) VALUES (?, ?, ?, ?, ?, ?)
					ON CONFLICT (code) DO UPDATE SET certification_code = EXCLUDED.certification_code, rank = EXCLUDED.rank,
						label = EXCLUDED.label, status = EXCLUDED.status, note = EXCLUDED.note, retired_at = NULL`,
					b.Code, c.Code, b.Rank, b.Label, string(b.Status), b.Note).Exec(ctx); err != nil {
					return fmt.Errorf("upsert bloc %s: %w", b.Code, err)
				}
				// The links of a bloc in the files are what the files say;
				// links of retired blocs are kept as they were.
				if _, err := tx.NewRaw(`DELETE FROM bloc_competences WHERE bloc_code = ?`, b.Code).Exec(ctx); err != nil {
					return fmt.Errorf("bloc %s competences: %w", b.Code, err)
				}
				if len(b.Competences) > 0 {
					if _, err := tx.NewRaw(`INSERT INTO bloc_competences (bloc_code, competence_code) SELECT ?, unnest(?::text[])`,
						b.Code, textArray(b.Competences)).Exec(ctx); err != nil {
						return fmt.Errorf("bloc %s competences: %w", b.Code, err)
					}
				}
			}
		}
		for _, r := range []struct {
			table string
			codes []string
		}{{"blocs", blocs}, {"certifications", certs}, {"competences", competences}, {"competence_domains", domains}} {
			if _, err := tx.NewRaw(`UPDATE ? SET retired_at = now() WHERE retired_at IS NULL AND NOT (code = ANY(?::text[]))`,
				bun.Ident(r.table), textArray(r.codes)).Exec(ctx); err != nil {
				return fmt.Errorf("retire %s: %w", r.table, err)
			}
		}
		for _, v := range ref.Versions {
			if _, err := tx.NewRaw(`INSERT INTO referential_versions (name, version, sha256, synced_at) VALUES (?, ?, ?, now())
				ON CONFLICT (name, version) DO UPDATE SET sha256 = EXCLUDED.sha256, synced_at = now()`,
				v.Name, v.Version, v.SHA256).Exec(ctx); err != nil {
				return fmt.Errorf("record version %s %s: %w", v.Name, v.Version, err)
			}
		}
		rows := len(ref.Domains) + len(ref.Competences) + len(ref.Levels) + len(ref.PixLevels) + len(certs) + len(blocs)
		return markSynced(ctx, tx, "referentiel", sha, rows)
	})
}

// textArray passes a string slice as a PostgreSQL text[] (never NULL).
func textArray(s []string) any {
	if s == nil {
		s = []string{}
	}
	return pgdialect.Array(s)
}

func nullInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// ReferentialService implements maillage.ReferentialService.
type ReferentialService struct{ db *DB }

// NewReferentialService returns the referential service.
func NewReferentialService(db *DB) *ReferentialService { return &ReferentialService{db: db} }

var _ maillage.ReferentialService = (*ReferentialService)(nil)

type competenceRow struct {
	Code       string     `bun:"code"`
	Label      string     `bun:"label"`
	DomainCode string     `bun:"domain_code"`
	Rank       int        `bun:"rank"`
	Variants   []string   `bun:"variants,array"`
	RetiredAt  *time.Time `bun:"retired_at"`
}

func (r *competenceRow) domain() *maillage.Competence {
	c := &maillage.Competence{Code: r.Code, Label: r.Label, DomainCode: r.DomainCode, Rank: r.Rank, Variants: r.Variants, RetiredAt: r.RetiredAt}
	if len(c.Variants) == 0 {
		c.Variants = nil
	}
	return c
}

type certificationRow struct {
	Code            string     `bun:"code"`
	Kind            string     `bun:"kind"`
	Number          string     `bun:"number"`
	NumberConfirmed bool       `bun:"number_confirmed"`
	Title           string     `bun:"title"`
	Level           *int       `bun:"level"`
	NSF             string     `bun:"nsf"`
	Certificateur   string     `bun:"certificateur"`
	LegalText       string     `bun:"legal_text"`
	ValidFrom       *time.Time `bun:"valid_from"`
	ValidUntil      *time.Time `bun:"valid_until"`
	Replaces        *string    `bun:"replaces"`
	Note            string     `bun:"note"`
	RetiredAt       *time.Time `bun:"retired_at"`
}

func (r *certificationRow) domain() *maillage.Certification {
	c := &maillage.Certification{Code: r.Code, Kind: maillage.CertificationKind(r.Kind), Number: r.Number,
		NumberConfirmed: r.NumberConfirmed, Title: r.Title, NSF: r.NSF, Certificateur: r.Certificateur,
		LegalText: r.LegalText, ValidFrom: utcDay(r.ValidFrom), ValidUntil: utcDay(r.ValidUntil), Note: r.Note,
		RetiredAt: r.RetiredAt, Blocs: []*maillage.Bloc{}}
	if r.Level != nil {
		c.Level = *r.Level
	}
	if r.Replaces != nil {
		c.Replaces = *r.Replaces
	}
	return c
}

// utcDay returns a date column as midnight UTC, whatever the session zone.
func utcDay(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

type blocRow struct {
	Code              string     `bun:"code"`
	CertificationCode string     `bun:"certification_code"`
	Rank              int        `bun:"rank"`
	Label             string     `bun:"label"`
	Status            string     `bun:"status"`
	Note              string     `bun:"note"`
	Competences       []string   `bun:"competences,array"`
	RetiredAt         *time.Time `bun:"retired_at"`
}

func (r *blocRow) domain() *maillage.Bloc {
	b := &maillage.Bloc{Code: r.Code, CertificationCode: r.CertificationCode, Rank: r.Rank, Label: r.Label,
		Status: maillage.SourceStatus(r.Status), Note: r.Note, Competences: r.Competences, RetiredAt: r.RetiredAt}
	if b.Competences == nil {
		b.Competences = []string{}
	}
	return b
}

// FindDomains lists the active domains in order.
func (s *ReferentialService) FindDomains(ctx context.Context) ([]*maillage.Domain, error) {
	var out []*maillage.Domain
	err := s.db.NewRaw("SELECT code, label, rank, retired_at FROM competence_domains WHERE retired_at IS NULL ORDER BY rank, code").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("find domains: %w", err)
	}
	return out, nil
}

const competenceColumns = "code, label, domain_code, rank, variants, retired_at"

// FindCompetences lists competencies in referential order, with their count.
func (s *ReferentialService) FindCompetences(ctx context.Context, f maillage.CompetenceFilter) ([]*maillage.Competence, int, error) {
	q := s.db.NewSelect().TableExpr("competences").ColumnExpr(competenceColumns)
	if !f.IncludeRetired {
		q = q.Where("retired_at IS NULL")
	}
	if f.DomainCode != "" {
		q = q.Where("domain_code = ?", f.DomainCode)
	}
	if f.Codes != nil {
		q = q.Where("code = ANY(?::text[])", textArray(f.Codes))
	}
	var rows []competenceRow
	if err := q.OrderExpr("rank, code").Scan(ctx, &rows); err != nil {
		return nil, 0, fmt.Errorf("find competences: %w", err)
	}
	out := make([]*maillage.Competence, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, len(out), nil
}

// FindCompetenceByCode returns a competency, retired or not.
func (s *ReferentialService) FindCompetenceByCode(ctx context.Context, code string) (*maillage.Competence, error) {
	var r competenceRow
	if err := s.db.NewRaw("SELECT "+competenceColumns+" FROM competences WHERE code = ?", code).Scan(ctx, &r); err != nil {
		return nil, translate(err, "network.referential.competence.not_found")
	}
	return r.domain(), nil
}

// FindLevels lists the mastery levels 1 to 8.
func (s *ReferentialService) FindLevels(ctx context.Context) ([]*maillage.Level, error) {
	var out []*maillage.Level
	if err := s.db.NewRaw("SELECT level, name FROM competence_levels ORDER BY level").Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("find levels: %w", err)
	}
	return out, nil
}

// FindPixLevels lists the global levels of the Pix certification.
func (s *ReferentialService) FindPixLevels(ctx context.Context) ([]*maillage.PixLevel, error) {
	var out []*maillage.PixLevel
	if err := s.db.NewRaw("SELECT level, key, pix_min, pix_max FROM pix_levels ORDER BY level").Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("find pix levels: %w", err)
	}
	return out, nil
}

const certificationColumns = "code, kind, number, number_confirmed, title, level, nsf, certificateur, legal_text, valid_from, valid_until, replaces, note, retired_at"

func (s *ReferentialService) certificationQuery(f maillage.CertificationFilter) *bun.SelectQuery {
	q := s.db.NewSelect().TableExpr("certifications")
	if !f.IncludeRetired {
		q = q.Where("retired_at IS NULL")
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if f.ValidOn != nil {
		day := f.ValidOn.Format(time.DateOnly)
		q = q.Where("(valid_from IS NULL OR valid_from <= ?::date) AND (valid_until IS NULL OR valid_until >= ?::date)", day, day)
	}
	return q
}

// FindCertifications lists certifications by kind and title, with their
// blocs, and the total matching the filter before Limit/Offset.
func (s *ReferentialService) FindCertifications(ctx context.Context, f maillage.CertificationFilter) ([]*maillage.Certification, int, error) {
	total, err := s.certificationQuery(f).Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("count certifications: %w", err)
	}
	q := s.certificationQuery(f).ColumnExpr(certificationColumns).OrderExpr("kind, title, code")
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if f.Offset > 0 {
		q = q.Offset(int64(f.Offset))
	}
	var rows []certificationRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, 0, fmt.Errorf("find certifications: %w", err)
	}
	out := make([]*maillage.Certification, len(rows))
	byCode := make(map[string]*maillage.Certification, len(rows))
	codes := make([]string, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
		byCode[out[i].Code] = out[i]
		codes[i] = out[i].Code
	}
	if len(codes) > 0 {
		where := "b.certification_code = ANY(?::text[])"
		if !f.IncludeRetired {
			where += " AND b.retired_at IS NULL"
		}
		blocs, err := s.queryBlocs(ctx, where, textArray(codes))
		if err != nil {
			return nil, 0, err
		}
		for _, b := range blocs {
			byCode[b.CertificationCode].Blocs = append(byCode[b.CertificationCode].Blocs, b)
		}
	}
	return out, int(total), nil
}

// FindCertificationByCode returns a certification, retired or not, with all
// its blocs (retired ones have RetiredAt set).
func (s *ReferentialService) FindCertificationByCode(ctx context.Context, code string) (*maillage.Certification, error) {
	var r certificationRow
	if err := s.db.NewRaw("SELECT "+certificationColumns+" FROM certifications WHERE code = ?", code).Scan(ctx, &r); err != nil {
		return nil, translate(err, "network.referential.certification.not_found")
	}
	c := r.domain()
	blocs, err := s.queryBlocs(ctx, "b.certification_code = ?", code)
	if err != nil {
		return nil, err
	}
	c.Blocs = append(c.Blocs, blocs...)
	return c, nil
}

// queryBlocs returns the blocs matching where (on blocs b) with their
// competence codes in referential order.
func (s *ReferentialService) queryBlocs(ctx context.Context, where string, args ...any) ([]*maillage.Bloc, error) {
	var rows []blocRow
	err := s.db.NewRaw(`SELECT b.code, b.certification_code, b.rank, b.label, b.status, b.note, b.retired_at,
			coalesce(array_agg(bc.competence_code ORDER BY c.rank, bc.competence_code)
				FILTER (WHERE bc.competence_code IS NOT NULL), '{}') AS competences
		FROM blocs b
		LEFT JOIN bloc_competences bc ON bc.bloc_code = b.code
		LEFT JOIN competences c ON c.code = bc.competence_code
		WHERE `+where+`
		GROUP BY b.code
		ORDER BY b.certification_code, b.rank, b.code`, args...).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("find blocs: %w", err)
	}
	out := make([]*maillage.Bloc, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// FindBlocs lists blocs by certification and rank, with their count.
func (s *ReferentialService) FindBlocs(ctx context.Context, f maillage.BlocFilter) ([]*maillage.Bloc, int, error) {
	where, args := "true", []any{}
	if f.CertificationCode != "" {
		where += " AND b.certification_code = ?"
		args = append(args, f.CertificationCode)
	}
	if f.CompetenceCode != "" {
		where += " AND EXISTS (SELECT 1 FROM bloc_competences x WHERE x.bloc_code = b.code AND x.competence_code = ?)"
		args = append(args, f.CompetenceCode)
	}
	if !f.IncludeRetired {
		where += " AND b.retired_at IS NULL"
	}
	out, err := s.queryBlocs(ctx, where, args...)
	if err != nil {
		return nil, 0, err
	}
	return out, len(out), nil
}

// FindBlocByCode returns a bloc, retired or not.
func (s *ReferentialService) FindBlocByCode(ctx context.Context, code string) (*maillage.Bloc, error) {
	out, err := s.queryBlocs(ctx, "b.code = ?", code)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "network.referential.bloc.not_found")
	}
	return out[0], nil
}

// FindReferentialVersions lists every loaded version of the referential
// files, most recent first.
func (s *ReferentialService) FindReferentialVersions(ctx context.Context) ([]*maillage.ReferentialVersion, error) {
	var out []*maillage.ReferentialVersion
	if err := s.db.NewRaw("SELECT name, version, sha256, synced_at FROM referential_versions ORDER BY synced_at DESC, name").Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("find referential versions: %w", err)
	}
	return out, nil
}
