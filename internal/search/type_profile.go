package search

import (
	"context"
	"strconv"

	"maillage/internal/maillage"
)

// ProfileStore is what the profile type reads (internal/postgres).
type ProfileStore interface {
	// Profiles returns whole profiles (not views) by id; missing ids are absent.
	Profiles(ctx context.Context, ids []int64) ([]*maillage.Profile, error)
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

// Profiles is the people type: two indexes, what anonymous visitors may
// see (profiles) and what a signed-in member may see (profiles_members),
// chosen on the server from the session.
func Profiles(store ProfileStore, labels Labels, synonyms map[string][]string) *Type {
	spec := func(name, audience string) *IndexSpec {
		return &IndexSpec{
			Name: name, Audience: audience, PrimaryKey: "id",
			Searchable:   []string{"title", "kind_label", "competences", "titles", "structures", "commune", "mentor_themes", "bio"},
			Filterable:   []string{"type", "kind", "departement", "region", "code_insee", "competences", "titles", "mentor_available", "open_to_work"},
			Sortable:     []string{"title", "updated_at"},
			Facets:       []string{"type", "kind", "region", "departement", "competences", "titles", "mentor_available", "open_to_work"},
			Highlight:    []string{"title", "bio", "commune", "competences"},
			Crop:         []string{"bio"},
			RankingRules: rankingRules, Synonyms: synonyms,
			// Measured on 100k profiles (docs/ARCHITECTURE.md "Search"):
			// with _geo, "writing geo points" takes ~1.6 s of every update
			// batch; without it a one-document update takes 0.1–0.7 s. The
			// sync lag target is 1 s, so "près de" goes through communes.
			GeoByCommune: true,
		}
	}
	return &Type{
		Name: maillage.SearchProfile, Table: "profiles",
		Indexes:   []*IndexSpec{spec("profiles", AudiencePublic), spec("profiles_members", AudienceMembers)},
		Facets:    []string{"kind", "region", "departement", "competences", "titles", "mentor_available", "open_to_work"},
		ValueKeys: map[string]string{"kind": "domain.kind.", "mentor_available": "common.bool.", "open_to_work": "common.bool."},
		Documents: func(ctx context.Context, ids []int64) (map[string]map[int64]any, error) {
			ps, err := store.Profiles(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := map[string]map[int64]any{AudiencePublic: {}, AudienceMembers: {}}
			for _, p := range ps {
				for audience := range out {
					if d := ProfileDocument(p, audience, labels); d != nil {
						out[audience][p.ID] = d
					}
				}
			}
			return out, nil
		},
		Hit: func(doc Fields, h *maillage.SearchHit) error {
			var d ProfileDoc
			if err := doc.Decode(&d, "id", "kind", "competences"); err != nil {
				return err
			}
			h.SubtitleKeys = []string{"domain.kind." + d.Kind}
			h.Tags = first(d.Competences, 4)
			h.URL = "/profils/" + strconv.FormatInt(d.ID, 10)
			return nil
		},
	}
}

// ProfileDocument builds the document of a profile for an audience. It
// returns nil when the audience may not see the profile: it must then be
// absent from that index.
func ProfileDocument(p *maillage.Profile, audience string, labels Labels) *ProfileDoc {
	viewer := maillage.Anonymous
	if audience == AudienceMembers {
		viewer = maillage.AnyMember
	}
	v := p.ViewFor(viewer)
	if v == nil {
		return nil
	}
	d := &ProfileDoc{ID: v.ID, Type: maillage.SearchProfile, Title: clean(v.DisplayName), Kind: string(v.Kind),
		KindLabel: labels("domain.kind." + string(v.Kind)), Bio: clean(v.Bio), CodeInsee: v.CodeInsee, Commune: clean(v.Commune),
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
