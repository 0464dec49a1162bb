package edge

import (
	"context"
	"errors"
	"net"

	"github.com/panjf2000/gnet/v2"

	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/http1"
)

type upPhase uint8

const (
	upHead   upPhase = iota // waiting for the response head
	upBody                  // relaying the response body
	upTunnel                // websocket: piping bytes
)

type respMode uint8

const (
	respNone respMode = iota
	respLength
	respChunked
	respClose // until the upstream closes
)

// upstream is one connection to a backend target, enrolled on the loop of
// the client it was opened for and pooled there between requests.
type upstream struct {
	c        gnet.Conn // nil while dialing
	l        *loop
	t        *target
	cl       *client // the client being served; nil when idle
	tls      *upTLS  // TLS to the backend (uptls.go); nil for plain targets
	closeErr error

	dead      bool
	closeMe   bool
	inCB      bool
	rpaused   bool
	inPool    bool
	reused    bool // served a request before (a stale close may be retried)
	gotBytes  bool // any byte of the current response arrived
	keepAlive bool // the response allows reuse
	rechunk   bool // the client gets chunked framing
	teCoded   bool // the backend's Transfer-Encoding has codings besides chunked (te.go)
	zeroSent  bool
	idleSince int64
	dialAt    int64 // precise clock when the dial began (backend_connect)

	parser http1.Parser
	phase  upPhase
	mode   respMode
	left   int64
	dec    http1.ChunkedDecoder

	z zUp // compressing the current body (compress.go)
}

// dial connects to u's target in a goroutine (Go's resolver and a connect
// timeout), then enrolls the socket on this loop; OnOpen picks it up.
// gnet's own Register dials without a timeout, hence our dial.
func (l *loop) dial(u *upstream) {
	l.ctr.add(cUpstreamDials, 1)
	l.obs.addrs.at(u.t.obsAddr).dials.Add(1)
	u.dialAt = l.pnow
	addr, timeout, el := u.t.addr, l.s.cfg.ConnectTimeout, l.el
	go func() {
		conn, err := net.DialTimeout("tcp", addr, timeout)
		if err == nil {
			var ch <-chan gnet.RegisteredResult
			ch, err = el.Enroll(gnet.NewContext(context.Background(), u), conn)
			if err == nil {
				if r := <-ch; r.Err == nil {
					return
				} else {
					err = r.Err
				}
			} else {
				_ = conn.Close()
			}
		}
		l.execute(gnet.RunnableFunc(func(context.Context) error {
			l.dialFailed(u, err)
			return nil
		}))
	}()
}

func (l *loop) dialFailed(u *upstream, err error) {
	l.enter()
	defer l.exit()
	u.dead = true
	u.t.fail(l.now())
	cl := u.cl
	if cl == nil || cl.up != u {
		return
	}
	f := errUpstreamRefused
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		f = errUpstreamConnTO
	}
	cl.upstreamFailed(f, false, true)
}

// onOpen: the dialed connection is registered on the loop. A TLS target
// runs its handshake first (uptls.go), then ready.
func (u *upstream) onOpen(c gnet.Conn) {
	l := u.l
	l.enter()
	defer l.exit()
	u.c = c
	if u.t.tls != nil {
		u.startTLS()
		return
	}
	u.ready()
}

// ready sends the waiting request on a connection just established.
func (u *upstream) ready() {
	cl := u.cl
	if cl == nil || cl.dead || cl.up != u {
		u.cl = nil
		u.l.poolPut(u) // the client gave up; keep the connection for the next one
		return
	}
	// backend_connect: dial to ready, a TLS backend's handshake included
	// (as nginx's $upstream_connect_time); absent on a pooled connection.
	cl.ob.connect = max(u.l.pnow-u.dialAt, 1)
	cl.sendHead()
	if !cl.dead && !u.dead {
		cl.process() // body bytes that waited for the connection
	}
}

func (u *upstream) onTraffic() gnet.Action {
	l := u.l
	l.enter()
	u.inCB = true
	if u.tls != nil && u.tls.hs != nil {
		u.tls.feed()
	} else {
		u.process()
	}
	l.exit()
	u.inCB = false
	if u.closeMe {
		return gnet.Close
	}
	return gnet.None
}

func (u *upstream) close() {
	if u.dead || u.closeMe || u.c == nil {
		return
	}
	u.closeMe = true
	if u.tls != nil {
		u.tls.closeNotify()
	}
	if !u.inCB {
		_ = u.l.el.Close(u.c)
	}
}

// closed runs once after gnet closed the connection.
func (u *upstream) closed() {
	if u.tls != nil && u.tls.closed() {
		return // closed during the handshake: its end reports (upTLS.Run)
	}
	if u.inPool {
		u.inPool = false // poolGet and prune skip dead entries
		return
	}
	cl := u.cl
	if cl == nil || cl.up != u {
		u.zrelease() // the client went first
		return
	}
	switch u.phase {
	case upHead:
		// Closed before any answer: a reused connection the backend had
		// already given up on is retried; anything else is the backend's fault.
		stale := u.reused && !u.gotBytes
		if !stale {
			u.t.fail(u.l.now())
		}
		cl.upstreamFailed(errUpstreamReset, stale, false)
	case upBody:
		if u.mode == respClose {
			u.endClose()
			return
		}
		u.zrelease()
		cl.up = nil
		u.cl = nil
		cl.abort() // truncated: the client must see the close
	case upTunnel:
		cl.up = nil
		u.cl = nil
		cl.closeAfter = true
		cl.finishRequest()
	}
}

// endClose completes a close-delimited response.
func (u *upstream) endClose() {
	cl := u.cl
	l := u.l
	if u.rechunk && !cl.dead {
		cl.startWriter()
		if u.z.enc != nil {
			u.zend()
		} else {
			l.w.str("0\r\n\r\n")
		}
		l.w.flush()
	}
	u.zrelease()
	cl.up = nil
	u.cl = nil
	cl.ans = ansDone
	cl.closeAfter = cl.closeAfter || !u.rechunk
	cl.finishRequest()
}

// process handles bytes from the backend. Over TLS the plaintext comes
// a buffer at a time, so it goes on while whole records wait.
func (u *upstream) process() {
	cl := u.cl
	if cl == nil {
		u.idleInput()
		return
	}
	for {
		buf := u.peek()
		if len(buf) == 0 {
			if u.tls != nil && u.tls.rerr != nil && !u.dead {
				u.tlsEnded() // close_notify ends a tunnel like a FIN
			}
			return
		}
		phase := u.phase
		var more bool
		if phase == upTunnel {
			more = u.pipeBuf(cl, buf)
		} else {
			more = u.processBuf(cl, buf)
		}
		// A plain Peek returned all there was, unless the response has
		// just become a tunnel: the bytes behind the 101 go on now.
		if !more || u.tls == nil && (phase == upTunnel || u.phase != upTunnel) {
			return
		}
	}
}

// processBuf handles what peek returned. It returns true when it made
// progress and more may follow at once (over TLS, records not yet opened).
func (u *upstream) processBuf(cl *client, buf []byte) bool {
	l := u.l
	s := l.s
	u.gotBytes = true
	off := 0
	cl.startWriter()
	for u.phase == upHead {
		l.resp.Headers = l.rhdrs[:0]
		n, perr := u.parser.ParseResponse(buf[off:], &l.resp, s.cfg.Limits.MaxHeaderBytes, s.cfg.Limits.MaxHeaders)
		if perr != nil {
			u.t.fail(l.now())
			cl.upstreamFailed(errUpstreamBad, false, false)
			return false
		}
		if n == 0 {
			u.discardIn(off)
			return u.moreIn()
		}
		r := &l.resp
		u.parser.Reset()
		if r.Status < 200 {
			if r.Status == 101 {
				if !cl.ws || r.Upgrade == nil || !ascii.EqualFold(r.Upgrade, "websocket") {
					u.t.fail(l.now())
					cl.upstreamFailed(errUpstreamBad, false, false)
					return false
				}
				u.startTunnel(r)
				off += n
				u.discardIn(off)
				return !cl.dead && !u.dead
			}
			off += n // other 1xx are not forwarded (our own 100 went out already)
			continue
		}
		off += n
		u.t.ok()
		if !u.startResponse(r) {
			return false
		}
	}
	consumed, done := u.relay(buf[off:])
	l.w.flush()
	if u.dead {
		return false
	}
	u.discardIn(off + consumed) // 0 when only a trailer line is pending
	if cl.dead {
		u.cl = nil
		u.close()
		return false
	}
	if done {
		if off+consumed < len(buf) || u.inboundLeft() {
			u.keepAlive = false // bytes past the end of the response
		}
		u.finish()
		return false
	}
	cl.setDeadline(l.now()+cl.api.timeout, dlResponse)
	if cl.c.OutboundBuffered() > s.cfg.HighWater {
		u.pauseRead()
		l.watchClient(cl)
		return false
	}
	// Progress: over TLS the next peek opens records that did not fit (a
	// partial chunk line stays and is read again with what follows).
	return off+consumed > 0
}

// startResponse queues the rewritten response head for the client and
// picks the body framing. It returns false if the response was refused.
func (u *upstream) startResponse(r *http1.Response) bool {
	cl := u.cl
	l := u.l
	u.phase = upBody
	u.zeroSent = false
	switch {
	case cl.isHead || r.Status == 204 || r.Status == 304:
		u.mode = respNone
	case r.Chunked:
		u.mode = respChunked
		u.dec.Reset()
	case r.ContentLength > 0:
		u.mode, u.left = respLength, r.ContentLength
	case r.ContentLength == 0:
		u.mode = respNone
	default:
		u.mode = respClose
	}
	// Codings besides chunked pass through (te.go); HTTP/1.0 cannot take them.
	if u.teCoded = u.mode != respNone && hasTransferCoding(r.Headers); u.teCoded && cl.minor == 0 {
		u.t.fail(l.now())
		cl.upstreamFailed(errUpstreamBad, false, false)
		return false
	}
	u.keepAlive = r.KeepAlive && u.mode != respClose
	u.rechunk = false
	if u.mode == respChunked || u.mode == respClose {
		if cl.minor >= 1 {
			u.rechunk = true
		} else {
			cl.closeAfter = true // HTTP/1.0: the close delimits the body
		}
	}
	if cl.ws {
		cl.closeAfter = true // the upgrade was refused; don't reuse this connection
	}
	u.zstart(cl, r)
	cl.ans = ansStarted
	cl.obsResponse(r.Status)
	l.tmp = l.appendResponseHead(l.tmp[:0], cl, r, u)
	l.w.copy(l.tmp)
	return true
}

// relay moves body bytes to the client, re-framing chunked bodies
// canonically. It returns the bytes consumed and whether the body ended.
func (u *upstream) relay(data []byte) (int, bool) {
	l := u.l
	if u.z.enc != nil {
		return u.zrelay(data)
	}
	switch u.mode {
	case respNone:
		return 0, true
	case respLength:
		k := int(min(int64(len(data)), u.left))
		l.w.ref(data[:k])
		u.left -= int64(k)
		return k, u.left == 0
	case respClose:
		if len(data) > 0 {
			l.w.body(data, u.rechunk, &l.hex)
		}
		return len(data), false
	}
	consumed := 0
	for consumed < len(data) {
		n, ev, chunk, tr, err := u.dec.Next(data[consumed:])
		consumed += n
		if err != nil {
			u.badChunk()
			return consumed, false
		}
		l.w.chunk(ev, chunk, &tr, u.rechunk, &u.zeroSent, &l.hex)
		switch ev {
		case http1.ChunkDone:
			return consumed, true
		case http1.ChunkMore:
			return consumed, false
		}
	}
	return consumed, false
}

// badChunk cuts a response whose chunked framing broke: the head is out,
// so all that is left is to cut the client.
func (u *upstream) badChunk() {
	l := u.l
	u.t.fail(l.now())
	u.keepAlive = false
	l.w.flush()
	cl := u.cl
	cl.up = nil
	u.cl = nil
	u.close()
	cl.abort()
}

// finish ends a complete response: the connection goes back to the pool
// when both sides allow, and the client moves on to its next request.
func (u *upstream) finish() {
	cl := u.cl
	l := u.l
	cl.up = nil
	u.cl = nil
	cl.ans = ansDone
	if u.rpaused {
		u.resumeRead()
	}
	if u.keepAlive && cl.state != stBody && !u.dead {
		l.poolPut(u)
	} else {
		u.close()
	}
	cl.finishRequest()
}
