package maillage

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Mail is a plain-text mail in the outbox (the mails table). It is written
// in the same transaction as the change that causes it and sent by the
// mail worker (internal/mail), which retries with backoff. Without an SMTP
// server (development) the worker keeps it for the development mailbox,
// which lists the same table.
type Mail struct {
	ID      int64
	To      string // one address, no display name
	Subject string
	Text    string // plain-text body
	Kind    string // what caused it, for logs and tests: "auth.email_link"
	Lang    string // language it is written in ("fr", "en")

	CreatedAt     time.Time
	NextAttemptAt time.Time  // not tried before this time
	SentAt        *time.Time // accepted by the SMTP server (or kept for the development mailbox)
	AbandonedAt   *time.Time // given up: refused for good, or too many attempts
	Attempts      int        // finished attempts, failed or not
	LastError     string     // of the last failed attempt (for logs, never shown to its recipient)
}

// Mail kinds.
const (
	MailEmailLink = "auth.email_link" // a sign-in link
)

// MailState is where a mail stands.
type MailState string

// The states of a mail.
const (
	MailPending   MailState = "pending"
	MailSent      MailState = "sent"
	MailAbandoned MailState = "abandoned"
)

// State says where the mail stands.
func (m *Mail) State() MailState {
	switch {
	case m.SentAt != nil:
		return MailSent
	case m.AbandonedAt != nil:
		return MailAbandoned
	}
	return MailPending
}

// Check reports a mail that cannot be sent. Such a mail is a bug of the
// code that writes it, never a mistake of a person: the error is internal
// (for logs only). A line break in To or Subject would let one header
// inject others, so it is refused here and again by the sender.
func (m *Mail) Check() error {
	var errs []error
	if a, err := mail.ParseAddress(m.To); err != nil || a.Address != m.To || a.Name != "" {
		errs = append(errs, fmt.Errorf("recipient %q is not one bare address", m.To))
	}
	if strings.TrimSpace(m.Subject) == "" {
		errs = append(errs, errors.New("empty subject"))
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		errs = append(errs, errors.New("line break in the subject"))
	}
	if strings.TrimSpace(m.Text) == "" {
		errs = append(errs, errors.New("empty body"))
	}
	if m.Kind == "" {
		errs = append(errs, errors.New("no kind"))
	}
	if m.Lang == "" {
		errs = append(errs, errors.New("no language"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("mail %q to %q: %w", m.Kind, m.To, err)
	}
	return nil
}

// MailFilter selects mails, newest first.
type MailFilter struct {
	To    string // one recipient (compared lower-cased)
	Kind  string
	Limit int // 0: 50
}

// MailStore reads the outbox: the development mailbox lists it, tests look
// into it. Mails are written by the storage of the change that causes them.
type MailStore interface {
	FindMails(ctx context.Context, f MailFilter) ([]*Mail, int, error)
}

// Texts translates catalogue keys (internal/i18n.Catalog implements it):
// a service that writes a mail renders it in the recipient's language.
type Texts interface {
	T(lang, key string, args ...any) string
}
