package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
)

// Leeway is the clock skew allowed on exp, nbf and iat (RFC 7519 §4.1.4
// "some small leeway"): 60 seconds.
const Leeway = 60

// MaxCacheTTL bounds how long a verified token without exp stays cached.
const MaxCacheTTL = 300

// maxToken bounds a token's length (an ML-DSA-65 signature alone is 3309
// bytes, 4412 in base64url).
const maxToken = 16 << 10

// VerifyJWT checks a compact JWS token (RFC 7515/7519) with k at unix time
// now: three base64url parts; a header whose alg is one k accepts (never
// "none", never HS*: a public key is no HMAC secret) and no "crit"; the
// signature; then exp (now < exp+Leeway), nbf (now >= nbf-Leeway) and iat
// (not after now+Leeway). It returns the time until which the token may be
// cached (exp+Leeway, or now+MaxCacheTTL without exp).
func (k *PublicKey) VerifyJWT(token []byte, now int64) (until int64, c Code) {
	if len(token) == 0 {
		return 0, MissingToken
	}
	if len(token) > maxToken {
		return 0, MalformedToken
	}
	d1 := bytes.IndexByte(token, '.')
	if d1 < 0 {
		return 0, MalformedToken
	}
	d2 := bytes.IndexByte(token[d1+1:], '.')
	if d2 < 0 {
		return 0, MalformedToken
	}
	d2 += d1 + 1
	if bytes.IndexByte(token[d2+1:], '.') >= 0 {
		return 0, MalformedToken // JWE or junk
	}
	hb, err := base64.RawURLEncoding.DecodeString(string(token[:d1]))
	if err != nil {
		return 0, MalformedToken
	}
	var hdr struct {
		Alg  string          `json:"alg"`
		Crit json.RawMessage `json:"crit"`
	}
	if json.Unmarshal(hb, &hdr) != nil || hdr.Alg == "" {
		return 0, MalformedToken
	}
	if hdr.Crit != nil {
		return 0, MalformedToken // RFC 7515 §4.1.11: no extension is understood
	}
	if !contains(k.algs, hdr.Alg) {
		return 0, TokenAlgNotAllowed
	}
	sig, err := base64.RawURLEncoding.DecodeString(string(token[d2+1:]))
	if err != nil || len(sig) == 0 {
		return 0, MalformedToken
	}
	if !k.verifySig(hdr.Alg, token[:d2], sig) {
		return 0, TokenSignatureInvalid
	}
	pb, err := base64.RawURLEncoding.DecodeString(string(token[d1+1 : d2]))
	if err != nil {
		return 0, MalformedToken
	}
	var cl struct {
		Exp *json.Number `json:"exp"`
		Nbf *json.Number `json:"nbf"`
		Iat *json.Number `json:"iat"`
	}
	if json.Unmarshal(pb, &cl) != nil {
		return 0, MalformedToken
	}
	until = now + MaxCacheTTL
	if cl.Exp != nil {
		exp, ok := numericDate(*cl.Exp)
		if !ok {
			return 0, MalformedToken
		}
		if now >= exp+Leeway {
			return 0, TokenExpired
		}
		until = min(until, exp+Leeway)
	}
	if cl.Nbf != nil {
		nbf, ok := numericDate(*cl.Nbf)
		if !ok {
			return 0, MalformedToken
		}
		if now < nbf-Leeway {
			return 0, TokenNotYetValid
		}
	}
	if cl.Iat != nil {
		iat, ok := numericDate(*cl.Iat)
		if !ok {
			return 0, MalformedToken
		}
		if iat > now+Leeway {
			return 0, TokenIssuedInFuture
		}
	}
	return until, OK
}

// numericDate reads a NumericDate (RFC 7519 §2: seconds, may be
// fractional), truncated to whole seconds.
func numericDate(n json.Number) (int64, bool) {
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	if err != nil || f < -1e15 || f > 1e15 {
		return 0, false
	}
	return int64(f), true
}

// TokenCache remembers verified tokens by their SHA-256 until they expire:
// a fixed-size, direct-mapped table owned by one event loop (no lock; a
// colliding token evicts the older one). A hit costs one SHA-256 of the
// token and does not allocate.
type TokenCache struct {
	ents []tokenEnt
	mask uint64
}

type tokenEnt struct {
	sum   [32]byte
	key   *PublicKey // the key that verified it: a new key misses
	until int64
}

// NewTokenCache makes a cache of n entries (rounded up to a power of two).
func NewTokenCache(n int) *TokenCache {
	size := 1
	for size < n {
		size <<= 1
	}
	return &TokenCache{ents: make([]tokenEnt, size), mask: uint64(size - 1)}
}

// Verify is k.VerifyJWT through the cache.
func (c *TokenCache) Verify(k *PublicKey, token []byte, now int64) Code {
	if len(token) == 0 {
		return MissingToken
	}
	sum := sha256.Sum256(token)
	e := &c.ents[binary.LittleEndian.Uint64(sum[:8])&c.mask]
	if e.key == k && e.sum == sum && now < e.until {
		return OK
	}
	until, code := k.VerifyJWT(token, now)
	if code == OK {
		*e = tokenEnt{sum: sum, key: k, until: until}
	}
	return code
}
