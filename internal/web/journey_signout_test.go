package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"maillage/internal/testenv"
)

// TestJourneySignOutAtProvider: in a real browser, a person signs in with
// the OpenID provider, presses « Se déconnecter », and the browser really
// goes to the provider's end-session endpoint (the CSP's form-action lets
// the sign-out form's redirect through) with the session's ID token, then
// back to the portal, signed out. The portal's pages pass the
// accessibility audit and nothing is logged to the console.
func TestJourneySignOutAtProvider(t *testing.T) {
	p := newOIDCPortal(t)
	camille := p.Users["camille"]
	b := testenv.NewBrowser(t)

	b.Run(t,
		chromedp.Navigate(p.URL+"/connexion"),
		chromedp.WaitVisible(`a[href="/auth/oidc"]`, chromedp.ByQuery),
	)
	b.AssertAccessible(t)

	// The provider's own login page (not the portal's: not audited).
	var h1, loc string
	b.Run(t,
		chromedp.Click(`a[href="/auth/oidc"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#username", chromedp.ByQuery),
		chromedp.SendKeys("#username", camille.Username, chromedp.ByQuery),
		chromedp.SendKeys("#password", opPassword, chromedp.ByQuery),
		chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.header-tools form[action="/deconnexion"] button`, chromedp.ByQuery),
		chromedp.Text("main h1", &h1, chromedp.ByQuery),
		chromedp.Location(&loc),
	)
	if h1 != "Tableau de bord" || !strings.HasPrefix(loc, p.URL+"/tableau-de-bord") {
		t.Fatalf("after the provider's login: %q at %s, want the dashboard", h1, loc)
	}
	if n := accountLinks(t, b); n != 1 {
		t.Fatalf("signed in: %d account links in the header, want 1", n)
	}
	b.AssertAccessible(t)

	var idToken string
	if err := p.App.DB.NewRaw(`SELECT s.id_token FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE u.email = ? AND s.auth_method = 'oidc' AND s.revoked_at IS NULL`, camille.Email).Scan(t.Context(), &idToken); err != nil || idToken == "" {
		t.Fatalf("session of %s: %v (id_token %q)", camille.Email, err, idToken)
	}

	// « Se déconnecter »: if the CSP blocked the redirect, the browser would
	// stay on the dashboard and never show the sign-in link.
	ctx, cancel := context.WithTimeout(b.Ctx, 20*time.Second)
	defer cancel()
	err := chromedp.Run(ctx,
		chromedp.Click(`.header-tools form[action="/deconnexion"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`.header-tools a[href="/connexion"]`, chromedp.ByQuery),
		chromedp.Location(&loc),
	)
	if err != nil {
		_ = chromedp.Run(b.Ctx, chromedp.Location(&loc))
		t.Fatalf("after « Se déconnecter »: %v (browser at %s, console %q)", err, loc, b.ConsoleErrors())
	}

	ends := p.OP.calls(opEndSession)
	if len(ends) != 1 {
		t.Fatalf("end-session requests at the provider = %d, want 1", len(ends))
	}
	if got := ends[0].Get("id_token_hint"); got != idToken {
		t.Errorf("id_token_hint = %.20q…, want the session's ID token", got)
	}
	if got := ends[0].Get("post_logout_redirect_uri"); got != p.URL+"/" {
		t.Errorf("post_logout_redirect_uri = %q, want %q", got, p.URL+"/")
	}
	if u, err := url.Parse(loc); err != nil || u.Scheme+"://"+u.Host+u.Path != p.URL+"/" {
		t.Errorf("after sign-out the browser is at %s, want the portal's home", loc)
	}
	if n := accountLinks(t, b); n != 0 {
		t.Errorf("signed out: %d account links in the header, want 0", n)
	}
	// Back from the provider, the portal says so.
	var main string
	b.Run(t, chromedp.Text("main", &main, chromedp.ByQuery))
	if !strings.Contains(main, "Vous êtes déconnecté.") {
		t.Errorf("back from the provider, no signed-out message: %.200q", main)
	}
	if n := p.count(t, `SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE u.email = ? AND s.revoked_at IS NULL`, camille.Email); n != 0 {
		t.Errorf("sessions of %s still open: %d", camille.Email, n)
	}
	b.AssertAccessible(t)
	b.AssertNoConsoleErrors(t)
}

// accountLinks counts the links to the account page in the page's header.
func accountLinks(t *testing.T, b *testenv.Browser) int {
	t.Helper()
	var n int
	b.Run(t, chromedp.Evaluate(`document.querySelectorAll('.header-tools a[href="/compte"]').length`, &n))
	return n
}
