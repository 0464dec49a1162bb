package edge

import (
	"net"
	"net/netip"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/snapshot"
)

type bodyMode uint8

const (
	bodyNone bodyMode = iota
	bodyLength
	bodyChunked
)

// deadline kinds: what happens when a client's deadline passes.
type dlKind uint8

const (
	dlNone     dlKind = iota
	dlIdle            // keep-alive idle: close quietly
	dlHead            // request head incomplete: 408
	dlBody            // request body stalled: 408
	dlDial            // upstream connect: 504
	dlResponse        // upstream answer (head, or next body read): 504
	dlTunnel          // websocket idle: close both
	dlFlush           // client not reading what we queued: close
	dlLinger          // closing: stop waiting for the client's FIN
)

// lingerTime is how long a closing connection keeps reading (and
// discarding) after its last response, so the kernel doesn't answer unread
// request bytes with a RST that destroys the response (nginx lingering_close).
const lingerTime = 2 * time.Second

// client is one client connection and the request it is serving.
type client struct {
	c        gnet.Conn
	l        *loop
	prev     *client
	next     *client
	closeErr error

	dead    bool // OnClose seen: c must not be touched again
	closeMe bool // close requested
	inCB    bool // this connection's OnTraffic is on the stack
	rpaused bool // reading paused (epoll)
	// pausedForPeer: paused until the upstream drains what we sent it
	// (upload, tunnel). Otherwise paused because requests pile up behind
	// the current one; that pause ends with the request.
	pausedForPeer bool
	watched       bool // on the loop's watch list

	parser http1.Parser
	ip     []byte
	ipBuf  [48]byte
	peer   netip.Addr // the socket peer, unmapped (ipcheck.go)
	// caller is clientIP's answer for the current request, once known
	// (the IP checks and the per-IP and parameter limits all ask).
	caller      netip.Addr
	callerKnown bool

	// The request being served.
	active      bool
	rt          *runtime
	api         *apiRT
	t           *target
	up          *upstream
	head        []byte // upstream request head, kept for a dial or a retry
	hostOff     int    // the Host value's place in head
	hostEnd     int
	id          [reqIDLen]byte
	started     int64
	minor       uint8
	isHead      bool
	idempotent  bool
	keepAlive   bool
	closeAfter  bool // close once this response is out
	ws          bool // a websocket upgrade
	tunnel      bool // bytes are piped to up
	respStarted bool
	respDone    bool
	retried     bool
	sentBody    bool

	body      bodyMode
	bodyLeft  int64
	bodyTotal int64
	bodyDone  bool
	toUp      bool // body goes upstream (else it is discarded)
	zeroSent  bool
	dec       http1.ChunkedDecoder

	headStart int64
	deadline  int64
	dl        dlKind

	flushClose  bool
	lingering   bool
	outMark     int // outbound bytes at the last progress check
	outProgress int64

	// respExtra holds complete header lines ("Name: value\r\n") that the
	// checks of admit add to this request's response, whoever makes it
	// (backend, mock or gateway error). Reset per request; its array is
	// reused, so steady state does not allocate.
	respExtra []byte
}

func (l *loop) openClient(c gnet.Conn) {
	cl := &client{c: c, l: l}
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			cl.ip = ip.Unmap().AppendTo(cl.ipBuf[:0])
			cl.peer = ip.Unmap()
		}
	}
	c.SetContext(cl)
	l.addClient(cl)
	// The first request gets the header timeout, not the idle one.
	cl.setDeadline(l.s.clk.now()+int64(l.s.cfg.HeaderTimeout), dlIdle)
}

func (cl *client) setDeadline(at int64, k dlKind) {
	cl.deadline, cl.dl = at, k
}

func (cl *client) onTraffic() gnet.Action {
	l := cl.l
	l.enter()
	cl.inCB = true
	cl.process()
	l.exit()
	cl.inCB = false
	if cl.closeMe {
		return gnet.Close
	}
	return gnet.None
}

// close closes the connection now. Inside its own OnTraffic the close is
// left to gnet (returning Close), elsewhere it is synchronous.
func (cl *client) close() {
	if cl.dead || cl.closeMe {
		return
	}
	cl.closeMe = true
	if !cl.inCB {
		_ = cl.l.el.Close(cl.c)
	}
}

// closed runs once after gnet closed the connection.
func (cl *client) closed() {
	l := cl.l
	l.removeClient(cl)
	if u := cl.up; u != nil {
		cl.up = nil
		u.cl = nil
		if u.c != nil && !u.dead {
			u.close() // mid-request: not reusable
		}
	}
	if cl.active {
		cl.finishRequest()
	}
}

// process handles whatever the client sent, request after request.
func (cl *client) process() {
	for !cl.dead && !cl.closeMe {
		switch {
		case cl.flushClose:
			cl.discardInput()
			return
		case cl.tunnel:
			cl.pipe()
			return
		case cl.active && !cl.bodyDone:
			if !cl.pumpBody() {
				return
			}
		case cl.active:
			// Waiting for the response; pipelined requests stay buffered.
			cl.limitBuffered()
			return
		default:
			if !cl.readHead() {
				return
			}
		}
	}
}

func (cl *client) discardInput() {
	if n := cl.c.InboundBuffered(); n > 0 {
		_, _ = cl.c.Discard(n)
	}
}

// limitBuffered pauses reading while a request waits (for its response or
// its upstream connection) and bytes pile up behind it.
func (cl *client) limitBuffered() {
	n := cl.c.InboundBuffered()
	if n <= 2*cl.l.s.cfg.Limits.MaxHeaderBytes {
		return
	}
	cl.pauseRead(false)
}

func (cl *client) readHead() bool {
	buf, _ := cl.c.Peek(-1)
	if len(buf) == 0 {
		return false
	}
	l := cl.l
	s := l.s
	now := s.clk.now()
	if cl.headStart == 0 {
		cl.headStart = now
		cl.setDeadline(now+int64(s.cfg.HeaderTimeout), dlHead)
	}
	l.req.Headers = l.hdrs[:0]
	n, perr := cl.parser.ParseRequest(buf, &l.req, &s.cfg.Limits)
	if perr != nil {
		cl.parser.Reset()
		cl.beginRequest(now)
		cl.closeAfter = true
		cl.failParts(perr.Status, perr.Code, perr.Msg, nil)
		return false
	}
	if n == 0 {
		return false
	}
	cl.parser.Reset()
	if cl.awaitForm(&l.req, buf[n:]) {
		return false // the head is parsed again when the whole form is in
	}
	cl.headStart = 0
	cl.handle(&l.req, buf[n:], now)
	if !cl.dead {
		_, _ = cl.c.Discard(n)
	}
	return true
}

func (cl *client) beginRequest(now int64) {
	l := cl.l
	cl.active = true
	cl.respStarted, cl.respDone, cl.retried, cl.sentBody = false, false, false, false
	cl.ws, cl.tunnel, cl.zeroSent, cl.toUp = false, false, false, false
	cl.body, cl.bodyLeft, cl.bodyTotal, cl.bodyDone = bodyNone, 0, 0, true
	cl.started = now
	cl.respExtra = cl.respExtra[:0]
	cl.callerKnown = false
	l.ids.next(&cl.id)
	l.s.inflight.Add(1)
	l.s.Stats.Requests.Add(1)
}

// maxFormBody bounds a urlencoded body the gateway reads for an API that
// declares body parameters (it is buffered whole, unlike other bodies).
const maxFormBody = 64 << 10

// awaitForm reports whether the request goes to an API that declares form
// body parameters and its body has not fully arrived yet. Such a body is
// read whole before routing continues (bounded by maxFormBody and the
// header timeout).
func (cl *client) awaitForm(req *http1.Request, rest []byte) bool {
	if req.ContentLength <= 0 || req.ContentLength > maxFormBody || int64(len(rest)) >= req.ContentLength || !isForm(req) {
		return false
	}
	l := cl.l
	rr := &l.rreq
	rr.Host, rr.Method, rr.Path, rr.Query, rr.Headers = req.Host, req.Method, req.Path, req.Query, req.Headers
	rr.Body, rr.Form = nil, false
	l.s.rt.Load().router.Lookup(rr, &l.rres)
	return l.rres.Status == 0 && l.rres.Route.NeedBody
}

// isForm reports a Content-Type of application/x-www-form-urlencoded.
func isForm(req *http1.Request) bool {
	const form = "application/x-www-form-urlencoded"
	for i := range req.Headers {
		h := &req.Headers[i]
		if h.Kind != http1.KindOther || !ascii.EqualFold(h.Name, "content-type") {
			continue
		}
		v := h.Value
		if len(v) < len(form) || !ascii.EqualFold(v[:len(form)], form) {
			return false
		}
		return len(v) == len(form) || v[len(form)] == ';' || v[len(form)] == ' '
	}
	return false
}

// handle serves one parsed request head. req and rest (the bytes after
// the head) alias the read buffer, which stays valid until handle returns.
func (cl *client) handle(req *http1.Request, rest []byte, now int64) {
	l := cl.l
	s := l.s
	cl.beginRequest(now)
	cl.minor = uint8(req.Minor)
	cl.isHead = string(req.Method) == "HEAD"
	cl.idempotent = idempotent(req.Method)
	cl.keepAlive = req.KeepAlive
	if !cl.keepAlive || s.draining.Load() {
		cl.closeAfter = true
	}
	switch {
	case req.Chunked:
		cl.body, cl.bodyDone = bodyChunked, false
		cl.dec.Reset()
	case req.ContentLength > 0:
		cl.body, cl.bodyLeft, cl.bodyDone = bodyLength, req.ContentLength, false
	}
	if req.ContentLength > s.cfg.MaxBodyBytes {
		cl.fail(errBodyTooLarge)
		return
	}
	if s.cfg.Underscores == UnderscoreReject && hasUnderscore(req.Headers) {
		cl.fail(errUnderscore)
		return
	}

	rt := s.rt.Load()
	cl.rt = rt
	// A CORS preflight is answered by the gateway (cors.go).
	if isPreflightCandidate(rt, req) && cl.preflight(req, rt) {
		return
	}
	rr := &l.rreq
	rr.Host, rr.Method, rr.Path, rr.Query, rr.Headers = req.Host, req.Method, req.Path, req.Query, req.Headers
	rr.Body, rr.Form = nil, false
	res := &l.rres
	rt.router.Lookup(rr, res)
	if res.Status != 0 {
		cl.failParts(res.Status, res.Code, routerMessage(res.Code), res.Allow)
		return
	}
	if res.Route.NeedBody && req.ContentLength > 0 && isForm(req) {
		if req.ContentLength > maxFormBody {
			cl.fail(errFormTooLarge)
			return
		}
		if int64(len(rest)) >= req.ContentLength {
			rr.Body, rr.Form = rest[:req.ContentLength], true
		}
	}
	a := &rt.apis[res.Route.Index]
	cl.api = a
	if !cl.admit(a, req, rr, res) {
		return
	}
	switch a.kind {
	case snapshot.KindMock:
		cl.respondMock(a)
		return
	case snapshot.KindWebSocket:
		if req.Upgrade == nil || !ascii.EqualFold(req.Upgrade, "websocket") {
			cl.fail(errWSNotUpgrade)
			return
		}
		if !validWebSocketRequest(req) {
			cl.fail(errWSHandshake)
			return
		}
		cl.ws = true
	}

	l.sys.ClientIP, l.sys.RequestID, l.sys.Host, l.sys.Now = cl.ip, cl.id[:], req.Host, s.clk.unix()
	if perr := res.Route.Build(&l.rb, rr, res, &l.sys); perr != nil {
		cl.failParts(perr.Status, perr.Code, perr.Msg, nil)
		return
	}
	t := l.pick(a, nil)
	if t == nil {
		cl.fail(errNoUpstream)
		return
	}
	cl.t = t
	cl.head = l.appendUpstreamHead(l.getBuf(), cl, req, a)
	cl.toUp = true
	if l.rb.BodySet {
		// The router rewrote the form body: send its body, drop the client's.
		cl.head = append(cl.head, l.rb.Body...)
		cl.toUp = false
	}
	if req.ExpectContinue && !cl.bodyDone && req.Minor >= 1 {
		// RFC 9110 §10.1.1: the gateway accepts the body on the API's behalf
		// once routing and checks have passed; Expect is not forwarded.
		_, _ = cl.c.Write(s2b("HTTP/1.1 100 Continue\r\n\r\n"))
		if cl.dead {
			return
		}
	}
	cl.connect(t)
}

func idempotent(m []byte) bool {
	switch string(m) {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

func hasUnderscore(hs []http1.Header) bool {
	for i := range hs {
		if hs[i].Underscore {
			return true
		}
	}
	return false
}

// connect gets t's pooled connection or dials a new one.
func (cl *client) connect(t *target) {
	l := cl.l
	cl.t = t
	if u := l.poolGet(t); u != nil {
		l.s.Stats.UpstreamReused.Add(1)
		cl.attach(u)
		cl.sendHead()
		return
	}
	u := &upstream{l: l, t: t}
	cl.attach(u)
	u.reused = false
	cl.setDeadline(l.s.clk.now()+int64(l.s.cfg.ConnectTimeout)+int64(time.Second), dlDial)
	l.dial(u)
}

func (cl *client) attach(u *upstream) {
	cl.up = u
	u.cl = cl
	u.reused = true
	u.gotBytes = false
	u.phase = upHead
	u.parser.Reset()
}

// sendHead writes the upstream request head; the body follows in pumpBody.
func (cl *client) sendHead() {
	u := cl.up
	_, _ = u.c.Write(cl.head)
	if u.dead {
		return // closed() retries or fails the request
	}
	now := cl.l.s.clk.now()
	if cl.bodyDone {
		cl.setDeadline(now+cl.api.timeout, dlResponse)
	} else {
		cl.setDeadline(now+int64(cl.l.s.cfg.BodyTimeout), dlBody)
	}
}

// pumpBody moves request body bytes upstream (or discards them). It
// returns true when it made progress and processing may continue.
func (cl *client) pumpBody() bool {
	l := cl.l
	u := cl.up
	if cl.toUp && (u == nil || u.c == nil || u.dead) {
		cl.limitBuffered() // still connecting
		return false
	}
	buf, _ := cl.c.Peek(-1)
	if len(buf) == 0 {
		return false
	}
	if cl.toUp {
		l.w.start(u.c)
	}
	consumed := 0
	var bad *http1.Error
	switch cl.body {
	case bodyLength:
		k := int(min(int64(len(buf)), cl.bodyLeft))
		if cl.toUp {
			l.w.ref(buf[:k])
		}
		consumed = k
		cl.bodyLeft -= int64(k)
		cl.bodyDone = cl.bodyLeft == 0
	case bodyChunked:
	chunks:
		for consumed < len(buf) && !cl.bodyDone {
			n, ev, data, tr, err := cl.dec.Next(buf[consumed:])
			consumed += n
			if err != nil {
				bad = err
				break
			}
			switch ev {
			case http1.ChunkData:
				cl.bodyTotal += int64(len(data))
				if cl.bodyTotal > l.s.cfg.MaxBodyBytes {
					bad = &http1.Error{Status: errBodyTooLarge.status, Code: errBodyTooLarge.code, Msg: errBodyTooLarge.msg}
					break chunks
				}
				if cl.toUp {
					l.w.body(data, true, &l.hex)
				}
			case http1.ChunkTrailer:
				if cl.toUp {
					l.w.trailer(&tr, &cl.zeroSent)
				}
			case http1.ChunkDone:
				if cl.toUp {
					l.w.end(cl.zeroSent)
				}
				cl.bodyDone = true
			case http1.ChunkMore:
				break chunks
			}
		}
	}
	if cl.toUp {
		l.w.flush()
		cl.sentBody = true
	}
	if cl.dead {
		return false
	}
	_, _ = cl.c.Discard(consumed)
	if bad != nil {
		cl.bodyFailed(bad)
		return false
	}
	now := l.s.clk.now()
	if !cl.bodyDone {
		if !cl.respStarted || cl.dl == dlBody {
			cl.setDeadline(now+int64(l.s.cfg.BodyTimeout), dlBody)
		}
	} else if cl.up != nil {
		if !cl.respStarted {
			cl.setDeadline(now+cl.api.timeout, dlResponse)
		}
	} else if cl.respDone {
		cl.finishRequest() // a mock's body is drained
		return true
	}
	if cl.toUp && u.dead {
		return false
	}
	if cl.toUp && !cl.bodyDone && u.c.OutboundBuffered() > l.s.cfg.HighWater {
		cl.pauseRead(true)
		return false
	}
	return consumed > 0
}

// bodyFailed handles an invalid or oversized request body.
func (cl *client) bodyFailed(e *http1.Error) {
	if u := cl.up; u != nil {
		cl.up = nil
		u.cl = nil
		if u.c != nil && !u.dead {
			u.close()
		}
	}
	cl.closeAfter = true
	if cl.respStarted {
		cl.abort()
		return
	}
	cl.failParts(e.Status, e.Code, e.Msg, nil)
}

// fail answers the request with a gateway-made error.
func (cl *client) fail(f *failure) { cl.failParts(f.status, f.code, f.msg, nil) }

func (cl *client) failParts(status int, code, msg string, allow []byte) {
	l := cl.l
	l.s.Stats.GatewayErrors.Add(1)
	if !cl.bodyDone {
		cl.closeAfter = true // the body is not read
	}
	b := appendErrorParts(l.tmp[:0], l.s.clk, status, code, msg, cl.id[:], allow, cl.respExtra, cl.closeAfter)
	if cl.isHead {
		b = b[:headLen(b)]
	}
	l.tmp = b[:0]
	if cl.dead {
		return
	}
	_, _ = cl.c.Write(b)
	cl.respStarted, cl.respDone = true, true
	cl.finishRequest()
}

// headLen is the length of the head in a rendered response.
func headLen(b []byte) int {
	for i := 3; i < len(b); i++ {
		if b[i] == '\n' && b[i-1] == '\r' && b[i-2] == '\n' && b[i-3] == '\r' {
			return i + 1
		}
	}
	return len(b)
}

// respondMock answers from the API's mock configuration.
func (cl *client) respondMock(a *apiRT) {
	l := cl.l
	b := append(l.tmp[:0], a.mockHead...)
	b = append(b, "Date: "...)
	b = append(b, l.s.clk.httpDate()...)
	b = append(b, "\r\nX-Request-Id: "...)
	b = append(b, cl.id[:]...)
	b = append(b, "\r\n"...)
	b = append(b, cl.respExtra...)
	if cl.closeAfter {
		b = append(b, "Connection: close\r\n"...)
	} else if cl.minor == 0 {
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	b = append(b, "\r\n"...)
	if !cl.isHead {
		b = append(b, a.mockBody...)
	}
	l.tmp = b[:0]
	_, _ = cl.c.Write(b)
	cl.respStarted, cl.respDone = true, true
	if cl.bodyDone {
		cl.finishRequest()
	}
	// Otherwise pumpBody drains the body and then finishes.
}

// finishRequest ends the current request once its response is out.
func (cl *client) finishRequest() {
	if !cl.active {
		return
	}
	l := cl.l
	cl.active = false
	l.s.inflight.Add(-1)
	if cl.head != nil {
		l.putBuf(cl.head)
		cl.head = nil
	}
	cl.api, cl.rt, cl.t, cl.up = nil, nil, nil, nil
	if cl.dead {
		return
	}
	if !cl.bodyDone {
		cl.closeAfter = true
	}
	if cl.closeAfter || l.s.draining.Load() {
		cl.closeWhenFlushed()
		return
	}
	cl.setDeadline(l.s.clk.now()+int64(l.s.cfg.IdleTimeout), dlIdle)
	if cl.rpaused && !cl.tunnel {
		cl.resumeRead()
	}
}

// abort closes a client whose response cannot be completed (the status
// line is already out, so the only signal left is the close).
func (cl *client) abort() {
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
	cl.flushClose = true
	cl.discardInput()
	if cl.c.OutboundBuffered() > 0 {
		cl.setDeadline(cl.l.s.clk.now()+int64(cl.l.s.cfg.SendTimeout), dlFlush)
		cl.l.watchClient(cl)
		return
	}
	cl.startLinger()
}

func (cl *client) startLinger() {
	if cl.lingering {
		return
	}
	cl.lingering = true
	if cl.rpaused {
		cl.resumeRead()
	}
	if err := cl.shutdownWrite(); err != nil {
		cl.close()
		return
	}
	cl.setDeadline(cl.l.s.clk.now()+int64(lingerTime), dlLinger)
}

// upstreamFailed ends the upstream attempt: retry when allowed, else
// answer with f (or cut the client if the response had started).
// connectFailed means nothing reached the backend.
func (cl *client) upstreamFailed(f *failure, retryable, connectFailed bool) {
	if u := cl.up; u != nil {
		cl.up = nil
		u.cl = nil
		if u.c != nil && !u.dead {
			u.close()
		}
	}
	if cl.dead || !cl.active {
		return
	}
	if cl.respStarted {
		cl.abort()
		return
	}
	l := cl.l
	if !cl.retried && !cl.sentBody {
		var next *target
		switch {
		case connectFailed:
			// Nothing was sent: any method may go to another target.
			next = l.pick(cl.api, cl.t)
		case retryable && cl.idempotent:
			// A pooled connection turned out stale (closed by the backend
			// before we wrote): resend once, on a fresh attempt.
			next = cl.t
		}
		if next != nil {
			if next != cl.t {
				cl.retarget(next)
			}
			cl.retried = true
			l.s.Stats.Retries.Add(1)
			cl.connect(next)
			return
		}
	}
	cl.fail(f)
}

// onDeadline acts on a passed deadline (from the loop's sweep).
func (cl *client) onDeadline(now int64) {
	if cl.dead || cl.closeMe {
		return
	}
	cl.deadline = 0
	switch cl.dl {
	case dlIdle, dlFlush, dlLinger, dlTunnel:
		cl.abortPeer()
		cl.close()
	case dlHead:
		cl.beginRequest(now)
		cl.closeAfter = true
		cl.fail(errHeaderTimeout)
	case dlBody:
		cl.closeAfter = true
		if cl.respStarted {
			cl.abortPeer()
			cl.abort()
			return
		}
		cl.bodyFailed(&http1.Error{Status: errBodyTimeout.status, Code: errBodyTimeout.code, Msg: errBodyTimeout.msg})
	case dlDial:
		if cl.t != nil {
			cl.t.fail(cl.l.s.clk.now())
		}
		cl.upstreamFailed(errUpstreamConnTO, false, false)
	case dlResponse:
		if cl.t != nil {
			cl.t.fail(cl.l.s.clk.now())
		}
		cl.upstreamFailed(errUpstreamTimeout, false, false)
	}
}

// abortPeer closes the upstream connection a dying client was using.
func (cl *client) abortPeer() {
	if u := cl.up; u != nil {
		cl.up = nil
		u.cl = nil
		if u.c != nil && !u.dead {
			u.close()
		}
	}
}

// checkWatch is the 1 ms look at a watched client: resume paused reading
// when the other side has drained, finish flush-and-close, cut a client
// that stopped reading. It returns false when nothing is left to watch.
func (cl *client) checkWatch(now int64) bool {
	if cl.dead || cl.closeMe {
		return false
	}
	l := cl.l
	out := cl.c.OutboundBuffered()
	if out < cl.outMark || out == 0 {
		cl.outProgress = now
	}
	cl.outMark = out
	if cl.flushClose {
		if out == 0 {
			cl.startLinger()
			return false
		}
		return true
	}
	u := cl.up
	// Response direction: upstream paused while the client drains.
	if u != nil && u.rpaused && !u.dead && out <= l.s.cfg.LowWater {
		u.resumeRead()
		if !u.dead {
			u.process() // bytes that arrived before the pause
		}
	}
	// Upload and tunnel direction: client paused while the upstream drains.
	// A body still to send counts as the peer's reason whatever paused the
	// reads: a pause taken while the connection was being dialed
	// (limitBuffered) must end once it is up and drained.
	forPeer := cl.pausedForPeer || (!cl.bodyDone && cl.toUp)
	if cl.rpaused && forPeer && cl.active && u != nil && u.c != nil && !u.dead && u.c.OutboundBuffered() <= l.s.cfg.LowWater {
		cl.resumeRead()
		cl.process()
	}
	if cl.dead || cl.closeMe {
		return false
	}
	if out > 0 && now-cl.outProgress > int64(l.s.cfg.SendTimeout) {
		cl.abortPeer()
		cl.close()
		return false
	}
	return cl.rpaused || (cl.up != nil && cl.up.rpaused)
}
