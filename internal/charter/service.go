package charter

import (
	"context"
	"strings"
	"time"

	"maillage/internal/maillage"
)

// Service is the charter as the web layer and the commands use it
// (internal/postgres implements it). Times are the caller's clock: the
// signature's server time is Origin.At, the current version is the one in
// force at now.
type Service interface {
	// Versions returns every stored version, by number.
	Versions(ctx context.Context) ([]Version, error)
	// Version returns one version (not found: charter.version.not_found).
	Version(ctx context.Context, number int) (Version, error)
	// Current returns the version in force at now (not found before the
	// first publication: charter.sign.no_version).
	Current(ctx context.Context, now time.Time) (Version, error)

	// Standing returns where a person stands at now, with the current
	// version.
	Standing(ctx context.Context, userID int64, now time.Time) (MyStanding, error)
	// Structures lists the structures a person is an active member of
	// (those a signature may name).
	Structures(ctx context.Context, userID int64) ([]StructureRef, error)
	// Sign records a signature of the current version at o.At (see
	// NewSignature for what is refused), chained after the head.
	Sign(ctx context.Context, in SignInput, consentText, lang string, o Origin) (Event, error)
	// Withdraw records the withdrawal of the person's latest signature.
	Withdraw(ctx context.Context, o Origin, reason string) (Event, error)
	// Revoke records the revocation of a signature by an administrator
	// (o), with its reason, and audits it.
	Revoke(ctx context.Context, code string, o Origin, reason string) (Event, error)

	// Signature returns a signature by its code with the events that
	// ended it, if any (not found: charter.verify.not_found).
	Signature(ctx context.Context, code string) (Event, []Event, error)
	// Attestation returns what the attestation of a person's latest
	// signature carries: the signature, the text signed and the consent
	// sentence shown.
	Attestation(ctx context.Context, userID int64) (Event, string, string, error)
	// Verify returns what the public may know of a signature.
	Verify(ctx context.Context, code string, now time.Time) (Verification, error)

	// Head returns the current head of the chain.
	Head(ctx context.Context) (Head, error)
	// Heads returns the dated history of heads: the last head of each day
	// (Europe/Paris), newest first, at most limit.
	Heads(ctx context.Context, limit int) ([]Head, error)
	// VerifyChain reads the whole chain and every recorded head and
	// returns the first break (nil when it holds) and the number of events.
	VerifyChain(ctx context.Context) (*Break, int64, error)

	// StructureSigners is what a structure's referent (or an
	// administrator) sees: its active members and where each stands.
	StructureSigners(ctx context.Context, viewer maillage.Viewer, structureID int64, now time.Time) (*StructureView, error)
	// Invite sends a structure's invitation to sign the charter to an
	// address, the same whether or not it has an account.
	Invite(ctx context.Context, viewer maillage.Viewer, structureID int64, in InviteInput, lang string) error

	// Badge returns who may see the charter badge on a person's profile
	// (private when never chosen).
	Badge(ctx context.Context, userID int64) (maillage.Visibility, error)
	// SetBadge records that choice.
	SetBadge(ctx context.Context, userID int64, v maillage.Visibility) error
}

// MyStanding is where a person stands with the charter.
type MyStanding struct {
	Standing
	Current Version
	// Ended is the withdrawal or revocation of the latest signature.
	Ended *Event
}

// StructureRef names a structure.
type StructureRef struct {
	ID  int64  `json:"id"`
	Nom string `json:"nom"`
}

// Verification is what the public verification page and API reveal of a
// signature: the name typed, the version, the date, the status. Nothing
// else (no e-mail, no structure, no address, no evidence).
type Verification struct {
	Code      string          `json:"code"`
	TypedName string          `json:"typed_name"`
	Version   int             `json:"version"`
	SignedAt  time.Time       `json:"signed_at"`
	Status    SignatureStatus `json:"status"`
}

// VerificationOf builds the public view of a signature.
func VerificationOf(sig Event, later []Event, current int) Verification {
	return Verification{Code: sig.SignatureCode, TypedName: sig.TypedName, Version: sig.Version,
		SignedAt: sig.At.UTC(), Status: Status(sig, later, current)}
}

// Signer is a member of a structure and where they stand.
type Signer struct {
	UserID      int64
	ProfileID   *int64
	DisplayName string
	Role        string // member role (domain.member_role.*)
	Standing    Standing
	// ForStructure: the signature names this structure.
	ForStructure bool
}

// StructureView is a structure's members and their signatures.
type StructureView struct {
	Structure StructureRef
	Current   Version
	Signers   []Signer
	// Counts by status ("valid", "superseded", "withdrawn", "revoked",
	// "none").
	Counts      map[string]int
	Invitations []Invitation
}

// Invitation is a structure's invitation to sign the charter.
type Invitation struct {
	Email     string    `json:"email"`
	InvitedBy string    `json:"invited_by"`
	CreatedAt time.Time `json:"created_at"`
}

// InviteInput is what a referent sends to invite an aidant to sign.
type InviteInput struct {
	Email   string `json:"email"`
	Message string `json:"message"` // optional, said in the mail
}

// MaxInviteMessage is the longest personal message of an invitation.
const MaxInviteMessage = 500

// Validate is the one rule for an invitation to sign.
func (in *InviteInput) Validate() maillage.Problems {
	var ps maillage.Problems
	in.Email = normEmail(in.Email)
	if !maillage.ValidEmail(in.Email) {
		ps.Add("email", "charter.invite.email_invalid")
	}
	in.Message = trimText(in.Message)
	maillage.CheckText(&ps, "message", in.Message, MaxInviteMessage, true)
	return ps
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func trimText(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
