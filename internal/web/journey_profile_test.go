package web_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"maillage/internal/testenv"
)

// TestJourneyCompleteProfile: a new conseiller, signed in, completes their
// profile from the commune autocomplete to competencies, sees their public
// page, and an anonymous visitor sees only what was made public.
func TestJourneyCompleteProfile(t *testing.T) {
	a := testenv.Get(t).App(t)
	base := testenv.Serve(t, a)
	u := newUser(t, a, "nouvelle.conseillere@exemple.fr", nil)
	token := newSession(t, a, u)
	b := testenv.NewBrowser(t)

	host := strings.TrimPrefix(base, "http://")
	b.Run(t,
		chromedp.ActionFunc(func(ctx context.Context) error {
			return network.SetCookie("maillage_session", token).WithDomain(strings.Split(host, ":")[0]).WithPath("/").WithHTTPOnly(true).Do(ctx)
		}),
		chromedp.Navigate(base+"/profil"),
		chromedp.WaitVisible("#code_insee", chromedp.ByQuery),
	)
	b.AssertAccessible(t)

	// The autocomplete proposes communes as the person types.
	var option string
	b.Run(t,
		chromedp.SendKeys("#display_name", "Nadia Benali", chromedp.ByQuery),
		chromedp.SetValue("#kind", "conseiller", chromedp.ByQuery),
		chromedp.SendKeys("#code_insee", "Villeurb", chromedp.ByQuery),
		chromedp.WaitReady(`#communes-list option`, chromedp.ByQuery),
		chromedp.AttributeValue(`#communes-list option`, "value", &option, nil, chromedp.ByQuery),
	)
	if option != "Villeurbanne (69266)" {
		t.Fatalf("first proposal %q", option)
	}
	b.Run(t,
		chromedp.SetValue("#code_insee", option, chromedp.ByQuery),
		chromedp.SendKeys("#bio", "Conseillère numérique à la médiathèque, ateliers démarches en ligne.", chromedp.ByQuery),
		chromedp.SetValue(`#competences\.1\.1\.level`, "4", chromedp.ByQuery),
		chromedp.SetValue(`#competences\.4\.2\.level`, "3", chromedp.ByQuery),
		chromedp.Click(`input[name="titles"][value="REMN/REMN-B1"]`, chromedp.ByQuery),
		chromedp.SetValue(`#visibility\.profile`, "public", chromedp.ByQuery),
		chromedp.SetValue(`#visibility\.bio`, "private", chromedp.ByQuery),
		chromedp.Click(`form.profile-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
	)
	var flash string
	b.Run(t, chromedp.Text(".flash", &flash, chromedp.ByQuery))
	if !strings.Contains(flash, "profil est enregistré") {
		t.Fatalf("after saving: %q", flash)
	}

	var h1, lead, page string
	b.Run(t,
		chromedp.Click(`a[href^="/profils/"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#profile-name", chromedp.ByQuery),
		chromedp.Text("#profile-name", &h1, chromedp.ByQuery),
		chromedp.Text("main .lead", &lead, chromedp.ByQuery),
		chromedp.Text("main", &page, chromedp.ByQuery),
	)
	if h1 != "Nadia Benali" || !strings.Contains(lead, "Villeurbanne (69)") || !strings.Contains(page, "1.1") || !strings.Contains(page, "REMN-B1") {
		t.Fatalf("public page: h1 %q lead %q", h1, lead)
	}
	if !strings.Contains(page, "médiathèque") {
		t.Fatal("the owner does not see their own private bio")
	}
	b.AssertAccessible(t)
	b.AssertNoConsoleErrors(t)

	// Anonymously: name, commune and competencies, but not the private bio.
	var url string
	b.Run(t, chromedp.Location(&url))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Nadia Benali") || strings.Contains(string(body), "médiathèque") {
		t.Fatalf("anonymous view: status %d, private bio shown=%v", resp.StatusCode, strings.Contains(string(body), "médiathèque"))
	}
}
