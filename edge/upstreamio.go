package edge

// An upstream connection's bytes, whatever carries them (the twin of
// clientio.go): plain connections call gnet directly, TLS ones (uptls.go)
// read plaintext opened from gnet's ciphertext and seal what they write.

// peek returns the backend's unread bytes; valid until the next discardIn.
func (u *upstream) peek() []byte {
	x := u.tls
	if x == nil {
		buf, _ := u.c.Peek(-1)
		return buf
	}
	if x.rl != nil && x.rerr == nil {
		if err := x.open(u.c, u.l); err != nil {
			x.failed(err)
		}
	}
	return x.unread()
}

// discardIn consumes n bytes of what peek returned.
func (u *upstream) discardIn(n int) {
	if u.tls == nil {
		consume(u.c, n)
		return
	}
	u.tls.discard(u.l, n)
}

// moreIn is called when what peek returned is not enough (a response head
// split across records): on TLS, a whole record may be waiting for room
// in the plaintext buffer; it makes room and reports whether peek now
// returns more.
func (u *upstream) moreIn() bool {
	x := u.tls
	if x == nil || x.rl == nil || x.rerr != nil {
		return false
	}
	grew, err := x.grow(u.c, u.l)
	if err != nil {
		x.failed(err)
	}
	return grew
}

// inboundLeft reports whether bytes wait that peek has not returned yet.
func (u *upstream) inboundLeft() bool {
	return u.tls != nil && (len(u.tls.carry) > 0 || u.c.InboundBuffered() > 0)
}

// write sends b to the backend.
func (u *upstream) write(b []byte) {
	if x := u.tls; x != nil {
		x.write(b)
	} else {
		_, _ = u.c.Write(b)
	}
}

// startWriter points the loop's writer at the backend (sealing on TLS;
// never a typed nil in tc).
func (u *upstream) startWriter() {
	if u.l.w.start(u.c); u.tls != nil {
		u.l.w.tc = u.tls
	}
}

// idleInput handles bytes on a pooled connection: the backend closing it,
// or (over TLS) a post-handshake message the record layer consumed
// without output, which leaves the connection poolable.
func (u *upstream) idleInput() {
	if u.tls != nil && u.tls.rl != nil && len(u.peek()) == 0 && u.tls.rerr == nil {
		return
	}
	u.close() // bytes on an idle connection: protocol error, or the backend's close
}
