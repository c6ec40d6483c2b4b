package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
	"maillage/internal/web/kit"
)

// postForm posts an urlencoded form as a signed-in browser (session-bound
// CSRF token), or anonymously with a double-submit cookie.
func postForm(t *testing.T, a *app.App, session, target string, values url.Values, extra map[string]string) response {
	t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if session != "" {
		values.Set("_csrf", kit.SessionCSRF(session))
		h["Cookie"] = "maillage_session=" + session
	} else {
		csrf := maillage.RandomToken(32)
		values.Set("_csrf", csrf)
		h["Cookie"] = "maillage_csrf=" + csrf
	}
	for k, v := range extra {
		h[k] = v
	}
	return sendForm(t, a, target, values.Encode(), h)
}

func sendForm(t *testing.T, a *app.App, target, body string, headers map[string]string) response {
	t.Helper()
	r := send(t, a, "POST", target, body, headers)
	return r
}

// mailTo returns the newest mail to an address from the outbox.
func mailTo(t *testing.T, a *app.App, to string) *maillage.Mail {
	t.Helper()
	ms, _, err := a.Mails.FindMails(context.Background(), maillage.MailFilter{To: to, Limit: 1})
	if err != nil || len(ms) == 0 {
		t.Fatalf("no mail to %s: %v", to, err)
	}
	return ms[0]
}

// TestReturnAddresses: every redirect goes to a same-site path (issue 10,
// item 1): a tab, CR or LF, "//", a backslash or a scheme in ?retour= or a
// form's retour never reach Location; the e-mail link honours retour.
func TestReturnAddresses(t *testing.T) {
	a := testenv.Get(t).App(t)
	for _, bad := range []string{"/\t/evil.example/", "/\r\nSet-Cookie: x=1", "//evil.example", `/\evil.example`, "https://evil.example", "/ /x", "javascript:alert(1)"} {
		r := do(t, a.Web.App(), "GET", "/connexion?retour="+url.QueryEscape(bad), nil)
		if strings.Contains(r.Body, "evil") || strings.Contains(r.Body, "Set-Cookie") {
			t.Errorf("retour %q kept on the sign-in page", bad)
		}
	}
	email := "retour." + strconv.FormatInt(time.Now().UnixNano(), 36) + "@exemple.fr"
	r := postForm(t, a, "", "/connexion/email", url.Values{"email": {email}, "retour": {"/compte/jetons"}}, nil)
	wantStatus(t, r, 303)
	m := regexp.MustCompile(`/connexion/email/verifier\?jeton=(\S+)&retour=(\S+)`).FindStringSubmatch(mailTo(t, a, email).Text)
	if m == nil {
		t.Fatalf("the sign-in link does not carry retour:\n%s", mailTo(t, a, email).Text)
	}
	token, _ := url.QueryUnescape(m[1])
	back, _ := url.QueryUnescape(m[2])
	r = postForm(t, a, "", "/connexion/email/verifier", url.Values{"jeton": {token}, "retour": {back}}, nil)
	if r.Status != 303 || r.Header.Get("Location") != "/compte/jetons" {
		t.Errorf("after the link: %d to %q, want /compte/jetons", r.Status, r.Header.Get("Location"))
	}
	// A bad retour in the link's form leads to the dashboard.
	email2 := "retour2." + strconv.FormatInt(time.Now().UnixNano(), 36) + "@exemple.fr"
	postForm(t, a, "", "/connexion/email", url.Values{"email": {email2}}, nil)
	m = regexp.MustCompile(`jeton=(\S+)`).FindStringSubmatch(mailTo(t, a, email2).Text)
	token, _ = url.QueryUnescape(m[1])
	r = postForm(t, a, "", "/connexion/email/verifier", url.Values{"jeton": {token}, "retour": {"/\t/evil.example/"}}, nil)
	if loc := r.Header.Get("Location"); r.Status != 303 || loc != "/tableau-de-bord" {
		t.Errorf("bad retour after the link: %d to %q", r.Status, loc)
	}

	// Ending a membership goes back to the structure, whatever retour says.
	ref := newUser(t, a, "retour.ref@exemple.fr", nil)
	member := newUser(t, a, "retour.membre@exemple.fr", nil)
	st := newStructure(t, a, ref, "W693000001", "Lieu du retour")
	testenv.Join(t, a, ref, st.ID, member, maillage.MemberSalarie)
	st, _ = a.Structures.FindStructureByID(context.Background(), st.ID)
	var memberID int64
	for _, mb := range st.Members {
		if mb.UserID == member.ID {
			memberID = mb.ID
		}
	}
	r = postForm(t, a, newSession(t, a, ref), fmt.Sprintf("/structures/membres/%d/terminer", memberID), url.Values{"retour": {"/\t/evil.example/"}}, nil)
	if loc := r.Header.Get("Location"); r.Status != 303 || loc != fmt.Sprintf("/structures/%d", st.ID) {
		t.Errorf("end member: %d to %q", r.Status, loc)
	}
}

func newStructure(t *testing.T, a *app.App, u *maillage.User, pivot, nom string) *maillage.Structure {
	t.Helper()
	st, claim, err := a.Structures.CreateStructure(context.Background(), u.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu},
		Lieu: maillage.Lieu{Pivot: pivot, Nom: nom, Adresse: "5 rue de la République", CodePostal: "69002", Commune: "Lyon", CodeInsee: "69123",
			Courriels: []string{"contact." + strings.ToLower(pivot) + "@lieu-exemple.fr"}}})
	if err != nil || claim != nil {
		t.Fatalf("create %s: %v claim=%v", nom, err, claim)
	}
	return st
}

// TestClaimingAStructure: sending the SIRET of a structure without a
// referent changes nothing; a coordinator of its territory (not another)
// grants the claim, or the link sent to its contact address proves it
// (issue 10, item 2).
func TestClaimingAStructure(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	first := newUser(t, a, "revendication.premier@exemple.fr", nil)
	st := newStructure(t, a, first, "W693000002", "Lieu sans référent")
	if _, err := a.Structures.EndMember(ctx, maillage.Viewer{UserID: first.ID}, st.Members[0].ID); err != nil {
		t.Fatal(err)
	}
	claimant := newUser(t, a, "revendication.membre@exemple.fr", nil)
	session := newSession(t, a, claimant)
	form := url.Values{"lieu.pivot": {"W693000002"}, "lieu.nom": {"Nom changé par l'inconnu"}, "lieu.adresse": {"1 rue Neuve"},
		"lieu.code_postal": {"69001"}, "lieu.commune": {"Lyon (69123)"}, "roles": {"lieu"}}
	r := postForm(t, a, session, "/structures/nouvelle", form, nil)
	if r.Status != 303 || r.Header.Get("Location") != "/structures/revendications" {
		t.Fatalf("claim: %d to %q:\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	after, _ := a.Structures.FindStructureByID(ctx, st.ID)
	if after.Lieu.Nom != "Lieu sans référent" || after.IsReferent(claimant.ID) {
		t.Fatalf("the claim changed the structure: %q, referent %v", after.Lieu.Nom, after.IsReferent(claimant.ID))
	}
	if r := do(t, a.Web.App(), "GET", fmt.Sprintf("/structures/%d/modifier", st.ID), map[string]string{"Cookie": "maillage_session=" + session}); r.Status != 403 {
		t.Fatalf("the claimant opens the edit form: %d", r.Status)
	}
	claims, err := a.Structures.FindClaims(ctx, maillage.ClaimFilter{UserID: claimant.ID})
	if err != nil || len(claims) != 1 {
		t.Fatalf("claims %v %v", claims, err)
	}
	claim := claims[0]

	// A coordinator of another département may not decide; one of the
	// région (which holds the Rhône) may.
	other := newUser(t, a, "coord.ain@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "01"})
	other.Grants = []maillage.RoleGrant{{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "01"}}
	r = postForm(t, a, newSession(t, a, other), fmt.Sprintf("/structures/revendications/%d/decision", claim.ID), url.Values{"decision": {"accepter"}}, nil)
	if r.Status != 403 {
		t.Fatalf("a coordinator of the Ain decides a claim in the Rhône: %d", r.Status)
	}
	region := newUser(t, a, "coord.aura@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeRegion, ScopeValue: "84"})
	rs := newSession(t, a, region)
	r = postForm(t, a, rs, fmt.Sprintf("/structures/revendications/%d/decision", claim.ID), url.Values{"decision": {"refuser"}}, nil)
	if r.Status != 422 || !strings.Contains(readable(r.Body), "Indiquez pourquoi vous refusez") {
		t.Fatalf("a refusal without motivation: %d", r.Status)
	}
	r = postForm(t, a, rs, fmt.Sprintf("/structures/revendications/%d/decision", claim.ID), url.Values{"decision": {"accepter"}, "motivation": {"Connue du réseau"}}, nil)
	wantStatus(t, r, 303)
	after, _ = a.Structures.FindStructureByID(ctx, st.ID)
	if !after.IsReferent(claimant.ID) {
		t.Fatal("the granted claimant is not referent")
	}
	// Replayed: the claim is no longer pending.
	r = postForm(t, a, rs, fmt.Sprintf("/structures/revendications/%d/decision", claim.ID), url.Values{"decision": {"accepter"}}, nil)
	if r.Status != 409 {
		t.Fatalf("a decision replayed: %d", r.Status)
	}

	// Proof by the contact address: another structure, another claimant.
	st2 := newStructure(t, a, first, "W693000003", "Lieu à prouver")
	if _, err := a.Structures.EndMember(ctx, maillage.Viewer{UserID: first.ID}, st2.Members[0].ID); err != nil {
		t.Fatal(err)
	}
	prover := newUser(t, a, "revendication.preuve@exemple.fr", nil)
	_, c2, err := a.Structures.CreateStructure(ctx, prover.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: st2.Lieu})
	if err != nil || c2 == nil {
		t.Fatalf("second claim: %v", err)
	}
	ps := newSession(t, a, prover)
	r = postForm(t, a, ps, fmt.Sprintf("/structures/revendications/%d/lien", c2.ID), url.Values{}, nil)
	wantStatus(t, r, 303)
	link := regexp.MustCompile(`confirmer\?jeton=(\S+)`).FindStringSubmatch(mailTo(t, a, "contact.w693000003@lieu-exemple.fr").Text)
	if link == nil {
		t.Fatal("no proof link in the mail to the structure")
	}
	// Someone else cannot use the link.
	if r := do(t, a.Web.App(), "GET", "/structures/revendications/confirmer?jeton="+link[1], map[string]string{"Cookie": "maillage_session=" + rs}); r.Status != 403 {
		t.Errorf("another person uses the proof link: %d", r.Status)
	}
	r = do(t, a.Web.App(), "GET", "/structures/revendications/confirmer?jeton="+link[1], map[string]string{"Cookie": "maillage_session=" + ps})
	wantStatus(t, r, 303)
	if after, _ := a.Structures.FindStructureByID(ctx, st2.ID); !after.IsReferent(prover.ID) {
		t.Fatal("the proved claim did not make its claimant referent")
	}
}

// TestJoiningIsConsented: adding a person to a structure is an invitation
// they accept; until then they do not show as its member; the answer is
// the same whether or not the address has an account (issue 10, item 3).
func TestJoiningIsConsented(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	ref := newUser(t, a, "invitation.ref@exemple.fr", nil)
	st := newStructure(t, a, ref, "W693000004", "Lieu qui invite")
	person := newUser(t, a, "invitation.personne@exemple.fr", nil)
	kind, name := maillage.KindMediateur, "Personne Invitée"
	p, err := a.Profiles.SaveProfile(ctx, person.ID, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name,
		Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic}})
	if err != nil {
		t.Fatal(err)
	}
	session := newSession(t, a, ref)
	target := fmt.Sprintf("/structures/%d/invitations", st.ID)
	known := postForm(t, a, session, target, url.Values{"email": {person.Email}, "role": {"salarie"}}, nil)
	unknown := postForm(t, a, session, target, url.Values{"email": {"personne.inconnue@exemple.fr"}, "role": {"salarie"}}, nil)
	if known.Status != 303 || unknown.Status != 303 || known.Header.Get("Location") != unknown.Header.Get("Location") {
		t.Fatalf("known %d %q, unknown %d %q: the answers differ", known.Status, known.Header.Get("Location"), unknown.Status, unknown.Header.Get("Location"))
	}
	mailTo(t, a, person.Email)
	mailTo(t, a, "personne.inconnue@exemple.fr")
	page := do(t, a.Web.App(), "GET", fmt.Sprintf("/profils/%d", p.ID), nil)
	if strings.Contains(page.Body, "Lieu qui invite") {
		t.Fatal("an invited person shows as a member before accepting")
	}
	ps := newSession(t, a, person)
	list := do(t, a.Web.App(), "GET", "/invitations", map[string]string{"Cookie": "maillage_session=" + ps})
	id := regexp.MustCompile(`/invitations/(\d+)/reponse`).FindStringSubmatch(list.Body)
	if id == nil {
		t.Fatalf("the invitation is not listed:\n%s", list.Body)
	}
	// Another person cannot answer it.
	intruder := newUser(t, a, "invitation.intrus@exemple.fr", nil)
	if r := postForm(t, a, newSession(t, a, intruder), "/invitations/"+id[1]+"/reponse", url.Values{"reponse": {"accepter"}}, nil); r.Status != 404 {
		t.Fatalf("someone else answers the invitation: %d", r.Status)
	}
	r := postForm(t, a, ps, "/invitations/"+id[1]+"/reponse", url.Values{"reponse": {"accepter"}}, nil)
	wantStatus(t, r, 303)
	page = do(t, a.Web.App(), "GET", fmt.Sprintf("/profils/%d", p.ID), nil)
	if !strings.Contains(page.Body, "Lieu qui invite") {
		t.Fatal("the accepted invitation does not show on the profile")
	}
}

// TestForwardedForIsTrustedOnlyFromProxies: without configured proxies, a
// spoofed X-Forwarded-For does not escape the per-IP limit; from a
// configured proxy it names the client (issue 10, item 4).
func TestForwardedForIsTrustedOnlyFromProxies(t *testing.T) {
	env := testenv.Get(t)
	for _, tt := range []struct {
		name    string
		proxies []string
		limited bool
	}{
		{"no proxy configured", nil, true},
		{"the socket is a trusted proxy", []string{"0.0.0.0"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := env.Config(t)
			cfg.TrustedProxies = tt.proxies
			a, err := app.Open(context.Background(), cfg, testenv.Logger(t), app.Options{SkipMigrate: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			if _, err := a.DB.NewRaw("DELETE FROM rate_limits WHERE key LIKE 'email-ip:%'").Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
			limited := 0
			for i := range 25 {
				r := postForm(t, a, "", "/connexion/email", url.Values{"email": {fmt.Sprintf("xff%d.%d@exemple.fr", i, time.Now().UnixNano())}},
					map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i+1)})
				if r.Status == 429 {
					limited++
				}
			}
			if (limited > 0) != tt.limited {
				t.Fatalf("%d of 25 requests limited; want limited=%v", limited, tt.limited)
			}
		})
	}
}

// TestSmallerHoles: issue 10, item 7.
func TestSmallerHoles(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	u := newUser(t, a, "trous@exemple.fr", nil)
	session := newSession(t, a, u)
	signed := map[string]string{"Cookie": "maillage_session=" + session}

	t.Run("personal pages are not cached", func(t *testing.T) {
		for _, target := range []string{"/compte", "/tableau-de-bord", "/compte/jetons", "/api/moi/profil"} {
			r := do(t, a.Web.App(), "GET", target, signed)
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q", target, r.Header.Get("Cache-Control"))
			}
		}
	})
	t.Run("CSRF token only in the body, bound to the session, Origin null refused", func(t *testing.T) {
		tok := kit.SessionCSRF(session)
		r := send(t, a, "POST", "/compte/nom?_csrf="+tok, "display_name=X", map[string]string{"Cookie": signed["Cookie"], "Content-Type": "application/x-www-form-urlencoded"})
		if r.Status != 403 {
			t.Errorf("token in the query string: %d", r.Status)
		}
		other := newSession(t, a, newUser(t, a, "trous.autre@exemple.fr", nil))
		r = send(t, a, "POST", "/compte/nom", "display_name=X&_csrf="+kit.SessionCSRF(other), map[string]string{"Cookie": signed["Cookie"], "Content-Type": "application/x-www-form-urlencoded"})
		if r.Status != 403 {
			t.Errorf("another session's token: %d", r.Status)
		}
		r = send(t, a, "POST", "/compte/nom", "display_name=X&_csrf="+tok, map[string]string{"Cookie": signed["Cookie"], "Content-Type": "application/x-www-form-urlencoded", "Origin": "null"})
		if r.Status != 403 {
			t.Errorf("Origin: null: %d", r.Status)
		}
		r = send(t, a, "POST", "/compte/nom", "display_name=Nom+accept%C3%A9&_csrf="+tok, map[string]string{"Cookie": signed["Cookie"], "Content-Type": "application/x-www-form-urlencoded"})
		if r.Status != 303 {
			t.Errorf("the right token: %d", r.Status)
		}
	})
	t.Run("the edit form of a structure is the referents'", func(t *testing.T) {
		st := newStructure(t, a, newUser(t, a, "trous.ref@exemple.fr", nil), "W693000005", "Lieu fermé")
		if r := do(t, a.Web.App(), "GET", fmt.Sprintf("/structures/%d/modifier", st.ID), signed); r.Status != 403 {
			t.Errorf("GET the edit form as a stranger: %d", r.Status)
		}
	})
	t.Run("read-only and expiring API tokens", func(t *testing.T) {
		_, ro, err := a.APITokens.CreateAPIToken(ctx, u.ID, maillage.APITokenInput{Name: "lecture", ReadOnly: true, Days: 30}, "")
		if err != nil {
			t.Fatal(err)
		}
		if r := send(t, a, "GET", "/api/moi/profil", "", bearer(ro)); r.Status == 401 || r.Status == 403 {
			t.Errorf("read-only token refused a read: %d", r.Status)
		}
		if r := send(t, a, "PUT", "/api/moi/profil", `{"bio": "x"}`, bearer(ro)); r.Status != 403 {
			t.Errorf("read-only token wrote: %d", r.Status)
		}
		tok, secret, err := a.APITokens.CreateAPIToken(ctx, u.ID, maillage.APITokenInput{Name: "courte", Days: 30}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.DB.NewRaw("UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = ?", tok.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if r := send(t, a, "GET", "/api/moi/profil", "", bearer(secret)); r.Status != 401 {
			t.Errorf("expired token: %d", r.Status)
		}
	})
	t.Run("cookies carry __Host- over https", func(t *testing.T) {
		env := testenv.Get(t)
		cfg := env.Config(t)
		cfg.BaseURL.Scheme, cfg.BaseURL.Host = "https", "maillage.example.fr"
		b, err := app.Open(ctx, cfg, testenv.Logger(t), app.Options{SkipMigrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		r := do(t, b.Web.App(), "GET", "/connexion", nil)
		for _, c := range r.Header.Values("Set-Cookie") {
			if strings.HasPrefix(c, "maillage_csrf") || strings.HasPrefix(c, "maillage_session") {
				t.Errorf("cookie without __Host-: %s", c)
			}
		}
		if !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), "\n"), "__Host-maillage_csrf=") {
			t.Errorf("no __Host- cookie: %v", r.Header.Values("Set-Cookie"))
		}
	})
	t.Run("the development mailbox only on loopback", func(t *testing.T) {
		env := testenv.Get(t)
		cfg := env.Config(t)
		cfg.Addr = "0.0.0.0:8080"
		b, err := app.Open(ctx, cfg, testenv.Logger(t), app.Options{SkipMigrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		if r := do(t, b.Web.App(), "GET", "/dev/courriels", nil); r.Status != 404 {
			t.Errorf("development mailbox on 0.0.0.0: %d", r.Status)
		}
	})
}

// TestControlCharacters: a NUL typed or sent anywhere is refused with a
// message next to its field (or dropped from a search), never a 500
// (issue 10, item 5).
func TestControlCharacters(t *testing.T) {
	a := testenv.Get(t).App(t)
	u := newUser(t, a, "nul@exemple.fr", nil)
	session := newSession(t, a, u)
	r := postForm(t, a, session, "/profil", url.Values{"display_name": {"Nadia\x00"}, "kind": {"conseiller"}, "mentor.radius_km": {"20"}, "mentor.capacity": {"0"}}, nil)
	if r.Status != 422 || !strings.Contains(r.Body, `id="display_name-error"`) {
		t.Errorf("profile form with a NUL: %d", r.Status)
	}
	for _, tt := range []struct{ method, target, body string }{
		{"PUT", "/api/moi/profil", `{"kind": "conseiller", "display_name": "Nadia\u0000"}`},
		{"POST", "/api/structures", structureBody("Lieu\u0000", validRNA(301000001))},
		{"GET", "/api/communes?q=Ly%00on", ""},
	} {
		r := send(t, a, tt.method, tt.target, tt.body, cookie(session, true))
		if r.Status != 422 {
			t.Errorf("%s %s: %d, want 422: %s", tt.method, tt.target, r.Status, r.Body)
		}
	}
	if r := do(t, a.Web.App(), "GET", "/recherche?q=m%C3%A9diateur%00&pres=Ly%00on", nil); r.Status >= 500 {
		t.Errorf("search with a NUL: %d", r.Status)
	}
}

// TestUnknownMethodIs405: a method a known path does not accept is a 405,
// not a CSRF refusal (the check runs after routing).
func TestUnknownMethodIs405(t *testing.T) {
	a := testenv.Get(t).App(t)
	for _, m := range []string{"DELETE", "PUT", "PATCH"} {
		if r := send(t, a, m, "/healthz", "", nil); r.Status != 405 {
			t.Errorf("%s /healthz: %d, want 405", m, r.Status)
		}
	}
}

// TestCompressedBodiesAreRefused: a request body sent compressed
// (Content-Encoding) is refused with 415 before anything reads it. Fiber
// inflates such a body without any limit when a handler reads it, so 50 KB
// of gzip became 50 MB in memory, past BodyLimit, and a body compressed
// twice ("gzip, gzip") could become gigabytes: any signed-in member could
// exhaust the server's memory. Nothing is stored.
func TestCompressedBodiesAreRefused(t *testing.T) {
	a := testenv.Get(t).App(t)
	u := newUser(t, a, "gzip.bomb@exemple.fr", nil)
	saveProfile(t, a, u, maillage.ProfileUpdate{Kind: ptr(maillage.KindConseiller), DisplayName: ptr("Gzip Bombe"), Bio: ptr("avant")})
	session, token := newSession(t, a, u), newToken(t, a, u)
	gz := func(b []byte) []byte {
		var out bytes.Buffer
		w := gzip.NewWriter(&out)
		w.Write(b)
		w.Close()
		return out.Bytes()
	}
	jsonBody := gz([]byte(`{"bio": "après"` + strings.Repeat(" ", 1<<20) + `}`))
	formBody := gz([]byte(url.Values{"_csrf": {kit.SessionCSRF(session)}, "display_name": {"Changé"}}.Encode()))
	for _, tt := range []struct {
		name      string
		method    string
		target    string
		body      []byte
		encodings []string // one Content-Encoding header each
		headers   map[string]string
	}{
		{"json gzip", "PUT", "/api/moi/profil", jsonBody, []string{"gzip"}, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}},
		{"json gzip twice", "PUT", "/api/moi/profil", gz(jsonBody), []string{"gzip, gzip"}, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}},
		{"json identity then gzip", "PUT", "/api/moi/profil", jsonBody, []string{"identity", "gzip"}, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}},
		{"json deflate", "PUT", "/api/moi/profil", jsonBody, []string{"deflate"}, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}},
		{"json br", "PUT", "/api/moi/profil", jsonBody, []string{"br"}, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}},
		{"form gzip", "POST", "/compte/nom", formBody, []string{"GZIP"}, map[string]string{"Cookie": "maillage_session=" + session, "Content-Type": "application/x-www-form-urlencoded"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, bytes.NewReader(tt.body))
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			for _, e := range tt.encodings {
				req.Header.Add("Content-Encoding", e)
			}
			resp, err := a.Web.App().Test(req, 10000)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 415 {
				t.Errorf("status %d, want 415", resp.StatusCode)
			}
		})
	}
	p, err := a.Profiles.FindProfileByUserID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Bio != "avant" || p.DisplayName != "Gzip Bombe" {
		t.Errorf("a compressed body was applied: bio %q, name %q", p.Bio, p.DisplayName)
	}
	// The same request uncompressed still works.
	r := send(t, a, "PUT", "/api/moi/profil", `{"bio": "après"}`, bearer(token))
	wantStatus(t, r, 200)
}

// TestOutOfRangeParameters: numbers too large, negative or not numbers in
// query strings and paths name nothing (404), say what is wrong (422) or
// are bounded; never a 500. A page number whose offset overflowed int made
// PostgreSQL refuse a negative OFFSET.
func TestOutOfRangeParameters(t *testing.T) {
	a := testenv.Get(t).App(t)
	for _, target := range []string{
		"/annuaire/departements/69?page=9223372036854775807",
		"/annuaire/departements/69?page=4611686018427387904",
		"/annuaire/departements/69?page=-9223372036854775808",
		"/annuaire/departements/69?page=99999999999999999999",
		"/annuaire/departements/69?page=1e3&page=2",
		"/recherche?q=lyon&page=9223372036854775807&par_page=9223372036854775807",
		"/api/recherche?q=lyon&page=-1&rayon=9223372036854775807",
		"/api/profils?offset=9223372036854775807&limit=9223372036854775807",
		"/api/communes?q=ly&limit=9223372036854775807",
		"/profils/9223372036854775807",
		"/profils/99999999999999999999",
		"/structures/-1",
		"/charte/versions/0",
		"/carte?departement=99999999999999999999",
		"/emploi?page=9223372036854775807",
		"/emploi?page=4611686018427387904",
		"/api/emploi/offres?offset=100000&limit=100",
		"/emploi/candidats?page=9223372036854775807",
		"/formations?page=9223372036854775807",
		"/labels/registre?page=9223372036854775807",
	} {
		if r := do(t, a.Web.App(), "GET", target, nil); r.Status >= 500 {
			t.Errorf("GET %s: %d", target, r.Status)
		}
	}
}

// TestNamesThatHideOrReverse: a name is read by others (directory,
// structures, invitations), so it cannot hold the bidirectional controls
// that display text in another order (« Jean‮nimda » shows as « Jeanadmin »
// reversed: Trojan-Source spoofing), and a name made of invisible
// characters only (zero-width space, Hangul filler) is no name. Both were
// stored. Invisible characters around a name are dropped; a zero-width
// joiner inside an emoji stays.
func TestNamesThatHideOrReverse(t *testing.T) {
	a := testenv.Get(t).App(t)
	u := newUser(t, a, "noms.invisibles@exemple.fr", nil)
	saveProfile(t, a, u, maillage.ProfileUpdate{Kind: ptr(maillage.KindConseiller), DisplayName: ptr("Nom Visible")})
	token, session := bearer(newToken(t, a, u)), newSession(t, a, u)
	for _, tt := range []struct {
		name    string
		status  int
		stored  string // the name kept when accepted
		account int    // status of the account's name form
	}{
		{"Jean\u202enimda", 422, "", 422},
		{"\u2067Alice\u2069", 422, "", 422},
		{"Ali\u202ace\u202c", 422, "", 422},
		{"\u200b", 422, "", 303}, // the account's name may be empty (the address shows instead)
		{"\u200b\u200d\u2060\ufeff", 422, "", 303},
		{"\u3164", 422, "", 303},
		{"\ufeffAlice Martin\u200b", 200, "Alice Martin", 303},
		{"Zoë 👩\u200d💻", 200, "Zoë 👩\u200d💻", 303},
		{"Ῥόδη Νικολάου", 200, "Ῥόδη Νικολάου", 303},
		{"سارة", 200, "سارة", 303},
	} {
		t.Run(fmt.Sprintf("%+q", tt.name), func(t *testing.T) {
			b, _ := json.Marshal(map[string]string{"display_name": tt.name})
			r := send(t, a, "PUT", "/api/moi/profil", string(b), token)
			wantStatus(t, r, tt.status)
			if tt.status == 422 {
				var e apiError
				decode(t, r, &e)
				if e.Fields["display_name"] == "" {
					t.Errorf("no message on display_name: %s", r.Body)
				}
			} else if p, _ := a.Profiles.FindProfileByUserID(context.Background(), u.ID); p.DisplayName != tt.stored {
				t.Errorf("stored %+q, want %+q", p.DisplayName, tt.stored)
			}
			// A structure's name is read by everyone too.
			if tt.account == 422 {
				r := send(t, a, "POST", "/api/structures", structureBody(tt.name, validRNA(321000001)), token)
				wantStatus(t, r, 422)
				var e apiError
				decode(t, r, &e)
				if e.Fields["lieu.nom"] == "" {
					t.Errorf("no message on lieu.nom: %s", r.Body)
				}
			}
			// The account's name (the same one name) follows the same rule.
			f := postForm(t, a, session, "/compte/nom", url.Values{"display_name": {tt.name}}, nil)
			if f.Status != tt.account {
				t.Errorf("account name form: %d, want %d", f.Status, tt.account)
			}
			if acc, err := a.Users.FindUserByID(context.Background(), u.ID); err != nil || tt.account == 303 && acc.DisplayName != tt.stored {
				t.Errorf("account name %+q, want %+q (%v)", acc.DisplayName, tt.stored, err)
			}
		})
	}
}

// TestNobodyDecidesTheirOwnClaim: a claim is decided by someone else than
// the claimant. A coordinator could claim a structure of their territory
// that has no referent and grant the claim themselves, becoming its
// referent with nobody else involved; it was also listed among the claims
// they had to decide. Another coordinator of the territory, or an
// administrator, decides it.
func TestNobodyDecidesTheirOwnClaim(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	first := newUser(t, a, "propre.premier@exemple.fr", nil)
	coord := newUser(t, a, "propre.coord@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "69"})
	admin := newUser(t, a, "propre.admin@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleAdministrateur})
	colleague := newUser(t, a, "propre.collegue@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "69"})
	for _, tt := range []struct {
		name     string
		claimant *maillage.User
		decider  *maillage.User
		pivot    string
		status   int
	}{
		{"a coordinator, their own claim", coord, coord, "W693200001", 403},
		{"an administrator, their own claim", admin, admin, "W693200002", 403},
		{"another coordinator of the territory", coord, colleague, "W693200003", 303},
		{"an administrator, a coordinator's claim", coord, admin, "W693200004", 303},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := newStructure(t, a, first, tt.pivot, "Lieu "+tt.pivot)
			if _, err := a.Structures.EndMember(ctx, maillage.Viewer{UserID: first.ID}, st.Members[0].ID); err != nil {
				t.Fatal(err)
			}
			_, claim, err := a.Structures.CreateStructure(ctx, tt.claimant.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: st.Lieu})
			if err != nil || claim == nil {
				t.Fatalf("claim: %v", err)
			}
			session := newSession(t, a, tt.decider)
			list := do(t, a.Web.App(), "GET", "/structures/revendications", map[string]string{"Cookie": "maillage_session=" + session})
			decideForm := fmt.Sprintf("/structures/revendications/%d/decision", claim.ID)
			if listed := strings.Contains(list.Body, decideForm); listed != (tt.status == 303) {
				t.Errorf("claim offered to decide: %v", listed)
			}
			r := postForm(t, a, session, decideForm, url.Values{"decision": {"accepter"}, "motivation": {"Vu"}}, nil)
			if r.Status != tt.status {
				t.Fatalf("decision: %d, want %d", r.Status, tt.status)
			}
			after, _ := a.Structures.FindStructureByID(ctx, st.ID)
			if after.IsReferent(tt.claimant.ID) != (tt.status == 303) {
				t.Errorf("claimant referent: %v", after.IsReferent(tt.claimant.ID))
			}
		})
	}
}

// TestInvitationsAreNotAMailCannon: inviting, cancelling and inviting again
// sent a mail each time, with no bound, to any address, with the
// structure's name and the inviter's chosen by the inviter (anyone who
// declares a structure): a way to flood or phish someone through the
// portal's mails. One inviter sends an address at most
// maillage.MaxInvitationsPerDay invitations a day, whatever the structure
// or the role; the answer names the field, and no further mail leaves.
func TestInvitationsAreNotAMailCannon(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	ref := newUser(t, a, "canon.ref@exemple.fr", nil)
	first := newStructure(t, a, ref, "W693300001", "Lieu qui invite beaucoup")
	second := newStructure(t, a, ref, "W693300002", "Autre lieu qui invite")
	session := newSession(t, a, ref)
	victim := "canon.cible@exemple.fr"
	sent := func() int {
		ms, _, err := a.Mails.FindMails(ctx, maillage.MailFilter{To: victim, Kind: "structure_invitation", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(ms)
	}
	invite := func(st *maillage.Structure, role string) response {
		return postForm(t, a, session, fmt.Sprintf("/structures/%d/invitations", st.ID), url.Values{"email": {victim}, "role": {role}}, nil)
	}
	cancelAll := func(st *maillage.Structure) {
		invs, err := a.Structures.FindStructureInvitations(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range invs {
			if _, err := a.Structures.CancelInvitation(ctx, maillage.Viewer{UserID: ref.ID}, inv.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, tt := range []struct {
		st     *maillage.Structure
		role   string
		status int
	}{
		{first, "salarie", 303},
		{first, "salarie", 303}, // after a cancel (a wrong role corrected…)
		{first, "mediateur", 303},
		{first, "salarie", 422},  // one too many
		{second, "salarie", 422}, // from another structure of the same inviter too
	} {
		r := invite(tt.st, tt.role)
		if r.Status != tt.status {
			t.Fatalf("invitation %d: %d, want %d", i+1, r.Status, tt.status)
		}
		if tt.status == 422 && !strings.Contains(r.Body, `id="email-error"`) {
			t.Errorf("invitation %d: no message next to the address", i+1)
		}
		cancelAll(tt.st)
	}
	if n := sent(); n != maillage.MaxInvitationsPerDay {
		t.Errorf("%d mails sent, want %d", n, maillage.MaxInvitationsPerDay)
	}
	// Another address is not concerned.
	if r := postForm(t, a, session, fmt.Sprintf("/structures/%d/invitations", first.ID), url.Values{"email": {"canon.autre@exemple.fr"}, "role": {"salarie"}}, nil); r.Status != 303 {
		t.Errorf("another address: %d", r.Status)
	}
}

// TestClaimLinkIsNotResentAtOnce: each click on « send the link » mailed
// the structure's contact address again, without bound. A new link may be
// sent an hour after the last one (postgres.ClaimLinkResend); until then
// the claimant is told to look in the structure's mailbox, and the link
// already sent still works.
func TestClaimLinkIsNotResentAtOnce(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	first := newUser(t, a, "lien.premier@exemple.fr", nil)
	st := newStructure(t, a, first, "W693400001", "Lieu à ne pas inonder")
	if _, err := a.Structures.EndMember(ctx, maillage.Viewer{UserID: first.ID}, st.Members[0].ID); err != nil {
		t.Fatal(err)
	}
	claimant := newUser(t, a, "lien.demandeur@exemple.fr", nil)
	_, claim, err := a.Structures.CreateStructure(ctx, claimant.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: st.Lieu})
	if err != nil || claim == nil {
		t.Fatalf("claim: %v", err)
	}
	session := newSession(t, a, claimant)
	target := fmt.Sprintf("/structures/revendications/%d/lien", claim.ID)
	for i, want := range []int{303, 429, 429} {
		if r := postForm(t, a, session, target, url.Values{}, nil); r.Status != want {
			t.Fatalf("send %d: %d, want %d", i+1, r.Status, want)
		}
	}
	ms, _, err := a.Mails.FindMails(ctx, maillage.MailFilter{To: "contact.w693400001@lieu-exemple.fr", Limit: 10})
	if err != nil || len(ms) != 1 {
		t.Fatalf("%d mails to the structure, want 1 (%v)", len(ms), err)
	}
	link := regexp.MustCompile(`confirmer\?jeton=(\S+)`).FindStringSubmatch(ms[0].Text)
	if link == nil {
		t.Fatal("no link in the mail")
	}
	if r := do(t, a.Web.App(), "GET", "/structures/revendications/confirmer?jeton="+link[1], map[string]string{"Cookie": "maillage_session=" + session}); r.Status != 303 {
		t.Errorf("the first link no longer works: %d", r.Status)
	}
}

// TestUnknownCommuneChoiceKeepsTheCommune: the commune chosen among
// candidates comes back as code_insee_choice; an INSEE code no commune has
// (a stale page, an edited form) cleared the stored commune without a
// word. It is refused next to the commune, and the stored one stays.
func TestUnknownCommuneChoiceKeepsTheCommune(t *testing.T) {
	a := testenv.Get(t).App(t)
	u := newUser(t, a, "choix.commune@exemple.fr", nil)
	saveProfile(t, a, u, maillage.ProfileUpdate{Kind: ptr(maillage.KindMediateur), DisplayName: ptr("Choix Commune"), Commune: ptr("69123")})
	session := newSession(t, a, u)
	for _, tt := range []struct {
		choice string
		status int
		stored string
	}{
		{"00000", 422, "69123"},
		{"2A999", 422, "69123"},
		{"69\x00123", 422, "69123"},
		{"13055", 303, "13055"},
	} {
		t.Run(fmt.Sprintf("%q", tt.choice), func(t *testing.T) {
			r := postForm(t, a, session, "/profil", url.Values{"kind": {"mediateur"}, "display_name": {"Choix Commune"}, "code_insee": {"Saint-Denis"},
				"code_insee_choice": {tt.choice}, "mentor.capacity": {"0"}, "mentor.radius_km": {"20"}}, nil)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d", r.Status, tt.status)
			}
			if tt.status == 422 && !strings.Contains(r.Body, `id="code_insee-error"`) {
				t.Errorf("no message next to the commune")
			}
			if p, _ := a.Profiles.FindProfileByUserID(context.Background(), u.ID); p.CodeInsee != tt.stored {
				t.Errorf("stored commune %q, want %q", p.CodeInsee, tt.stored)
			}
		})
	}
}
