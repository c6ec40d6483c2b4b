package charter_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/charter"
	"maillage/internal/maillage"
)

func TestVerify(t *testing.T) {
	// rechain recomputes every hash from row i on, as a forger would.
	rechain := func(es []charter.Event, from int) {
		for i := from; i < len(es); i++ {
			prev := ""
			if i > 0 {
				prev = es[i-1].Hash
			}
			es[i] = charter.Chain(prev, es[i])
		}
	}
	published := func(es []charter.Event, n int) charter.Head { return charter.HeadOf(es[:n]) }

	tests := []struct {
		name   string
		tamper func(es []charter.Event) ([]charter.Event, []charter.Head)
		want   *charter.Break // Want and Got are not compared
	}{
		{"intact", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			return es, []charter.Head{published(es, 2), published(es, 5), {}}
		}, nil},
		{"edited row", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			es[2].TypedName = "Quelqu'un d'autre"
			return es, nil
		}, &charter.Break{Seq: 3, Index: 2, Key: charter.BreakEdited}},
		{"edited time", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			es[1].At = es[1].At.Add(-24 * time.Hour)
			return es, nil
		}, &charter.Break{Seq: 2, Index: 1, Key: charter.BreakEdited}},
		{"edited row, its hash recomputed", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			es[2].Version = 1
			es[2].Hash = es[2].ComputeHash()
			return es, nil
		}, &charter.Break{Seq: 4, Index: 3, Key: charter.BreakUnlinked}},
		{"deleted row", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			return slices.Delete(es, 3, 4), nil
		}, &charter.Break{Seq: 5, Index: 3, Key: charter.BreakMissing}},
		{"deleted first row", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			return es[1:], nil
		}, &charter.Break{Seq: 2, Index: 0, Key: charter.BreakMissing}},
		{"deleted row, later rows renumbered", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			es = slices.Delete(es, 1, 2)
			for i := range es {
				es[i].Seq = int64(i) + 1
			}
			return es, nil
		}, &charter.Break{Seq: 2, Index: 1, Key: charter.BreakEdited}},
		{"deleted row, later rows renumbered and rehashed", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			h := published(es, 4)
			es = slices.Delete(es, 1, 2)
			for i := range es {
				es[i].Seq = int64(i) + 1
			}
			rechain(es, 1)
			return es, []charter.Head{h}
		}, &charter.Break{Seq: 4, Index: 3, Key: charter.BreakHeadDiffer}},
		{"deleted last rows", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			h := published(es, 5)
			return es[:3], []charter.Head{h}
		}, &charter.Break{Seq: 5, Index: -1, Key: charter.BreakHeadBeyond}},
		{"reordered rows", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			es[1], es[2] = es[2], es[1]
			return es, nil
		}, &charter.Break{Seq: 3, Index: 1, Key: charter.BreakOrder}},
		{"repeated row", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			return slices.Insert(es, 3, es[2]), nil
		}, &charter.Break{Seq: 3, Index: 3, Key: charter.BreakOrder}},
		{"reordered contents, numbers kept", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			es[1], es[2] = es[2], es[1]
			es[1].Seq, es[2].Seq = 2, 3
			return es, nil
		}, &charter.Break{Seq: 2, Index: 1, Key: charter.BreakEdited}},
		{"reordered and rehashed: the published head shows it", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			h := published(es, 3)
			es[1], es[2] = es[2], es[1]
			es[1].Seq, es[2].Seq = 2, 3
			rechain(es, 1)
			return es, []charter.Head{h}
		}, &charter.Break{Seq: 3, Index: 2, Key: charter.BreakHeadDiffer}},
		{"history rewritten from a row on", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			h2, h5 := published(es, 2), published(es, 5)
			es[2].TypedName = "Quelqu'un d'autre"
			rechain(es, 2)
			return es, []charter.Head{h2, h5}
		}, &charter.Break{Seq: 5, Index: 4, Key: charter.BreakHeadDiffer}},
		{"forged head", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			h := published(es, 5)
			h.Hash = charter.TextSHA256("forged")
			return es, []charter.Head{h}
		}, &charter.Break{Seq: 5, Index: 4, Key: charter.BreakHeadDiffer}},
		{"forged head of an empty chain", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			return es, []charter.Head{{Hash: charter.TextSHA256("forged")}}
		}, &charter.Break{Seq: 0, Index: -1, Key: charter.BreakHeadDiffer}},
		{"first row linked to something", func(es []charter.Event) ([]charter.Event, []charter.Head) {
			es[0] = charter.Chain(charter.TextSHA256("before"), es[0])
			rechain(es, 1)
			return es, nil
		}, &charter.Break{Seq: 1, Index: 0, Key: charter.BreakUnlinked}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, heads := tt.tamper(sampleChain(t))
			got := charter.Verify(events, heads...)
			if got != nil {
				got.Want, got.Got = "", ""
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Verify (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChainLinks(t *testing.T) {
	es := sampleChain(t)
	if es[0].PrevHash != "" {
		t.Errorf("first PrevHash = %q, want empty", es[0].PrevHash)
	}
	for i := 1; i < len(es); i++ {
		if es[i].PrevHash != es[i-1].Hash || es[i].Seq != int64(i+1) {
			t.Errorf("event %d: seq %d prev %s, want seq %d prev %s", i, es[i].Seq, es[i].PrevHash, i+1, es[i-1].Hash)
		}
	}
	head := charter.HeadOf(es)
	if want := (charter.Head{Hash: es[4].Hash, Count: 5, At: es[4].At}); head != want {
		t.Errorf("HeadOf = %+v, want %+v", head, want)
	}
	// Chain keeps what PostgreSQL keeps: UTC, microseconds.
	e := charter.Chain("", charter.Event{Seq: 1, Kind: charter.KindSignature, At: time.Date(2026, 12, 3, 14, 5, 0, 123456789, maillage.Paris)})
	if want := time.Date(2026, 12, 3, 13, 5, 0, 123456000, time.UTC); !e.At.Equal(want) || e.At.Location() != time.UTC {
		t.Errorf("Chain At = %v, want %v", e.At, want)
	}
	stored := e
	stored.At = e.At.Local() // read back from the database in another zone
	if stored.ComputeHash() != e.Hash {
		t.Error("the hash depends on the zone of At")
	}
}

// goldenEvent has every field set, including bytes that would trouble a
// naive form: separators, a NUL, accents.
func goldenEvent() charter.Event {
	sid := int64(7)
	return charter.Event{
		Seq: 12, Kind: charter.KindSignature, At: time.Date(2026, 12, 3, 13, 5, 9, 250000000, time.UTC),
		SignatureCode: "7K3M-Q9XD-2HRT", UserID: 31, ActorID: 31, Email: "camille.durand@exemple.fr",
		TypedName: "Camille Durand-Lefèvre", StructureID: &sid, Version: 2,
		TextSHA256:    "5d41402abc4b2a76b9719d911017c592ae2c1d9e8b7e0e3c0d0f1f0e6b0c1a2b",
		ConsentSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		IP:            "2001:db8::1", UserAgent: "Agent:12:\nwith\x00nul", AuthMethod: "oidc:proconnect",
		AuthLevel: "eidas1", SessionID: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
		Reason: "", PrevHash: "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
	}
}

// TestCanonicalGolden pins the canonical form and the hash: a change here
// breaks every chain already stored.
func TestCanonicalGolden(t *testing.T) {
	e := goldenEvent()
	want := "maillage-charte-evenement/1\n" +
		"seq:2:12\n" +
		"kind:9:signature\n" +
		"at:27:2026-12-03T13:05:09.250000Z\n" +
		"signature_code:14:7K3M-Q9XD-2HRT\n" +
		"user_id:2:31\n" +
		"actor_id:2:31\n" +
		"email:25:camille.durand@exemple.fr\n" +
		"typed_name:23:Camille Durand-Lefèvre\n" +
		"structure_id:1:7\n" +
		"version:1:2\n" +
		"text_sha256:64:5d41402abc4b2a76b9719d911017c592ae2c1d9e8b7e0e3c0d0f1f0e6b0c1a2b\n" +
		"consent_sha256:64:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n" +
		"ip:11:2001:db8::1\n" +
		"user_agent:18:Agent:12:\nwith\x00nul\n" +
		"auth_method:15:oidc:proconnect\n" +
		"auth_level:6:eidas1\n" +
		"session_id:64:c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00\n" +
		"reason:0:\n" +
		"prev_hash:64:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9\n"
	if diff := cmp.Diff(want, string(e.Canonical())); diff != "" {
		t.Errorf("Canonical (-want +got):\n%s", diff)
	}
	const golden = "78195d8944bc65a5a84d5179ed88ecd5aeaed4708f2655eb2a60099763dae2d6" // also computed by the Python one-liner of the package doc
	for range 3 {
		if got := e.ComputeHash(); got != golden {
			t.Fatalf("ComputeHash = %s, want %s", got, golden)
		}
	}
	// No structure is not structure 0.
	none, zero := e, e
	none.StructureID = nil
	z := int64(0)
	zero.StructureID = &z
	if none.ComputeHash() == zero.ComputeHash() {
		t.Error("no structure and structure 0 hash alike")
	}
}

func TestParseCanonical(t *testing.T) {
	e := goldenEvent()
	got, err := charter.ParseCanonical(e.Canonical())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e, got); diff != "" {
		t.Errorf("ParseCanonical(Canonical(e)) (-want +got):\n%s", diff)
	}
	valid := string(e.Canonical())
	bad := map[string]string{
		"empty":               "",
		"NUL":                 "\x00",
		"other header":        "maillage-charte-evenement/2\n" + valid[len(charter.CanonicalHeader)+1:],
		"missing last field":  valid[:len(valid)-len("prev_hash:64:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9\n")],
		"trailing bytes":      valid + "x",
		"short length":        replace(valid, "email:25:", "email:24:"),
		"long length":         replace(valid, "email:25:", "email:26:"),
		"huge length":         replace(valid, "email:25:", "email:999999999:"),
		"leading zero length": replace(valid, "email:25:", "email:025:"),
		"leading zero seq":    replace(valid, "seq:2:12", "seq:3:012"),
		"signed seq":          replace(valid, "seq:2:12", "seq:3:+12"),
		"unknown kind":        replace(valid, "kind:9:signature", "kind:9:signatura"),
		"time not UTC":        replace(valid, "at:27:2026-12-03T13:05:09.250000Z", "at:32:2026-12-03T14:05:09.250000+01:00"),
		"time without micros": replace(valid, "at:27:2026-12-03T13:05:09.250000Z", "at:23:2026-12-03T13:05:09.25Z"),
		"fields swapped":      replace(valid, "user_id:2:31\nactor_id:2:31\n", "actor_id:2:31\nuser_id:2:31\n"),
		"structure zero pad":  replace(valid, "structure_id:1:7", "structure_id:2:07"),
	}
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := charter.ParseCanonical([]byte(b))
			if !errors.Is(err, charter.ErrCanonical) || maillage.ErrorCode(err) != maillage.EINVALID {
				t.Errorf("ParseCanonical = %v, want an invalid ErrCanonical", err)
			}
		})
	}
}

func replace(s, old, new string) string {
	i := indexOf(s, old)
	if i < 0 {
		panic("fixture: " + old + " not found")
	}
	return s[:i] + new + s[i+len(old):]
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
