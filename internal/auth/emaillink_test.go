package auth_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/app"
	"maillage/internal/auth"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// accountTexts loads the account mails (internal/web/account/mail.*.yaml).
func accountTexts(t *testing.T) *i18n.Catalog {
	t.Helper()
	c := i18n.NewWithFormats()
	if err := c.Load("account", os.DirFS("../web/account")); err != nil {
		t.Fatal(err)
	}
	return c
}

// newApp wires a portal whose sign-in service renders its mails.
func newApp(t *testing.T) *app.App {
	t.Helper()
	a := testenv.Get(t).App(t)
	a.Auth.Texts = accountTexts(t)
	return a
}

func TestEmailLinkMail(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	const fr = "Votre lien de connexion à Maillage"
	tests := []struct {
		lang              string
		wantLang, subject string
		text              string // part of the body
	}{
		{"fr", "fr", fr, "ouvrez ce lien dans les 15\u00a0minutes\u00a0:"},
		{"en", "en", "Your Maillage sign-in link", "open this link within 15 minutes:"},
		{"de", "fr", fr, "ouvrez ce lien dans les 15\u00a0minutes\u00a0:"},
		{"", "fr", fr, "ouvrez ce lien"},
	}
	for _, tt := range tests {
		t.Run("lang "+tt.lang, func(t *testing.T) {
			email := "langue." + uniq() + "@exemple.fr"
			if err := a.Auth.RequestEmailLink(ctx, email, newIP(), tt.lang, ""); err != nil {
				t.Fatal(err)
			}
			ms := mailsTo(t, a, email)
			if len(ms) != 1 {
				t.Fatalf("%d mails to %s, want 1", len(ms), email)
			}
			m := ms[0]
			got := []string{m.Kind, m.Lang, m.Subject, string(m.State())}
			want := []string{maillage.MailEmailLink, tt.wantLang, tt.subject, string(maillage.MailPending)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("kind, lang, subject, state (-want +got):\n%s", diff)
			}
			if !strings.Contains(m.Text, tt.text) {
				t.Errorf("body without %q:\n%s", tt.text, m.Text)
			}
			// The link of the mail is the token stored with it.
			link := linkToken.FindStringSubmatch(m.Text)
			if link == nil {
				t.Fatalf("no sign-in link in:\n%s", m.Text)
			}
			token, err := url.QueryUnescape(link[1])
			if err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, a, "SELECT count(*) FROM email_tokens WHERE token_hash = ? AND email = ?", maillage.HashToken(token), email); n != 1 {
				t.Fatalf("%d tokens stored under the hash of the mailed link, want 1", n)
			}
		})
	}
}

// The token and its mail are written in one transaction: a request that
// fails leaves neither.
func TestEmailLinkTokenAndMailTogether(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	tokens := func(email string) int {
		return countRows(t, a, "SELECT count(*) FROM email_tokens WHERE email = ?", email)
	}
	mails := func(email string) int {
		return countRows(t, a, "SELECT count(*) FROM mails WHERE recipient = ?", email)
	}

	t.Run("written together", func(t *testing.T) {
		email := "ensemble." + uniq() + "@exemple.fr"
		if err := a.Auth.RequestEmailLink(ctx, email, newIP(), "fr", ""); err != nil {
			t.Fatal(err)
		}
		if got := []int{tokens(email), mails(email)}; !cmp.Equal(got, []int{1, 1}) {
			t.Fatalf("tokens, mails = %v, want [1 1]", got)
		}
	})

	t.Run("mail refused: no token", func(t *testing.T) {
		// A catalogue whose subject has a line break (a header injection):
		// storing the mail fails after the token was inserted.
		bad := i18n.New()
		if err := bad.Load("account", fstest.MapFS{
			"mail.fr.yaml": {Data: []byte("account.mail.email_link.subject: \"Objet\\nBcc: x@exemple.fr\"\naccount.mail.email_link.body: \"{{.Link}}\"\n")},
		}); err != nil {
			t.Fatal(err)
		}
		a := newApp(t)
		a.Auth.Texts = bad
		email := "refus." + uniq() + "@exemple.fr"
		err := a.Auth.RequestEmailLink(ctx, email, newIP(), "fr", "")
		wantCode(t, err, maillage.EINTERNAL)
		if got := []int{tokens(email), mails(email)}; !cmp.Equal(got, []int{0, 0}) {
			t.Fatalf("tokens, mails = %v, want [0 0]", got)
		}
	})

	t.Run("rate limited: neither", func(t *testing.T) {
		email, ip := "limite."+uniq()+"@exemple.fr", newIP()
		for range auth.LimitEmailPerAddress.Max {
			if err := a.Auth.RequestEmailLink(ctx, email, ip, "fr", ""); err != nil {
				t.Fatal(err)
			}
		}
		err := a.Auth.RequestEmailLink(ctx, email, ip, "fr", "")
		wantCode(t, err, maillage.ETOOMANY)
		max := auth.LimitEmailPerAddress.Max
		if got := []int{tokens(email), mails(email)}; !cmp.Equal(got, []int{max, max}) {
			t.Fatalf("tokens, mails = %v, want [%d %d]", got, max, max)
		}
	})

	t.Run("no catalogue: neither", func(t *testing.T) {
		a := testenv.Get(t).App(t)
		a.Auth.Texts = nil // a wiring mistake: no mail can be written
		email := "sans-textes." + uniq() + "@exemple.fr"
		err := a.Auth.RequestEmailLink(ctx, email, newIP(), "fr", "")
		wantCode(t, err, maillage.EINTERNAL)
		if got := []int{tokens(email), mails(email)}; !cmp.Equal(got, []int{0, 0}) {
			t.Fatalf("tokens, mails = %v, want [0 0]", got)
		}
	})
}
