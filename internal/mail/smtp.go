package mail

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"time"

	"maillage/internal/maillage"
)

// Sender delivers one mail. Send returns nil once the mail is accepted:
// the worker records it as sent at once. A failure wrapped with Permanent
// concerns this mail alone and will not change (the worker gives up on
// it); one wrapped with Unreachable is of the server or the way to it (the
// worker postpones the other mails it holds too); any other is retried
// with backoff.
type Sender interface {
	Send(ctx context.Context, m *maillage.Mail) error
}

type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// Permanent marks a failure that retrying will not change: the server
// refused the recipient or the message for good (a 5xx reply).
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool { return errors.As(err, new(permanentError)) }

type unreachableError struct{ error }

func (e unreachableError) Unwrap() error { return e.error }

// Unreachable marks a failure of the server, not of the mail: connection,
// greeting, TLS, authentication, refused sender. The next mails would meet
// it too.
func Unreachable(err error) error { return unreachableError{err} }

// IsUnreachable reports whether err was marked Unreachable.
func IsUnreachable(err error) bool { return errors.As(err, new(unreachableError)) }

// SMTPSender sends through an SMTP submission server given as
// smtp://user:password@host:port (port 587 when absent). It switches to TLS
// (STARTTLS) whenever the server offers it and authenticates with PLAIN,
// which net/smtp refuses to do in clear except on loopback. One connection
// per mail: the portal sends few mails, and a connection never outlives
// the attempt that opened it.
//
// It uses net/smtp rather than github.com/emersion/go-smtp's client: the
// latter has no STARTTLS on an opened session (only "TLS required" or
// none), so "TLS when offered" would cost a second connection, and it
// resets connection deadlines at each command where net/smtp lets one
// deadline bound the whole exchange.
type SMTPSender struct {
	addr, host string
	from       *mail.Address
	auth       smtp.Auth
	// TLS configures STARTTLS (nil: the system's roots, the server's host
	// name). Tests set RootCAs.
	TLS *tls.Config
	// LocalName is the name given in EHLO (default: the host name).
	LocalName string
	// Timeout bounds one attempt when ctx has no deadline (default 1 min).
	Timeout time.Duration
}

// NewSMTPSender returns a sender for an smtp:// URL and a From address
// ("Maillage <ne-pas-repondre@maillage.example.fr>").
func NewSMTPSender(u *url.URL, from string) (*SMTPSender, error) {
	if u == nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, errors.New("SMTP server: want smtp://user:password@host:port")
	}
	f, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail sender %q: %w", from, err)
	}
	s := &SMTPSender{host: u.Hostname(), from: f}
	port := u.Port()
	if port == "" {
		port = "587"
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		pass, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pass, s.host)
	}
	return s, nil
}

// Send delivers m and returns as soon as the server accepted it (the reply
// to the end of DATA): QUIT is sent afterwards, so that nothing stands
// between the acceptance and the worker's record of it.
func (s *SMTPSender) Send(ctx context.Context, m *maillage.Mail) error {
	msg, err := Message(m, s.from)
	if err != nil {
		return Permanent(err)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(cmp.Or(s.Timeout, time.Minute))
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return Unreachable(fmt.Errorf("smtp %s: %w", s.addr, err))
	}
	// One deadline for the whole exchange; cancelling ctx ends it at once.
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		stop()
		conn.Close()
		return Unreachable(fmt.Errorf("smtp %s: greeting: %w", s.addr, err))
	}
	accepted := false
	defer func() {
		if !accepted {
			stop()
			c.Close()
		}
	}()
	step := func(what string, err error) error { return fmt.Errorf("smtp %s: %s: %w", s.addr, what, err) }
	if err := c.Hello(s.localName()); err != nil {
		return Unreachable(step("EHLO", err))
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return Unreachable(step("STARTTLS", err))
		}
	}
	if s.auth != nil {
		if ok, _ := c.Extension("AUTH"); !ok {
			return Unreachable(step("AUTH", errors.New("the server offers no authentication")))
		}
		if err := c.Auth(s.auth); err != nil {
			return Unreachable(step("AUTH", err))
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return Unreachable(step("MAIL FROM", err))
	}
	if err := c.Rcpt(m.To); err != nil {
		return classify(step("RCPT TO", err))
	}
	w, err := c.Data()
	if err != nil {
		return classify(step("DATA", err))
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return step("DATA", err)
	}
	if err := w.Close(); err != nil {
		// A reply lost here (connection cut after the final dot) may hide
		// an accepted mail: the one case of a mail sent twice.
		return classify(step("end of DATA", err))
	}
	accepted = true
	// The caller cancels ctx once it recorded the mail: QUIT must not
	// depend on it (the connection deadline still bounds it).
	stop()
	go func() {
		_ = c.Quit()
		c.Close()
	}()
	return nil
}

// classify marks a 5xx reply as permanent; 4xx replies and broken
// connections are retried.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return Permanent(err)
	}
	return err
}

func (s *SMTPSender) tlsConfig() *tls.Config {
	c := &tls.Config{}
	if s.TLS != nil {
		c = s.TLS.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = s.host
	}
	return c
}

func (s *SMTPSender) localName() string {
	if s.LocalName != "" {
		return s.LocalName
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}

// DevMailbox is the sender of development, when no SMTP server is
// configured: mails are kept in the outbox, where the development mailbox
// (/dev/courriels) lists them, and the worker records them as sent.
type DevMailbox struct {
	Log *slog.Logger
}

// Send keeps the mail (it is already in the outbox).
func (d DevMailbox) Send(ctx context.Context, m *maillage.Mail) error {
	if d.Log != nil {
		d.Log.Info("mail kept for the development mailbox", "mail_id", m.ID, "kind", m.Kind, "to", m.To, "subject", m.Subject)
	}
	return nil
}
