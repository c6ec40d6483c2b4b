package testenv

import (
	"net"
	"testing"
	"time"

	"maillage/internal/app"
)

// Serve starts the portal on a free loopback port and returns its base URL.
func Serve(t testing.TB, a *app.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.Web.App().Listener(ln) }()
	t.Cleanup(func() {
		_ = a.Web.App().ShutdownWithTimeout(5 * time.Second)
	})
	url := "http://" + ln.Addr().String()
	a.Config.BaseURL.Scheme, a.Config.BaseURL.Host = "http", ln.Addr().String()
	return url
}
