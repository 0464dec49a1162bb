package tlsterm

import (
	"crypto/cipher"
	"crypto/tls"
	"encoding/binary"
	"math"
	"slices"
)

// Record types (RFC 8446 §5.1).
const (
	recordCCS       = 20
	recordAlert     = 21
	recordHandshake = 22
	recordAppData   = 23

	recordHeaderLen = 5
	tagLen          = 16 // every AEAD here has a 16-byte tag

	// maxFragment is the largest plaintext fragment (RFC 8446 §5.1, RFC 5246 §6.2.1).
	maxFragment = 1 << 14
	// maxCiphertext13 and maxCiphertext12 bound a record's length field
	// (RFC 8446 §5.2: 2^14+256; RFC 5246 §6.2.3: 2^14+2048).
	maxCiphertext13 = maxFragment + 256
	maxCiphertext12 = maxFragment + 2048

	// MaxPlaintext is the spare capacity in Open's dst that any record fits in
	// (the TLS 1.3 inner plaintext: 2^14 bytes plus the content type).
	MaxPlaintext = maxFragment + 1
	// MaxRecord is the longest record Open accepts, header included: a
	// caller's ciphertext buffer that holds MaxRecord bytes always makes progress.
	MaxRecord = recordHeaderLen + maxCiphertext12

	// Handshake messages seen after the handshake.
	handshakeHelloRequest     = 0
	handshakeNewSessionTicket = 4
	handshakeKeyUpdate        = 24
	// maxTicketMsg bounds a NewSessionTicket's body (crypto/tls's own
	// limit on a handshake message is 64 KiB).
	maxTicketMsg = 1 << 16

	// keyUpdateAfter is the write-side record count after which a TLS 1.3
	// connection rekeys on its own: RFC 8446 §5.5 limits AES-GCM to 2^24.5
	// full-size records per key.
	keyUpdateAfter = 1 << 24
)

// halfConn is one direction's record protection.
type halfConn struct {
	aead   cipher.AEAD
	iv     [12]byte // TLS 1.3 and 1.2 ChaCha20: the full IV; 1.2 GCM: the 4-byte salt
	seq    uint64
	secret [48]byte // TLS 1.3 traffic secret, kept for KeyUpdate
	nonce  [12]byte // scratch, here so that no call allocates
	aad    [13]byte // scratch for the TLS 1.2 additional data
}

// nonceXOR writes the per-record nonce iv XOR seq (RFC 8446 §5.3, RFC 7905 §2).
func (h *halfConn) nonceXOR() []byte {
	h.nonce = h.iv
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], h.seq)
	for i := range 8 {
		h.nonce[4+i] ^= s[i]
	}
	return h.nonce[:]
}

// Conn is the record layer of one established TLS connection: it opens the
// peer's records and seals ours, with the keys the handshake produced.
//
// A Conn belongs to one goroutine (the connection's event loop); it has no
// locks. It holds no buffers: the caller lends the ciphertext and plaintext
// buffers on each call, so an idle Conn is only its keys (see doc.go for its
// size). All methods append to a dst the caller owns; nothing a method
// returns aliases the Conn.
type Conn struct {
	suite  *suiteInfo
	vers13 bool
	client bool // the client role: in is the server's direction
	in     halfConn
	out    halfConn

	rerr error // sticky read-side error
	werr error // sticky write-side error

	pendKeyUpdate bool  // a KeyUpdate(update_not_requested) answer is owed
	pendAlert     uint8 // alert description to send, valid when pendLevel != 0
	pendLevel     uint8
	// A post-handshake message in progress (TLS 1.3; messages may span
	// records): its header bytes so far, and the body bytes still to come.
	hsN    uint8
	hsHdr  [4]byte
	hsLeft uint32
	// tickets gives NewSessionTickets to crypto/tls (client role; nil when
	// resumption is off, and from the server's first application data on).
	tickets *ticketFeed
}

// Version is the negotiated protocol version (tls.VersionTLS12 or tls.VersionTLS13).
func (c *Conn) Version() uint16 {
	if c.vers13 {
		return tls.VersionTLS13
	}
	return tls.VersionTLS12
}

// CipherSuite is the negotiated cipher suite.
func (c *Conn) CipherSuite() uint16 { return c.suite.id }

// Pending reports whether the Conn owes the peer a record that no Seal has
// carried yet (a KeyUpdate answer or an alert). Send AppendPending's output.
func (c *Conn) Pending() bool { return c.pendKeyUpdate || c.pendLevel != 0 }

// Open decrypts the complete records at the start of src and appends their
// application data to dst. It returns the extended dst and n, how many bytes
// of src it consumed (whole records only: a partial record at the end is
// left for the next call, with more bytes after it). Open stops early, with
// a nil error, when the next record's plaintext would not fit in
// cap(dst)-len(dst); if not even the first fits it returns ErrShortBuffer.
// MaxPlaintext bytes of spare capacity always suffice, and then Open never
// allocates.
//
// src is only read; dst aliases nothing of src. On an error, dst still holds
// the data of the records before the failing one, the connection is over
// for reading, and Pending says whether an alert is to be sent.
func (c *Conn) Open(dst, src []byte) ([]byte, int, error) {
	if c.rerr != nil {
		return dst, 0, c.rerr
	}
	n := 0
	for len(src)-n >= recordHeaderLen {
		rec := src[n:]
		typ := rec[0]
		length := int(rec[3])<<8 | int(rec[4])
		if c.vers13 {
			// RFC 8446 §5: after the handshake every record is protected
			// application_data; a change_cipher_spec is an unexpected record.
			if typ != recordAppData {
				return dst, n, c.fail(ErrUnexpectedMessage, AlertUnexpectedMessage)
			}
			if length > maxCiphertext13 || length > MaxPlaintext+tagLen {
				return dst, n, c.fail(ErrRecordOverflow, AlertRecordOverflow)
			}
		} else {
			if typ < recordCCS || typ > recordAppData {
				return dst, n, c.fail(ErrUnexpectedMessage, AlertUnexpectedMessage)
			}
			if rec[1] != 3 || rec[2] != 3 {
				return dst, n, c.fail(ErrProtocolVersion, AlertProtocolVersion)
			}
			if length > maxCiphertext12 || length > maxFragment+c.suite.explicit+tagLen {
				return dst, n, c.fail(ErrRecordOverflow, AlertRecordOverflow)
			}
		}
		if len(rec) < recordHeaderLen+length {
			break
		}
		if cap(dst)-len(dst) < length-tagLen-c.suite.explicit {
			if n == 0 {
				return dst, 0, ErrShortBuffer
			}
			break
		}
		var (
			pt  []byte
			err error
		)
		if c.vers13 {
			typ, pt, err = c.open13(dst[len(dst):], rec[:recordHeaderLen+length])
		} else {
			pt, err = c.open12(dst[len(dst):], rec[:recordHeaderLen+length])
		}
		if err != nil {
			return dst, n, err
		}
		n += recordHeaderLen + length
		if typ != recordHandshake && c.hsN != 0 {
			// A handshake message cut by another record type (RFC 8446 §5.1).
			return dst, n, c.fail(ErrUnexpectedMessage, AlertUnexpectedMessage)
		}
		switch typ {
		case recordAppData:
			dst = dst[:len(dst)+len(pt)]
			c.tickets = nil // tickets come before the server's data (see ticketFeed)
		case recordAlert:
			if err := c.alert(pt); err != nil {
				return dst, n, err
			}
		case recordHandshake:
			if err := c.handshakeMsg(pt); err != nil {
				return dst, n, err
			}
		default:
			return dst, n, c.fail(ErrUnexpectedMessage, AlertUnexpectedMessage)
		}
	}
	return dst, n, nil
}

// open13 decrypts one TLS 1.3 record into out[:0] and strips the inner
// content type and zero padding (RFC 8446 §5.2, §5.4).
func (c *Conn) open13(out, rec []byte) (uint8, []byte, error) {
	if c.in.seq == math.MaxUint64 {
		return 0, nil, c.fail(ErrSeqExhausted, 0)
	}
	pt, err := c.in.aead.Open(out[:0], c.in.nonceXOR(), rec[recordHeaderLen:], rec[:recordHeaderLen])
	if err != nil {
		return 0, nil, c.fail(ErrBadRecordMAC, AlertBadRecordMAC)
	}
	c.in.seq++
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 {
		// All zeros: no content type (RFC 8446 §5.4).
		return 0, nil, c.fail(ErrUnexpectedMessage, AlertUnexpectedMessage)
	}
	if i > maxFragment {
		return 0, nil, c.fail(ErrRecordOverflow, AlertRecordOverflow)
	}
	return pt[i], pt[:i], nil
}

// open12 decrypts one TLS 1.2 AEAD record into out[:0] (RFC 5246 §6.2.3.3,
// RFC 5288 §3, RFC 7905 §2).
func (c *Conn) open12(out, rec []byte) ([]byte, error) {
	if c.in.seq == math.MaxUint64 {
		return nil, c.fail(ErrSeqExhausted, 0)
	}
	body := rec[recordHeaderLen:]
	ex := c.suite.explicit
	if len(body) < ex+tagLen {
		return nil, c.fail(ErrBadRecordMAC, AlertBadRecordMAC)
	}
	var nonce []byte
	if ex > 0 {
		c.in.nonce = c.in.iv
		copy(c.in.nonce[4:], body[:ex])
		nonce = c.in.nonce[:]
	} else {
		nonce = c.in.nonceXOR()
	}
	ct := body[ex:]
	c.aad12(&c.in, rec[0], len(ct)-tagLen)
	pt, err := c.in.aead.Open(out[:0], nonce, ct, c.in.aad[:])
	if err != nil {
		return nil, c.fail(ErrBadRecordMAC, AlertBadRecordMAC)
	}
	c.in.seq++
	return pt, nil
}

// aad12 fills h.aad: seq_num + type + version + length (RFC 5246 §6.2.3.3).
func (c *Conn) aad12(h *halfConn, typ uint8, n int) {
	binary.BigEndian.PutUint64(h.aad[:8], h.seq)
	h.aad[8] = typ
	h.aad[9], h.aad[10] = 3, 3
	h.aad[11], h.aad[12] = byte(n>>8), byte(n)
}

// alert handles a received alert (RFC 8446 §6, RFC 5246 §7.2).
func (c *Conn) alert(b []byte) error {
	if len(b) != 2 {
		return c.fail(ErrDecodeError, AlertDecodeError)
	}
	switch {
	case b[1] == AlertCloseNotify:
		c.rerr = ErrCloseNotify
		return ErrCloseNotify
	case c.vers13 && b[1] == AlertUserCanceled:
		return nil // followed by close_notify (RFC 8446 §6.1)
	case !c.vers13 && b[0] == alertLevelWarning:
		return nil // TLS 1.2 warnings are informational
	}
	c.rerr = AlertError(b[1])
	c.werr = ErrClosed // a fatal alert ends the connection; nothing is sent back
	return c.rerr
}

// handshakeMsg handles handshake content after the handshake. TLS 1.2:
// renegotiation, refused (see renegotiation). TLS 1.3: messages may span
// records and share them (RFC 8446 §5.1); KeyUpdate is accepted from either
// peer, NewSessionTicket from a server (given to the ticket feed, else
// ignored); anything else is unexpected: NewSessionTicket from a client,
// CertificateRequest (we never offer post-handshake authentication).
func (c *Conn) handshakeMsg(b []byte) error {
	if !c.vers13 {
		return c.renegotiation(b)
	}
	if len(b) == 0 {
		// Zero-length handshake fragments are forbidden (RFC 8446 §5.1).
		return c.fail(ErrUnexpectedMessage, AlertUnexpectedMessage)
	}
	for len(b) > 0 {
		if c.hsN < 4 {
			k := copy(c.hsHdr[c.hsN:], b)
			c.hsN += uint8(k)
			b = b[k:]
			if c.hsN == 4 {
				if err := c.handshakeHeader(); err != nil {
					return err
				}
			}
			continue
		}
		k := min(len(b), int(c.hsLeft))
		body := b[:k]
		b = b[k:]
		c.hsLeft -= uint32(k)
		switch c.hsHdr[0] {
		case handshakeKeyUpdate:
			if body[0] > 1 {
				return c.fail(ErrDecodeError, AlertIllegalParameter)
			}
			// A KeyUpdate must end its record (RFC 8446 §5.1).
			if len(b) != 0 {
				return c.fail(ErrUnexpectedMessage, AlertUnexpectedMessage)
			}
			if err := c.rekey(&c.in); err != nil {
				return c.fail(err, AlertInternalError)
			}
			if body[0] == 1 {
				c.pendKeyUpdate = true
			}
		case handshakeNewSessionTicket:
			if c.tickets != nil && !c.tickets.add(c.hsHdr[:], body, c.hsLeft == 0) {
				c.tickets = nil
			}
		}
		if c.hsLeft == 0 {
			c.hsN = 0
		}
	}
	return nil
}

// handshakeHeader checks a post-handshake message's type and length.
func (c *Conn) handshakeHeader() error {
	n := uint32(c.hsHdr[1])<<16 | uint32(c.hsHdr[2])<<8 | uint32(c.hsHdr[3])
	switch {
	case c.hsHdr[0] == handshakeKeyUpdate:
		if n != 1 {
			return c.fail(ErrDecodeError, AlertDecodeError)
		}
	case c.hsHdr[0] == handshakeNewSessionTicket && c.client:
		if n == 0 || n > maxTicketMsg {
			return c.fail(ErrDecodeError, AlertDecodeError)
		}
	default:
		return c.fail(ErrUnexpectedMessage, AlertUnexpectedMessage)
	}
	c.hsLeft = n
	return nil
}

// renegotiation refuses a TLS 1.2 renegotiation: a ClientHello from a
// client, a HelloRequest from a server (any handshake content from a
// client; other messages from a server are unexpected). RFC 5746 and
// RFC 5246 §7.2.2: no_renegotiation is a warning; we send it and end the
// connection rather than leave the peer waiting for a handshake that never
// comes (crypto/tls's client does the same).
func (c *Conn) renegotiation(b []byte) error {
	if c.client && (len(b) == 0 || b[0] != handshakeHelloRequest) {
		return c.fail(ErrUnexpectedMessage, AlertUnexpectedMessage)
	}
	c.rerr = ErrRenegotiation
	c.pendAlert, c.pendLevel = AlertNoRenegotiation, alertLevelWarning
	return ErrRenegotiation
}

// rekey moves h to the next TLS 1.3 traffic secret (RFC 8446 §7.2). It
// allocates (new AEAD state), which is fine: it is rare.
func (c *Conn) rekey(h *halfConn) error {
	hl := c.suite.hashLen()
	next, err := expandLabel(c.suite.hash(), h.secret[:hl], "traffic upd", hl)
	if err != nil {
		return err
	}
	a, iv, err := keys13(c.suite, next)
	if err != nil {
		return err
	}
	copy(h.secret[:], next)
	h.aead, h.iv, h.seq = a, iv, 0
	return nil
}

// fail records a fatal read-side error and the alert to send (0: none).
func (c *Conn) fail(err error, alert uint8) error {
	c.rerr = err
	if alert != 0 && c.werr == nil {
		c.pendAlert, c.pendLevel = alert, alertLevelFatal
	}
	return err
}

// Seal appends to dst the records that carry p as application data, in
// fragments of at most 2^14 bytes (RFC 8446 §5.1). A KeyUpdate the peer
// asked for goes first (RFC 8446 §4.6.3). With SealedLen(len(p)) bytes of
// spare capacity in dst (plus 64 for an owed KeyUpdate) Seal does not
// allocate. An empty p produces no record.
func (c *Conn) Seal(dst, p []byte) ([]byte, error) {
	if c.werr != nil {
		return dst, c.werr
	}
	if c.pendKeyUpdate {
		var err error
		if dst, err = c.keyUpdate(dst, false); err != nil {
			return dst, err
		}
	}
	for len(p) > 0 {
		m := min(len(p), maxFragment)
		var err error
		if dst, err = c.seal(dst, recordAppData, p[:m]); err != nil {
			return dst, err
		}
		p = p[m:]
	}
	return dst, nil
}

// SealedLen is the number of bytes Seal produces for n bytes of data.
func (c *Conn) SealedLen(n int) int {
	per := recordHeaderLen + tagLen + c.suite.explicit
	if c.vers13 {
		per++ // inner content type
	}
	recs := (n + maxFragment - 1) / maxFragment
	return n + recs*per
}

// seal appends one protected record of type typ carrying p (len(p) <= 2^14).
func (c *Conn) seal(dst []byte, typ uint8, p []byte) ([]byte, error) {
	if c.vers13 && c.out.seq >= keyUpdateAfter && typ == recordAppData {
		var err error
		if dst, err = c.keyUpdate(dst, false); err != nil {
			return dst, err
		}
	}
	if c.out.seq == math.MaxUint64 {
		c.werr = ErrSeqExhausted
		return dst, c.werr
	}
	start := len(dst)
	if c.vers13 {
		n := len(p) + 1 + tagLen
		dst = slices.Grow(dst, recordHeaderLen+n)
		dst = append(dst, recordAppData, 3, 3, byte(n>>8), byte(n))
		dst = append(dst, p...)
		dst = append(dst, typ)
		hdr := dst[start : start+recordHeaderLen]
		inner := dst[start+recordHeaderLen:]
		c.out.aead.Seal(inner[:0], c.out.nonceXOR(), inner, hdr)
		dst = dst[:start+recordHeaderLen+n]
	} else {
		ex := c.suite.explicit
		n := ex + len(p) + tagLen
		dst = slices.Grow(dst, recordHeaderLen+n)
		dst = append(dst, typ, 3, 3, byte(n>>8), byte(n))
		var nonce []byte
		if ex > 0 {
			// The explicit nonce is the sequence number, as crypto/tls does:
			// unique per key without randomness (RFC 5288 §3).
			dst = binary.BigEndian.AppendUint64(dst, c.out.seq)
			c.out.nonce = c.out.iv
			copy(c.out.nonce[4:], dst[len(dst)-8:])
			nonce = c.out.nonce[:]
		} else {
			nonce = c.out.nonceXOR()
		}
		dst = append(dst, p...)
		body := dst[start+recordHeaderLen+ex:]
		c.aad12(&c.out, typ, len(p))
		c.out.aead.Seal(body[:0], nonce, body, c.out.aad[:])
		dst = dst[:start+recordHeaderLen+n]
	}
	c.out.seq++
	return dst, nil
}

// keyUpdate appends a KeyUpdate under the current write key and then moves
// the write side to the next secret (RFC 8446 §4.6.3).
func (c *Conn) keyUpdate(dst []byte, request bool) ([]byte, error) {
	msg := [5]byte{handshakeKeyUpdate, 0, 0, 1, 0}
	if request {
		msg[4] = 1
	}
	dst, err := c.seal(dst, recordHandshake, msg[:])
	if err != nil {
		return dst, err
	}
	c.pendKeyUpdate = false
	if err := c.rekey(&c.out); err != nil {
		c.werr = err
		return dst, err
	}
	return dst, nil
}

// AppendKeyUpdate appends a KeyUpdate of our own (TLS 1.3 only), asking
// the peer to update its key as well when requestPeer is set.
func (c *Conn) AppendKeyUpdate(dst []byte, requestPeer bool) ([]byte, error) {
	if c.werr != nil {
		return dst, c.werr
	}
	if !c.vers13 {
		return dst, ErrUnexpectedMessage
	}
	return c.keyUpdate(dst, requestPeer)
}

// AppendPending appends the records the Conn owes the peer (see Pending).
// After a fatal alert the write side is closed.
func (c *Conn) AppendPending(dst []byte) []byte {
	if c.werr != nil {
		c.pendKeyUpdate, c.pendLevel = false, 0
		return dst
	}
	if c.pendKeyUpdate && c.pendLevel == 0 {
		dst, _ = c.keyUpdate(dst, false)
	}
	c.pendKeyUpdate = false
	if c.pendLevel != 0 {
		dst, _ = c.seal(dst, recordAlert, []byte{c.pendLevel, c.pendAlert})
		c.pendLevel = 0
		c.werr = ErrClosed
	}
	return dst
}

// AppendCloseNotify appends a close_notify alert and closes the write side
// (RFC 8446 §6.1). Send it before closing the socket.
func (c *Conn) AppendCloseNotify(dst []byte) []byte {
	if c.werr != nil {
		return dst
	}
	dst, _ = c.seal(dst, recordAlert, []byte{alertLevelWarning, AlertCloseNotify})
	c.werr = ErrClosed
	return dst
}
