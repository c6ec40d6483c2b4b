package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/charter"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

// TestCharterVerify: `maillage charter verify` says the chain is intact,
// then names the first row an edit behind the triggers' back broke, and
// exits 1.
func TestCharterVerify(t *testing.T) {
	env := testenv.Get(t)
	a := env.App(t)
	ctx := context.Background()
	cat, err := app.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	consent := cat.T("fr", "charter.sign.consent")
	cur, err := a.Charter.Current(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var sigs []charter.Event
	for _, email := range []string{"verif-a@exemple.fr", "verif-b@exemple.fr"} {
		out, err := a.Users.SignInEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		e, err := a.Charter.Sign(ctx, charter.SignInput{Version: cur.Number, TextSHA256: cur.SHA256, ConsentSHA256: charter.ConsentSHA256(consent),
			Consent: true, TypedName: "Personne " + email}, consent, "fr",
			charter.Origin{At: time.Now(), UserID: out.User.ID, IP: "192.0.2.1", AuthMethod: "email", SessionHash: maillage.HashToken(email)})
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, e)
	}
	var out bytes.Buffer
	if err := verifyCharter(ctx, &out, a.Charter, cat); err != nil || !strings.Contains(out.String(), "Chaîne intacte") || !strings.Contains(out.String(), sigs[1].Hash) {
		t.Fatalf("intact chain: %v\n%s", err, out.String())
	}
	t.Setenv("DATABASE_URL", env.DatabaseURL)
	if got := run([]string{"charter", "verify"}); got != exitOK {
		t.Errorf("exit %d on an intact chain", got)
	}
	for _, q := range []string{
		"ALTER TABLE charter_events DISABLE TRIGGER USER",
		"UPDATE charter_events SET typed_name = 'Quelqu''un d''autre' WHERE seq = " + itoa(sigs[0].Seq),
		"ALTER TABLE charter_events ENABLE TRIGGER USER",
	} {
		if _, err := a.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	err = verifyCharter(ctx, &out, a.Charter, cat)
	want := "Chaîne rompue : Événement n° " + itoa(sigs[0].Seq) + " : son contenu a été modifié"
	if err == nil || !strings.Contains(strings.ReplaceAll(out.String(), "\u00a0", " "), want) {
		t.Errorf("edited chain: %v\n%s\nwant %q", err, out.String(), want)
	}
	if got := run([]string{"charter", "verify"}); got != exitFail {
		t.Errorf("exit %d on a broken chain, want %d", got, exitFail)
	}
	if got := run([]string{"charter"}); got != exitConfig {
		t.Errorf("exit %d without verb", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
