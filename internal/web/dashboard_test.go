package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// TestDashboardNextSteps (issue 10 §18): the dashboard shows each person
// the next step for what they are, never « no role yet » to someone who has
// a profile and a structure, and links to declaring a structure.
func TestDashboardNextSteps(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	dashboard := func(u *maillage.User) string {
		t.Helper()
		r := do(t, a.Web.App(), "GET", "/tableau-de-bord", map[string]string{"Cookie": "maillage_session=" + newSession(t, a, u)})
		if r.Status != 200 {
			t.Fatalf("dashboard: %d", r.Status)
		}
		return r.Body
	}

	newcomer := newUser(t, a, "nouvelle.venue@exemple.fr", nil)
	body := dashboard(newcomer)
	mustContain(t, body, `href="/profil"`, "Créer mon profil")
	mustNotContain(t, body, "pas encore de rôle")

	// A profile without commune nor competences: complete it; no structure:
	// declare one.
	kind, name := maillage.KindMediateur, "Line Vauquelin"
	if _, err := a.Profiles.SaveProfile(ctx, newcomer.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name}); err != nil {
		t.Fatal(err)
	}
	body = dashboard(newcomer)
	mustContain(t, body, "Compléter mon profil", `href="/structures/nouvelle"`, "Déclarer ma structure", "Voir mon profil public")
	mustNotContain(t, body, "Créer mon profil")

	// Complete, with a structure she manages: manage it, no more « declare ».
	insee := "69123"
	if _, err := a.Profiles.SaveProfile(ctx, newcomer.ID, maillage.ProfileUpdate{Commune: &insee,
		Competences: &[]maillage.ProfileCompetence{{Code: "1.1", Level: 2}}}); err != nil {
		t.Fatal(err)
	}
	st, _, err := a.Structures.CreateStructure(ctx, newcomer.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
		Pivot: "W691234571", Nom: "Atelier des Canuts", Adresse: "5 rue d'Austerlitz", CodePostal: "69004", Commune: "Lyon", CodeInsee: "69123"}})
	if err != nil {
		t.Fatal(err)
	}
	body = dashboard(newcomer)
	mustContain(t, body, `href="/structures/`+strconv.FormatInt(st.ID, 10)+`"`, "Gérer « Atelier des Canuts »")
	mustNotContain(t, body, "pas encore de rôle", "Compléter mon profil", "Déclarer ma structure")

	// A coordinator sees her role with its territory.
	coord := newUser(t, a, "coordination.dashboard@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "69"})
	mustContain(t, dashboard(coord), "Coordinateur territorial", "69")
}

func mustNotContain(t *testing.T, body string, parts ...string) {
	t.Helper()
	text := readable(body)
	for _, p := range parts {
		if strings.Contains(text, readable(p)) {
			t.Errorf("body contains %q", p)
		}
	}
}
