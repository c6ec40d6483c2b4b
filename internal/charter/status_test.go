package charter_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/charter"
)

func TestStatus(t *testing.T) {
	es := sampleChain(t) // 1: sig v1 (user 1), 2: sig v1 (user 2), 3: sig v2 (user 3), 4: withdrawal of 2, 5: revocation of 1
	early := es[3]
	early.Seq = 1 // a withdrawal of signature 2 that claims to come before it
	tests := []struct {
		name    string
		sig     int
		later   []charter.Event
		current int
		want    charter.SignatureStatus
	}{
		{"current version", 2, es[3:], 2, charter.StatusValid},
		{"older version", 2, es[3:], 3, charter.StatusSuperseded},
		{"signed v1, v1 current", 0, es[1:3], 1, charter.StatusValid},
		{"signed v1, v2 current: à re-signer", 0, es[1:3], 2, charter.StatusSuperseded},
		{"withdrawn", 1, es[2:], 1, charter.StatusWithdrawn},
		{"withdrawn wins over superseded", 1, es[2:], 2, charter.StatusWithdrawn},
		{"revoked", 0, es[1:], 1, charter.StatusRevoked},
		{"events of others ignored", 2, es, 2, charter.StatusValid},
		{"events before the signature ignored", 1, []charter.Event{early}, 1, charter.StatusValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := charter.Status(es[tt.sig], tt.later, tt.current); got != tt.want {
				t.Errorf("Status = %s, want %s", got, tt.want)
			}
		})
	}
	if k := charter.StatusSuperseded.Key(); k != "charter.status.superseded" {
		t.Errorf("Key = %s", k)
	}
}

func TestStandingOf(t *testing.T) {
	es := sampleChain(t)
	tests := []struct {
		user     int64
		current  int
		signed   bool
		status   charter.SignatureStatus
		mustSign bool
	}{
		{1, 2, true, charter.StatusRevoked, true},
		{2, 1, true, charter.StatusWithdrawn, true},
		{3, 2, true, charter.StatusValid, false},
		{3, 3, true, charter.StatusSuperseded, true},
		{4, 2, false, "", true},
	}
	for _, tt := range tests {
		st := charter.StandingOf(es, tt.user, tt.current)
		got := []any{st.Signed, st.Status, st.MustSign()}
		if diff := cmp.Diff([]any{tt.signed, tt.status, tt.mustSign}, got); diff != "" {
			t.Errorf("StandingOf(user %d, v%d) (-want +got):\n%s", tt.user, tt.current, diff)
		}
	}
	// After signing again, the latest signature counts.
	resigned := chainOf(append(es, charter.Event{Kind: charter.KindSignature, At: es[4].At, SignatureCode: fixedCodes(t, 4)[3], UserID: 1, ActorID: 1, Version: 2})...)
	if st := charter.StandingOf(resigned, 1, 2); st.Status != charter.StatusValid || st.Signature.Seq != 6 {
		t.Errorf("after signing again: %+v", st)
	}
}
