package charter_test

import (
	"bytes"
	"testing"

	"maillage/internal/charter"
)

func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"\x00", "", "D19C-C175-D38E", "d19c c175 d38e", "D19CC175D38E", "ABCD-EFGH-JKMN", "OIL-\u00a0", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := charter.NormalizeCode(s)
		if ok != charter.ValidCode(s) {
			t.Fatalf("NormalizeCode and ValidCode disagree on %q", s)
		}
		if !ok {
			return
		}
		if len(c) != charter.CodeLength {
			t.Fatalf("NormalizeCode(%q) = %q: wrong length", s, c)
		}
		if again, ok := charter.NormalizeCode(c); !ok || again != c {
			t.Fatalf("NormalizeCode is not stable on %q: %q, %v", c, again, ok)
		}
	})
}

func FuzzParseCanonical(f *testing.F) {
	g := goldenEvent()
	f.Add(g.Canonical())
	f.Add([]byte("\x00"))
	f.Add([]byte{})
	g.UserAgent, g.Reason, g.StructureID = "\x00", "a\nreason:0:\n", nil
	f.Add(g.Canonical())
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := charter.ParseCanonical(b)
		if err != nil {
			return
		}
		if got := e.Canonical(); !bytes.Equal(got, b) {
			t.Fatalf("Canonical(ParseCanonical(b)) differs:\n%q\n%q", b, got)
		}
	})
}
