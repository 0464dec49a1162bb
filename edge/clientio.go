package edge

import "github.com/panjf2000/gnet/v2"

// A client connection's bytes, whatever carries them. Every place that reads
// the client's request bytes or writes to the client goes through these: on
// a plain connection they are gnet's own calls (Peek/Discard on its inbound
// buffer, Write to its outbound one); on a TLS connection (tls.go) the
// reads come from a plaintext buffer that tlsConn fills from gnet's
// ciphertext and the writes are sealed into records first. The plain path
// is one nil test away from the direct gnet call.

// peek returns the client's unread request bytes. They stay valid until
// the next discard (or peek: a TLS peek may move them).
func (cl *client) peek() []byte {
	if cl.tls == nil {
		buf, _ := cl.c.Peek(-1)
		return buf
	}
	return cl.tls.peek()
}

// discard consumes n bytes of what peek returned.
func (cl *client) discard(n int) {
	if cl.tls == nil {
		consume(cl.c, n)
		return
	}
	cl.tls.discard(n)
}

// inbound counts what the client sent that is not consumed yet (on TLS:
// ciphertext not yet opened plus plaintext not yet read).
func (cl *client) inbound() int {
	if cl.tls == nil {
		return cl.c.InboundBuffered()
	}
	return cl.c.InboundBuffered() + cl.tls.buffered()
}

// discardInput drops everything the client sent (closing connections).
func (cl *client) discardInput() {
	if n := cl.c.InboundBuffered(); n > 0 {
		_, _ = cl.c.Discard(n)
	}
	if cl.tls != nil {
		cl.tls.dropInput()
	}
}

// moreInput is called when what peek returned is not enough to go on (an
// incomplete head, a form body still arriving): on TLS, records may be
// waiting for room in the plaintext buffer; it makes room and reports
// whether peek now returns more. A plain connection gets more only from
// the socket.
func (cl *client) moreInput() bool {
	return cl.tls != nil && cl.tls.more()
}

// consume discards n bytes of c's inbound buffer. gnet's Discard takes
// n <= 0 as "everything": a reader that consumed nothing (a trailer line
// still arriving, a record not yet whole) must not call it.
func consume(c gnet.Conn, n int) {
	if n > 0 {
		_, _ = c.Discard(n)
	}
}

// write sends b to the client.
func (cl *client) write(b []byte) {
	cl.ob.out += int64(len(b))
	if cl.tls == nil {
		_, _ = cl.c.Write(b)
		return
	}
	cl.tls.write(b)
}

// startWriter points the loop's writer at the client.
func (cl *client) startWriter() {
	l := cl.l
	l.w.start(cl.c)
	l.w.cnt = &cl.ob.out
	if cl.tls != nil {
		l.w.tc = cl.tls // never a typed nil: flush tests tc != nil
	}
}
