package charter

import (
	"crypto/rand"
	"io"
	"strings"
)

// A verification code is 11 random symbols and a check symbol, from
// Crockford's base-32 alphabet (digits and capitals without I, L, O, U), shown
// in three groups of four: "7K3M-Q9XD-2HRT". 55 random bits: a guess hits one
// of a million signatures with odds below 1 in 30 billion. The check symbol
// (Luhn mod 32) catches every single wrong symbol and most swaps of two
// neighbours before any lookup. Typed codes are read leniently: lower case,
// spaces or no hyphens, O for 0, I or L for 1.
const (
	codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	codeData     = 11
	codeLen      = codeData + 1
	// CodeLength is the length of a code as written, hyphens included.
	CodeLength = codeLen + 2
)

// NewCode returns a fresh random code (crypto/rand).
func NewCode() string {
	c, err := NewCodeFrom(rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return c
}

// NewCodeFrom returns a code drawn from r (tests pass a fixed reader).
func NewCodeFrom(r io.Reader) (string, error) {
	var raw [codeData]byte
	if _, err := io.ReadFull(r, raw[:]); err != nil {
		return "", err
	}
	sym := make([]byte, 0, codeLen)
	for _, b := range raw {
		sym = append(sym, codeAlphabet[b&31]) // 256 is a multiple of 32: uniform
	}
	sym = append(sym, codeAlphabet[checkSymbol(sym)])
	return group(sym), nil
}

// NormalizeCode returns the written form of a typed code, and whether it is
// a well-formed code (its check symbol holds). It says nothing of whether a
// signature has it.
func NormalizeCode(s string) (string, bool) {
	if len(s) > 3*CodeLength {
		return "", false
	}
	sym := make([]byte, 0, codeLen)
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\u00a0' || r == '\u2011' || r == '\u202f':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if r > 127 || strings.IndexByte(codeAlphabet, byte(r)) < 0 || len(sym) == codeLen {
			return "", false
		}
		sym = append(sym, byte(r))
	}
	if len(sym) != codeLen || !checkValid(sym) {
		return "", false
	}
	return group(sym), true
}

// ValidCode reports whether s is a well-formed code, as written or typed.
func ValidCode(s string) bool {
	_, ok := NormalizeCode(s)
	return ok
}

func group(sym []byte) string {
	return string(sym[0:4]) + "-" + string(sym[4:8]) + "-" + string(sym[8:12])
}

// checkSymbol is the Luhn mod 32 check symbol of sym (its index).
func checkSymbol(sym []byte) int {
	const n = len(codeAlphabet)
	sum, factor := 0, 2
	for i := len(sym) - 1; i >= 0; i-- {
		a := factor * strings.IndexByte(codeAlphabet, sym[i])
		factor = 3 - factor
		sum += a/n + a%n
	}
	return (n - sum%n) % n
}

// checkValid reports whether the last symbol of sym is its check symbol.
func checkValid(sym []byte) bool {
	const n = len(codeAlphabet)
	sum, factor := 0, 1
	for i := len(sym) - 1; i >= 0; i-- {
		a := factor * strings.IndexByte(codeAlphabet, sym[i])
		factor = 3 - factor
		sum += a/n + a%n
	}
	return sum%n == 0
}
