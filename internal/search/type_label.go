package search

import (
	"context"
	"strconv"

	"maillage/internal/label"
	"maillage/internal/maillage"
)

// LabelStore is what the register type reads (internal/postgres).
type LabelStore interface {
	// LabelDocs returns the labels valid today by id (others are absent).
	LabelDocs(ctx context.Context, ids []int64) ([]*label.Label, error)
}

// LabelDoc is a labelled place in the public register.
type LabelDoc struct {
	ID             int64  `json:"id"`
	Type           string `json:"type"`
	Title          string `json:"title"`
	StructureID    int64  `json:"structure_id"`
	Programme      string `json:"programme"`
	ProgrammeTitle string `json:"programme_title"`
	Commune        string `json:"commune,omitempty"`
	Departement    string `json:"departement,omitempty"`
	Region         string `json:"region,omitempty"`
	Geo            *Geo   `json:"_geo,omitempty"`
	ExpiresOn      int64  `json:"expires_on"`
}

// LabelledPlaces is the public register of labelled places: one public index
// (who holds a label is public).
func LabelledPlaces(store LabelStore, synonyms map[string][]string) *Type {
	return &Type{
		Name: label.SearchLabel, Table: "label_labels",
		Indexes: []*IndexSpec{{
			Name: "labels", Audience: AudiencePublic, PrimaryKey: "id",
			Searchable:   []string{"title", "programme_title", "commune"},
			Filterable:   []string{"type", "programme", "departement", "region", "_geo"},
			Sortable:     []string{"title", "expires_on", "_geo"},
			Facets:       []string{"type", "region", "departement"},
			Highlight:    []string{"title", "commune"},
			RankingRules: rankingRules, Synonyms: synonyms,
		}},
		Facets: []string{"region", "departement"},
		Documents: func(ctx context.Context, ids []int64) (map[string]map[int64]any, error) {
			ls, err := store.LabelDocs(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := map[string]map[int64]any{AudiencePublic: {}}
			for _, l := range ls {
				out[AudiencePublic][l.ID] = &LabelDoc{ID: l.ID, Type: label.SearchLabel, Title: clean(l.StructureNom), StructureID: l.StructureID,
					Programme: l.ProgrammeCode, ProgrammeTitle: clean(l.ProgrammeTitle), Commune: clean(l.Commune),
					Departement: l.CodeDepartement, Region: l.CodeRegion, Geo: geo(l.Latitude, l.Longitude), ExpiresOn: l.ExpiresOn.Unix()}
			}
			return out, nil
		},
		Hit: func(doc Fields, h *maillage.SearchHit) error {
			var d LabelDoc
			if err := doc.Decode(&d, "id", "programme_title"); err != nil {
				return err
			}
			h.SubtitleKeys = []string{"label.search.subtitle"}
			h.Tags = []string{d.ProgrammeTitle}
			h.URL = "/labels/registre/" + strconv.FormatInt(d.ID, 10)
			return nil
		},
	}
}
