package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
	"maillage/internal/testenv"
)

// TestJourneyRecruiting: in a real browser, an employer publishes an
// offer; a mediator nearby finds it in « offres qui vous correspondent »
// and applies with a message and a CV; the employer opens the application
// and moves it to the interview; the mediator sees it. Every page passes
// the accessibility audit and logs no console error.
func TestJourneyRecruiting(t *testing.T) {
	a := testenv.Get(t).App(t)
	base := testenv.Serve(t, a)
	ctx := context.Background()
	boss := newUser(t, a, "journee.employeuse@exemple.fr", nil)
	_, _, err := a.Structures.CreateStructure(ctx, boss.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu, maillage.StructureEmployeur},
		Lieu: maillage.Lieu{Pivot: "W695200001", Nom: "Maison du numérique de la Guillotière", Adresse: "10 cours Gambetta", CodePostal: "69007",
			Commune: "Lyon", CodeInsee: "69123"}})
	if err != nil {
		t.Fatal(err)
	}
	med := newUser(t, a, "journee.mediatrice@exemple.fr", nil)
	open := true
	saveProfile(t, a, med, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Inès Journée"), Commune: ptr("69266"),
		OpenToWork: &open, Titles: &[]maillage.ProfileTitle{{CertificationCode: "REMN", BlocCode: "REMN-B1"}}})
	bossToken, medToken := newSession(t, a, boss), newSession(t, a, med)
	cv := filepath.Join(t.TempDir(), "CV Inès.pdf")
	if err := os.WriteFile(cv, cvPDF, 0o644); err != nil {
		t.Fatal(err)
	}

	b := testenv.NewBrowser(t)
	as := func(token string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			return network.SetCookie("maillage_session", token).WithURL(base).WithHTTPOnly(true).Do(ctx)
		})
	}
	text := func(sel string) string {
		var s string
		b.Run(t, chromedp.Text(sel, &s, chromedp.ByQuery))
		return s
	}

	// The employer writes the offer from her space.
	b.Run(t, as(bossToken),
		chromedp.Navigate(base+"/emploi/employeur"),
		chromedp.WaitVisible(`a[href^="/emploi/offres/nouvelle"]`, chromedp.ByQuery),
	)
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.Click(`a[href^="/emploi/offres/nouvelle"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#title_feminine", chromedp.ByQuery),
	)
	b.AssertAccessible(t)
	closes := maillage.Today(a.Recruiting.Now()).AddDate(0, 0, 30).Format(recruiting.DateLayout)
	b.Run(t,
		chromedp.SendKeys("#title_feminine", "Médiatrice numérique de quartier", chromedp.ByQuery),
		chromedp.SendKeys("#title_masculine", "Médiateur numérique de quartier", chromedp.ByQuery),
		chromedp.SendKeys("#description", "Ateliers, permanences et accompagnement aux démarches en ligne à la Guillotière.", chromedp.ByQuery),
		chromedp.SetValue("#code_insee", "Lyon (69123)", chromedp.ByQuery),
		chromedp.SetValue("#contract", "cdd", chromedp.ByQuery),
		chromedp.SetValue("#duration_months", "12", chromedp.ByQuery),
		chromedp.SetValue("#closes_on", closes, chromedp.ByQuery),
		chromedp.SetValue(`select[name="wants.REMN/REMN-B1"]`, "required", chromedp.ByQuery),
		chromedp.Click(`form.offer-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
	)
	if f := text(".flash"); !strings.Contains(f, "brouillon") {
		t.Fatalf("after saving: %q", f)
	}
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.Click(`form input[name="status"][value="publiee"] ~ button`, chromedp.ByQuery),
		// The page comes back without the publish button (the flash of the
		// previous page is shown until then).
		chromedp.WaitNotPresent(`form input[name="status"][value="publiee"]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
	)
	if f := text(".flash"); !strings.Contains(f, "publiée") {
		t.Fatalf("after publishing: %q", f)
	}
	var offerURL string
	b.Run(t, chromedp.Location(&offerURL))
	b.AssertAccessible(t)

	// The mediator nearby finds it from her dashboard and applies.
	b.Run(t, as(medToken),
		chromedp.Navigate(base+"/tableau-de-bord"),
		chromedp.WaitVisible(`a[href="/emploi/pour-moi"]`, chromedp.ByQuery),
		chromedp.Click(`a[href="/emploi/pour-moi"]`, chromedp.ByQuery),
		chromedp.WaitVisible("ol.matches", chromedp.ByQuery),
	)
	matches := text("ol.matches")
	for _, want := range []string{"Médiatrice numérique de quartier / Médiateur numérique de quartier", "1 bloc requis sur 1", "à 5 km"} {
		if !strings.Contains(readable(matches), want) {
			t.Errorf("« offres qui vous correspondent » lacks %q:\n%s", want, matches)
		}
	}
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.Click(`ol.matches h2 a`, chromedp.ByQuery),
		chromedp.WaitVisible("form.apply-form", chromedp.ByQuery),
	)
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.SendKeys("#message", "Bonjour, médiatrice à Villeurbanne, je connais bien le quartier.", chromedp.ByQuery),
		chromedp.SetUploadFiles("#cv", []string{cv}, chromedp.ByQuery),
		chromedp.Click("form.apply-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#application-status", chromedp.ByQuery),
	)
	if s := text("#application-status"); s != "Envoyée" {
		t.Fatalf("application state %q", s)
	}
	b.AssertAccessible(t)

	// The employer opens it (seen) and moves it to the interview.
	b.Run(t, as(bossToken),
		chromedp.Navigate(offerURL+"/candidatures"),
		chromedp.WaitVisible("table.applications", chromedp.ByQuery),
	)
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.Click(`table.applications a[href^="/emploi/candidatures/"]`, chromedp.ByQuery),
		chromedp.WaitVisible("form.move-form", chromedp.ByQuery),
	)
	if s := text("#application-status"); s != "Vue par l'employeur" {
		t.Fatalf("opened by the employer: %q", s)
	}
	if !strings.Contains(text("main"), "CV Inès.pdf") {
		t.Error("the CV is not shown to the employer")
	}
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.Click(`form.move-form input[value="entretien"]`, chromedp.ByQuery),
		chromedp.SendKeys("#motivation", "Entretien proposé jeudi à 14 h.", chromedp.ByQuery),
		chromedp.Click("form.move-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.WaitNotPresent(`form.move-form input[value="entretien"]`, chromedp.ByQuery),
	)
	if s := text("#application-status"); s != "Entretien" {
		t.Fatalf("after the move: %q", s)
	}
	b.AssertAccessible(t)

	// The mediator sees it.
	b.Run(t, as(medToken),
		chromedp.Navigate(base+"/emploi/mes-candidatures"),
		chromedp.WaitVisible(".application-status", chromedp.ByQuery),
	)
	if s := text(".application-status"); s != "Entretien" {
		t.Fatalf("the mediator sees %q", s)
	}
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.Click(`main a[href^="/emploi/candidatures/"]`, chromedp.ByQuery),
		chromedp.WaitVisible("ol.history", chromedp.ByQuery),
	)
	if h := text("ol.history"); !strings.Contains(h, "Entretien") || !strings.Contains(h, "jeudi à 14 h") {
		t.Errorf("history %q", h)
	}
	b.AssertAccessible(t)
	b.AssertNoConsoleErrors(t)
}
