package testenv_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"maillage/internal/testenv"
)

// TestAuditFindsViolations proves the harness can fail: a page without lang,
// with an image without alt text and a console error is reported.
func TestAuditFindsViolations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!DOCTYPE html><html><head><title>x</title></head><body><img src="/x.png"><script>console.error("broken")</script></body></html>`))
	}))
	defer srv.Close()
	b := testenv.NewBrowser(t)
	b.Run(t, chromedp.Navigate(srv.URL), chromedp.WaitReady("body", chromedp.ByQuery))
	found := map[string]bool{}
	for _, v := range b.Audit(t) {
		found[v.ID] = true
	}
	for _, id := range []string{"html-has-lang", "image-alt"} {
		if !found[id] {
			t.Errorf("axe did not report %s (got %v)", id, found)
		}
	}
	if len(b.ConsoleErrors()) == 0 {
		t.Error("console.error was not recorded")
	}
}
