package web_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/app"
	"maillage/internal/localsvc"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

func TestPages(t *testing.T) {
	a := testenv.Get(t).App(t)
	tests := []struct {
		name     string
		target   string
		headers  map[string]string
		status   int
		contains []string
		absent   []string
	}{
		{"home in French", "/", nil, 200, []string{`<html lang="fr">`, "Personne ne médie seul", "Aller au contenu", "34 969 communes", `<main id="contenu"`, "<nav", "<footer"}, nil},
		{"home in English", "/?lang=en", nil, 200, []string{`<html lang="en">`, "No one mediates alone"}, nil},
		{"English remembered", "/", map[string]string{"Cookie": "lang=en"}, 200, []string{"No one mediates alone"}, nil},
		{"not found page in French", "/nulle-part", nil, 404, []string{"Page introuvable", "Revenir à l&#39;accueil", "Référence de la requête"}, []string{"Cannot GET"}},
		{"not found as JSON", "/nulle-part", map[string]string{"Accept": "application/json"}, 404, []string{`"code":"not_found"`}, nil},
		{"data sources", "/a-propos/donnees", nil, 200, []string{"Licence Ouverte 2.0"}, nil},
		{"css", "/static/css/site.css", nil, 200, []string{":focus-visible"}, nil},
		{"healthz", "/healthz", nil, 200, []string{`"status":"ok"`}, nil},
		{"readyz", "/readyz", nil, 200, []string{`"postgres":{"status":"ok"}`, `"meilisearch":{"status":"ok"}`}, nil},
		{"commune autocomplete", "/api/communes?q=lyo&limit=3", nil, 200, []string{`"code_insee":"69123"`, `"nom":"Lyon"`}, nil},
		{"commune autocomplete too long", "/api/communes?q=" + strings.Repeat("a", 81), nil, 422, []string{`"fields":{"q":`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, a.Web.App(), "GET", tt.target, tt.headers)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			mustContain(t, r.Body, tt.contains...)
			for _, s := range tt.absent {
				if strings.Contains(r.Body, s) {
					t.Errorf("body contains %q", s)
				}
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	a := testenv.Get(t).App(t)
	r := do(t, a.Web.App(), "GET", "/", nil)
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
		"X-Request-Id":            "",
	} {
		got := r.Header.Get(h)
		if got == "" || !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if strings.Contains(r.Header.Get("Content-Security-Policy"), "unsafe-inline") {
		t.Error("CSP allows unsafe-inline")
	}
}

func TestPanicBecomesFrenchErrorPage(t *testing.T) {
	a := testenv.Get(t).App(t)
	a.Web.App().Get("/test-panic", func(c *fiber.Ctx) error { panic("boom: secret detail") })
	for _, accept := range []string{"text/html", "application/json"} {
		r := do(t, a.Web.App(), "GET", "/test-panic", map[string]string{"Accept": accept})
		if r.Status != 500 {
			t.Fatalf("status %d", r.Status)
		}
		if strings.Contains(r.Body, "secret detail") || strings.Contains(r.Body, "goroutine") || strings.Contains(r.Body, ".go:") {
			t.Fatalf("internal detail leaked: %s", r.Body)
		}
		mustContain(t, r.Body, "Une erreur interne est survenue")
	}
}

// TestReadyzNamesMeilisearchWhenItStops runs a portal on its own Meilisearch,
// stops that Meilisearch, and checks /readyz says 503 naming it while pages
// that do not search still answer.
func TestReadyzNamesMeilisearchWhenItStops(t *testing.T) {
	env := testenv.Get(t)
	m, err := localsvc.StartMeili(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	cfg := env.Config(t)
	cfg.MeiliURL, cfg.MeiliKey = m.URL(), m.Key
	a, err := app.Open(context.Background(), cfg, testenv.Logger(t), app.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	if r := do(t, a.Web.App(), "GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("readyz before stop: %d %s", r.Status, r.Body)
	}
	m.Kill()
	r := do(t, a.Web.App(), "GET", "/readyz", nil)
	if r.Status != 503 {
		t.Fatalf("readyz after stop: %d %s", r.Status, r.Body)
	}
	var body struct {
		Checks map[string]struct{ Status, Error string }
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatal(err)
	}
	if body.Checks["meilisearch"].Status != "down" || body.Checks["postgres"].Status != "ok" {
		t.Fatalf("checks = %+v", body.Checks)
	}
	if r := do(t, a.Web.App(), "GET", "/", nil); r.Status != 200 {
		t.Fatalf("home with meilisearch down: %d", r.Status)
	}
}

// TestFooterAndHomeLeadToPeoplesPages: the footer's status page is a page
// for people (JSON on request), the data sources page names every data set
// of content/, each home card leads to the page of its capability, and
// /favicon.ico is an icon.
func TestFooterAndHomeLeadToPeoplesPages(t *testing.T) {
	a := testenv.Get(t).App(t)
	app := a.Web.App()

	t.Run("status page", func(t *testing.T) {
		r := do(t, app, "GET", "/etat", nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d, type %q", r.Status, r.Header.Get("Content-Type"))
		}
		mustContain(t, r.Body, "État du service", "Base de données (PostgreSQL)", "Moteur de recherche (Meilisearch)", "répond")
		if strings.Contains(r.Body, `{"status"`) {
			t.Error("the status page shows raw JSON")
		}
		j := do(t, app, "GET", "/etat", map[string]string{"Accept": "application/json"})
		if j.Status != 200 || !strings.Contains(j.Body, `"postgres":{"status":"ok"}`) {
			t.Errorf("JSON on request: %d %s", j.Status, j.Body)
		}
	})

	t.Run("data sources", func(t *testing.T) {
		r := do(t, app, "GET", "/a-propos/donnees", nil)
		// One row per folder of content/ that holds a data set (search
		// holds the synonyms).
		mustContain(t, r.Body, "COG 2026", "standard national des lieux", "CRCN", "Synonymes de la recherche",
			"Charte de l&#39;aidant numérique", "Programmes de label", "Fonds de carte", "Schéma LHÉO 2.3")
		entries, err := os.ReadDir(filepath.Join("..", "..", "content"))
		if err != nil {
			t.Fatal(err)
		}
		rows := strings.Count(r.Body, "<tr><td>")
		folders := 0
		for _, e := range entries {
			if e.IsDir() {
				folders++
			}
		}
		if rows < folders {
			t.Errorf("%d data sets listed for %d folders of content/", rows, folders)
		}
	})

	t.Run("home cards", func(t *testing.T) {
		r := do(t, app, "GET", "/", nil)
		links := regexp.MustCompile(`<h3><a href="([^"]+)">`).FindAllStringSubmatch(r.Body, -1)
		if len(links) != 9 {
			t.Fatalf("%d cards are links, want 9", len(links))
		}
		member := newUser(t, a, "carte-accueil@example.org", nil)
		admin := newUser(t, a, "carte-admin@example.org", &maillage.RoleGrant{Role: maillage.RoleAdministrateur})
		for _, l := range links {
			who := member
			if strings.HasPrefix(l[1], "/admin") {
				who = admin
			}
			got := do(t, app, "GET", l[1], cookie(newSession(t, a, who), false))
			if got.Status != 200 {
				t.Errorf("card %s: status %d", l[1], got.Status)
			}
		}
	})

	t.Run("favicon", func(t *testing.T) {
		r := do(t, app, "GET", "/favicon.ico", nil)
		if r.Status != 301 || r.Header.Get("Location") != "/static/favicon.svg" {
			t.Fatalf("favicon: %d %q", r.Status, r.Header.Get("Location"))
		}
		svg := do(t, app, "GET", "/static/favicon.svg", nil)
		if svg.Status != 200 || !strings.HasPrefix(svg.Header.Get("Content-Type"), "image/svg+xml") {
			t.Errorf("icon: %d %q", svg.Status, svg.Header.Get("Content-Type"))
		}
	})
}
