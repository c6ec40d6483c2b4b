package search_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

func get(t *testing.T, a *app.App, target string) (int, string) {
	t.Helper()
	resp, err := a.Web.App().Test(httptest.NewRequest("GET", target, nil), 10000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSearchPage: the page works without JavaScript, escapes everything and
// marks highlights safely, and its URL is shareable.
func TestSearchPage(t *testing.T) {
	a := testenv.Get(t).FreshApp(t) // counts the results
	person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr(`Zoé <script>alert(1)</script> Quillard`),
		Commune: ptr("69123"), Bio: ptr(`Ateliers Quillard & <i>tablettes</i> pour "seniors"`), Visibility: public()})
	synced(t, a)

	status, body := get(t, a, "/recherche?q=quillard")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<i>tablettes") {
		t.Error("unescaped markup from a profile reached the page")
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "<mark>Quillard</mark>", "<mark>Quillard</mark> &amp; &lt;i&gt;tablettes&lt;/i&gt;", `value="quillard"`, "1 résultat"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.ContainsAny(body, "\u0002\u0003") {
		t.Error("highlight marks leaked into the page")
	}

	t.Run("empty state", func(t *testing.T) {
		status, body := get(t, a, "/recherche?q=xqzwvkjh")
		if status != 200 || !strings.Contains(body, "Aucun résultat") {
			t.Errorf("status %d, empty state missing", status)
		}
	})
	t.Run("bare page", func(t *testing.T) {
		status, body := get(t, a, "/recherche")
		if status != 200 || !strings.Contains(body, `role="search"`) {
			t.Errorf("status %d", status)
		}
	})
	t.Run("unknown commune", func(t *testing.T) {
		status, body := get(t, a, "/recherche?q=atelier&pres="+url.QueryEscape("Zzzville-sur-Rien"))
		if status != 422 || !strings.Contains(body, "Commune inconnue") {
			t.Errorf("status %d, field error missing", status)
		}
	})
	t.Run("facets, type tabs and near", func(t *testing.T) {
		status, body := get(t, a, "/recherche?q=quillard&pres=Lyon&rayon=30&tri=distance&kind=mediateur")
		if status != 200 {
			t.Fatalf("status %d", status)
		}
		for _, want := range []string{`name="kind" value="mediateur"`, "checked", "à moins de 30 km de Lyon", "Personnes", `href="/recherche?`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
}

func TestSearchAPI(t *testing.T) {
	a := testenv.Get(t).FreshApp(t) // counts the results
	person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindConseiller), DisplayName: ptr("Basile Ortolan"), Commune: ptr("69123"), Visibility: public()})
	synced(t, a)
	status, body := get(t, a, "/api/recherche?q=ortolan&type=profile")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var out struct {
		Total int `json:"total"`
		Hits  []struct {
			Type       string              `json:"type"`
			Title      string              `json:"title"`
			TitleParts []maillage.Fragment `json:"title_parts"`
		} `json:"hits"`
		Facets   []maillage.Facet `json:"facets"`
		Degraded bool             `json:"degraded"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if out.Total != 1 || out.Hits[0].Title != "Basile Ortolan" || out.Degraded {
		t.Errorf("api = %+v", out)
	}
	if status, _ := get(t, a, "/api/recherche?pres=Nullepart-les-Oies"); status != 422 {
		t.Errorf("unknown commune: status %d, want 422", status)
	}
}

// TestDegradedMode: with Meilisearch unreachable the page says so and shows
// a basic PostgreSQL search; no 500.
func TestDegradedMode(t *testing.T) {
	env := testenv.Get(t)
	a := env.App(t)
	person(t, a, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Gaspard Ribouldingue"), Commune: ptr("69123"),
		Bio: ptr("Médiateur numérique à Lyon"), Visibility: public()})

	// A portal whose Meilisearch URL points to a closed port.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	cfg := env.Config(t)
	cfg.MeiliURL = dead
	down, err := app.Open(context.Background(), cfg, testenv.Logger(t), app.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()

	for _, target := range []string{"/recherche?q=ribouldingue", "/recherche?q=ribouldingue&pres=Lyon&rayon=10&tri=distance", "/recherche?q=mediateur&kind=mediateur", "/recherche?kind=mediateur&departement=69", "/recherche?pres=Lyon&rayon=5&tri=nom"} {
		status, body := get(t, down, target)
		if status != 200 {
			t.Errorf("%s: status %d", target, status)
		}
		if !strings.Contains(body, "Le moteur de recherche ne répond pas") {
			t.Errorf("%s: no degraded notice", target)
		}
		if !strings.Contains(body, "Gaspard Ribouldingue") {
			t.Errorf("%s: the PostgreSQL search did not find the person", target)
		}
	}
	status, body := get(t, down, "/api/recherche?q=ribouldingue")
	if status != 200 || !strings.Contains(body, `"degraded":true`) {
		t.Errorf("api: status %d body %s", status, body)
	}
}

// TestSearchPageOffersCommunes: a « près de » that several communes bear
// offers each of them, and each link then resolves to that commune (69003
// is Albigny-sur-Saône's INSEE code and Lyon 3e's postcode).
func TestSearchPageOffersCommunes(t *testing.T) {
	a := testenv.Get(t).App(t)
	link := regexp.MustCompile(`href="(/recherche\?[^"]*pres=[^"]*)"`)
	for _, near := range []string{"Saint-Denis", "69003"} {
		status, body := get(t, a, "/recherche?q=atelier&pres="+url.QueryEscape(near))
		if status != 422 {
			t.Fatalf("%s: status %d, want 422 with the choice", near, status)
		}
		links := link.FindAllStringSubmatch(body, -1)
		if len(links) < 2 {
			t.Fatalf("%s: %d communes offered, want at least 2", near, len(links))
		}
		for _, l := range links {
			target := html.UnescapeString(l[1])
			if status, _ := get(t, a, target); status != 200 {
				u, _ := url.Parse(target)
				t.Errorf("%s: the choice %q answers %d, want 200", near, u.Query().Get("pres"), status)
			}
		}
	}
}
