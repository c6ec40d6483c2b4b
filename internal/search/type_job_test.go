package search_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/recruiting"
	"maillage/internal/testenv"
)

// jobOffer writes an offer through the recruiting service (published
// unless draft).
func jobOffer(t *testing.T, a *app.App, u *maillage.User, st *maillage.Structure, title, insee string, contract recruiting.Contract, remote recruiting.Remote, draft bool) *recruiting.Offer {
	t.Helper()
	ctx := context.Background()
	in := recruiting.OfferInput{StructureID: st.ID, TitleFeminine: title + "e", TitleMasculine: title, Description: "Offre de test zorglub.",
		CodeInsee: insee, Contract: contract, Remote: remote, HoursPerWeek: 35, StartOn: maillage.Today(time.Now()).AddDate(0, 2, 0).Format(recruiting.DateLayout),
		ClosesOn: maillage.Today(time.Now()).AddDate(0, 0, 15).Format(recruiting.DateLayout), Wants: []recruiting.Want{{Ref: "REMN/REMN-B1", Required: true}}}
	if contract == recruiting.ContractCDD {
		in.DurationMonths = 12
	}
	o, err := a.Recruiting.CreateOffer(ctx, u, in)
	if err != nil {
		t.Fatal(err)
	}
	if !draft {
		if o, err = a.Recruiting.MoveOffer(ctx, u, o.ID, recruiting.OfferPublished); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// TestJobsSearch: published offers are found by text, facets (contract,
// blocs, remote, start month) and « près de »; drafts are never indexed;
// filled and expired offers leave the index; the PostgreSQL fallback
// finds the same.
func TestJobsSearch(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	out, err := a.Users.SignInEmail(ctx, fmt.Sprintf("employeur-recherche-%d@exemple.fr", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	u := out.User
	st, _, err := a.Structures.CreateStructure(ctx, u.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureEmployeur},
		Lieu: maillage.Lieu{Pivot: "W695300815", Nom: "Association Zorglub", Adresse: "1 rue de la République", CodePostal: "69001", Commune: "Lyon", CodeInsee: "69123"}})
	if err != nil {
		t.Fatal(err)
	}
	lyon := jobOffer(t, a, u, st, "Médiateur zorglub", "69123", recruiting.ContractCDD, recruiting.RemoteNone, false)
	marseille := jobOffer(t, a, u, st, "Conseiller zorglub", "13055", recruiting.ContractCDI, recruiting.RemotePartial, false)
	draft := jobOffer(t, a, u, st, "Brouillon zorglub", "69123", recruiting.ContractCDI, recruiting.RemoteNone, true)
	synced(t, a)

	search := func(q maillage.SearchQuery) map[int64]maillage.SearchHit {
		t.Helper()
		q.Types = []string{recruiting.SearchType}
		res, err := a.SearchService.Search(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		if res.Degraded {
			t.Fatal("degraded search: Meilisearch should answer")
		}
		got := map[int64]maillage.SearchHit{}
		for _, h := range res.Hits {
			got[h.ID] = h
		}
		return got
	}
	all := search(maillage.SearchQuery{Q: "zorglub"})
	if _, ok := all[draft.ID]; ok || len(all) != 2 {
		t.Fatalf("found %v, want the two published offers only", all)
	}
	h := all[lyon.ID]
	if h.URL != fmt.Sprintf("/emploi/offres/%d", lyon.ID) || h.SubtitleKeys[0] != "recruiting.contract.cdd" || h.Title != "Médiateur zorglube / Médiateur zorglub" {
		t.Errorf("hit %+v", h)
	}
	month := a.Catalog.T("fr", "recruiting.search.start_month", "Month", a.Catalog.T("fr", fmt.Sprintf("format.month.%d", int(lyon.StartOn.Month()))), "Year", lyon.StartOn.Year())
	for _, tt := range []struct {
		name string
		q    maillage.SearchQuery
		want []int64
	}{
		{"contract", maillage.SearchQuery{Q: "zorglub", Filters: map[string][]string{"job_contract": {"cdd"}}}, []int64{lyon.ID}},
		{"bloc", maillage.SearchQuery{Q: "zorglub", Filters: map[string][]string{"job_blocs": {"REMN-B1"}}}, []int64{lyon.ID, marseille.ID}},
		{"remote", maillage.SearchQuery{Q: "zorglub", Filters: map[string][]string{"job_remote": {"partiel"}}}, []int64{marseille.ID}},
		{"département", maillage.SearchQuery{Q: "zorglub", Filters: map[string][]string{"departement": {"13"}}}, []int64{marseille.ID}},
		{"start month", maillage.SearchQuery{Q: "zorglub", Filters: map[string][]string{"job_start": {month}}}, []int64{lyon.ID, marseille.ID}},
		{"near Lyon", maillage.SearchQuery{Q: "zorglub", Near: "Lyon", RadiusKm: 30}, []int64{lyon.ID}},
	} {
		got := search(tt.q)
		if len(got) != len(tt.want) {
			t.Errorf("%s: %d hits, want %v", tt.name, len(got), tt.want)
		}
		for _, id := range tt.want {
			if _, ok := got[id]; !ok {
				t.Errorf("%s: offer %d not found", tt.name, id)
			}
		}
	}
	res, err := a.SearchService.Search(ctx, maillage.SearchQuery{Q: "zorglub", Types: []string{recruiting.SearchType}})
	if err != nil {
		t.Fatal(err)
	}
	facets := map[string]map[string]int{}
	for _, f := range res.Facets {
		facets[f.Attribute] = map[string]int{}
		for _, v := range f.Values {
			facets[f.Attribute][v.Value] = v.Count
		}
	}
	if facets["job_contract"]["cdd"] != 1 || facets["job_contract"]["cdi"] != 1 || facets["job_blocs"]["REMN-B1"] != 2 || facets["job_start"][month] != 2 {
		t.Errorf("facets %v", facets)
	}

	// The PostgreSQL fallback finds the published offers, with the filters.
	fb := a.SearchService.Fallback
	fres, err := fb.Search(ctx, maillage.SearchQuery{Q: "zorglub", Types: []string{recruiting.SearchType}, Filters: map[string][]string{"job_start": {month}}})
	if err != nil {
		t.Fatal(err)
	}
	if fres.Total != 2 {
		t.Errorf("fallback: %d offers, want 2 (%+v)", fres.Total, fres.Hits)
	}
	fres, err = fb.Search(ctx, maillage.SearchQuery{Q: "zorglub", Types: []string{recruiting.SearchType}, Filters: map[string][]string{"job_contract": {"cdi"}, "job_blocs": {"REMN-B1"}}})
	if err != nil || fres.Total != 1 || fres.Hits[0].ID != marseille.ID || fres.Hits[0].SubtitleKeys[0] != "recruiting.contract.cdi" {
		t.Errorf("fallback with filters: %v %+v", err, fres)
	}

	// Filled, then expired: both leave the index (and the fallback).
	if _, err := a.Recruiting.MoveOffer(ctx, u, lyon.ID, recruiting.OfferFilled); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Recruiting.ExpireOffers(ctx, marseille.ClosesOn.AddDate(0, 0, 2)); err != nil {
		t.Fatal(err)
	}
	synced(t, a)
	if got := search(maillage.SearchQuery{Q: "zorglub"}); len(got) != 0 {
		t.Fatalf("filled or expired offers still found: %v", got)
	}
	if fres, err := fb.Search(ctx, maillage.SearchQuery{Q: "zorglub", Types: []string{recruiting.SearchType}}); err != nil || fres.Total != 0 {
		t.Fatalf("fallback still finds them: %v %+v", err, fres)
	}
}
