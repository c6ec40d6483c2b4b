package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"maillage/internal/app"
	"maillage/internal/testenv"
)

// TestJourneyMap: a visitor searches, switches to the map view (a plain
// link: no script needed), reads the markers' list, goes back to the list
// with the same query; then a partner site frames the embeddable map.
// axe-core finds no violation on the map view nor on the embeddable map,
// and no page logs an error.
func TestJourneyMap(t *testing.T) {
	a := testenv.Get(t).App(t)
	public, hidden := mapFixture(t, a, "Tournesol")
	base := testenv.Serve(t, a)
	b := testenv.NewBrowser(t)

	b.Run(t,
		chromedp.Navigate(base+"/recherche?q=tournesol"),
		chromedp.WaitVisible(".search-hit", chromedp.ByQuery),
		chromedp.Click(`.search-views a`, chromedp.ByQuery),
		chromedp.WaitVisible("svg.carto", chromedp.ByQuery),
	)
	var address, listText string
	var circles int
	b.Run(t,
		chromedp.Evaluate(`location.pathname + location.search`, &address),
		chromedp.Evaluate(`document.querySelectorAll('svg.carto circle').length`, &circles),
		chromedp.Text(".carto-list", &listText, chromedp.ByQuery),
	)
	if address != "/recherche?q=tournesol&vue=carte" {
		t.Errorf("map view address %q", address)
	}
	if circles < 1 || !strings.Contains(listText, "Médiathèque Tournesol Lumière") || !strings.Contains(listText, public) || strings.Contains(listText, hidden) {
		t.Errorf("%d markers; list: %s", circles, listText)
	}
	b.AssertAccessible(t)
	screenshot(t, b, "recherche-carte")

	// Typing a new word refreshes the results and keeps the map view.
	b.Run(t, chromedp.Evaluate(`document.getElementById('search-q').value = ''`, nil), chromedp.SendKeys("#search-q", "tournesol lumière", chromedp.ByQuery))
	b.Run(t, chromedp.Poll(`location.search.includes('vue=carte') && location.search.includes('lumi') && document.querySelectorAll('.carto-markers-list > li').length === 1`, nil, chromedp.WithPollingTimeout(10*time.Second)))

	b.Run(t, chromedp.Click(`.search-views a`, chromedp.ByQuery), chromedp.WaitVisible(".search-hit", chromedp.ByQuery), chromedp.Evaluate(`location.pathname + location.search`, &address))
	if !strings.HasPrefix(address, "/recherche?q=tournesol+lumi") || strings.Contains(address, "vue=") {
		t.Errorf("back to the list: %q", address)
	}

	// The embeddable map, alone and in another site's frame.
	b.Run(t, chromedp.Navigate(base+"/carte?departement=69"), chromedp.WaitVisible("svg.carto", chromedp.ByQuery))
	b.AssertAccessible(t)
	screenshot(t, b, "carte-69")
	b.Run(t, chromedp.Navigate(base+"/carte?q=tournesol"), chromedp.WaitVisible("svg.carto", chromedp.ByQuery))
	b.AssertAccessible(t)

	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="fr"><head><title>Partenaire</title></head><body><main><h1>Notre territoire</h1>
<iframe src="%s/carte?departement=69" title="Carte des lieux de médiation numérique (Maillage)" width="800" height="600"></iframe></main></body></html>`, base)
	}))
	defer partner.Close()
	b.Run(t, chromedp.Navigate(partner.URL), chromedp.WaitVisible("iframe", chromedp.ByQuery))
	var frameURL string
	b.Run(t, chromedp.Poll(`true`, nil), chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			tree, err := cdppage.GetFrameTree().Do(ctx)
			if err != nil {
				return err
			}
			if len(tree.ChildFrames) > 0 {
				if frameURL = tree.ChildFrames[0].Frame.URL; strings.Contains(frameURL, "/carte") {
					return nil
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		return nil
	}))
	if !strings.HasPrefix(frameURL, base+"/carte?departement=69") {
		t.Errorf("the partner's frame shows %q (refused?)", frameURL)
	}
	b.AssertNoConsoleErrors(t)
	b.AssertNoNetworkErrors(t)
}

// TestJourneyMapTiles: with MAILLAGE_TILE_URL, web/static/js/carte.js lays
// the tile server's tiles under the SVG, and the tile under Lyon's marker
// is the one that holds Lyon (tiles and points share the projection).
func TestJourneyMapTiles(t *testing.T) {
	var requests atomic.Int64
	var tile bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for i := range img.Pix {
		img.Pix[i] = 0xee
	}
	img.Set(0, 0, color.Black)
	if err := png.Encode(&tile, img); err != nil {
		t.Fatal(err)
	}
	tiles := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(tile.Bytes())
	}))
	defer tiles.Close()

	cfg := testenv.Get(t).Config(t)
	u, err := url.Parse(tiles.URL + "/{z}/{x}/{y}.png")
	if err != nil {
		t.Fatal(err)
	}
	cfg.TileURL, cfg.TileAttribution = u, "© Tuiles de test"
	a, err := app.Open(context.Background(), cfg, testenv.Logger(t), app.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	mapFixture(t, a, "Pissenlit")
	base := testenv.Serve(t, a)
	b := testenv.NewBrowser(t)
	b.Run(t, chromedp.Navigate(base+"/carte?q=pissenlit&departement=69"), chromedp.WaitVisible("svg.carto", chromedp.ByQuery))
	b.Run(t, chromedp.Poll(`document.querySelectorAll('g.carto-tiles image').length > 0`, nil, chromedp.WithPollingTimeout(10*time.Second)))
	var under []string
	var credit bool
	b.Run(t,
		chromedp.Evaluate(`(() => {
			const c = document.querySelector('svg.carto circle');
			const x = +c.getAttribute('cx'), y = +c.getAttribute('cy');
			return Array.from(document.querySelectorAll('g.carto-tiles image')).filter(i => {
				const ix = +i.getAttribute('x'), iy = +i.getAttribute('y');
				return x >= ix && x < ix + +i.getAttribute('width') && y >= iy && y < iy + +i.getAttribute('height');
			}).map(i => i.getAttribute('href'));
		})()`, &under),
		chromedp.Evaluate(`!document.querySelector('.carto-tile-credit').hidden`, &credit),
	)
	if len(under) != 1 {
		t.Fatalf("tiles under the marker: %v", under)
	}
	var z, x, y int
	if _, err := fmt.Sscanf(strings.TrimPrefix(under[0], tiles.URL), "/%d/%d/%d.png", &z, &x, &y); err != nil {
		t.Fatalf("tile %q: %v", under[0], err)
	}
	// The tile holding the centre of Lyon's places (45.76 N, 4.86 E).
	n := math.Exp2(float64(z))
	wantX := int((4.86 + 180) / 360 * n)
	wantY := int((1 - math.Log(math.Tan(45.76*math.Pi/180)+1/math.Cos(45.76*math.Pi/180))/math.Pi) / 2 * n)
	if x != wantX || y != wantY || z < 8 || z > 12 {
		t.Errorf("tile under Lyon's marker is %d/%d/%d, want %d/%d/%d", z, x, y, z, wantX, wantY)
	}
	if !credit || requests.Load() == 0 {
		t.Errorf("credit shown %v, %d tile requests", credit, requests.Load())
	}
	b.AssertNoConsoleErrors(t)
	b.AssertNoNetworkErrors(t)
}

// screenshot saves the page as a PNG in MAILLAGE_SCREENSHOT, when set.
func screenshot(t *testing.T, b *testenv.Browser, name string) {
	t.Helper()
	dir := os.Getenv("MAILLAGE_SCREENSHOT")
	if dir == "" {
		return
	}
	var png []byte
	b.Run(t, chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
