package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/config"
)

const proConnect = "https://auth.agentconnect.gouv.fr/api/v2"

func TestLoad(t *testing.T) {
	valid := map[string]string{
		"DATABASE_URL":     "postgres://u:p@127.0.0.1:5432/maillage?sslmode=disable",
		"MEILI_URL":        "http://127.0.0.1:7700",
		"MEILI_MASTER_KEY": "0123456789abcdef0123",
	}
	tests := []struct {
		name    string
		env     map[string]string
		local   bool
		wantVar string // "" means valid
	}{
		{"valid", nil, false, ""},
		{"local services need no urls", map[string]string{"DATABASE_URL": "", "MEILI_URL": "", "MEILI_MASTER_KEY": ""}, true, ""},
		{"serve needs a database", map[string]string{"DATABASE_URL": ""}, false, "DATABASE_URL"},
		{"serve needs meilisearch", map[string]string{"MEILI_URL": ""}, false, "MEILI_URL"},
		{"base url not absolute", map[string]string{"MAILLAGE_BASE_URL": "nope"}, false, "MAILLAGE_BASE_URL"},
		{"base url ftp", map[string]string{"MAILLAGE_BASE_URL": "ftp://x.fr"}, false, "MAILLAGE_BASE_URL"},
		{"database url wrong scheme", map[string]string{"DATABASE_URL": "mysql://x/y"}, false, "DATABASE_URL"},
		{"database url without name", map[string]string{"DATABASE_URL": "postgres://u@h:5432"}, false, "DATABASE_URL"},
		{"meili key too short", map[string]string{"MEILI_MASTER_KEY": "short"}, false, "MEILI_MASTER_KEY"},
		{"meili url malformed", map[string]string{"MEILI_URL": "127.0.0.1:7700"}, false, "MEILI_URL"},
		{"addr without port", map[string]string{"MAILLAGE_ADDR": "localhost"}, false, "MAILLAGE_ADDR"},
		{"addr port not a number", map[string]string{"MAILLAGE_ADDR": ":http2"}, false, "MAILLAGE_ADDR"},
		{"env unknown", map[string]string{"MAILLAGE_ENV": "staging"}, false, "MAILLAGE_ENV"},
		{"log level unknown", map[string]string{"MAILLAGE_LOG_LEVEL": "loud"}, false, "MAILLAGE_LOG_LEVEL"},
		{"demo not a bool", map[string]string{"MAILLAGE_DEMO": "maybe"}, false, "MAILLAGE_DEMO"},
		{"production needs https", map[string]string{"MAILLAGE_ENV": "production", "MAILLAGE_BASE_URL": "http://maillage.fr"}, false, "MAILLAGE_BASE_URL"},
		{"index prefix charset", map[string]string{"MEILI_INDEX_PREFIX": "a b"}, false, "MEILI_INDEX_PREFIX"},
		{"shutdown timeout", map[string]string{"MAILLAGE_SHUTDOWN_TIMEOUT": "-3s"}, false, "MAILLAGE_SHUTDOWN_TIMEOUT"},
		// Sign-in.
		{"oidc issuer without client id", map[string]string{"MAILLAGE_OIDC_ISSUER": proConnect, "MAILLAGE_OIDC_CLIENT_SECRET": "s3cret"}, false, "MAILLAGE_OIDC_CLIENT_ID"},
		{"oidc issuer without client secret", map[string]string{"MAILLAGE_OIDC_ISSUER": proConnect, "MAILLAGE_OIDC_CLIENT_ID": "maillage"}, false, "MAILLAGE_OIDC_CLIENT_SECRET"},
		{"oidc issuer malformed", map[string]string{"MAILLAGE_OIDC_ISSUER": "auth.agentconnect.gouv.fr/api/v2", "MAILLAGE_OIDC_CLIENT_ID": "maillage", "MAILLAGE_OIDC_CLIENT_SECRET": "s3cret"}, false, "MAILLAGE_OIDC_ISSUER"},
		{"oidc trust email not a bool", map[string]string{"MAILLAGE_OIDC_TRUST_EMAIL": "peut-être"}, false, "MAILLAGE_OIDC_TRUST_EMAIL"},
		{"github id without secret", map[string]string{"MAILLAGE_GITHUB_CLIENT_ID": "Iv1.abc"}, false, "MAILLAGE_GITHUB_CLIENT_SECRET"},
		{"github secret without id", map[string]string{"MAILLAGE_GITHUB_CLIENT_SECRET": "s3cret"}, false, "MAILLAGE_GITHUB_CLIENT_SECRET"},
		{"google id without secret", map[string]string{"MAILLAGE_GOOGLE_CLIENT_ID": "123.apps.googleusercontent.com"}, false, "MAILLAGE_GOOGLE_CLIENT_SECRET"},
		{"smtp url not smtp", map[string]string{"MAILLAGE_SMTP_URL": "http://x"}, false, "MAILLAGE_SMTP_URL"},
		{"smtp url without host", map[string]string{"MAILLAGE_SMTP_URL": "smtp://"}, false, "MAILLAGE_SMTP_URL"},
		{"production without smtp", map[string]string{"MAILLAGE_ENV": "production", "MAILLAGE_BASE_URL": "https://maillage.fr"}, false, "MAILLAGE_SMTP_URL"},
		{"production with smtp", map[string]string{"MAILLAGE_ENV": "production", "MAILLAGE_BASE_URL": "https://maillage.fr", "MAILLAGE_SMTP_URL": "smtp://u:p@smtp.exemple.fr:587"}, false, ""},
		{"admin emails with a non-address", map[string]string{"MAILLAGE_ADMIN_EMAILS": "chef@exemple.fr, chef"}, false, "MAILLAGE_ADMIN_EMAILS"},
		{"admin emails separated by semicolons", map[string]string{"MAILLAGE_ADMIN_EMAILS": "chef@exemple.fr;adjoint@exemple.fr"}, false, "MAILLAGE_ADMIN_EMAILS"},
		{"admin email without domain", map[string]string{"MAILLAGE_ADMIN_EMAILS": "chef@"}, false, "MAILLAGE_ADMIN_EMAILS"},
		{"admin email with a name", map[string]string{"MAILLAGE_ADMIN_EMAILS": "Chef <chef@exemple.fr>"}, false, "MAILLAGE_ADMIN_EMAILS"},
		{"admin emails", map[string]string{"MAILLAGE_ADMIN_EMAILS": " Chef@Exemple.fr, adjoint@exemple.fr ,"}, false, ""},
		{"session idle too short", map[string]string{"MAILLAGE_SESSION_IDLE": "5s"}, false, "MAILLAGE_SESSION_IDLE"},
		{"session idle not a duration", map[string]string{"MAILLAGE_SESSION_IDLE": "12"}, false, "MAILLAGE_SESSION_IDLE"},
		{"session max too short", map[string]string{"MAILLAGE_SESSION_MAX": "30s"}, false, "MAILLAGE_SESSION_MAX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range valid {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := config.Load(func(k string) string { return env[k] }, config.Options{LocalServices: tt.local})
			if tt.wantVar == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if cfg.BaseURL == nil || cfg.Addr == "" {
					t.Fatalf("incomplete config: %+v", cfg)
				}
				return
			}
			var ps config.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("want config.Problems naming %s, got %v", tt.wantVar, err)
			}
			if !strings.Contains(err.Error(), tt.wantVar+" must be") {
				t.Fatalf("error does not name %s with what it expects: %v", tt.wantVar, err)
			}
		})
	}
}

func TestLoadRedactsPassword(t *testing.T) {
	_, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": "mysql://bob:secret@h/db", "MEILI_URL": "http://m", "MEILI_MASTER_KEY": "0123456789abcdef"}[k]
	}, config.Options{})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("want an error without the password, got %v", err)
	}
}

// TestBaseURLIsThePrintedAddress: with MAILLAGE_ADDR=127.0.0.1:8201 and no
// base URL, forms sent from http://127.0.0.1:8201 (what the portal prints)
// must pass the origin check: the base URL is that address (issue 10, item 11).
func TestBaseURLIsThePrintedAddress(t *testing.T) {
	for addr, want := range map[string]string{"127.0.0.1:8201": "http://127.0.0.1:8201", "[::1]:8202": "http://[::1]:8202", ":8203": "http://localhost:8203"} {
		cfg, err := config.Load(func(k string) string { return map[string]string{"MAILLAGE_ADDR": addr}[k] }, config.Options{LocalServices: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.BaseURL.String(); got != want {
			t.Errorf("MAILLAGE_ADDR=%s: base url %q, want %q", addr, got, want)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"MAILLAGE_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16"}[k]
	}, config.Options{LocalServices: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"10.0.0.1", "192.168.0.0/16"}, cfg.TrustedProxies); diff != "" {
		t.Fatal(diff)
	}
	if _, err := config.Load(func(k string) string { return map[string]string{"MAILLAGE_TRUSTED_PROXIES": "partout"}[k] }, config.Options{LocalServices: true}); err == nil || !strings.Contains(err.Error(), "MAILLAGE_TRUSTED_PROXIES") {
		t.Fatalf("a bad proxy list was accepted: %v", err)
	}
}

func TestBaseURLDefaultsToListenPort(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"MAILLAGE_ADDR": "0.0.0.0:9123"}[k]
	}, config.Options{LocalServices: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.BaseURL.String(); got != "http://localhost:9123" {
		t.Fatalf("base url %q", got)
	}
	if !cfg.Demo {
		t.Fatal("run with local services loads demo data by default")
	}
}

func TestLoadSignIn(t *testing.T) {
	env := map[string]string{
		"MAILLAGE_OIDC_ISSUER":          proConnect + "/",
		"MAILLAGE_OIDC_CLIENT_ID":       "maillage-client",
		"MAILLAGE_OIDC_CLIENT_SECRET":   "s3cret",
		"MAILLAGE_OIDC_SCOPES":          "openid,email  given_name, usual_name siret",
		"MAILLAGE_OIDC_ACR_VALUES":      "eidas1",
		"MAILLAGE_GITHUB_CLIENT_ID":     "Iv1.abc",
		"MAILLAGE_GITHUB_CLIENT_SECRET": "gh-secret",
		"MAILLAGE_SMTP_URL":             "smtp://u:p@smtp.exemple.fr:587",
		"MAILLAGE_ADMIN_EMAILS":         " Chef@Exemple.fr, adjoint@exemple.fr ,",
		"MAILLAGE_SESSION_IDLE":         "2h",
		"MAILLAGE_SESSION_MAX":          "168h",
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, config.Options{LocalServices: true})
	if err != nil {
		t.Fatal(err)
	}
	wantOIDC := config.OIDCConfig{Issuer: proConnect, ClientID: "maillage-client", ClientSecret: "s3cret",
		Scopes: []string{"openid", "email", "given_name", "usual_name", "siret"}, Label: "ProConnect", AcrValues: "eidas1", TrustEmail: true}
	if diff := cmp.Diff(wantOIDC, cfg.OIDC); diff != "" {
		t.Fatalf("OIDC (-want +got):\n%s", diff)
	}
	if !cfg.OIDC.Enabled() || !cfg.GitHub.Enabled() || cfg.Google.Enabled() {
		t.Fatalf("enabled providers: oidc %v github %v google %v", cfg.OIDC.Enabled(), cfg.GitHub.Enabled(), cfg.Google.Enabled())
	}
	if cfg.SMTPURL == nil || cfg.SMTPURL.Host != "smtp.exemple.fr:587" {
		t.Fatalf("SMTP URL %v", cfg.SMTPURL)
	}
	if diff := cmp.Diff([]string{"chef@exemple.fr", "adjoint@exemple.fr"}, cfg.AdminEmails); diff != "" {
		t.Fatalf("admin e-mails (-want +got):\n%s", diff)
	}
	if cfg.SessionIdle != 2*time.Hour || cfg.SessionMax != 7*24*time.Hour {
		t.Fatalf("sessions idle %v max %v", cfg.SessionIdle, cfg.SessionMax)
	}
}

func TestLoadSignInDefaults(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" }, config.Options{LocalServices: true})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OIDC.Enabled() || cfg.GitHub.Enabled() || cfg.Google.Enabled() || cfg.SMTPURL != nil || len(cfg.AdminEmails) != 0 {
		t.Fatalf("sign-in configured by default: %+v", cfg)
	}
	if diff := cmp.Diff([]string{"openid", "email", "profile"}, cfg.OIDC.Scopes); diff != "" {
		t.Fatalf("default scopes (-want +got):\n%s", diff)
	}
	if cfg.SessionIdle != 12*time.Hour || cfg.SessionMax != 30*24*time.Hour || cfg.MailFrom != "Maillage <ne-pas-repondre@localhost>" {
		t.Fatalf("defaults: idle %v max %v from %q", cfg.SessionIdle, cfg.SessionMax, cfg.MailFrom)
	}
}
