package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"maillage/internal/i18n"
	"maillage/internal/maillage"
)

// Config tunes the sign-in service.
type Config struct {
	BaseURL     *url.URL
	SessionIdle time.Duration
	SessionMax  time.Duration
	AdminEmails []string
	// DevMailbox is true when mails are kept in the development mailbox.
	DevMailbox bool
}

// Service signs people in and out.
type Service struct {
	cfg       Config
	Users     maillage.UserService
	Sessions  maillage.SessionService
	Store     maillage.AuthStore
	Tokens    maillage.APITokenService // API tokens (Authorization: Bearer); nil: refused
	Texts     *i18n.Catalog            // renders the mails (account.mail.*: internal/web/account/mail.*.yaml)
	Providers []*Provider
	log       *slog.Logger
}

// NewService builds the sign-in service.
func NewService(cfg Config, users maillage.UserService, sessions maillage.SessionService, store maillage.AuthStore, log *slog.Logger) *Service {
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 12 * time.Hour
	}
	if cfg.SessionMax == 0 {
		cfg.SessionMax = 30 * 24 * time.Hour
	}
	return &Service{cfg: cfg, Users: users, Sessions: sessions, Store: store, log: log}
}

// Config returns the configuration.
func (s *Service) Config() Config { return s.cfg }

// Rate limits of sign-in endpoints (fixed windows, shared through PostgreSQL).
var (
	// LimitEmailPerAddress counts the links asked for an address from one
	// IP: someone else asking for your links from their machine cannot
	// stop you receiving yours (issue 10, item 7).
	LimitEmailPerAddress = Limit{Max: 5, Window: 15 * time.Minute}
	// LimitEmailPerAddressAll bounds the mails an address receives from
	// every IP together (against mail bombing from many addresses).
	LimitEmailPerAddressAll = Limit{Max: 30, Window: time.Hour}
	LimitEmailPerIP         = Limit{Max: 20, Window: 15 * time.Minute}
	LimitSignInPerIP        = Limit{Max: 30, Window: 5 * time.Minute}
)

// Limit is a number of events allowed per window.
type Limit struct {
	Max    int
	Window time.Duration
}

// RateLimit counts one event for key and refuses past the limit.
func (s *Service) RateLimit(ctx context.Context, key string, l Limit) error {
	n, err := s.Store.Hit(ctx, key, l.Window)
	if err != nil {
		return err
	}
	if n > l.Max {
		s.log.Warn("rate limit", "key", key, "hits", n)
		return maillage.Errorf(maillage.ETOOMANY, "account.rate_limited", "Count", int(l.Window.Minutes()))
	}
	return nil
}

// EmailLinkTTL is how long a sign-in link stays valid.
const EmailLinkTTL = 15 * time.Minute

// Message keys of RequestEmailLink.
const (
	KeyEmailRequired = "account.email.required"
	KeyEmailInvalid  = "account.email.invalid"
)

// RequestEmailLink sends a single-use sign-in link, written in lang. The
// token and its mail are stored in one transaction; the mail worker sends
// it. The answer is the same whether or not an account exists for the
// address. returnTo, a same-site path already checked by the caller, is
// where the link leads after signing in ("" for the dashboard).
func (s *Service) RequestEmailLink(ctx context.Context, email, ip, lang, returnTo string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return maillage.Invalid("email", KeyEmailRequired)
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return maillage.Invalid("email", KeyEmailInvalid)
	}
	if s.Texts == nil {
		return errors.New("request sign-in link: auth.Service has no message catalogue (Texts)")
	}
	if err := s.RateLimit(ctx, "email-ip:"+ip, LimitEmailPerIP); err != nil {
		return err
	}
	if err := s.RateLimit(ctx, "email-addr:"+email+"|"+ip, LimitEmailPerAddress); err != nil {
		return err
	}
	if err := s.RateLimit(ctx, "email-addr:"+email, LimitEmailPerAddressAll); err != nil {
		return err
	}
	token := maillage.RandomToken(32)
	lang = i18n.Lang(lang)
	link := s.cfg.BaseURL.String() + "/connexion/email/verifier?jeton=" + url.QueryEscape(token)
	if returnTo = maillage.SafeReturn(returnTo, ""); returnTo != "" {
		link += "&retour=" + url.QueryEscape(returnTo)
	}
	m := &maillage.Mail{
		To:      email,
		Kind:    maillage.MailEmailLink,
		Lang:    lang,
		Subject: s.Texts.T(lang, "account.mail.email_link.subject"),
		Text:    s.Texts.T(lang, "account.mail.email_link.body", "Link", link, "Minutes", int(EmailLinkTTL.Minutes())),
	}
	if err := s.Store.CreateEmailToken(ctx, maillage.HashToken(token), email, ip, time.Now().Add(EmailLinkTTL), m); err != nil {
		return err
	}
	s.log.Info("sign-in link queued", "ip", ip, "mail_id", m.ID)
	return nil
}

func emailLinkError(err error) error {
	switch {
	case errors.Is(err, maillage.ErrTokenUsed):
		return maillage.Wrap(maillage.EUNAUTHORIZED, err, "account.email_link.used")
	case errors.Is(err, maillage.ErrTokenExpired):
		return maillage.Wrap(maillage.EUNAUTHORIZED, err, "account.email_link.expired")
	case errors.Is(err, maillage.ErrTokenUnknown):
		return maillage.Wrap(maillage.EUNAUTHORIZED, err, "account.email_link.unknown")
	}
	return err
}

// CheckEmailLink says whether a link can still be used (without using it),
// so the confirmation page can explain a dead link at once.
func (s *Service) CheckEmailLink(ctx context.Context, token, ip string) error {
	if err := s.Store.PeekEmailToken(ctx, maillage.HashToken(token)); err != nil {
		s.log.Warn("sign-in link refused", "reason", err.Error(), "ip", ip, "step", "check")
		return emailLinkError(err)
	}
	return nil
}

// SignInWithEmailLink uses a link and signs its owner in.
func (s *Service) SignInWithEmailLink(ctx context.Context, token string, meta SessionMeta) (*SignIn, error) {
	if err := s.RateLimit(ctx, "signin-ip:"+meta.IP, LimitSignInPerIP); err != nil {
		return nil, err
	}
	email, err := s.Store.ConsumeEmailToken(ctx, maillage.HashToken(token))
	if err != nil {
		s.log.Warn("sign-in link refused", "reason", err.Error(), "ip", meta.IP)
		return nil, emailLinkError(err)
	}
	out, err := s.Users.SignInEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	return s.finish(ctx, out, "email", "", meta)
}

// SessionMeta describes the browser signing in.
type SessionMeta struct {
	IP, UserAgent string
}

// SignIn is a completed sign-in: the cookie token of the new session.
type SignIn struct {
	User        *maillage.User
	Token       string
	Session     *maillage.Session
	Created     bool
	PendingLink bool
}

// finish creates the session (a new id at every sign-in) and applies the
// administrator bootstrap list.
func (s *Service) finish(ctx context.Context, out *maillage.SignInOutcome, method, idToken string, meta SessionMeta) (*SignIn, error) {
	if out.PendingLink {
		return &SignIn{User: out.User, PendingLink: true}, nil
	}
	u := out.User
	if u.EmailVerified && !u.Has(maillage.RoleAdministrateur) && slices.Contains(s.cfg.AdminEmails, u.Email) {
		// Only once: an administrator who revoked this grant is not overruled
		// at the next sign-in.
		granted, err := s.Users.BootstrapAdmin(ctx, u.ID, meta.IP)
		if err != nil {
			return nil, err
		}
		if granted {
			s.log.Info("administrator granted from MAILLAGE_ADMIN_EMAILS", "user_id", u.ID)
			if u, err = s.Users.FindUserByID(ctx, u.ID); err != nil {
				return nil, err
			}
		}
	}
	token := maillage.RandomToken(32)
	sess := &maillage.Session{UserID: u.ID, AuthMethod: method, IDToken: idToken, ExpiresAt: time.Now().Add(s.cfg.SessionMax), IP: meta.IP, UserAgent: meta.UserAgent}
	if err := s.Sessions.CreateSession(ctx, sess, token); err != nil {
		return nil, err
	}
	s.log.Info("signed in", "user_id", u.ID, "method", method, "created", out.Created, "ip", meta.IP)
	return &SignIn{User: u, Token: token, Session: sess, Created: out.Created}, nil
}

// Authenticate returns the user and session of a cookie token, or
// EUNAUTHORIZED when it is unknown, expired, idle or revoked.
func (s *Service) Authenticate(ctx context.Context, token string) (*maillage.User, *maillage.Session, error) {
	if token == "" {
		return nil, nil, maillage.Errorf(maillage.EUNAUTHORIZED, "account.signin.required")
	}
	sess, err := s.Sessions.FindSession(ctx, token, s.cfg.SessionIdle)
	if err != nil {
		if maillage.ErrorCode(err) == maillage.ENOTFOUND {
			return nil, nil, maillage.Errorf(maillage.EUNAUTHORIZED, "account.session.expired")
		}
		return nil, nil, err
	}
	u, err := s.Users.FindUserByID(ctx, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	return u, sess, nil
}

// AuthenticateBearer returns the user and the token of an API secret
// (Authorization: Bearer), or EUNAUTHORIZED when it is unknown or revoked.
// The user gets the same roles as in a browser.
func (s *Service) AuthenticateBearer(ctx context.Context, secret string) (*maillage.User, *maillage.APIToken, error) {
	if s.Tokens == nil || secret == "" {
		return nil, nil, maillage.Errorf(maillage.EUNAUTHORIZED, "account.token.refused")
	}
	t, err := s.Tokens.AuthenticateAPIToken(ctx, secret)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.Users.FindUserByID(ctx, t.UserID)
	if err != nil {
		if maillage.ErrorCode(err) == maillage.ENOTFOUND {
			return nil, nil, maillage.Errorf(maillage.EUNAUTHORIZED, "account.token.refused")
		}
		return nil, nil, err
	}
	return u, t, nil
}

// SignOut ends one session and returns where the browser goes next: the
// OpenID provider's end-session endpoint when it offers one, else "/".
func (s *Service) SignOut(ctx context.Context, u *maillage.User, sess *maillage.Session) (string, error) {
	if err := s.Sessions.RevokeSession(ctx, u.ID, sess.IDHash); err != nil && maillage.ErrorCode(err) != maillage.ENOTFOUND {
		return "", err
	}
	next := "/"
	for _, p := range s.Providers {
		if p.ID == sess.AuthMethod {
			if end := p.EndSessionURL(ctx, sess.IDToken, s.cfg.BaseURL.String()+"/"); end != "" {
				next = end
			}
		}
	}
	s.log.Info("signed out", "user_id", u.ID)
	return next, nil
}

// Provider returns the configured provider with that id.
func (s *Service) Provider(id string) (*Provider, error) {
	for _, p := range s.Providers {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, maillage.Errorf(maillage.ENOTFOUND, "account.signin.unknown_provider")
}
