package cluster

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgegate/edgegate/limiter"
)

// leaseScript grants up to want tokens of a budget key in one atomic step
// (one round trip per lease). KEYS[1] is the budget: a window's
// ("<prefix>w:<id>:<limit>/<ms>:<window index>", expiring after two
// windows) or a quota's ("<prefix>q:<id>", no expiry). ARGV: limit, want,
// divisor, ttl ms (0: none), floor (the count to start from when the key
// is missing: an edge's last known quota count after Redis lost its
// data), returned (tokens given back first), charged (admissions an edge
// made on credit, counted even past the limit: they happened).
//
// The grant is min(want, remaining, max(1, floor(remaining/divisor))):
// the divisor is 2 x the cluster's event loops, so as a budget runs out
// the batches shrink and the tokens parked in slots at the end of a window
// stay within the tolerance (doc.go). The count never exceeds the limit.
const leaseScript = `local limit = tonumber(ARGV[1])
local want = tonumber(ARGV[2])
local v = redis.call('GET', KEYS[1])
local used = tonumber(ARGV[5])
if v then used = tonumber(v) end
used = used - tonumber(ARGV[6])
if used < 0 then used = 0 end
used = used + tonumber(ARGV[7])
local g = 0
local rem = limit - used
if want > 0 and rem > 0 then
  local cap = math.floor(rem / tonumber(ARGV[3]))
  if cap < 1 then cap = 1 end
  g = math.min(want, cap, rem)
end
used = used + g
local ttl = tonumber(ARGV[4])
if ttl > 0 then
  redis.call('SET', KEYS[1], string.format('%d', used), 'PX', ttl)
else
  redis.call('SET', KEYS[1], string.format('%d', used))
end
return {g, used}`

var leaseSHA = func() string { h := sha1.Sum([]byte(leaseScript)); return hex.EncodeToString(h[:]) }()

// Timing of the lessor.
const (
	tick        = 5 * time.Millisecond  // bookkeeping when no loop asks
	lead        = 25 * time.Millisecond // a slot holds about this much of its traffic
	prefetch    = 50 * time.Millisecond // lease the next window this long before it opens
	idleTicks   = 4                     // a slot idle this long returns its tokens to a dry budget
	minBackoff  = 50 * time.Millisecond
	maxBackoff  = 2 * time.Second
	heartbeat   = time.Second
	warmFor     = time.Minute      // keep a limit's edge pool leased this long after its last request
	edgeTimeout = 10 * time.Second // edges unseen this long leave the divisor
)

// Lessor leases every cluster-wide limit of one edge process from Redis:
// one goroutine, one connection, one pipelined round trip per wake-up
// (a loop asked, or a 5 ms tick). It implements limiter.GlobalSource.
type Lessor struct {
	o      Options
	sent   sentinels              // with Options.Sentinels; the lessor goroutine's
	addr   string                 // the Redis connected last (lessor goroutine)
	named  atomic.Pointer[string] // the primary the sentinels named last (watch)
	policy Policy
	log    *slog.Logger
	prefix string
	edgeID string

	loops int
	off   int64 // edge clock -> Unix ns

	wake    chan struct{}
	pending atomic.Bool

	mu      sync.Mutex
	books   map[*limiter.Global]*book
	returns []op // tokens of detached limits, returned by the next round

	// epoch names Redis's data set ("edgegate:epoch", set once with NX):
	// a Redis restarted without its data has a new one, and tokens leased
	// from the old data are then dropped rather than returned (returning
	// them would take away other edges' fresh counts).
	epoch string

	stop, done chan struct{}
	startOnce  sync.Once
	closeOnce  sync.Once

	// Stats (lessor-written).
	state                           atomic.Int32 // 0 not yet known, 1 up, 2 down
	roundTrips, failures, reconnect atomic.Int64
	leases, granted, returned       atomic.Int64
	dropped                         atomic.Int64 // tokens of a lost Redis data set
	edges                           atomic.Int64
	gone                            [2]atomic.Int64 // decisions of detached limits (open, closed)
}

type book struct {
	charged [2]struct{ win, n int64 } // credit charged so far, by window parity
	g       *limiter.Global
	key     string
	slots   []slotBook
	leased  bool // planned once: a new limit's pool is leased at once
}

// slotBook is the lessor's view of one loop's slot.
type slotBook struct {
	win   int64   // the window the counts below are for
	left  int64   // tokens left at the last look
	spent int64   // spent in win
	miss  int64   // the slot's miss count at the last look
	rate  float64 // demand in tokens per second (EWMA)
	idle  int     // rounds without demand
	next  int64   // 1 + the window last prefetched
}

// op is one script call.
type op struct {
	b       *book
	loop    int
	win     int64
	key     string
	limit   int64
	want    int64
	ret     int64
	charge  int64
	floor   int64
	ttlMs   int64
	base    int64  // credit of win charged up to this op (SetCredit adds to it)
	epoch   string // returns: the Redis data set the tokens came from
	applied bool
}

// epochOf tags return ops with the current epoch (mu held or lessor
// goroutine).
func (l *Lessor) epochOf(ops []op) []op {
	for i := range ops {
		ops[i].epoch = l.epoch
	}
	return ops
}

// New returns a lessor for Redis at o, with the Redis-down policy p. Its
// goroutine starts with Globals (the edge calls it once).
func New(o Options, p Policy, log *slog.Logger) *Lessor {
	if o.Timeout <= 0 {
		o.Timeout = 500 * time.Millisecond
	}
	var id [8]byte
	rand.Read(id[:])
	return &Lessor{o: o, sent: sentinels{addrs: slices.Clone(o.Sentinels)}, addr: o.Addr, policy: p, log: log, prefix: "edgegate:", edgeID: hex.EncodeToString(id[:]),
		wake: make(chan struct{}, 1), books: map[*limiter.Global]*book{}, stop: make(chan struct{}), done: make(chan struct{})}
}

// Globals binds the lessor to an edge with loops event loops whose clock
// started at clockBase, and starts leasing.
func (l *Lessor) Globals(loops int, clockBase time.Time) limiter.GlobalSource {
	l.startOnce.Do(func() {
		l.loops, l.off = max(loops, 1), clockBase.UnixNano()
		go l.run()
	})
	return l
}

// Attach implements limiter.GlobalSource: every limit is cluster-wide.
func (l *Lessor) Attach(id string, lim limiter.Limit, q *limiter.Quota) *limiter.Global {
	g := limiter.NewGlobal(limiter.GlobalConfig{ID: id, Limit: lim, Quota: q, Loops: l.loops, UnixOffset: l.off, Wake: l.wake, Pending: &l.pending})
	key := l.prefix + "q:" + id
	if q == nil {
		key = l.prefix + "w:" + id + ":" + strconv.FormatInt(lim.N, 10) + "/" + strconv.FormatInt(lim.Per.Milliseconds(), 10)
	}
	if l.state.Load() == 2 {
		g.SetState(l.policy.For(id))
	}
	l.mu.Lock()
	l.books[g] = &book{g: g, key: key, slots: make([]slotBook, l.loops+1)}
	l.mu.Unlock()
	select { // lease the new limit's pool now, not at the next tick
	case l.wake <- struct{}{}:
	default:
	}
	return g
}

// Detach implements limiter.GlobalSource: g's unspent tokens go back to
// Redis with the next round.
func (l *Lessor) Detach(g *limiter.Global) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.books[g]
	if b == nil {
		return
	}
	delete(l.books, g)
	o, c := g.Decisions()
	l.gone[0].Add(o)
	l.gone[1].Add(c)
	l.returns = append(l.returns, l.epochOf(b.reclaimAll(time.Now().UnixNano()))...)
}

// reclaimAll takes back the tokens of every slot for the current and next
// windows, as return ops.
func (b *book) reclaimAll(now int64) []op {
	var out []op
	g := b.g
	w := g.Window(now)
	for i := range b.slots { // the pool too
		for _, win := range []int64{w, w + 1} {
			if g.Per() == 0 && win != 0 {
				continue
			}
			if r := g.Reclaim(i, win); r > 0 {
				out = append(out, b.op(i, win, 0, r))
			}
		}
	}
	return out
}

func (b *book) op(loop int, win, want, ret int64) op {
	o := op{b: b, loop: loop, win: win, limit: b.g.Limit(), want: want, ret: ret, key: b.key}
	if c := b.charged[win&1]; c.win == win {
		o.base = c.n
	}
	if p := b.g.Per(); p > 0 {
		o.key += ":" + strconv.FormatInt(win, 10)
		o.ttlMs = 2*p.Milliseconds() + 1000
	} else if q := b.g.Quota(); q != nil {
		o.floor = q.Used()
	}
	return o
}

// Close returns every unspent token and stops the lessor (an edge's
// graceful stop, after its loops stopped). A nil Lessor (no --redis) has
// nothing to close.
func (l *Lessor) Close() {
	if l == nil {
		return
	}
	l.closeOnce.Do(func() {
		close(l.stop)
		if l.loops > 0 {
			<-l.done
		}
	})
}

func (l *Lessor) run() {
	defer close(l.done)
	defer l.sent.close()
	if len(l.o.Sentinels) > 0 {
		watched := make(chan struct{})
		go l.watch(watched)
		defer func() { <-watched }()
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	var c *conn
	backoff := minBackoff
	var nextDial, nextBeat time.Time
	last := time.Now()
	for {
		select {
		case <-l.stop:
			l.shutdown(c)
			return
		case <-l.wake:
		case <-t.C:
		}
		l.pending.Store(false)
		now := time.Now()
		if c == nil {
			if now.Before(nextDial) {
				continue
			}
			var err error
			if c, err = l.connect(); err != nil {
				nextDial, backoff = l.failed(now, backoff, err)
				continue
			}
			nextBeat = time.Time{}
		}
		beat := now.After(nextBeat)
		if beat && l.moved() {
			c.close()
			c = nil
			continue // to the new primary at the next tick
		}
		if err := l.round(c, now, now.Sub(last), beat); err != nil {
			c.close()
			c = nil
			nextDial, backoff = l.failed(now, backoff, err)
			continue
		}
		if beat {
			nextBeat = now.Add(heartbeat)
		}
		last = now
		backoff = minBackoff
		l.setUp(true, nil)
	}
}

// connect dials Redis (the primary the sentinels name, with Sentinels)
// and reads its epoch.
func (l *Lessor) connect() (*conn, error) {
	o := l.o
	if len(o.Sentinels) > 0 {
		addr, err := l.sent.master(&o)
		if err != nil {
			return nil, err
		}
		o.Addr, o.TLS = addr, tlsFor(o.TLS, addr)
		l.named.Store(&addr) // a watch answer older than this one is stale
	}
	l.addr = o.Addr
	c, err := dial(&o)
	if err == nil && len(o.Sentinels) > 0 {
		if err = checkPrimary(c); err != nil {
			c.close()
		}
	}
	if err == nil {
		if err = l.readEpoch(c); err != nil {
			c.close()
		}
	}
	if err != nil {
		return nil, err
	}
	l.reconnect.Add(1)
	return c, nil
}

// moved reports whether the sentinels named another primary than the
// one connected since the connection was made (watch).
func (l *Lessor) moved() bool {
	p := l.named.Load()
	if p == nil || *p == l.addr {
		return false
	}
	l.log.Warn("cluster limits: the sentinels name a new redis primary", "from", l.addr, "to", *p)
	return true
}

// watch asks the sentinels for the primary every heartbeat, over a
// connection of its own, so that a slow or unreachable sentinel (up to
// Timeout per sentinel) never holds up the leasing rounds; the answer
// goes to named. An unanswered question is not a move.
func (l *Lessor) watch(done chan struct{}) {
	defer close(done)
	s := sentinels{addrs: slices.Clone(l.o.Sentinels)}
	defer s.close()
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		if addr, err := s.master(&l.o); err == nil {
			l.named.Store(&addr)
		}
	}
}

// failed records a failed dial or round trip, applies the Redis-down
// policy and returns when to dial next and the next backoff.
func (l *Lessor) failed(now time.Time, backoff time.Duration, err error) (time.Time, time.Duration) {
	l.failures.Add(1)
	l.setUp(false, err)
	return now.Add(backoff), min(2*backoff, maxBackoff)
}

// readEpoch learns Redis's epoch on a new connection.
func (l *Lessor) readEpoch(c *conn) error {
	var id [8]byte
	rand.Read(id[:])
	c.write("SET", l.prefix+"epoch", hex.EncodeToString(id[:]), "NX")
	c.write("GET", l.prefix+"epoch")
	r, err := c.flush(2)
	if err != nil {
		return err
	}
	if e, ok := r[0].(redisError); ok {
		return e // READONLY: a replica, not the primary
	}
	e, ok := r[1].(string)
	if !ok {
		return redisError("no epoch")
	}
	l.mu.Lock()
	l.epoch = e
	l.mu.Unlock()
	return nil
}

// setUp switches every limit between leasing and its Redis-down policy.
func (l *Lessor) setUp(up bool, err error) {
	st := int32(2)
	if up {
		st = 1
	}
	if l.state.Swap(st) == st {
		return
	}
	if up {
		l.log.Info("cluster limits: redis up", "redis", l.addr)
	} else {
		l.log.Warn("cluster limits: redis down, applying the redis-down policy", "redis", l.addr, "err", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for g, b := range l.books {
		if up {
			for i := range b.slots {
				b.slots[i] = slotBook{}
			}
			g.SetDry(-1)
			g.SetState(limiter.GlobalRemote)
		} else {
			g.SetState(l.policy.For(g.ID()))
			// Tokens held now go back once Redis answers again: if it lost
			// its data they must not be spent against the fresh counts
			// (the return is clamped at zero), if not they are unspent.
			l.returns = append(l.returns, l.epochOf(b.reclaimAll(time.Now().UnixNano()))...)
		}
	}
}

// round plans the leases, returns and prefetches every slot needs, sends
// them in one pipeline and applies the replies.
func (l *Lessor) round(c *conn, now time.Time, dt time.Duration, beat bool) error {
	un := now.UnixNano()
	l.mu.Lock()
	var ops []op
	for _, o := range l.returns {
		if o.epoch == l.epoch {
			ops = append(ops, o)
		} else {
			l.dropped.Add(o.ret)
		}
	}
	l.returns = nil
	n := len(ops)
	for _, b := range l.books {
		ops = b.plan(ops, un, dt, l.edges.Load())
	}
	l.epochOf(ops[n:])
	l.mu.Unlock()
	if len(ops) == 0 && !beat {
		return nil
	}
	err := l.send(c, ops, un, beat)
	if err != nil {
		l.mu.Lock()
		for _, o := range ops {
			if o.ret > 0 && !o.applied {
				l.returns = append(l.returns, o) // try again once Redis is back
			}
		}
		l.mu.Unlock()
	}
	return err
}

// divisor is the lease script's: 2 x the cluster's event loops.
func (l *Lessor) divisor() int64 { return 2 * int64(l.loops) * max(l.edges.Load(), 1) }

// plan appends b's ops for this round. Slot Loops() is the edge's pool,
// kept leased for a new limit, for a limit used in the last minute (at
// least the last window) and for every quota, so a loop's first request
// finds a token.
func (b *book) plan(ops []op, now int64, dt time.Duration, edges int64) []op {
	g := b.g
	lim := g.Limit()
	if lim < 0 || g.State() != limiter.GlobalRemote {
		return ops
	}
	w := g.Window(now)
	dry := g.Dry(w)
	pool := g.Loops()
	g.SetColdCredit(max(1, max(1, lim/100)/max(edges, 1)))
	warm := g.Per() == 0 || !b.leased || g.LastActive() >= w-max(1, int64(warmFor/g.Per()))
	b.leased = true
	// Credit admissions of this window and the last go to their keys.
	var charge int64
	for _, win := range []int64{w - 1, w} {
		if g.Per() == 0 && win != 0 {
			continue
		}
		c := &b.charged[win&1]
		if c.win != win {
			c.win, c.n = win, 0
		}
		if d := g.Debt(win) - c.n; d > 0 {
			c.n += d
			o := b.op(pool, win, 0, 0)
			o.charge = d
			ops = append(ops, o)
			charge += d
		}
	}
	for i := range b.slots {
		s := &b.slots[i]
		left := g.Left(i, w)
		if s.win != w {
			*s = slotBook{win: w, left: left, rate: s.rate, miss: s.miss, next: s.next}
		}
		spent := max(s.left-left, 0)
		s.left, s.spent = left, s.spent+spent
		demand := spent
		if i < pool {
			m := g.Misses(i)
			demand += max(m-s.miss, 0)
			s.miss = m
		} else {
			demand += charge
		}
		if sec := dt.Seconds(); sec > 0 {
			s.rate = 0.7*s.rate + 0.3*float64(demand)/sec
		}
		if demand > 0 {
			s.idle = 0
		} else {
			s.idle++
		}
		want := min(max(int64(math.Ceil(s.rate*lead.Seconds())), 1), max(1, lim/10))
		g.SetLow(i, want/2)
		asked := g.TakeAsk(i)
		need := asked || (demand > 0 && left <= want/2) || (i == pool && warm && left == 0)
		if need && (!dry || asked) {
			ops = append(ops, b.op(i, w, want, 0))
		}
		if dry && left > 0 && s.idle >= idleTicks {
			if r := g.Reclaim(i, w); r > 0 {
				s.left = 0
				ops = append(ops, b.op(i, w, 0, r))
			}
		}
		if p := g.Per(); p > 0 && (s.spent > 0 || i == pool && warm) && now >= g.WindowEnd(w)-int64(min(prefetch, p/10)) && s.next != w+2 && g.Left(i, w+1) == 0 {
			s.next = w + 2
			ops = append(ops, b.op(i, w+1, want, 0))
		}
	}
	return ops
}

// send runs ops (and the edge heartbeat) in one pipeline, loading the
// script if Redis does not know it (a restarted Redis), and applies the
// replies.
func (l *Lessor) send(c *conn, ops []op, now int64, beat bool) error {
	div := strconv.FormatInt(l.divisor(), 10)
	todo := ops
	for attempt := 0; attempt < 2 && len(todo) > 0 || beat; attempt++ {
		n := 0
		if attempt > 0 {
			c.write("SCRIPT", "LOAD", leaseScript)
			n++
		}
		for _, o := range todo {
			c.write("EVALSHA", leaseSHA, "1", o.key, strconv.FormatInt(o.limit, 10), strconv.FormatInt(o.want, 10), div,
				strconv.FormatInt(o.ttlMs, 10), strconv.FormatInt(o.floor, 10), strconv.FormatInt(o.ret, 10), strconv.FormatInt(o.charge, 10))
			n++
		}
		if beat {
			ms := now / int64(time.Millisecond)
			c.write("ZADD", l.prefix+"edges", strconv.FormatInt(ms, 10), l.edgeID)
			c.write("ZREMRANGEBYSCORE", l.prefix+"edges", "-inf", strconv.FormatInt(ms-edgeTimeout.Milliseconds(), 10))
			c.write("ZCARD", l.prefix+"edges")
			n += 3
		}
		replies, err := c.flush(n)
		l.roundTrips.Add(1)
		if err != nil {
			return err
		}
		if attempt > 0 {
			if e, ok := replies[0].(redisError); ok {
				return e
			}
			replies = replies[1:]
		}
		var again []op
		for i := range todo {
			o := &todo[i]
			switch r := replies[i].(type) {
			case redisError:
				if strings.HasPrefix(string(r), "NOSCRIPT") {
					again = append(again, *o)
					continue
				}
				return r
			case []any:
				if len(r) != 2 {
					return redisError("lease script: bad reply")
				}
				gr, _ := r[0].(int64)
				used, _ := r[1].(int64)
				o.applied = true
				l.apply(o, gr, used, now)
			default:
				return redisError("lease script: bad reply")
			}
		}
		if beat {
			if n, ok := replies[len(todo)+2].(int64); ok {
				l.edges.Store(n)
			}
			beat = false
		}
		for i := range again {
			again[i].applied = false
		}
		todo = again
	}
	if len(todo) > 0 {
		return redisError("NOSCRIPT after SCRIPT LOAD")
	}
	return nil
}

// apply hands a lease's tokens to its slot and records what Redis said.
func (l *Lessor) apply(o *op, granted, used, now int64) {
	g := o.b.g
	if o.ret > 0 {
		l.returned.Add(o.ret)
	}
	if o.want > 0 {
		l.leases.Add(1)
		l.granted.Add(granted)
		if granted > 0 {
			g.Grant(o.loop, o.win, granted)
			if s := &o.b.slots[o.loop]; s.win == o.win {
				s.left += granted
			}
		}
	}
	rem := o.limit - used
	if o.win == g.Window(now) {
		g.SetRemaining(rem)
	}
	g.SetCredit(o.win, o.base+creditCap(o.limit, rem, l.edges.Load()))
	switch {
	case rem <= 0 && granted < o.want:
		g.SetDry(o.win)
	case rem > 0 && g.Dry(o.win):
		g.SetDry(-1)
	}
	if q := g.Quota(); q != nil {
		q.Set(used)
	}
}

// creditCap is how many admissions an edge may make on credit (beyond
// its leased tokens, charged with the next lease) given the store's
// remaining budget rem: an eighth of what is left above half the limit,
// shared by the edges; none once half the budget is gone. Credit only
// covers the round trip of a loop that ran out of tokens (it asks at
// once), and every grant takes at most remaining/D of the budget, so the
// half in reserve takes several rounds of every edge to go: credit cannot
// push a window or a quota past its limit unless this edge's view of the
// budget is that many rounds old.
func creditCap(limit, rem int64, edges int64) int64 {
	return max(0, rem-max(1, limit/2)) / (8 * max(edges, 1))
}

// shutdown returns every unspent token (best effort, one round trip).
func (l *Lessor) shutdown(c *conn) {
	l.mu.Lock()
	ops := l.returns
	l.returns = nil
	now := time.Now().UnixNano()
	for _, b := range l.books {
		ops = append(ops, l.epochOf(b.reclaimAll(now))...)
	}
	l.mu.Unlock()
	if len(ops) == 0 {
		if c != nil {
			c.close()
		}
		return
	}
	if c == nil {
		var err error
		if c, err = l.connect(); err != nil {
			return
		}
	}
	var keep []op
	for _, o := range ops {
		if o.epoch == l.epoch {
			keep = append(keep, o)
		}
	}
	l.send(c, keep, now, false)
	c.close()
}

// Stats is what /metrics reports about cluster-wide limits.
type Stats struct {
	Up         bool  // the last round trip to Redis succeeded
	Limits     int   // cluster-wide limits and quotas in force
	Edges      int64 // edges leasing from this Redis (seen in the last 10 s)
	RoundTrips int64 // pipelined round trips (each carries any number of leases)
	Failures   int64 // failed dials and round trips
	Reconnects int64 // connections made
	Leases     int64 // lease script calls
	Granted    int64 // tokens leased
	Returned   int64 // unspent tokens given back
	Dropped    int64 // unspent tokens of a Redis that lost its data (not returned)
	FailOpen   int64 // requests decided by local limits while Redis was down
	FailClosed int64 // requests refused because Redis was down
}

// Stats sums the counters (any goroutine; not for the hot path).
func (l *Lessor) Stats() Stats {
	st := Stats{Up: l.state.Load() == 1, Edges: l.edges.Load(), RoundTrips: l.roundTrips.Load(), Failures: l.failures.Load(),
		Reconnects: l.reconnect.Load(), Leases: l.leases.Load(), Granted: l.granted.Load(), Returned: l.returned.Load(), Dropped: l.dropped.Load(),
		FailOpen: l.gone[0].Load(), FailClosed: l.gone[1].Load()}
	l.mu.Lock()
	st.Limits = len(l.books)
	for g := range l.books {
		o, c := g.Decisions()
		st.FailOpen += o
		st.FailClosed += c
	}
	l.mu.Unlock()
	return st
}
