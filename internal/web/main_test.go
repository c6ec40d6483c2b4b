package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"maillage/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

type response struct {
	Status int
	Header http.Header
	Body   string
}

// do sends a request through the Fiber app (the real handlers, database and
// search engine; no network listener).
func do(t *testing.T, h interface {
	Test(*http.Request, ...int) (*http.Response, error)
}, method, target string, headers map[string]string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := h.Test(req, 10000)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

// mustContain checks that body holds each part, read as a person reads
// it: the non-breaking spaces of French typography count as spaces, and
// the HTML apostrophe entity as an apostrophe.
func mustContain(t *testing.T, body string, parts ...string) {
	t.Helper()
	text := readable(body)
	for _, p := range parts {
		if !strings.Contains(body, p) && !strings.Contains(text, readable(p)) {
			t.Errorf("body does not contain %q", p)
		}
	}
}

func readable(s string) string {
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ", "&#39;", "'", "&nbsp;", " ").Replace(s)
}
