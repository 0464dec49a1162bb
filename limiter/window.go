package limiter

import (
	"sync/atomic"
	"time"
)

// The windows of the seed's flow-control plugins (seed 000, 基础流控插件:
// per second, minute, hour and day).
const (
	Second = time.Second
	Minute = time.Minute
	Hour   = time.Hour
	Day    = 24 * time.Hour
)

// Limit is at most N requests in any window of length Per.
type Limit struct {
	N   int64
	Per time.Duration // a whole number of milliseconds, at least 1 ms
}

// Tolerance is how far the admitted count in a window may stray from N:
// max(1, 1% of N).
func (l Limit) Tolerance() int64 { return max(1, l.N/100) }

// valid reports whether l can be counted.
func (l Limit) valid() bool {
	return l.N > 0 && l.Per >= time.Millisecond && l.Per%time.Millisecond == 0 && l.N < 1<<40
}

// Time in marks is whole milliseconds of the caller's clock, 40 bits (34
// years); the top 24 bits tag the mark with its sequence number so a reader
// can tell a mark from the one it replaced in the ring.
const (
	msBits  = 40
	msMask  = 1<<msBits - 1
	tagMask = 1<<(64-msBits) - 1
)

func pack(j uint64, ms int64) uint64 { return (j&tagMask)<<msBits | uint64(ms)&msMask }

// nowMs converts the caller's nanoseconds; negative times count as 0.
func nowMs(now int64) int64 { return max(now, 0) / int64(time.Millisecond) }

// params are a limit compiled for a ring of k marks.
type params struct {
	n     int64 // the limit
	perMs int64 // window length
	q     int64 // admissions per mark
	k     int64 // marks in the ring
}

// compile picks q, the admissions between two marks, so that the window
// count is over-estimated by at most q-1 (the under-admission bound), and
// sizes the ring: k marks must cover n admissions (k*q >= n).
func compile(l Limit, q int64) params {
	q = max(1, min(q, l.N))
	return params{n: l.N, perMs: int64(l.Per / time.Millisecond), q: q, k: (l.N + q - 1) / q}
}

// A window is a quantised sliding log over a slice of words:
//
//	w[0] count: admissions ever (minus refunds)
//	w[1] tail:  marks known to be older than the window
//	w[2+j%k]:   mark j, the time the count reached j*q, tagged with j
//
// The count at time now-Per is at least tail*q (mark tail is older than
// the window), so count - tail*q bounds the admissions inside the window
// from above: admitting only while it is below n never lets more than n
// into any window of length Per. It over-estimates by less than q, which
// is the under-admission bound. Marks j and j+k share a slot; mark j+k is
// written only once count >= (j+k)*q, which admission allows only after
// tail has passed j (k*q >= n), so no live mark is overwritten.
type window []atomic.Uint64

// advance moves tail past every mark that has left the window and
// returns it.
func (w window) advance(p *params, ms int64) uint64 {
	t0 := w[1].Load()
	c := w[0].Load()
	j := t0
	for {
		next := j + 1
		if int64(next)*p.q > int64(c) {
			break // mark not claimed yet
		}
		m := w[2+int64(next)%p.k].Load()
		if m>>msBits != next&tagMask {
			break // claimed but not stamped yet: wait for it
		}
		// Expired once whole milliseconds passed exceed the window: the
		// mark's true time is before ms+1, so it is then older than now-Per.
		if ms-int64(m&msMask) <= p.perMs {
			break
		}
		j = next
	}
	if j == t0 {
		return t0
	}
	for {
		if w[1].CompareAndSwap(t0, j) {
			return j
		}
		if t0 = w[1].Load(); t0 >= j {
			return t0
		}
	}
}

// take admits up to want (at least 1) if the window has room and returns
// how many it admitted and the window count after (or, when refusing, the
// count that refused).
func (w window) take(p *params, ms int64, want int64) (got, used int64) {
	for {
		t := w.advance(p, ms)
		c := w[0].Load()
		used = max(int64(c)-int64(t)*p.q, 0)
		room := p.n - used
		if room <= 0 {
			return 0, used
		}
		got = min(want, room)
		if !w[0].CompareAndSwap(c, c+uint64(got)) {
			continue
		}
		// Stamp the marks this admission crossed.
		for j := (int64(c) / p.q) + 1; j*p.q <= int64(c)+got; j++ {
			w[2+j%p.k].Store(pack(uint64(j), ms))
		}
		return got, used + got
	}
}

// refund gives n admissions back (a multi-rule check refused by a later
// rule). The marks they crossed keep their times, which only makes the
// window look fuller for a moment: conservative.
func (w window) refund(n int64) { w[0].Add(^uint64(n - 1)) }

// reset is how long until the oldest counted mark leaves the window, that
// is until at least one admission frees up.
func (w window) reset(p *params, ms int64) time.Duration {
	t := w[1].Load() + 1
	m := w[2+int64(t)%p.k].Load()
	if m>>msBits != t&tagMask {
		return time.Duration(p.perMs) * time.Millisecond
	}
	d := int64(m&msMask) + p.perMs + 1 - ms
	return time.Duration(min(max(d, 1), p.perMs+1)) * time.Millisecond
}

// clear empties the window (a table slot taken by a new key).
func (w window) clear() {
	for i := range w {
		w[i].Store(0)
	}
}
