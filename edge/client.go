package edge

import (
	"net"
	"net/netip"

	"github.com/panjf2000/gnet/v2"

	"github.com/edgegate/edgegate/compression"
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/limiter"
)

// connState is where a client connection is in its request cycle; process
// switches on it. The transitions:
//
//	stHead  --head parsed-->  stBody (a body follows) or stWait
//	stBody  --body read---->  stWait
//	stWait  --101---------->  stTunnel
//	stBody, stWait, stTunnel --request finished--> stHead (keep-alive)
//	                                            or stFlush -> stLinger (closing)
type connState uint8

const (
	stHead   connState = iota // between requests: reading the next request head
	stBody                    // a request is active and its body is being read
	stWait                    // the body is in; the answer is awaited or being relayed
	stTunnel                  // websocket: bytes are piped to the upstream
	stFlush                   // closing once what is queued for the client is sent
	stLinger                  // write side shut; discarding input until FIN or lingerTime
)

// answer is how far the response to the current request has got. It is
// apart from connState because a backend (or a mock) may answer before
// the request body has been read.
type answer uint8

const (
	ansNone    answer = iota
	ansStarted        // the status line is out: a failure can only cut the connection
	ansDone
)

// client is one client connection and the request it is serving.
type client struct {
	c        gnet.Conn
	l        *loop
	tls      *tlsConn // nil on the plain listener (tls.go)
	prev     *client
	next     *client
	closeErr error

	state connState
	ans   answer

	dead       bool // OnClose seen: c must not be touched again
	closeMe    bool // close requested
	inCB       bool // this connection's OnTraffic is on the stack
	processing bool // process is on the stack: its loop picks up what follows
	rpaused    bool // reading paused (backpressure.go)
	// pausedForPeer: paused until the upstream drains what we sent it
	// (upload, tunnel). Otherwise paused because requests pile up behind
	// the current one; that pause ends with the request.
	pausedForPeer bool
	watched       bool // on the loop's watch list

	parser http1.Parser
	bs     signState // backendsign.go
	ip     []byte
	ipBuf  [48]byte
	peer   netip.Addr // the socket peer, unmapped (ipcheck.go)
	// caller is clientIP's answer for the current request, once known
	// (the IP checks and the per-IP and parameter limits all ask).
	caller      netip.Addr
	callerKnown bool
	// peekRule is the per-IP table rule a forwarded caller's request on
	// this connection was last counted by (peek.go's guess for the next).
	peekRule *limiter.TableRule

	// The request being served (stBody, stWait, stTunnel).
	rt         *runtime
	api        *apiRT
	t          *target
	up         *upstream
	head       []byte // upstream request head, kept for a dial or a retry
	hostOff    int    // the Host value's place in head
	hostEnd    int
	id         [reqIDLen]byte
	started    int64
	minor      uint8
	isHead     bool
	idempotent bool
	closeAfter bool // close once this response is out
	ws         bool // a websocket upgrade
	retried    bool
	sentBody   bool
	zon        bool // the API compresses; zreq is this request's (compress.go)
	zreq       compression.ReqInfo

	// Its body (stBody; body.go).
	body      bodyMode
	bodyLeft  int64
	bodyTotal int64
	toUp      bool // body goes upstream (else it is discarded)
	zeroSent  bool
	dec       http1.ChunkedDecoder

	// Timers (timeouts.go).
	headStart   int64
	deadline    int64
	dl          dlKind
	outMark     int // outbound bytes at the last progress check
	outProgress int64

	// respExtra holds complete header lines ("Name: value\r\n") that the
	// checks of admit add to this request's response, whoever makes it
	// (backend, mock or gateway error). Reset per request; its array is
	// reused, so steady state does not allocate.
	respExtra []byte

	ob      reqObs // the request's notes for counts and the access log (obs.go)
	logText []byte // the request's method, path and host for its log line (obslog.go)
	// For the access log only (obslog.go): the address the client
	// reached (vip, as text), and its TCP round trip in µs (tcp_rtt) as
	// last read at rttAt (precise clock; 0: never).
	localText []byte
	rttUs     uint32
	rttAt     int64
}

func (l *loop) openClient(c gnet.Conn) *client {
	cl := &client{c: c, l: l}
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			cl.ip = ip.Unmap().AppendTo(cl.ipBuf[:0])
			cl.peer = ip.Unmap()
		}
	}
	if l.alog != nil {
		if a := localAddr(c); a.IsValid() {
			cl.localText = a.AppendTo(nil) // once per connection
		}
	}
	c.SetContext(cl)
	l.addClient(cl)
	// The first request gets the header timeout, not the idle one.
	cl.setDeadline(l.now()+int64(l.s.cfg.HeaderTimeout), dlIdle)
	return cl
}

func (cl *client) onTraffic() gnet.Action {
	l := cl.l
	l.enter()
	cl.inCB = true
	if cl.tls != nil && cl.tls.hs != nil {
		cl.tls.feed()
	} else {
		cl.process()
	}
	l.exit()
	cl.inCB = false
	if cl.closeMe {
		return gnet.Close
	}
	return gnet.None
}

// inRequest reports whether a request is being served.
func (cl *client) inRequest() bool {
	return cl.state == stBody || cl.state == stWait || cl.state == stTunnel
}

// process handles whatever the client sent, request after request.
func (cl *client) process() {
	if cl.processing {
		return // the loop below goes on with it
	}
	cl.processing = true
	cl.serve()
	cl.processing = false
}

func (cl *client) serve() {
	for !cl.dead && !cl.closeMe {
		switch cl.state {
		case stHead:
			if !cl.readHead() {
				return
			}
		case stBody:
			if !cl.pumpBody() {
				return
			}
		case stWait:
			// Pipelined requests stay buffered until this one is answered.
			cl.limitBuffered()
			return
		case stTunnel:
			cl.pipe()
			return
		case stFlush, stLinger:
			cl.discardInput()
			return
		}
	}
}

// close closes the connection now. Inside its own OnTraffic the close is
// left to gnet (returning Close), elsewhere it is synchronous.
func (cl *client) close() {
	if cl.dead || cl.closeMe {
		return
	}
	if cl.tls != nil {
		cl.tls.closeNotify()
	}
	cl.closeMe = true
	if !cl.inCB {
		_ = cl.l.el.Close(cl.c)
	}
}

// closed runs once after gnet closed the connection.
func (cl *client) closed() {
	cl.l.removeClient(cl)
	if cl.tls != nil {
		cl.tls.closed()
	}
	cl.abortPeer() // mid-request: not reusable
	cl.finishRequest()
}

// abortPeer closes the upstream connection of an attempt that cannot
// complete (the client is gone, or the request failed mid-way).
func (cl *client) abortPeer() {
	if u := cl.up; u != nil {
		cl.up = nil
		u.cl = nil
		if u.c != nil && !u.dead {
			u.close()
		}
	}
}

// finishRequest ends the current request once its response is out. A
// kept-alive connection goes on at once with a request pipelined behind
// it, whichever callback ended this one (the upstream's, a timer, a failed
// dial): nothing else would look at bytes already read (issue 11, defect 1).
func (cl *client) finishRequest() {
	if !cl.inRequest() {
		return
	}
	l := cl.l
	cl.record() // once: the state leaves inRequest below
	if cl.state == stBody {
		cl.closeAfter = true // the body is not read: the framing is lost
	}
	cl.state = stHead
	l.ctr.add(cInflight, -1) // after record: 0 in flight means all recorded
	// The access log's next slot is warmed only now: an atomic add is a
	// full fence on amd64 (LOCK XADD), and one right after the warming
	// stores waited for their cache misses (0.25 µs a request).
	if l.alog != nil {
		l.alog.Warm()
	}
	if cl.head != nil {
		l.putBuf(cl.head)
		cl.head = nil
	}
	cl.api, cl.rt, cl.t, cl.up = nil, nil, nil, nil
	if cl.dead {
		return
	}
	if cl.closeAfter || l.s.draining.Load() {
		cl.closeWhenFlushed()
		return
	}
	cl.setDeadline(l.now()+int64(l.s.cfg.IdleTimeout), dlIdle)
	if cl.rpaused {
		cl.resumeRead()
	}
	if !cl.closeMe && cl.inbound() > 0 {
		cl.process() // a no-op inside process: its loop goes on
	}
}

// abort closes a client whose response cannot be completed (the status
// line is already out, so the only signal left is the close).
func (cl *client) abort() {
	if cl.tls != nil {
		cl.tls.cut = true // no close_notify: the client can tell the cut
	}
	cl.closeAfter = true
	cl.finishRequest()
	cl.close()
}

// closeWhenFlushed closes once everything queued for the client is sent,
// then lingers briefly for the client's FIN.
func (cl *client) closeWhenFlushed() {
	if cl.dead || cl.closeMe {
		return
	}
	cl.state = stFlush
	cl.discardInput()
	if cl.tls != nil {
		cl.tls.closeNotify() // flushed with the rest (RFC 8446 §6.1)
	}
	_ = cl.c.Flush() // deferred writes (iobatch.go) go out before the FIN
	if cl.c.OutboundBuffered() > 0 {
		cl.setDeadline(cl.l.now()+int64(cl.l.s.cfg.SendTimeout), dlFlush)
		cl.l.watchClient(cl)
		return
	}
	cl.startLinger()
}

func (cl *client) startLinger() {
	if cl.state == stLinger {
		return
	}
	cl.state = stLinger
	if cl.rpaused {
		cl.resumeRead()
	}
	if err := cl.shutdownWrite(); err != nil {
		cl.close()
		return
	}
	cl.setDeadline(cl.l.now()+int64(lingerTime), dlLinger)
}
