package charter

import (
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"maillage/internal/maillage"
)

// Origin is who acts, when and from where: what the web layer reads from the
// session and the request, with the server's clock.
type Origin struct {
	At         time.Time
	UserID     int64
	Email      string // verified e-mail of the account
	IP         string
	UserAgent  string
	AuthMethod string // how the session was opened ("email", "oidc:proconnect"…)
	AuthLevel  string // the assurance level the provider gave (acr), or ""
	// SessionHash is the SHA-256 (hex) of the session token, as the sessions
	// table keeps it.
	SessionHash string
}

// SignInput is what the signing form sends. Its field names are the form's
// and the API's (typed_name, consent…).
type SignInput struct {
	Version       int    `json:"version"`
	TextSHA256    string `json:"text_sha256"`    // hash of the text the page showed
	ConsentSHA256 string `json:"consent_sha256"` // hash of the consent sentence the page showed
	Consent       bool   `json:"consent"`        // the box was ticked
	TypedName     string `json:"typed_name"`
	StructureID   *int64 `json:"structure_id"`
}

// Limits of what is recorded.
const (
	MaxTypedName = 120  // runes
	MaxReason    = 1000 // runes
	maxUserAgent = 512  // bytes
	maxShort     = 64   // bytes: auth method and level
)

// NewSignature checks a signing form against the current version and the
// signer's history, and returns the signature event, not chained yet (see
// Next). consentText is the consent sentence as the server renders it in the
// signer's language; code is a fresh NewCode.
//
// Refused, in this order: an origin without account (unauthorized) or
// without verified e-mail (forbidden); no version published yet (not found);
// a version that is not the current one
// or a text whose hash differs from the stored one, or a consent sentence
// that changed since the page was shown (conflict: the person must read
// again); a signer whose signature of the current version is still valid
// (conflict: a replayed form); then the form's own problems (invalid: the
// typed name, the consent box), reported together.
func NewSignature(in SignInput, consentText string, current Version, history []Event, o Origin, code string) (Event, error) {
	if err := o.check(); err != nil {
		return Event{}, err
	}
	if o.Email == "" {
		return Event{}, maillage.Errorf(maillage.EFORBIDDEN, "charter.sign.email_unverified")
	}
	if c, ok := NormalizeCode(code); !ok || c != code {
		return Event{}, maillage.Errorf(maillage.EINTERNAL, "charter.sign.bad_code")
	}
	switch {
	case current.Number < 1 || current.SHA256 == "":
		return Event{}, maillage.Errorf(maillage.ENOTFOUND, "charter.sign.no_version")
	case in.Version != current.Number:
		return Event{}, maillage.Errorf(maillage.ECONFLICT, "charter.sign.outdated", "Version", in.Version, "Current", current.Number)
	case in.TextSHA256 != current.SHA256:
		return Event{}, maillage.Errorf(maillage.ECONFLICT, "charter.sign.text_changed", "Version", current.Number)
	case in.ConsentSHA256 != ConsentSHA256(consentText):
		return Event{}, maillage.Errorf(maillage.ECONFLICT, "charter.sign.consent_changed")
	}
	if st := StandingOf(history, o.UserID, current.Number); st.Signed && st.Status == StatusValid {
		return Event{}, maillage.Errorf(maillage.ECONFLICT, "charter.sign.already_signed",
			"Version", current.Number, "Code", st.Signature.SignatureCode)
	}
	var ps maillage.Problems
	name, key := cleanName(in.TypedName)
	if key != "" {
		ps.Add("typed_name", key, "Max", MaxTypedName)
	}
	if !in.Consent {
		ps.Add("consent", "charter.sign.consent_required")
	}
	if err := ps.Err(); err != nil {
		return Event{}, err
	}
	e := o.event(KindSignature)
	e.SignatureCode = code
	e.UserID = o.UserID
	e.TypedName = name
	e.StructureID = in.StructureID
	e.Version = current.Number
	e.TextSHA256 = current.SHA256
	e.ConsentSHA256 = in.ConsentSHA256
	return e, nil
}

// NewWithdrawal returns the event by which the signer withdraws sig (later:
// the events after it, or all of them; current: the current version). The
// reason is optional. Only the signer may withdraw (forbidden), and only a
// signature that is valid or superseded (conflict).
func NewWithdrawal(sig Event, later []Event, current int, o Origin, reason string) (Event, error) {
	if err := o.check(); err != nil {
		return Event{}, err
	}
	if o.UserID != sig.UserID {
		return Event{}, maillage.Errorf(maillage.EFORBIDDEN, "charter.withdraw.not_signer")
	}
	return ending(KindWithdrawal, sig, later, current, o, reason, false)
}

// NewRevocation returns the event by which an administrator (o; the caller
// checked the permission) revokes sig. The reason is required.
func NewRevocation(sig Event, later []Event, current int, o Origin, reason string) (Event, error) {
	if err := o.check(); err != nil {
		return Event{}, err
	}
	return ending(KindRevocation, sig, later, current, o, reason, true)
}

func ending(kind Kind, sig Event, later []Event, current int, o Origin, reason string, required bool) (Event, error) {
	if sig.Kind != KindSignature {
		return Event{}, maillage.Errorf(maillage.EINTERNAL, "charter.withdraw.not_a_signature")
	}
	switch Status(sig, later, current) {
	case StatusWithdrawn:
		return Event{}, maillage.Errorf(maillage.ECONFLICT, "charter.withdraw.already_withdrawn")
	case StatusRevoked:
		return Event{}, maillage.Errorf(maillage.ECONFLICT, "charter.withdraw.already_revoked")
	}
	reason = strings.TrimSpace(norm.NFC.String(cleanText(reason)))
	switch {
	case required && reason == "":
		return Event{}, maillage.Invalid("reason", "charter.revoke.reason_required")
	case utf8.RuneCountInString(reason) > MaxReason:
		return Event{}, maillage.Invalid("reason", "charter.withdraw.reason_too_long", "Max", MaxReason)
	}
	e := o.event(kind)
	e.SignatureCode = sig.SignatureCode
	e.UserID = sig.UserID
	e.Reason = reason
	return e, nil
}

func (o Origin) check() error {
	if o.UserID <= 0 {
		return maillage.Errorf(maillage.EUNAUTHORIZED, "charter.sign.signed_out")
	}
	if o.At.IsZero() || !isHex64(o.SessionHash) {
		return maillage.Errorf(maillage.EINTERNAL, "charter.sign.bad_origin")
	}
	return nil
}

// event starts an event with the origin's evidence, cleaned so that it can
// be stored (PostgreSQL text holds no NUL and only UTF-8) and hashes as
// stored.
func (o Origin) event(kind Kind) Event {
	ip := cut(cleanText(o.IP), maxShort)
	if a, err := netip.ParseAddr(strings.TrimSpace(o.IP)); err == nil {
		ip = a.Unmap().String()
	}
	return Event{
		Kind:       kind,
		At:         o.At.UTC().Truncate(time.Microsecond),
		ActorID:    o.UserID,
		Email:      cut(cleanText(o.Email), 320),
		IP:         ip,
		UserAgent:  cut(cleanText(o.UserAgent), maxUserAgent),
		AuthMethod: cut(cleanText(o.AuthMethod), maxShort),
		AuthLevel:  cut(cleanText(o.AuthLevel), maxShort),
		SessionID:  o.SessionHash,
	}
}

// cleanName returns the typed name with its spaces collapsed, in NFC, or
// the key of what is wrong with it.
func cleanName(s string) (string, string) {
	if !utf8.ValidString(s) {
		return "", "charter.sign.typed_name_invalid"
	}
	name := norm.NFC.String(strings.Join(strings.Fields(s), " "))
	switch {
	case name == "":
		return "", "charter.sign.typed_name_required"
	case utf8.RuneCountInString(name) > MaxTypedName:
		return "", "charter.sign.typed_name_too_long"
	}
	letters := 0
	for _, r := range name {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return "", "charter.sign.typed_name_invalid"
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters == 0 {
		return "", "charter.sign.typed_name_invalid"
	}
	return name, ""
}

// cleanText makes s valid UTF-8 without control characters but tabs.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == '\t' || !unicode.Is(unicode.Cc, r) {
			return r
		}
		return -1
	}, s)
}

// cut shortens s to at most n bytes, between two runes.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
