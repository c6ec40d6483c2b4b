package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"maillage/internal/localsvc"
)

// Browser is a headless Chromium tab driven by chromedp. It records console
// errors and uncaught exceptions so journeys can assert there are none.
type Browser struct {
	Ctx     context.Context
	mu      sync.Mutex
	errors  []string
	network []string
}

// ChromiumPath finds Debian's Chromium (installed by `make test` when
// missing) or fails with what to install.
func ChromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", &localsvc.ErrMissing{What: "Chromium", Install: "run `apt-get install -y chromium` (Debian), or set CHROMIUM_PATH"}
}

// NewBrowser starts a fresh headless Chromium for the test.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	path, err := ChromiumPath()
	if err != nil {
		t.Fatal(err)
	}
	profile, err := os.MkdirTemp("", "maillage-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	b := &Browser{Ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`))
				}
				b.addError("console.error: " + strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			b.addError("exception: " + e.ExceptionDetails.Error())
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.LevelError {
				if e.Entry.Source == cdplog.SourceNetwork {
					b.mu.Lock()
					b.network = append(b.network, e.Entry.Text+" "+e.Entry.URL)
					b.mu.Unlock()
				} else {
					b.addError("log: " + e.Entry.Text + " " + e.Entry.URL)
				}
			}
		}
	})
	if err := chromedp.Run(ctx, cdplog.Enable()); err != nil {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		// Chromium may still be flushing its profile: best effort.
		time.Sleep(100 * time.Millisecond)
		_ = os.RemoveAll(profile)
	})
	return b
}

func (b *Browser) addError(s string) {
	b.mu.Lock()
	b.errors = append(b.errors, s)
	b.mu.Unlock()
}

// ConsoleErrors returns the script errors so far (console.error, uncaught
// exceptions, non-network log errors).
func (b *Browser) ConsoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// Run runs chromedp actions, failing the test on error.
func (b *Browser) Run(t testing.TB, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.Ctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// AxeViolation is one rule the page breaks.
type AxeViolation struct {
	ID          string `json:"id"`
	Impact      string `json:"impact"`
	Description string `json:"description"`
	Help        string `json:"help"`
	Nodes       []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

func (v AxeViolation) String() string {
	var targets []string
	for _, n := range v.Nodes {
		targets = append(targets, fmt.Sprint(n.Target...)+" "+n.HTML)
	}
	return fmt.Sprintf("%s (%s): %s\n    %s", v.ID, v.Impact, v.Help, strings.Join(targets, "\n    "))
}

// Audit injects axe-core (from node_modules) into the current page and
// returns the WCAG 2.1 A/AA violations.
func (b *Browser) Audit(t testing.TB) []AxeViolation {
	t.Helper()
	root, err := localsvc.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core missing (run `npm ci`): %v", err)
	}
	var raw string
	err = chromedp.Run(b.Ctx,
		chromedp.Evaluate(string(src), nil),
		chromedp.Evaluate(`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(r => JSON.stringify(r.violations))`, &raw,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if err != nil {
		t.Fatalf("axe: %v", err)
	}
	var vs []AxeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe result: %v", err)
	}
	return vs
}

// AssertAccessible fails the test for every axe violation on the page.
func (b *Browser) AssertAccessible(t testing.TB) {
	t.Helper()
	for _, v := range b.Audit(t) {
		t.Errorf("accessibility: %s", v)
	}
}

// AssertNoNetworkErrors fails the test when a resource answered with an
// error status (a missing stylesheet, a 404 link target). Pages that are
// errors on purpose (a 422 form, a 404 page) show up here too.
func (b *Browser) AssertNoNetworkErrors(t testing.TB) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.network {
		t.Errorf("browser network: %s", e)
	}
}

// AssertNoConsoleErrors fails the test when the page logged errors.
func (b *Browser) AssertNoConsoleErrors(t testing.TB) {
	t.Helper()
	for _, e := range b.ConsoleErrors() {
		t.Errorf("browser console: %s", e)
	}
}
