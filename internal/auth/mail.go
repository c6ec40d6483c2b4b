package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"maillage/internal/maillage"
)

// Mailer sends a plain-text mail.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// DevMailbox keeps mails in the database, readable on the development
// mailbox page. Used when no SMTP server is configured (never in production).
type DevMailbox struct {
	Store maillage.AuthStore
	Log   *slog.Logger
}

// Send stores the mail.
func (m *DevMailbox) Send(ctx context.Context, to, subject, body string) error {
	if m.Log != nil {
		m.Log.Info("mail kept in the development mailbox", "to", to, "subject", subject)
	}
	return m.Store.SaveDevMail(ctx, to, subject, body)
}

// SMTPMailer sends through an SMTP server given as smtp://user:pass@host:port
// (STARTTLS is used when the server offers it).
type SMTPMailer struct {
	URL  *url.URL
	From string
}

// Send delivers the mail.
func (m *SMTPMailer) Send(ctx context.Context, to, subject, body string) error {
	host := m.URL.Hostname()
	port := m.URL.Port()
	if port == "" {
		port = "587"
	}
	var a smtp.Auth
	if m.URL.User != nil {
		pass, _ := m.URL.User.Password()
		a = smtp.PlainAuth("", m.URL.User.Username(), pass, host)
	}
	msg := strings.Join([]string{
		"From: " + m.From,
		"To: " + to,
		"Subject: " + mimeHeader(subject),
		"Date: " + time.Now().Format(time.RFC1123Z),
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
		"",
		body,
	}, "\r\n")
	addr := net.JoinHostPort(host, port)
	if err := smtp.SendMail(addr, a, addrOnly(m.From), []string{to}, []byte(msg)); err != nil {
		return fmt.Errorf("smtp send to %s: %w", addr, err)
	}
	return nil
}

func addrOnly(from string) string {
	if i := strings.LastIndex(from, "<"); i >= 0 {
		return strings.TrimSuffix(from[i+1:], ">")
	}
	return from
}

func mimeHeader(s string) string {
	for _, r := range s {
		if r > 127 {
			return "=?utf-8?q?" + qEncode(s) + "?="
		}
	}
	return s
}

func qEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == ' ':
			b.WriteByte('_')
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String()
}
