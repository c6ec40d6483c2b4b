package journey_test

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"maillage/internal/demo"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// TestDirectoryCountsOnDemo loads the demo network and checks that the
// directory of a département lists its people and places with counts that
// match the database, for an anonymous visitor and a signed-in member.
func TestDirectoryCountsOnDemo(t *testing.T) {
	env := testenv.Get(t)
	a := env.App(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, postgres.NewDemoStore(a.DB), demo.Options{Seed: 20261122}); err != nil {
		t.Fatal(err)
	}
	// What an anonymous visitor may see in the Rhône: public profiles whose
	// commune is public; every place.
	var wantPeople, wantPlaces, wantMembers int
	if err := a.DB.NewRaw(`SELECT count(*) FROM profiles p JOIN communes c ON c.code_insee = p.code_insee
		WHERE c.code_departement = '69' AND coalesce(p.visibility->>'profile', 'members') = 'public'
		AND coalesce(p.visibility->>'commune', 'public') = 'public'`).Scan(ctx, &wantPeople); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.NewRaw(`SELECT count(*) FROM profiles p JOIN communes c ON c.code_insee = p.code_insee
		WHERE c.code_departement = '69' AND coalesce(p.visibility->>'profile', 'members') <> 'private'
		AND coalesce(p.visibility->>'commune', 'public') <> 'private'`).Scan(ctx, &wantMembers); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.NewRaw(`SELECT count(*) FROM structures s JOIN communes c ON c.code_insee = s.commune_insee WHERE c.code_departement = '69'`).Scan(ctx, &wantPlaces); err != nil {
		t.Fatal(err)
	}
	if wantPeople == 0 || wantPlaces == 0 || wantMembers <= wantPeople {
		t.Fatalf("demo data too thin to test: people %d, members view %d, places %d", wantPeople, wantMembers, wantPlaces)
	}

	lead := regexp.MustCompile(`(\d+) personnes? visibles?, (\d+) lieux?\.`)
	get := func(target, cookie string) string {
		req := httptest.NewRequest("GET", target, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := a.Web.App().Test(req, 20000)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", target, resp.StatusCode)
		}
		return string(b)
	}
	counts := func(body string) (int, int) {
		m := lead.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no counts on the page")
		}
		p, _ := strconv.Atoi(m[1])
		l, _ := strconv.Atoi(m[2])
		return p, l
	}

	body := get("/annuaire/departements/69", "")
	if p, l := counts(body); p != wantPeople || l != wantPlaces {
		t.Fatalf("anonymous: page says %d people and %d places, database %d and %d", p, l, wantPeople, wantPlaces)
	}
	// The région page counts the same for the Rhône.
	region := get("/annuaire/regions/84", "")
	row := regexp.MustCompile(`departements/69">69 — (?:<span lang="fr">)?Rhône(?:</span>)?</a></td><td>(\d+)</td>`).FindStringSubmatch(region)
	if row == nil || row[1] != strconv.Itoa(wantPeople) {
		t.Fatalf("région page row for the Rhône: %v, want %d people", row, wantPeople)
	}
	// A signed-in member sees members-only profiles too.
	out, err := a.Users.SignInEmail(ctx, "membre.annuaire@exemple.fr")
	if err != nil {
		t.Fatal(err)
	}
	token := "journey-" + strconv.FormatInt(out.User.ID, 10) + "-0123456789abcdef0123456789"
	if err := a.Sessions.CreateSession(ctx, &maillage.Session{UserID: out.User.ID, AuthMethod: "test", ExpiresAt: timeIn(1)}, token); err != nil {
		t.Fatal(err)
	}
	if p, _ := counts(get("/annuaire/departements/69", "maillage_session="+token)); p != wantMembers {
		t.Fatalf("member: page says %d people, database %d", p, wantMembers)
	}
	// The listing shows the first page of people with links to their pages.
	if n := len(regexp.MustCompile(`href="/profils/\d+"`).FindAllString(body, -1)); n != min(wantPeople, 50) {
		t.Fatalf("listing shows %d people, want %d", n, min(wantPeople, 50))
	}

	// Search past the 1,000th result: the demo's people are more than
	// Meilisearch pages (maillage.MaxSearchResults); the page says so and
	// invites to refine instead of offering pages that would come back empty.
	sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := a.SearchSync.WaitIdle(sctx); err != nil {
		t.Fatal(err)
	}
	all := get("/recherche?type=profile", "maillage_session="+token)
	if !strings.Contains(all, "premiers résultats peuvent être parcourus") {
		t.Fatal("no word that results past the 1,000th cannot be reached")
	}
	last := get("/recherche?type=profile&page=50", "maillage_session="+token)
	if n := len(regexp.MustCompile(`href="/profils/\d+"`).FindAllString(last, -1)); n == 0 {
		t.Error("the last reachable page is empty")
	}
	if strings.Contains(all, "page=51") {
		t.Error("a page past the 1,000th result is offered")
	}
}
