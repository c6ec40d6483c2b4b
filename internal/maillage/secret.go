package maillage

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// RandomToken returns n random bytes, URL-safe base64 encoded: session
// ids, sign-in links, CSRF tokens, proof links.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the kernel's random source does not fail
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how secrets are stored (session ids, e-mail link tokens,
// OAuth states, API tokens, proof links): only their SHA-256, in hex.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
