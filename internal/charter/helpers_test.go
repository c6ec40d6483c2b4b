package charter_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"

	"maillage/internal/charter"
)

// catalogueDir holds the message files of the charter.
const catalogueDir = "../web/charter"

// contentDir holds the charter versions.
const contentDir = "../../content/charte"

// translator reads the catalogues with go-i18n, as the web layer does.
type translator struct {
	t      testing.TB
	bundle *i18n.Bundle
}

func newTranslator(t testing.TB) *translator {
	t.Helper()
	b := i18n.NewBundle(language.French)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	for _, lang := range []string{"fr", "en"} {
		if _, err := b.LoadMessageFile(filepath.Join(catalogueDir, "messages."+lang+".yaml")); err != nil {
			t.Fatalf("load catalogue %s: %v", lang, err)
		}
	}
	return &translator{t: t, bundle: b}
}

// tr translates key with name/value pairs.
func (tr *translator) tr(lang, key string, args ...any) string {
	tr.t.Helper()
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		data[args[i].(string)] = args[i+1]
	}
	s, err := i18n.NewLocalizer(tr.bundle, lang).Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil {
		tr.t.Fatalf("translate %s (%s): %v", key, lang, err)
	}
	return s
}

// dateTime formats t as the pages and the attestation show it.
func (tr *translator) dateTime(lang string, t time.Time) string {
	return tr.tr(lang, charter.KeyDateTime, charter.DateTimeArgs(t, tr.tr(lang, charter.MonthKey(t)))...)
}

// realVersions reads content/charte.
func realVersions(t testing.TB) []charter.Version {
	t.Helper()
	vs, err := charter.ParseVersions(os.DirFS(contentDir))
	if err != nil {
		t.Fatalf("ParseVersions(content/charte): %v", err)
	}
	return vs
}

func sessionHash(s string) string { return charter.TextSHA256("session:" + s) }

func origin(user int64, at time.Time) charter.Origin {
	return charter.Origin{
		At:          at,
		UserID:      user,
		Email:       fmt.Sprintf("aidant%d@exemple.fr", user),
		IP:          "192.0.2.10",
		UserAgent:   "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
		AuthMethod:  "email",
		AuthLevel:   "",
		SessionHash: sessionHash(fmt.Sprint(user)),
	}
}

// fixedCodes returns codes drawn from a fixed byte stream.
func fixedCodes(t testing.TB, n int) []string {
	t.Helper()
	r := bytes.NewReader(bytes.Repeat([]byte("maillage-charte-codes"), n))
	out := make([]string, n)
	for i := range out {
		c, err := charter.NewCodeFrom(r)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// chainOf chains events from the start, as storage does.
func chainOf(events ...charter.Event) []charter.Event {
	out := make([]charter.Event, 0, len(events))
	head := charter.Head{}
	for _, e := range events {
		e = charter.Next(head, e)
		out = append(out, e)
		head = charter.HeadOf(out)
	}
	return out
}

// sampleChain is five events: three signatures, a withdrawal, a revocation.
func sampleChain(t testing.TB) []charter.Event {
	t.Helper()
	codes := fixedCodes(t, 3)
	at := time.Date(2026, 12, 3, 13, 5, 0, 0, time.UTC)
	sid := int64(42)
	sig := func(i int, user int64, version int) charter.Event {
		o := origin(user, at.Add(time.Duration(i)*time.Minute))
		return charter.Event{
			Kind: charter.KindSignature, At: o.At, SignatureCode: codes[i], UserID: user, ActorID: user,
			Email: o.Email, TypedName: fmt.Sprintf("Aidant %d", i), StructureID: &sid, Version: version,
			TextSHA256: charter.TextSHA256("texte"), ConsentSHA256: charter.ConsentSHA256("consentement"),
			IP: o.IP, UserAgent: o.UserAgent, AuthMethod: o.AuthMethod, SessionID: o.SessionHash,
		}
	}
	return chainOf(
		sig(0, 1, 1),
		sig(1, 2, 1),
		sig(2, 3, 2),
		charter.Event{Kind: charter.KindWithdrawal, At: at.Add(time.Hour), SignatureCode: codes[1], UserID: 2, ActorID: 2, Email: "b@exemple.fr", SessionID: sessionHash("w")},
		charter.Event{Kind: charter.KindRevocation, At: at.Add(2 * time.Hour), SignatureCode: codes[0], UserID: 1, ActorID: 99, Email: "admin@exemple.fr", SessionID: sessionHash("r"), Reason: "Compte usurpé"},
	)
}
