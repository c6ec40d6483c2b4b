package web_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"maillage/internal/label"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// labelBrowser is a browser whose signed-in person can be switched.
type labelBrowser struct {
	*testenv.Browser
	base string
}

func (b *labelBrowser) as(t *testing.T, session string) {
	t.Helper()
	b.Run(t, chromedp.ActionFunc(func(ctx context.Context) error {
		return network.SetCookie("maillage_session", session).WithURL(b.base).WithHTTPOnly(true).Do(ctx)
	}))
}

func (b *labelBrowser) open(t *testing.T, path string) {
	t.Helper()
	b.Run(t, chromedp.Navigate(b.base+path), chromedp.WaitVisible("main h1", chromedp.ByQuery))
}

func (b *labelBrowser) text(t *testing.T, sel string) string {
	t.Helper()
	var s string
	b.Run(t, chromedp.Text(sel, &s, chromedp.ByQuery))
	return strings.TrimSpace(s)
}

func (b *labelBrowser) state(t *testing.T) string { return b.text(t, "#etat-courant") }

// waitState waits for the page (reloaded after a form) to show a state.
// The page is left while the form is sent, so the check runs again until
// the new page answers.
func (b *labelBrowser) waitState(t *testing.T, want string) {
	t.Helper()
	js := fmt.Sprintf(`document.readyState === 'complete' && (document.querySelector('#etat-courant') || {}).textContent === %q`, want)
	deadline := time.Now().Add(15 * time.Second)
	for {
		var ok bool
		if err := chromedp.Run(b.Ctx, chromedp.Evaluate(js, &ok)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("state never became %q: it is %q; page: %s", want, b.state(t), b.text(t, "main"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestJourneyLabel: a referent applies with evidence and submits; a
// reviewer asks for a correction; the referent corrects; the reviewer
// sees what changed and accepts with a motivation; the place shows the
// label and appears in the register's search. Every page is audited with
// axe-core and logs no console error.
func TestJourneyLabel(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	s := newLabelSetup(t, a, "Espace Jacquard du parcours")
	b := &labelBrowser{Browser: testenv.NewBrowser(t), base: testenv.Serve(t, a)}
	evidence := filepath.Join(t.TempDir(), "attestations-charte.pdf")
	if err := os.WriteFile(evidence, labelPDF, 0o644); err != nil {
		t.Fatal(err)
	}

	// The referent starts an application from the label's page.
	b.as(t, s.refS)
	b.open(t, "/labels")
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.SetValue("#structure_id", fmt.Sprint(s.structure.ID), chromedp.ByQuery),
		chromedp.Click(`form[action="/labels/dossiers"] button[type=submit]`, chromedp.ByQuery),
	)
	b.waitState(t, "Brouillon")
	var prefilled string
	b.Run(t, chromedp.Value(`[id="reponses.1.1"]`, &prefilled, chromedp.ByQuery))
	if prefilled != "Mo-Fr 09:00-17:00" {
		t.Errorf("not prefilled from the place: %q", prefilled)
	}
	b.AssertAccessible(t)
	// Answers and evidence, then the deposit.
	b.Run(t,
		chromedp.Evaluate(`document.querySelectorAll('textarea[name^="reponses."]').forEach(e => { if (!e.value) e.value = 'Notre pratique : ' + e.name.slice(9) })`, nil),
		chromedp.SetUploadFiles(`[id="pieces.3.1"]`, []string{evidence}, chromedp.ByQuery),
		chromedp.Click(`button[name=action][value=deposer]`, chromedp.ByQuery),
	)
	b.waitState(t, "Déposé")
	var id int64
	var path string
	b.Run(t, chromedp.Evaluate(`location.pathname`, &path))
	fmt.Sscanf(path, "/labels/dossiers/%d", &id)
	if !strings.Contains(b.text(t, "#section-reponses"), "attestations-charte.pdf") {
		t.Error("the evidence is not listed")
	}

	// The reviewer takes it and asks for a correction.
	b.as(t, s.revS)
	b.open(t, "/labels/instruction")
	b.AssertAccessible(t)
	b.open(t, path)
	b.AssertAccessible(t)
	b.Run(t, chromedp.Click(`#etat button[value=en_instruction]`, chromedp.ByQuery))
	b.waitState(t, "En instruction")
	b.Run(t,
		chromedp.SetValue("#motivation", "Précisez l'ouverture du samedi matin.", chromedp.ByQuery),
		chromedp.Click(`#etat button[value=correction_demandee]`, chromedp.ByQuery),
	)
	b.waitState(t, "Correction demandée")

	// The referent corrects.
	b.as(t, s.refS)
	b.open(t, path)
	if !strings.Contains(b.text(t, "#section-messages"), "Précisez l'ouverture du samedi matin.") {
		t.Error("the correction request is not shown to the referent")
	}
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.SetValue(`[id="reponses.1.1"]`, "Du lundi au vendredi de 9 h à 17 h, le samedi de 9 h à 12 h.", chromedp.ByQuery),
		chromedp.Click(`button[name=action][value=deposer]`, chromedp.ByQuery),
	)
	b.waitState(t, "En instruction")

	// The reviewer sees what changed and accepts with a motivation.
	b.as(t, s.revS)
	b.open(t, path)
	if !strings.Contains(b.text(t, "#section-reponses"), "Ce qui a changé") {
		t.Error("the change is not shown to the reviewer")
	}
	var ins string
	b.Run(t, chromedp.Evaluate(`Array.from(document.querySelectorAll('#section-reponses ins')).map(e => e.textContent).join(' ')`, &ins))
	if !strings.Contains(ins, "samedi") {
		t.Errorf("inserted text %q", ins)
	}
	b.open(t, path+"/decision")
	b.AssertAccessible(t)
	b.Run(t,
		chromedp.Click("#decision-acceptee", chromedp.ByQuery),
		chromedp.SetValue("#motivation", "Tous les critères sont remplis ; l'accueil du samedi est désormais assuré.", chromedp.ByQuery),
		chromedp.Click(`form[action$="/decision"] button[type=submit]`, chromedp.ByQuery),
	)
	b.waitState(t, "Accepté")

	// The place's page shows the label; the register's search finds it.
	b.open(t, fmt.Sprintf("/structures/%d", s.structure.ID))
	if !strings.Contains(b.text(t, "main"), "Label Lieu de médiation numérique de qualité") {
		t.Error("the place's page does not show the label")
	}
	b.AssertAccessible(t)
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := a.SearchSync.WaitIdle(sctx); err != nil {
		t.Fatal(err)
	}
	b.open(t, "/recherche?type=label&q=Jacquard")
	if !strings.Contains(b.text(t, ".search-hits"), "Espace Jacquard du parcours") {
		t.Errorf("register search: %s", b.text(t, "main"))
	}
	b.AssertAccessible(t)
	b.open(t, "/labels/registre?departement=69")
	b.AssertAccessible(t)
	b.AssertNoConsoleErrors(t)
	if id == 0 {
		t.Error("no application id in the address")
	}
}

// TestJourneyLabelBulkAssign: a lead reviewer assigns the 30 applications
// of a filter, spread over two pages, to a reviewer in one action.
func TestJourneyLabelBulkAssign(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	id := labelID()
	lead := fullUser(t, a, "responsable-lot-"+id+"@exemple.fr", reviewerOf(labelProgramme))
	target := fullUser(t, a, "instructrice-lot-"+id+"@exemple.fr", reviewerOf(labelProgramme))
	admin := fullUser(t, a, "admin-lot-"+id+"@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleAdministrateur})
	if err := a.Labels.SetLead(ctx, admin, labelProgramme, lead.ID, true); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		u := fullUser(t, a, fmt.Sprintf("ref-lot-%d-%s@exemple.fr", i, id), nil)
		st, _, err := a.Structures.CreateStructure(ctx, u.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu},
			Lieu: maillage.Lieu{Pivot: fmt.Sprintf("W20%07d", rand.IntN(1e7)), Nom: fmt.Sprintf("Point numérique d'Ajaccio %02d", i), Adresse: "1 cours Napoléon",
				CodePostal: "20000", Commune: "Ajaccio", CodeInsee: "2A004", Itinerance: []string{"Fixe"}}})
		if err != nil {
			t.Fatal(err)
		}
		s := &labelSetup{a: a, referent: u, structure: st}
		s.submitted(t)
	}
	b := &labelBrowser{Browser: testenv.NewBrowser(t), base: testenv.Serve(t, a)}
	b.as(t, newSession(t, a, lead))
	b.open(t, "/labels/instruction?onglet=a_suivre&departement=2A")
	b.AssertAccessible(t)
	var rows int
	b.Run(t, chromedp.Evaluate(`document.querySelectorAll('#lot tbody tr').length`, &rows))
	if rows != 25 || !strings.Contains(b.text(t, "#queue-total"), "30 dossiers") {
		t.Fatalf("first page: %d rows, %q", rows, b.text(t, "#queue-total"))
	}
	b.Run(t,
		chromedp.Click(`a[rel=next]`, chromedp.ByQuery),
		chromedp.WaitVisible("#lot", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#lot tbody tr').length`, &rows),
	)
	if rows != 5 {
		t.Fatalf("second page: %d rows", rows)
	}
	b.Run(t,
		chromedp.Click("#tout", chromedp.ByQuery),
		chromedp.SetValue("#action", label.BulkAssign, chromedp.ByQuery),
		chromedp.SetValue("#instructeur", fmt.Sprint(target.ID), chromedp.ByQuery),
		chromedp.Click(`#lot button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#bulk-result", chromedp.ByQuery),
	)
	if got := b.text(t, "#bulk-result"); !strings.Contains(got, "30 dossiers traités, 0") {
		t.Errorf("result %q", got)
	}
	b.AssertAccessible(t)
	apps, total, err := a.Labels.Queue(ctx, label.Filter{Viewer: target, Tab: label.TabFollowed, Departement: "2A"})
	if err != nil || total != 30 || len(apps) != 25 {
		t.Errorf("followed by the reviewer: %d (%d on the page) %v", total, len(apps), err)
	}
	if _, n, err := a.Mails.FindMails(ctx, maillage.MailFilter{To: target.Email, Kind: "label_assigned"}); err != nil || n != 1 {
		t.Errorf("the reviewer got %d mails (%v)", n, err)
	}
	b.AssertNoConsoleErrors(t)
}
