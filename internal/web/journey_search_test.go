package web_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// TestJourneySearch: a visitor searches people in a real browser. As they
// type, results come with the matches marked; a typo still finds the
// person; ticking a kind keeps the other kinds offered (facets are
// disjunctive); "près de Lyon" sorted by distance gives the nearest first
// and leaves out what is beyond the radius.
// Without JavaScript the same form works by submitting it.
func TestJourneySearch(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	for i, p := range []struct {
		name, commune string
		kind          maillage.ProfileKind
	}{
		{"Ysolde Quenouille", "69266", maillage.KindMediateur}, // Villeurbanne
		{"Ysolde Fuseau", "69123", maillage.KindAidant},        // Lyon
		{"Ysolde Navette", "75056", maillage.KindConseiller},   // Paris
	} {
		u := newUser(t, a, fmt.Sprintf("ysolde-%d@exemple.fr", i), nil)
		kind, name, commune, bio := p.kind, p.name, p.commune, "Ateliers numériques et démarches en ligne."
		vis := map[string]maillage.Visibility{}
		for _, f := range maillage.ProfileFields {
			vis[f] = maillage.VisPublic
		}
		if _, err := a.Profiles.SaveProfile(ctx, u.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Commune: &commune, Bio: &bio, Visibility: vis}); err != nil {
			t.Fatal(err)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := a.SearchSync.WaitIdle(sctx); err != nil {
		t.Fatal(err)
	}
	base := testenv.Serve(t, a)
	b := testenv.NewBrowser(t)

	titles := func() []string {
		t.Helper()
		var out []string
		b.Run(t, chromedp.Evaluate(`Array.from(document.querySelectorAll('.search-hit h3')).map(e => e.textContent.trim())`, &out))
		return out
	}
	waitFor := func(js string) {
		t.Helper()
		b.Run(t, chromedp.Poll(js, nil, chromedp.WithPollingTimeout(10*time.Second)))
	}

	// As-you-type: results appear without submitting, matches marked.
	b.Run(t,
		chromedp.Navigate(base+"/recherche"),
		chromedp.WaitVisible("#search-q", chromedp.ByQuery),
		chromedp.SendKeys("#search-q", "ysolde", chromedp.ByQuery),
	)
	waitFor(`document.querySelectorAll('.search-hit').length === 3`)
	var mark, href string
	b.Run(t,
		chromedp.Text(".search-hit h3 mark", &mark, chromedp.ByQuery),
		chromedp.Evaluate(`location.pathname + location.search`, &href),
	)
	if mark != "Ysolde" || href != "/recherche?q=ysolde" {
		t.Errorf("mark %q, address %q: want the match marked and a shareable address", mark, href)
	}
	b.AssertAccessible(t)

	// Ticking "médiateur" narrows the results and keeps the other kinds.
	b.Run(t, chromedp.Click(`input[name=kind][value=mediateur]`, chromedp.ByQuery))
	waitFor(`document.querySelectorAll('.search-hit').length === 1`)
	if got := titles(); len(got) != 1 || got[0] != "Ysolde Quenouille" {
		t.Errorf("médiateurs: %v", got)
	}
	var offered []string
	b.Run(t, chromedp.Evaluate(`Array.from(document.querySelectorAll('input[name=kind]')).map(e => e.value + (e.checked ? ':x' : ''))`, &offered))
	if strings.Join(offered, ",") == "mediateur:x" || !slices.Contains(offered, "aidant") || !slices.Contains(offered, "conseiller") {
		t.Errorf("kind facet after ticking médiateur = %v, want aidant and conseiller still offered", offered)
	}

	// A typo, near Lyon within 30 km, by distance: the submitted form.
	b.Run(t,
		chromedp.Navigate(base+"/recherche"),
		chromedp.WaitVisible("#search-q", chromedp.ByQuery),
		chromedp.SetValue("#search-q", "ysolde quenouile", chromedp.ByQuery),
		chromedp.SetValue("#search-pres", "Lyon", chromedp.ByQuery),
		chromedp.SetValue("#search-rayon", "30", chromedp.ByQuery),
		chromedp.SetValue("#search-tri", "distance", chromedp.ByQuery),
		chromedp.Click(`form.search-form > button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.search-hit .hit-meta strong`, chromedp.ByQuery), // distances: the near page
	)
	// Nearest first: Lyon (matches "ysolde"), then Villeurbanne (found
	// despite the typo); Paris is out of the radius.
	if got := titles(); strings.Join(got, ",") != "Ysolde Fuseau,Ysolde Quenouille" {
		t.Errorf("near Lyon by distance: %v", got)
	}
	b.AssertNoConsoleErrors(t)
	b.AssertNoNetworkErrors(t)

	// Without JavaScript: tick a facet, apply, the page is the filtered one.
	b.Run(t,
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(base+"/recherche?q=ysolde"),
		chromedp.WaitVisible(".search-hit", chromedp.ByQuery),
		chromedp.Click(`input[name=kind][value=aidant]`, chromedp.ByQuery),
		chromedp.Click(`.search-facets button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`input[name=kind][value=aidant][checked]`, chromedp.ByQuery),
	)
	if got := titles(); len(got) != 1 || got[0] != "Ysolde Fuseau" {
		t.Errorf("without JavaScript, aidants: %v", got)
	}
}
