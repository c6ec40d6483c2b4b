package maillage

import (
	"context"
	"time"
)

// ProfileKind is what a person is in the network.
type ProfileKind string

// The kinds of profile.
const (
	KindConseiller   ProfileKind = "conseiller"
	KindMediateur    ProfileKind = "mediateur"
	KindAidant       ProfileKind = "aidant"
	KindCoordinateur ProfileKind = "coordinateur"
)

// ProfileKinds lists the kinds in display order, with their French labels.
var ProfileKinds = []ProfileKind{KindConseiller, KindMediateur, KindAidant, KindCoordinateur}

// ProfileKindLabels are the French names of the kinds.
var ProfileKindLabels = map[ProfileKind]string{
	KindConseiller:   "Conseiller numérique",
	KindMediateur:    "Médiateur numérique",
	KindAidant:       "Aidant numérique",
	KindCoordinateur: "Coordinateur territorial",
}

// Visibility says who may see a field.
type Visibility string

// Visibilities, from the widest to the narrowest.
const (
	VisPublic  Visibility = "public"  // anyone, and public search
	VisMembers Visibility = "members" // signed-in members
	VisPrivate Visibility = "private" // the person (and administrators)
)

// Visibilities in display order.
var Visibilities = []Visibility{VisPublic, VisMembers, VisPrivate}

// VisibilityLabels are the French names.
var VisibilityLabels = map[Visibility]string{VisPublic: "Public", VisMembers: "Membres connectés", VisPrivate: "Privé (moi seul)"}

func (v Visibility) rank() int {
	switch v {
	case VisPublic:
		return 0
	case VisMembers:
		return 1
	}
	return 2
}

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool { return v == VisPublic || v == VisMembers || v == VisPrivate }

// The profile fields whose visibility a person chooses. FieldProfile is the
// whole profile: a field is never wider than the profile itself.
const (
	FieldProfile     = "profile"
	FieldCommune     = "commune"
	FieldBio         = "bio"
	FieldCompetences = "competences"
	FieldTitles      = "titles"
	FieldPix         = "pix"
	FieldStructures  = "structures"
	FieldMentor      = "mentor"
	FieldOpenToWork  = "open_to_work"
)

// ProfileFields lists the fields with a visibility, and their defaults.
var ProfileFields = []string{FieldProfile, FieldCommune, FieldBio, FieldCompetences, FieldTitles, FieldPix, FieldStructures, FieldMentor, FieldOpenToWork}

// DefaultVisibility is what a new profile shows.
var DefaultVisibility = map[string]Visibility{
	FieldProfile: VisMembers, FieldCommune: VisPublic, FieldBio: VisPublic, FieldCompetences: VisPublic,
	FieldTitles: VisPublic, FieldPix: VisPrivate, FieldStructures: VisPublic, FieldMentor: VisPublic, FieldOpenToWork: VisMembers,
}

// MentorRadii are the distances a mentee or a mentor may choose (km).
var MentorRadii = []int{5, 10, 15, 20, 40, 100}

// ProfileCompetence is a competency a person holds.
type ProfileCompetence struct {
	Code        string       `json:"code"`
	Label       string       `json:"label,omitempty"`
	Level       int          `json:"level"`
	Evidence    EvidenceKind `json:"evidence"`
	ValidatedBy *int64       `json:"-"`
}

// ProfileTitle is a certification (or one of its blocs) a person holds.
type ProfileTitle struct {
	CertificationCode string     `json:"certification_code"`
	BlocCode          string     `json:"bloc_code,omitempty"`
	Label             string     `json:"label,omitempty"`
	ObtainedOn        *time.Time `json:"obtained_on,omitempty"`
}

// MentorSettings say whether and how a mediator mentors.
type MentorSettings struct {
	Available bool     `json:"available"`
	Capacity  int      `json:"capacity"`
	RadiusKm  int      `json:"radius_km"`
	Remote    bool     `json:"remote"`
	Themes    []string `json:"themes"`
}

// ProfileStructure is a structure a person works for or at.
type ProfileStructure struct {
	StructureID int64      `json:"structure_id"`
	Nom         string     `json:"nom"`
	Role        string     `json:"role"`
	StartedOn   *time.Time `json:"started_on,omitempty"`
	EndedOn     *time.Time `json:"ended_on,omitempty"`
}

// Profile is a person in the network. Commune-derived fields (département,
// région, coordinates) come from the commune referential.
type Profile struct {
	ID              int64                 `json:"id"`
	UserID          int64                 `json:"-"`
	Kind            ProfileKind           `json:"kind"`
	DisplayName     string                `json:"display_name"`
	Bio             string                `json:"bio,omitempty"`
	CodeInsee       string                `json:"code_insee,omitempty"`
	Commune         string                `json:"commune,omitempty"`
	CodeDepartement string                `json:"code_departement,omitempty"`
	CodeRegion      string                `json:"code_region,omitempty"`
	Latitude        *float64              `json:"latitude,omitempty"`
	Longitude       *float64              `json:"longitude,omitempty"`
	PixLevel        *int                  `json:"pix_level,omitempty"`
	OpenToWork      *bool                 `json:"open_to_work,omitempty"`
	Mentor          *MentorSettings       `json:"mentor,omitempty"`
	Competences     []ProfileCompetence   `json:"competences,omitempty"`
	Titles          []ProfileTitle        `json:"titles,omitempty"`
	Structures      []ProfileStructure    `json:"structures,omitempty"`
	Visibility      map[string]Visibility `json:"visibility,omitempty"`
	CreatedAt       time.Time             `json:"created_at"`
	UpdatedAt       time.Time             `json:"updated_at"`
}

// Viewer is who looks at a profile.
type Viewer struct {
	UserID int64 // 0: anonymous
	Admin  bool
}

// Anonymous is the viewer of public pages, exports and public search.
var Anonymous = Viewer{}

// Vis returns the effective visibility of a field: never wider than the
// profile's own.
func (p *Profile) Vis(field string) Visibility {
	v, ok := p.Visibility[field]
	if !ok {
		v = DefaultVisibility[field]
	}
	if field != FieldProfile {
		if pv := p.Vis(FieldProfile); pv.rank() > v.rank() {
			return pv
		}
	}
	return v
}

// CanSee reports whether viewer may see field of the profile.
func (p *Profile) CanSee(viewer Viewer, field string) bool {
	if viewer.Admin || (viewer.UserID != 0 && viewer.UserID == p.UserID) {
		return true
	}
	switch p.Vis(field) {
	case VisPublic:
		return true
	case VisMembers:
		return viewer.UserID != 0
	}
	return false
}

// ViewFor returns a copy of the profile with every field the viewer may not
// see removed. It is the one place visibility is enforced: pages, API,
// exports and search documents all go through it. It returns nil when the
// viewer may not see the profile at all.
func (p *Profile) ViewFor(viewer Viewer) *Profile {
	if !p.CanSee(viewer, FieldProfile) {
		return nil
	}
	owner := viewer.Admin || (viewer.UserID != 0 && viewer.UserID == p.UserID)
	out := &Profile{ID: p.ID, UserID: p.UserID, Kind: p.Kind, DisplayName: p.DisplayName, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if owner {
		out.Visibility = p.Visibility
	}
	if p.CanSee(viewer, FieldCommune) {
		out.CodeInsee, out.Commune, out.CodeDepartement, out.CodeRegion = p.CodeInsee, p.Commune, p.CodeDepartement, p.CodeRegion
		out.Latitude, out.Longitude = p.Latitude, p.Longitude
	}
	if p.CanSee(viewer, FieldBio) {
		out.Bio = p.Bio
	}
	if p.CanSee(viewer, FieldCompetences) {
		out.Competences = p.Competences
	}
	if p.CanSee(viewer, FieldTitles) {
		out.Titles = p.Titles
	}
	if p.CanSee(viewer, FieldPix) {
		out.PixLevel = p.PixLevel
	}
	if p.CanSee(viewer, FieldStructures) {
		out.Structures = p.Structures
	}
	if p.CanSee(viewer, FieldMentor) {
		out.Mentor = p.Mentor
	}
	if p.CanSee(viewer, FieldOpenToWork) {
		out.OpenToWork = p.OpenToWork
	}
	return out
}

// ProfileFilter selects profiles.
type ProfileFilter struct {
	Viewer          Viewer
	Kind            ProfileKind
	CodeDepartement string
	CodeRegion      string
	OpenToWork      *bool
	MentorAvailable *bool
	IDs             []int64
	Offset, Limit   int
}

// ProfileUpdate is what a person may change on their profile. Nil pointers
// leave a field as it is.
type ProfileUpdate struct {
	Kind        *ProfileKind
	DisplayName *string
	Bio         *string
	Commune     *string // INSEE code
	PixLevel    **int
	OpenToWork  *bool
	Mentor      *MentorSettings
	Competences *[]ProfileCompetence // declared competencies (validated ones are kept)
	Titles      *[]ProfileTitle
	Visibility  map[string]Visibility
}

// DirectoryCount is a count of people and places in a territory.
type DirectoryCount struct {
	Code   string              `json:"code"`
	Nom    string              `json:"nom"`
	People int                 `json:"people"`
	Places int                 `json:"places"`
	ByKind map[ProfileKind]int `json:"by_kind,omitempty"`
}

// ProfileService manages profiles. Reads take a Viewer and return views.
type ProfileService interface {
	FindProfileByID(ctx context.Context, viewer Viewer, id int64) (*Profile, error)
	FindProfileByUserID(ctx context.Context, userID int64) (*Profile, error)
	FindProfiles(ctx context.Context, f ProfileFilter) ([]*Profile, int, error)
	// SaveProfile creates or updates the profile of userID.
	SaveProfile(ctx context.Context, userID int64, u ProfileUpdate) (*Profile, error)
	DeleteProfile(ctx context.Context, userID int64) error
	CountByRegion(ctx context.Context, viewer Viewer) ([]DirectoryCount, error)
	CountByDepartement(ctx context.Context, viewer Viewer, codeRegion string) ([]DirectoryCount, error)
}
