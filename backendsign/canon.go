package backendsign

import (
	"bytes"
	"cmp"
	"crypto/aes"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/auth"
)

// The canonical request (Huawei APIG SDK signer, SDK-HMAC-SHA256):
//
//	Method "\n"
//	CanonicalURI "\n"       the decoded path, each byte but unreserved ones
//	                        and '/' escaped as %XX, ending with '/'
//	CanonicalQuery "\n"     decoded pairs sorted by key then value, each
//	                        escaped as key=value, joined by '&'
//	CanonicalHeaders "\n"   "name:value\n" per value, names lower-cased,
//	                        values trimmed, by name then value
//	SignedHeaders "\n"      the names, joined by ';'
//	PayloadHash             hex SHA-256 of the body, or UNSIGNED-PAYLOAD
//
// and the string to sign: scheme "\n" X-Sdk-Date "\n" hex SHA-256 of the
// canonical request. VERIFY.md spells it out for other languages.

// field is one header value: its name as sent and its trimmed value.
type field struct{ name, value []byte }

// qpair is one decoded query pair.
type qpair struct{ k, v []byte }

// canon holds the buffers a canonical request is built in; reused.
type canon struct {
	buf []byte  // the canonical request
	dec []byte  // decoded query pieces
	qs  []qpair // query pairs, aliasing dec
	fs  []field // header values, aliasing the head or request
	sh  []byte  // the SignedHeaders value
	sts []byte  // the string to sign
	v   *auth.Verifier
	ks  [aes.BlockSize]byte
	ct  [sha256.Size]byte
}

func newCanon() canon {
	return canon{buf: make([]byte, 0, 1024), dec: make([]byte, 0, 256), qs: make([]qpair, 0, 16),
		fs: make([]field, 0, 32), sh: make([]byte, 0, 256), sts: make([]byte, 0, 128), v: auth.NewVerifier()}
}

// build returns the canonical request of the parts; fs must be in signing
// order and signed their names (the SignedHeaders value).
func (c *canon) build(method, path, query []byte, fs []field, signed, payload []byte) []byte {
	b := append(c.buf[:0], method...)
	b = append(b, '\n')
	b = appendURI(b, path)
	b = append(b, '\n')
	b = c.appendQuery(b, query)
	b = append(b, '\n')
	for _, f := range fs {
		b = appendLower(b, f.name)
		b = append(b, ':')
		b = append(b, f.value...)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, signed...)
	b = append(b, '\n')
	b = append(b, payload...)
	c.buf = b
	return b
}

// stringToSign returns scheme "\n" date "\n" hex(SHA-256(canonical)).
func (c *canon) stringToSign(scheme string, date, canonical []byte) []byte {
	sum := sha256.Sum256(canonical)
	b := append(c.sts[:0], scheme...)
	b = append(b, '\n')
	b = append(b, date...)
	b = append(b, '\n')
	b = hex.AppendEncode(b, sum[:])
	c.sts = b
	return b
}

// appendSignature appends k's hex signature of sts: HMAC-SHA256 with the
// secret (hmac), or AES-CFB with the key and the secret as IV over
// SHA-256(sts) (aes).
func (c *canon) appendSignature(dst []byte, k *Key, sts []byte) []byte {
	if k.Type == TypeAES {
		d := sha256.Sum256(sts)
		prev := k.iv
		for i := 0; i < len(d); i += aes.BlockSize {
			k.block.Encrypt(c.ks[:], prev)
			for j := range aes.BlockSize {
				c.ct[i+j] = d[i+j] ^ c.ks[j]
			}
			prev = c.ct[i : i+aes.BlockSize]
		}
		return hex.AppendEncode(dst, c.ct[:])
	}
	return hex.AppendEncode(dst, c.v.Sum(k.mac, auth.SHA256, sts))
}

// sortFields orders c.fs for signing and fills c.sh with their names.
func (c *canon) sortFields() {
	fs := c.fs
	slices.SortFunc(fs, cmpField)
	sh := c.sh[:0]
	for i, f := range fs {
		if i > 0 && ascii.EqualFoldBytes(f.name, fs[i-1].name) {
			continue
		}
		if len(sh) > 0 {
			sh = append(sh, ';')
		}
		sh = appendLower(sh, f.name)
	}
	c.sh = sh
}

func cmpField(a, b field) int {
	if c := cmpFold(a.name, b.name); c != 0 {
		return c
	}
	return bytes.Compare(a.value, b.value)
}

// cmpFold compares the lower-cased forms of a and b.
func cmpFold(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if x, y := lower(a[i]), lower(b[i]); x != y {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(len(a), len(b))
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func appendLower(dst, s []byte) []byte {
	for _, c := range s {
		dst = append(dst, lower(c))
	}
	return dst
}

// unsignedField reports the fields never signed: framing (the payload
// hash covers the body), hop-by-hop ones (RFC 9110 §7.6.1) and the
// Authorization that carries the signature.
func unsignedField(name []byte) bool {
	switch len(name) {
	case 2:
		return ascii.EqualFold(name, "te")
	case 7:
		return ascii.EqualFold(name, "trailer") || ascii.EqualFold(name, "upgrade")
	case 10:
		return ascii.EqualFold(name, "connection") || ascii.EqualFold(name, "keep-alive")
	case 13:
		return ascii.EqualFold(name, "authorization")
	case 14:
		return ascii.EqualFold(name, "content-length")
	case 16:
		return ascii.EqualFold(name, "proxy-connection")
	case 17:
		return ascii.EqualFold(name, "transfer-encoding")
	}
	return false
}

// unreserved are the bytes escape leaves as they are (RFC 3986 §2.3).
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

const upperHex = "0123456789ABCDEF"

func appendEscaped(dst []byte, c byte) []byte {
	if unreserved(c) {
		return append(dst, c)
	}
	return append(dst, '%', upperHex[c>>4], upperHex[c&15])
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// pctByte decodes the %XX at s[i] (s[i] == '%'), if it is one.
func pctByte(s []byte, i int) (byte, bool) {
	if i+2 >= len(s) {
		return 0, false
	}
	h, ok1 := unhex(s[i+1])
	l, ok2 := unhex(s[i+2])
	return h<<4 | l, ok1 && ok2
}

// appendURI appends the canonical URI of a raw (escaped) path: decoded,
// then re-escaped but for '/', with a '/' at the end. A '%' that starts no
// escape stands for itself (Go's server refuses such paths anyway).
func appendURI(dst, raw []byte) []byte {
	last := byte(0)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' {
			if d, ok := pctByte(raw, i); ok {
				c = d
				i += 2
			}
		}
		if c == '/' {
			dst = append(dst, '/')
		} else {
			dst = appendEscaped(dst, c)
		}
		last = c
	}
	if last != '/' {
		dst = append(dst, '/')
	}
	return dst
}

// appendQuery appends the canonical query of a raw query (after '?'),
// parsed as Go's url.ParseQuery does: pairs split on '&', empty ones and
// those holding ';' or a bad escape dropped, '+' decoding to a space.
func (c *canon) appendQuery(dst, raw []byte) []byte {
	if len(raw) == 0 {
		return dst
	}
	// Decoded pieces are never longer than raw: no reallocation below, so
	// the pairs may alias dec.
	if cap(c.dec) < len(raw) {
		c.dec = make([]byte, 0, 2*len(raw))
	}
	dec, qs := c.dec[:0], c.qs[:0]
	for len(raw) > 0 {
		pair := raw
		if i := bytes.IndexByte(raw, '&'); i >= 0 {
			pair, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		if len(pair) == 0 || bytes.IndexByte(pair, ';') >= 0 {
			continue
		}
		k, v := pair, []byte(nil)
		if i := bytes.IndexByte(pair, '='); i >= 0 {
			k, v = pair[:i], pair[i+1:]
		}
		ks := len(dec)
		var ok bool
		if dec, ok = appendUnescapeQuery(dec, k); !ok {
			dec = dec[:ks]
			continue
		}
		vs := len(dec)
		if dec, ok = appendUnescapeQuery(dec, v); !ok {
			dec = dec[:ks]
			continue
		}
		qs = append(qs, qpair{dec[ks:vs:vs], dec[vs:len(dec):len(dec)]})
	}
	// n log n: a query may hold thousands of pairs.
	slices.SortFunc(qs, cmpPair)
	for i, q := range qs {
		if i > 0 {
			dst = append(dst, '&')
		}
		for _, b := range q.k {
			dst = appendEscaped(dst, b)
		}
		dst = append(dst, '=')
		for _, b := range q.v {
			dst = appendEscaped(dst, b)
		}
	}
	c.dec, c.qs = dec, qs
	return dst
}

func cmpPair(a, b qpair) int {
	if c := bytes.Compare(a.k, b.k); c != 0 {
		return c
	}
	return bytes.Compare(a.v, b.v)
}

// appendUnescapeQuery decodes one query piece (url.QueryUnescape).
func appendUnescapeQuery(dst, s []byte) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			dst = append(dst, ' ')
		case '%':
			d, ok := pctByte(s, i)
			if !ok {
				return dst, false
			}
			dst = append(dst, d)
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst, true
}
