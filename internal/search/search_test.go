package search_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/content"
	"maillage/internal/maillage"
	"maillage/internal/search"
	"maillage/internal/testenv"
)

func TestLoadSynonyms(t *testing.T) {
	syn, err := search.LoadSynonyms(content.FS())
	if err != nil {
		t.Fatal(err)
	}
	for term, want := range map[string]string{"cnfs": "conseiller numérique", "conseiller numérique": "cnfs", "epn": "espace public numérique", "tp": "titre professionnel", "remn": "responsable d'espace de médiation numérique"} {
		if !has(syn[term], want) {
			t.Errorf("synonyms of %q = %v, want %q among them", term, syn[term], want)
		}
	}
}

func TestEnsureIndexesIdempotentAndChecked(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ { // applying twice changes nothing and still checks
		if err := a.EnsureSearch(ctx); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	st, err := a.Search.Manager().Index(a.Search.Index("profiles")).GetSettingsWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.TypoTolerance == nil || !st.TypoTolerance.Enabled {
		t.Error("typo tolerance is not enabled")
	}
	if !has(st.Synonyms["cnfs"], "conseiller numérique") {
		t.Errorf("synonyms not applied: %v", st.Synonyms["cnfs"])
	}
	// Profiles: "près de" goes through code_insee; no _geo, so updates stay
	// cheap. Prefix search stays on (as-you-type).
	if !has(st.FilterableAttributes, "code_insee") || has(st.FilterableAttributes, "_geo") || has(st.SortableAttributes, "_geo") {
		t.Errorf("profiles filter by code_insee, without _geo: %v / %v", st.FilterableAttributes, st.SortableAttributes)
	}
	if st.PrefixSearch != nil && *st.PrefixSearch == "disabled" {
		t.Error("prefix search is disabled on profiles")
	}
	// Structures (few, rarely changed) keep Meilisearch's geo search.
	st, err = a.Search.Manager().Index(a.Search.Index("structures")).GetSettingsWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !has(st.FilterableAttributes, "_geo") || !has(st.SortableAttributes, "_geo") {
		t.Errorf("structures: _geo must be filterable and sortable: %v / %v", st.FilterableAttributes, st.SortableAttributes)
	}
}

// TestSearchFindsTheExpectedPeople: a typo, a synonym and "près de Lyon,
// 30 km" sorted by distance.
func TestSearchFindsTheExpectedPeople(t *testing.T) {
	a := testenv.Get(t).FreshApp(t) // the first hits near Lyon are these people
	vis := public()
	mk := func(name string, kind maillage.ProfileKind, commune, bio string) {
		person(t, a, maillage.ProfileUpdate{Kind: ptr(kind), DisplayName: ptr(name), Commune: ptr(commune), Bio: ptr(bio), Visibility: vis})
	}
	mk("Camille Aubert", maillage.KindMediateur, "69266", "J'anime des ateliers au centre social.")          // Villeurbanne, ~5 km from Lyon
	mk("Jérôme Vidal", maillage.KindConseiller, "69259", "Accompagnement aux démarches en ligne.")           // Vénissieux, ~7 km
	mk("Nadia Ferrand", maillage.KindAidant, "38544", "Secrétaire de mairie, j'aide les habitants.")         // Vienne (Isère), ~27 km
	mk("Louis Marchal", maillage.KindMediateur, "75056", "Ateliers numériques à la médiathèque.")            // Paris
	mk("Sophie Carrel", maillage.KindConseiller, "13055", "Permanences numériques dans les quartiers nord.") // Marseille
	synced(t, a)

	cases := []struct {
		name    string
		q       maillage.SearchQuery
		want    []string // must be found
		wantNot []string // must not be found
		ordered bool     // want is the exact order of the first hits
	}{
		{name: "typo", q: maillage.SearchQuery{Q: "mediatuer numerique"}, want: []string{"Camille Aubert", "Louis Marchal"}, wantNot: []string{"Sophie Carrel"}},
		{name: "synonym", q: maillage.SearchQuery{Q: "cnfs"}, want: []string{"Jérôme Vidal", "Sophie Carrel"}, wantNot: []string{"Camille Aubert", "Nadia Ferrand"}},
		{name: "near Lyon 30 km by distance", q: maillage.SearchQuery{Near: "Lyon", RadiusKm: 30, Sort: "distance", Types: []string{maillage.SearchProfile}},
			want: []string{"Camille Aubert", "Jérôme Vidal", "Nadia Ferrand"}, wantNot: []string{"Louis Marchal", "Sophie Carrel"}, ordered: true},
		{name: "facet filter", q: maillage.SearchQuery{Filters: map[string][]string{"kind": {"aidant"}}}, want: []string{"Nadia Ferrand"}, wantNot: []string{"Camille Aubert"}},
		{name: "typo in a name", q: maillage.SearchQuery{Q: "Camile Auber"}, want: []string{"Camille Aubert"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := a.SearchService.Search(context.Background(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Degraded {
				t.Fatal("degraded search: Meilisearch should answer")
			}
			got := titles(res)
			for _, w := range tc.want {
				if !has(got, w) {
					t.Errorf("%q not found; got %v", w, got)
				}
			}
			for _, w := range tc.wantNot {
				if has(got, w) {
					t.Errorf("%q found; it must not be (got %v)", w, got)
				}
			}
			if tc.ordered {
				if diff := cmp.Diff(tc.want, got[:min(len(got), len(tc.want))]); diff != "" {
					t.Errorf("order by distance (-want +got):\n%s", diff)
				}
				for i := 1; i < len(res.Hits); i++ {
					if *res.Hits[i].DistanceM < *res.Hits[i-1].DistanceM {
						t.Errorf("hit %d is nearer than hit %d", i, i-1)
					}
				}
			}
		})
	}
	t.Run("facets have counts", func(t *testing.T) {
		res, err := a.SearchService.Search(context.Background(), maillage.SearchQuery{Near: "Lyon", RadiusKm: 30, Types: []string{maillage.SearchProfile}})
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, f := range res.Facets {
			if f.Attribute == "kind" {
				for _, v := range f.Values {
					counts[v.Value] = v.Count
				}
			}
		}
		if counts["mediateur"] < 1 || counts["conseiller"] < 1 || counts["aidant"] < 1 {
			t.Errorf("kind facet near Lyon = %v", counts)
		}
	})
}

// TestPrivateValuesAreNeverIndexed: a private field's value cannot be found
// nor read in the index; a members-only value only by members; a profile
// made private disappears.
func TestPrivateValuesAreNeverIndexed(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	vis := public()
	vis[maillage.FieldBio] = maillage.VisPrivate
	secret := person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Irène Vasseur"), Commune: ptr("69123"),
		Bio: ptr("Mon code secret est zorglubium"), Visibility: vis})
	vis2 := public()
	vis2[maillage.FieldBio] = maillage.VisMembers
	members := person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Hugo Lemaire"), Commune: ptr("69123"),
		Bio: ptr("Réservé aux membres : quintessor"), Visibility: vis2})
	synced(t, a)

	member := maillage.Viewer{UserID: members.UserID + 100000} // any signed-in member but not the owner
	search := func(v maillage.Viewer, q string) []string {
		t.Helper()
		res, err := a.SearchService.Search(ctx, maillage.SearchQuery{Viewer: v, Q: q})
		if err != nil {
			t.Fatal(err)
		}
		return titles(res)
	}
	if got := search(maillage.Anonymous, "zorglubium"); len(got) != 0 {
		t.Errorf("private value found by anonymous: %v", got)
	}
	if got := search(member, "zorglubium"); len(got) != 0 {
		t.Errorf("private value found by a member: %v", got)
	}
	if got := search(maillage.Anonymous, "Irène Vasseur"); !has(got, "Irène Vasseur") {
		t.Errorf("the public profile itself should be found: %v", got)
	}
	if got := search(maillage.Anonymous, "quintessor"); len(got) != 0 {
		t.Errorf("members-only value found by anonymous: %v", got)
	}
	if got := search(member, "quintessor"); !has(got, "Hugo Lemaire") {
		t.Errorf("members-only value not found by a member: %v", got)
	}
	// Not only unsearchable: absent from every index.
	for _, idx := range []string{"profiles", "profiles_members"} {
		var doc map[string]any
		if err := a.Search.Manager().Index(a.Search.Index(idx)).GetDocumentWithContext(ctx, itoa(secret.ID), nil, &doc); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(doc)
		if strings.Contains(string(b), "zorglubium") {
			t.Errorf("index %s holds the private value: %s", idx, b)
		}
	}

	// The person makes the whole profile private: it leaves the results.
	if _, err := a.Profiles.SaveProfile(ctx, members.UserID, maillage.ProfileUpdate{Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPrivate}}); err != nil {
		t.Fatal(err)
	}
	synced(t, a)
	for _, v := range []maillage.Viewer{maillage.Anonymous, member} {
		if got := search(v, "Hugo Lemaire"); has(got, "Hugo Lemaire") {
			t.Errorf("private profile still found (viewer %+v): %v", v, got)
		}
	}
	// Members-only profile (the default): not public, found by members.
	if _, err := a.Profiles.SaveProfile(ctx, members.UserID, maillage.ProfileUpdate{Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisMembers}}); err != nil {
		t.Fatal(err)
	}
	synced(t, a)
	if got := search(maillage.Anonymous, "Hugo Lemaire"); has(got, "Hugo Lemaire") {
		t.Errorf("members-only profile found by anonymous: %v", got)
	}
	if got := search(member, "Hugo Lemaire"); !has(got, "Hugo Lemaire") {
		t.Errorf("members-only profile not found by a member: %v", got)
	}
	// Deleting the profile removes it from search.
	if err := a.Profiles.DeleteProfile(ctx, secret.UserID); err != nil {
		t.Fatal(err)
	}
	synced(t, a)
	if got := search(maillage.Anonymous, "Irène Vasseur"); has(got, "Irène Vasseur") {
		t.Errorf("deleted profile still found: %v", got)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// TestFacetsAreDisjunctive: values are OR-ed inside a facet, so choosing
// one value keeps the others listed with the number of results each would
// add, while the other facets count only what the choice leaves.
func TestFacetsAreDisjunctive(t *testing.T) {
	a := testenv.Get(t).FreshApp(t) // counts
	for i, p := range []struct {
		kind    maillage.ProfileKind
		commune string
	}{
		{maillage.KindMediateur, "29019"}, {maillage.KindMediateur, "29019"}, {maillage.KindMediateur, "35238"},
		{maillage.KindAidant, "29019"}, {maillage.KindConseiller, "35238"}, {maillage.KindConseiller, "35238"},
	} {
		person(t, a, maillage.ProfileUpdate{Kind: ptr(p.kind), DisplayName: ptr(fmt.Sprintf("Disjonctif %d", i)), Commune: ptr(p.commune),
			Bio: ptr("Ateliers quorvex"), Visibility: public()})
	}
	synced(t, a)
	counts := func(res *maillage.SearchResult, attr string) map[string]int {
		out := map[string]int{}
		for _, f := range res.Facets {
			if f.Attribute == attr {
				for _, v := range f.Values {
					out[v.Value] = v.Count
				}
			}
		}
		return out
	}
	search := func(filters map[string][]string) *maillage.SearchResult {
		t.Helper()
		res, err := a.SearchService.Search(context.Background(), maillage.SearchQuery{Q: "quorvex", Types: []string{maillage.SearchProfile}, Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		if res.Degraded {
			t.Fatal("degraded")
		}
		return res
	}
	res := search(map[string][]string{"kind": {"mediateur"}})
	if res.Total != 3 {
		t.Errorf("médiateurs: total %d, want 3", res.Total)
	}
	if diff := cmp.Diff(map[string]int{"mediateur": 3, "aidant": 1, "conseiller": 2}, counts(res, "kind")); diff != "" {
		t.Errorf("kind facet keeps the other kinds (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"29": 2, "35": 1}, counts(res, "departement")); diff != "" {
		t.Errorf("département facet counts the médiateurs only (-want +got):\n%s", diff)
	}
	res = search(map[string][]string{"kind": {"mediateur", "aidant"}, "departement": {"29"}})
	if res.Total != 3 {
		t.Errorf("médiateurs or aidants in Finistère: total %d, want 3", res.Total)
	}
	if diff := cmp.Diff(map[string]int{"mediateur": 2, "aidant": 1}, counts(res, "kind")); diff != "" {
		t.Errorf("kind facet within Finistère (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"29": 3, "35": 1}, counts(res, "departement")); diff != "" {
		t.Errorf("département facet for médiateurs or aidants (-want +got):\n%s", diff)
	}
}

// TestJustHiddenIsNotShown: within the sync lag (changes saved, not yet
// applied to the indexes), a field just made private neither matches nor
// shows, a profile just hidden leaves the results, and a profile whose
// public fields merely changed is still found.
func TestJustHiddenIsNotShown(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	hidden := person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Ninon Trébuchet"), Commune: ptr("69123"),
		Bio: ptr("Ateliers xylotrombe"), Visibility: public()})
	gone := person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Octave Brunissard"), Commune: ptr("69123"),
		Bio: ptr("Ateliers xylotrombe aussi"), Visibility: public()})
	edited := person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Paule Gourdonnet"), Commune: ptr("69123"),
		Bio: ptr("Ateliers xylotrombe encore"), Visibility: public()})
	synced(t, a)
	ask := func(q string) []string {
		t.Helper()
		res, err := a.SearchService.Search(ctx, maillage.SearchQuery{Viewer: maillage.Anonymous, Q: q})
		if err != nil {
			t.Fatal(err)
		}
		return titles(res)
	}
	if got := ask("xylotrombe"); len(got) != 3 {
		t.Fatalf("before the changes: %v", got)
	}

	if _, err := a.Profiles.SaveProfile(ctx, hidden.UserID, maillage.ProfileUpdate{Visibility: map[string]maillage.Visibility{maillage.FieldBio: maillage.VisPrivate}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Profiles.SaveProfile(ctx, gone.UserID, maillage.ProfileUpdate{Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisMembers}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Profiles.SaveProfile(ctx, edited.UserID, maillage.ProfileUpdate{Bio: ptr("Ateliers xylotrombe, le mardi")}); err != nil {
		t.Fatal(err)
	}
	// Not synced: the indexes still hold the old documents. The search
	// reads every pending change at once when they are few, and the hits'
	// own changes when more are pending than it reads at once.
	// So do an answer kept from before, a new answer and a search without
	// the cache (which reads the changes while Meilisearch answers).
	kept := a.SearchService.Cache
	for _, atOnce := range []int{0, 1} {
		for _, c := range []struct {
			name  string
			cache *search.Cache
		}{{"kept answer", kept}, {"new answer", search.NewCache(10)}, {"no cache", nil}} {
			a.SearchService.PendingAtOnce, a.SearchService.Cache = atOnce, c.cache
			got := ask("xylotrombe")
			if has(got, "Ninon Trébuchet") {
				t.Errorf("%s, at once %d: matched by a field made private just now: %v", c.name, atOnce, got)
			}
			if has(got, "Octave Brunissard") {
				t.Errorf("%s, at once %d: a profile just hidden from the public still shows: %v", c.name, atOnce, got)
			}
			if !has(got, "Paule Gourdonnet") {
				t.Errorf("%s, at once %d: a profile whose public bio changed should still be found: %v", c.name, atOnce, got)
			}
		}
	}
	a.SearchService.PendingAtOnce, a.SearchService.Cache = 0, kept

	synced(t, a)
	got := ask("xylotrombe")
	if !slices.Equal(got, []string{"Paule Gourdonnet"}) {
		t.Errorf("after the sync: %v", got)
	}
	if got := ask("Ninon Trébuchet"); !has(got, "Ninon Trébuchet") {
		t.Errorf("after the sync the profile is found by its public name: %v", got)
	}
}

// TestTraceCountsRequests: a traced search reports the requests it sent to
// Meilisearch, their round trips and Meilisearch's processing time (what
// make bench prints per query class). One federated multi-search for a
// query; one more, alongside, when a facet is filtered (its disjunctive
// counts); the distance order of people (located by commune) adds their
// page, the counts per commune coming with the federated answer.
func TestTraceCountsRequests(t *testing.T) {
	a := testenv.Get(t).App(t)
	person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Tracée Zanfir"), Commune: ptr("69123"),
		Bio: ptr("Ateliers zanfir"), Visibility: public()})
	synced(t, a)
	for _, tt := range []struct {
		name string
		q    maillage.SearchQuery
		want int
	}{
		{"text", maillage.SearchQuery{Q: "zanfir", Types: []string{maillage.SearchProfile}}, 1},
		{"text and a facet", maillage.SearchQuery{Q: "zanfir", Types: []string{maillage.SearchProfile}, Filters: map[string][]string{"kind": {"mediateur"}}}, 2},
		{"near, by distance", maillage.SearchQuery{Q: "zanfir", Types: []string{maillage.SearchProfile}, Near: "Lyon", RadiusKm: 20, Sort: "distance"}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var tr search.Trace
			res, err := a.SearchService.Search(search.WithTrace(context.Background(), &tr), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Degraded || res.Total != 1 {
				t.Fatalf("total %d, degraded %v", res.Total, res.Degraded)
			}
			n, rt, pms := tr.Snapshot()
			if n != tt.want || rt <= 0 || pms < 0 {
				t.Errorf("trace: %d requests (want %d), round trips %v, processing %d ms", n, tt.want, rt, pms)
			}
		})
	}
}
