package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/github"
	"github.com/markbates/goth/providers/google"
	"github.com/markbates/goth/providers/openidConnect"

	"maillage/internal/maillage"
)

// Provider is a configured way to sign in through goth.
type Provider struct {
	ID    string // in URLs: /auth/{ID}
	Label string // on the sign-in page

	mu      sync.Mutex
	build   func(ctx context.Context) (goth.Provider, error)
	gp      goth.Provider
	oidc    *oidcMeta // nil for plain OAuth2 providers
	trustEm bool
	extra   map[string]string // extra authorization parameters (acr_values…)
}

// OIDCOptions configure an OpenID Connect provider.
type OIDCOptions struct {
	ID, Label              string
	Issuer                 string
	ClientID, ClientSecret string
	CallbackURL            string
	Scopes                 []string
	AcrValues              string
	TrustEmail             bool
	HTTPClient             *http.Client
}

// NewOIDCProvider returns an OpenID Connect provider. Discovery happens on
// first use (and is retried while the provider cannot be reached), so the
// portal starts even when the provider is down.
func NewOIDCProvider(o OIDCOptions) *Provider {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	meta := &oidcMeta{issuer: o.Issuer, clientID: o.ClientID, hc: o.HTTPClient}
	p := &Provider{ID: o.ID, Label: o.Label, oidc: meta, trustEm: o.TrustEmail, extra: map[string]string{}}
	if o.AcrValues != "" {
		p.extra["acr_values"] = o.AcrValues
	}
	p.build = func(ctx context.Context) (goth.Provider, error) {
		if err := meta.discover(ctx); err != nil {
			return nil, err
		}
		gp, err := openidConnect.NewCustomisedURL(o.ClientID, o.ClientSecret, o.CallbackURL,
			meta.doc.AuthorizationEndpoint, meta.doc.TokenEndpoint, meta.doc.Issuer, meta.doc.UserinfoEndpoint, meta.doc.EndSessionEndpoint, o.Scopes...)
		if err != nil {
			return nil, err
		}
		gp.SetName(o.ID)
		// ProConnect answers userinfo as a signed JWT: the transport checks
		// its signature and hands goth the JSON claims.
		gp.HTTPClient = &http.Client{Timeout: o.HTTPClient.Timeout, Transport: &userinfoJWT{base: transportOf(o.HTTPClient), meta: meta}}
		return gp, nil
	}
	return p
}

func transportOf(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// NewGitHubProvider returns the GitHub provider (goth).
func NewGitHubProvider(key, secret, callback string) *Provider {
	return &Provider{ID: "github", Label: "GitHub", build: func(context.Context) (goth.Provider, error) {
		return github.New(key, secret, callback, "read:user", "user:email"), nil
	}}
}

// NewGoogleProvider returns the Google provider (goth).
func NewGoogleProvider(key, secret, callback string) *Provider {
	return &Provider{ID: "google", Label: "Google", build: func(context.Context) (goth.Provider, error) {
		return google.New(key, secret, callback, "openid", "email", "profile"), nil
	}}
}

func (p *Provider) provider(ctx context.Context) (goth.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gp != nil {
		return p.gp, nil
	}
	gp, err := p.build(ctx)
	if err != nil {
		return nil, maillage.Wrap(maillage.EUNAVAILABLE, err, "account.signin.provider_down", "Provider", p.Label)
	}
	p.gp = gp
	return gp, nil
}

// EndSessionURL returns the provider's logout URL for an ID token, or "".
func (p *Provider) EndSessionURL(ctx context.Context, idToken, postLogout string) string {
	if p.oidc == nil || idToken == "" {
		return ""
	}
	if _, err := p.provider(ctx); err != nil || p.oidc.doc.EndSessionEndpoint == "" {
		return ""
	}
	v := url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {postLogout}, "state": {maillage.RandomToken(16)}}
	return p.oidc.doc.EndSessionEndpoint + sep(p.oidc.doc.EndSessionEndpoint) + v.Encode()
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// FlowTTL is how long a started sign-in may wait for the provider.
const FlowTTL = 10 * time.Minute

// Begin starts a sign-in: it stores the flow (state, nonce, PKCE verifier)
// and returns the provider URL and the state, which the caller also puts in
// a short-lived cookie to bind the flow to this browser.
func (s *Service) Begin(ctx context.Context, providerID, returnTo, ip string) (authURL, state string, err error) {
	p, err := s.Provider(providerID)
	if err != nil {
		s.log.Warn("sign-in refused", "reason", "unknown provider", "provider", providerID, "ip", ip)
		return "", "", err
	}
	if err := s.RateLimit(ctx, "signin-ip:"+ip, LimitSignInPerIP); err != nil {
		return "", "", err
	}
	gp, err := p.provider(ctx)
	if err != nil {
		return "", "", err
	}
	state = maillage.RandomToken(32)
	gs, err := gp.BeginAuth(state)
	if err != nil {
		return "", "", err
	}
	authURL, err = gs.GetAuthURL()
	if err != nil {
		return "", "", err
	}
	flow := &maillage.AuthFlow{StateHash: maillage.HashToken(state), Provider: p.ID, GothSession: gs.Marshal(), ReturnTo: safeReturn(returnTo), ExpiresAt: time.Now().Add(FlowTTL)}
	if p.oidc != nil {
		flow.Nonce = maillage.RandomToken(24)
		flow.CodeVerifier = maillage.RandomToken(48)
		sum := sha256.Sum256([]byte(flow.CodeVerifier))
		v := url.Values{"nonce": {flow.Nonce}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
		for k, x := range p.extra {
			v.Set(k, x)
		}
		authURL += sep(authURL) + v.Encode()
	}
	if err := s.Store.SaveFlow(ctx, flow); err != nil {
		return "", "", err
	}
	return authURL, state, nil
}

// safeReturn keeps only local paths (no open redirect).
func safeReturn(p string) string { return maillage.SafeReturn(p, "") }

// CallbackResult is a finished external sign-in.
type CallbackResult struct {
	*SignIn
	ReturnTo string
}

// Callback finishes a sign-in. The state must match the browser's cookie
// and a stored flow; for OpenID Connect the ID token's signature, issuer,
// audience, expiry and nonce are checked. Every refusal is logged and says
// in French what to do.
func (s *Service) Callback(ctx context.Context, providerID string, q url.Values, stateCookie string, meta SessionMeta) (*CallbackResult, error) {
	label := providerID
	refuse := func(reason string, err error, key string) error {
		s.log.Warn("sign-in refused", "reason", reason, "provider", providerID, "ip", meta.IP, "err", errString(err))
		return maillage.Wrap(maillage.EUNAUTHORIZED, err, key, "Provider", label)
	}
	p, err := s.Provider(providerID)
	if err != nil {
		s.log.Warn("sign-in refused", "reason", "unknown provider", "provider", providerID, "ip", meta.IP)
		return nil, err
	}
	label = p.Label
	if e := q.Get("error"); e != "" {
		return nil, refuse("provider error", fmt.Errorf("%s: %s", e, q.Get("error_description")),
			"account.signin.refused.provider_error")
	}
	state := q.Get("state")
	if state == "" || stateCookie == "" || !constantEq(state, stateCookie) {
		return nil, refuse("state mismatch", nil, "account.signin.refused.state")
	}
	flow, err := s.Store.TakeFlow(ctx, maillage.HashToken(state))
	if err != nil {
		return nil, refuse("unknown or expired state", err, "account.signin.refused.expired")
	}
	if flow.Provider != p.ID {
		return nil, refuse("provider mismatch", nil, "account.signin.refused.unknown")
	}
	gp, err := p.provider(ctx)
	if err != nil {
		return nil, err
	}
	gs, err := gp.UnmarshalSession(flow.GothSession)
	if err != nil {
		return nil, err
	}
	params := url.Values{"code": {q.Get("code")}, "state": {state}}
	if flow.CodeVerifier != "" {
		params.Set("code_verifier", flow.CodeVerifier)
	}
	if _, err := gs.Authorize(gp, params); err != nil {
		return nil, refuse("code exchange failed", err, "account.signin.refused.code")
	}
	// The ID token is checked before anything else is asked of the
	// provider: a bad one means no userinfo request at all.
	var (
		claims  map[string]any
		idToken string // kept with the session, for the provider's sign-out
	)
	if p.oidc != nil {
		if oc, ok := gs.(*openidConnect.Session); ok {
			idToken = oc.IDToken
		}
		if claims, err = p.oidc.verifyIDToken(ctx, idToken, flow.Nonce); err != nil {
			return nil, refuse("id token rejected", err, "account.signin.refused.id_token")
		}
	}
	gu, err := gp.FetchUser(gs)
	if err != nil {
		return nil, refuse("user info failed", err, "account.signin.refused.userinfo")
	}
	ext := maillage.ExternalIdentity{Provider: p.ID, Subject: gu.UserID, Email: gu.Email, Name: strings.TrimSpace(gu.Name)}
	if ext.Name == "" {
		ext.Name = strings.TrimSpace(gu.FirstName + " " + gu.LastName)
	}
	if p.oidc != nil {
		if sub, _ := claims["sub"].(string); sub == "" || sub != gu.UserID {
			return nil, refuse("subject mismatch", nil, "account.signin.refused.subject")
		}
		ext.EmailVerified = p.trustEm
		if v, ok := gu.RawData["email_verified"].(bool); ok {
			ext.EmailVerified = v
		}
		if ext.Name == "" {
			given, _ := gu.RawData["given_name"].(string)
			usual, _ := gu.RawData["usual_name"].(string)
			ext.Name = strings.TrimSpace(given + " " + usual)
		}
	} else if v, ok := gu.RawData["verified_email"].(bool); ok { // Google
		ext.EmailVerified = v
	} else if v, ok := gu.RawData["email_verified"].(bool); ok {
		ext.EmailVerified = v
	}
	out, err := s.Users.SignInExternal(ctx, ext)
	if err != nil {
		switch maillage.ErrorCode(err) {
		case maillage.ECONFLICT:
			s.log.Warn("sign-in refused", "reason", "e-mail of another account, not verified", "provider", providerID, "ip", meta.IP)
		case maillage.EINVALID:
			s.log.Warn("sign-in refused", "reason", "no subject", "provider", providerID, "ip", meta.IP)
		}
		return nil, err
	}
	si, err := s.finish(ctx, out, p.ID, idToken, meta)
	if err != nil {
		return nil, err
	}
	return &CallbackResult{SignIn: si, ReturnTo: flow.ReturnTo}, nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func constantEq(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// oidcMeta is what discovery says about an OpenID provider, and its keys.
type oidcMeta struct {
	issuer, clientID string
	hc               *http.Client
	doc              struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		TokenEndpoint         string `json:"token_endpoint"`
		UserinfoEndpoint      string `json:"userinfo_endpoint"`
		JWKSURI               string `json:"jwks_uri"`
		EndSessionEndpoint    string `json:"end_session_endpoint"`
	}
	keys *KeySet // set by discover
}

func (m *oidcMeta) discover(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", m.issuer+"/.well-known/openid-configuration", nil)
	resp, err := m.hc.Do(req)
	if err != nil {
		return fmt.Errorf("openid discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("openid discovery: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&m.doc); err != nil {
		return fmt.Errorf("openid discovery: %w", err)
	}
	if strings.TrimRight(m.doc.Issuer, "/") != strings.TrimRight(m.issuer, "/") {
		return fmt.Errorf("openid discovery: issuer %q does not match configured %q", m.doc.Issuer, m.issuer)
	}
	if m.doc.AuthorizationEndpoint == "" || m.doc.TokenEndpoint == "" || m.doc.JWKSURI == "" {
		return fmt.Errorf("openid discovery: missing endpoints")
	}
	m.keys = &KeySet{URL: m.doc.JWKSURI, Client: m.hc}
	return nil
}

// verifyJWS checks a compact JWS against the provider's keys and returns its payload.
func (m *oidcMeta) verifyJWS(ctx context.Context, raw string) ([]byte, error) {
	return m.keys.Verify(ctx, raw)
}

// verifyIDToken checks signature, issuer, audience, expiry and nonce.
func (m *oidcMeta) verifyIDToken(ctx context.Context, raw, nonce string) (map[string]any, error) {
	if raw == "" {
		return nil, fmt.Errorf("no id_token")
	}
	payload, err := m.verifyJWS(ctx, raw)
	if err != nil {
		return nil, err
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, err
	}
	if iss, _ := c["iss"].(string); iss != m.doc.Issuer {
		return nil, fmt.Errorf("issuer %q", iss)
	}
	switch aud := c["aud"].(type) {
	case string:
		if aud != m.clientID {
			return nil, fmt.Errorf("audience %q", aud)
		}
	case []any:
		if !slices.ContainsFunc(aud, func(a any) bool { return a == m.clientID }) {
			return nil, fmt.Errorf("audience %v", aud)
		}
	default:
		return nil, fmt.Errorf("no audience")
	}
	exp, _ := c["exp"].(float64)
	if time.Unix(int64(exp), 0).Before(time.Now().Add(-time.Minute)) {
		return nil, fmt.Errorf("expired id_token")
	}
	if n, _ := c["nonce"].(string); nonce == "" || !constantEq(n, nonce) {
		return nil, fmt.Errorf("nonce mismatch")
	}
	return c, nil
}

// userinfoJWT turns a signed-JWT userinfo answer into the JSON goth expects,
// after checking its signature.
type userinfoJWT struct {
	base http.RoundTripper
	meta *oidcMeta
}

func (t *userinfoJWT) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || req.URL.String() != t.meta.doc.UserinfoEndpoint || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/jwt") {
		return resp, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	payload, err := t.meta.verifyJWS(req.Context(), strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("userinfo JWT: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(payload))
	resp.ContentLength = int64(len(payload))
	resp.Header.Set("Content-Type", "application/json")
	return resp, nil
}
