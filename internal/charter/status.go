package charter

// SignatureStatus is what the verification page says of a signature.
type SignatureStatus string

// Statuses, in the order they win: a revoked signature stays revoked, a
// withdrawn one withdrawn, whatever version is current.
const (
	StatusValid      SignatureStatus = "valid"
	StatusSuperseded SignatureStatus = "superseded" // a newer version is current: « à re-signer »
	StatusWithdrawn  SignatureStatus = "withdrawn"
	StatusRevoked    SignatureStatus = "revoked"
)

// Key returns the message key of the status (charter.status.valid…).
func (s SignatureStatus) Key() string { return "charter.status." + string(s) }

// Status returns the status of sig given the events after it (any events:
// those of other signatures, and those not after sig, are ignored) and the
// number of the current version.
func Status(sig Event, later []Event, currentVersion int) SignatureStatus {
	withdrawn := false
	for _, e := range later {
		if e.Seq <= sig.Seq || e.SignatureCode != sig.SignatureCode {
			continue
		}
		switch e.Kind {
		case KindRevocation:
			return StatusRevoked
		case KindWithdrawal:
			withdrawn = true
		}
	}
	switch {
	case withdrawn:
		return StatusWithdrawn
	case sig.Version < currentVersion:
		return StatusSuperseded
	}
	return StatusValid
}

// Standing is where a person stands with the charter: their latest
// signature, if any, and its status.
type Standing struct {
	Signed    bool
	Signature Event
	Status    SignatureStatus
}

// MustSign reports whether the person is to sign the current version: never
// signed, signature withdrawn or revoked, or signed an older version
// (« à re-signer »).
func (s Standing) MustSign() bool { return !s.Signed || s.Status != StatusValid }

// StandingOf returns the standing of userID from the events of the chain
// (all of them, or at least all of that user's, in Seq order).
func StandingOf(events []Event, userID int64, currentVersion int) Standing {
	var st Standing
	at := -1
	for i, e := range events {
		if e.Kind == KindSignature && e.UserID == userID {
			st.Signed, st.Signature, at = true, e, i
		}
	}
	if !st.Signed {
		return st
	}
	st.Status = Status(st.Signature, events[at+1:], currentVersion)
	return st
}
