package main

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// A minimal TLS 1.3 client (RFC 8446) for the handshake load generator:
// TLS_AES_128_GCM_SHA256, X25519, optional PSK resumption (psk_dhe_ke),
// one HTTP/1.1 request per connection. It does what a client must to
// complete a handshake and read the answer (key schedule, both Finished
// MACs, record protection, tickets) and skips what only protects the
// client: it checks that the server sent the expected leaf certificate
// byte for byte but does not verify CertificateVerify's signature, and it
// reuses one X25519 key share for all connections. That takes one scalar
// multiplication per handshake on the load side against the server's two
// plus a signature, so one load core can saturate one server core, which
// crypto/tls's or OpenSSL's full clients (more work per handshake than the
// server) cannot. The s_client probe in the harness checks each peer with
// a real, verifying client.

const (
	recCCS       = 20
	recAlert     = 21
	recHandshake = 22
	recAppData   = 23

	hsClientHello         = 1
	hsServerHello         = 2
	hsNewSessionTicket    = 4
	hsEncryptedExtensions = 8
	hsCertificate         = 11
	hsCertificateVerify   = 15
	hsFinished            = 20

	suiteAES128GCM = 0x1301
	groupX25519    = 0x001d

	extServerName     = 0
	extGroups         = 10
	extSigAlgs        = 13
	extALPN           = 16
	extPSK            = 41
	extVersions       = 43
	extPSKModes       = 45
	extKeyShare       = 51
	maxRecordCipher   = 1<<14 + 256
	binderListLen     = 2 + 1 + sha256.Size // the binders<> of one 32-byte binder
	maxResponseLength = 64 << 10
)

// helloRetryRandom is ServerHello.random of a HelloRetryRequest (§4.1.3).
var helloRetryRandom = sha256.Sum256([]byte("HelloRetryRequest"))

// tls13Ticket is a resumption ticket with its PSK (§4.6.1).
type tls13Ticket struct {
	identity []byte
	psk      []byte
	ageAdd   uint32
	received time.Time
}

// tls13Client holds what all connections of a generator share.
type tls13Client struct {
	serverName string
	leafDER    []byte // the certificate the server must present (nil: any)
	request    []byte // one HTTP request, sent right after the Finished
	wantBody   []byte // the response must end with it
	key        *ecdh.PrivateKey
	sessionID  [32]byte // non-empty: middlebox compatibility mode, as OpenSSL and Go clients do
}

func newTLS13Client(serverName string, leafDER, request, wantBody []byte) (*tls13Client, error) {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	c := &tls13Client{serverName: serverName, leafDER: leafDER, request: request, wantBody: wantBody, key: k}
	if _, err := rand.Read(c.sessionID[:]); err != nil {
		return nil, err
	}
	return c, nil
}

// tls13Outcome is what one connection did.
type tls13Outcome struct {
	Resumed bool
	Ticket  *tls13Ticket // the newest ticket the server sent, if any
	Tickets int
	Cipher  uint16
	Group   uint16
	ALPN    string
}

// halfConn is one direction's record protection.
type halfConn struct {
	aead cipher.AEAD
	iv   [12]byte
	seq  uint64
}

func newHalfConn(secret []byte) (*halfConn, error) {
	key := expandLabel(secret, "key", nil, 16)
	iv := expandLabel(secret, "iv", nil, 12)
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	h := &halfConn{aead: g}
	copy(h.iv[:], iv)
	return h, nil
}

func (h *halfConn) nonce() []byte {
	n := h.iv
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], h.seq)
	for i := range s {
		n[4+i] ^= s[i]
	}
	h.seq++
	return n[:]
}

// seal appends one protected record carrying typ and data.
func (h *halfConn) seal(dst []byte, typ byte, data []byte) []byte {
	n := len(data) + 1 + h.aead.Overhead()
	hdr := []byte{recAppData, 3, 3, byte(n >> 8), byte(n)}
	dst = append(dst, hdr...)
	inner := append(append([]byte(nil), data...), typ)
	return h.aead.Seal(dst, h.nonce(), inner, hdr)
}

// open decrypts a record in place and returns its inner type and content.
func (h *halfConn) open(hdr, payload []byte) (byte, []byte, error) {
	pt, err := h.aead.Open(payload[:0], h.nonce(), payload, hdr)
	if err != nil {
		return 0, nil, errors.New("record authentication failed")
	}
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 {
		return 0, nil, errors.New("record without content type")
	}
	return pt[i], pt[:i], nil
}

func extract(salt, ikm []byte) []byte {
	if salt == nil {
		salt = make([]byte, sha256.Size)
	}
	k, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		panic(err) // SHA-256 with these lengths cannot fail
	}
	return k
}

// expandLabel is HKDF-Expand-Label (§7.1).
func expandLabel(secret []byte, label string, context []byte, n int) []byte {
	var b cryptobyte.Builder
	b.AddUint16(uint16(n))
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte("tls13 " + label)) })
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(context) })
	out, err := hkdf.Expand(sha256.New, secret, string(b.BytesOrPanic()), n)
	if err != nil {
		panic(err)
	}
	return out
}

func finishedMAC(baseKey, transcript []byte) []byte {
	m := hmac.New(sha256.New, expandLabel(baseKey, "finished", nil, sha256.Size))
	m.Write(transcript)
	return m.Sum(nil)
}

var emptyHash = sha256.Sum256(nil)

// recordReader reads TLS records and reassembles handshake messages.
type recordReader struct {
	r    *bufio.Reader
	in   *halfConn // nil before the server's handshake keys
	hs   []byte    // unconsumed handshake bytes
	hdr  [5]byte
	body []byte
}

// next returns the next record's type and (decrypted) content.
func (rr *recordReader) next() (byte, []byte, error) {
	for {
		if _, err := io.ReadFull(rr.r, rr.hdr[:]); err != nil {
			return 0, nil, err
		}
		n := int(binary.BigEndian.Uint16(rr.hdr[3:]))
		if n > maxRecordCipher {
			return 0, nil, fmt.Errorf("record of %d bytes", n)
		}
		if cap(rr.body) < n {
			rr.body = make([]byte, n)
		}
		body := rr.body[:n]
		if _, err := io.ReadFull(rr.r, body); err != nil {
			return 0, nil, err
		}
		typ := rr.hdr[0]
		if typ == recCCS { // middlebox compatibility (§D.4): ignored
			continue
		}
		if rr.in == nil || typ != recAppData {
			if rr.in != nil && typ != recAlert {
				return 0, nil, fmt.Errorf("unprotected record of type %d after the keys", typ)
			}
			return typ, body, nil
		}
		return rr.in.open(rr.hdr[:], body)
	}
}

// whole reports whether a whole handshake message is buffered.
func (rr *recordReader) whole() bool {
	return len(rr.hs) >= 4 && len(rr.hs) >= 4+(int(rr.hs[1])<<16|int(rr.hs[2])<<8|int(rr.hs[3]))
}

// message returns the next whole handshake message (header included).
func (rr *recordReader) message() ([]byte, error) {
	for !rr.whole() {
		typ, data, err := rr.next()
		if err != nil {
			return nil, err
		}
		switch typ {
		case recHandshake:
			rr.hs = append(rr.hs, data...)
		case recAlert:
			return nil, alertError(data)
		default:
			return nil, fmt.Errorf("record of type %d during the handshake", typ)
		}
	}
	n := 4 + (int(rr.hs[1])<<16 | int(rr.hs[2])<<8 | int(rr.hs[3]))
	m := append([]byte(nil), rr.hs[:n]...)
	rr.hs = rr.hs[n:]
	return m, nil
}

func alertError(data []byte) error {
	if len(data) == 2 {
		return fmt.Errorf("server alert %d (level %d)", data[1], data[0])
	}
	return errors.New("malformed alert")
}

// clientHello builds the ClientHello message; with t it ends in a
// pre_shared_key extension whose binder is still zero.
func (c *tls13Client) clientHello(t *tls13Ticket) []byte {
	var random [32]byte
	_, _ = rand.Read(random[:])
	var b cryptobyte.Builder
	b.AddUint8(hsClientHello)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(random[:])
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(c.sessionID[:]) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(suiteAES128GCM) })
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			ext := func(id uint16, body func(*cryptobyte.Builder)) {
				b.AddUint16(id)
				b.AddUint16LengthPrefixed(body)
			}
			ext(extServerName, func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					b.AddUint8(0) // host_name
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(c.serverName)) })
				})
			})
			ext(extGroups, func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(groupX25519) })
			})
			ext(extSigAlgs, func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					b.AddUint16(0x0403) // ecdsa_secp256r1_sha256
					b.AddUint16(0x0804) // rsa_pss_rsae_sha256
					b.AddUint16(0x0401) // rsa_pkcs1_sha256 (certificates)
				})
			})
			ext(extALPN, func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte("http/1.1")) })
				})
			})
			ext(extVersions, func(b *cryptobyte.Builder) {
				b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(0x0304) })
			})
			ext(extKeyShare, func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					b.AddUint16(groupX25519)
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(c.key.PublicKey().Bytes()) })
				})
			})
			ext(extPSKModes, func(b *cryptobyte.Builder) {
				b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(1) }) // psk_dhe_ke
			})
			if t != nil { // must be the last extension (§4.2.11)
				age := uint32(time.Since(t.received)/time.Millisecond) + t.ageAdd
				ext(extPSK, func(b *cryptobyte.Builder) {
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(t.identity) })
						b.AddUint32(age)
					})
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, sha256.Size)) })
					})
				})
			}
		})
	})
	return b.BytesOrPanic()
}

// serverHello is what the client needs of a ServerHello.
type serverHello struct {
	suite    uint16
	group    uint16
	share    []byte
	pskIndex int // -1: no PSK accepted
}

func (c *tls13Client) parseServerHello(m []byte) (serverHello, error) {
	sh := serverHello{pskIndex: -1}
	s := cryptobyte.String(m[4:])
	var version uint16
	var random, sid []byte
	var comp uint8
	var exts cryptobyte.String
	if m[0] != hsServerHello || !s.ReadUint16(&version) || !s.ReadBytes(&random, 32) ||
		!s.ReadUint8LengthPrefixed((*cryptobyte.String)(&sid)) || !s.ReadUint16(&sh.suite) ||
		!s.ReadUint8(&comp) || !s.ReadUint16LengthPrefixed(&exts) {
		return sh, fmt.Errorf("malformed ServerHello (message type %d)", m[0])
	}
	if bytes.Equal(random, helloRetryRandom[:]) {
		return sh, errors.New("server sent a HelloRetryRequest (X25519 refused?)")
	}
	if !bytes.Equal(sid, c.sessionID[:]) || sh.suite != suiteAES128GCM || comp != 0 {
		return sh, fmt.Errorf("ServerHello: session id echoed %v, suite %#04x, compression %d", bytes.Equal(sid, c.sessionID[:]), sh.suite, comp)
	}
	var tls13 bool
	for !exts.Empty() {
		var id uint16
		var body cryptobyte.String
		if !exts.ReadUint16(&id) || !exts.ReadUint16LengthPrefixed(&body) {
			return sh, errors.New("malformed ServerHello extensions")
		}
		switch id {
		case extVersions:
			var v uint16
			tls13 = body.ReadUint16(&v) && v == 0x0304
		case extKeyShare:
			var share []byte
			if !body.ReadUint16(&sh.group) || !body.ReadUint16LengthPrefixed((*cryptobyte.String)(&share)) {
				return sh, errors.New("malformed key_share")
			}
			sh.share = share
		case extPSK:
			var i uint16
			if !body.ReadUint16(&i) {
				return sh, errors.New("malformed pre_shared_key")
			}
			sh.pskIndex = int(i)
		}
	}
	if !tls13 {
		return sh, errors.New("server did not choose TLS 1.3")
	}
	if sh.group != groupX25519 || len(sh.share) != 32 {
		return sh, fmt.Errorf("server key share: group %#04x, %d bytes", sh.group, len(sh.share))
	}
	return sh, nil
}

// do runs one connection: handshake (resuming t if given), the request,
// the response up to the server's close. br is reused across connections.
func (c *tls13Client) do(conn net.Conn, br *bufio.Reader, t *tls13Ticket) (tls13Outcome, error) {
	var out tls13Outcome
	br.Reset(conn)
	rr := &recordReader{r: br}
	var th hash.Hash = sha256.New()

	// ClientHello, with the PSK binder (§4.2.11.2) when resuming.
	ch := c.clientHello(t)
	early := extract(nil, make([]byte, sha256.Size))
	if t != nil {
		early = extract(nil, t.psk)
		binderKey := expandLabel(early, "res binder", emptyHash[:], sha256.Size)
		trunc := sha256.Sum256(ch[:len(ch)-binderListLen])
		copy(ch[len(ch)-sha256.Size:], finishedMAC(binderKey, trunc[:]))
	}
	th.Write(ch)
	rec := append([]byte{recHandshake, 3, 1, byte(len(ch) >> 8), byte(len(ch))}, ch...)
	if _, err := conn.Write(rec); err != nil {
		return out, err
	}

	m, err := rr.message()
	if err != nil {
		return out, fmt.Errorf("reading ServerHello: %w", err)
	}
	sh, err := c.parseServerHello(m)
	if err != nil {
		return out, err
	}
	out.Cipher, out.Group = sh.suite, sh.group
	if sh.pskIndex > 0 || (sh.pskIndex == 0 && t == nil) {
		return out, fmt.Errorf("server selected PSK %d, not offered", sh.pskIndex)
	}
	out.Resumed = sh.pskIndex == 0
	if !out.Resumed {
		early = extract(nil, make([]byte, sha256.Size))
	}
	th.Write(m)
	peer, err := ecdh.X25519().NewPublicKey(sh.share)
	if err != nil {
		return out, err
	}
	shared, err := c.key.ECDH(peer)
	if err != nil {
		return out, err
	}
	hsSecret := extract(expandLabel(early, "derived", emptyHash[:], sha256.Size), shared)
	sum := th.Sum(nil)
	cHS := expandLabel(hsSecret, "c hs traffic", sum, sha256.Size)
	sHS := expandLabel(hsSecret, "s hs traffic", sum, sha256.Size)
	if rr.in, err = newHalfConn(sHS); err != nil {
		return out, err
	}

	// EncryptedExtensions, [Certificate, CertificateVerify], Finished.
	want := []byte{hsEncryptedExtensions, hsCertificate, hsCertificateVerify, hsFinished}
	if out.Resumed {
		want = []byte{hsEncryptedExtensions, hsFinished}
	}
	for _, typ := range want {
		m, err := rr.message()
		if err != nil {
			return out, fmt.Errorf("reading handshake message %d: %w", typ, err)
		}
		if m[0] != typ {
			return out, fmt.Errorf("handshake message %d, want %d", m[0], typ)
		}
		switch typ {
		case hsEncryptedExtensions:
			out.ALPN = parseALPN(m[4:])
		case hsCertificate:
			if err := c.checkCertificate(m[4:]); err != nil {
				return out, err
			}
		case hsFinished:
			if !hmac.Equal(m[4:], finishedMAC(sHS, th.Sum(nil))) {
				return out, errors.New("server Finished does not verify")
			}
		}
		th.Write(m)
	}
	sum = th.Sum(nil)
	master := extract(expandLabel(hsSecret, "derived", emptyHash[:], sha256.Size), make([]byte, sha256.Size))
	cAP := expandLabel(master, "c ap traffic", sum, sha256.Size)
	sAP := expandLabel(master, "s ap traffic", sum, sha256.Size)

	// Our flight: change_cipher_spec (compatibility mode), Finished, request.
	fin := append([]byte{hsFinished, 0, 0, sha256.Size}, finishedMAC(cHS, sum)...)
	th.Write(fin)
	resMaster := expandLabel(master, "res master", th.Sum(nil), sha256.Size)
	wHS, err := newHalfConn(cHS)
	if err != nil {
		return out, err
	}
	wAP, err := newHalfConn(cAP)
	if err != nil {
		return out, err
	}
	flight := []byte{recCCS, 3, 3, 0, 1, 1}
	flight = wHS.seal(flight, recHandshake, fin)
	flight = wAP.seal(flight, recAppData, c.request)
	if _, err := conn.Write(flight); err != nil {
		return out, err
	}

	// Tickets and the response, until close_notify or EOF.
	if rr.in, err = newHalfConn(sAP); err != nil {
		return out, err
	}
	var resp []byte
	closed := false
	for !closed {
		typ, data, err := rr.next()
		if err != nil {
			if errors.Is(err, io.EOF) && len(resp) > 0 {
				break
			}
			return out, fmt.Errorf("reading the response: %w", err)
		}
		switch typ {
		case recAppData:
			if len(resp)+len(data) > maxResponseLength {
				return out, errors.New("response too long")
			}
			resp = append(resp, data...)
		case recAlert:
			if len(data) == 2 && data[1] == 0 { // close_notify
				closed = true
				break
			}
			return out, alertError(data)
		case recHandshake:
			rr.hs = append(rr.hs, data...)
			for rr.whole() {
				m, _ := rr.message()
				if m[0] != hsNewSessionTicket {
					return out, fmt.Errorf("post-handshake message %d", m[0])
				}
				tk, err := parseTicket(m[4:], resMaster)
				if err != nil {
					return out, err
				}
				out.Ticket = tk
				out.Tickets++
			}
		}
	}
	if !bytes.HasPrefix(resp, []byte("HTTP/1.1 200 ")) || !bytes.HasSuffix(resp, c.wantBody) {
		return out, fmt.Errorf("unexpected response %.80q", resp)
	}
	return out, nil
}

func parseALPN(ee []byte) string {
	s := cryptobyte.String(ee)
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) {
		return ""
	}
	for !exts.Empty() {
		var id uint16
		var body, list, proto cryptobyte.String
		if !exts.ReadUint16(&id) || !exts.ReadUint16LengthPrefixed(&body) {
			return ""
		}
		if id == extALPN && body.ReadUint16LengthPrefixed(&list) && list.ReadUint8LengthPrefixed(&proto) {
			return string(proto)
		}
	}
	return ""
}

// checkCertificate compares the leaf with the expected one.
func (c *tls13Client) checkCertificate(body []byte) error {
	if c.leafDER == nil {
		return nil
	}
	s := cryptobyte.String(body)
	var ctx, list, leaf cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&ctx) || !s.ReadUint24LengthPrefixed(&list) || !list.ReadUint24LengthPrefixed(&leaf) {
		return errors.New("malformed Certificate")
	}
	if !bytes.Equal(leaf, c.leafDER) {
		return errors.New("server presented another certificate than the bench one")
	}
	return nil
}

func parseTicket(body, resMaster []byte) (*tls13Ticket, error) {
	s := cryptobyte.String(body)
	var lifetime uint32
	t := &tls13Ticket{received: time.Now()}
	var nonce, id []byte
	if !s.ReadUint32(&lifetime) || !s.ReadUint32(&t.ageAdd) ||
		!s.ReadUint8LengthPrefixed((*cryptobyte.String)(&nonce)) ||
		!s.ReadUint16LengthPrefixed((*cryptobyte.String)(&id)) || len(id) == 0 {
		return nil, errors.New("malformed NewSessionTicket")
	}
	t.identity = append([]byte(nil), id...)
	t.psk = expandLabel(resMaster, "resumption", nonce, sha256.Size)
	return t, nil
}
