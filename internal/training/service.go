package training

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"maillage/internal/maillage"
)

// Keys of the service's refusals and of the declaration of a body.
const (
	KeyNotBody          = "training.body.not_declared" // the structure is not a declared training body
	KeyBodyForbidden    = "training.body.forbidden"    // the viewer is not one of the body's people
	KeyBodyNotFound     = "training.body.not_found"    //
	KeyOfferNotFound    = "training.offer.not_found"   //
	KeySessionNotFound  = "training.session.not_found" //
	KeySessionPast      = "training.session.past"      // a past session is kept as it was
	KeyUnknownCommune   = "training.session.unknown_commune"
	KeyOtherBody        = "training.lheo.other_body"   // SIRET: a formation of another body in a body's own import
	KeyUnknownBody      = "training.lheo.unknown_body" // SIRET: the body is not known and cannot be created
	KeyFormationRefused = "training.lheo.refused"      // the database refused a formation
	KeyShareNotFound    = "training.share.not_found"   //
	KeyRadius           = "training.path.radius"       // a radius not in the list
	KeyPathNoProfile    = "training.path.no_profile"   //
)

// Roles of the people of a structure who manage its training offers.
var managerRoles = []string{maillage.MemberReferent, maillage.MemberSalarie}

// CanManage is the one rule for who changes a training body's declaration,
// offers and sessions: an administrator, or an active referent or employee
// of the structure.
func CanManage(st *maillage.Structure, v maillage.Viewer) bool {
	if v.Admin {
		return true
	}
	if st == nil || v.UserID <= 0 {
		return false
	}
	for _, m := range st.Members {
		if m.UserID == v.UserID && m.EndedOn == nil && slices.Contains(managerRoles, m.Role) {
			return true
		}
	}
	return false
}

// BodyInput is what a training body declares of itself on top of its
// structure: the numéro de déclaration d'activité, Qualiopi, the legal name
// (raison sociale, the structure's name when empty) and a contact.
type BodyInput struct {
	ActivityNumber string  `json:"activity_number"`
	Qualiopi       bool    `json:"qualiopi"`
	LegalName      string  `json:"legal_name"`
	Contact        Contact `json:"contact"`
}

// Normalize trims the input and writes the activity number in capitals
// without spaces (it is often printed in groups).
func (in *BodyInput) Normalize() {
	in.ActivityNumber = strings.ToUpper(strings.Join(strings.Fields(in.ActivityNumber), ""))
	in.LegalName = strings.TrimSpace(in.LegalName)
	in.Contact.Name = strings.TrimSpace(in.Contact.Name)
	in.Contact.Email = strings.TrimSpace(in.Contact.Email)
	in.Contact.Phone = strings.TrimSpace(in.Contact.Phone)
}

// Validate checks a declaration.
func (in *BodyInput) Validate() maillage.Problems {
	var ps maillage.Problems
	switch {
	case in.ActivityNumber == "":
		ps.Add("activity_number", KeyRequired)
	case utf8.RuneCountInString(in.ActivityNumber) != ActivityNumberLen || strings.ContainsFunc(in.ActivityNumber, func(r rune) bool { return (r < '0' || r > '9') && (r < 'A' || r > 'Z') }):
		ps.Add("activity_number", KeyActivityNumber, "Length", ActivityNumberLen)
	}
	checkText(&ps, "legal_name", in.LegalName, MaxBodyName, false, false)
	ps.Extend("contact.", in.Contact.Validate())
	return ps
}

// Organisation is a structure seen as a training body: its LHEO identity
// (Body), whether it declared itself, and where it is.
type Organisation struct {
	Body     Body `json:"body"`
	Declared bool `json:"declared"` // the role and a declaration number
	// Role says the structure has the training-body role (declared or not).
	Role            bool   `json:"role"`
	CodeDepartement string `json:"code_departement,omitempty"`
	// Offers counts its offers that are not withdrawn.
	Offers int `json:"offers"`
}

// OfferFilter selects offers.
type OfferFilter struct {
	StructureID   int64
	Certification string // certification code
	Bloc          string // bloc code
	Departement   string // a session in this département
	// Upcoming keeps the offers with a session starting after Now.
	Upcoming bool
	Now      time.Time
	// Withdrawn includes the withdrawn offers.
	Withdrawn     bool
	Limit, Offset int
}

// OfferView is an offer as its pages show it: with its body, its
// certifications and blocs named, and its sessions.
type OfferView struct {
	*Offer
	Body           Body                      `json:"body"`
	WithdrawnAt    *time.Time                `json:"withdrawn_at,omitempty"`
	Certifications []*maillage.Certification `json:"-"`
	BlocLabels     map[string]string         `json:"-"`
}

// ImportRequest is an LHEO import: the file, who imports, and, for a
// training body importing its own file, the structure every formation must
// belong to (0 for an administrator's import, which creates the bodies it
// does not know).
type ImportRequest struct {
	File        io.Reader
	Actor       maillage.Viewer
	StructureID int64
	Progress    func(done int)
}

// ImportResult says what an LHEO import stored; Report says what it read.
type ImportResult struct {
	Report          *Report `json:"report"`
	BodiesCreated   int     `json:"bodies_created"`
	OffersCreated   int     `json:"offers_created"`
	OffersUpdated   int     `json:"offers_updated"`
	SessionsCreated int     `json:"sessions_created"`
	SessionsUpdated int     `json:"sessions_updated"`
	SessionsRemoved int     `json:"sessions_removed"` // upcoming sessions no longer in the file
}

// PathSettings are how a path is asked for: the target certification ("":
// the one the person is closest to), how far they go to a session, and
// whether remote sessions suit them.
type PathSettings struct {
	Target   string `json:"target"`
	RadiusKm int    `json:"radius_km"`
	Remote   bool   `json:"remote"`
}

// DefaultRadiusKm is the radius of a path asked without one.
const DefaultRadiusKm = 40

// Normalize sets the default radius.
func (s *PathSettings) Normalize() {
	s.Target = strings.TrimSpace(s.Target)
	if s.RadiusKm == 0 {
		s.RadiusKm = DefaultRadiusKm
	}
}

// Validate checks the radius against the distances people choose from.
func (s PathSettings) Validate() maillage.Problems {
	var ps maillage.Problems
	if !slices.Contains(maillage.MentorRadii, s.RadiusKm) {
		ps.Add("radius_km", KeyRadius)
	}
	checkText(&ps, "target", s.Target, 40, false, false)
	return ps
}

// PathView is a person's path with what its page shows around it.
type PathView struct {
	Path          *Path                     `json:"path"`
	Settings      PathSettings              `json:"settings"`
	Certification *maillage.Certification   `json:"certification"`
	Targets       []*maillage.Certification `json:"-"` // certifications one may aim at
	Commune       string                    `json:"commune,omitempty"`
	Located       bool                      `json:"located"` // the person's commune is known
	Bodies        map[int64]string          `json:"-"`       // structure id → name
	BlocLabels    map[string]string         `json:"-"`
	Owner         string                    `json:"-"` // display name, on a shared path
}

// PathShare is a link by which a person shows their path.
type PathShare struct {
	ID        int64        `json:"id"`
	Settings  PathSettings `json:"settings"`
	CreatedAt time.Time    `json:"created_at"`
	RevokedAt *time.Time   `json:"revoked_at,omitempty"`
}

// Service is the training capability as pages, API, commands and demo use
// it. Every change takes the actor and checks CanManage on the stored body.
type Service interface {
	// Bodies.
	FindOrganisation(ctx context.Context, structureID int64) (*Organisation, error)
	// ManagedOrganisations lists the structures the user may manage as
	// training bodies (declared or not yet).
	ManagedOrganisations(ctx context.Context, userID int64) ([]*Organisation, error)
	CanManageStructure(ctx context.Context, actor maillage.Viewer, structureID int64) (bool, error)
	DeclareBody(ctx context.Context, actor maillage.Viewer, structureID int64, in BodyInput) (*Organisation, error)

	// Offers and sessions.
	FindOffer(ctx context.Context, id int64) (*OfferView, error)
	FindOffers(ctx context.Context, f OfferFilter) ([]*OfferView, int, error)
	CreateOffer(ctx context.Context, actor maillage.Viewer, structureID int64, o *Offer) (*OfferView, error)
	UpdateOffer(ctx context.Context, actor maillage.Viewer, id int64, o *Offer) (*OfferView, error)
	DeleteOffer(ctx context.Context, actor maillage.Viewer, id int64) (structureID int64, err error)
	FindSession(ctx context.Context, id int64) (*Session, *OfferView, error)
	CreateSession(ctx context.Context, actor maillage.Viewer, offerID int64, s *Session) (*Session, error)
	UpdateSession(ctx context.Context, actor maillage.Viewer, id int64, s *Session) (*Session, error)
	DeleteSession(ctx context.Context, actor maillage.Viewer, id int64) (offerID int64, err error)

	// Formats.
	ImportLHEO(ctx context.Context, req ImportRequest) (*ImportResult, error)
	ExportLHEO(ctx context.Context, w io.Writer, structureID int64, text func(key string, args ...any) string) (int, error)
	Certifications(ctx context.Context) (*CertIndex, error)

	// Paths.
	PathFor(ctx context.Context, userID int64, s PathSettings, now time.Time) (*PathView, error)
	SharePath(ctx context.Context, userID int64, s PathSettings) (token string, err error)
	PathShares(ctx context.Context, userID int64) ([]*PathShare, error)
	RevokePathShare(ctx context.Context, userID, id int64) error
	SharedPath(ctx context.Context, token string, now time.Time) (*PathView, error)
}
