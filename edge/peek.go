package edge

import (
	"bytes"
	"net/netip"

	"github.com/panjf2000/gnet/v2"

	"github.com/edgegate/edgegate/limiter"
)

// Batch prefetch (issue 18). A per-IP limit in a table of a million keys
// costs a request a cache and TLB miss (~0.8 µs on the bench machine) at
// its Take, and requests served one after another pay those misses one
// after another. Before a batch of requests is served, gnet shows each
// connection's new bytes (gnet.BatchPeeker, the fork's patch): for a
// client whose last request was counted by a per-IP table rule, the
// address is read from the X-Forwarded-For in the bytes and the key that
// rule would count is noted; at the batch's end every noted key's lines
// are loaded at once (limiter.Table.Touch), so the batch pays about one
// miss. A wrong guess (another route, a split header) costs one load.

// peekMax bounds the keys noted per batch (the loads one Touch issues).
const peekMax = 32

// PeekBatch implements gnet.BatchPeeker: only when callers come through
// trusted proxies and some route counts per forwarded address.
func (s *Server) PeekBatch(gnet.EventLoop) bool {
	rt := s.rt.Load()
	return rt != nil && rt.traffic.perIP && rt.ipc.trusted != nil
}

// OnPeek implements gnet.BatchPeeker.
func (s *Server) OnPeek(c gnet.Conn, data []byte) {
	cl, ok := c.Context().(*client)
	if !ok || cl.peekRule == nil || cl.tls != nil || cl.state != stHead {
		return
	}
	l := cl.l
	if len(l.peek) == peekMax {
		return
	}
	rt := s.rt.Load() // cl.rt is only set while a request is served
	if rt == nil {
		return
	}
	a, ok := cl.peekCaller(rt, data)
	if !ok || rt.traffic.tab == nil {
		return
	}
	a16 := a.As16()
	l.peek, l.peekTab = append(l.peek, cl.peekRule.Key(a16[:])), rt.traffic.tab
}

// OnPeekEnd implements gnet.BatchPeeker.
func (s *Server) OnPeekEnd(el gnet.EventLoop) {
	for _, l := range *s.loops.Load() {
		if l.el == el {
			if len(l.peek) > 1 {
				l.peekSum += l.peekTab.Touch(l.peek)
				l.peeked += int64(len(l.peek))
			}
			l.peek = l.peek[:0]
			return
		}
	}
}

// peekCaller guesses the caller's address of the request in data: the
// right-most untrusted address of the last X-Forwarded-For header it
// finds there (as forwardedFor reads it), when the peer is a trusted
// proxy; a header of trusted addresses only gives no guess.
func (cl *client) peekCaller(rt *runtime, data []byte) (netip.Addr, bool) {
	tr := rt.ipc.trusted
	if tr == nil || !tr.Contains(cl.peer) {
		return netip.Addr{}, false
	}
	i := lastIndex(data, xffCanon)
	if i < 0 {
		if i = lastIndex(data, xffLower); i < 0 {
			return netip.Addr{}, false
		}
	}
	v := data[i+len(xffCanon):]
	e := bytes.IndexByte(v, '\r')
	if e < 0 {
		return netip.Addr{}, false
	}
	a, done := forwardedIn(v[:e], tr, cl.peer)
	return a, done && a.IsValid()
}

// lastIndex is bytes.LastIndex by forward searches, which are vectorised
// (a head has one or two X-Forwarded-For headers at most, as a rule).
func lastIndex(s, sep []byte) int {
	last := -1
	for off := 0; ; {
		i := bytes.Index(s[off:], sep)
		if i < 0 {
			return last
		}
		last = off + i
		off = last + 1
	}
}

var (
	xffCanon = []byte("\nX-Forwarded-For:")
	xffLower = []byte("\nx-forwarded-for:")
)

// peekRuleOf is the per-IP table rule a request was counted by (nil:
// none), the guess for the connection's next request.
func peekRuleOf(f *flowRT) *limiter.TableRule {
	if f == nil || f.ip == nil {
		return nil
	}
	return f.ip.rule
}
