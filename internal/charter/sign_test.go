package charter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/charter"
	"maillage/internal/maillage"
)

// refusal is what a refused call returned: code, key, fields at fault.
type refusal struct {
	Code   string
	Key    string
	Fields []string
}

func refusalOf(err error) *refusal {
	if err == nil {
		return nil
	}
	key, _ := maillage.ErrorKey(err)
	r := &refusal{Code: maillage.ErrorCode(err), Key: key}
	for _, p := range maillage.ErrorProblems(err) {
		r.Fields = append(r.Fields, p.Field+"="+p.Key)
	}
	return r
}

func TestNewSignature(t *testing.T) {
	tr := newTranslator(t)
	vs := realVersions(t)
	v1, v2 := vs[0], vs[1]
	consent := tr.tr("fr", "charter.sign.consent")
	at := time.Date(2026, 12, 3, 13, 5, 0, 0, time.UTC)
	code := fixedCodes(t, 1)[0]
	form := charter.SignInput{Version: 2, TextSHA256: v2.SHA256, ConsentSHA256: charter.ConsentSHA256(consent), Consent: true, TypedName: "  Camille   Durand  "}
	signedV1 := chainOf(charter.Event{Kind: charter.KindSignature, At: at.Add(-time.Hour), SignatureCode: fixedCodes(t, 2)[1], UserID: 7, ActorID: 7, Version: 1})
	signedV2 := chainOf(charter.Event{Kind: charter.KindSignature, At: at.Add(-time.Hour), SignatureCode: fixedCodes(t, 2)[1], UserID: 7, ActorID: 7, Version: 2})
	withdrawnV2 := chainOf(signedV2[0], charter.Event{Kind: charter.KindWithdrawal, At: at.Add(-time.Minute), SignatureCode: signedV2[0].SignatureCode, UserID: 7, ActorID: 7})

	tests := []struct {
		name    string
		edit    func(in *charter.SignInput, o *charter.Origin)
		current charter.Version
		history []charter.Event
		want    *refusal
	}{
		{"signs", nil, v2, nil, nil},
		{"signs again after a new version", nil, v2, signedV1, nil},
		{"signs again after withdrawing", nil, v2, withdrawnV2, nil},
		{"empty typed name", func(in *charter.SignInput, _ *charter.Origin) { in.TypedName = " \t " }, v2, nil,
			&refusal{maillage.EINVALID, maillage.KeyInvalidForm, []string{"typed_name=charter.sign.typed_name_required"}}},
		{"consent not ticked", func(in *charter.SignInput, _ *charter.Origin) { in.Consent = false }, v2, nil,
			&refusal{maillage.EINVALID, maillage.KeyInvalidForm, []string{"consent=charter.sign.consent_required"}}},
		{"both", func(in *charter.SignInput, _ *charter.Origin) { in.Consent, in.TypedName = false, "" }, v2, nil,
			&refusal{maillage.EINVALID, maillage.KeyInvalidForm, []string{"typed_name=charter.sign.typed_name_required", "consent=charter.sign.consent_required"}}},
		{"name too long", func(in *charter.SignInput, _ *charter.Origin) {
			in.TypedName = strings.Repeat("é", charter.MaxTypedName+1)
		}, v2, nil,
			&refusal{maillage.EINVALID, maillage.KeyInvalidForm, []string{"typed_name=charter.sign.typed_name_too_long"}}},
		{"name without letters", func(in *charter.SignInput, _ *charter.Origin) { in.TypedName = "--- 42" }, v2, nil,
			&refusal{maillage.EINVALID, maillage.KeyInvalidForm, []string{"typed_name=charter.sign.typed_name_invalid"}}},
		{"name with a NUL", func(in *charter.SignInput, _ *charter.Origin) { in.TypedName = "Camille\x00Durand" }, v2, nil,
			&refusal{maillage.EINVALID, maillage.KeyInvalidForm, []string{"typed_name=charter.sign.typed_name_invalid"}}},
		{"outdated version", func(in *charter.SignInput, _ *charter.Origin) { in.Version, in.TextSHA256 = 1, v1.SHA256 }, v2, nil,
			&refusal{maillage.ECONFLICT, "charter.sign.outdated", nil}},
		{"outdated version, even with an empty name", func(in *charter.SignInput, _ *charter.Origin) { in.Version, in.TypedName = 1, "" }, v2, nil,
			&refusal{maillage.ECONFLICT, "charter.sign.outdated", nil}},
		{"changed text", func(in *charter.SignInput, _ *charter.Origin) { in.TextSHA256 = v1.SHA256 }, v2, nil,
			&refusal{maillage.ECONFLICT, "charter.sign.text_changed", nil}},
		{"changed consent sentence", func(in *charter.SignInput, _ *charter.Origin) {
			in.ConsentSHA256 = charter.ConsentSHA256(tr.tr("en", "charter.sign.consent"))
		}, v2, nil, &refusal{maillage.ECONFLICT, "charter.sign.consent_changed", nil}},
		{"no version published", nil, charter.Version{}, nil, &refusal{maillage.ENOTFOUND, "charter.sign.no_version", nil}},
		{"replayed form", nil, v2, signedV2, &refusal{maillage.ECONFLICT, "charter.sign.already_signed", nil}},
		{"signed out", func(_ *charter.SignInput, o *charter.Origin) { o.UserID = 0 }, v2, nil,
			&refusal{maillage.EUNAUTHORIZED, "charter.sign.signed_out", nil}},
		{"e-mail not verified", func(_ *charter.SignInput, o *charter.Origin) { o.Email = "" }, v2, nil,
			&refusal{maillage.EFORBIDDEN, "charter.sign.email_unverified", nil}},
		{"session token instead of its hash", func(_ *charter.SignInput, o *charter.Origin) { o.SessionHash = "raw-token" }, v2, nil,
			&refusal{maillage.EINTERNAL, "charter.sign.bad_origin", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, o := form, origin(7, at)
			if tt.edit != nil {
				tt.edit(&in, &o)
			}
			e, err := charter.NewSignature(in, consent, tt.current, tt.history, o, code)
			if diff := cmp.Diff(tt.want, refusalOf(err)); diff != "" {
				t.Fatalf("NewSignature refusal (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			want := charter.Event{
				Kind: charter.KindSignature, At: at, SignatureCode: code, UserID: 7, ActorID: 7,
				Email: o.Email, TypedName: "Camille Durand", Version: 2, TextSHA256: v2.SHA256,
				ConsentSHA256: charter.ConsentSHA256(consent), IP: o.IP, UserAgent: o.UserAgent,
				AuthMethod: "email", SessionID: o.SessionHash,
			}
			if diff := cmp.Diff(want, e); diff != "" {
				t.Errorf("NewSignature (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOriginCleaned: what comes from the request is made storable
// (PostgreSQL text holds no NUL) before it is hashed.
func TestOriginCleaned(t *testing.T) {
	vs := realVersions(t)
	o := origin(7, time.Date(2026, 12, 3, 13, 5, 0, 999, time.UTC))
	o.IP = "::ffff:192.0.2.44"
	o.UserAgent = "Agent\x00\xff/1.0 " + strings.Repeat("é", 400)
	in := charter.SignInput{Version: 2, TextSHA256: vs[1].SHA256, ConsentSHA256: charter.ConsentSHA256("c"), Consent: true, TypedName: "Cami\u0301lle"}
	e, err := charter.NewSignature(in, "c", vs[1], nil, o, fixedCodes(t, 1)[0])
	if err != nil {
		t.Fatal(err)
	}
	if e.IP != "192.0.2.44" {
		t.Errorf("IP = %q", e.IP)
	}
	if strings.ContainsRune(e.UserAgent, 0) || !strings.HasPrefix(e.UserAgent, "Agent\uFFFD/1.0 é") || len(e.UserAgent) > 512 {
		t.Errorf("UserAgent = %q (%d bytes)", e.UserAgent, len(e.UserAgent))
	}
	if e.TypedName != "Camílle" {
		t.Errorf("TypedName = %q, want NFC", e.TypedName)
	}
	if e.At.Nanosecond() != 0 {
		t.Errorf("At = %v, want microseconds", e.At)
	}
}

func TestWithdrawAndRevoke(t *testing.T) {
	es := sampleChain(t) // 3: sig v2 of user 3, valid
	sig := es[2]
	at := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	admin := origin(99, at)

	w, err := charter.NewWithdrawal(sig, es[3:], 2, origin(3, at), "  Je change de structure.  ")
	if err != nil {
		t.Fatal(err)
	}
	if w.Kind != charter.KindWithdrawal || w.SignatureCode != sig.SignatureCode || w.UserID != 3 || w.ActorID != 3 || w.Reason != "Je change de structure." {
		t.Errorf("withdrawal = %+v", w)
	}
	withdrawn := chainOf(append(es, w)...)
	if s := charter.Status(sig, withdrawn[3:], 2); s != charter.StatusWithdrawn {
		t.Errorf("status after withdrawal = %s", s)
	}
	if charter.Verify(withdrawn) != nil {
		t.Error("chain with the withdrawal does not verify")
	}

	r, err := charter.NewRevocation(sig, es[3:], 2, admin, "Signature faite par un tiers")
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != charter.KindRevocation || r.UserID != 3 || r.ActorID != 99 || r.Email != admin.Email {
		t.Errorf("revocation = %+v", r)
	}

	tests := []struct {
		name string
		call func() error
		want *refusal
	}{
		{"someone else withdraws", func() error {
			_, err := charter.NewWithdrawal(sig, es[3:], 2, origin(4, at), "")
			return err
		}, &refusal{maillage.EFORBIDDEN, "charter.withdraw.not_signer", nil}},
		{"withdrawn twice", func() error {
			_, err := charter.NewWithdrawal(sig, withdrawn[3:], 2, origin(3, at), "")
			return err
		}, &refusal{maillage.ECONFLICT, "charter.withdraw.already_withdrawn", nil}},
		{"revoked after withdrawal", func() error {
			_, err := charter.NewRevocation(sig, withdrawn[3:], 2, admin, "motif")
			return err
		}, &refusal{maillage.ECONFLICT, "charter.withdraw.already_withdrawn", nil}},
		{"revoked twice", func() error {
			_, err := charter.NewRevocation(es[0], es[1:], 2, admin, "motif")
			return err
		}, &refusal{maillage.ECONFLICT, "charter.withdraw.already_revoked", nil}},
		{"revocation without reason", func() error {
			_, err := charter.NewRevocation(sig, es[3:], 2, admin, " \n ")
			return err
		}, &refusal{maillage.EINVALID, maillage.KeyInvalidForm, []string{"reason=charter.revoke.reason_required"}}},
		{"reason too long", func() error {
			_, err := charter.NewWithdrawal(sig, es[3:], 2, origin(3, at), strings.Repeat("a", charter.MaxReason+1))
			return err
		}, &refusal{maillage.EINVALID, maillage.KeyInvalidForm, []string{"reason=charter.withdraw.reason_too_long"}}},
		{"withdraw a withdrawal", func() error {
			_, err := charter.NewWithdrawal(es[3], nil, 2, origin(2, at), "")
			return err
		}, &refusal{maillage.EINTERNAL, "charter.withdraw.not_a_signature", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, refusalOf(tt.call())); diff != "" {
				t.Errorf("refusal (-want +got):\n%s", diff)
			}
		})
	}
}
