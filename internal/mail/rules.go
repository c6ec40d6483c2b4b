package mail

import (
	"bytes"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"maillage/internal/maillage"
)

// Backoff is the wait after a failed attempt: Base after the first one,
// doubled at each further attempt, at most Max. Each wait is drawn in
// [d/2, d] so mails that failed together (an SMTP outage) spread out when
// the server comes back.
type Backoff struct {
	Base, Max time.Duration
}

// DefaultBackoff waits 1 s after a first failure, then 2 s, 4 s, … up to
// 30 minutes between attempts.
var DefaultBackoff = Backoff{Base: time.Second, Max: 30 * time.Minute}

// Delay returns the wait after attempt (1 for the first failure), with r in
// [0, 1) choosing where in [d/2, d] it falls.
func (b Backoff) Delay(attempt int, r float64) time.Duration {
	if b.Base <= 0 {
		b = DefaultBackoff
	}
	if b.Max < b.Base {
		b.Max = b.Base
	}
	d := b.Base
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d/2 + time.Duration(r*float64(d-d/2))
}

// MessageID returns the Message-ID of a mail: its id and its creation time
// (which a database rebuilt from scratch does not give again with the same
// id) at the sender's domain. Every attempt to send a mail uses the same
// one, so a mail sent twice (a crash between the server's acceptance and
// the record of it) is recognisable, and receiving servers that drop
// duplicates drop it.
func MessageID(m *maillage.Mail, domain string) string {
	return "<mail." + strconv.FormatInt(m.ID, 10) + "." + strconv.FormatInt(m.CreatedAt.UnixMicro(), 36) + "@" + domain + ">"
}

// Message returns the RFC 5322 message of m, from from: headers (Date is
// the creation of the mail, stable across attempts; Subject encoded as
// RFC 2047 words when it is not ASCII) and the body in quoted-printable
// UTF-8 with CRLF line ends.
func Message(m *maillage.Mail, from *mail.Address) ([]byte, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	_, domain, ok := strings.Cut(from.Address, "@")
	if !ok || domain == "" {
		return nil, fmt.Errorf("sender %q has no domain", from.Address)
	}
	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("From", from.String())
	header("To", (&mail.Address{Address: m.To}).String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", m.CreatedAt.UTC().Format(time.RFC1123Z))
	header("Message-ID", MessageID(m, domain))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Content-Language", m.Lang)
	// RFC 3834: no vacation auto-reply to a robot.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(m.Text)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}
