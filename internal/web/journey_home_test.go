package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"maillage/internal/testenv"
)

// TestJourneyHome: anyone opens the portal in a real browser; the page is in
// French, logs no console error and has no WCAG 2.1 A/AA violation.
func TestJourneyHome(t *testing.T) {
	a := testenv.Get(t).App(t)
	base := testenv.Serve(t, a)
	b := testenv.NewBrowser(t)
	var lang, h1, title string
	b.Run(t,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible("main h1", chromedp.ByQuery),
		chromedp.AttributeValue("html", "lang", &lang, nil, chromedp.ByQuery),
		chromedp.Text("main h1", &h1, chromedp.ByQuery),
		chromedp.Title(&title),
	)
	if lang != "fr" || h1 != "Personne ne médie seul" || title != "Maillage" {
		t.Fatalf("lang=%q h1=%q title=%q", lang, h1, title)
	}
	b.AssertNoConsoleErrors(t)
	b.AssertNoNetworkErrors(t)
	b.AssertAccessible(t)

	// The skip link is the first focusable element and leads to the content.
	var focused string
	b.Run(t,
		chromedp.KeyEvent("\t"),
		chromedp.Evaluate(`document.activeElement.getAttribute('href')`, &focused),
	)
	if focused != "#contenu" {
		t.Fatalf("first tab stop = %q, want the skip link", focused)
	}

	// The 404 page is French and accessible too.
	b.Run(t, chromedp.Navigate(base+"/nulle-part"), chromedp.WaitVisible("main h1", chromedp.ByQuery), chromedp.Text("main h1", &h1, chromedp.ByQuery))
	if h1 != "Page introuvable" {
		t.Fatalf("404 h1 = %q", h1)
	}
	b.AssertAccessible(t)
}
