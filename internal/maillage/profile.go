package maillage

import (
	"context"
	"slices"
	"strconv"
	"strings"
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

// ProfileKinds lists the kinds in display order (their names are the
// catalogue keys "domain.kind.<kind>").
var ProfileKinds = []ProfileKind{KindConseiller, KindMediateur, KindAidant, KindCoordinateur}

// Valid reports whether k is a known kind.
func (k ProfileKind) Valid() bool { return slices.Contains(ProfileKinds, k) }

// Visibility says who may see a field.
type Visibility string

// Visibilities, from the widest to the narrowest.
const (
	VisPublic  Visibility = "public"  // anyone, and public search
	VisMembers Visibility = "members" // signed-in members
	VisPrivate Visibility = "private" // the person alone: nobody else, administrators included
)

// Visibilities in display order (names: "domain.visibility.<v>").
var Visibilities = []Visibility{VisPublic, VisMembers, VisPrivate}

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

// Viewer is who looks at a profile (or acts on a resource).
type Viewer struct {
	UserID int64 // 0: anonymous
	Admin  bool
}

// Member reports whether the viewer is signed in.
func (v Viewer) Member() bool { return v.UserID != 0 || v.Admin }

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

// Owner reports whether viewer is the person of the profile.
func (p *Profile) Owner(viewer Viewer) bool { return viewer.UserID > 0 && viewer.UserID == p.UserID }

// CanSee reports whether viewer may see field of the profile: the person
// sees everything; anyone sees public fields; signed-in members (and
// administrators, who are members) see members-only fields; a private field
// is seen by nobody else ("Privé : vous seul" means it).
func (p *Profile) CanSee(viewer Viewer, field string) bool {
	if p.Owner(viewer) {
		return true
	}
	switch p.Vis(field) {
	case VisPublic:
		return true
	case VisMembers:
		return viewer.Member()
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
	out := &Profile{ID: p.ID, UserID: p.UserID, Kind: p.Kind, DisplayName: p.DisplayName, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if p.Owner(viewer) {
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
	// Brief reads the profile row only, without competences, titles and
	// structures: what a card of the directory shows (name, kind, commune).
	Brief bool
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

// Bounds of a profile, shared by forms, API and storage.
const (
	MaxDisplayName  = 120
	MaxBio          = 2000
	MaxMentorThemes = 10
	MaxMentorTheme  = 60
	MaxCapacity     = 20
	MaxPixLevel     = 8
)

// ProfileRefs are the codes of the referentials that a profile update
// names and that exist (storage fills it, inside the transaction that saves,
// with the codes the update uses). A title is "CERT" or "CERT/BLOC".
type ProfileRefs struct {
	Communes    map[string]bool
	Competences map[string]bool
	Titles      map[string]bool
	// Today is the day of the update (storage's clock): a title is not
	// obtained later. Zero leaves that bound unchecked.
	Today time.Time
}

// MinTitleDate is the earliest day a title may have been obtained.
var MinTitleDate = time.Date(1900, time.January, 1, 0, 0, 0, 0, time.UTC)

// TitleRef is the key of a title in ProfileRefs.Titles.
func TitleRef(t ProfileTitle) string {
	if t.BlocCode == "" {
		return t.CertificationCode
	}
	return t.CertificationCode + "/" + t.BlocCode
}

// Normalize trims the texts of the update.
func (u *ProfileUpdate) Normalize() {
	if u.DisplayName != nil {
		n := CleanText(*u.DisplayName)
		u.DisplayName = &n
	}
	if u.Bio != nil {
		b := strings.TrimSpace(*u.Bio)
		u.Bio = &b
	}
	if u.Commune != nil {
		c := strings.ToUpper(strings.TrimSpace(*u.Commune))
		u.Commune = &c
	}
	if m := u.Mentor; m != nil {
		themes := make([]string, 0, len(m.Themes))
		for _, t := range m.Themes {
			if t = CleanText(t); t != "" && !slices.Contains(themes, t) {
				themes = append(themes, t)
			}
		}
		m.Themes = themes
	}
}

// Validate is the one rule for a profile update, whether it comes from the
// form, the API or a command. creating is true when the person has no
// profile yet (kind and name are then required). Field paths are those of
// the JSON body of PUT /api/moi/profil.
func (u *ProfileUpdate) Validate(refs ProfileRefs, creating bool) Problems {
	var ps Problems
	if u.Kind != nil && !u.Kind.Valid() {
		ps.Add("kind", "network.profile.kind.invalid")
	} else if u.Kind == nil && creating {
		ps.Add("kind", "network.profile.kind.invalid")
	}
	switch {
	case u.DisplayName == nil && creating, u.DisplayName != nil && *u.DisplayName == "":
		ps.Add("display_name", "network.profile.display_name.required")
	case u.DisplayName != nil:
		CheckText(&ps, "display_name", *u.DisplayName, MaxDisplayName, false)
	}
	if u.Bio != nil {
		CheckText(&ps, "bio", *u.Bio, MaxBio, true)
	}
	if u.Commune != nil && *u.Commune != "" && !refs.Communes[*u.Commune] {
		ps.Add("code_insee", "network.profile.commune.unknown")
	}
	if u.PixLevel != nil && *u.PixLevel != nil && (**u.PixLevel < 0 || **u.PixLevel > MaxPixLevel) {
		ps.Add("pix_level", "network.profile.pix_level.range", "Max", MaxPixLevel)
	}
	if m := u.Mentor; m != nil {
		if m.Capacity < 0 || m.Capacity > MaxCapacity {
			ps.Add("mentor.capacity", "network.profile.mentor.capacity.range", "Max", MaxCapacity)
		} else if m.Available && m.Capacity == 0 {
			ps.Add("mentor.capacity", "network.profile.mentor.capacity.required", "Max", MaxCapacity)
		}
		if !slices.Contains(MentorRadii, m.RadiusKm) {
			ps.Add("mentor.radius_km", "network.profile.mentor.radius.invalid")
		}
		if len(m.Themes) > MaxMentorThemes {
			ps.Add("mentor.themes", "network.profile.mentor.themes.too_many", "Max", MaxMentorThemes)
		}
		for _, t := range m.Themes {
			CheckText(&ps, "mentor.themes", t, MaxMentorTheme, false)
		}
	}
	if u.Competences != nil {
		seen := map[string]bool{}
		for _, c := range *u.Competences {
			field := "competences." + c.Code
			switch {
			case HasControl(c.Code, false) || !refs.Competences[c.Code]:
				ps.Add(field, "network.profile.competence.unknown")
			case seen[c.Code]:
				ps.Add(field, "network.profile.competence.twice")
			case c.Level < 1 || c.Level > 8:
				ps.Add(field+".level", "network.profile.competence.level")
			}
			seen[c.Code] = true
		}
	}
	if u.Titles != nil {
		for i, t := range *u.Titles {
			code := t.CertificationCode
			if t.BlocCode != "" {
				code = t.BlocCode
			}
			if !refs.Titles[TitleRef(t)] {
				ps.Add("titles."+code, "network.profile.title.unknown")
			}
			// A day PostgreSQL cannot store (year 0) or that has not come.
			if d := t.ObtainedOn; d != nil && (d.Before(MinTitleDate) || !refs.Today.IsZero() && d.After(refs.Today)) {
				ps.Add("titles."+strconv.Itoa(i)+".obtained_on", "network.profile.title.obtained_on", "Min", MinTitleDate.Year())
			}
		}
	}
	for f, v := range u.Visibility {
		switch {
		case !slices.Contains(ProfileFields, f):
			ps.Add("visibility."+f, KeyUnknown)
		case !v.Valid():
			ps.Add("visibility."+f, "network.profile.visibility.invalid")
		}
	}
	return ps
}
