package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"

	"maillage/internal/app"
	"maillage/internal/config"
	"maillage/internal/testenv"
	"maillage/internal/web/kit"
)

// The OpenID provider of these tests is zitadel/oidc's example OP: its
// in-memory storage, its username/password login page, its discovery,
// authorization, token, userinfo, JWKS and end-session endpoints, served
// over HTTP on a loopback port. Only the client and the users are ours.
const (
	opClientID     = "maillage"
	opClientSecret = "secret-du-portail"
	opPassword     = "mot-de-passe"
)

// testOP is a running OpenID provider.
type testOP struct {
	Issuer string
	// forge, when set, re-signs the ID tokens of the token endpoint with a
	// key the provider never published (the claims are left as they are).
	forge atomic.Bool
	keys  *opKeys

	mu       sync.Mutex
	requests []opRequest // every request the provider answered, in order
}

// opRequest is one request the provider received.
type opRequest struct {
	Path  string
	Query url.Values
}

// Paths of the provider's endpoints.
const (
	opUserinfo   = "/userinfo"
	opEndSession = "/end_session"
	opKeysPath   = "/keys"
)

// calls returns the queries of the requests the provider received on path.
func (o *testOP) calls(path string) []url.Values {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []url.Values
	for _, r := range o.requests {
		if r.Path == path {
			out = append(out, r.Query)
		}
	}
	return out
}

func (o *testOP) record(r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, opRequest{Path: r.URL.Path, Query: r.URL.Query()})
}

// rotate makes the provider sign with a new key and publish only that one
// (the old key is withdrawn at once, the hardest case for a client). With
// sameID the new key keeps the old key id.
func (o *testOP) rotate(t *testing.T, sameID bool) {
	t.Helper()
	k := newOPKey(t)
	o.keys.mu.Lock()
	defer o.keys.mu.Unlock()
	if sameID {
		k.id = o.keys.current.id
	}
	o.keys.current = k
}

// opKeys is the provider's signing key, which tests may rotate.
type opKeys struct {
	mu      sync.Mutex
	current *opKey
}

// opKey is both the private signing key (op.SigningKey) and, through
// opPublicKey, the published one (op.Key).
type opKey struct {
	id  string
	key *rsa.PrivateKey
}

func newOPKey(t *testing.T) *opKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &opKey{id: "cle-" + randomHex(4), key: key}
}

func (k *opKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *opKey) Key() any                                    { return k.key }
func (k *opKey) ID() string                                  { return k.id }

type opPublicKey struct{ *opKey }

func (k opPublicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k opPublicKey) Use() string                        { return "sig" }
func (k opPublicKey) Key() any                           { return &k.key.PublicKey }

// opUsers is the provider's user store.
type opUsers map[string]*storage.User

func (u opUsers) GetUserByID(id string) *storage.User { return u[id] }
func (u opUsers) ExampleClientID() string             { return "service" }
func (u opUsers) GetUserByUsername(name string) *storage.User {
	for _, x := range u {
		if x.Username == name {
			return x
		}
	}
	return nil
}

// opStorage is the example storage, with the portal's sign-out return
// address registered for the client (the example's clients have none) and
// a signing key that tests can rotate.
type opStorage struct {
	*storage.Storage
	postLogout []string
	keys       *opKeys
}

func (s opStorage) SigningKey(context.Context) (op.SigningKey, error) {
	s.keys.mu.Lock()
	defer s.keys.mu.Unlock()
	return s.keys.current, nil
}

func (s opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s opStorage) KeySet(context.Context) ([]op.Key, error) {
	s.keys.mu.Lock()
	defer s.keys.mu.Unlock()
	return []op.Key{opPublicKey{s.keys.current}}, nil
}

func (s opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return logoutClient{c, s.postLogout}, nil
}

type logoutClient struct {
	op.Client
	uris []string
}

func (c logoutClient) PostLogoutRedirectURIs() []string { return c.uris }

// startOP starts the provider with one confidential web client whose
// redirect URI is the portal's callback.
func startOP(t *testing.T, callback, postLogout string, users opUsers) *testOP {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	o := &testOP{Issuer: "http://" + srv.Listener.Addr().String(), keys: &opKeys{current: newOPKey(t)}}
	clients := map[string]*storage.Client{opClientID: storage.WebClient(opClientID, opClientSecret, callback)}
	st := opStorage{storage.NewStorageWithClients(users, clients), []string{postLogout}, o.keys}
	router := exampleop.SetupServer(o.Issuer, st, nil, false)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.record(r)
		if r.URL.Path != "/oauth/token" || !o.forge.Load() {
			router.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, r)
		forged, err := resignIDToken(rec.Body.Bytes(), otherKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(forged)
	})
	srv.Start()
	t.Cleanup(srv.Close)
	return o
}

// resignIDToken signs the ID token of a token response again, same header
// key id and same claims, with another key.
func resignIDToken(body []byte, key *rsa.PrivateKey) ([]byte, error) {
	var resp map[string]any
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, err
	}
	raw, _ := resp["id_token"].(string)
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: jws.Signatures[0].Header.KeyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, err
	}
	obj, err := signer.Sign(jws.UnsafePayloadWithoutVerification())
	if err != nil {
		return nil, err
	}
	if resp["id_token"], err = obj.CompactSerialize(); err != nil {
		return nil, err
	}
	return json.Marshal(resp)
}

// oidcPortal is the whole portal, listening on a loopback port, with the
// test OP as its OpenID Connect provider ("ProConnect").
type oidcPortal struct {
	URL   string
	App   *app.App
	OP    *testOP
	Users opUsers // by short name: "camille", "dominique", "sacha"
	Logs  *logBuffer
}

// newOIDCPortal starts the OP and the portal; configure may change the
// portal's configuration before it is wired.
func newOIDCPortal(t *testing.T, configure ...func(*config.Config)) *oidcPortal {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &oidcPortal{URL: "http://" + ln.Addr().String(), Logs: &logBuffer{}}
	// Subjects and addresses are new for every portal: the package database
	// is shared by the tests of the package.
	suffix := randomHex(4)
	p.Users = opUsers{}
	for _, u := range []struct {
		key, first, last string
		verified         bool
	}{
		{"camille", "Camille", "Martin", true},
		{"dominique", "Dominique", "Bernard", true},
		{"sacha", "Sacha", "Petit", false}, // the OP does not vouch for this address
	} {
		p.Users[u.key] = &storage.User{
			ID: "sub-" + u.key + "-" + suffix, Username: u.key + "-" + suffix, Password: opPassword,
			FirstName: u.first, LastName: u.last, Email: u.key + "." + suffix + "@exemple.fr", EmailVerified: u.verified,
		}
	}
	store := opUsers{}
	for _, u := range p.Users {
		store[u.ID] = u
	}
	p.OP = startOP(t, p.URL+"/auth/oidc/callback", p.URL+"/", store)

	cfg := testenv.Get(t).Config(t)
	if cfg.BaseURL, err = url.Parse(p.URL); err != nil {
		t.Fatal(err)
	}
	cfg.OIDC = config.OIDCConfig{Issuer: p.OP.Issuer, ClientID: opClientID, ClientSecret: opClientSecret,
		Scopes: []string{"openid", "email", "profile"}, Label: "ProConnect", TrustEmail: true}
	for _, f := range configure {
		f(cfg)
	}
	log := slog.New(slog.NewTextHandler(p.Logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	p.App, err = app.Open(context.Background(), cfg, log, app.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.App.Close() })
	go func() { _ = p.App.Web.App().Listener(ln) }()
	t.Cleanup(func() { _ = p.App.Web.App().ShutdownWithTimeout(5 * time.Second) })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("portal log:\n%s", p.Logs)
		}
	})
	// Every test starts with fresh sign-in counters (the rate limits are
	// per IP, and every browser here is 127.0.0.1).
	p.exec(t, "DELETE FROM rate_limits")
	return p
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (p *oidcPortal) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := p.App.DB.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func (p *oidcPortal) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := p.App.DB.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (p *oidcPortal) sessions(t *testing.T) int { return p.count(t, "SELECT count(*) FROM sessions") }

// authorize starts a sign-in at the portal, signs in on the OP's login page
// as user, and returns the portal callback URL the OP sends the browser to
// (not opened yet).
func (p *oidcPortal) authorize(t *testing.T, b *browser, user string) string {
	t.Helper()
	pg := b.get(p.URL + "/auth/oidc")
	if pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.location(), p.OP.Issuer+"/auth?") {
		t.Fatalf("GET /auth/oidc: %d to %q, want 303 to the OP", pg.Status, pg.location())
	}
	q := pg.locationURL().Query()
	for _, k := range []string{"state", "nonce", "code_challenge", "client_id", "redirect_uri"} {
		if q.Get(k) == "" {
			t.Errorf("authorization URL has no %s: %s", k, pg.location())
		}
	}
	if q.Get("code_challenge_method") != "S256" {
		t.Errorf("code_challenge_method = %q, want S256", q.Get("code_challenge_method"))
	}
	login := b.follow(pg)
	action, fields := parseForm(t, login)
	fields.Set("username", p.Users[user].Username)
	fields.Set("password", opPassword)
	return b.followUntil(b.post(action, fields), p.URL+"/auth/oidc/callback")
}

// signIn does a whole OpenID Connect sign-in and returns the callback answer.
func (p *oidcPortal) signIn(t *testing.T, b *browser, user string) *page {
	t.Helper()
	return b.get(p.authorize(t, b, user))
}

// requestLink asks for a sign-in link for email and returns its token, read
// from the development mailbox.
func (p *oidcPortal) requestLink(t *testing.T, b *browser, email string) string {
	t.Helper()
	b.get(p.URL + "/connexion")
	pg := b.post(p.URL+"/connexion/email", url.Values{"email": {email}, "_csrf": {b.csrf(p.URL)}})
	if pg.Status != http.StatusSeeOther || pg.location() != p.URL+"/connexion/email/envoye" && pg.location() != "/connexion/email/envoye" {
		t.Fatalf("POST /connexion/email: %d to %q\n%s", pg.Status, pg.location(), pg.Body)
	}
	var body string
	if err := p.App.DB.NewRaw("SELECT body FROM mails WHERE recipient = ? ORDER BY id DESC LIMIT 1", email).Scan(context.Background(), &body); err != nil {
		t.Fatalf("no mail for %s: %v", email, err)
	}
	m := regexp.MustCompile(`/connexion/email/verifier\?jeton=(\S+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no sign-in link in the mail:\n%s", body)
	}
	token, err := url.QueryUnescape(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// useLink opens the link, then presses the confirmation button.
func (p *oidcPortal) useLink(t *testing.T, b *browser, token string) (confirm, verify *page) {
	t.Helper()
	confirm = b.get(p.URL + "/connexion/email/verifier?jeton=" + url.QueryEscape(token))
	verify = b.post(p.URL+"/connexion/email/verifier", url.Values{"jeton": {token}, "_csrf": {b.csrf(p.URL)}})
	return confirm, verify
}

// browser is an HTTP client with a cookie jar that shows every redirect.
type browser struct {
	t   *testing.T
	jar *cookiejar.Jar
	hc  *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, jar: jar, hc: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer.
type page struct {
	URL    *url.URL
	Status int
	Header http.Header
	Body   string // HTML entities decoded
}

func (p *page) locationURL() *url.URL {
	u, err := p.URL.Parse(p.Header.Get("Location"))
	if err != nil {
		return &url.URL{}
	}
	return u
}

func (p *page) location() string {
	if p.Header.Get("Location") == "" {
		return ""
	}
	return p.locationURL().String()
}

// setCookie returns the value the answer set for a cookie, and whether it
// set it at all.
func (p *page) setCookie(name string) (string, bool) {
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{URL: req.URL, Status: resp.StatusCode, Header: resp.Header, Body: html.UnescapeString(string(body))}
}

func (b *browser) get(target string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(target string, form url.Values) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// follow follows redirects to the first page that is not one.
func (b *browser) follow(p *page) *page {
	b.t.Helper()
	for i := 0; p.Status >= 300 && p.Status < 400; i++ {
		if i == 10 {
			b.t.Fatalf("too many redirects, last to %s", p.location())
		}
		p = b.get(p.location())
	}
	return p
}

// followUntil follows redirects until the next one goes to prefix, and
// returns that address without opening it.
func (b *browser) followUntil(p *page, prefix string) string {
	b.t.Helper()
	for i := 0; i < 10; i++ {
		if p.Status < 300 || p.Status >= 400 {
			b.t.Fatalf("%s answered %d before reaching %s:\n%s", p.URL, p.Status, prefix, p.Body)
		}
		if next := p.location(); strings.HasPrefix(next, prefix) {
			return next
		}
		p = b.get(p.location())
	}
	b.t.Fatalf("too many redirects before %s", prefix)
	return ""
}

// csrf returns the token a form of this browser must echo: bound to its
// session when signed in, else its CSRF cookie.
func (b *browser) csrf(base string) string {
	if s := b.cookie(base, "maillage_session"); s != "" {
		return kit.SessionCSRF(s)
	}
	return b.cookie(base, "maillage_csrf")
}

func (b *browser) cookie(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

var (
	formRe  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	inputRe = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	attrRe  = regexp.MustCompile(`(?is)\b(action|name|value)="([^"]*)"`)
)

// parseForm reads the first form of a page: its absolute action and the
// values of its inputs.
func parseForm(t *testing.T, p *page) (string, url.Values) {
	t.Helper()
	m := formRe.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("%s (%d) has no form:\n%s", p.URL, p.Status, p.Body)
	}
	action := ""
	for _, a := range attrRe.FindAllStringSubmatch(m[1], -1) {
		if strings.EqualFold(a[1], "action") {
			action = a[2]
		}
	}
	u, err := p.URL.Parse(action)
	if err != nil {
		t.Fatal(err)
	}
	fields := url.Values{}
	for _, in := range inputRe.FindAllStringSubmatch(m[2], -1) {
		var name, value string
		for _, a := range attrRe.FindAllStringSubmatch(in[1], -1) {
			switch strings.ToLower(a[1]) {
			case "name":
				name = a[2]
			case "value":
				value = a[2]
			}
		}
		if name != "" {
			fields.Set(name, value)
		}
	}
	return u.String(), fields
}

// logBuffer keeps what the portal logged.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// mark returns the current end of the log, for lineSince.
func (l *logBuffer) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Len()
}

// line reports whether one logged line holds every part.
func (l *logBuffer) line(parts ...string) bool { return l.lineSince(0, parts...) }

// lineSince reports whether one line logged after mark holds every part.
func (l *logBuffer) lineSince(mark int, parts ...string) bool {
	for _, ln := range strings.Split(l.String()[mark:], "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(ln, p)
		}
		if all {
			return true
		}
	}
	return false
}
