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
	"maillage/internal/testenv"
)

// TestJourneyLieuxImport: a coordinator opens the import page in a real
// browser, uploads a CSV file and reads the report; both pages are
// accessible and log no console error.
func TestJourneyLieuxImport(t *testing.T) {
	a := testenv.Get(t).App(t)
	base := testenv.Serve(t, a)
	coord := newUser(t, a, "coordination-parcours@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeRegion, ScopeValue: "84"})
	token := newSession(t, a, coord)
	file := filepath.Join(t.TempDir(), "lieux.csv")
	content := lieuxCSV(',',
		lieuRow("parcours-1", "Espace numérique du parcours", nil),
		lieuRow("parcours-2", "Espace sans SIRET", map[string]string{"pivot": "00000000000000"}),
		lieuRow("parcours-3", "Espace mal écrit", map[string]string{"code_postal": "6900"}),
	)
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	// The imports run in the background, as under maillage run.
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.LieuxImports.RunImports(ctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	b := testenv.NewBrowser(t)
	var h1, report string
	b.Run(t,
		chromedp.ActionFunc(func(ctx context.Context) error {
			return network.SetCookie("maillage_session", token).WithURL(base).WithHTTPOnly(true).Do(ctx)
		}),
		chromedp.Navigate(base+"/admin/lieux/import"),
		chromedp.WaitVisible("main h1", chromedp.ByQuery),
		chromedp.Text("main h1", &h1, chromedp.ByQuery),
	)
	if h1 != "Importer des lieux" {
		t.Fatalf("h1 = %q", h1)
	}
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.SetUploadFiles("#fichier", []string{file}, chromedp.ByQuery),
		chromedp.Click("main form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#report-counts", chromedp.ByQuery), // the page reloads itself until the import is done
		chromedp.Text(".import-report", &report, chromedp.ByQuery),
	)
	for _, want := range []string{"SIRET bouche-trou", "5 chiffres attendus", "Télécharger le rapport complet"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	b.AssertNoConsoleErrors(t)
	b.AssertAccessible(t)
}
