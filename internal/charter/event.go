package charter

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"maillage/internal/maillage"
)

// Kind is what an event records.
type Kind string

// The kinds of event in the chain.
const (
	KindSignature  Kind = "signature"
	KindWithdrawal Kind = "withdrawal" // the signer withdraws their signature
	KindRevocation Kind = "revocation" // an administrator revokes it, with a reason
)

func (k Kind) valid() bool {
	return k == KindSignature || k == KindWithdrawal || k == KindRevocation
}

// Event is one row of the append-only chain. A signature carries the whole
// evidence; a withdrawal or a revocation names the signature by its code.
// Email, IP, UserAgent, AuthMethod, AuthLevel and SessionID describe the
// session of the person who acted (ActorID).
type Event struct {
	Seq  int64     `json:"seq"`
	Kind Kind      `json:"kind"`
	At   time.Time `json:"at"` // server time, UTC, microseconds
	// SignatureCode is the verification code of the signature (for a
	// withdrawal or a revocation: of the signature it ends).
	SignatureCode string `json:"signature_code"`
	// UserID is the signer; ActorID who acted (the signer, or the
	// administrator who revoked).
	UserID        int64  `json:"user_id"`
	ActorID       int64  `json:"actor_id"`
	Email         string `json:"email"` // verified e-mail of the actor
	TypedName     string `json:"typed_name"`
	StructureID   *int64 `json:"structure_id"`
	Version       int    `json:"version"`
	TextSHA256    string `json:"text_sha256"`
	ConsentSHA256 string `json:"consent_sha256"`
	IP            string `json:"ip"`
	UserAgent     string `json:"user_agent"`
	AuthMethod    string `json:"auth_method"`
	AuthLevel     string `json:"auth_level"`
	// SessionID is the SHA-256 of the session token (as the sessions table
	// keeps it), never the token.
	SessionID string `json:"session_id"`
	Reason    string `json:"reason"`
	PrevHash  string `json:"prev_hash"`
	Hash      string `json:"hash"`
}

// CanonicalHeader is the first line of the canonical form.
const CanonicalHeader = "maillage-charte-evenement/1"

// timeLayout is the form of "at" in the canonical form.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// fieldNames are the fields of the canonical form, in order.
var fieldNames = [...]string{
	"seq", "kind", "at", "signature_code", "user_id", "actor_id", "email",
	"typed_name", "structure_id", "version", "text_sha256", "consent_sha256",
	"ip", "user_agent", "auth_method", "auth_level", "session_id", "reason",
	"prev_hash",
}

func (e *Event) values() [len(fieldNames)]string {
	sid := ""
	if e.StructureID != nil {
		sid = strconv.FormatInt(*e.StructureID, 10)
	}
	return [...]string{
		strconv.FormatInt(e.Seq, 10), string(e.Kind), e.At.UTC().Format(timeLayout),
		e.SignatureCode, strconv.FormatInt(e.UserID, 10), strconv.FormatInt(e.ActorID, 10),
		e.Email, e.TypedName, sid, strconv.Itoa(e.Version), e.TextSHA256, e.ConsentSHA256,
		e.IP, e.UserAgent, e.AuthMethod, e.AuthLevel, e.SessionID, e.Reason, e.PrevHash,
	}
}

// Canonical returns the canonical form of e (see the package documentation):
// every field but Hash, the previous hash included.
func (e *Event) Canonical() []byte {
	var b bytes.Buffer
	b.WriteString(CanonicalHeader)
	b.WriteByte('\n')
	for i, v := range e.values() {
		b.WriteString(fieldNames[i])
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ComputeHash returns the lower-case hex SHA-256 of e's canonical form.
func (e *Event) ComputeHash() string {
	sum := sha256.Sum256(e.Canonical())
	return hex.EncodeToString(sum[:])
}

// ErrCanonical is the cause of every ParseCanonical error.
var ErrCanonical = errors.New("charter: not a canonical event")

// KeyNotCanonical is the message of a ParseCanonical error.
const KeyNotCanonical = "charter.event.not_canonical"

func notCanonical(format string, args ...any) error {
	return maillage.Wrap(maillage.EINVALID, fmt.Errorf("%w: "+format, append([]any{ErrCanonical}, args...)...), KeyNotCanonical)
}

// ParseCanonical reads a canonical form back into an event (Hash left
// empty). It accepts only what Canonical writes: the same fields in the same
// order, exact lengths, integers and times in their one written form, a
// known kind; so Canonical(ParseCanonical(b)) is b.
func ParseCanonical(b []byte) (Event, error) {
	var e Event
	rest, ok := bytes.CutPrefix(b, []byte(CanonicalHeader+"\n"))
	if !ok {
		return e, notCanonical("header")
	}
	var vals [len(fieldNames)]string
	for i, name := range fieldNames {
		rest, ok = bytes.CutPrefix(rest, []byte(name+":"))
		if !ok {
			return e, notCanonical("field %d is not %s", i, name)
		}
		j := bytes.IndexByte(rest, ':')
		if j < 0 || j > 9 {
			return e, notCanonical("%s: length", name)
		}
		n, err := parseUint(string(rest[:j]))
		if err != nil || n > int64(len(rest)-j-2) {
			return e, notCanonical("%s: length", name)
		}
		rest = rest[j+1:]
		vals[i] = string(rest[:n])
		if rest[n] != '\n' {
			return e, notCanonical("%s: no end of line after %d bytes", name, n)
		}
		rest = rest[n+1:]
	}
	if len(rest) != 0 {
		return e, notCanonical("%d bytes after the last field", len(rest))
	}
	var err error
	ints := []struct {
		name string
		s    string
		dst  *int64
	}{{"seq", vals[0], &e.Seq}, {"user_id", vals[4], &e.UserID}, {"actor_id", vals[5], &e.ActorID}}
	for _, f := range ints {
		if *f.dst, err = parseUint(f.s); err != nil {
			return e, notCanonical("%s: %v", f.name, err)
		}
	}
	e.Kind = Kind(vals[1])
	if !e.Kind.valid() {
		return e, notCanonical("kind %q", vals[1])
	}
	if e.At, err = time.Parse(timeLayout, vals[2]); err != nil || e.At.Format(timeLayout) != vals[2] {
		return e, notCanonical("at %q", vals[2])
	}
	if vals[8] != "" {
		id, err := parseUint(vals[8])
		if err != nil {
			return e, notCanonical("structure_id: %v", err)
		}
		e.StructureID = &id
	}
	v, err := parseUint(vals[9])
	if err != nil || v > 1<<31-1 {
		return e, notCanonical("version %q", vals[9])
	}
	e.Version = int(v)
	e.SignatureCode, e.Email, e.TypedName = vals[3], vals[6], vals[7]
	e.TextSHA256, e.ConsentSHA256, e.IP, e.UserAgent = vals[10], vals[11], vals[12], vals[13]
	e.AuthMethod, e.AuthLevel, e.SessionID, e.Reason, e.PrevHash = vals[14], vals[15], vals[16], vals[17], vals[18]
	return e, nil
}

// parseUint reads a non-negative decimal int64 in its one written form (no
// sign, no leading zero).
func parseUint(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != s {
		return 0, fmt.Errorf("not a canonical integer: %q", s)
	}
	return n, nil
}

// Chain links e after the event whose hash is prev ("" for the first event):
// it sets PrevHash, puts At in UTC to the microsecond (what PostgreSQL keeps)
// and computes Hash. Seq is the caller's (the previous Seq + 1; see Next).
func Chain(prev string, e Event) Event {
	e.PrevHash = prev
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = e.ComputeHash()
	return e
}

// Next chains e after the head of the chain: Seq = head.Count + 1.
func Next(head Head, e Event) Event {
	e.Seq = head.Count + 1
	return Chain(head.Hash, e)
}

// Head is the state of the chain after Count events: the hash of the last
// one ("" for an empty chain). Published with the time it was taken, it lets
// anyone who noted it prove later that the first Count events are unchanged.
type Head struct {
	Hash  string    `json:"hash"`
	Count int64     `json:"count"`
	At    time.Time `json:"at"`
}

// HeadOf returns the head of a chain, timed at its last event.
func HeadOf(events []Event) Head {
	if len(events) == 0 {
		return Head{}
	}
	last := events[len(events)-1]
	return Head{Hash: last.Hash, Count: int64(len(events)), At: last.At}
}

// Break is the first place where the chain does not hold.
type Break struct {
	// Seq is the row at fault (for a head: its Count).
	Seq int64
	// Index is the position of that row in the slice given to Verify, -1
	// when the row is missing.
	Index int
	// Key names the message (charter.chain.*); Args gives its arguments.
	Key       string
	Want, Got string
}

// Break keys.
const (
	BreakEdited     = "charter.chain.edited"       // the row's content no longer gives its hash
	BreakMissing    = "charter.chain.missing"      // rows before this one are missing
	BreakOrder      = "charter.chain.out_of_order" // the row comes before its place (reordered or repeated)
	BreakUnlinked   = "charter.chain.unlinked"     // prev_hash is not the previous row's hash
	BreakHeadDiffer = "charter.chain.head_differs" // a published head does not match the chain
	BreakHeadBeyond = "charter.chain.head_beyond"  // a published head counts more rows than the chain has
)

// Args returns the arguments of the message: Seq, and Want and Got.
func (b *Break) Args() []any {
	return []any{"Seq", b.Seq, "Want", b.Want, "Got", b.Got}
}

func (b *Break) Error() string {
	return fmt.Sprintf("charter chain broken at seq %d: %s (want %q, got %q)", b.Seq, b.Key, b.Want, b.Got)
}

// Verify checks a whole chain, read in Seq order from the first event, and
// returns the first break, or nil. Each row must have the next Seq (a gap
// means deleted rows, a smaller one reordered rows), link to the previous
// row's hash, and hash to its Hash (an edited row does not). A chain
// rewritten from some row on with every hash recomputed holds by itself: the
// heads noted earlier (published) show it, each must match the chain at its
// count.
func Verify(events []Event, published ...Head) *Break {
	prev := ""
	for i := range events {
		e := &events[i]
		want := int64(i) + 1
		if e.Seq != want {
			key := BreakOrder // an earlier or repeated row, or the expected one comes later
			if e.Seq > want && !hasSeq(events[i+1:], want) {
				key = BreakMissing
			}
			return &Break{Seq: e.Seq, Index: i, Key: key, Want: strconv.FormatInt(want, 10), Got: strconv.FormatInt(e.Seq, 10)}
		}
		if h := e.ComputeHash(); h != e.Hash {
			return &Break{Seq: e.Seq, Index: i, Key: BreakEdited, Want: e.Hash, Got: h}
		}
		if e.PrevHash != prev {
			return &Break{Seq: e.Seq, Index: i, Key: BreakUnlinked, Want: prev, Got: e.PrevHash}
		}
		prev = e.Hash
	}
	for _, h := range published {
		switch {
		case h.Count < 0:
			return &Break{Seq: h.Count, Index: -1, Key: BreakHeadDiffer, Want: h.Hash}
		case h.Count > int64(len(events)):
			return &Break{Seq: h.Count, Index: -1, Key: BreakHeadBeyond, Want: h.Hash, Got: strconv.Itoa(len(events))}
		case h.Count == 0 && h.Hash != "":
			return &Break{Seq: 0, Index: -1, Key: BreakHeadDiffer, Want: h.Hash}
		case h.Count > 0 && events[h.Count-1].Hash != h.Hash:
			return &Break{Seq: h.Count, Index: int(h.Count - 1), Key: BreakHeadDiffer, Want: h.Hash, Got: events[h.Count-1].Hash}
		}
	}
	return nil
}

func hasSeq(events []Event, seq int64) bool {
	for i := range events {
		if events[i].Seq == seq {
			return true
		}
	}
	return false
}
