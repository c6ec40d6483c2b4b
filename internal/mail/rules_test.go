package mail_test

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/mail"
	"maillage/internal/maillage"
)

func TestBackoff(t *testing.T) {
	b := mail.Backoff{Base: time.Second, Max: 30 * time.Minute}
	tests := []struct {
		attempt  int
		r        float64
		want     time.Duration
		scenario string
	}{
		{1, 0, 500 * time.Millisecond, "first failure, shortest draw"},
		{1, 0.5, 750 * time.Millisecond, "first failure, middle draw"},
		{2, 0, time.Second, "doubled"},
		{3, 0.5, 3 * time.Second, "4 s, middle draw"},
		{11, 0, 512 * time.Second, "1024 s"},
		{12, 0, 15 * time.Minute, "capped at 30 min"},
		{60, 1, 30 * time.Minute, "capped, longest draw"},
		{1000, 0, 15 * time.Minute, "no overflow"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			if got := b.Delay(tt.attempt, tt.r).Round(time.Microsecond); got != tt.want {
				t.Fatalf("Delay(%d, %v) = %s, want %s", tt.attempt, tt.r, got, tt.want)
			}
		})
	}
	if got := (mail.Backoff{}).Delay(2, 0); got != time.Second {
		t.Fatalf("zero Backoff: Delay(2, 0) = %s, want DefaultBackoff's 1s", got)
	}
}

func testMail() *maillage.Mail {
	return &maillage.Mail{
		ID: 42, To: "élodie.durand@exemple.fr", Kind: maillage.MailEmailLink, Lang: "fr",
		Subject:   "Votre lien de connexion à Maillage",
		Text:      "Bonjour,\n\nOuvrez ce lien dans les 15\u00a0minutes\u00a0:\n\nhttps://maillage.example.fr/connexion/email/verifier?jeton=abc_-DEF\n\n— Maillage, le réseau de la médiation numérique\n" + strings.Repeat("é", 100) + "\n.\nfin\n",
		CreatedAt: time.Date(2026, 12, 3, 14, 5, 6, 789000, time.FixedZone("CET", 3600)),
	}
}

func TestMessage(t *testing.T) {
	from, _ := netmail.ParseAddress("Maillage <ne-pas-repondre@maillage.example.fr>")
	m := testMail()
	raw, err := mail.Message(m, from)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 78 || bytes.ContainsRune(line, '\n') {
			t.Fatalf("line %d is not a short CRLF line: %q", i+1, line)
		}
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	date, err := msg.Header.Date()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{
		"From":         msg.Header.Get("From"),
		"To":           msg.Header.Get("To"),
		"Subject":      subject,
		"Date":         date.UTC().Format(time.RFC3339),
		"Message-ID":   msg.Header.Get("Message-ID"),
		"Content-Type": msg.Header.Get("Content-Type"),
		"Language":     msg.Header.Get("Content-Language"),
		"Auto":         msg.Header.Get("Auto-Submitted"),
	}
	want := map[string]string{
		"From":         "\"Maillage\" <ne-pas-repondre@maillage.example.fr>",
		"To":           "<élodie.durand@exemple.fr>",
		"Subject":      m.Subject,
		"Date":         "2026-12-03T13:05:06Z",
		"Message-ID":   mail.MessageID(m, "maillage.example.fr"),
		"Content-Type": "text/plain; charset=utf-8",
		"Language":     "fr",
		"Auto":         "auto-generated",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m.Text, strings.ReplaceAll(string(body), "\r\n", "\n")); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}

	again, _ := mail.Message(m, from)
	if !bytes.Equal(raw, again) {
		t.Error("two renderings of one mail differ: a resend would not be the same message")
	}
	other := testMail()
	other.CreatedAt = other.CreatedAt.Add(time.Microsecond)
	if mail.MessageID(other, "d") == mail.MessageID(m, "d") {
		t.Error("same Message-ID for the same id created at another time (a rebuilt database)")
	}

	bad := testMail()
	bad.Subject = "Objet\nBcc: x@exemple.fr"
	if _, err := mail.Message(bad, from); err == nil {
		t.Error("a subject with a line break was rendered")
	}
}
