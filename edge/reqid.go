package edge

import (
	"crypto/rand"
	"encoding/hex"
)

// reqIDLen is the length of a request ID: 32 hex digits, a per-loop random
// prefix and a per-loop counter, so IDs are unique across loops, processes
// and restarts without any shared state.
const reqIDLen = 32

type reqIDGen struct {
	prefix [16]byte // hex of 8 random bytes
	seq    uint64
}

func (g *reqIDGen) init() {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic("edge: no randomness for request ids: " + err.Error())
	}
	hex.Encode(g.prefix[:], r[:])
}

// next writes the next ID into dst.
func (g *reqIDGen) next(dst *[reqIDLen]byte) {
	g.seq++
	copy(dst[:16], g.prefix[:])
	const digits = "0123456789abcdef"
	v := g.seq
	for i := reqIDLen - 1; i >= 16; i-- {
		dst[i] = digits[v&15]
		v >>= 4
	}
}
