package edge

import (
	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/snapshot"
)

// Reading a request head and deciding what serves it: routing, the checks
// of admit, then a mock, a gateway-made answer or an upstream attempt.

func (cl *client) readHead() bool {
	buf := cl.peek()
	if len(buf) == 0 {
		return cl.moreInput()
	}
	l := cl.l
	s := l.s
	now := l.now()
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
		return cl.moreInput() // true: parse again with more
	}
	cl.parser.Reset()
	if cl.awaitForm(&l.req, buf[n:]) || cl.awaitSignedBody(&l.req, buf[n:]) {
		// The head is parsed again when the whole form is in.
		return cl.moreInput()
	}
	cl.headStart = 0
	l.headN = n
	cl.handle(&l.req, buf[n:], now)
	l.headN = 0
	if !cl.dead {
		cl.discard(n)
	}
	return true
}

func (cl *client) beginRequest(now int64) {
	l := cl.l
	cl.state, cl.ans = stWait, ansNone
	cl.retried, cl.sentBody, cl.ws, cl.zeroSent, cl.toUp = false, false, false, false, false
	cl.body, cl.bodyLeft, cl.bodyTotal = bodyNone, 0, 0
	cl.started = now
	cl.respExtra = cl.respExtra[:0]
	cl.callerKnown = false
	cl.obsBegin(l.headN)
	l.ids.next(&cl.id)
	l.ctr.add(cInflight, 1)
	l.ctr.add(cRequests, 1)
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
	if l.alog != nil {
		cl.logHead(req)
	}
	cl.minor = uint8(req.Minor)
	cl.isHead = string(req.Method) == "HEAD"
	cl.idempotent = idempotent(req.Method)
	if !req.KeepAlive || s.draining.Load() {
		cl.closeAfter = true
	}
	switch {
	case req.Chunked:
		cl.body, cl.state = bodyChunked, stBody
		cl.dec.Reset()
	case req.ContentLength > 0:
		cl.body, cl.bodyLeft, cl.state = bodyLength, req.ContentLength, stBody
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
	if !cl.schemeOK(res) {
		cl.refuseScheme(req, res)
		return
	}
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
	cl.obsRouted(a)
	if !cl.admit(a, req, rr, res) {
		return
	}
	cl.ob.valid = true
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

	l.sys.ClientIP, l.sys.RequestID, l.sys.Host, l.sys.Now = cl.ip, cl.id[:], req.Host, l.unix()
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
	cl.zrequest(req) // compress.go
	cl.head = l.appendUpstreamHead(l.getBuf(), cl, req, a)
	if a.sign != nil {
		cl.signHead(req, rest, a) // backendsign.go
	}
	cl.toUp = true
	if l.rb.BodySet {
		// The router rewrote the form body: send its body, drop the client's.
		cl.head = append(cl.head, l.rb.Body...)
		cl.toUp = false
	}
	if req.ExpectContinue && cl.state == stBody && req.Minor >= 1 {
		// RFC 9110 §10.1.1: the gateway accepts the body on the API's behalf
		// once routing and checks have passed; Expect is not forwarded.
		cl.write(s2b("HTTP/1.1 100 Continue\r\n\r\n"))
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
