package charter_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"maillage/internal/charter"
)

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func TestNewCode(t *testing.T) {
	c, err := charter.NewCodeFrom(bytes.NewReader([]byte("maillage-charte")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "D19C-C175-D38E"; c != want {
		t.Errorf("NewCodeFrom(fixed) = %s, want %s", c, want)
	}
	form := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)
	seen := map[string]bool{}
	for range 20000 {
		c := charter.NewCode()
		if !form.MatchString(c) || len(c) != charter.CodeLength || !charter.ValidCode(c) {
			t.Fatalf("NewCode = %q: not a valid code", c)
		}
		if seen[c] {
			t.Fatalf("NewCode repeated %s", c)
		}
		seen[c] = true
	}
	if _, err := charter.NewCodeFrom(bytes.NewReader([]byte("short"))); err == nil {
		t.Error("NewCodeFrom(short reader): no error")
	}
}

func TestNormalizeCode(t *testing.T) {
	code := fixedCodes(t, 1)[0]
	plain := strings.ReplaceAll(code, "-", "")
	lenient := strings.NewReplacer("0", "o", "1", "l").Replace(strings.ToLower(code))
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{code, code, true},
		{plain, code, true},
		{strings.ToLower(code), code, true},
		{" " + plain[:4] + " " + plain[4:8] + " " + plain[8:] + " ", code, true},
		{lenient, code, true},
		{strings.ReplaceAll(code, "-", "\u00a0"), code, true},
		{"", "", false},
		{"\x00", "", false},
		{code + "0", "", false},
		{code[:len(code)-1], "", false},
		{strings.Replace(code, "-", "_", 1), "", false},
		{"ABCD-EFGH-JKU0", "", false}, // U is not in the alphabet
		{"ÉBCD-EFGH-JKM0", "", false},
		{strings.Repeat("-", 1000), "", false},
	}
	for _, tt := range tests {
		got, ok := charter.NormalizeCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestForgedCode: every code that differs from a real one by one symbol is
// refused by its check symbol, and so is a code made up by hand.
func TestForgedCode(t *testing.T) {
	for _, code := range fixedCodes(t, 20) {
		plain := []byte(strings.ReplaceAll(code, "-", ""))
		for i := range plain {
			for _, r := range []byte(alphabet) {
				if r == plain[i] {
					continue
				}
				forged := append([]byte(nil), plain...)
				forged[i] = r
				if charter.ValidCode(string(forged)) {
					t.Fatalf("forged %s (from %s) is valid", forged, code)
				}
			}
		}
	}
	if charter.ValidCode("ABCD-EFGH-JKMN") {
		t.Error("hand-made ABCD-EFGH-JKMN is valid")
	}
	// Swaps of two different neighbours: Luhn mod 32 catches all but those
	// of 0 and Z (values 0 and 31). Count them.
	caught, swaps := 0, 0
	for _, code := range fixedCodes(t, 50) {
		plain := []byte(strings.ReplaceAll(code, "-", ""))
		for i := 0; i+1 < len(plain); i++ {
			if plain[i] == plain[i+1] {
				continue
			}
			swapped := append([]byte(nil), plain...)
			swapped[i], swapped[i+1] = swapped[i+1], swapped[i]
			swaps++
			if !charter.ValidCode(string(swapped)) {
				caught++
			}
		}
	}
	if caught < swaps*95/100 {
		t.Errorf("adjacent swaps caught: %d of %d", caught, swaps)
	}
	t.Logf("adjacent swaps caught: %d of %d", caught, swaps)
}
