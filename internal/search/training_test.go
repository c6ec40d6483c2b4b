package search_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/search"
	"maillage/internal/testenv"
	"maillage/internal/training"
)

func luhnKey(digits string) string {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return digits + strconv.Itoa((10-sum%10)%10)
}

// trainingBody creates a training body with one offer and its sessions.
func trainingBody(t *testing.T, a *app.App, title string, modality training.Modality, sessions ...*training.Session) *training.OfferView {
	t.Helper()
	ctx := context.Background()
	out, err := a.Users.SignInEmail(ctx, fmt.Sprintf("organisme-%d-%d@exemple.fr", time.Now().UnixNano(), userSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	siret := luhnKey(luhnKey(fmt.Sprintf("8%07d", time.Now().UnixNano()%1e7)) + "0001")
	st, _, err := a.Structures.CreateStructure(ctx, out.User.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureFormation},
		Lieu: maillage.Lieu{Pivot: siret, Nom: "Institut " + title, Adresse: "1 place Bellecour", CodePostal: "69002", Commune: "Lyon", CodeInsee: "69123"}})
	if err != nil {
		t.Fatal(err)
	}
	me := maillage.Viewer{UserID: out.User.ID}
	if _, err := a.Training.DeclareBody(ctx, me, st.ID, training.BodyInput{ActivityNumber: "84691234567"}); err != nil {
		t.Fatal(err)
	}
	v, err := a.Training.CreateOffer(ctx, me, st.ID, &training.Offer{Title: title, Objectives: "Accompagner les publics.", Certifications: []string{"REMN"},
		Blocs: []string{"REMN-B2"}, Modality: modality, Funding: []training.Funding{training.FundingCPF}, Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func sessionIn(code, postcode, city string, start time.Time) *training.Session {
	return &training.Session{Start: start, End: start.Add(48 * time.Hour), Registration: training.RegistrationOpen,
		Place: training.Place{CodeInsee: code, Postcode: postcode, City: city}}
}

// TestTrainingsAreSearched: an upcoming session is found with its facets
// (certification, bloc, modality, funding, département, month), by "près
// de" and in the PostgreSQL fallback; once it has started, the past
// sessions worker takes it out of the index.
func TestTrainingsAreSearched(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	start := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	v := trainingBody(t, a, "Quokkalisme numérique", training.ModalityPresentiel, sessionIn("69266", "69100", "Villeurbanne", start))
	remote := &training.Session{Start: start, End: start.Add(time.Hour), Registration: training.RegistrationOpen, Place: training.Place{Remote: true}}
	trainingBody(t, a, "Quokkalisme à distance", training.ModalityDistanciel, remote)
	synced(t, a)

	find := func(q maillage.SearchQuery) *maillage.SearchResult {
		t.Helper()
		q.Types = []string{search.SearchTraining}
		res, err := a.SearchService.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := find(maillage.SearchQuery{Q: "quokkalisme"})
	if res.Total != 2 || res.Degraded {
		t.Fatalf("found %v (%d, degraded %v)", titles(res), res.Total, res.Degraded)
	}
	facets := map[string][]string{}
	for _, f := range res.Facets {
		for _, fv := range f.Values {
			facets[f.Attribute] = append(facets[f.Attribute], fv.Value)
		}
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	local := start.In(paris)
	month := a.Catalog.T("fr", "format.month."+strconv.Itoa(int(local.Month()))) + " " + strconv.Itoa(local.Year())
	for attr, want := range map[string]string{"certification": "Responsable d'espace de médiation numérique", "modality": "presentiel",
		"funding": "cpf", "departement": "69", "bloc": "REMN-B2 — Contribuer au développement d'un espace de médiation numérique et de ses projets"} {
		if !slices.Contains(facets[attr], want) {
			t.Errorf("facet %s = %v, want %q among them", attr, facets[attr], want)
		}
	}
	if !slices.Contains(facets["start_month"], month) {
		t.Errorf("facet start_month = %v, want %q", facets["start_month"], month)
	}
	res = find(maillage.SearchQuery{Q: "quokkalisme", Filters: map[string][]string{"modality": {"distanciel"}}})
	if !slices.Equal(titles(res), []string{"Quokkalisme à distance"}) {
		t.Errorf("modality filter: %v", titles(res))
	}
	res = find(maillage.SearchQuery{Q: "quokkalisme", Near: "69123", RadiusKm: 10, Sort: "distance"})
	if len(res.Hits) != 1 || res.Hits[0].URL != "/formations/sessions/"+strconv.FormatInt(v.Sessions[0].ID, 10) || res.Hits[0].DistanceM == nil {
		t.Errorf("près de Lyon: %+v", res.Hits)
	}

	// The PostgreSQL fallback covers trainings too.
	fb, err := a.SearchService.Fallback.Search(ctx, maillage.SearchQuery{Q: "quokkalisme", Types: []string{search.SearchTraining},
		Filters: map[string][]string{"modality": {"presentiel"}, "certification": {"Responsable d'espace de médiation numérique"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(titles(fb), []string{"Quokkalisme numérique"}) || fb.Hits[0].URL != res.Hits[0].URL {
		t.Errorf("fallback: %v %+v", titles(fb), fb.Hits)
	}

	// The session starts: it leaves the index (and stays on its offer).
	if _, err := a.DB.NewRaw("UPDATE training_sessions SET start_at = now() - interval '1 hour' WHERE id = ?", v.Sessions[0].ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := a.Training.UnindexPastSessions(ctx); err != nil || n < 1 {
		t.Fatalf("past sessions: %d, %v", n, err)
	}
	synced(t, a)
	if res := find(maillage.SearchQuery{Q: "quokkalisme"}); !slices.Equal(titles(res), []string{"Quokkalisme à distance"}) {
		t.Errorf("after it started: %v", titles(res))
	}
	if after, err := a.Training.FindOffer(ctx, v.ID); err != nil || len(after.Sessions) != 1 {
		t.Errorf("the past session left its offer: %v", err)
	}
}
