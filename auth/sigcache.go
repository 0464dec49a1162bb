package auth

import (
	"crypto/subtle"
	"encoding/binary"
)

// sigCache remembers the signatures a Verifier found valid. A client signs
// with X-Date, which has a resolution of one second (seed 密钥对认证, API调用),
// so every request it sends within a second carries the same signing
// string and signature; a hit replaces the HMAC's two hash runs and the
// Base64 encoding with two comparisons. An entry states a fact,
// HMAC(s, msg) = sig, so it never goes stale: the date window is checked
// for every request before (CheckDate), and an entry names the Secret it
// was made with (the pointer keeps that Secret alive, so a new key, a new
// Secret, never matches it). Only a verified signature is stored: a
// forged one can evict an entry (a miss costs the HMAC it costs without
// the cache) but never be taken for valid.
//
// Direct-mapped, sigCacheSize entries of about 256 bytes (16 KiB a
// loop), indexed by the signature's first bytes: a valid signature is the
// Base64 of a MAC, as good as random.
type sigCache [sigCacheSize]sigEnt

const (
	sigCacheBits = 6
	sigCacheSize = 1 << sigCacheBits
	// sigMsgMax bounds the signing strings cached: the seed's key-pair
	// strings ("x-date: …\nsource: …") are about 60 bytes; a longer one, an
	// app string with a long path or query, is verified every time.
	sigMsgMax = 200
	sigMax    = 44 // Base64 of an HMAC-SHA256
)

type sigEnt struct {
	s      *Secret
	a      Alg
	nm, ns uint8
	msg    [sigMsgMax]byte
	sig    [sigMax]byte
}

// slot is the entry sig would occupy (nil when sig is too short to index).
func (c *sigCache) slot(sig []byte) *sigEnt {
	if len(sig) < 8 {
		return nil
	}
	h := binary.LittleEndian.Uint64(sig) * 0x9E3779B97F4A7C15
	return &c[h>>(64-sigCacheBits)]
}

// has reports whether sig was verified for s, a and msg. The signature
// is compared in constant time, as equalSig compares it.
func (c *sigCache) has(s *Secret, a Alg, msg, sig []byte) bool {
	e := c.slot(sig)
	return e != nil && e.s == s && e.a == a && string(e.msg[:e.nm]) == string(msg) &&
		subtle.ConstantTimeCompare(e.sig[:e.ns], sig) == 1
}

// add remembers that sig is valid for s, a and msg. A valid sig is the
// Base64 of an HMAC-SHA1 or -SHA256 (28 or 44 bytes): it always fits.
func (c *sigCache) add(s *Secret, a Alg, msg, sig []byte) {
	e := c.slot(sig)
	if e == nil || len(msg) > sigMsgMax {
		return
	}
	e.s, e.a, e.nm, e.ns = s, a, uint8(len(msg)), uint8(len(sig))
	copy(e.msg[:], msg)
	copy(e.sig[:], sig)
}
