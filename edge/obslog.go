package edge

import (
	"net"
	"net/netip"
	"time"
	"unsafe"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"

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
	r.Connect = time.Duration(o.connect)
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
	// The addresses' text is made once per connection (cl.ip, localText);
	// only a caller named by X-Forwarded-For is formatted per request.
	if cl.callerKnown {
		r.SetAddr(accesslog.ClientIP, cl.caller)
	} else {
		r.Set(accesslog.ClientIP, cl.ip)
	}
	if cl.t != nil && o.sent != 0 {
		r.SetString(accesslog.Upstream, cl.t.addr)
	}
	r.Set(accesslog.VIP, cl.localText)
	r.RTT = cl.logRTT()
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
	l.alog.Publish() // finishRequest warms the next slot (Ring.Warm)
}

// localAddr is the address a client reached (the line's vip, nginx's
// $server_addr): gnet gives an accepted connection its listener's
// address, so behind a wildcard listener the socket is asked
// (getsockname, once per connection and only with the log on).
func localAddr(c gnet.Conn) netip.AddrPort {
	a, ok := c.LocalAddr().(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}
	}
	ap := a.AddrPort()
	if !ap.Addr().Unmap().IsUnspecified() {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	sa, err := unix.Getsockname(c.Fd())
	if err != nil {
		return netip.AddrPort{}
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

// rttEvery is how often a connection's TCP round trip is read again for
// its lines: a getsockopt per request would cost more than the rest of
// the line, and the kernel's smoothed RTT moves slowly.
const rttEvery = int64(time.Second)

// logRTT is the client's TCP round trip for the line (tcp_rtt, nginx's
// $tcpinfo_rtt): read at the connection's first line and then at most
// once every rttEvery; a closed connection keeps its last reading.
func (cl *client) logRTT() time.Duration {
	now := cl.l.pnow
	if !cl.dead && (cl.rttAt == 0 || now-cl.rttAt >= rttEvery) {
		if us, ok := tcpRTT(cl.c.Fd()); ok {
			cl.rttUs = us
		}
		cl.rttAt = max(now, 1)
	}
	return time.Duration(cl.rttUs) * time.Microsecond
}

// tcpRTT reads tcpi_rtt (µs) with getsockopt(TCP_INFO). The raw call
// keeps the TCPInfo on the stack (unix.GetsockoptTCPInfo returns a heap
// copy: an allocation per reading).
func tcpRTT(fd int) (uint32, bool) {
	var info unix.TCPInfo
	n := uint32(unix.SizeofTCPInfo)
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.IPPROTO_TCP, unix.TCP_INFO,
		uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&n)), 0)
	return info.Rtt, e == 0
}
