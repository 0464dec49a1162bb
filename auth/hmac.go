package auth

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding"
	"encoding/base64"
	"hash"

	"github.com/edgegate/edgegate/ascii"
)

// Alg is a key-pair or app signature algorithm.
type Alg uint8

// Algorithms (seed 密钥对认证 names hmac-sha1; hmac-sha256 is the app
// scheme's default and accepted for key pairs too).
const (
	SHA1   Alg = 1
	SHA256 Alg = 2
)

// ParseAlg reads "hmac-sha1" or "hmac-sha256" (ASCII case-insensitive).
func ParseAlg(b []byte) (Alg, bool) {
	switch {
	case ascii.EqualFold(b, "hmac-sha1"):
		return SHA1, true
	case ascii.EqualFold(b, "hmac-sha256"):
		return SHA256, true
	}
	return 0, false
}

func newHash(a Alg) hash.Hash {
	if a == SHA1 {
		return sha1.New()
	}
	return sha256.New()
}

// Secret is a pre-keyed HMAC (RFC 2104) for one secret: the hash states
// after the ipad and opad blocks, for each algorithm, computed once when a
// snapshot is installed. A Verifier restores a state instead of re-keying,
// which keeps a verification to two short hash runs. The states are held
// in the struct, not behind slices: a verification reads one object of
// contiguous cache lines. Immutable; shared.
type Secret struct {
	st [2][2]state // by Alg-1: inner, outer
}

// state is a marshaled hash state (crypto/sha1: 96 bytes, sha256: 108).
type state struct {
	n int
	b [112]byte
}

func (s *state) set(b []byte) {
	if len(b) > len(s.b) {
		panic("auth: hash state larger than expected")
	}
	s.n = copy(s.b[:], b)
}

func (s *state) bytes() []byte { return s.b[:s.n] }

// NewSecret pre-keys key for every algorithm.
func NewSecret(key string) *Secret {
	s := &Secret{}
	for _, a := range []Alg{SHA1, SHA256} {
		h := newHash(a)
		k := []byte(key)
		if len(k) > h.BlockSize() {
			h.Write(k)
			k = h.Sum(nil)
			h.Reset()
		}
		pad := make([]byte, h.BlockSize())
		copy(pad, k)
		for i := range pad {
			pad[i] ^= 0x36
		}
		h.Write(pad)
		in, _ := h.(encoding.BinaryMarshaler).MarshalBinary()
		s.st[a-1][0].set(in)
		h.Reset()
		for i := range pad {
			pad[i] ^= 0x36 ^ 0x5c
		}
		h.Write(pad)
		out, _ := h.(encoding.BinaryMarshaler).MarshalBinary()
		s.st[a-1][1].set(out)
	}
	return s
}

// Headers gives a request's header values by name (ASCII
// case-insensitive); the edge implements it over its parsed request.
type Headers interface {
	Get(name []byte) (value []byte, ok bool)
}

// Verifier holds one event loop's hash objects and buffers. Not safe for
// concurrent use; never allocates once its buffers have grown.
type Verifier struct {
	h   [3]hash.Hash
	u   [3]encoding.BinaryUnmarshaler
	msg []byte
	in  [64]byte
	mac [64]byte
	sig [96]byte
	qs  []span
	// sigs is nil in a Verifier made without NewVerifier (AppendSortedQuery's).
	sigs *sigCache
}

type span struct{ off, end, keyEnd int }

// NewVerifier returns a Verifier for one event loop.
func NewVerifier() *Verifier {
	v := &Verifier{msg: make([]byte, 0, 1024), qs: make([]span, 0, 32), sigs: new(sigCache)}
	for _, a := range []Alg{SHA1, SHA256} {
		v.h[a] = newHash(a)
		v.u[a] = v.h[a].(encoding.BinaryUnmarshaler)
	}
	return v
}

// Sum computes HMAC(secret, msg) into the Verifier's buffer; the result is
// valid until the next call.
func (v *Verifier) Sum(s *Secret, a Alg, msg []byte) []byte {
	h, u := v.h[a], v.u[a]
	_ = u.UnmarshalBinary(s.st[a-1][0].bytes())
	h.Write(msg)
	in := h.Sum(v.in[:0])
	_ = u.UnmarshalBinary(s.st[a-1][1].bytes())
	h.Write(in)
	return h.Sum(v.mac[:0])
}

// equalSig reports, in constant time over the MAC, whether sigB64 is the
// standard Base64 of HMAC(s, msg). It encodes the MAC and compares text
// (RFC 4648's canonical encoding: a signature with stray padding bits no
// longer matches) rather than decoding what the client sent: encoding 20
// bytes took 16 ns against 24 ns to validate and decode 28 characters
// (BenchmarkKeyPairVerify's profile). A signature verified before for the
// same secret and signing string is found in the Verifier's sigCache.
func (v *Verifier) equalSig(s *Secret, a Alg, msg, sigB64 []byte) bool {
	if v.sigs != nil && v.sigs.has(s, a, msg, sigB64) {
		return true
	}
	mac := v.Sum(s, a, msg)
	n := base64.StdEncoding.EncodedLen(len(mac))
	if len(sigB64) != n { // the length is the algorithm's, not a secret
		return false
	}
	base64.StdEncoding.Encode(v.sig[:n], mac)
	if subtle.ConstantTimeCompare(v.sig[:n], sigB64) != 1 {
		return false
	}
	if v.sigs != nil {
		v.sigs.add(s, a, msg, sigB64)
	}
	return true
}

// Params are the parts of an hmac Authorization value. They alias the
// parsed header value.
type Params struct {
	ID        []byte // id="…" (key pair) or apikey="…" (app)
	Algorithm []byte
	Headers   []byte // space-separated header names, in signing order
	Signature []byte
	APIKey    bool // the id came as apikey="…"
}

// ParseAuthorization parses
//
//	hmac id="…", algorithm="…", headers="…", signature="…"
//
// (seed 密钥对认证) and the app form with apikey="…" instead of id="…".
// The "hmac" scheme word is optional for the apikey form. Parameters may
// come in any order; unknown ones are ignored; values are quoted strings
// without escapes. It does not allocate.
func ParseAuthorization(v []byte, p *Params) Code {
	if parseCanonical(v, p) {
		return p.complete()
	}
	return parseGeneral(v, p)
}

// complete is OK when every part the signature check needs is present.
func (p *Params) complete() Code {
	if len(p.ID) == 0 || len(p.Algorithm) == 0 || len(p.Signature) == 0 || len(p.Headers) == 0 {
		return BadAuthorization
	}
	return OK
}

// canonID starts the canonical form, in the seed's order and spacing
// (密钥对认证), which is what the SDKs send.
const canonID = `hmac id="`

// canonSeps are the separators after id, algorithm, headers and signature.
var canonSeps = [4]string{`", algorithm="`, `", headers="`, `", signature="`, `"`}

// parseCanonical reads v when it is exactly the canonical form: four
// quote searches and prefix tests instead of a scan of every parameter
// name. Anything else (another order, case, spacing, an extra or repeated
// parameter, the apikey form) is left to parseGeneral, which reads the
// canonical form to the same Params (FuzzParseAuthorization checks it).
func parseCanonical(v []byte, p *Params) bool {
	if len(v) < len(canonID) || string(v[:len(canonID)]) != canonID {
		return false
	}
	rest := v[len(canonID):]
	var vals [4][]byte
	for k, sep := range canonSeps {
		q := bytes.IndexByte(rest, '"')
		if q < 0 || len(rest)-q < len(sep) || string(rest[q:q+len(sep)]) != sep {
			return false
		}
		vals[k], rest = rest[:q], rest[q+len(sep):]
	}
	if len(rest) != 0 {
		return false
	}
	*p = Params{ID: vals[0], Algorithm: vals[1], Headers: vals[2], Signature: vals[3]}
	return true
}

// parseGeneral is ParseAuthorization for any order, case and spacing.
func parseGeneral(v []byte, p *Params) Code {
	*p = Params{}
	i := skipSpace(v, 0)
	if len(v)-i >= 5 && ascii.EqualFold(v[i:i+4], "hmac") && v[i+4] == ' ' {
		i += 5
	}
	for {
		for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == ',') {
			i++
		}
		if i == len(v) {
			break
		}
		ns := i
		for i < len(v) && v[i] != '=' && v[i] != ' ' && v[i] != ',' {
			i++
		}
		name := v[ns:i]
		if i+1 >= len(v) || v[i] != '=' || v[i+1] != '"' {
			return BadAuthorization
		}
		i += 2
		// The value runs to the next quote (most of the field's bytes: one
		// IndexByte instead of a loop).
		q := bytes.IndexByte(v[i:], '"')
		if q < 0 {
			return BadAuthorization
		}
		val := v[i : i+q]
		i += q + 1
		switch {
		case ascii.EqualFold(name, "id"):
			p.ID = val
		case ascii.EqualFold(name, "apikey"):
			p.ID, p.APIKey = val, true
		case ascii.EqualFold(name, "algorithm"):
			p.Algorithm = val
		case ascii.EqualFold(name, "headers"):
			p.Headers = val
		case ascii.EqualFold(name, "signature"):
			p.Signature = val
		}
	}
	return p.complete()
}

// nextName returns the name that starts in list at or after i (names are
// separated by spaces) and the offset after it; the name is empty when
// only spaces are left.
func nextName(list []byte, i int) ([]byte, int) {
	for i < len(list) && list[i] == ' ' {
		i++
	}
	s := i
	for i < len(list) && list[i] != ' ' {
		i++
	}
	return list[s:i], i
}

// appendSignedHeaders appends the seed's header part of a signing string:
// for each name in list, "lower-cased name: value", joined by "\n".
func appendSignedHeaders(dst, list []byte, hs Headers) ([]byte, Code) {
	first := true
	for i := 0; i < len(list); {
		var name []byte
		if name, i = nextName(list, i); len(name) == 0 {
			continue
		}
		val, ok := hs.Get(name)
		if !ok {
			return dst, MissingSignedHeader
		}
		if !first {
			dst = append(dst, '\n')
		}
		first = false
		for _, c := range name {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		dst = append(dst, ": "...)
		dst = append(dst, val...)
	}
	if first {
		return dst, BadAuthorization
	}
	return dst, OK
}

// VerifyKeyPair checks a key-pair signature (seed 密钥对认证): the signing
// string is built from the headers p names, in order; the signature is
// Base64(HMAC(secret, signing string)). Dates are checked by CheckDate.
func (v *Verifier) VerifyKeyPair(p *Params, a Alg, s *Secret, hs Headers) Code {
	msg, c := appendSignedHeaders(v.msg[:0], p.Headers, hs)
	v.msg = msg[:0]
	if c != OK {
		return c
	}
	if !v.equalSig(s, a, msg, p.Signature) {
		return SignatureMismatch
	}
	return OK
}

// MaxSkew is how far X-Date may be from now (seed API调用: 15 minutes).
const MaxSkew = 15 * 60

// CheckDate applies the seed's date rule (API调用): a request carries
// X-Date or Date; X-Date must be within MaxSkew of now (unix seconds).
// Date is not time-checked unless checkDate is set.
func CheckDate(hs Headers, now int64, checkDate bool) Code {
	if xd, ok := hs.Get(xDate); ok {
		return checkSkew(xd, now)
	}
	d, ok := hs.Get(date)
	if !ok {
		return MissingDate
	}
	if checkDate {
		return checkSkew(d, now)
	}
	return OK
}

var (
	xDate = []byte("x-date")
	date  = []byte("date")
)

func checkSkew(v []byte, now int64) Code {
	t, ok := ParseHTTPDate(v)
	if !ok {
		return BadDate
	}
	if d := now - t; d > MaxSkew || d < -MaxSkew {
		return DateExpired
	}
	return OK
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}
