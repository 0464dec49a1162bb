package backendsign

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/edgegate/edgegate/ascii"
)

// Signer signs request heads for one event loop. Not safe for concurrent
// use; it never allocates once its buffers have grown.
type Signer struct {
	c       canon
	dateSec int64
	date    []byte
}

// NewSigner returns a Signer for one event loop.
func NewSigner() *Signer {
	return &Signer{c: newCanon(), dateSec: -1, date: make([]byte, 0, len(DateFormat))}
}

// AppendPayloadHash appends the hex SHA-256 of body, the payload hash of
// a body the gateway holds whole.
func AppendPayloadHash(dst, body []byte) []byte {
	sum := sha256.Sum256(body)
	return hex.AppendEncode(dst, sum[:])
}

// SignHead signs a request head as the gateway forwards it. head is the
// request line (origin-form target) and the header lines, ending with the
// empty line. The client's Authorization, X-Sdk-Date and
// X-Sdk-Content-Sha256 lines are removed, and the signature's lines are
// added before the empty line; the result reuses head's array when it
// has room. payload is the body's hex SHA-256 (AppendPayloadHash) or
// UnsignedPayload; unix is the time to sign at. A head that does not end
// with an empty line is returned as it is, with ok false.
func (s *Signer) SignHead(head []byte, k *Key, payload []byte, unix int64) (out []byte, ok bool) {
	if !bytes.HasSuffix(head, crlf2) {
		return head, false
	}
	rl := bytes.Index(head, crlf)
	// Drop the fields the signature owns, in place.
	w := rl + 2
	for r := w; ; {
		e := r + bytes.Index(head[r:], crlf)
		if e == r {
			break // the empty line
		}
		if !ownField(head[r:e]) {
			w += copy(head[w:], head[r:e+2])
		}
		r = e + 2
	}
	head = head[:w]
	if k.Type == TypeBasic {
		head = append(head, k.basicLine...)
		return append(head, crlf...), true
	}
	date := s.dateAt(unix)
	head = append(head, HeaderDate+": "...)
	head = append(head, date...)
	head = append(head, crlf...)
	unsigned := bytes.Equal(payload, unsignedPayload)
	if unsigned {
		head = append(head, HeaderContentSHA256+": "+UnsignedPayload+"\r\n"...)
	}
	c := &s.c
	fs := c.fs[:0]
	for r := rl + 2; r < len(head); {
		e := r + bytes.Index(head[r:], crlf)
		line := head[r:e]
		r = e + 2
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || unsignedField(line[:colon]) {
			continue
		}
		fs = append(fs, field{line[:colon], ascii.TrimOWS(line[colon+1:])})
	}
	c.fs = fs
	c.sortFields()
	line := head[:rl]
	method, target := line, []byte(nil)
	if sp := bytes.IndexByte(line, ' '); sp > 0 {
		method, target = line[:sp], line[sp+1:]
		if sp := bytes.LastIndexByte(target, ' '); sp >= 0 {
			target = target[:sp]
		}
	}
	path, query := target, []byte(nil)
	if q := bytes.IndexByte(target, '?'); q >= 0 {
		path, query = target[:q], target[q+1:]
	}
	canonical := c.build(method, path, query, c.fs, c.sh, payload)
	sts := c.stringToSign(k.scheme, date, canonical)
	// Everything that aliased head is used: head may move now.
	head = append(head, k.authPrefix...)
	head = append(head, c.sh...)
	head = append(head, ", Signature="...)
	head = c.appendSignature(head, k, sts)
	return append(head, crlf2...), true
}

var (
	crlf            = []byte("\r\n")
	crlf2           = []byte("\r\n\r\n")
	unsignedPayload = []byte(UnsignedPayload)
)

// ownField reports a header line the signature sets (a client's copy is
// dropped).
func ownField(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return false
	}
	name := line[:colon]
	switch len(name) {
	case len("authorization"):
		return ascii.EqualFold(name, "authorization")
	case len(HeaderDate):
		return ascii.EqualFold(name, "x-sdk-date")
	case len(HeaderContentSHA256):
		return ascii.EqualFold(name, "x-sdk-content-sha256")
	}
	return false
}

// dateAt is X-Sdk-Date for unix, formatted once per second.
func (s *Signer) dateAt(unix int64) []byte {
	if unix != s.dateSec {
		s.date = time.Unix(unix, 0).UTC().AppendFormat(s.date[:0], DateFormat)
		s.dateSec = unix
	}
	return s.date
}
