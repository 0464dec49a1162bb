package edge

import (
	"time"

	"github.com/edgegate/edgegate/accesslog"
	"github.com/edgegate/edgegate/http1"
)

// The access log's side of the request (issue 13): with Config.AccessLog
// set, each loop holds its accesslog.Ring and every request that ends
// fills one slot in place from its notes (reqObs) and commits it. A full
// ring drops the line and counts it (accesslog.Log.Dropped); the loop
// never waits. Nothing here allocates.

// maxLogHead bounds the request text a client keeps for its log line
// (method, path, host): a longer path is cut, as the Record cuts it.
const maxLogHead = 512

// logHead copies the request's method, path and host for its log line:
// the read buffer they alias is gone by the time the request ends. The
// client's buffer is kept across requests (no allocation once grown).
func (cl *client) logHead(req *http1.Request) {
	b := cl.logText[:0]
	if b == nil {
		b = make([]byte, 0, maxLogHead)
	}
	b = appendCut(b, req.Method)
	m := len(b)
	b = appendCut(b, req.Path)
	p := len(b)
	b = appendCut(b, req.Host)
	cl.logText = b
	cl.ob.logM, cl.ob.logP = uint16(m), uint16(p)
	if len(cl.l.s.cfg.TrustedProxies) > 0 {
		// The line names the client behind a trusted proxy even when no
		// check asks for it (clientIP keeps the answer for the checks).
		cl.rt = cl.l.s.rt.Load()
		cl.clientIP(req)
	}
}

// appendCut appends what of s fits in b's capacity.
func appendCut(b, s []byte) []byte {
	return append(b, s[:min(len(s), cap(b)-len(b))]...)
}

// logRecord writes the request's line to the loop's ring. end is the
// precise time the request ended.
func (cl *client) logRecord(end int64) {
	l := cl.l
	r := l.alog.Slot()
	if r == nil {
		return // dropped and counted by the ring
	}
	o := &cl.ob
	r.Time = l.s.clk.base.UnixNano() + o.t0
	r.Latency = time.Duration(max(end-o.t0, 0))
	if o.sent != 0 && o.head >= o.sent {
		r.Header = time.Duration(o.head - o.sent)
		r.Backend = time.Duration(max(end-o.sent, 0))
	}
	r.BytesIn, r.BytesOut = o.in, o.out
	r.Status, r.UpstreamStatus = o.status, o.upStatus
	if cl.tls != nil {
		r.Scheme = accesslog.HTTPS
	}
	r.Set(accesslog.ReqID, cl.id[:])
	if a := cl.api; a != nil {
		r.SetString(accesslog.Service, a.route.ServiceId)
		r.SetString(accesslog.Env, a.route.Environment)
		r.SetString(accesslog.API, a.route.ApiId)
	}
	if t := cl.logText; int(o.logP) <= len(t) && o.logP > 0 {
		r.Set(accesslog.Method, t[:o.logM])
		r.Set(accesslog.Path, t[o.logM:o.logP])
		r.Set(accesslog.Host, t[o.logP:])
	}
	ip := cl.peer
	if cl.callerKnown {
		ip = cl.caller
	}
	r.SetAddr(accesslog.ClientIP, ip)
	if cl.t != nil && o.sent != 0 {
		r.SetString(accesslog.Upstream, cl.t.addr)
	}
	r.SetString(accesslog.Subject, o.subject)
	switch {
	case o.limit != nil:
		r.SetString(accesslog.Limit, o.limit.rule)
	case o.limPass:
		r.SetString(accesslog.Limit, "pass")
	}
	if o.status == 0 {
		// Ended before any answer: the client closed or the connection
		// was cut (nginx's 499).
		r.Status = 499
		r.SetString(accesslog.ErrCode, "ClientClosedRequest")
	} else {
		r.SetString(accesslog.ErrCode, o.code)
		r.SetString(accesslog.ErrMsg, o.msg)
	}
	l.alog.Commit()
}
