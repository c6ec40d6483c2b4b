package search_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/search"
)

// TestHitsReadWhatTheyShow: each type's Hit, which decodes only the
// attributes it shows, fills a result from a whole document as
// Meilisearch returns it (every attribute, each in JSON) with the same
// subtitle, tags and link as from the document it was built from.
func TestHitsReadWhatTheyShow(t *testing.T) {
	for _, tt := range []struct {
		name string
		typ  *search.Type
		doc  any
		want maillage.SearchHit
	}{
		{"profile", search.Profiles(nil, nil, nil), &search.ProfileDoc{ID: 7, Type: maillage.SearchProfile, Title: "Zoé Quillard", Kind: "mediateur",
			Bio: "Ateliers", Competences: []string{"a", "b", "c", "d", "e"}},
			maillage.SearchHit{SubtitleKeys: []string{"domain.kind.mediateur"}, Tags: []string{"a", "b", "c", "d"}, URL: "/profils/7"}},
		{"structure", search.Structures(nil, nil, nil), &search.StructureDoc{ID: 8, Type: maillage.SearchStructure, Title: "Médiathèque",
			Roles: []string{"lieu", "hub"}, Services: []string{"s1", "s2"}, Presentation: "Longue présentation"},
			maillage.SearchHit{SubtitleKeys: []string{"domain.structure_role.lieu", "domain.structure_role.hub"}, Tags: []string{"s1", "s2"}, URL: "/structures/8"}},
		{"training", search.Trainings(nil, nil, nil), &search.TrainingDoc{ID: 9, Type: search.SearchTraining, Title: "Pix", Body: "Organisme",
			Modality: "presentiel", StartDay: "01/02/2027", EndDay: "03/02/2027", Description: "Objectifs"},
			maillage.SearchHit{SubtitleKeys: []string{"training.modality.presentiel"}, Tags: []string{"Organisme", "01/02/2027 → 03/02/2027"}, URL: "/formations/sessions/9"}},
		{"job", search.Jobs(nil, nil, nil), &search.JobDoc{ID: 10, Type: "job", Title: "Médiateur", Structure: "Mairie",
			Contract: "cdd", Remote: "partiel", Blocs: []string{"RNCP1", "RNCP2", "RNCP3", "RNCP4"}},
			maillage.SearchHit{SubtitleKeys: []string{"recruiting.contract.cdd", "recruiting.remote.partiel"}, Tags: []string{"Mairie", "RNCP1", "RNCP2", "RNCP3"}, URL: "/emploi/offres/10"}},
		{"labelled place", search.LabelledPlaces(nil, nil), &search.LabelDoc{ID: 11, Type: "label", Title: "Lieu", ProgrammeTitle: "Label"},
			maillage.SearchHit{SubtitleKeys: []string{"label.search.subtitle"}, Tags: []string{"Label"}, URL: "/labels/registre/11"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			var fields search.Fields
			if err := json.Unmarshal(b, &fields); err != nil {
				t.Fatal(err)
			}
			var got maillage.SearchHit
			if err := tt.typ.Hit(fields, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("hit (-want +got):\n%s", diff)
			}
		})
	}
}
