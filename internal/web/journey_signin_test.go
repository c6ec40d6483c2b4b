package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"maillage/internal/testenv"
)

// TestJourneySignInByEmail: a person signs in with an e-mail link in a real
// browser, lands on the dashboard, signs out, and the old session cookie no
// longer opens anything. Every page on the way passes the accessibility audit.
func TestJourneySignInByEmail(t *testing.T) {
	a := testenv.Get(t).App(t)
	base := testenv.Serve(t, a)
	b := testenv.NewBrowser(t)

	var h1 string
	b.Run(t,
		chromedp.Navigate(base+"/"),
		chromedp.Click(`a[href="/connexion"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#email", chromedp.ByQuery),
	)
	b.AssertAccessible(t)

	// A malformed address is refused next to the field and kept.
	var typed, fieldErr string
	b.Run(t,
		chromedp.SendKeys("#email", "camille.martin@exemple", chromedp.ByQuery),
		chromedp.Click(`form[action="/connexion/email"] button`, chromedp.ByQuery),
		chromedp.WaitVisible("#email-error", chromedp.ByQuery),
		chromedp.Value("#email", &typed, chromedp.ByQuery),
		chromedp.Text("#email-error", &fieldErr, chromedp.ByQuery),
	)
	if typed != "camille.martin@exemple" || !strings.Contains(fieldErr, "n'est pas valide") {
		t.Fatalf("invalid address: kept %q, message %q", typed, fieldErr)
	}
	b.AssertAccessible(t)

	b.Run(t,
		chromedp.Evaluate(`document.querySelector('#email').value = ''`, nil),
		chromedp.SendKeys("#email", "camille.martin@exemple.fr", chromedp.ByQuery),
		chromedp.Click(`form[action="/connexion/email"] button`, chromedp.ByQuery),
		chromedp.WaitNotPresent("#email", chromedp.ByQuery),
		chromedp.Text("main h1", &h1, chromedp.ByQuery),
	)
	if h1 != "Consultez votre messagerie" {
		var v, e string
		_ = chromedp.Run(b.Ctx, chromedp.Value("#email", &v, chromedp.ByQuery), chromedp.Text("main", &e, chromedp.ByQuery))
		t.Fatalf("after asking for a link: h1 %q (value %q, page %q)", h1, v, e)
	}

	// The mail is in the development mailbox (no SMTP in tests).
	var mail string
	b.Run(t,
		chromedp.Navigate(base+"/dev/courriels"),
		chromedp.Text(".mail-body", &mail, chromedp.ByQuery),
	)
	i := strings.Index(mail, base+"/connexion/email/verifier?jeton=")
	if i < 0 {
		t.Fatalf("no sign-in link in the mail: %q", mail)
	}
	link := strings.Fields(mail[i:])[0]

	b.Run(t,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`form[action="/connexion/email/verifier"] button`, chromedp.ByQuery),
	)
	b.AssertAccessible(t)
	var cookies []*network.Cookie
	b.Run(t,
		chromedp.Click(`form[action="/connexion/email/verifier"] button`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`form[action="/connexion/email/verifier"]`, chromedp.ByQuery),
		chromedp.Text("main h1", &h1, chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			cookies, err = network.GetCookies().Do(ctx)
			return err
		}),
	)
	if h1 != "Tableau de bord" {
		t.Fatalf("after the link: h1 %q", h1)
	}
	session := ""
	for _, c := range cookies {
		if c.Name == "maillage_session" {
			session = c.Value
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
				t.Errorf("session cookie flags: httpOnly=%v sameSite=%v", c.HTTPOnly, c.SameSite)
			}
		}
	}
	if session == "" {
		t.Fatal("no session cookie after sign-in")
	}
	b.AssertAccessible(t)

	// The account page lists this session; it is accessible too.
	b.Run(t, chromedp.Navigate(base+"/compte"), chromedp.WaitVisible("main h1", chromedp.ByQuery), chromedp.Text("main h1", &h1, chromedp.ByQuery))
	if h1 != "Mon compte" {
		t.Fatalf("account h1 %q", h1)
	}
	b.AssertAccessible(t)

	// The link was single-use: opening it again explains it.
	var msg string
	b.Run(t, chromedp.Navigate(link), chromedp.Text(".error-summary", &msg, chromedp.ByQuery))
	if !strings.Contains(msg, "déjà servi") {
		t.Fatalf("reused link: %q", msg)
	}

	// Sign out, then the old cookie opens nothing.
	b.Run(t,
		chromedp.Navigate(base+"/tableau-de-bord"),
		chromedp.Click(`form[action="/deconnexion"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text(".flash", &msg, chromedp.ByQuery),
	)
	if !strings.Contains(msg, "déconnecté") {
		t.Fatalf("after sign-out: %q", msg)
	}
	req, _ := http.NewRequest("GET", base+"/tableau-de-bord", nil)
	req.AddCookie(&http.Cookie{Name: "maillage_session", Value: session})
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/connexion") {
		t.Fatalf("old session cookie: status %d location %q, want 303 to /connexion", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.AssertNoConsoleErrors(t)
}
