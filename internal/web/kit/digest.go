package kit

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// Key is what a kept rendering is found by: a SHA-256 of everything the
// rendering depends on, so a kept one is never an old one.
type Key = [sha256.Size]byte

// Digest builds a Key from values written one after the other, each string
// with its length first, so that no two different lists of values give the
// same bytes ("ab","c" and "a","bc" differ).
type Digest struct {
	h hash.Hash
	n [8]byte
}

// NewDigest starts an empty digest.
func NewDigest() *Digest { return &Digest{h: sha256.New()} }

// Str writes a string.
func (d *Digest) Str(s string) {
	d.Num(uint64(len(s)))
	d.h.Write([]byte(s))
}

// Num writes a number.
func (d *Digest) Num(v uint64) {
	binary.LittleEndian.PutUint64(d.n[:], v)
	d.h.Write(d.n[:])
}

// Bool writes a boolean.
func (d *Digest) Bool(b bool) {
	if b {
		d.Num(1)
	} else {
		d.Num(0)
	}
}

// Sum is the key of what was written.
func (d *Digest) Sum() Key {
	var k Key
	d.h.Sum(k[:0])
	return k
}
