package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"maillage/internal/config"
	"maillage/internal/maillage"
)

// TestOIDCRoundTrip signs in through a genuine OpenID provider (discovery,
// authorization with PKCE and nonce, login page, token, userinfo, JWKS),
// twice, and checks the account, the identity and the sessions it leaves.
func TestOIDCRoundTrip(t *testing.T) {
	p := newOIDCPortal(t)
	camille := p.Users["camille"]
	b := newBrowser(t)

	res := p.signIn(t, b, "camille")
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.location(), p.URL+"/tableau-de-bord") {
		t.Fatalf("callback: %d to %q, want 303 to /tableau-de-bord\n%s", res.Status, res.location(), res.Body)
	}
	if v, ok := res.setCookie("maillage_session"); !ok || v == "" {
		t.Fatal("callback set no maillage_session cookie")
	}
	if v, ok := res.setCookie("maillage_flow"); !ok || v != "" {
		t.Errorf("callback did not clear the flow cookie (%q, %v)", v, ok)
	}
	dash := b.get(res.location())
	if dash.Status != http.StatusOK {
		t.Fatalf("GET /tableau-de-bord: %d", dash.Status)
	}
	mustContain(t, dash.Body, "Bonjour Camille Martin.")
	account := b.get(p.URL + "/compte")
	mustContain(t, account.Body, camille.Email)

	var userID int64
	if err := p.App.DB.NewRaw("SELECT id FROM users WHERE email = ? AND email_verified", camille.Email).Scan(t.Context(), &userID); err != nil {
		t.Fatalf("no verified user for %s: %v", camille.Email, err)
	}
	if n := p.count(t, "SELECT count(*) FROM identities WHERE user_id = ? AND provider = 'oidc' AND subject = ?", userID, camille.ID); n != 1 {
		t.Errorf("identities (oidc, %s) = %d, want 1", camille.ID, n)
	}
	if n := p.count(t, "SELECT count(*) FROM sessions WHERE user_id = ? AND auth_method = 'oidc' AND id_token <> '' AND revoked_at IS NULL", userID); n != 1 {
		t.Errorf("oidc sessions = %d, want 1", n)
	}
	if !p.Logs.line(`msg="signed in"`, "method=oidc", "created=true") {
		t.Error(`no "signed in" log line`)
	}

	// A second sign-in, in another browser, lands in the same account.
	res = p.signIn(t, newBrowser(t), "camille")
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.location(), p.URL+"/tableau-de-bord") {
		t.Fatalf("second callback: %d to %q\n%s", res.Status, res.location(), res.Body)
	}
	if n := p.count(t, "SELECT count(*) FROM users WHERE email = ?", camille.Email); n != 1 {
		t.Errorf("users with %s = %d, want 1", camille.Email, n)
	}
	if n := p.count(t, "SELECT count(*) FROM identities WHERE provider = 'oidc' AND subject = ?", camille.ID); n != 1 {
		t.Errorf("identities = %d, want 1", n)
	}
	if n := p.count(t, "SELECT count(*) FROM sessions WHERE user_id = ? AND auth_method = 'oidc'", userID); n != 2 {
		t.Errorf("oidc sessions = %d, want 2", n)
	}
	// One userinfo request per sign-in; the keys are fetched once and kept.
	if n := len(p.OP.calls(opUserinfo)); n != 2 {
		t.Errorf("userinfo requests = %d, want 2", n)
	}
	if n := len(p.OP.calls(opKeysPath)); n != 1 {
		t.Errorf("JWKS requests = %d, want 1", n)
	}
}

// refused checks a refused sign-in: status, French message on the page, no
// session cookie, no new session row, and the log line.
func refused(t *testing.T, p *oidcPortal, pg *page, sessionsBefore, logMark, status int, message string, logParts ...string) {
	t.Helper()
	if pg.Status != status {
		t.Errorf("status %d, want %d (to %q)", pg.Status, status, pg.location())
	}
	mustContain(t, pg.Body, message)
	if v, _ := pg.setCookie("maillage_session"); v != "" {
		t.Error("a maillage_session cookie was set")
	}
	if n := p.sessions(t); n != sessionsBefore {
		t.Errorf("sessions: %d, want %d", n, sessionsBefore)
	}
	if !p.Logs.lineSince(logMark, logParts...) {
		t.Errorf("no log line with %q", logParts)
	}
}

// TestOIDCRefusals: every way a provider sign-in is refused.
func TestOIDCRefusals(t *testing.T) {
	p := newOIDCPortal(t)
	stateOf := func(callback string) string {
		u, err := url.Parse(callback)
		if err != nil {
			t.Fatal(err)
		}
		return u.Query().Get("state")
	}
	withQuery := func(callback, key, value string) string {
		u, _ := url.Parse(callback)
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	const (
		badState   = "La demande de connexion n'a pas été reconnue (paramètre « state » invalide). Recommencez la connexion depuis Maillage."
		badIDToken = "Le jeton d'identité reçu de ProConnect n'est pas valide. Recommencez la connexion."
		unknown    = "Ce moyen de connexion n'existe pas ou n'est pas activé sur ce portail."
	)
	// Each case prepares a browser and the address it opens last; the
	// sessions are counted just before that request.
	tests := []struct {
		name    string
		prepare func(t *testing.T) (*browser, string)
		status  int
		message string
		log     []string
	}{
		{"tampered state", func(t *testing.T) (*browser, string) {
			b := newBrowser(t)
			cb := p.authorize(t, b, "camille")
			s := stateOf(cb)
			last := "A"
			if strings.HasSuffix(s, "A") {
				last = "B"
			}
			return b, withQuery(cb, "state", s[:len(s)-1]+last)
		}, 401, badState, []string{`reason="state mismatch"`}},
		{"state cookie missing (callback opened in another browser)", func(t *testing.T) (*browser, string) {
			return newBrowser(t), p.authorize(t, newBrowser(t), "camille")
		}, 401, badState, []string{`reason="state mismatch"`}},
		{"callback replayed", func(t *testing.T) (*browser, string) {
			b := newBrowser(t)
			cb := p.authorize(t, b, "camille")
			if pg := b.get(cb); pg.Status != http.StatusSeeOther {
				t.Fatalf("first use: %d\n%s", pg.Status, pg.Body)
			}
			// An attacker holding the callback URL and the state cookie.
			other := newBrowser(t)
			other.jar.SetCookies(mustURL(t, p.URL+"/auth"), []*http.Cookie{{Name: "maillage_flow", Value: stateOf(cb), Path: "/auth"}})
			return other, cb
		}, 401, "Cette demande de connexion est inconnue ou a expiré (10 minutes). Recommencez la connexion.", []string{`reason="unknown or expired state"`}},
		{"wrong nonce", func(t *testing.T) (*browser, string) {
			b := newBrowser(t)
			cb := p.authorize(t, b, "camille")
			p.exec(t, "UPDATE auth_flows SET nonce = 'x' WHERE state_hash = ?", maillage.HashToken(stateOf(cb)))
			return b, cb
		}, 401, badIDToken, []string{`reason="id token rejected"`, "nonce mismatch"}},
		{"ID token signed by another key", func(t *testing.T) (*browser, string) {
			b := newBrowser(t)
			cb := p.authorize(t, b, "camille")
			p.OP.forge.Store(true)
			t.Cleanup(func() { p.OP.forge.Store(false) })
			return b, cb
		}, 401, badIDToken, []string{`reason="id token rejected"`, "no key of the provider verifies the signature"}},
		{"provider error", func(t *testing.T) (*browser, string) {
			b := newBrowser(t)
			state := b.get(p.URL + "/auth/oidc").locationURL().Query().Get("state")
			return b, p.URL + "/auth/oidc/callback?error=access_denied&error_description=refus&state=" + url.QueryEscape(state)
		}, 401, "La connexion a été refusée ou annulée auprès de ProConnect. Vous pouvez réessayer.", []string{`reason="provider error"`, "access_denied"}},
		{"unknown provider", func(t *testing.T) (*browser, string) {
			return newBrowser(t), p.URL + "/auth/nope"
		}, 404, unknown, []string{`reason="unknown provider"`, "provider=nope"}},
		{"unknown provider callback", func(t *testing.T) (*browser, string) {
			return newBrowser(t), p.URL + "/auth/nope/callback?code=x&state=y"
		}, 404, unknown, []string{`reason="unknown provider"`, "provider=nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, target := tt.prepare(t)
			before, mark, userinfo := p.sessions(t), p.Logs.mark(), len(p.OP.calls(opUserinfo))
			pg := b.get(target)
			refused(t, p, pg, before, mark, tt.status, tt.message, append([]string{`msg="sign-in refused"`}, tt.log...)...)
			// A refused sign-in asks the provider nothing about the person:
			// the ID token is checked before userinfo is called.
			if n := len(p.OP.calls(opUserinfo)) - userinfo; n != 0 {
				t.Errorf("userinfo requests during a refused sign-in = %d, want 0", n)
			}
		})
	}
}

// TestOIDCKeyRotation: after the provider rotates its signing key, the
// next sign-in succeeds without restarting the portal (the keys are fetched
// again once), and forged ID tokens right after do not make the portal
// fetch the keys again (at most once per 30 s).
func TestOIDCKeyRotation(t *testing.T) {
	tests := []struct {
		name   string
		sameID bool
	}{
		{"new key id", false},
		{"same key id, new key", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newOIDCPortal(t)
			signedIn := func(what string, pg *page) {
				t.Helper()
				if pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.location(), p.URL+"/tableau-de-bord") {
					t.Fatalf("%s: %d to %q, want 303 to /tableau-de-bord\n%s", what, pg.Status, pg.location(), pg.Body)
				}
			}
			signedIn("sign-in before the rotation", p.signIn(t, newBrowser(t), "camille"))
			if n := len(p.OP.calls(opKeysPath)); n != 1 {
				t.Fatalf("JWKS requests after the first sign-in = %d, want 1", n)
			}

			p.OP.rotate(t, tt.sameID)
			signedIn("sign-in after the rotation", p.signIn(t, newBrowser(t), "dominique"))
			if n := len(p.OP.calls(opKeysPath)); n != 2 {
				t.Errorf("JWKS requests after the rotation = %d, want 2 (fetched again once)", n)
			}
			signedIn("second sign-in after the rotation", p.signIn(t, newBrowser(t), "camille"))

			// A stream of ID tokens no published key verifies: each is
			// refused, and the keys were fetched again too recently to be
			// fetched again now.
			keys, userinfo := len(p.OP.calls(opKeysPath)), len(p.OP.calls(opUserinfo))
			for i := range 3 {
				b := newBrowser(t)
				cb := p.authorize(t, b, "camille")
				p.OP.forge.Store(true)
				before, mark := p.sessions(t), p.Logs.mark()
				pg := b.get(cb)
				p.OP.forge.Store(false)
				refused(t, p, pg, before, mark, http.StatusUnauthorized,
					"Le jeton d'identité reçu de ProConnect n'est pas valide. Recommencez la connexion.",
					`msg="sign-in refused"`, `reason="id token rejected"`, "no key of the provider verifies the signature")
				if n := len(p.OP.calls(opKeysPath)) - keys; n != 0 {
					t.Errorf("forged token %d: %d more JWKS requests, want 0", i+1, n)
				}
			}
			if n := len(p.OP.calls(opUserinfo)) - userinfo; n != 0 {
				t.Errorf("userinfo requests for forged tokens = %d, want 0", n)
			}
		})
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestEmailLinkRefusals: expired, reused and unknown sign-in links.
func TestEmailLinkRefusals(t *testing.T) {
	p := newOIDCPortal(t)
	tests := []struct {
		name    string
		prepare func(t *testing.T, b *browser) string // returns the token
		message string
		reason  string
	}{
		{"expired", func(t *testing.T, b *browser) string {
			token := p.requestLink(t, b, "expire."+randomHex(4)+"@exemple.fr")
			p.exec(t, "UPDATE email_tokens SET expires_at = now() - interval '1 minute' WHERE token_hash = ?", maillage.HashToken(token))
			return token
		}, "Ce lien de connexion a expiré (il est valable 15 minutes). Demandez-en un nouveau.", `reason="token expired"`},
		{"reused", func(t *testing.T, b *browser) string {
			first := newBrowser(t)
			token := p.requestLink(t, first, "deux-fois."+randomHex(4)+"@exemple.fr")
			if _, pg := p.useLink(t, first, token); pg.Status != http.StatusSeeOther || !strings.HasSuffix(pg.location(), "/tableau-de-bord") {
				t.Fatalf("first use: %d to %q\n%s", pg.Status, pg.location(), pg.Body)
			}
			b.get(p.URL + "/connexion") // the CSRF cookie of this browser
			return token
		}, "Ce lien de connexion a déjà servi : chaque lien ne sert qu'une fois. Demandez-en un nouveau.", `reason="token already used"`},
		{"unknown", func(t *testing.T, b *browser) string {
			b.get(p.URL + "/connexion")
			return maillage.RandomToken(32)
		}, "Ce lien de connexion n'est pas valide. Vérifiez qu'il est complet, ou demandez-en un nouveau.", `reason="unknown token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			token := tt.prepare(t, b)
			before, mark := p.sessions(t), p.Logs.mark()
			confirm, verify := p.useLink(t, b, token)
			// The confirmation page already says the link is dead…
			refused(t, p, confirm, before, mark, http.StatusUnauthorized, tt.message, `msg="sign-in link refused"`, tt.reason, "step=check")
			// …and pressing the button anyway signs nobody in.
			refused(t, p, verify, before, mark, http.StatusUnauthorized, tt.message, `msg="sign-in link refused"`, tt.reason)
			if dash := b.get(p.URL + "/tableau-de-bord"); dash.Status != http.StatusSeeOther {
				t.Errorf("GET /tableau-de-bord after a refused link: %d, want 303 to /connexion", dash.Status)
			}
		})
	}
}

// TestOIDCExistingEmailWaitsForConfirmation: a provider identity whose
// verified e-mail belongs to an account made by e-mail link is neither
// signed in nor linked until the account's owner confirms it.
func TestOIDCExistingEmailWaitsForConfirmation(t *testing.T) {
	p := newOIDCPortal(t)
	dominique := p.Users["dominique"]

	owner := newBrowser(t)
	if _, pg := p.useLink(t, owner, p.requestLink(t, owner, dominique.Email)); pg.Status != http.StatusSeeOther {
		t.Fatalf("e-mail sign-in: %d\n%s", pg.Status, pg.Body)
	}
	var userID int64
	if err := p.App.DB.NewRaw("SELECT id FROM users WHERE email = ?", dominique.Email).Scan(t.Context(), &userID); err != nil {
		t.Fatal(err)
	}

	other := newBrowser(t)
	before := p.sessions(t)
	pg := p.signIn(t, other, "dominique")
	if pg.Status != http.StatusOK {
		t.Fatalf("callback: %d to %q, want 200", pg.Status, pg.location())
	}
	mustContain(t, pg.Body, "Ce compte existe déjà", "Un compte Maillage existe déjà pour l'adresse "+dominique.Email)
	if v, _ := pg.setCookie("maillage_session"); v != "" {
		t.Error("a session cookie was set")
	}
	if n := p.sessions(t); n != before {
		t.Errorf("sessions: %d, want %d", n, before)
	}
	if n := p.count(t, "SELECT count(*) FROM identities WHERE provider = 'oidc' AND subject = ?", dominique.ID); n != 0 {
		t.Errorf("the identity was linked without confirmation (%d rows)", n)
	}
	if dash := other.get(p.URL + "/tableau-de-bord"); dash.Status != http.StatusSeeOther {
		t.Errorf("GET /tableau-de-bord: %d, want 303 to /connexion", dash.Status)
	}

	// The owner, signed in by e-mail, sees the request and confirms it.
	account := owner.get(p.URL + "/compte")
	m := regexp.MustCompile(`action="/compte/liaisons/(\d+)/confirmer"`).FindStringSubmatch(account.Body)
	if m == nil {
		t.Fatalf("/compte shows no pending link:\n%s", account.Body)
	}
	confirm := owner.post(p.URL+"/compte/liaisons/"+m[1]+"/confirmer", url.Values{"_csrf": {owner.csrf(p.URL)}})
	if confirm.Status != http.StatusSeeOther || !strings.HasPrefix(confirm.location(), p.URL+"/compte") {
		t.Fatalf("confirm: %d to %q\n%s", confirm.Status, confirm.location(), confirm.Body)
	}
	if n := p.count(t, "SELECT count(*) FROM identities WHERE user_id = ? AND provider = 'oidc' AND subject = ?", userID, dominique.ID); n != 1 {
		t.Fatalf("identity not linked to user %d", userID)
	}

	// The next provider sign-in lands in the same account.
	pg = p.signIn(t, other, "dominique")
	if pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.location(), p.URL+"/tableau-de-bord") {
		t.Fatalf("callback after the link: %d to %q\n%s", pg.Status, pg.location(), pg.Body)
	}
	if n := p.count(t, "SELECT count(*) FROM sessions WHERE user_id = ? AND auth_method = 'oidc'", userID); n != 1 {
		t.Errorf("oidc sessions of user %d = %d, want 1", userID, n)
	}
	if n := p.count(t, "SELECT count(*) FROM users WHERE email = ?", dominique.Email); n != 1 {
		t.Errorf("users with %s = %d, want 1", dominique.Email, n)
	}
}

// TestOIDCSignOut: signing out ends the portal session and sends the
// browser to the provider's end-session endpoint with the ID token as hint.
func TestOIDCSignOut(t *testing.T) {
	p := newOIDCPortal(t)
	b := newBrowser(t)
	if pg := p.signIn(t, b, "camille"); pg.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", pg.Status, pg.Body)
	}
	session := b.cookie(p.URL, "maillage_session")
	var idToken string
	if err := p.App.DB.NewRaw("SELECT id_token FROM sessions WHERE id_hash = ?", maillage.HashToken(session)).Scan(t.Context(), &idToken); err != nil || idToken == "" {
		t.Fatalf("session row: %v (id_token %q)", err, idToken)
	}

	out := b.post(p.URL+"/deconnexion", url.Values{"_csrf": {b.csrf(p.URL)}})
	end := out.locationURL()
	if out.Status != http.StatusSeeOther || end.Scheme+"://"+end.Host+end.Path != p.OP.Issuer+"/end_session" {
		t.Fatalf("sign-out: %d to %q, want 303 to the OP's end_session endpoint", out.Status, out.location())
	}
	if got := end.Query().Get("id_token_hint"); got != idToken {
		t.Errorf("id_token_hint = %.20q…, want the session's ID token", got)
	}
	if got := end.Query().Get("post_logout_redirect_uri"); got != p.URL+"/" {
		t.Errorf("post_logout_redirect_uri = %q", got)
	}
	if b.cookie(p.URL, "maillage_session") != "" {
		t.Error("the session cookie was not cleared")
	}
	// The provider ends its session and sends the browser back home.
	if back := b.get(out.location()); back.Status != http.StatusFound || !strings.HasPrefix(back.location(), p.URL+"/") {
		t.Errorf("end_session: %d to %q, want 302 to the portal\n%s", back.Status, back.location(), back.Body)
	}

	// The old cookie opens nothing any more.
	req, _ := http.NewRequest(http.MethodGet, p.URL+"/tableau-de-bord", nil)
	req.AddCookie(&http.Cookie{Name: "maillage_session", Value: session})
	if pg := newBrowser(t).do(req); pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.location(), p.URL+"/connexion") {
		t.Errorf("old cookie: %d to %q, want 303 to /connexion", pg.Status, pg.location())
	}
	if n := p.count(t, "SELECT count(*) FROM sessions WHERE id_hash = ? AND revoked_at IS NOT NULL", maillage.HashToken(session)); n != 1 {
		t.Error("the session row is not revoked")
	}
}

// TestOIDCUnverifiedEmailOfAnotherAccount: a provider that does not vouch
// for an address already used by an account is refused, and that is logged.
// (The example OP leaves email_verified out when it is false, so the portal
// must not trust the provider's addresses by default here.)
func TestOIDCUnverifiedEmailOfAnotherAccount(t *testing.T) {
	p := newOIDCPortal(t, func(cfg *config.Config) { cfg.OIDC.TrustEmail = false })
	sacha := p.Users["sacha"]
	owner := newBrowser(t)
	if _, pg := p.useLink(t, owner, p.requestLink(t, owner, sacha.Email)); pg.Status != http.StatusSeeOther {
		t.Fatalf("e-mail sign-in: %d\n%s", pg.Status, pg.Body)
	}
	b := newBrowser(t)
	cb := p.authorize(t, b, "sacha")
	before, mark := p.sessions(t), p.Logs.mark()
	pg := b.get(cb)
	refused(t, p, pg, before, mark, http.StatusUnauthorized,
		"Un compte existe déjà avec l'adresse "+sacha.Email+", et ce fournisseur ne garantit pas qu'elle vous appartient. Connectez-vous avec votre méthode habituelle.",
		`msg="sign-in refused"`, `reason="e-mail of another account, not verified"`, "provider=oidc")
	if n := p.count(t, "SELECT count(*) FROM identities WHERE provider = 'oidc' AND subject = ?", sacha.ID); n != 0 {
		t.Errorf("identity created (%d rows)", n)
	}
	if n := p.count(t, "SELECT count(*) FROM pending_links WHERE provider = 'oidc' AND subject = ?", sacha.ID); n != 0 {
		t.Errorf("pending link created for an unverified address (%d rows)", n)
	}
}
