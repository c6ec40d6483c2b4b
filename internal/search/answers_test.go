package search_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/demo"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite testdata/answers.json from what search answers now")

// answerMix is the bench's mix of query classes on the demo network (people
// and places): text, typos, synonyms, facet filters, « près de » by
// distance and by relevance, each type alone and both together, anonymous
// and signed in, first and second pages.
func answerMix() []maillage.SearchQuery {
	people, places := []string{maillage.SearchProfile}, []string{maillage.SearchStructure}
	member := maillage.Viewer{UserID: 1}
	var qs []maillage.SearchQuery
	for _, q := range []string{"mediatrice numerique", "acompagnement demarches", "conseilere numerique", "cnfs", "epn", "atelier tablette"} {
		qs = append(qs, maillage.SearchQuery{Q: q, Types: people}, maillage.SearchQuery{Q: q, Types: people, Viewer: member})
	}
	for _, f := range []map[string][]string{
		{"kind": {"mediateur"}},
		{"departement": {"69"}},
		{"region": {"84"}, "kind": {"conseiller", "aidant"}},
		{"mentor_available": {"true"}},
	} {
		qs = append(qs, maillage.SearchQuery{Filters: f, Types: people}, maillage.SearchQuery{Filters: f, Types: people, Viewer: member, Page: 2})
	}
	for _, c := range []string{"Lyon", "Marseille", "Rennes"} {
		qs = append(qs,
			maillage.SearchQuery{Near: c, RadiusKm: 30, Sort: "distance", Types: people},
			maillage.SearchQuery{Near: c, RadiusKm: 30, Sort: "distance", Types: people, Viewer: member, Page: 2},
			maillage.SearchQuery{Q: "numerique", Near: c, RadiusKm: 40, Sort: "distance", Filters: map[string][]string{"kind": {"mediateur"}}, Types: people},
			maillage.SearchQuery{Q: "numerique", Near: c, RadiusKm: 20, Sort: "distance"},
			maillage.SearchQuery{Q: "numerique", Near: c, RadiusKm: 20},
			maillage.SearchQuery{Near: c, RadiusKm: 15, Sort: "distance", Types: places},
		)
	}
	qs = append(qs,
		maillage.SearchQuery{Q: "espace numerique", Types: places},
		maillage.SearchQuery{Near: "Lyon", RadiusKm: 30, Sort: "distance", Types: places, Page: 2},
		maillage.SearchQuery{Q: "numerique", Near: "Paris", RadiusKm: 10, Sort: "distance", Types: places, Viewer: maillage.Viewer{UserID: 1}, Page: 3},
		maillage.SearchQuery{Q: "mediatheque", Types: places, Filters: map[string][]string{"departement": {"69"}}},
		maillage.SearchQuery{Q: "numerique"},
		maillage.SearchQuery{Q: "numerique", Viewer: member, Page: 2},
		maillage.SearchQuery{Q: "accompagnement", Filters: map[string][]string{"departement": {"69"}}},
		maillage.SearchQuery{Sort: "nom", Types: places, Filters: map[string][]string{"departement": {"16"}}},
	)
	return qs
}

// answer is what a search shows, in a form that compares and reads.
type answer struct {
	Query  string         `json:"query"`
	Total  int            `json:"total"`
	Pages  int            `json:"pages"`
	Types  map[string]int `json:"types"`
	Hits   []string       `json:"hits"`
	Facets []string       `json:"facets"`
	// Shown is what each hit shows besides its title: link, subtitle,
	// tags, the title and snippet with their marks.
	Shown []string `json:"shown"`
}

// marked writes fragments with their marked parts in [brackets].
func marked(fs []maillage.Fragment) string {
	var b strings.Builder
	for _, f := range fs {
		if f.Mark {
			b.WriteString("[" + f.Text + "]")
		} else {
			b.WriteString(f.Text)
		}
	}
	return b.String()
}

func answerOf(q maillage.SearchQuery, res *maillage.SearchResult) answer {
	a := answer{Query: fmt.Sprintf("q=%q types=%v filters=%v near=%s/%d sort=%s page=%d member=%v", q.Q, q.Types, q.Filters, q.Near, q.RadiusKm, q.Sort, q.Page, q.Members()),
		Total: res.Total, Pages: res.Pages, Types: res.TypeCounts}
	for _, h := range res.Hits {
		d := ""
		if h.DistanceM != nil {
			d = fmt.Sprintf(" @%d m", *h.DistanceM)
		}
		a.Hits = append(a.Hits, fmt.Sprintf("%s %s (%s)%s", h.Type, h.Title, h.Commune, d))
		a.Shown = append(a.Shown, fmt.Sprintf("%s %q %q %s | %s", h.URL, h.SubtitleKeys, h.Tags, marked(h.TitleParts), marked(h.Snippet)))
	}
	for _, f := range res.Facets {
		var vs []string
		for _, v := range f.Values {
			mark := ""
			if v.Selected {
				mark = "*"
			}
			vs = append(vs, fmt.Sprintf("%s%s=%d", mark, v.Value, v.Count))
		}
		a.Facets = append(a.Facets, f.Attribute+": "+strings.Join(vs, ", "))
	}
	return a
}

// TestSearchAnswersStayTheSame: what search answers on the demo network —
// hits in their order and what each shows, totals, type counts, facets with their counts — for
// the bench's mix is what testdata/answers.json holds. Changing how many
// requests a search sends, or which, must not change a single answer
// (issue 16); a change of what search answers on purpose rewrites the file
// with -update, and the diff shows what changed.
func TestSearchAnswersStayTheSame(t *testing.T) {
	a := testenv.Get(t).FreshApp(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, postgres.NewDemoStore(a.DB), demo.Options{Seed: 20261122}); err != nil {
		t.Fatal(err)
	}
	// A reindex gives every document the same place in its index on each
	// run (pages in id order), so equal relevance ties the same way.
	if _, err := a.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	synced(t, a)
	var got []answer
	for _, q := range answerMix() {
		res, err := a.SearchService.Search(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		if res.Degraded {
			t.Fatalf("%+v: degraded", q)
		}
		got = append(got, answerOf(q, res))
	}
	path := filepath.Join("testdata", "answers.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []answer
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("search answers changed (-want +got):\n%s", diff)
	}
}
