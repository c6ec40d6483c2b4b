package search

import (
	"context"
	"strconv"
	"strings"

	"maillage/internal/maillage"
)

// StructureStore is what the structure type reads (internal/postgres).
type StructureStore interface {
	// Structures returns structures by id (without members).
	Structures(ctx context.Context, ids []int64) ([]*maillage.Structure, error)
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
	TypologieLabels         []string `json:"typologie_labels,omitempty"`
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

// Structures is the places type: one public index (every field of a place
// is open data in the national standard).
func Structures(store StructureStore, labels Labels, synonyms map[string][]string) *Type {
	return &Type{
		Name: maillage.SearchStructure, Table: "structures",
		Indexes: []*IndexSpec{{
			Name: "structures", Audience: AudiencePublic, PrimaryKey: "id",
			Searchable:   []string{"title", "roles_labels", "typologie_labels", "services", "commune", "code_postal", "typologie", "dispositifs", "formations_labels", "publics", "presentation", "adresse"},
			Filterable:   []string{"type", "roles", "departement", "region", "services", "publics", "modalites_acces", "modalites_accompagnement", "frais", "dispositifs", "formations_labels", "_geo"},
			Sortable:     []string{"title", "updated_at", "_geo"},
			Facets:       []string{"type", "roles", "region", "departement", "services", "modalites_accompagnement", "modalites_acces", "publics", "frais", "dispositifs"},
			Highlight:    []string{"title", "presentation", "commune", "services"},
			Crop:         []string{"presentation"},
			RankingRules: rankingRules, Synonyms: synonyms,
		}},
		Facets:    []string{"roles", "region", "departement", "services", "modalites_accompagnement", "modalites_acces", "publics", "frais", "dispositifs"},
		ValueKeys: map[string]string{"roles": "domain.structure_role."},
		Documents: func(ctx context.Context, ids []int64) (map[string]map[int64]any, error) {
			ss, err := store.Structures(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := map[string]map[int64]any{AudiencePublic: {}}
			for _, st := range ss {
				out[AudiencePublic][st.ID] = StructureDocument(st, labels)
			}
			return out, nil
		},
		Hit: func(doc Fields, h *maillage.SearchHit) error {
			var d StructureDoc
			if err := doc.Decode(&d, "id", "roles", "services"); err != nil {
				return err
			}
			for _, r := range d.Roles {
				h.SubtitleKeys = append(h.SubtitleKeys, "domain.structure_role."+r)
			}
			h.Tags = first(d.Services, 4)
			h.URL = "/structures/" + strconv.FormatInt(d.ID, 10)
			return nil
		},
	}
}

// StructureDocument builds the document of a structure (all its fields
// are public: they are in the national open data standard).
func StructureDocument(s *maillage.Structure, labels Labels) *StructureDoc {
	l := &s.Lieu
	d := &StructureDoc{ID: s.ID, Type: maillage.SearchStructure, Title: clean(l.Nom), Adresse: clean(l.Adresse), CodePostal: l.CodePostal,
		Commune: clean(l.Commune), Departement: s.CodeDepartement, Region: s.CodeRegion, Typologie: cleanAll(l.Typologie),
		Services: cleanAll(l.Services), Publics: cleanAll(l.PublicsSpecifiquementAdresses), ModalitesAcces: cleanAll(l.ModalitesAcces),
		ModalitesAccompagnement: cleanAll(l.ModalitesAccompagnement), Frais: cleanAll(l.FraisACharge),
		Dispositifs: cleanAll(l.DispositifProgrammesNationaux), FormationsLabels: cleanAll(l.FormationsLabels),
		Presentation: clean(strings.TrimSpace(l.PresentationResume + " " + l.PresentationDetail)), UpdatedAt: s.UpdatedAt.Unix()}
	for _, r := range s.Roles {
		d.Roles = append(d.Roles, string(r))
		d.RolesLabels = append(d.RolesLabels, labels("domain.structure_role."+string(r)))
	}
	for _, code := range l.Typologie {
		if t, ok := maillage.TypologieByCode(code); ok && t.Libelle != "" {
			d.TypologieLabels = append(d.TypologieLabels, clean(t.Libelle))
		}
	}
	d.Geo = geo(l.Latitude, l.Longitude)
	return d
}
