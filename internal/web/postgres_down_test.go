package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// portalOnOwnPostgres is a portal on a PostgreSQL of the test's own, with
// one public profile; it returns the portal, the cluster and the path of
// the profile's page.
func portalOnOwnPostgres(t *testing.T) (*app.App, *testenv.OwnPostgres, string) {
	t.Helper()
	pg := testenv.StartOwnPostgres(t)
	a := testenv.Get(t).AppOn(t, pg.URL("maillage"))
	ctx := context.Background()
	u, err := a.Users.SignInEmail(ctx, "panne.postgres@exemple.fr")
	if err != nil {
		t.Fatal(err)
	}
	kind, name := maillage.KindMediateur, "Pénélope Panne"
	p, err := a.Profiles.SaveProfile(ctx, u.User.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name,
		Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic}})
	if err != nil {
		t.Fatal(err)
	}
	return a, pg, "/profils/" + strconv.FormatInt(p.ID, 10)
}

// TestPostgresDownAnswers503: while PostgreSQL is down, a page is a 503
// with a French page and Retry-After, and the API a 503 in JSON; never a
// 500.
func TestPostgresDownAnswers503(t *testing.T) {
	a, pg, page := portalOnOwnPostgres(t)
	if r := do(t, a.Web.App(), "GET", page, nil); r.Status != 200 || !strings.Contains(r.Body, "Pénélope Panne") {
		t.Fatalf("profile page with PostgreSQL up: %d", r.Status)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	r := do(t, a.Web.App(), "GET", page, map[string]string{"Accept": "text/html"})
	if r.Status != 503 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("page: status %d, Retry-After %q; want 503 with Retry-After\n%s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(r.Body, `lang="fr"`) {
		t.Errorf("page: Content-Type %q, want a French HTML page", r.Header.Get("Content-Type"))
	}
	mustContain(t, r.Body, "la base de données ne répond pas", "Réessayez dans quelques secondes")

	r = do(t, a.Web.App(), "GET", "/api/profils", nil)
	if r.Status != 503 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("API: status %d, Retry-After %q; want 503 with Retry-After\n%s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	var body struct{ Error, Code string }
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatalf("API body is not JSON: %v\n%s", err, r.Body)
	}
	if body.Code != maillage.EUNAVAILABLE || !strings.Contains(body.Error, "base de données") {
		t.Errorf("API body = %+v", body)
	}

	// Back up: the same pool serves again.
	pg.Restart(t)
	if r := do(t, a.Web.App(), "GET", page, nil); r.Status != 200 {
		t.Errorf("profile page after the restart: %d", r.Status)
	}
}

// TestLostConnectionIsRetriedForReads: PostgreSQL ends the portal's
// connections (as a restart does); the next page and API reads get a dead
// pooled connection, and are run once more on a new one.
func TestLostConnectionIsRetriedForReads(t *testing.T) {
	a, pg, page := portalOnOwnPostgres(t)
	admin, err := sql.Open("pgx", pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	cut := func() {
		t.Helper()
		var n int
		if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
			WHERE datname = 'maillage' AND backend_type = 'client backend' AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatal("the portal holds no connection to cut")
		}
	}
	for _, target := range []string{page, "/api/profils"} {
		// Within a second of its last use a pooled connection is not
		// checked before a query: the read meets the dead connection.
		if r := do(t, a.Web.App(), "GET", target, nil); r.Status != 200 {
			t.Fatalf("GET %s before: %d", target, r.Status)
		}
		cut()
		r := do(t, a.Web.App(), "GET", target, nil)
		if r.Status != 200 || !strings.Contains(r.Body, "Pénélope Panne") {
			t.Errorf("GET %s after the connections were cut: %d, want 200 (read run again)\n%.300s", target, r.Status, r.Body)
		}
	}
}
