// Package config reads the portal's configuration from the environment only
// and validates it at start-up. Every problem names the variable and what it
// expects.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of a portal process.
type Config struct {
	Env             string // "development" or "production"
	Addr            string // listen address host:port
	BaseURL         *url.URL
	DatabaseURL     string
	MeiliURL        string
	MeiliKey        string
	IndexPrefix     string
	DataDir         string // where `maillage run` keeps local services
	LogLevel        slog.Level
	Demo            bool // load demo data on an empty database
	ShutdownTimeout time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (IPs or CIDR ranges); empty: the socket address is the client.
	TrustedProxies []string
	// TileURL is the template of a web map tile server
	// (https://…/{z}/{x}/{y}.png): maps then show its tiles under the SVG
	// (web/static/js/carte.js); nil: the SVG alone. TileAttribution is the
	// credit the tile provider asks for (shown under the map).
	TileURL         *url.URL
	TileAttribution string

	// SearchCache is how many search answers each portal instance keeps
	// (MAILLAGE_SEARCH_CACHE, default 2000; 0 turns the cache off). An
	// answer is used only while no change has reached the indexes since it
	// was made (internal/search/cache.go).
	SearchCache int

	// FilesDir is where uploaded files (CVs of applications) are kept,
	// outside the web root; only the services that own them serve them
	// (MAILLAGE_FILES_DIR, default <MAILLAGE_DATA_DIR>/files).
	FilesDir string

	// Sign-in.
	OIDC        OIDCConfig
	GitHub      OAuthApp
	Google      OAuthApp
	SMTPURL     *url.URL // nil: mails go to the development mailbox
	MailFrom    string
	AdminEmails []string // get the administrateur role when they sign in
	SessionIdle time.Duration
	SessionMax  time.Duration
}

// OIDCConfig configures the OpenID Connect provider (ProConnect or any OP).
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
	Scopes                         []string
	Label                          string
	AcrValues                      string
	TrustEmail                     bool // the OP only releases verified e-mails (ProConnect)
}

// Enabled reports whether the provider is configured.
func (o OIDCConfig) Enabled() bool { return o.Issuer != "" }

// OAuthApp is a client id and secret of a goth provider.
type OAuthApp struct{ ClientID, ClientSecret string }

// Enabled reports whether both values are set.
func (o OAuthApp) Enabled() bool { return o.ClientID != "" && o.ClientSecret != "" }

// LoopbackOnly reports whether the portal listens on a loopback address
// only (127.0.0.1, ::1, localhost): nobody else on the network reaches it.
func (c *Config) LoopbackOnly() bool {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Production reports whether the portal runs in production mode.
func (c *Config) Production() bool { return c.Env == "production" }

// Problem is one invalid variable.
type Problem struct {
	Var, Expect, Got string
}

func (p Problem) String() string {
	if p.Got == "" {
		return fmt.Sprintf("%s must be %s", p.Var, p.Expect)
	}
	return fmt.Sprintf("%s must be %s (got %q)", p.Var, p.Expect, p.Got)
}

// Problems is returned by Load when some variables are invalid.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return "invalid configuration:\n  " + strings.Join(lines, "\n  ")
}

// Options tell Load what the calling command needs.
type Options struct {
	// LocalServices is true for `maillage run`: DATABASE_URL and MEILI_URL
	// may be missing because local services will be started.
	LocalServices bool
}

// Load reads and validates the environment through getenv (os.Getenv when nil).
func Load(getenv func(string) string, opts Options) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var ps Problems
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := &Config{}

	c.Env = get("MAILLAGE_ENV", "development")
	if c.Env != "development" && c.Env != "production" {
		ps = append(ps, Problem{"MAILLAGE_ENV", `"development" or "production"`, c.Env})
	}

	c.Addr = get("MAILLAGE_ADDR", "127.0.0.1:8080")
	if host, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		ps = append(ps, Problem{"MAILLAGE_ADDR", "a listen address host:port such as 127.0.0.1:8080 or :8080", c.Addr})
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		ps = append(ps, Problem{"MAILLAGE_ADDR", "a listen address whose port is a number from 0 to 65535", c.Addr})
	} else {
		_ = host
	}

	// The default base URL is the address the portal prints when it starts,
	// so a form sent from that very address passes the origin check.
	defBase := "http://127.0.0.1:8080"
	if host, port, err := net.SplitHostPort(c.Addr); err == nil && port != "" {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		defBase = "http://" + net.JoinHostPort(host, port)
	}
	base := get("MAILLAGE_BASE_URL", defBase)
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		ps = append(ps, Problem{"MAILLAGE_BASE_URL", "an absolute http(s) URL such as https://maillage.example.fr", base})
	} else {
		u.Path = strings.TrimRight(u.Path, "/")
		c.BaseURL = u
	}

	c.DatabaseURL = get("DATABASE_URL", "")
	if c.DatabaseURL == "" {
		if !opts.LocalServices {
			ps = append(ps, Problem{"DATABASE_URL", "a PostgreSQL URL such as postgres://user:password@host:5432/maillage?sslmode=disable", ""})
		}
	} else if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Path == "" || u.Path == "/" {
		ps = append(ps, Problem{"DATABASE_URL", "a PostgreSQL URL postgres://user:password@host:port/dbname", redact(c.DatabaseURL)})
	}

	c.MeiliURL = get("MEILI_URL", "")
	c.MeiliKey = get("MEILI_MASTER_KEY", "")
	if c.MeiliURL == "" {
		if !opts.LocalServices {
			ps = append(ps, Problem{"MEILI_URL", "the Meilisearch URL such as http://127.0.0.1:7700", ""})
		}
	} else {
		if u, err := url.Parse(c.MeiliURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps = append(ps, Problem{"MEILI_URL", "an absolute http(s) URL such as http://127.0.0.1:7700", c.MeiliURL})
		}
		if len(c.MeiliKey) < 16 {
			ps = append(ps, Problem{"MEILI_MASTER_KEY", "the Meilisearch master key (at least 16 bytes) when MEILI_URL is set", ""})
		}
	}

	c.IndexPrefix = get("MEILI_INDEX_PREFIX", "maillage_")
	for _, r := range c.IndexPrefix {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r >= 'A' && r <= 'Z') {
			ps = append(ps, Problem{"MEILI_INDEX_PREFIX", "letters, digits, '-' or '_' only", c.IndexPrefix})
			break
		}
	}

	c.DataDir = get("MAILLAGE_DATA_DIR", ".data")
	c.FilesDir = get("MAILLAGE_FILES_DIR", filepath.Join(c.DataDir, "files"))

	switch lvl := strings.ToLower(get("MAILLAGE_LOG_LEVEL", "info")); lvl {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		ps = append(ps, Problem{"MAILLAGE_LOG_LEVEL", "one of debug, info, warn, error", lvl})
	}

	demo := get("MAILLAGE_DEMO", "")
	switch demo {
	case "":
		c.Demo = opts.LocalServices
	case "1", "true", "yes":
		c.Demo = true
	case "0", "false", "no":
		c.Demo = false
	default:
		ps = append(ps, Problem{"MAILLAGE_DEMO", "true or false", demo})
	}

	c.ShutdownTimeout = 10 * time.Second
	c.SearchCache = 2000
	if v := get("MAILLAGE_SEARCH_CACHE", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			ps = append(ps, Problem{"MAILLAGE_SEARCH_CACHE", "a number of answers between 0 and 1000000", v})
		} else {
			c.SearchCache = n
		}
	}

	if v := get("MAILLAGE_SHUTDOWN_TIMEOUT", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			ps = append(ps, Problem{"MAILLAGE_SHUTDOWN_TIMEOUT", "a positive Go duration such as 10s", v})
		} else {
			c.ShutdownTimeout = d
		}
	}

	for _, p := range strings.Split(get("MAILLAGE_TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				ps = append(ps, Problem{"MAILLAGE_TRUSTED_PROXIES", "a comma-separated list of proxy IP addresses or CIDR ranges such as 10.0.0.1,10.0.1.0/24", p})
				continue
			}
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}

	if v := get("MAILLAGE_TILE_URL", ""); v != "" {
		u, err := url.Parse(v)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, "{}") ||
			!strings.Contains(v, "{z}") || !strings.Contains(v, "{x}") || !strings.Contains(v, "{y}") || u.User != nil:
			ps = append(ps, Problem{"MAILLAGE_TILE_URL", "a tile URL template with {z}, {x} and {y}, such as https://tile.example.org/{z}/{x}/{y}.png", v})
		case c.Env == "production" && u.Scheme != "https":
			ps = append(ps, Problem{"MAILLAGE_TILE_URL", "an https tile URL in production", v})
		default:
			c.TileURL = u
		}
	}
	c.TileAttribution = get("MAILLAGE_TILE_ATTRIBUTION", "")
	if c.TileURL != nil && c.TileAttribution == "" {
		ps = append(ps, Problem{"MAILLAGE_TILE_ATTRIBUTION", "the credit the tile provider asks for, such as « © les contributeurs d'OpenStreetMap », when MAILLAGE_TILE_URL is set", ""})
	}

	ps = append(ps, loadAuth(c, get)...)

	if c.Env == "production" && c.BaseURL != nil && c.BaseURL.Scheme != "https" {
		ps = append(ps, Problem{"MAILLAGE_BASE_URL", "an https URL in production", base})
	}

	if len(ps) > 0 {
		return nil, ps
	}
	return c, nil
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func loadAuth(c *Config, get func(k, def string) string) Problems {
	var ps Problems
	c.OIDC.Issuer = strings.TrimRight(get("MAILLAGE_OIDC_ISSUER", ""), "/")
	c.OIDC.ClientID = get("MAILLAGE_OIDC_CLIENT_ID", "")
	c.OIDC.ClientSecret = get("MAILLAGE_OIDC_CLIENT_SECRET", "")
	c.OIDC.Scopes = strings.Fields(strings.ReplaceAll(get("MAILLAGE_OIDC_SCOPES", "openid email profile"), ",", " "))
	c.OIDC.Label = get("MAILLAGE_OIDC_LABEL", "ProConnect")
	c.OIDC.AcrValues = get("MAILLAGE_OIDC_ACR_VALUES", "")
	switch v := get("MAILLAGE_OIDC_TRUST_EMAIL", "true"); v {
	case "true", "1", "yes":
		c.OIDC.TrustEmail = true
	case "false", "0", "no":
	default:
		ps = append(ps, Problem{"MAILLAGE_OIDC_TRUST_EMAIL", "true or false", v})
	}
	if c.OIDC.Issuer != "" {
		if u, err := url.Parse(c.OIDC.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ps = append(ps, Problem{"MAILLAGE_OIDC_ISSUER", "the issuer URL of the OpenID provider, e.g. https://auth.agentconnect.gouv.fr/api/v2", c.OIDC.Issuer})
		}
		if c.OIDC.ClientID == "" {
			ps = append(ps, Problem{"MAILLAGE_OIDC_CLIENT_ID", "the client id given by the OpenID provider when MAILLAGE_OIDC_ISSUER is set", ""})
		}
		if c.OIDC.ClientSecret == "" {
			ps = append(ps, Problem{"MAILLAGE_OIDC_CLIENT_SECRET", "the client secret given by the OpenID provider when MAILLAGE_OIDC_ISSUER is set", ""})
		}
	}
	c.GitHub = OAuthApp{get("MAILLAGE_GITHUB_CLIENT_ID", ""), get("MAILLAGE_GITHUB_CLIENT_SECRET", "")}
	if (c.GitHub.ClientID == "") != (c.GitHub.ClientSecret == "") {
		ps = append(ps, Problem{"MAILLAGE_GITHUB_CLIENT_SECRET", "set together with MAILLAGE_GITHUB_CLIENT_ID (both or neither)", ""})
	}
	c.Google = OAuthApp{get("MAILLAGE_GOOGLE_CLIENT_ID", ""), get("MAILLAGE_GOOGLE_CLIENT_SECRET", "")}
	if (c.Google.ClientID == "") != (c.Google.ClientSecret == "") {
		ps = append(ps, Problem{"MAILLAGE_GOOGLE_CLIENT_SECRET", "set together with MAILLAGE_GOOGLE_CLIENT_ID (both or neither)", ""})
	}
	if v := get("MAILLAGE_SMTP_URL", ""); v != "" {
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
			ps = append(ps, Problem{"MAILLAGE_SMTP_URL", "an SMTP URL smtp://user:password@host:587", redact(v)})
		} else {
			c.SMTPURL = u
		}
	} else if c.Env == "production" {
		ps = append(ps, Problem{"MAILLAGE_SMTP_URL", "set in production (sign-in links are sent by e-mail), e.g. smtp://user:password@smtp.example.fr:587", ""})
	}
	host := "localhost"
	if c.BaseURL != nil {
		host = c.BaseURL.Hostname()
		if net.ParseIP(host) != nil {
			host = "localhost" // an address is no mail domain
		}
	}
	c.MailFrom = get("MAILLAGE_MAIL_FROM", "Maillage <ne-pas-repondre@"+host+">")
	for _, e := range strings.Split(get("MAILLAGE_ADMIN_EMAILS", ""), ",") {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			// Only the bare address can match the one a person signs in
			// with; a list written with semicolons would silently match nobody.
			if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
				ps = append(ps, Problem{"MAILLAGE_ADMIN_EMAILS", "a comma-separated list of e-mail addresses", e})
				continue
			}
			c.AdminEmails = append(c.AdminEmails, e)
		}
	}
	for _, d := range []struct {
		name string
		def  time.Duration
		dst  *time.Duration
	}{{"MAILLAGE_SESSION_IDLE", 12 * time.Hour, &c.SessionIdle}, {"MAILLAGE_SESSION_MAX", 30 * 24 * time.Hour, &c.SessionMax}} {
		*d.dst = d.def
		if v := get(d.name, ""); v != "" {
			dur, err := time.ParseDuration(v)
			if err != nil || dur < time.Minute {
				ps = append(ps, Problem{d.name, "a Go duration of at least 1m such as 12h", v})
			} else {
				*d.dst = dur
			}
		}
	}
	return ps
}
