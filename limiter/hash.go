package limiter

import (
	"encoding/binary"
	"math/bits"
)

// Keys are 64-bit hashes. The mixer is wyhash's (multiply, fold the
// 128-bit product): a few ns for a short key, no allocation, and stable
// across processes for a given seed.
const (
	wy0 = 0xa0761d6478bd642f
	wy1 = 0xe7037ed1a0b428db
	wy2 = 0x8ebc6af09c88c6e3
)

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// Hash hashes b with seed. The edge keys a table with Hash(ruleSeed, value)
// so two rules never share a key (see Table.Key).
func Hash(seed uint64, b []byte) uint64 {
	h := mix(seed^wy0, uint64(len(b))^wy1)
	for len(b) >= 8 {
		h = mix(h^binary.LittleEndian.Uint64(b), wy1)
		b = b[8:]
	}
	var t uint64
	for i := len(b) - 1; i >= 0; i-- {
		t = t<<8 | uint64(b[i])
	}
	return mix(mix(h^t, wy2), wy1^seed)
}

// HashString is Hash for a string, without converting it.
func HashString(seed uint64, s string) uint64 {
	h := mix(seed^wy0, uint64(len(s))^wy1)
	for len(s) >= 8 {
		v := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = mix(h^v, wy1)
		s = s[8:]
	}
	var t uint64
	for i := len(s) - 1; i >= 0; i-- {
		t = t<<8 | uint64(s[i])
	}
	return mix(mix(h^t, wy2), wy1^seed)
}

// Hash64 hashes a pre-hashed or numeric value (an IPv4 address, a rule id
// and a value's hash) with seed.
func Hash64(seed, v uint64) uint64 { return mix(mix(seed^wy0, v^wy1), wy2) }
