package limiter

import (
	"sync/atomic"
	"time"
)

// Global makes a Counter or a Quota cluster-wide: its budget lives in a
// store shared by every edge (package cluster: Redis), and a lessor
// goroutine (one per edge process) leases it in batches into one slot per
// event loop. The check path spends a slot's tokens with one CAS on the
// loop's own cache line: no lock, no allocation, no round trip. See
// doc.go "Cluster-wide limits".
//
// Windows are fixed and aligned to the Unix epoch (every edge computes the
// same window index from its clock), so the store counts a window per key
// and never grants more than the limit for it: a token leased for window w
// is spent only while the loop's clock is in w. A slot keeps two words,
// one per window parity, so the lessor can lease the next window before
// it opens while the loop still spends the current one.
type Global struct {
	per   int64 // window length in ns; 0 for a lifetime quota
	off   int64 // caller's now + off = Unix ns
	n     int64 // the limit (windows)
	quota *Quota
	id    string

	state atomic.Int32 // GlobalRemote, GlobalOpen or GlobalClosed
	dry   atomic.Int64 // 1 + the window the store reported exhausted
	rem   atomic.Int64 // the store's remaining budget at the last lease

	wake    chan<- struct{}
	pending *atomic.Bool
	// slots has one slot per loop, then the edge's pool: a few tokens any
	// loop may take (CAS on a shared word, only when its own slot is
	// empty), so a loop's first request in a window needs no round trip.
	slots []GlobalSlot

	active atomic.Int64 // 1 + the last window with a take or a miss
	// Credit: admissions beyond the leased tokens while the store's
	// remaining budget is known to be ample (take). ccap is the credit
	// allowed in a window (lessor-written), debt what was used, both by
	// window parity as tag<<msBits | count; a window without a ccap
	// allows one.
	ccap [2]atomic.Uint64
	debt [2]atomic.Uint64
	cold atomic.Int64 // the credit of a window without a ccap (windows only)
}

// States of a Global: leasing from the store, or the store is down and the
// limit fails open (the local Counter or Quota decides) or closed (refuse).
const (
	GlobalRemote int32 = iota
	GlobalOpen
	GlobalClosed
)

// GlobalSlot is one loop's leased tokens. Only that loop spends them; the
// lessor adds and reclaims them with CAS, once per lease.
type GlobalSlot struct {
	w      [2]atomic.Uint64 // by window parity: tag<<msBits | tokens
	low    atomic.Int64     // ask for more when tokens fall to this
	ask    atomic.Bool      // set by the loop, cleared by the lessor
	miss   atomic.Int64     // refusals with an empty slot (loop-written)
	open   atomic.Int64     // requests decided locally while the store was down
	closed atomic.Int64     // requests refused because the store was down
	last   int64            // loop-private: the window of the last take, for Refund
	_      [64]byte         // two cache lines of its own
}

// GlobalConfig describes a Global for NewGlobal.
type GlobalConfig struct {
	ID    string
	Limit Limit  // Per 0: a quota (the limit is Quota.Max)
	Quota *Quota // for quotas
	Loops int
	// UnixOffset converts the check path's now to Unix nanoseconds.
	UnixOffset int64
	// Wake is poked (non-blocking, at most once until Pending is cleared)
	// when a loop needs a lease.
	Wake    chan<- struct{}
	Pending *atomic.Bool
}

// NewGlobal returns a Global in state GlobalRemote with empty slots.
func NewGlobal(c GlobalConfig) *Global {
	g := &Global{per: int64(c.Limit.Per), off: c.UnixOffset, n: c.Limit.N, quota: c.Quota, id: c.ID,
		wake: c.Wake, pending: c.Pending, slots: make([]GlobalSlot, max(c.Loops, 1)+1)}
	return g
}

// ID is the limit's stable id (the Registry's).
func (g *Global) ID() string { return g.id }

// Per is the window length; 0 for a quota.
func (g *Global) Per() time.Duration { return time.Duration(g.per) }

// Limit is the budget per window, or the quota's current maximum (< 0:
// unlimited).
func (g *Global) Limit() int64 {
	if g.quota != nil {
		return g.quota.Max()
	}
	return g.n
}

// Quota is the local quota a quota Global backs (nil for windows).
func (g *Global) Quota() *Quota { return g.quota }

// Loops is the number of loop slots; slot Loops() is the edge's pool.
func (g *Global) Loops() int { return len(g.slots) - 1 }

// LastActive is the last window with demand (-1: none yet).
func (g *Global) LastActive() int64 { return g.active.Load() - 1 }

// Debt is how many admissions window w took on credit so far (the
// lessor charges the increase since its last look).
func (g *Global) Debt(w int64) int64 {
	v := g.debt[w&1].Load()
	if v>>msBits != tagOf(w) {
		return 0
	}
	return int64(v & msMask)
}

// swapOut empties a tagged count word if it holds window w, returning the
// count.
func swapOut(p *atomic.Uint64, w int64) int64 {
	for {
		v := p.Load()
		if v>>msBits != tagOf(w) || v&msMask == 0 {
			return 0
		}
		if p.CompareAndSwap(v, pack(uint64(w), 0)) {
			return int64(v & msMask)
		}
	}
}

// SetCredit allows n credit admissions in window w in all, those taken
// so far included (the lessor sets it from the store's remaining budget
// after each lease).
func (g *Global) SetCredit(w, n int64) { g.ccap[w&1].Store(pack(uint64(w), max(n, 0))) }

// SetColdCredit sets the credit per window of a window the edge has no
// lease for yet (package cluster: max(1, tolerance/edges), so all edges'
// cold credit stays within the limit's tolerance).
func (g *Global) SetColdCredit(n int64) { g.cold.Store(n) }

// credit admits one on credit in window w if the cap allows.
func (g *Global) credit(w int64) bool {
	tag := tagOf(w)
	limit := uint64(0)
	if c := g.ccap[w&1].Load(); c>>msBits == tag {
		limit = c & msMask
	} else if c := g.ccap[(w-1)&1].Load(); g.per != 0 && c>>msBits == tagOf(w-1) {
		limit = c & msMask // the last window's: a window starts with its full budget
	} else if g.per != 0 {
		limit = uint64(max(g.cold.Load(), 1)) // no recent lease: an idle limit's first burst need not wait
	}
	p := &g.debt[w&1]
	for {
		v := p.Load()
		n := uint64(0)
		if v>>msBits == tag {
			n = v & msMask
		}
		if n >= limit {
			return false
		}
		if p.CompareAndSwap(v, pack(uint64(w), int64(n+1))) {
			return true
		}
	}
}

// Window is the window index at unixNs (0 for quotas).
func (g *Global) Window(unixNs int64) int64 {
	if g.per == 0 {
		return 0
	}
	return unixNs / g.per
}

// WindowEnd is when window w closes, in Unix ns.
func (g *Global) WindowEnd(w int64) int64 { return (w + 1) * g.per }

func (g *Global) word(loop int, w int64) *atomic.Uint64 { return &g.slots[loop].w[w&1] }

func tagOf(w int64) uint64 { return uint64(w) & tagMask }

// Left is the tokens loop holds for window w.
func (g *Global) Left(loop int, w int64) int64 {
	v := g.word(loop, w).Load()
	if v>>msBits != tagOf(w) {
		return 0
	}
	return int64(v & msMask)
}

// Grant adds n tokens for window w to loop's slot. Tokens the word held
// for an older window are dropped (that window has closed) and returned.
func (g *Global) Grant(loop int, w, n int64) (dropped int64) {
	p := g.word(loop, w)
	for {
		v := p.Load()
		nv, d := pack(uint64(w), n), int64(0)
		if v>>msBits == tagOf(w) {
			nv = v + uint64(n)
		} else {
			d = int64(v & msMask)
		}
		if p.CompareAndSwap(v, nv) {
			return d
		}
	}
}

// Reclaim takes back every token loop holds for window w.
func (g *Global) Reclaim(loop int, w int64) int64 { return swapOut(g.word(loop, w), w) }

// TakeAsk reports and clears loop's request for a lease.
func (g *Global) TakeAsk(loop int) bool {
	s := &g.slots[loop]
	return s.ask.Load() && s.ask.Swap(false)
}

// SetLow sets the level at which loop asks for the next lease.
func (g *Global) SetLow(loop int, low int64) { g.slots[loop].low.Store(low) }

// Misses is loop's count of refusals with an empty slot.
func (g *Global) Misses(loop int) int64 { return g.slots[loop].miss.Load() }

// SetState switches between leasing and the store-down policies.
func (g *Global) SetState(s int32) { g.state.Store(s) }

// State is the current state.
func (g *Global) State() int32 { return g.state.Load() }

// SetDry marks window w exhausted in the store (loops then stop poking);
// w < 0 clears it.
func (g *Global) SetDry(w int64) { g.dry.Store(w + 1) }

// Dry reports whether window w was reported exhausted.
func (g *Global) Dry(w int64) bool { return g.dry.Load() == w+1 }

// SetRemaining records the store's remaining budget (X-RateLimit-Remaining).
func (g *Global) SetRemaining(r int64) { g.rem.Store(r) }

// Decisions sums the requests decided locally (fail open) and refused
// (fail closed) while the store was down.
func (g *Global) Decisions() (open, closed int64) {
	for i := range g.slots[:len(g.slots)-1] {
		open += g.slots[i].open.Load()
		closed += g.slots[i].closed.Load()
	}
	return open, closed
}

// inc adds one to a single-writer counter without a read-modify-write.
func inc(a *atomic.Int64) { a.Store(a.Load() + 1) }

// take is the check path: it spends one of loop's tokens for the window
// of now, else one of the edge's pool, else a credit charged to the store
// by the next lease (package cluster sizes it so that it cannot run the
// window or quota past its limit: credit is given only while the store's
// remaining budget is ample), so a burst never waits for a round trip. ok false with local true: the store is
// down and the limit fails open, so the caller checks its local Counter
// or Quota.
func (g *Global) take(loop int, now int64) (ok, local bool) {
	s := &g.slots[loop]
	switch g.state.Load() {
	case GlobalOpen:
		inc(&s.open)
		return false, true
	case GlobalClosed:
		inc(&s.closed)
		return false, false
	}
	w := int64(0)
	if g.per != 0 {
		w = (now + g.off) / g.per
	}
	if g.active.Load() != w+1 {
		g.active.Store(w + 1) // once per window per loop
	}
	if g.spend(s, w) {
		s.last = w
		return true, false
	}
	if g.spend(&g.slots[len(g.slots)-1], w) {
		s.last = -1 // not refundable to this slot
		return true, false
	}
	dry := g.Dry(w)
	if !dry && g.credit(w) {
		s.last = -1
		g.ask(s)
		return true, false
	}
	if !dry {
		inc(&s.miss)
		g.ask(s)
	} else if !s.ask.Load() {
		s.ask.Store(true) // the lessor retries a dry window each tick
	}
	return false, false
}

// spend takes one token of slot s for window w.
func (g *Global) spend(s *GlobalSlot, w int64) bool {
	p, tag := &s.w[w&1], tagOf(w)
	for {
		v := p.Load()
		if v>>msBits != tag || v&msMask == 0 {
			return false
		}
		if p.CompareAndSwap(v, v-1) {
			if int64(v&msMask)-1 <= s.low.Load() {
				g.ask(s)
			}
			return true
		}
	}
}

// ask flags the slot and wakes the lessor once.
func (g *Global) ask(s *GlobalSlot) {
	if !s.ask.Load() {
		s.ask.Store(true)
	}
	if g.pending != nil && !g.pending.Load() && g.pending.CompareAndSwap(false, true) {
		select {
		case g.wake <- struct{}{}:
		default:
		}
	}
}

// refund gives loop's last token back (a later rule refused the request).
func (g *Global) refund(loop int) {
	s := &g.slots[loop]
	if s.last < 0 {
		return // from the pool or a credit: a one-off, kept
	}
	p := &s.w[s.last&1]
	for {
		v := p.Load()
		if v>>msBits != tagOf(s.last) {
			return // the window closed: nothing to give back
		}
		if p.CompareAndSwap(v, v+1) {
			return
		}
	}
}

// reset is how long a refused request should wait: until the window ends.
func (g *Global) reset(now int64) time.Duration {
	if g.per == 0 {
		return 0
	}
	u := now + g.off
	return time.Duration(g.per - u%g.per)
}

// remaining is the store's remaining budget at the last lease plus what
// loop holds (approximate, like a lease's Remaining).
func (g *Global) remaining() int64 { return max(g.rem.Load(), 0) }

// GlobalSource makes limits cluster-wide: the Registry asks it for a
// Global for every new counter and quota (package cluster implements it).
type GlobalSource interface {
	// Attach returns the Global for the limit id (l.Per 0 and q set for a
	// quota), or nil to keep the limit local.
	Attach(id string, l Limit, q *Quota) *Global
	// Detach stops leasing for g (its limit is gone) and returns its
	// unspent tokens.
	Detach(g *Global)
}
