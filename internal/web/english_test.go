package web_test

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// frenchWords are words of French that English text never holds (proper
// nouns and national-standard values aside: the fixtures hold none).
var frenchWords = regexp.MustCompile(`(?i)\b(des|du|une|et|est|sont|vous|votre|vos|pour|avec|dans|sur|aucun|aucune|pas|qui|que|cette|ces|aux|par|ou|mon|mes|leur|être|été|à|où|très|déjà|sans|depuis|compte|connexion|recherche|lieux|personnes|rôle|modifier|enregistrer|annuaire|accueil|retour|libellés|arrêtés|décret)\b`)

// frenchMarked drops what the page itself marks as French (lang="fr"):
// values of the national standard, the referential's official labels,
// example search words.
var frenchMarked = regexp.MustCompile(`(?s)<(span|label|option|li|td|dd|em|q|legend|a|h1|h2|h3|pre|title|text)\b[^>]*\blang="fr"[^>]*>.*?</(span|label|option|li|td|dd|em|q|legend|a|h1|h2|h3|pre|title|text)>`)

// visibleText is what a person reads on a page: no tags, scripts, styles
// nor attribute values (except those read aloud: aria-label, alt, title).
func visibleText(page string) string {
	page = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>`).ReplaceAllString(page, " ")
	page = frenchMarked.ReplaceAllString(page, " ")
	var read []string
	for _, m := range regexp.MustCompile(`(?i)\b(aria-label|alt|title|placeholder)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		read = append(read, m[2])
	}
	page = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, " ")
	return html.UnescapeString(page + " " + strings.Join(read, " "))
}

// TestEnglishPages: with ?lang=en, no page shows French text other than
// proper nouns and national-standard values (the link to the French
// version is in French on purpose).
func TestEnglishPages(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	admin := newUser(t, a, "english.admin@example.org", &maillage.RoleGrant{Role: maillage.RoleAdministrateur})
	admin.Grants = append(admin.Grants, maillage.RoleGrant{Role: maillage.RoleAdministrateur})
	kind, name, bio, commune := maillage.KindMediateur, "Alex Test", "Digital helper", "69123"
	// A competency and a service: their names, official French labels,
	// are facet values of the search page.
	comps := []maillage.ProfileCompetence{{Code: "1.1", Level: 3}}
	p, err := a.Profiles.SaveProfile(ctx, admin.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Bio: &bio, Commune: &commune,
		Competences: &comps, Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic}})
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := a.Structures.CreateStructure(ctx, admin.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureHub}, Lieu: maillage.Lieu{
		Pivot: "W692000001", Nom: "Test Hub", Adresse: "1 test street", CodePostal: "69001", Commune: "Lyon", CodeInsee: "69123",
		Services: []string{maillage.LieuServices[0]}}})
	if err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := a.SearchSync.WaitIdle(wait); err != nil {
		t.Fatal(err)
	}
	session := newSession(t, a, admin)
	pages := []string{"/", "/a-propos/donnees", "/recherche", "/recherche?q=test", "/recherche?q=test&pres=Saint-Denis", "/annuaire", "/annuaire/regions/84",
		"/annuaire/departements/69", fmt.Sprintf("/profils/%d", p.ID), fmt.Sprintf("/structures/%d", st.ID), "/etat", "/nowhere",
		"/connexion", "/connexion/email/envoye", "/connexion/email/verifier?jeton=nothing"}
	signed := []string{"/tableau-de-bord", "/compte", "/compte/jetons", "/compte/supprimer", "/profil", "/structures/nouvelle",
		fmt.Sprintf("/structures/%d/modifier", st.ID), "/structures/revendications", "/invitations", "/admin/roles", "/admin/journal",
		"/admin/lieux/import", "/dev/courriels", fmt.Sprintf("/structures/%d", st.ID), fmt.Sprintf("/profils/%d", p.ID)}
	check := func(target string, headers map[string]string) {
		r := do(t, a.Web.App(), "GET", target, headers)
		if r.Status >= 500 {
			t.Errorf("%s: status %d", target, r.Status)
			return
		}
		if !strings.Contains(r.Body, `<html lang="en">`) {
			t.Errorf("%s: not in English (%d)", target, r.Status)
			return
		}
		text := strings.ReplaceAll(visibleText(r.Body), "Français", "")
		for _, line := range strings.Split(text, "\n") {
			if m := frenchWords.FindString(line); m != "" {
				t.Errorf("%s: French word %q in %q", target, m, strings.Join(strings.Fields(line), " "))
			}
		}
	}
	for _, target := range pages {
		check(target, map[string]string{"Cookie": "lang=en"})
	}
	for _, target := range signed {
		check(target, map[string]string{"Cookie": "lang=en; maillage_session=" + session})
	}
}
