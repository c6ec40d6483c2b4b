package maillage

import (
	"context"
	"slices"
	"strings"
	"time"
)

// StructureRole is what a structure is for the network.
type StructureRole string

// The roles of a structure.
const (
	StructureLieu      StructureRole = "lieu"                // place of mediation
	StructureEmployeur StructureRole = "employeur"           // employer
	StructureFormation StructureRole = "organisme_formation" // training body
	StructureHub       StructureRole = "hub"                 // territorial hub
)

// StructureRoles lists the roles in display order (names:
// "domain.structure_role.<role>").
var StructureRoles = []StructureRole{StructureLieu, StructureEmployeur, StructureFormation, StructureHub}

// Valid reports whether r is a known role.
func (r StructureRole) Valid() bool { return slices.Contains(StructureRoles, r) }

// Member roles in a structure.
const (
	MemberReferent  = "referent"
	MemberSalarie   = "salarie"
	MemberMediateur = "mediateur" // mediator active at this place
)

// MemberRoles lists the member roles in display order (names:
// "domain.member_role.<role>").
var MemberRoles = []string{MemberReferent, MemberSalarie, MemberMediateur}

// Structure is an organisation of the network: every field of the national
// standard for places (Lieu), plus its roles and members.
type Structure struct {
	ID              int64           `json:"id"`
	Lieu            Lieu            `json:"lieu"`
	Roles           []StructureRole `json:"roles"`
	CodeDepartement string          `json:"code_departement,omitempty"`
	CodeRegion      string          `json:"code_region,omitempty"`
	Members         []Member        `json:"members,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

// Has reports whether the structure plays role r.
func (s *Structure) Has(r StructureRole) bool { return slices.Contains(s.Roles, r) }

// IsReferent reports whether userID is an active referent of the structure
// (Members holds the active memberships).
func (s *Structure) IsReferent(userID int64) bool {
	for _, m := range s.Members {
		if m.UserID == userID && userID != 0 && m.Role == MemberReferent && m.EndedOn == nil {
			return true
		}
	}
	return false
}

// CanEdit is the one rule for who changes a structure, its members and its
// invitations: its active referents and administrators.
func (s *Structure) CanEdit(v Viewer) bool { return v.Admin || s.IsReferent(v.UserID) }

// Validate checks what the national standard does not: a real pivot (a
// SIRET with a valid key, or an RNA number) and at least one known role.
// The fields of the place are checked against the national schema by
// internal/lieux (Validate), under "lieu.".
func (s *Structure) Validate() Problems {
	var ps Problems
	switch PivotKind(s.Lieu.Pivot) {
	case PivotSIRET:
		if !ValidSIRET(s.Lieu.Pivot) {
			ps.Add("lieu.pivot", "network.structure.pivot.bad_key")
		}
	case PivotRNA:
	default:
		ps.Add("lieu.pivot", "network.structure.pivot.required")
	}
	if len(s.Roles) == 0 {
		ps.Add("roles", "network.structure.roles.required")
	}
	for _, r := range s.Roles {
		if !r.Valid() {
			ps.Add("roles", KeyNotInList)
		}
	}
	// The texts a person typed, read by everyone: no bidirectional control
	// that would show them in another order (HasControl; the schema's own
	// check only knows the C0 and C1 controls).
	l := &s.Lieu
	for field, v := range map[string]string{"nom": l.Nom, "adresse": l.Adresse, "complement_adresse": l.ComplementAdresse, "commune": l.Commune,
		"horaires": l.Horaires, "presentation_resume": l.PresentationResume, "presentation_detail": l.PresentationDetail} {
		if HasControl(v, true) {
			ps.Add("lieu."+field, KeyControl)
		}
	}
	return ps
}

// MembersSeenBy returns the members a viewer may see, given the views of
// their profiles (ProfileService results for that viewer, so ViewFor has
// decided): a member is kept only when their view lists this structure
// (the profile and its "structures" field are visible), and is named as in
// that view. Members without a visible profile are left out.
func (s *Structure) MembersSeenBy(views []*Profile) []Member {
	var out []Member
	for _, m := range s.Members {
		for _, v := range views {
			if m.ProfileID == nil || v.ID != *m.ProfileID {
				continue
			}
			for _, ps := range v.Structures {
				if ps.StructureID == s.ID {
					m.DisplayName = v.DisplayName
					out = append(out, m)
					break
				}
			}
		}
	}
	return out
}

// Member is a person's membership in a structure.
type Member struct {
	ID          int64      `json:"id"`
	StructureID int64      `json:"structure_id"`
	UserID      int64      `json:"-"`
	ProfileID   *int64     `json:"profile_id,omitempty"`
	DisplayName string     `json:"display_name"`
	Role        string     `json:"role"`
	StartedOn   *time.Time `json:"started_on,omitempty"`
	EndedOn     *time.Time `json:"ended_on,omitempty"`
}

// StructureFilter selects structures.
type StructureFilter struct {
	CodeDepartement string
	CodeRegion      string
	Role            StructureRole
	Pivot           string
	Offset, Limit   int
	// Brief reads only what a card or a map marker shows (name, commune,
	// roles, position): the directory pages and the maps, not the API.
	Brief bool
}

// ImportReport says what an import of places did.
type ImportReport struct {
	Total    int
	Created  int
	Updated  int
	Rejected int
	Lines    []ImportLine // errors and warnings, by line
}

// ImportLine is one remark of an import report: a rejected row (neither
// Warning nor Note), a warning on an imported row or the file, or a note
// summing the file up. Key names its message in the catalogues and Args
// are its arguments as name/value pairs.
type ImportLine struct {
	Line    int    `json:"line"`
	ID      string `json:"id,omitempty"`
	Field   string `json:"field,omitempty"`
	Key     string `json:"key"`
	Args    []any  `json:"args,omitempty"`
	Warning bool   `json:"warning,omitempty"`
	Note    bool   `json:"note,omitempty"`
}

// StructureService manages structures, claims, invitations and memberships.
type StructureService interface {
	FindStructureByID(ctx context.Context, id int64) (*Structure, error)
	FindStructures(ctx context.Context, f StructureFilter) ([]*Structure, int, error)
	// CreateStructure creates a structure and makes userID its referent;
	// when the pivot (a real SIRET or RNA) is already known and has no
	// referent, nothing changes but a claim is recorded and returned.
	CreateStructure(ctx context.Context, userID int64, s *Structure) (*Structure, *Claim, error)
	UpdateStructure(ctx context.Context, actor Viewer, id int64, s *Structure) (*Structure, error)
	EndMember(ctx context.Context, actor Viewer, memberID int64) (structureID int64, err error)
	// UpsertLieux imports places: matched by lieu id, then by a real pivot.
	UpsertLieux(ctx context.Context, lieux []Lieu, source string) (created, updated int, err error)
	AllLieux(ctx context.Context, f StructureFilter) ([]Lieu, error)

	FindClaim(ctx context.Context, id int64) (*Claim, error)
	FindClaims(ctx context.Context, f ClaimFilter) ([]*Claim, error)
	DecideClaim(ctx context.Context, actor *User, id int64, grant bool, motivation string) (*Claim, error)
	CancelClaim(ctx context.Context, userID, id int64) error
	// SendClaimLink sends the proof link to the structure's contact
	// address and returns that address, masked.
	SendClaimLink(ctx context.Context, userID, id int64, lang string) (string, error)
	ConfirmClaimLink(ctx context.Context, userID int64, token string) (*Claim, error)

	// Invite invites an address to join a structure (its referents and
	// administrators); the answer is the same whether or not the address
	// has an account.
	Invite(ctx context.Context, actor Viewer, structureID int64, in InvitationInput, lang string) (*Invitation, error)
	// FindInvitations lists the open invitations of an address.
	FindInvitations(ctx context.Context, email string) ([]*Invitation, error)
	FindStructureInvitations(ctx context.Context, structureID int64) ([]*Invitation, error)
	// RespondInvitation accepts or declines an invitation made to the
	// person's verified address.
	RespondInvitation(ctx context.Context, u *User, id int64, accept bool) (*Invitation, error)
	CancelInvitation(ctx context.Context, actor Viewer, id int64) (structureID int64, err error)
}

// Claim states: asking to become a structure's referent.
const (
	ClaimPending   = "en_attente"
	ClaimGranted   = "acceptee"
	ClaimRefused   = "refusee"
	ClaimCancelled = "annulee"
)

// ClaimMachine: a claim waits for a coordinator of the territory, an
// administrator, or the link sent to the structure's contact address; the
// claimant may withdraw it meanwhile.
var ClaimMachine = Machine{
	Name:   "structure_claim",
	States: []string{ClaimPending, ClaimGranted, ClaimRefused, ClaimCancelled},
	Next:   map[string][]string{ClaimPending: {ClaimGranted, ClaimRefused, ClaimCancelled}},
}

// Claim is a person's request to become the referent of a structure that
// has none.
type Claim struct {
	ID              int64      `json:"id"`
	StructureID     int64      `json:"structure_id"`
	StructureNom    string     `json:"structure_nom"`
	CodeDepartement string     `json:"code_departement,omitempty"`
	CodeRegion      string     `json:"code_region,omitempty"`
	UserID          int64      `json:"-"`
	ClaimantName    string     `json:"claimant_name"`
	ClaimantEmail   string     `json:"-"`
	Status          string     `json:"status"`
	LinkSentTo      string     `json:"link_sent_to,omitempty"` // masked address the proof link went to
	CreatedAt       time.Time  `json:"created_at"`
	DecidedAt       *time.Time `json:"decided_at,omitempty"`
}

// CanDecide is the one rule for who grants or refuses a claim: an
// administrator, or a coordinator whose territory holds the structure —
// never the claimant (a coordinator would make themselves referent with
// nobody else involved).
func (c *Claim) CanDecide(u *User) bool {
	return u != nil && u.ID != c.UserID && u.Coordinates(c.CodeDepartement, c.CodeRegion)
}

// ClaimFilter selects claims.
type ClaimFilter struct {
	Status string
	UserID int64 // the claimant's
	// DecidableBy keeps the claims that user may decide.
	DecidableBy *User
	Limit       int
}

// MaskEmail shows enough of an address for its owner to recognise it
// without publishing it: « c***@mairie-exemple.fr ».
func MaskEmail(email string) string {
	at := strings.LastIndex(email, "@")
	if at < 1 {
		return "***"
	}
	return email[:1] + "***" + email[at:]
}

// Invitation states: joining a structure is an invitation the person accepts.
const (
	InvitationSent      = "envoyee"
	InvitationAccepted  = "acceptee"
	InvitationDeclined  = "refusee"
	InvitationCancelled = "annulee"
	InvitationExpired   = "expiree"
)

// InvitationMachine: an invitation is answered by the invited person,
// withdrawn by the structure, or expires.
var InvitationMachine = Machine{
	Name:   "structure_invitation",
	States: []string{InvitationSent, InvitationAccepted, InvitationDeclined, InvitationCancelled, InvitationExpired},
	Next:   map[string][]string{InvitationSent: {InvitationAccepted, InvitationDeclined, InvitationCancelled, InvitationExpired}},
}

// Invitation asks a person (by e-mail address) to join a structure in a role.
type Invitation struct {
	ID           int64      `json:"id"`
	StructureID  int64      `json:"structure_id"`
	StructureNom string     `json:"structure_nom"`
	Email        string     `json:"email"`
	Role         string     `json:"role"`
	StartedOn    *time.Time `json:"started_on,omitempty"`
	InvitedBy    string     `json:"invited_by"`
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
}

// MaxInvitationsPerDay is how many invitations (each a mail) one person
// sends one address in 24 hours, whatever the structure or the role: enough
// to correct a role, not enough to flood someone through the portal.
const MaxInvitationsPerDay = 3

// InvitationInput is what a referent sends to invite someone.
type InvitationInput struct {
	Email     string     `json:"email"`
	Role      string     `json:"role"`
	StartedOn *time.Time `json:"started_on"`
}

// Validate is the one rule for an invitation.
func (in *InvitationInput) Validate() Problems {
	var ps Problems
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	if !ValidEmail(in.Email) {
		ps.Add("email", "network.invitation.email.invalid")
	}
	if !slices.Contains(MemberRoles, in.Role) {
		ps.Add("role", KeyNotInList)
	}
	return ps
}
