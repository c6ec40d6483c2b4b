package search

import (
	"context"
	"math"
	"strings"

	"maillage/internal/maillage"
)

// Source is what the search package reads from storage (internal/postgres
// implements it). Profiles are returned whole: the documents are built
// from their views (ViewFor), never from the raw values.
type Source interface {
	Profiles(ctx context.Context, ids []int64) ([]*maillage.Profile, error)
	Structures(ctx context.Context, ids []int64) ([]*maillage.Structure, error)
	// EntityIDs pages through the ids of an entity ("profile", "structure"), ascending.
	EntityIDs(ctx context.Context, entity string, after int64, limit int) ([]int64, error)
}

// Geo is Meilisearch's _geo attribute.
type Geo struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// ProfileDoc is a profile in a search index: only the fields of one view.
type ProfileDoc struct {
	ID              int64    `json:"id"`
	Type            string   `json:"type"`
	Title           string   `json:"title"`
	Kind            string   `json:"kind"`
	KindLabel       string   `json:"kind_label"`
	Bio             string   `json:"bio,omitempty"`
	CodeInsee       string   `json:"code_insee,omitempty"`
	Commune         string   `json:"commune,omitempty"`
	Departement     string   `json:"departement,omitempty"`
	Region          string   `json:"region,omitempty"`
	Geo             *Geo     `json:"_geo,omitempty"`
	Competences     []string `json:"competences,omitempty"`
	Titles          []string `json:"titles,omitempty"`
	Structures      []string `json:"structures,omitempty"`
	MentorAvailable *bool    `json:"mentor_available,omitempty"`
	MentorThemes    []string `json:"mentor_themes,omitempty"`
	OpenToWork      *bool    `json:"open_to_work,omitempty"`
	UpdatedAt       int64    `json:"updated_at"`
}

// StructureDoc is a structure (place, employer, training body, hub).
type StructureDoc struct {
	ID                      int64    `json:"id"`
	Type                    string   `json:"type"`
	Title                   string   `json:"title"`
	Roles                   []string `json:"roles,omitempty"`
	RolesLabels             []string `json:"roles_labels,omitempty"`
	Adresse                 string   `json:"adresse,omitempty"`
	CodePostal              string   `json:"code_postal,omitempty"`
	Commune                 string   `json:"commune,omitempty"`
	Departement             string   `json:"departement,omitempty"`
	Region                  string   `json:"region,omitempty"`
	Geo                     *Geo     `json:"_geo,omitempty"`
	Typologie               []string `json:"typologie,omitempty"`
	Services                []string `json:"services,omitempty"`
	Publics                 []string `json:"publics,omitempty"`
	ModalitesAcces          []string `json:"modalites_acces,omitempty"`
	ModalitesAccompagnement []string `json:"modalites_accompagnement,omitempty"`
	Frais                   []string `json:"frais,omitempty"`
	Dispositifs             []string `json:"dispositifs,omitempty"`
	FormationsLabels        []string `json:"formations_labels,omitempty"`
	Presentation            string   `json:"presentation,omitempty"`
	UpdatedAt               int64    `json:"updated_at"`
}

// geo returns the point when both coordinates are real ones: a NaN cannot
// even be encoded in JSON, and an out-of-range value would put the place
// nowhere (left without _geo, it is still found by text and territory).
func geo(lat, lng *float64) *Geo {
	if lat == nil || lng == nil || math.IsNaN(*lat) || math.IsNaN(*lng) || math.Abs(*lat) > 90 || math.Abs(*lng) > 180 {
		return nil
	}
	return &Geo{Lat: *lat, Lng: *lng}
}

// clean removes the private-use characters used as highlight marks, so a
// value can never forge a highlight.
func clean(s string) string {
	if !strings.ContainsAny(s, markPre+markPost) {
		return s
	}
	return strings.NewReplacer(markPre, "", markPost, "").Replace(s)
}

func cleanAll(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = clean(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ProfileDocument builds the document of a profile for an audience. It
// returns nil when the audience may not see the profile: it must then be
// absent from that index.
func ProfileDocument(p *maillage.Profile, audience string) *ProfileDoc {
	viewer := maillage.Anonymous
	if audience == AudienceMembers {
		viewer = maillage.AnyMember
	}
	v := p.ViewFor(viewer)
	if v == nil {
		return nil
	}
	d := &ProfileDoc{ID: v.ID, Type: maillage.SearchProfile, Title: clean(v.DisplayName), Kind: string(v.Kind),
		KindLabel: maillage.ProfileKindLabels[v.Kind], Bio: clean(v.Bio), CodeInsee: v.CodeInsee, Commune: clean(v.Commune),
		Departement: v.CodeDepartement, Region: v.CodeRegion, OpenToWork: v.OpenToWork, UpdatedAt: v.UpdatedAt.Unix()}
	d.Geo = geo(v.Latitude, v.Longitude)
	for _, c := range v.Competences {
		if c.Label != "" {
			d.Competences = append(d.Competences, clean(c.Label))
		}
	}
	for _, t := range v.Titles {
		if t.Label != "" && !contains(d.Titles, t.Label) {
			d.Titles = append(d.Titles, clean(t.Label))
		}
	}
	for _, s := range v.Structures {
		if s.EndedOn == nil && !contains(d.Structures, s.Nom) {
			d.Structures = append(d.Structures, clean(s.Nom))
		}
	}
	if v.Mentor != nil {
		avail := v.Mentor.Available
		d.MentorAvailable = &avail
		d.MentorThemes = cleanAll(v.Mentor.Themes)
	}
	return d
}

// StructureDocument builds the document of a structure (all its fields
// are public: they are in the national open data standard).
func StructureDocument(s *maillage.Structure) *StructureDoc {
	l := &s.Lieu
	d := &StructureDoc{ID: s.ID, Type: maillage.SearchStructure, Title: clean(l.Nom), Adresse: clean(l.Adresse), CodePostal: l.CodePostal,
		Commune: clean(l.Commune), Departement: s.CodeDepartement, Region: s.CodeRegion, Typologie: cleanAll(l.Typologie),
		Services: cleanAll(l.Services), Publics: cleanAll(l.PublicsSpecifiquementAdresses), ModalitesAcces: cleanAll(l.ModalitesAcces),
		ModalitesAccompagnement: cleanAll(l.ModalitesAccompagnement), Frais: cleanAll(l.FraisACharge),
		Dispositifs: cleanAll(l.DispositifProgrammesNationaux), FormationsLabels: cleanAll(l.FormationsLabels),
		Presentation: clean(strings.TrimSpace(l.PresentationResume + " " + l.PresentationDetail)), UpdatedAt: s.UpdatedAt.Unix()}
	for _, r := range s.Roles {
		d.Roles = append(d.Roles, string(r))
		d.RolesLabels = append(d.RolesLabels, maillage.StructureRoleLabels[r])
	}
	d.Geo = geo(l.Latitude, l.Longitude)
	return d
}

// Documents loads the entities with these ids and returns, per index of
// that entity, the documents to upsert keyed by id. An id without a
// document in an index must be deleted from it.
func Documents(ctx context.Context, src Source, specs []*IndexSpec, entity string, ids []int64) (map[string]map[int64]any, error) {
	out := map[string]map[int64]any{}
	for _, s := range specs {
		if s.Entity == entity {
			out[s.Name] = map[int64]any{}
		}
	}
	switch entity {
	case "profile":
		ps, err := src.Profiles(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, s := range specs {
			if s.Entity != entity {
				continue
			}
			for _, p := range ps {
				if d := ProfileDocument(p, s.Audience); d != nil {
					out[s.Name][p.ID] = d
				}
			}
		}
	case "structure":
		ss, err := src.Structures(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, s := range specs {
			if s.Entity != entity {
				continue
			}
			for _, st := range ss {
				out[s.Name][st.ID] = StructureDocument(st)
			}
		}
	}
	return out, nil
}
