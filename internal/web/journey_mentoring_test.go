package web_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// TestJourneyMentoring: a conseillère finds a mentor nearby and sends a
// request; the mentor accepts; the coordinator's coverage of the
// département goes up by one; ending the pairing brings it back down.
// Every page passes the accessibility audit, with no console error.
func TestJourneyMentoring(t *testing.T) {
	a := testenv.Get(t).App(t)
	base := testenv.Serve(t, a)
	m := newMentoringPeople(t, a, "parcours")
	coord := newUser(t, a, "coord.parcours@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "69"})
	m.s["coord"] = newSession(t, a, coord)
	b := testenv.NewBrowser(t)
	host := strings.Split(strings.TrimPrefix(base, "http://"), ":")[0]
	as := func(who string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			return network.SetCookie("maillage_session", m.s[who]).WithDomain(host).WithPath("/").WithHTTPOnly(true).Do(ctx)
		})
	}
	covered := func() int {
		t.Helper()
		var text string
		b.Run(t, as("coord"),
			chromedp.Navigate(base+"/mentorat/coordination?departement=69"),
			chromedp.WaitVisible(`#coverage-table tr[data-code="69"] td.covered`, chromedp.ByQuery),
			chromedp.Text(`#coverage-table tr[data-code="69"] td.covered`, &text, chromedp.ByQuery),
		)
		n, err := strconv.Atoi(strings.Join(strings.Fields(strings.ReplaceAll(text, "\u202f", " ")), ""))
		if err != nil {
			t.Fatalf("covered %q: %v", text, err)
		}
		return n
	}

	before := covered()
	b.AssertAccessible(t)

	// The conseillère looks for a mentor within 20 km and asks Rose.
	ask := fmt.Sprintf(`a[href^="/mentorat/mentors/%d/demande"]`, m.mentorP.ID)
	var why string
	b.Run(t, as("mentee"),
		chromedp.Navigate(base+"/tableau-de-bord"),
		chromedp.WaitVisible(`a[href="/mentorat/trouver"]`, chromedp.ByQuery),
		chromedp.Click(`a[href="/mentorat/trouver"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#max_km", chromedp.ByQuery),
		// the filters are a GET form: the address they make
		chromedp.Navigate(base+"/mentorat/trouver?max_km=20&themes=D%C3%A9marches"),
		chromedp.WaitVisible(ask, chromedp.ByQuery),
		chromedp.Text(fmt.Sprintf(`//a[@href="/profils/%d"]/ancestor::li[1]`, m.mentorP.ID), &why, chromedp.BySearch),
	)
	if !strings.Contains(why, "km") || !strings.Contains(why, "place libre") {
		t.Errorf("the mentor's explanation: %q", why)
	}
	b.AssertAccessible(t)
	var flash string
	b.Run(t,
		chromedp.Click(ask, chromedp.ByQuery),
		chromedp.WaitVisible("#message", chromedp.ByQuery),
	)
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.SendKeys("#message", "Bonjour Rose, je débute et j'aimerais votre accompagnement.", chromedp.ByQuery),
		chromedp.Click(`form[action$="/demande"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
	)
	if !strings.Contains(flash, "demande est envoyée") {
		t.Fatalf("after sending: %q", flash)
	}
	b.AssertAccessible(t)

	// The mentor sees it on the dashboard and accepts.
	b.Run(t, as("mentor"),
		chromedp.Navigate(base+"/tableau-de-bord"),
		chromedp.WaitVisible(`a[href="/mentorat/mentores"]`, chromedp.ByQuery),
		chromedp.Click(`a[href="/mentorat/mentores"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[value="accepter"]`, chromedp.ByQuery),
	)
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.Click(`button[value="accepter"]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
	)
	if !strings.Contains(flash, "binôme commence") {
		t.Fatalf("after accepting: %q", flash)
	}
	b.AssertAccessible(t)

	if got := covered(); got != before+1 {
		t.Fatalf("coverage of the 69 after the acceptance: %d, before %d", got, before)
	}

	// The conseillère ends the pairing, with a reason.
	b.Run(t, as("mentee"),
		chromedp.Navigate(base+"/mentorat"),
		chromedp.WaitVisible(`a[href^="/mentorat/binomes/"]`, chromedp.ByQuery),
		chromedp.Click(`a[href^="/mentorat/binomes/"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#reason", chromedp.ByQuery),
	)
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.SendKeys("#reason", "Je change de territoire.", chromedp.ByQuery),
		chromedp.Click(`form[action$="/terminer"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
	)
	if !strings.Contains(flash, "binôme est terminé") {
		t.Fatalf("after ending: %q", flash)
	}
	if got := covered(); got != before {
		t.Fatalf("coverage of the 69 after the end: %d, before %d", got, before)
	}
	b.Run(t, chromedp.Navigate(base+"/observatoire"), chromedp.WaitVisible("#departements-table", chromedp.ByQuery))
	b.AssertAccessible(t)
	b.AssertNoConsoleErrors(t)
}
