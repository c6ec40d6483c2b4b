package web_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/pdfcpu/pdfcpu/pkg/api"

	"maillage/internal/app"
	"maillage/internal/charter"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// publishNextVersion stores a new version of the charter, in force from
// the day after the last one (never after today), as the content loader
// would; the signers of older versions get their mail in the same
// transaction.
func publishNextVersion(t *testing.T, a *app.App) charter.Version {
	t.Helper()
	ctx := context.Background()
	vs, err := a.Charter.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last := vs[len(vs)-1]
	p := last.PublishedAt.In(maillage.Paris)
	day := time.Date(p.Year(), p.Month(), p.Day()+1, 0, 0, 0, 0, maillage.Paris)
	if day.After(time.Now()) {
		t.Fatalf("no day left after %s to publish a version", p.Format(time.DateOnly))
	}
	n := last.Number + 1
	md := last.Markdown + fmt.Sprintf("\n## %d. Rendre compte à la structure\n\nVous signalez à votre structure toute difficulté rencontrée pendant un accompagnement.\n", n+3)
	v := charter.Version{Number: n, PublishedAt: day.UTC(), Summary: "Ajout d'un point : rendre compte à la structure.",
		Source: "Tests de Maillage.", Licence: "Licence Ouverte 2.0 (Etalab)", File: fmt.Sprintf("v%d.md", n), Markdown: md}
	if v.HTML, err = charter.Render(md); err != nil {
		t.Fatal(err)
	}
	v.SHA256, v.SourceSHA256 = charter.TextSHA256(string(v.HTML)), charter.TextSHA256(md)
	if _, err := a.Charter.SyncVersions(ctx, append(vs, v), time.Now()); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestJourneyCharter: an aidant reads the charter, signs it, downloads the
// attestation, and the verification page confirms it; a new version is
// published, the aidant is asked to sign again (banner and mail) and does;
// the structure's referent sees it. Every page passes the accessibility
// audit, with no console error.
func TestJourneyCharter(t *testing.T) {
	a := testenv.Get(t).App(t)
	base := testenv.Serve(t, a)
	ctx := context.Background()
	ref := newUser(t, a, "referente.parcours.charte@exemple.fr", nil)
	st, _, err := a.Structures.CreateStructure(ctx, ref.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
		Pivot: "W692000999", Nom: "France services de la Guillotière", Adresse: "5 place Gabriel-Péri", CodePostal: "69007", Commune: "Lyon", CodeInsee: "69123"}})
	if err != nil {
		t.Fatal(err)
	}
	aidant := newUser(t, a, "awa.diallo@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleAidant})
	testenv.Join(t, a, ref, st.ID, aidant, maillage.MemberSalarie)
	kind, name := maillage.KindAidant, "Awa Diallo"
	saveProfile(t, a, aidant, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name})
	b := testenv.NewBrowser(t)
	host := strings.Split(strings.TrimPrefix(base, "http://"), ":")[0]
	as := func(u *maillage.User) chromedp.Action {
		token := newSession(t, a, u)
		return chromedp.ActionFunc(func(ctx context.Context) error {
			return network.SetCookie("maillage_session", token).WithDomain(host).WithPath("/").WithHTTPOnly(true).Do(ctx)
		})
	}
	text := func(sel string) string {
		var s string
		b.Run(t, chromedp.Text(sel, &s, chromedp.ByQuery))
		return strings.ReplaceAll(s, "\u00a0", " ")
	}

	// Read the charter, then sign it.
	b.Run(t, as(aidant), chromedp.Navigate(base+"/charte"), chromedp.WaitVisible("#charte-texte", chromedp.ByQuery))
	if s := text("#charte-texte"); !strings.Contains(s, "Agir avec la personne, pas à sa place") {
		t.Fatalf("charter page: %q", s)
	}
	b.AssertAccessible(t)
	if out := os.Getenv("CHARTER_SCREENSHOT_DIR"); out != "" { // to look at it on a phone
		var png []byte
		b.Run(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(base+"/charte"),
			chromedp.WaitVisible("#charte-texte", chromedp.ByQuery), chromedp.CaptureScreenshot(&png))
		_ = os.WriteFile(filepath.Join(out, "charte-mobile.png"), png, 0o644)
		b.Run(t, chromedp.EmulateViewport(1280, 900))
	}
	b.Run(t, chromedp.Click(`.charter-actions a[href="/charte/signer"]`, chromedp.ByQuery), chromedp.WaitVisible("#typed_name", chromedp.ByQuery))
	b.AssertAccessible(t)
	// Forgetting the box: the message is next to it, the name stays.
	b.Run(t,
		chromedp.SendKeys("#typed_name", "Awa Diallo", chromedp.ByQuery),
		chromedp.Click(`form.charter-sign button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#consent-error", chromedp.ByQuery),
	)
	var typed string
	b.Run(t, chromedp.Value("#typed_name", &typed, chromedp.ByQuery))
	if !strings.Contains(text("#consent-error"), "Cochez la case") || typed != "Awa Diallo" {
		t.Fatalf("consent missing: %q, name kept %q", text("#consent-error"), typed)
	}
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.Click("#consent", chromedp.ByQuery),
		chromedp.SetValue("#structure_id", fmt.Sprint(st.ID), chromedp.ByQuery),
		chromedp.Click(`form.charter-sign button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
	)
	if s := text(".flash"); !strings.Contains(s, "Votre signature est enregistrée") {
		t.Fatalf("after signing: %q", s)
	}
	b.AssertAccessible(t)
	code := text("dl.facts code")
	if !charter.ValidCode(code) {
		t.Fatalf("code on « Mon attestation »: %q", code)
	}

	// Download the attestation.
	dir := t.TempDir()
	done := make(chan string, 1)
	chromedp.ListenTarget(b.Ctx, func(ev any) {
		if e, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && e.State == cdpbrowser.DownloadProgressStateCompleted {
			select {
			case done <- e.GUID:
			default:
			}
		}
	})
	b.Run(t,
		cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true),
		chromedp.Click(`a[href="/charte/mon-attestation.pdf"]`, chromedp.ByQuery),
	)
	var pdf []byte
	select {
	case guid := <-done:
		if pdf, err = os.ReadFile(filepath.Join(dir, guid)); err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the attestation was not downloaded")
	}
	atts, err := api.ExtractAttachmentsRaw(bytes.NewReader(pdf), "", nil, nil)
	if err != nil || len(atts) != 1 || atts[0].FileName != charter.EvidenceFileName(code) {
		t.Fatalf("downloaded attestation: %d bytes, attachments %v, %v", len(pdf), atts, err)
	}

	// The verification page confirms it.
	b.Run(t, chromedp.Click(`dl.facts a[href$="/charte/verifier/`+code+`"]`, chromedp.ByQuery), chromedp.WaitVisible("#verify-result", chromedp.ByQuery))
	if s := text("#verify-result"); s != "Signature valide" {
		t.Fatalf("verification: %q", s)
	}
	if s := text(".verify-result"); !strings.Contains(s, "Awa Diallo") || strings.Contains(s, aidant.Email) || strings.Contains(s, st.Lieu.Nom) {
		t.Fatalf("verification shows %q", s)
	}
	b.AssertAccessible(t)

	// A new version: the aidant gets a mail and, on the next visit, a banner.
	v := publishNextVersion(t, a)
	ms, _, err := a.Mails.FindMails(ctx, maillage.MailFilter{To: aidant.Email, Kind: "charter_new_version"})
	if err != nil || len(ms) != 1 || !strings.Contains(ms[0].Subject, fmt.Sprint(v.Number)) {
		t.Fatalf("mail of the new version: %v %v", ms, err)
	}
	b.Run(t, chromedp.Navigate(base+"/tableau-de-bord"), chromedp.WaitVisible(".notice", chromedp.ByQuery))
	if s := text(".notice"); !strings.Contains(s, fmt.Sprintf("la version %d est maintenant en vigueur", v.Number)) {
		t.Fatalf("banner: %q", s)
	}
	b.AssertAccessible(t)
	b.Run(t, chromedp.Click(`.notice a[href="/charte/signer"]`, chromedp.ByQuery), chromedp.WaitVisible("#typed_name", chromedp.ByQuery))
	if s := text("#charte-texte"); !strings.Contains(s, "Rendre compte à la structure") {
		t.Fatalf("the new version is not shown: %q", s)
	}
	b.Run(t,
		chromedp.Click("#consent", chromedp.ByQuery),
		chromedp.SendKeys("#typed_name", "Awa Diallo", chromedp.ByQuery),
		chromedp.SetValue("#structure_id", fmt.Sprint(st.ID), chromedp.ByQuery),
		chromedp.Click(`form.charter-sign button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
	)
	if s := text("dl.facts"); !strings.Contains(s, "Valide") || !strings.Contains(s, fmt.Sprint(v.Number)) {
		t.Fatalf("after signing again: %q", s)
	}
	var notices int
	b.Run(t, chromedp.Evaluate(`document.querySelectorAll(".notice").length`, &notices))
	if notices != 0 {
		t.Error("the banner stays after signing again")
	}
	b.Run(t, chromedp.Navigate(base+"/charte/verifier/"+code), chromedp.WaitVisible("#verify-result", chromedp.ByQuery))
	if s := text("#verify-result"); s != "Signature d'une version remplacée" {
		t.Errorf("first signature now: %q", s)
	}

	// The referent sees who signed which version.
	b.Run(t, as(ref), chromedp.Navigate(base+fmt.Sprintf("/charte/structures/%d", st.ID)), chromedp.WaitVisible("main table", chromedp.ByQuery))
	row := text("main table tbody")
	if !strings.Contains(row, "Awa Diallo") || !strings.Contains(row, "Valide") || !strings.Contains(row, fmt.Sprint(v.Number)) || !strings.Contains(row, "Oui") {
		t.Fatalf("referent's view: %q", row)
	}
	b.AssertAccessible(t)
	b.AssertNoConsoleErrors(t)
}
