package tlsterm

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"sync"
	"time"
)

// Events receives what a Handshake produces. Its methods run on the
// handshake's goroutine (or a timer's, or inside Feed/Abort), never
// concurrently with each other for one handshake, and every HandshakeWrite
// happens before HandshakeDone.
type Events interface {
	// HandshakeWrite sends b to the peer, in order. b is lent for the call
	// only: copy it if it is queued (gnet's AsyncWrite keeps the slice).
	HandshakeWrite(b []byte)
	// HandshakeDone reports the end of the handshake, success or failure,
	// exactly once. The caller then calls Result, typically after hopping
	// to the connection's event loop.
	HandshakeDone(h *Handshake)
}

// Handshake states.
const (
	stIdle    = iota // waiting for the first full record; no goroutine
	stQueued         // waiting for a slot
	stRunning        // crypto/tls is running on a worker goroutine
	stDone
)

// maxHandshakeInput bounds the bytes fed and not yet read by crypto/tls.
// Larger than any record, so the handshake never waits on it.
const maxHandshakeInput = 64 << 10

// State is what the handshake negotiated.
type State struct {
	Version            uint16 // tls.VersionTLS12 or tls.VersionTLS13
	CipherSuite        uint16
	ServerName         string // server: SNI as sent by the client ("" without SNI); client: the name verified (and sent as SNI unless an IP)
	NegotiatedProtocol string // ALPN ("" when the client offered none or the server chose none)
	DidResume          bool
	HelloRetryRequest  bool                // TLS 1.3: the server asked for another key share (one round trip more)
	PeerCertificates   []*x509.Certificate // server: client certificates (none are requested today); client: the server's chain
}

// Handshake is one connection's TLS handshake, in the server role
// (Server.NewHandshake) or the client role (Client.NewHandshake). The
// caller feeds it the peer's bytes; crypto/tls runs on a worker goroutine,
// fed one record at a time, so it never reads past the peer's last
// handshake record (its Finished); Result then hands over the record layer
// and whatever ciphertext followed.
type Handshake struct {
	p     *pool
	s     *Server // server role
	cl    *Client // client role
	ev    Events
	timer *time.Timer

	mu      sync.Mutex
	cond    sync.Cond
	state   int
	stopErr error  // set by Abort or the timeout: the transport fails with it
	buf     []byte // fed bytes; buf[off:] not yet read by crypto/tls
	off     int
	// The record crypto/tls is reading: its start in buf (-1 between
	// records) and its end (-1 until its header is in).
	recStart, recEnd int

	// Written by the worker before HandshakeDone, read by Result after it.
	conn     *Conn
	st       State
	err      error
	leftover []byte

	// Worker-only. Copies of what crypto/tls wrote and read (whole
	// records: the key handoff's checks and sequence counts).
	klog    keyLog
	written []byte
	read    []byte
}

// newHandshake is a handshake in stIdle whose timeout runs from now.
func newHandshake(p *pool, ev Events) *Handshake {
	h := &Handshake{p: p, ev: ev, recStart: -1, recEnd: -1}
	h.cond.L = &h.mu
	// Under the lock: the timer may fire before AfterFunc returns.
	h.mu.Lock()
	h.timer = time.AfterFunc(p.timeout, func() { h.stop(ErrHandshakeTimeout) })
	h.mu.Unlock()
	return h
}

// Feed gives the handshake bytes read from the peer. It copies them and
// returns how many it took: fewer than len(b) when the handshake has ended
// (the rest is application data for the record layer: keep it after
// Result's leftover) or its input buffer is full (64 KiB not yet read: only
// a peer sending far ahead; the handshake ends soon either way). Safe to
// call from the loop while the handshake goroutine runs. It may call
// HandshakeDone (ErrBusy) before returning.
func (h *Handshake) Feed(b []byte) int {
	h.mu.Lock()
	if h.state == stDone || h.stopErr != nil {
		h.mu.Unlock()
		return 0
	}
	h.compact()
	room := maxHandshakeInput - (len(h.buf) - h.off)
	n := min(len(b), max(room, 0))
	h.buf = append(h.buf, b[:n]...)
	start := false
	if h.state == stIdle && firstRecordIn(h.buf) { // server role only
		h.state, start = stQueued, true
	}
	h.cond.Broadcast()
	h.mu.Unlock()
	if start {
		h.p.enqueue(h)
	}
	return n
}

// compact drops the bytes crypto/tls has read, keeping a partly read header.
func (h *Handshake) compact() {
	base := h.off
	if h.recStart >= 0 {
		base = min(base, h.recStart)
	}
	if base == 0 {
		return
	}
	h.buf = h.buf[:copy(h.buf, h.buf[base:])]
	h.off -= base
	if h.recStart >= 0 {
		h.recStart -= base
	}
	if h.recEnd >= 0 {
		h.recEnd -= base
	}
}

// firstRecordIn reports whether b holds the first record whole, or enough to
// see that it is not a record crypto/tls would wait for (garbage, SSLv2).
func firstRecordIn(b []byte) bool {
	if len(b) < recordHeaderLen {
		return false
	}
	if b[0] != recordHandshake {
		return true
	}
	n := int(b[3])<<8 | int(b[4])
	return n > maxFragment || len(b) >= recordHeaderLen+n
}

// Abort ends the handshake (the connection went away). HandshakeDone still
// follows, with ErrHandshakeAborted, unless the handshake already ended
// (or crypto/tls completed it before it saw the stop: then it is reported
// as completed, and the caller finds the connection gone).
func (h *Handshake) Abort() { h.stop(ErrHandshakeAborted) }

// stop ends the handshake with err: at once when no goroutine runs it,
// otherwise by failing the transport under crypto/tls.
func (h *Handshake) stop(err error) {
	h.mu.Lock()
	switch h.state {
	case stIdle, stQueued:
		// A queued handshake stays in the queue; the worker skips it.
		h.state, h.err = stDone, err
		tm := h.timer
		h.mu.Unlock()
		tm.Stop()
		h.ev.HandshakeDone(h)
		return
	case stRunning:
		if h.stopErr == nil {
			h.stopErr = err
			h.cond.Broadcast()
		}
	}
	h.mu.Unlock()
}

// Result returns the outcome after HandshakeDone. On success: the record
// layer, the ciphertext the peer sent after its last handshake record (now
// owned by the caller; open it before any bytes Feed did not take), and the
// negotiated facts. Call it once.
func (h *Handshake) Result() (*Conn, []byte, State, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conn, h.leftover, h.st, h.err
}

// run is the worker side: crypto/tls over the record-by-record transport.
func (h *Handshake) run() {
	h.mu.Lock()
	if h.state != stQueued {
		h.mu.Unlock()
		return
	}
	h.state = stRunning
	h.mu.Unlock()

	tr := &transport{h: h}
	var tc *tls.Conn
	if h.cl != nil {
		tc = h.cl.tlsConn(h, tr)
	} else {
		tc = h.s.tlsConn(h, tr)
	}
	err := tc.Handshake()

	h.mu.Lock()
	h.state = stDone
	stopErr := h.stopErr
	var left []byte
	if rest := h.buf[h.off:]; len(rest) > 0 {
		left = append(left, rest...)
	}
	h.buf = nil
	h.mu.Unlock()
	h.timer.Stop()

	switch {
	case stopErr != nil && errors.Is(err, stopErr):
		// Stopped (Abort, timeout). Input fed before the stop was still
		// read: a failure crypto/tls found in it (an alert the peer sent
		// before hanging up) is the better error. A handshake crypto/tls
		// completed before it noticed the stop is reported as completed:
		// the leftover may hold what the peer said before hanging up (a
		// TLS 1.3 server refusing our client certificate sends its alert
		// after our Finished), which only the record layer can open.
		err = stopErr
	case err == nil:
		var c *Conn
		cs := tc.ConnectionState()
		c, err = h.handoff(cs)
		if err == nil {
			h.conn, h.leftover = c, left
			h.st = State{
				Version: cs.Version, CipherSuite: cs.CipherSuite, ServerName: cs.ServerName,
				NegotiatedProtocol: cs.NegotiatedProtocol, DidResume: cs.DidResume,
				HelloRetryRequest: cs.HelloRetryRequest, PeerCertificates: cs.PeerCertificates,
			}
			if h.cl != nil {
				h.st.ServerName = h.cl.base.ServerName
				h.cl.keepForTickets(tc, tr, c)
			}
		}
	case h.cl != nil:
		err = clientError(err, h.read)
	}
	h.mu.Lock()
	h.err = err
	h.written, h.read = nil, nil
	h.mu.Unlock()
	h.ev.HandshakeDone(h)
}

// transport is the net.Conn crypto/tls runs over. During the handshake
// Read blocks for fed bytes and never returns bytes past the end of the
// current record. After it (client role, TLS 1.3), it serves the session
// tickets a ticketFeed hands over, without blocking.
type transport struct {
	h     *Handshake // nil after the handshake
	after []byte     // post-handshake input (ticketFeed)
}

func (t *transport) Read(p []byte) (int, error) {
	h := t.h
	if h == nil {
		return t.readAfter(p)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.off == len(h.buf) && h.stopErr == nil {
		h.cond.Wait()
	}
	if h.off == len(h.buf) {
		return 0, h.stopErr // stopped; what was fed before has been read
	}
	if h.recStart < 0 {
		h.recStart, h.recEnd = h.off, -1
	}
	if h.recEnd < 0 && len(h.buf)-h.recStart >= recordHeaderLen {
		r := h.buf[h.recStart:]
		h.recEnd = h.recStart + recordHeaderLen + (int(r[3])<<8 | int(r[4]))
	}
	end := len(h.buf) // without a whole header, fewer than 5 bytes are here
	if h.recEnd >= 0 {
		end = min(end, h.recEnd)
	}
	n := copy(p, h.buf[h.off:end])
	h.read = append(h.read, p[:n]...)
	h.off += n
	if h.off == h.recEnd {
		h.recStart = -1
	}
	return n, nil
}

func (t *transport) Write(b []byte) (int, error) {
	h := t.h
	if h == nil {
		return len(b), nil // after the handshake: see ticketFeed
	}
	h.mu.Lock()
	err := h.stopErr
	h.mu.Unlock()
	if err != nil {
		return 0, err
	}
	h.written = append(h.written, b...)
	h.ev.HandshakeWrite(b)
	return len(b), nil
}

func (*transport) Close() error                     { return nil }
func (*transport) LocalAddr() net.Addr              { return addr{} }
func (*transport) RemoteAddr() net.Addr             { return addr{} }
func (*transport) SetDeadline(time.Time) error      { return nil }
func (*transport) SetReadDeadline(time.Time) error  { return nil }
func (*transport) SetWriteDeadline(time.Time) error { return nil }

type addr struct{}

func (addr) Network() string { return "tlsterm" }
func (addr) String() string  { return "tlsterm" }
