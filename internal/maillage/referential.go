package maillage

import (
	"context"
	"time"
)

// The competency referential comes from content/referentiel (versioned
// files). Codes are stable keys: a row that disappears from a new version is
// retired (RetiredAt set), never deleted, because profiles, offers and
// trainings may point to it.

// Domain is a domain of the CRCN (Pix), e.g. "1" Informations et données.
type Domain struct {
	Code      string     `json:"code"`
	Label     string     `json:"label"`
	Rank      int        `json:"rank"`
	RetiredAt *time.Time `json:"retired_at,omitempty"`
}

// Competence is one of the 16 CRCN competencies, e.g. "1.1".
type Competence struct {
	Code       string     `json:"code"`
	Label      string     `json:"label"`
	DomainCode string     `json:"domain_code"`
	Rank       int        `json:"rank"`
	Variants   []string   `json:"variants,omitempty"` // other labels found in the sources
	RetiredAt  *time.Time `json:"retired_at,omitempty"`
}

// Level is a mastery level of a competency, 1 to 8 (Novice 1–2,
// Indépendant 3–4, Avancé 5–6, Expert 7–8).
type Level struct {
	Level int    `json:"level"`
	Name  string `json:"name"`
}

// MinLevel and MaxLevel bound the mastery levels of a competency and the
// levels of the national certification framework.
const (
	MinLevel = 1
	MaxLevel = 8
)

// PixLevel is a global level of the Pix v3 certification (0 to 8) with its
// score range in pix, bounds included.
type PixLevel struct {
	Level  int    `json:"level"`
	Key    string `json:"key"` // e.g. LEVEL_INDEPENDENT_3; no French label is known
	PixMin int    `json:"pix_min"`
	PixMax int    `json:"pix_max"`
}

// CertificationKind is the national register a certification belongs to.
type CertificationKind string

// Certification kinds.
const (
	KindRNCP CertificationKind = "RNCP" // Répertoire national des certifications professionnelles
	KindRS   CertificationKind = "RS"   // Répertoire spécifique
)

// Valid reports whether k is a known kind.
func (k CertificationKind) Valid() bool { return k == KindRNCP || k == KindRS }

// Certification is a title (RNCP) or a certification (RS).
type Certification struct {
	Code            string            `json:"code"` // stable internal code, e.g. REMN
	Kind            CertificationKind `json:"kind"`
	Number          string            `json:"number,omitempty"` // RNCP34137, RS5875; "" if unknown
	NumberConfirmed bool              `json:"number_confirmed"` // the number is confirmed by an official source
	Title           string            `json:"title"`
	Level           int               `json:"level,omitempty"` // 1–8, 0 when none (RS)
	NSF             string            `json:"nsf,omitempty"`
	Certificateur   string            `json:"certificateur,omitempty"`
	LegalText       string            `json:"legal_text,omitempty"`  // the arrêté that creates it
	ValidFrom       *time.Time        `json:"valid_from,omitempty"`  // first day, when known
	ValidUntil      *time.Time        `json:"valid_until,omitempty"` // last day, when known
	Replaces        string            `json:"replaces,omitempty"`    // code of the certification it replaces
	Note            string            `json:"note,omitempty"`
	Blocs           []*Bloc           `json:"blocs"`
	RetiredAt       *time.Time        `json:"retired_at,omitempty"`
}

// ValidOn reports whether the registration covers day d, as far as the dates
// are known (an unknown bound does not exclude).
func (c *Certification) ValidOn(d time.Time) bool {
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	if c.ValidFrom != nil && day.Before(*c.ValidFrom) {
		return false
	}
	return c.ValidUntil == nil || !day.After(*c.ValidUntil)
}

// SourceStatus says how far a piece of the referential is established.
type SourceStatus string

// Source statuses.
const (
	StatusConfirmed   SourceStatus = "confirme"          // read in an official text
	StatusSecondary   SourceStatus = "source_secondaire" // quoted by a third party, not checked on the official text
	StatusUnconfirmed SourceStatus = "non_confirme"      // no official source found
)

// Valid reports whether s is a known status.
func (s SourceStatus) Valid() bool {
	return s == StatusConfirmed || s == StatusSecondary || s == StatusUnconfirmed
}

// Bloc is a competency block of a certification (a CCP for a titre
// professionnel), which can be earned on its own.
type Bloc struct {
	Code              string       `json:"code"` // stable, e.g. REMN-B1
	CertificationCode string       `json:"certification_code"`
	Rank              int          `json:"rank"`
	Label             string       `json:"label"`
	Status            SourceStatus `json:"status"`
	Note              string       `json:"note,omitempty"`
	Competences       []string     `json:"competences"` // competence codes, when known
	RetiredAt         *time.Time   `json:"retired_at,omitempty"`
}

// Confirmed reports whether the label of the bloc is read in an official text.
func (b *Bloc) Confirmed() bool { return b.Status == StatusConfirmed }

// ReferentialVersion records one loaded version of a referential file.
type ReferentialVersion struct {
	Name     string    `json:"name"` // file name without extension: pix, certifications
	Version  string    `json:"version"`
	SHA256   string    `json:"sha256"`
	SyncedAt time.Time `json:"synced_at"`
}

// Referential is everything content/referentiel holds, as the loader parses it.
type Referential struct {
	Versions       []*ReferentialVersion
	Domains        []*Domain
	Competences    []*Competence
	Levels         []*Level
	PixLevels      []*PixLevel
	Certifications []*Certification // with their Blocs
}

// CompetenceFilter selects competencies. Retired ones are left out unless
// IncludeRetired is set.
type CompetenceFilter struct {
	DomainCode     string
	Codes          []string
	IncludeRetired bool
}

// CertificationFilter selects certifications. Retired ones (and retired
// blocs) are left out unless IncludeRetired is set.
type CertificationFilter struct {
	Kind           CertificationKind
	ValidOn        *time.Time // registration covers this day (unknown bounds do not exclude)
	IncludeRetired bool
	Limit          int // 0: no limit
	Offset         int
}

// BlocFilter selects blocs.
type BlocFilter struct {
	CertificationCode string
	CompetenceCode    string // blocs that cover this competency
	IncludeRetired    bool
}

// ReferentialService reads the competency referential and the certifications.
// The Find*ByCode methods also return retired rows (with RetiredAt set), so
// what points to them can still be shown.
type ReferentialService interface {
	FindDomains(ctx context.Context) ([]*Domain, error)
	FindCompetences(ctx context.Context, filter CompetenceFilter) ([]*Competence, int, error)
	FindCompetenceByCode(ctx context.Context, code string) (*Competence, error)
	FindLevels(ctx context.Context) ([]*Level, error)
	FindPixLevels(ctx context.Context) ([]*PixLevel, error)
	FindCertifications(ctx context.Context, filter CertificationFilter) ([]*Certification, int, error)
	FindCertificationByCode(ctx context.Context, code string) (*Certification, error)
	FindBlocs(ctx context.Context, filter BlocFilter) ([]*Bloc, int, error)
	FindBlocByCode(ctx context.Context, code string) (*Bloc, error)
	FindReferentialVersions(ctx context.Context) ([]*ReferentialVersion, error)
}

// EvidenceKind says how a competency on a profile is backed.
type EvidenceKind string

// Evidence kinds for a profile competency.
const (
	EvidenceDeclared  EvidenceKind = "declared"  // stated by the person
	EvidenceCertified EvidenceKind = "certified" // held through a title or a bloc
	EvidenceValidated EvidenceKind = "validated" // validated by a mentor
)

// EvidenceKinds lists the kinds in display order.
var EvidenceKinds = []EvidenceKind{EvidenceDeclared, EvidenceCertified, EvidenceValidated}

// Valid reports whether k is a known kind.
func (k EvidenceKind) Valid() bool {
	return k == EvidenceDeclared || k == EvidenceCertified || k == EvidenceValidated
}
