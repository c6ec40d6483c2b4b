package postgres

import (
	"crypto/sha256"
	"encoding/hex"
)

// HashToken is how secrets (session ids, e-mail link tokens, OAuth states)
// are stored: only their SHA-256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
