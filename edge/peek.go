package edge

import (
	"bytes"
	"net/netip"

	"github.com/panjf2000/gnet/v2"

	"github.com/edgegate/edgegate/ascii"
)

// Batch prefetch (issue 18). A per-IP limit in a table of a million keys
// costs a request a cache and TLB miss (~0.8 µs on the bench machine) at
// its Take, and requests served one after another pay those misses one
// after another. Before a batch of requests is served, gnet shows each
// connection's new bytes (gnet.BatchPeeker, the fork's patch): for a
// client whose last request was counted by a per-IP table rule, the
// address is read from the X-Forwarded-For in the bytes and the key that
// rule would count is noted; at the batch's end limiter.Table.Touch
// issues prefetches for every noted key's lines back to back, so their
// misses overlap (BENCHMARKS.md "Batch prefetch": the limiter's 1.26
// µs a request became 0.38, plus about 0.6 µs of touching and guessing,
// with loads; with prefetch, BenchmarkTable1MBatch's touch-then-take
// went from 123-141 to 67-69 ns per Take, "Touch by prefetch").
// A wrong guess (another route) costs a wasted prefetch.

// peekMax bounds the keys noted per batch. A loaded loop's batches held
// about 37 noted requests at 64 connections (uprobe counts in the bench's
// large gateway), so 64 leaves none untouched there.
const peekMax = 64

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
	// cl.rt is only set while a request is served; PeekBatch saw a runtime.
	if a, ok := cl.peekCaller(s.rt.Load(), data); ok {
		l.peek = append(l.peek, ipKey(cl.peekRule, a))
	}
}

// OnPeekEnd implements gnet.BatchPeeker.
func (s *Server) OnPeekEnd(el gnet.EventLoop) {
	l := s.loopOf(el)
	if l == nil {
		return
	}
	// The process has one key table; a runtime without limits has none.
	if tab := s.rt.Load().traffic.tab; tab != nil && len(l.peek) > 1 {
		tab.Touch(l.peek)
		l.peeked += int64(len(l.peek))
	}
	l.peek = l.peek[:0]
}

// peekCaller guesses the caller's address of the request in data when
// the peer is a trusted proxy: forwardedFor's walk over the X-Forwarded-For
// lines xffLines finds in data (up to peekLines, the last first), so the
// guess is clientIP's answer whenever data holds the whole head.
func (cl *client) peekCaller(rt *runtime, data []byte) (netip.Addr, bool) {
	tr := rt.ipc.trusted
	if tr == nil || !tr.Contains(cl.peer) {
		return netip.Addr{}, false
	}
	var at [peekLines]int
	n := xffLines(data, at[:])
	client := cl.peer
	for j := n - 1; j >= 0; j-- {
		v := data[at[j]:]
		if e := bytes.IndexByte(v, '\r'); e >= 0 {
			v = v[:e]
		}
		var done bool
		if client, done = forwardedIn(v, tr, client); done {
			break
		}
	}
	return client, n > 0 && client.IsValid()
}

// peekLines bounds the X-Forwarded-For lines peekCaller reads.
const peekLines = 4

// xffLines finds the X-Forwarded-For header lines in data, up to len(at):
// their values' offsets, in order, and how many. It finds the usual
// spellings (X-Forwarded-For, x-forwarded-for: any case but "orwarded-"
// lower case); a line in capitals is not found, so gives no guess.
func xffLines(data []byte, at []int) int {
	n := 0
	for off := 0; n < len(at); {
		i := bytes.Index(data[off:], xffMid)
		if i < 0 {
			break
		}
		i += off
		off = i + len(xffMid)
		if i < 4 || data[i-4] != '\n' || !ascii.EqualFold(data[i-3:i], "x-f") ||
			len(data) < off+4 || !ascii.EqualFold(data[off:off+4], "for:") {
			continue
		}
		at[n] = off + 4
		n++
	}
	return n
}

// xffMid is the part of "X-Forwarded-For" both spellings share.
var xffMid = []byte("orwarded-")
