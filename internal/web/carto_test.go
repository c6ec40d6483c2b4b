package web_test

import (
	"context"
	"fmt"
	"hash/crc32"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"maillage/internal/app"
	"maillage/internal/config"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// mapFixture makes places with coordinates and people near Lyon, all
// findable by a word of their own.
func mapFixture(t *testing.T, a *app.App, word string) (public, hidden string) {
	t.Helper()
	ctx := context.Background()
	ref := newUser(t, a, word+".referente@exemple.fr", nil)
	for i, p := range []struct {
		nom, insee string
		lat, lon   float64
	}{
		{"Médiathèque " + word + " Lumière", "69123", 45.7450, 4.8710},
		{"EPN " + word + " Croix-Rousse", "69123", 45.7770, 4.8310},
		{"Espace " + word + " Villeurbanne", "69266", 45.7700, 4.8800},
	} {
		if _, _, err := a.Structures.CreateStructure(ctx, ref.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
			Pivot: fmt.Sprintf("W69%07d", int(crc32.ChecksumIEEE([]byte(word))%100000)*10+i), Nom: p.nom, Adresse: "1 rue de la République", CodePostal: "69001", Commune: "Lyon", CodeInsee: p.insee,
			Latitude: ptr(p.lat), Longitude: ptr(p.lon), Services: []string{"Aide aux démarches administratives"},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	public, hidden = "Odile "+word, "Hector "+word
	for _, p := range []struct {
		name    string
		commune maillage.Visibility
	}{{public, maillage.VisPublic}, {hidden, maillage.VisPrivate}} {
		u := newUser(t, a, strings.ToLower(strings.Fields(p.name)[0])+"."+word+"@exemple.fr", nil)
		kind, name, commune, bio := maillage.KindMediateur, p.name, "69266", "Médiation numérique "+word
		vis := map[string]maillage.Visibility{}
		for _, f := range maillage.ProfileFields {
			vis[f] = maillage.VisPublic
		}
		vis[maillage.FieldCommune] = p.commune
		if _, err := a.Profiles.SaveProfile(ctx, u.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Commune: &commune, Bio: &bio, Visibility: vis}); err != nil {
			t.Fatal(err)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := a.SearchSync.WaitIdle(sctx); err != nil {
		t.Fatal(err)
	}
	return public, hidden
}

// TestSearchMapView: /recherche?…&vue=carte shows the same query's
// results on an SVG map, places at their coordinates and a person at
// their commune's centre only when the hit shows their commune; a link
// switches between list and map and keeps the query. (Before: vue was
// ignored, no map.)
func TestSearchMapView(t *testing.T) {
	a := testenv.Get(t).App(t)
	public, hidden := mapFixture(t, a, "Zorglub")
	r := do(t, a.Web.App(), "GET", "/recherche?q=zorglub&vue=carte", nil)
	if r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	mustContain(t, r.Body,
		`<svg xmlns="http://www.w3.org/2000/svg" class="carto"`, `role="img"`, `<title id="carte-resultats-titre">Carte des résultats de la recherche</title>`,
		`data-code="69"`, `data-code="971"`, // France with its insets
		"Médiathèque Zorglub Lumière", "EPN Zorglub Croix-Rousse", public,
		"Sur la carte : 4 résultats, en 1 repère", "1 résultat n'a pas de position connue",
		`href="/recherche?q=zorglub">Voir ces résultats en liste</a>`,
		`<input type="hidden" name="vue" value="carte">`,
		`/carte?q=zorglub`, // the code to embed this very map
	)
	// The person whose commune is private is a result (list view), but
	// the map does not place them.
	list := r.Body[strings.Index(r.Body, `class="carto-list"`):]
	if strings.Contains(list, hidden) {
		t.Errorf("%s (commune private) is placed on the map", hidden)
	}
	if n := strings.Count(r.Body, "<circle"); n < 1 || n > 4 {
		t.Errorf("%d markers for 4 points near Lyon", n)
	}
	// The list view links to the map view with the same query.
	r = do(t, a.Web.App(), "GET", "/recherche?q=zorglub&type=structure", nil)
	mustContain(t, r.Body, `href="/recherche?q=zorglub&amp;type=structure&amp;vue=carte">Voir ces résultats sur une carte</a>`)
	if strings.Contains(r.Body, "<svg") {
		t.Error("the list view draws a map")
	}
	// Tabs of the map view stay on the map.
	r = do(t, a.Web.App(), "GET", "/recherche?q=zorglub&vue=carte", nil)
	mustContain(t, r.Body, `href="/recherche?q=zorglub&amp;type=structure&amp;vue=carte"`)
}

// TestDirectoryDepartementMap: the département page of the directory
// shows its places on a map of the département. (Before: no map.)
func TestDirectoryDepartementMap(t *testing.T) {
	a := testenv.Get(t).App(t)
	mapFixture(t, a, "Quiproquo")
	r := do(t, a.Web.App(), "GET", "/annuaire/departements/69", nil)
	if r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	mustContain(t, r.Body, `<title id="carte-departement-titre">Carte des lieux — Rhône</title>`, `data-code="69"`, `data-code="01"`,
		"Médiathèque Quiproquo Lumière", `href="/carte/integrer"`)
	if strings.Contains(r.Body, `data-code="29"`) {
		t.Error("the Rhône's map draws the Finistère")
	}
}

// TestEmbeddableMap: /carte is framable by any site (and only it), has no
// session state, is cacheable, and shows the anonymous view even to a
// signed-in member's browser. (Before: 404.)
func TestEmbeddableMap(t *testing.T) {
	a := testenv.Get(t).App(t)
	_, _ = mapFixture(t, a, "Farfadet")
	ctx := context.Background()
	// A person visible to members only: never on an embedded map.
	u := newUser(t, a, "membres.farfadet@exemple.fr", nil)
	kind, name, commune := maillage.KindMediateur, "Irène Farfadet", "69266"
	vis := map[string]maillage.Visibility{}
	for _, f := range maillage.ProfileFields {
		vis[f] = maillage.VisMembers
	}
	if _, err := a.Profiles.SaveProfile(ctx, u.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Commune: &commune, Visibility: vis}); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := a.SearchSync.WaitIdle(sctx); err != nil {
		t.Fatal(err)
	}
	member := map[string]string{"Cookie": "maillage_session=" + newSession(t, a, newUser(t, a, "lectrice.farfadet@exemple.fr", nil))}
	if r := do(t, a.Web.App(), "GET", "/recherche?q=farfadet", member); !strings.Contains(r.Body, "Irène <mark>Farfadet</mark>") {
		t.Fatal("the member does not find the members-only profile on the portal")
	}
	for _, target := range []string{"/carte?departement=69", "/carte?q=farfadet", "/carte?q=farfadet&departement=69", "/carte?region=84", "/carte"} {
		r := do(t, a.Web.App(), "GET", target, member)
		if r.Status != 200 {
			t.Fatalf("%s: status %d", target, r.Status)
		}
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors *") || strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", target, csp)
		}
		if v := r.Header.Get("X-Frame-Options"); v != "" {
			t.Errorf("%s: X-Frame-Options %q", target, v)
		}
		if v := r.Header.Values("Set-Cookie"); len(v) > 0 {
			t.Errorf("%s: sets cookies %v", target, v)
		}
		if v := r.Header.Get("Cache-Control"); v != "public, max-age=300" {
			t.Errorf("%s: Cache-Control %q", target, v)
		}
		if strings.Contains(r.Body, "Irène") || strings.Contains(r.Body, "site-header") || strings.Contains(r.Body, "_csrf") {
			t.Errorf("%s: shows what the member may see, or the portal's header", target)
		}
		mustContain(t, r.Body, `<body class="embed">`, `role="img"`, `target="_blank" rel="noopener"`)
	}
	r := do(t, a.Web.App(), "GET", "/carte?departement=69", nil)
	mustContain(t, r.Body, "Médiathèque Farfadet Lumière", "lieux de médiation numérique — Rhône", `href="http://`)
	r = do(t, a.Web.App(), "GET", "/carte?q=farfadet&lang=en", nil)
	mustContain(t, r.Body, `<html lang="en">`, "search results — France", "Odile Farfadet")
	if r = do(t, a.Web.App(), "GET", "/carte?departement=00", nil); r.Status != 404 {
		t.Errorf("unknown département: %d", r.Status)
	}
	// Every other page keeps refusing frames.
	for _, target := range []string{"/", "/recherche?q=farfadet&vue=carte", "/carte/integrer", "/annuaire/departements/69"} {
		r := do(t, a.Web.App(), "GET", target, nil)
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: CSP %q, X-Frame-Options %q", target, csp, r.Header.Get("X-Frame-Options"))
		}
	}
	r = do(t, a.Web.App(), "GET", "/carte/integrer", nil)
	mustContain(t, r.Body, `&lt;iframe src="http://`, "/carte?departement=69")
	r = do(t, a.Web.App(), "GET", "/a-propos/donnees", nil)
	mustContain(t, r.Body, "MapSVG", "CC BY 4.0", "Natural Earth")
}

// TestTileServer: MAILLAGE_TILE_URL is validated; when set, maps offer
// its tiles to web/static/js/carte.js and the CSP allows images from its
// host; without it, nothing but the SVG.
func TestTileServer(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, bad := range []string{"tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org/tiles.png", "ftp://tiles.example.org/{z}/{x}/{y}.png", "https://user:pw@tiles.example.org/{z}/{x}/{y}.png"} {
		_, err := config.Load(env("DATABASE_URL", "postgres://u@h/db", "MEILI_URL", "http://127.0.0.1:7700", "MEILI_MASTER_KEY", "0123456789abcdef", "MAILLAGE_TILE_URL", bad, "MAILLAGE_TILE_ATTRIBUTION", "© OSM"), config.Options{})
		if err == nil || !strings.Contains(err.Error(), "MAILLAGE_TILE_URL") {
			t.Errorf("%s accepted: %v", bad, err)
		}
	}
	_, err := config.Load(env("DATABASE_URL", "postgres://u@h/db", "MEILI_URL", "http://127.0.0.1:7700", "MEILI_MASTER_KEY", "0123456789abcdef", "MAILLAGE_TILE_URL", "https://tiles.example.org/{z}/{x}/{y}.png"), config.Options{})
	if err == nil || !strings.Contains(err.Error(), "MAILLAGE_TILE_ATTRIBUTION") {
		t.Errorf("a tile server without its credit accepted: %v", err)
	}

	plain := testenv.Get(t).App(t)
	r := do(t, plain.Web.App(), "GET", "/carte?departement=69", nil)
	if strings.Contains(r.Body, "data-tiles") || strings.Contains(r.Body, "carte.js") || strings.Contains(r.Header.Get("Content-Security-Policy"), "tiles.example.org") {
		t.Error("tiles offered without MAILLAGE_TILE_URL")
	}

	cfg := testenv.Get(t).Config(t)
	cfg.TileURL, err = parseURL("https://tiles.example.org/{z}/{x}/{y}.png")
	if err != nil {
		t.Fatal(err)
	}
	cfg.TileAttribution = "© les contributeurs d'OpenStreetMap"
	a, err := app.Open(context.Background(), cfg, testenv.Logger(t), app.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	for _, target := range []string{"/carte?departement=69", "/annuaire/departements/69"} {
		r = do(t, a.Web.App(), "GET", target, nil)
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://tiles.example.org;") {
			t.Errorf("%s: CSP %q", target, csp)
		}
		mustContain(t, r.Body, `data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"`, `<script src="/static/js/carte.js" defer></script>`, "© les contributeurs d&#39;OpenStreetMap")
	}
}

// TestSearchFormAt1280: at 1,280 × 800 each label of the search form
// sits right above its control (it was detached from its select: the
// form's row wrapped between a label and its field). With
// MAILLAGE_SCREENSHOT the page is saved there as a PNG.
func TestSearchFormAt1280(t *testing.T) {
	a := testenv.Get(t).App(t)
	base := testenv.Serve(t, a)
	b := testenv.NewBrowser(t)
	b.Run(t, emulation.SetDeviceMetricsOverride(1280, 800, 1, false), chromedp.Navigate(base+"/recherche?q=m%C3%A9diation&pres=Lyon"), chromedp.WaitVisible("#search-tri", chromedp.ByQuery))
	if dir := os.Getenv("MAILLAGE_SCREENSHOT"); dir != "" {
		var png []byte
		b.Run(t, chromedp.CaptureScreenshot(&png))
		if err := os.WriteFile(filepath.Join(dir, "recherche-1280.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"search-pres", "search-rayon", "search-tri"} {
		var gap []float64
		b.Run(t, chromedp.Evaluate(fmt.Sprintf(`(() => {
			const l = document.querySelector('label[for=%q]').getBoundingClientRect();
			const f = document.getElementById(%q).getBoundingClientRect();
			return [f.top - l.bottom, Math.abs(f.left - l.left)];
		})()`, id, id), &gap))
		if gap[0] < 0 || gap[0] > 8 || gap[1] > 2 {
			t.Errorf("label of #%s: %.0f px above its field, %.0f px to the side", id, gap[0], gap[1])
		}
	}
}

func parseURL(s string) (*url.URL, error) { return url.Parse(s) }

// TestDirectoryFrenchOrder: the directory lists people and places in
// French order — accents and case ignored first (Jérôme before Josiane,
// Émile before Eric before jean), not in byte order. (Before: Eric,
// Josiane, Jérôme, jean, Émile.)
func TestDirectoryFrenchOrder(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	names := []string{"Josiane Lozérienne", "Jérôme Lozérien", "jean Lozérien", "Émile Lozérien", "Eric Lozérien"}
	for i, n := range names {
		u := newUser(t, a, fmt.Sprintf("lozere-%d@exemple.fr", i), nil)
		kind, name, commune := maillage.KindAidant, n, "48095" // Mende
		vis := map[string]maillage.Visibility{}
		for _, f := range maillage.ProfileFields {
			vis[f] = maillage.VisPublic
		}
		if _, err := a.Profiles.SaveProfile(ctx, u.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Commune: &commune, Visibility: vis}); err != nil {
			t.Fatal(err)
		}
	}
	ref := newUser(t, a, "lozere-ref@exemple.fr", nil)
	places := []string{"Zèbre numérique", "Élan numérique", "Echo numérique", "écran partagé"}
	for i, n := range places {
		if _, _, err := a.Structures.CreateStructure(ctx, ref.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
			Pivot: fmt.Sprintf("W48%07d", i+1), Nom: n, Adresse: "1 place Urbain V", CodePostal: "48000", Commune: "Mende", CodeInsee: "48095",
		}}); err != nil {
			t.Fatal(err)
		}
	}
	r := do(t, a.Web.App(), "GET", "/annuaire/departements/48", nil)
	order := func(of []string) []string {
		type at struct {
			name string
			i    int
		}
		var found []at
		for _, n := range of {
			i := strings.Index(r.Body, ">"+n+"</a>")
			if i < 0 {
				t.Fatalf("%s not listed", n)
			}
			found = append(found, at{n, i})
		}
		slices.SortFunc(found, func(x, y at) int { return x.i - y.i })
		var out []string
		for _, f := range found {
			out = append(out, f.name)
		}
		return out
	}
	if diff := cmp.Diff([]string{"Émile Lozérien", "Eric Lozérien", "jean Lozérien", "Jérôme Lozérien", "Josiane Lozérienne"}, order(names)); diff != "" {
		t.Errorf("people (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Echo numérique", "écran partagé", "Élan numérique", "Zèbre numérique"}, order(places)); diff != "" {
		t.Errorf("places (-want +got):\n%s", diff)
	}
}

// TestKeptMapIsNeverOld: the maps already drawn are kept by their content
// (the places, the language, the options), so the directory's map shows a
// renamed or added place at once, in the language asked.
func TestKeptMapIsNeverOld(t *testing.T) {
	a := testenv.Get(t).FreshApp(t) // Haute-Corse holds only this test's places
	ctx := context.Background()
	ref := newUser(t, a, "carte-gardee@exemple.fr", nil)
	place := func(pivot, nom string, lat float64) *maillage.Structure {
		return &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
			Pivot: pivot, Nom: nom, Adresse: "1 boulevard Paoli", CodePostal: "20200", Commune: "Bastia", CodeInsee: "2B033",
			Latitude: ptr(lat), Longitude: ptr(9.45), Services: []string{"Aide aux démarches administratives"},
		}}
	}
	st, _, err := a.Structures.CreateStructure(ctx, ref.ID, place(validRNA(202000001), "Espace Tramontane", 42.70))
	if err != nil {
		t.Fatal(err)
	}
	mapList := func(lang string) string {
		t.Helper()
		r := do(t, a.Web.App(), "GET", "/annuaire/departements/2B", map[string]string{"Cookie": "lang=" + lang})
		if r.Status != 200 {
			t.Fatalf("status %d", r.Status)
		}
		i := strings.Index(r.Body, `id="carte-departement"`)
		if i < 0 {
			t.Fatal("no map on the page")
		}
		return r.Body[i:]
	}
	mustContain(t, mapList("fr"), "Espace Tramontane", "Carte des lieux")
	mustContain(t, mapList("fr"), "Espace Tramontane") // drawn once, kept

	if _, err := a.Structures.UpdateStructure(ctx, maillage.Viewer{UserID: ref.ID}, st.ID, place(validRNA(202000001), "Espace Libeccio", 42.70)); err != nil {
		t.Fatal(err)
	}
	if m := mapList("fr"); !strings.Contains(m, "Espace Libeccio") || strings.Contains(m, "Espace Tramontane") {
		t.Errorf("the map after the rename still shows the old name or lacks the new one")
	}
	if _, _, err := a.Structures.CreateStructure(ctx, ref.ID, place(validRNA(202000002), "Atelier Maestrale", 42.55)); err != nil {
		t.Fatal(err)
	}
	mustContain(t, mapList("fr"), "Atelier Maestrale", "Espace Libeccio")
	if m := mapList("en"); strings.Contains(m, "Carte des lieux") || !strings.Contains(m, "Atelier Maestrale") {
		t.Errorf("the English page got the French map kept")
	}
}
