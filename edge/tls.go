package edge

import (
	"context"
	"errors"

	"github.com/panjf2000/gnet/v2"

	"github.com/edgegate/edgegate/tlsterm"
)

// tlsConn is the TLS side of a client connection accepted on the HTTPS
// listener (README "HTTPS"; the design is tlsterm's doc).
//
// The handshake never runs on the loop: OnTraffic feeds gnet's ciphertext
// to a tlsterm.Handshake; crypto/tls runs on tlsterm's worker, its flights
// leave through gnet's AsyncWrite (thread-safe; the bytes are copied, as
// AsyncWrite keeps them) and HandshakeDone hops back with EventLoop.Execute
// (Run). gnet runs AsyncWrite's tasks before Execute's, so every flight,
// alert or session ticket is out before the record layer writes.
//
// After it the record layer (tlsterm.Conn) runs on the loop, without
// locks: peek opens whole records from gnet's inbound buffer into a
// plaintext buffer lent by the loop and given back as soon as it is read
// empty, so an idle connection holds no buffer; write seals into the
// loop's seal buffer and hands the records to gnet's Write, so
// back-pressure (HighWater, LowWater, PauseRead) counts ciphertext.
type tlsConn struct {
	cl    *client
	hs    *tlsterm.Handshake // until the handshake ends
	recIn                    // the record layer's read side, once the handshake ended

	rerr error // the read side ended: close_notify or a fatal error
	cut  bool  // closing without close_notify: the response was cut short
}

// recIn is the read side of a record layer on the loop, for a client
// connection (tlsConn) as for an upstream one (upTLS): whole records
// opened from gnet's inbound buffer (after the handshake's leftover) into
// a plaintext buffer lent by the loop.
type recIn struct {
	rl    *tlsterm.Conn // the record layer, once the handshake has ended
	plain []byte        // lent plaintext buffer, nil when empty; plain[off:] is unread
	off   int
	big   bool   // plain is a large buffer (plainBig)
	carry []byte // the handshake's leftover ciphertext not opened yet
}

// Plaintext buffer sizes. A small buffer holds any one record (what a
// request of a few KiB takes); a head or a form body that does not fit
// moves to a large one, sized by the server for the longest head plus the
// largest form body the gateway buffers plus one record.
const (
	plainSmall    = tlsterm.MaxPlaintext + 4<<10
	keepSmallFree = 256 // per loop; more are left to the GC
	keepBigFree   = 16
	// sealChunk is the plaintext one Seal takes (two full records); the
	// loop's seal buffer holds its records with room for a KeyUpdate.
	sealChunk = writerCap
	sealCap   = sealChunk + 512
)

// startTLS begins the handshake of a connection accepted on the HTTPS
// listener. No edge deadline runs meanwhile: tlsterm's handshake timeout
// bounds it and then ends the connection.
func (cl *client) startTLS(s *tlsterm.Server) {
	t := &tlsConn{cl: cl}
	cl.tls = t
	cl.deadline, cl.dl = 0, dlNone
	t.hs = s.NewHandshake(t)
}

// HandshakeWrite implements tlsterm.Events (on the handshake's goroutine).
func (t *tlsConn) HandshakeWrite(b []byte) { asyncCopy(t.cl.c, b) }

// asyncCopy queues a handshake flight: gnet's AsyncWrite is thread-safe
// and keeps the slice, and tlsterm lends it for the call only.
func asyncCopy(c gnet.Conn, b []byte) { _ = c.AsyncWrite(append([]byte(nil), b...), nil) }

// feedHandshake hands what c received to hs; what it declines (the
// handshake just ended) stays in gnet's buffer for the record layer.
func feedHandshake(c gnet.Conn, hs *tlsterm.Handshake) {
	buf, _ := c.Peek(-1)
	if len(buf) > 0 {
		consume(c, hs.Feed(buf))
	}
}

// HandshakeDone implements tlsterm.Events: the rest runs on the loop (Run).
func (t *tlsConn) HandshakeDone(*tlsterm.Handshake) {
	_ = t.cl.l.el.Execute(context.Background(), t)
}

// feed hands what the client sent to the handshake.
func (t *tlsConn) feed() { feedHandshake(t.cl.c, t.hs) }

// Run ends the handshake on the connection's loop (gnet.Runnable): the
// record layer takes over, or the connection closes (crypto/tls's alert,
// if it sent one, is already out; a timeout or ErrBusy sends none).
func (t *tlsConn) Run(context.Context) error {
	cl := t.cl
	hs := t.hs
	if hs == nil || cl.dead {
		return nil // closed meanwhile (closed aborted the handshake)
	}
	t.hs = nil
	l := cl.l
	l.enter()
	defer l.exit()
	rl, left, _, err := hs.Result()
	if err != nil {
		l.ctr.add(cTLSFailed, 1)
		cl.close()
		return nil
	}
	l.ctr.add(cTLSHandshakes, 1)
	t.rl = rl
	if len(left) > 0 {
		t.carry = left
	}
	cl.setDeadline(l.now()+int64(l.s.cfg.HeaderTimeout), dlIdle)
	cl.process()
	return nil
}

// buffered is what is held here: plaintext not read, leftover ciphertext.
func (r *recIn) buffered() int { return len(r.plain) - r.off + len(r.carry) }

func (t *tlsConn) peek() []byte {
	if t.rl != nil && t.rerr == nil {
		if err := t.open(t.cl.c, t.cl.l); err != nil {
			t.failed(err)
		}
	}
	return t.unread()
}

// unread is the plaintext not read yet (nil when none).
func (r *recIn) unread() []byte {
	if r.plain == nil {
		return nil
	}
	return r.plain[r.off:]
}

func (t *tlsConn) discard(n int) { t.recIn.discard(t.cl.l, n) }

func (r *recIn) discard(l *loop, n int) {
	r.off += n
	if r.off >= len(r.plain) {
		r.release(l)
	}
}

// release gives the plaintext buffer back to the loop.
func (r *recIn) release(l *loop) {
	if r.plain != nil {
		l.putPlain(r.plain, r.big)
		r.plain, r.off, r.big = nil, 0, false
	}
}

func (t *tlsConn) dropInput() { t.recIn.drop(t.cl.l) }

func (r *recIn) drop(l *loop) {
	r.release(l)
	r.carry = nil
}

// wholeRecord reports whether b starts with a complete TLS record.
func wholeRecord(b []byte) bool {
	return len(b) >= 5 && len(b) >= 5+(int(b[3])<<8|int(b[4]))
}

// src is the ciphertext to open next: the handshake's leftover, then
// gnet's inbound buffer.
func (r *recIn) src(c gnet.Conn) ([]byte, bool) {
	if len(r.carry) > 0 {
		return r.carry, true
	}
	buf, _ := c.Peek(-1)
	return buf, false
}

// open opens the whole records waiting into the plaintext buffer, as many
// as fit (Open stops before a record it has no room for; grow makes room),
// and answers what the record layer owes the peer (a KeyUpdate, RFC 8446
// §4.6.3). An error ends the read side: close_notify or a fatal one.
func (r *recIn) open(c gnet.Conn, l *loop) error {
	for {
		src, carried := r.src(c)
		if carried && !wholeRecord(src) {
			// The leftover ends inside a record: join the rest to it.
			buf, _ := c.Peek(-1)
			if len(buf) == 0 {
				return nil
			}
			r.carry = append(r.carry, buf...)
			_, _ = c.Discard(len(buf))
			continue
		}
		if !wholeRecord(src) {
			return nil
		}
		if r.plain == nil {
			r.plain = l.getPlain(false)
		} else if r.off > 0 && cap(r.plain)-len(r.plain) < tlsterm.MaxPlaintext {
			r.compact()
		}
		out, n, err := r.rl.Open(r.plain, src)
		r.plain = out
		if carried {
			if r.carry = r.carry[n:]; len(r.carry) == 0 {
				r.carry = nil
			}
		} else {
			consume(c, n)
		}
		if err != nil && err != tlsterm.ErrShortBuffer {
			return err
		}
		if r.rl.Pending() {
			_, _ = c.Write(r.rl.AppendPending(l.seal[:0]))
		}
		if len(r.plain) == r.off {
			r.release(l)
		}
		if !carried || n == 0 || wholeRecord(r.carry) {
			return nil // gnet's turn next time, or no room, or the leftover is in
		}
	}
}

func (r *recIn) compact() {
	r.plain = r.plain[:copy(r.plain, r.plain[r.off:])]
	r.off = 0
}

// more makes room for a whole record that did not fit: a large buffer, or
// the read bytes moved out. It reports whether peek now returns more.
// After close_notify nothing more comes: the connection closes once what
// it has is answered.
func (t *tlsConn) more() bool {
	if t.rl == nil {
		return false
	}
	if t.rerr != nil {
		if t.rerr == tlsterm.ErrCloseNotify && !t.cl.inRequest() {
			t.cl.closeWhenFlushed()
		}
		return false
	}
	grew, err := t.grow(t.cl.c, t.cl.l)
	if err != nil {
		t.failed(err)
	}
	return grew
}

// grow moves the unread plaintext to a large buffer (or to the front of
// it) when a whole record waits that did not fit, and opens what now
// fits. It reports whether more plaintext is unread than before.
func (r *recIn) grow(c gnet.Conn, l *loop) (bool, error) {
	if src, _ := r.src(c); !wholeRecord(src) {
		return false, nil
	}
	before := len(r.plain) - r.off
	switch {
	case !r.big:
		nb := append(l.getPlain(true), r.plain[r.off:]...)
		r.release(l)
		r.plain, r.big = nb, true
	case r.off > 0:
		r.compact()
	default:
		return false, nil // full of unread bytes: the reader must consume first
	}
	err := r.open(c, l)
	return len(r.plain)-r.off > before, err
}

// failed ends the read side. close_notify (RFC 8446 §6.1): what was sent
// before it is served, then the connection closes. Anything else is fatal:
// the alert tlsterm owes is sent and the connection is cut.
func (t *tlsConn) failed(err error) {
	cl := t.cl
	t.rerr = err
	if errors.Is(err, tlsterm.ErrCloseNotify) {
		cl.closeAfter = true
		if cl.state == stTunnel {
			// Like a plain client's FIN: the tunnel ends.
			cl.abortPeer()
			cl.close()
			return
		}
		if !cl.inRequest() && t.buffered() == 0 {
			cl.closeWhenFlushed()
		}
		return
	}
	if t.rl.Pending() {
		t.send(t.rl.AppendPending(cl.l.seal[:0]))
	}
	t.cut = true
	t.dropInput()
	cl.abortPeer()
	cl.close()
}

// write seals b into records and queues them for the client.
func (t *tlsConn) write(b []byte) {
	cl := t.cl
	if t.rl == nil {
		return
	}
	l := cl.l
	for len(b) > 0 && !cl.dead {
		k := min(len(b), sealChunk)
		out, err := t.rl.Seal(l.seal[:0], b[:k])
		l.seal = out[:0]
		t.send(out)
		if err != nil {
			// The write side is over (sequence numbers exhausted, or closed).
			t.cut = true
			cl.close()
			return
		}
		b = b[k:]
	}
}

func (t *tlsConn) send(rec []byte) {
	if len(rec) > 0 && !t.cl.dead {
		_, _ = t.cl.c.Write(rec)
	}
}

// closeNotify sends close_notify before a close the gateway chose (RFC 8446
// §6.1), unless the response was cut short: then its absence is how the
// client can tell a truncated body.
func (t *tlsConn) closeNotify() {
	if t.rl != nil && !t.cut {
		t.send(t.rl.AppendCloseNotify(t.cl.l.seal[:0]))
	}
}

// closed runs once the connection is gone.
func (t *tlsConn) closed() {
	if hs := t.hs; hs != nil {
		t.hs = nil
		hs.Abort() // its HandshakeDone finds t.hs nil and does nothing
	}
	t.dropInput()
}

// getPlain lends a plaintext buffer (large when big).
func (l *loop) getPlain(big bool) []byte {
	free, size := &l.plainFree, plainSmall
	if big {
		free, size = &l.plainFreeBig, l.s.plainBig
	}
	if n := len(*free); n > 0 {
		b := (*free)[n-1]
		(*free)[n-1] = nil
		*free = (*free)[:n-1]
		return b
	}
	return make([]byte, 0, size)
}

// putPlain takes a plaintext buffer back.
func (l *loop) putPlain(b []byte, big bool) {
	free, keep := &l.plainFree, keepSmallFree
	if big {
		free, keep = &l.plainFreeBig, keepBigFree
	}
	if len(*free) < keep {
		*free = append(*free, b[:0])
	}
}
