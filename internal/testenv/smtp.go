package testenv

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPSink is a real SMTP server on loopback (github.com/emersion/go-smtp,
// in the test process) that records the messages it accepts. Stop it and
// Start it again to play an outage: it comes back on the same port.
type SMTPSink struct {
	Addr string // 127.0.0.1:port

	opts      SMTPOptions
	serverTLS *tls.Config
	clientTLS *tls.Config

	mu   sync.Mutex
	srv  *smtp.Server
	msgs []SMTPMessage
}

// SMTPOptions shape the sink.
type SMTPOptions struct {
	// TLS offers STARTTLS with a self-signed certificate for 127.0.0.1
	// (ClientTLS trusts it).
	TLS bool
	// User and Password, when set, are required (AUTH PLAIN) before MAIL.
	User, Password string
	// Refuse, when set, gives the answer to a recipient: nil accepts it,
	// an *smtp.SMTPError refuses it with that reply.
	Refuse func(to string) error
}

// SMTPMessage is a message the sink accepted.
type SMTPMessage struct {
	From   string // envelope
	To     []string
	Data   []byte // as received (CRLF)
	Header mail.Header
	Body   string // decoded from quoted-printable when so encoded, LF line ends
	TLS    bool   // received over TLS
	User   string // authenticated as
}

// StartSMTP starts a sink on a free loopback port; it stops at the end of
// the test.
func StartSMTP(t testing.TB, opts SMTPOptions) *SMTPSink {
	t.Helper()
	s := &SMTPSink{opts: opts}
	if opts.TLS {
		var err error
		if s.serverTLS, s.clientTLS, err = selfSigned(); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// URL is the address of the sink for the portal (smtp://user:password@addr).
func (s *SMTPSink) URL() *url.URL {
	u := &url.URL{Scheme: "smtp", Host: s.Addr}
	if s.opts.User != "" {
		u.User = url.UserPassword(s.opts.User, s.opts.Password)
	}
	return u
}

// ClientTLS returns a TLS configuration that trusts the sink (nil without TLS).
func (s *SMTPSink) ClientTLS() *tls.Config { return s.clientTLS }

// Stop closes the port and waits for the sessions in progress to end (up
// to 5 s, then cuts them). Stopping a stopped sink does nothing.
func (s *SMTPSink) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
	}
}

// Start listens again on the same port, after Stop.
func (s *SMTPSink) Start() error {
	s.mu.Lock()
	running := s.srv != nil
	s.mu.Unlock()
	if running {
		return nil
	}
	var ln net.Listener
	var err error
	for range 100 { // the port may take a moment to be free again
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			s.serve(ln)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("restart the SMTP sink on %s: %w", s.Addr, err)
}

func (s *SMTPSink) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &sinkSession{sink: s, conn: c}, nil
	}))
	srv.Domain = "sink.localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.EnableSMTPUTF8 = true
	srv.AllowInsecureAuth = !s.opts.TLS
	srv.TLSConfig = s.serverTLS
	srv.ErrorLog = discardLogger{}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Messages returns what the sink accepted so far, in order.
func (s *SMTPSink) Messages() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMessage(nil), s.msgs...)
}

// Len returns how many messages the sink accepted.
func (s *SMTPSink) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

type sinkSession struct {
	sink *SMTPSink
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (ss *sinkSession) AuthMechanisms() []string {
	if ss.sink.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *sinkSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, password string) error {
		if user != ss.sink.opts.User || password != ss.sink.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.sink.opts.User != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.sink.opts.Refuse != nil {
		if err := ss.sink.opts.Refuse(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg := SMTPMessage{From: ss.from, To: ss.to, Data: data, User: ss.user}
	_, msg.TLS = ss.conn.TLSConnectionState()
	if m, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		msg.Header = m.Header
		body := io.Reader(m.Body)
		if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			return err
		}
		msg.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	ss.sink.mu.Lock()
	ss.sink.msgs = append(ss.sink.msgs, msg)
	ss.sink.mu.Unlock()
	return nil
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// selfSigned returns a server configuration with a fresh certificate for
// 127.0.0.1 and localhost, and a client configuration that trusts it.
func selfSigned() (server, client *tls.Config, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "maillage test SMTP sink"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	client = &tls.Config{RootCAs: pool}
	return server, client, nil
}
