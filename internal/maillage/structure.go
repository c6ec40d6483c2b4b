package maillage

import (
	"context"
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

// StructureRoles lists the roles in display order.
var StructureRoles = []StructureRole{StructureLieu, StructureEmployeur, StructureFormation, StructureHub}

// StructureRoleLabels are their French names.
var StructureRoleLabels = map[StructureRole]string{
	StructureLieu: "Lieu de médiation numérique", StructureEmployeur: "Employeur",
	StructureFormation: "Organisme de formation", StructureHub: "Hub territorial",
}

// Member roles in a structure.
const (
	MemberReferent  = "referent"
	MemberSalarie   = "salarie"
	MemberMediateur = "mediateur" // mediator active at this place
)

// MemberRoleLabels are the French names of member roles.
var MemberRoleLabels = map[string]string{MemberReferent: "Référent", MemberSalarie: "Salarié", MemberMediateur: "Médiateur actif sur ce lieu"}

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
func (s *Structure) Has(r StructureRole) bool {
	for _, x := range s.Roles {
		if x == r {
			return true
		}
	}
	return false
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

// StructureService manages structures and memberships.
type StructureService interface {
	FindStructureByID(ctx context.Context, id int64) (*Structure, error)
	FindStructures(ctx context.Context, f StructureFilter) ([]*Structure, int, error)
	// CreateStructure creates a structure and makes userID its referent; when
	// the pivot (a real SIRET or RNA) is already known and has no referent,
	// it is claimed instead.
	CreateStructure(ctx context.Context, userID int64, s *Structure) (*Structure, bool, error)
	UpdateStructure(ctx context.Context, actor Viewer, id int64, s *Structure) (*Structure, error)
	AddMember(ctx context.Context, actor Viewer, structureID int64, email, role string, startedOn *time.Time) error
	EndMember(ctx context.Context, actor Viewer, memberID int64) error
	// UpsertLieux imports places: matched by lieu id, then by a real pivot.
	UpsertLieux(ctx context.Context, lieux []Lieu, source string) (created, updated int, err error)
	AllLieux(ctx context.Context, f StructureFilter) ([]Lieu, error)
	IsReferent(ctx context.Context, userID, structureID int64) (bool, error)
}
