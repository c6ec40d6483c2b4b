package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// TestJourneyTraining: a training body publishes an offer with a session
// in a real browser; a conseiller who misses that bloc opens their path
// from the dashboard and sees the session proposed; the offer is found in
// search with the right facets; the .ics downloads. Every page passes the
// axe audit and logs no console error.
func TestJourneyTraining(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	base := testenv.Serve(t, a)
	host := strings.Split(strings.TrimPrefix(base, "http://"), ":")[0]
	ref := newUser(t, a, "referente.journey.formation@exemple.fr", nil)
	st := trainingStructure(t, a, ref, "Institut Zinnia du numérique")

	b := testenv.NewBrowser(t)
	signIn := func(u *maillage.User) chromedp.Action {
		token := newSession(t, a, u)
		return chromedp.ActionFunc(func(ctx context.Context) error {
			return network.SetCookie("maillage_session", token).WithDomain(host).WithPath("/").WithHTTPOnly(true).Do(ctx)
		})
	}
	text := func(sel string) string {
		t.Helper()
		var s string
		b.Run(t, chromedp.Text(sel, &s, chromedp.ByQuery))
		return s
	}

	// The training body declares itself, then publishes an offer.
	b.Run(t,
		signIn(ref),
		chromedp.Navigate(base+"/organismes/"+strconv.FormatInt(st.ID, 10)+"/gestion"),
		chromedp.WaitVisible("#activity_number", chromedp.ByQuery),
	)
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.SendKeys("#activity_number", "84691234567", chromedp.ByQuery),
		chromedp.Click("#qualiopi", chromedp.ByQuery),
		chromedp.Click(`form[action$="/declaration"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Click(`a[href$="/offres/nouvelle"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#title", chromedp.ByQuery),
	)
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.SendKeys("#title", "Zinnia : gérer un espace de médiation numérique", chromedp.ByQuery),
		chromedp.SendKeys("#objectives", "Organiser la gestion d'un lieu et animer ses projets collaboratifs.", chromedp.ByQuery),
		chromedp.Click(`input[name="certifications"][value="REMN"]`, chromedp.ByQuery),
		chromedp.Click(`#blocs_REMN-B3`, chromedp.ByQuery),
		chromedp.Click(`#modality_presentiel`, chromedp.ByQuery),
		chromedp.SendKeys("#hours", "105", chromedp.ByQuery),
		chromedp.Click(`#funding_cpf`, chromedp.ByQuery),
		chromedp.Click(`form.offer-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#offer-title", chromedp.ByQuery),
	)
	if got := text("#offer-title"); got != "Zinnia : gérer un espace de médiation numérique" {
		t.Fatalf("offer page title %q", got)
	}
	b.AssertAccessible(t)

	// Its session, in Villeurbanne, in a month.
	start := time.Now().Add(30 * 24 * time.Hour)
	b.Run(t,
		chromedp.Click(`a[href$="/sessions/nouvelle"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#start", chromedp.ByQuery),
	)
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.SetValue("#start", start.Format("2006-01-02")+"T09:00", chromedp.ByQuery),
		chromedp.SetValue("#end", start.Add(72*time.Hour).Format("2006-01-02")+"T17:00", chromedp.ByQuery),
		chromedp.SetValue(`#place\.code_insee`, "Villeurbanne (69266)", chromedp.ByQuery),
		chromedp.SendKeys(`#place\.address`, "Maison du numérique", chromedp.ByQuery),
		chromedp.SendKeys("#seats", "12", chromedp.ByQuery),
		chromedp.SendKeys("#seats_left", "12", chromedp.ByQuery),
		chromedp.Click(`form.session-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".sessions li", chromedp.ByQuery),
	)
	if got := text(".sessions li"); !strings.Contains(got, "Villeurbanne") {
		t.Fatalf("session listed as %q", got)
	}
	b.AssertAccessible(t)

	// A conseillère of Lyon who holds B1 and B2 misses B3: her dashboard
	// leads to her path, which proposes the session.
	c := newUser(t, a, "conseillere.journey.formation@exemple.fr", nil)
	kind, name, commune := maillage.KindConseiller, "Inès Zinnia", "69123"
	titles := []maillage.ProfileTitle{{CertificationCode: "REMN", BlocCode: "REMN-B1"}, {CertificationCode: "REMN", BlocCode: "REMN-B2"}}
	if _, err := a.Profiles.SaveProfile(ctx, c.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Commune: &commune, Titles: &titles}); err != nil {
		t.Fatal(err)
	}
	b.Run(t,
		signIn(c),
		chromedp.Navigate(base+"/tableau-de-bord"),
		chromedp.WaitVisible(`a[href="/parcours#bloc-REMN-B3"]`, chromedp.ByQuery),
		chromedp.Click(`a[href="/parcours#bloc-REMN-B3"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#bloc-REMN-B3", chromedp.ByQuery),
	)
	if got := text("#bloc-REMN-B3"); !strings.Contains(got, "Zinnia : gérer un espace") || !strings.Contains(got, "Villeurbanne") {
		t.Fatalf("the path does not propose the session: %q", got)
	}
	if got := text(".path-cover"); !strings.Contains(got, "Zinnia") {
		t.Fatalf("cover: %q", got)
	}
	b.AssertAccessible(t)

	// The .ics of the proposed session downloads.
	dir := t.TempDir()
	b.Run(t,
		cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(dir),
		chromedp.Click(`.path-cover a[href$="/agenda.ics"]`, chromedp.ByQuery),
	)
	var ics []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && ics == nil; time.Sleep(100 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(dir, "session-*.ics"))
		if len(files) > 0 {
			ics, _ = os.ReadFile(files[0])
		}
	}
	if !strings.Contains(string(ics), "BEGIN:VCALENDAR") || !strings.Contains(string(ics), "Zinnia") {
		t.Fatalf("downloaded .ics: %q", ics)
	}

	// The offer is found in search, with its facets.
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := a.SearchSync.WaitIdle(sctx); err != nil {
		t.Fatal(err)
	}
	b.Run(t,
		chromedp.Navigate(base+"/recherche?q=zinnia&type=training"),
		chromedp.WaitVisible(".search-hit", chromedp.ByQuery),
	)
	var facets string
	b.Run(t, chromedp.Text(".search-facets", &facets, chromedp.ByQuery))
	for _, want := range []string{"Certification", "Responsable d'espace de médiation numérique", "Bloc de compétences", "REMN-B3",
		"Modalité", "En présentiel", "Financement", "Compte personnel de formation (CPF)", "69 · Rhône", "Mois de début"} {
		if !strings.Contains(facets, want) {
			t.Errorf("facets lack %q: %q", want, facets)
		}
	}
	if got := text(".search-hit h3"); !strings.Contains(got, "Zinnia") {
		t.Errorf("hit %q", got)
	}
	b.AssertAccessible(t)
	b.AssertNoConsoleErrors(t)
}
