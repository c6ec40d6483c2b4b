package auth_test

import (
	"context"
	"crypto/rand"
	"fmt"
	mathrand "math/rand/v2"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/app"
	"maillage/internal/auth"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func uniq() string { return strings.ToLower(rand.Text()[:10]) }

// newIP returns a fresh documentation address, so the per-IP rate limits
// of one test start at zero even when the package runs again on the same
// database (go test -count=N).
func newIP() string {
	return fmt.Sprintf("2001:db8:%x:%x::1", mathrand.N(1<<16), mathrand.N(1<<16))
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := maillage.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}

var linkToken = regexp.MustCompile(`/connexion/email/verifier\?jeton=([^\s]+)`)

// mailsTo returns the outbox's mails to an address, newest first.
func mailsTo(t *testing.T, a *app.App, to string) []*maillage.Mail {
	t.Helper()
	out, _, err := a.Mails.FindMails(context.Background(), maillage.MailFilter{To: to, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// requestLink asks for a sign-in link and returns the token of the mail.
func requestLink(t *testing.T, a *app.App, email, ip string) string {
	t.Helper()
	if err := a.Auth.RequestEmailLink(context.Background(), email, ip, "fr", ""); err != nil {
		t.Fatal(err)
	}
	mails := mailsTo(t, a, strings.ToLower(strings.TrimSpace(email)))
	if len(mails) == 0 {
		t.Fatalf("no mail to %s in the outbox", email)
	}
	m := linkToken.FindStringSubmatch(mails[0].Text)
	if m == nil || !strings.HasPrefix(mails[0].Text[strings.Index(mails[0].Text, "http"):], a.Config.BaseURL.String()+"/connexion/email/verifier?jeton=") {
		t.Fatalf("mail without a sign-in link on %s:\n%s", a.Config.BaseURL, mails[0].Text)
	}
	token, err := url.QueryUnescape(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestRequestEmailLinkValidates(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	tests := []struct {
		name, email string
		key         string // of the problem on the field
	}{
		{"empty", "", auth.KeyEmailRequired},
		{"blank", "   ", auth.KeyEmailRequired},
		{"no at sign", "camille.exemple.fr", auth.KeyEmailInvalid},
		{"no domain dot", "camille@exemple", auth.KeyEmailInvalid},
		{"two at signs", "camille@@exemple.fr", auth.KeyEmailInvalid},
		{"display name", "Camille <camille@exemple.fr>", auth.KeyEmailInvalid},
		{"two addresses", "camille@exemple.fr, dominique@exemple.fr", auth.KeyEmailInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, before, _ := a.Mails.FindMails(ctx, maillage.MailFilter{Limit: 1})
			err := a.Auth.RequestEmailLink(ctx, tt.email, newIP(), "fr", "")
			wantCode(t, err, maillage.EINVALID)
			want := maillage.Problems{{Field: "email", Key: tt.key}}
			if diff := cmp.Diff(want, maillage.ErrorProblems(err)); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
			if _, after, _ := a.Mails.FindMails(ctx, maillage.MailFilter{Limit: 1}); after != before {
				t.Fatal("a mail was queued for an invalid address")
			}
		})
	}
}

func TestEmailLinkSignIn(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	email := "camille." + uniq() + "@exemple.fr"
	meta := auth.SessionMeta{IP: newIP(), UserAgent: "Firefox"}

	token := requestLink(t, a, "  "+strings.ToUpper(email)+" ", meta.IP)
	if m := mailsTo(t, a, email)[0]; m.Subject != "Votre lien de connexion à Maillage" {
		t.Fatalf("subject %q", m.Subject)
	}
	if n := countRows(t, a, "SELECT count(*) FROM email_tokens WHERE token_hash = ? AND email = ?", maillage.HashToken(token), email); n != 1 {
		t.Fatalf("%d stored tokens under the hash of the link, want 1", n)
	}
	if err := a.Auth.CheckEmailLink(ctx, token, meta.IP); err != nil {
		t.Fatalf("check of a fresh link: %v", err)
	}

	si, err := a.Auth.SignInWithEmailLink(ctx, token, meta)
	if err != nil {
		t.Fatal(err)
	}
	if si.Token == "" || si.Session == nil || !si.Created || si.User.Email != email || !si.User.EmailVerified {
		t.Fatalf("sign-in %+v, want a new verified account %s with a session", si, email)
	}
	u, sess, err := a.Auth.Authenticate(ctx, si.Token)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != si.User.ID || sess.AuthMethod != "email" || sess.IP != meta.IP || sess.UserAgent != meta.UserAgent {
		t.Fatalf("Authenticate: user %d session %+v, want user %d by email", u.ID, sess, si.User.ID)
	}

	_, err = a.Auth.SignInWithEmailLink(ctx, token, meta)
	wantCode(t, err, maillage.EUNAUTHORIZED)
	if key, _ := maillage.ErrorKey(err); key != "account.email_link.used" {
		t.Fatalf("reused link: %q, want it to say the link has already been used", key)
	}
	wantCode(t, a.Auth.CheckEmailLink(ctx, token, meta.IP), maillage.EUNAUTHORIZED)
	_, err = a.Auth.SignInWithEmailLink(ctx, "jeton-inconnu", meta)
	wantCode(t, err, maillage.EUNAUTHORIZED)

	for _, bad := range []string{"", si.Token + "x"} {
		_, _, err := a.Auth.Authenticate(ctx, bad)
		wantCode(t, err, maillage.EUNAUTHORIZED)
	}

	again, err := a.Auth.SignInWithEmailLink(ctx, requestLink(t, a, email, meta.IP), meta)
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.User.ID != si.User.ID || again.Token == si.Token {
		t.Fatalf("second sign-in: user %d Created=%v, want user %d in a new session", again.User.ID, again.Created, si.User.ID)
	}
}

func TestRequestEmailLinkRateLimit(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	email := "pressee." + uniq() + "@exemple.fr"
	ip := newIP()
	for i := range auth.LimitEmailPerAddress.Max {
		if err := a.Auth.RequestEmailLink(ctx, email, ip, "fr", ""); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	err := a.Auth.RequestEmailLink(ctx, strings.ToUpper(email), ip, "fr", "")
	wantCode(t, err, maillage.ETOOMANY)
	if n := len(mailsTo(t, a, email)); n != auth.LimitEmailPerAddress.Max {
		t.Fatalf("%d mails sent, want %d", n, auth.LimitEmailPerAddress.Max)
	}
	// Issue 10, item 7: those requests came from one machine; the owner of
	// the address, from theirs, still receives a link.
	if err := a.Auth.RequestEmailLink(ctx, email, newIP(), "fr", ""); err != nil {
		t.Fatalf("the owner is locked out by someone else's requests: %v", err)
	}
	if err := a.Auth.RequestEmailLink(ctx, "autre."+uniq()+"@exemple.fr", ip, "fr", ""); err != nil {
		t.Fatalf("another address from the same IP: %v", err)
	}
}

func TestAdminBootstrap(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	chef, adjoint := "chef@exemple.fr", "adjoint."+uniq()+"@exemple.fr"
	cfg := env.Config(t)
	// The configuration lower-cases the list, so a repeated address is a
	// duplicate; it must not stop the sign-in.
	cfg.AdminEmails = []string{chef, adjoint, adjoint}
	a, err := app.Open(ctx, cfg, testenv.Logger(t), app.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	a.Auth.Texts = accountTexts(t)
	meta := auth.SessionMeta{IP: newIP()}
	// chef@exemple.fr is a fixed address: start its rate-limit window afresh
	// so the test can run again on the same database (go test -count=N).
	if _, err := a.DB.NewRaw("DELETE FROM rate_limits WHERE key LIKE ?", "email-addr:"+chef+"%").Exec(ctx); err != nil {
		t.Fatal(err)
	}

	for _, email := range []string{chef, adjoint} {
		t.Run(email, func(t *testing.T) {
			var userID int64
			for i := range 2 {
				si, err := a.Auth.SignInWithEmailLink(ctx, requestLink(t, a, strings.ToUpper(email), meta.IP), meta)
				if err != nil {
					t.Fatalf("sign-in %d: %v", i+1, err)
				}
				if !si.User.Has(maillage.RoleAdministrateur) {
					t.Fatalf("sign-in %d: grants %+v, want administrateur", i+1, si.User.Grants)
				}
				userID = si.User.ID
			}
			if n := countRows(t, a, "SELECT count(*) FROM role_grants WHERE user_id = ? AND role = 'administrateur'", userID); n != 1 {
				t.Fatalf("%d administrateur grants, want 1", n)
			}
			if n := countRows(t, a, "SELECT count(*) FROM audit_log WHERE target_id = ? AND action = 'role.granted'", userID); n != 1 {
				t.Fatalf("%d role.granted audit entries, want 1", n)
			}
			// Another administrator revokes it: the list does not overrule them.
			other, err := a.Users.SignInEmail(ctx, "revocateur."+uniq()+"@exemple.fr")
			if err != nil {
				t.Fatal(err)
			}
			u, err := a.Users.FindUserByID(ctx, userID)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range u.Grants {
				if g.Role == maillage.RoleAdministrateur {
					if err := a.Users.RevokeRole(ctx, other.User.ID, g.ID, meta.IP); err != nil {
						t.Fatal(err)
					}
				}
			}
			si, err := a.Auth.SignInWithEmailLink(ctx, requestLink(t, a, email, meta.IP), meta)
			if err != nil {
				t.Fatal(err)
			}
			if si.User.Has(maillage.RoleAdministrateur) {
				t.Fatal("administrateur granted again after an administrator revoked it")
			}
		})
	}

	t.Run("address not in the list", func(t *testing.T) {
		si, err := a.Auth.SignInWithEmailLink(ctx, requestLink(t, a, "invite."+uniq()+"@exemple.fr", meta.IP), meta)
		if err != nil {
			t.Fatal(err)
		}
		if len(si.User.Grants) != 0 {
			t.Fatalf("grants %+v, want none", si.User.Grants)
		}
	})
}

func countRows(t *testing.T, a *app.App, query string, args ...any) int {
	t.Helper()
	var n int
	if err := a.DB.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}
