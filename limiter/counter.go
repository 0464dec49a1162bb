package limiter

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Counter is one shared sliding window (a rule for one API, service, app
// or secret id) checked from every event loop. Each loop has a lease: a
// few admissions taken from the shared window at once and spent locally
// without atomics. A lease is taken by a check that spends one of it, so a
// loop holds at most s-1 unspent admissions; they count as admitted at the
// time of the lease, which bounds the error (see doc.go):
//
//	over-admission in any window  <= loops*(s-1)
//	under-admission at a refusal  <= (q-1) + (loops-1)*(s-1)
//
// NewCounter picks q and s so both stay within Limit.Tolerance. Small
// limits (under 200) get s = 1: every admission is one CAS on the shared
// count, and exact.
type Counter struct {
	p      params
	s      int64 // lease size
	w      window
	leases []lease
	g      atomic.Pointer[Global] // cluster-wide (global.go); nil: local
}

// lease is one loop's: only that loop's goroutine touches it. Padded so
// two loops never share a cache line.
type lease struct {
	left int64 // unspent admissions
	rem  int64 // shared room seen when the lease was taken
	_    [48]byte
}

// NewCounter returns a counter for l checked from loops event loops
// (loop indexes 0..loops-1).
func NewCounter(l Limit, loops int) (*Counter, error) {
	if !l.valid() {
		return nil, fmt.Errorf("limiter: invalid limit %d per %v", l.N, l.Per)
	}
	loops = max(loops, 1)
	tol := l.Tolerance()
	q := 1 + tol/2
	p := compile(l, q)
	s := 1 + (tol-(p.q-1))/int64(loops)
	return &Counter{
		p:      p,
		s:      s,
		w:      make(window, 2+p.k),
		leases: make([]lease, loops),
	}, nil
}

// Limit returns the counter's limit.
func (c *Counter) Limit() Limit { return Limit{N: c.p.n, Per: perOf(&c.p)} }

// Take checks one request on loop at now (nanoseconds of a monotonic
// clock with one base for all loops, e.g. the edge's loop.now()) and counts it if
// admitted. Call it only from loop's goroutine.
func (c *Counter) Take(loop int, now int64) Result {
	if g := c.g.Load(); g != nil {
		ok, local := g.take(loop, now)
		if ok {
			return Result{OK: true, Limit: c.p.n, Remaining: g.remaining()}
		}
		if !local {
			return Result{Limit: c.p.n, Reset: g.reset(now)}
		}
	}
	l := &c.leases[loop]
	if l.left > 0 {
		l.left--
		return Result{OK: true, Limit: c.p.n, Remaining: l.rem + l.left}
	}
	ms := nowMs(now)
	got, used := c.w.take(&c.p, ms, c.s)
	if got == 0 {
		return Result{Limit: c.p.n, Reset: c.w.reset(&c.p, ms)}
	}
	l.left = got - 1
	l.rem = c.p.n - used
	return Result{OK: true, Limit: c.p.n, Remaining: l.rem + l.left}
}

// Refund gives back one admission Take made on loop (a later rule
// refused the request).
func (c *Counter) Refund(loop int) {
	if g := c.g.Load(); g != nil && g.State() == GlobalRemote {
		g.refund(loop)
		return
	}
	if l := &c.leases[loop]; l.left < c.s-1 {
		l.left++
		return
	}
	c.w.refund(1)
}

// Used is the shared window's count at now, leases included. Reading it
// advances the window, so any goroutine may call it.
func (c *Counter) Used(now int64) int64 {
	t := c.w.advance(&c.p, nowMs(now))
	return max(int64(c.w[0].Load())-int64(t)*c.p.q, 0)
}

func perOf(p *params) time.Duration { return time.Duration(p.perMs) * time.Millisecond }
