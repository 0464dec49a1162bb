package edge

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/cpu"

	"github.com/edgegate/edgegate/auth"
)

// Per-request observation (issue 13): what the edge notes about the
// request it serves, where each fact is known, and records once, at the
// single end of a request (finishRequest, whichever way it ends: answer,
// abort or close). The counts go to per-loop blocks that only the owning
// loop writes (atomic adds on its own lines) and that readers sum
// (metrics.go); the same notes fill the access-log line (obslog.go).

// refusal is which gateway check refused a request.
type refusal uint8

const (
	refNone  refusal = iota
	refIP            // IP control (ipcheck.go)
	refAuth          // authentication (auth.go): reqObs.authCode
	refLimit         // flow control (limits.go): reqObs.limit
)

// reqObs is the request's notes. beginRequest resets it; record reads it.
// Strings and pointers in it refer to the snapshot (codes, messages, ids),
// never to request bytes, so keeping them costs no copy.
type reqObs struct {
	t0       int64 // precise clock: head complete
	sent     int64 // precise clock: the (last) upstream head written; 0: none
	connect  int64 // ns from dial to a ready connection; 0: pooled or none
	head     int64 // precise clock: the upstream response head; 0: none
	in, out  int64 // bytes read from / written to the client
	status   uint16
	upStatus uint16 // the backend's status; 0 when the gateway answered
	refused  refusal
	authCode auth.Code
	valid    bool       // passed every gateway check
	limPass  bool       // limit rules applied and admitted the request
	limit    *limitInfo // the refusing rule (refLimit)
	code     string     // gateway error code ("" when none)
	msg      string     // its message
	subject  string     // SecretId or app id of a verified caller
	// The request's method ends at logM and its path at logP in
	// client.logText, its host follows (obslog.go; 0: not copied).
	logM, logP uint16
}

// preciseNow is the monotonic time in ns since the server's clock base.
// time.Since of a monotonic base reads only the vDSO clock (no syscall,
// ~28 ns here). The loop reads it once per callback (loop.enter: l.pnow)
// and every note, deadline and limiter window of that callback shares the
// reading (loop.now): a keep-alive proxied request costs two reads (its
// client's callback, its backend's).
func (c *clock) preciseNow() int64 { return int64(time.Since(c.base)) }

// chunkBits sizes the chunks of a per-loop series array.
const chunkBits = 6

// chunks is a per-loop array of counter blocks, indexed by series number
// and grown by appending fixed chunks that never move: the owning loop's
// adds can never be lost to a copy, and a grower (Swap, a new loop, or the
// loop itself on a miss) swaps the list by compare-and-swap, without a
// lock. Readers load the list and the counters atomically.
type chunks[T any] struct {
	p atomic.Pointer[[]*[1 << chunkBits]T]
}

// at returns series i's block, growing the list on a miss (rare: Swap
// grows every loop ahead of use).
func (c *chunks[T]) at(i int32) *T {
	if cs := c.p.Load(); cs != nil && int(i>>chunkBits) < len(*cs) {
		return &(*cs)[i>>chunkBits][i&(1<<chunkBits-1)]
	}
	c.grow(int(i) + 1)
	return c.at(i)
}

// get returns series i's block or nil (readers).
func (c *chunks[T]) get(i int) *T {
	cs := c.p.Load()
	if cs == nil || i>>chunkBits >= len(*cs) {
		return nil
	}
	return &(*cs)[i>>chunkBits][i&(1<<chunkBits-1)]
}

// grow makes room for n series.
func (c *chunks[T]) grow(n int) {
	for {
		old := c.p.Load()
		var cur []*[1 << chunkBits]T
		if old != nil {
			cur = *old
		}
		if len(cur)<<chunkBits >= n {
			return
		}
		next := make([]*[1 << chunkBits]T, (n+1<<chunkBits-1)>>chunkBits)
		copy(next, cur)
		for i := len(cur); i < len(next); i++ {
			next[i] = new([1 << chunkBits]T)
		}
		if c.p.CompareAndSwap(old, &next) {
			return
		}
	}
}

// histCtr is one loop's latency histogram: counts by bucket (not
// cumulative, as Histogram) and the sum in ns.
type histCtr struct {
	b   [len(LatencyBounds) + 1]atomic.Uint64
	sum atomic.Uint64
}

// boundsNs are LatencyBounds in ns.
var boundsNs = func() (b [len(LatencyBounds)]int64) {
	for i, s := range LatencyBounds {
		b[i] = int64(s * 1e9)
	}
	return b
}()

// observe counts d ns (a linear scan of 14 bounds: most land early).
func (h *histCtr) observe(d int64) {
	d = max(d, 0)
	i := 0
	for i < len(boundsNs) && d > boundsNs[i] {
		i++
	}
	h.b[i].Add(1)
	h.sum.Add(uint64(d))
}

// read adds h into out.
func (h *histCtr) read(out *Histogram) {
	var sum uint64
	for i := range h.b {
		n := h.b[i].Load()
		out.Buckets[i] += n
		out.Count += n
	}
	sum = h.sum.Load()
	out.Sum += float64(sum) / 1e9
}

// apiCtr is one API series' counts on one loop. Requests is lat's count
// and BackendErrors Responses[5], so neither is counted twice; routed
// minus lat's count is the requests in flight.
type apiCtr struct {
	routed, valid, in, out, frontend, b404, b502 atomic.Uint64
	resp                                         [6]atomic.Uint64
	lat, backend                                 histCtr
}

// addrCtr is one backend address's counts on one loop.
type addrCtr struct {
	dials, reused atomic.Uint64
	idle          atomic.Int64 // this loop's pooled connections to it
}

// numAuthCodes bounds auth.Code values counted by refusal.
const numAuthCodes = int(auth.NotAllowed) + 1

// loopObs is one loop's observation counts; only that loop writes them.
type loopObs struct {
	_      cpu.CacheLinePad
	apis   chunks[apiCtr]
	limits chunks[atomic.Uint64] // refusals by obsRegistry.limit series
	addrs  chunks[addrCtr]
	auth   [numAuthCodes]atomic.Uint64 // refusals by auth.Code
	_      cpu.CacheLinePad
}

// limitKey names a limit-refusal series.
type limitKey struct{ code, rule string }

// obsRegistry gives each per-API series, limit rule and backend address
// a small number for the process lifetime: a series removed from the
// configuration keeps its number (and its counts) and gets it back when
// it returns, so counters never go backwards across swaps. Numbers are
// handed out while a snapshot is built (under Server.swapMu), never on
// the request path.
type obsRegistry struct {
	mu     sync.Mutex
	apis   map[APIKey]int32
	apiKey []APIKey
	limits map[limitKey]int32
	limKey []limitKey
	addrs  map[string]int32
	addr   []string
}

func (r *obsRegistry) api(k APIKey) int32 { return number(&r.mu, &r.apis, &r.apiKey, k) }

func (r *obsRegistry) limit(k limitKey) int32 { return number(&r.mu, &r.limits, &r.limKey, k) }

func (r *obsRegistry) address(a string) int32 { return number(&r.mu, &r.addrs, &r.addr, a) }

// number returns k's number in m, handing out the next one (its place
// in keys) on first sight.
func number[K comparable](mu *sync.Mutex, m *map[K]int32, keys *[]K, k K) int32 {
	mu.Lock()
	defer mu.Unlock()
	if i, ok := (*m)[k]; ok {
		return i
	}
	if *m == nil {
		*m = map[K]int32{}
	}
	i := int32(len(*keys))
	(*m)[k] = i
	*keys = append(*keys, k)
	return i
}

// sizes is how many series of each kind exist.
func (r *obsRegistry) sizes() (apis, limits, addrs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.apiKey), len(r.limKey), len(r.addr)
}

// newLimitInfo is a limit rule's refusal answer with its series number.
func (s *Server) newLimitInfo(code, rule, msg string) *limitInfo {
	return &limitInfo{code: code, msg: msg, rule: rule, idx: s.obs.limit(limitKey{code, rule})}
}

// numberSeries gives rt's APIs their series numbers (build).
func (s *Server) numberSeries(rt *runtime) {
	for i := range rt.apis {
		r := rt.apis[i].route
		rt.apis[i].series = s.obs.api(APIKey{ServiceId: r.ServiceId, Environment: r.Environment, ApiId: r.ApiId})
	}
}

// growObs sizes l's blocks for every series numbered so far, so the
// request path finds them (Swap: every loop; newLoop: its own).
func (s *Server) growObs(l *loop) {
	a, lim, ad := s.obs.sizes()
	l.obs.apis.grow(a)
	l.obs.limits.grow(lim)
	l.obs.addrs.grow(ad)
}

// growAllObs sizes every loop's blocks (Swap, after numbering).
func (s *Server) growAllObs() {
	for _, l := range *s.loops.Load() {
		s.growObs(l)
	}
}

// --- Hooks on the request path: each a few plain stores. ---

// obsBegin resets the notes for a request whose head is complete;
// headBytes is the head's length on the wire (0 when unknown).
func (cl *client) obsBegin(headBytes int) {
	cl.ob = reqObs{t0: cl.l.pnow, in: int64(headBytes)}
}

// obsRouted counts a request routed to a (in flight until record).
func (cl *client) obsRouted(a *apiRT) {
	cl.l.obs.apis.at(a.series).routed.Add(1)
}

// obsSent notes the upstream head written.
func (cl *client) obsSent() { cl.ob.sent = cl.l.pnow }

// obsResponse notes the backend's response head.
func (cl *client) obsResponse(status int) {
	cl.ob.head = cl.l.pnow
	cl.ob.status, cl.ob.upStatus = uint16(status), uint16(status)
}

// obsError notes a gateway-made error answer.
func (cl *client) obsError(status int, code, msg string) {
	cl.ob.status, cl.ob.code, cl.ob.msg = uint16(status), code, msg
}

// obsAnswer notes the status of a whole gateway-made answer in b
// ("HTTP/1.1 200 ...").
func (cl *client) obsAnswer(b []byte) {
	if len(b) >= 12 {
		cl.ob.status = uint16(b[9]-'0')*100 + uint16(b[10]-'0')*10 + uint16(b[11]-'0')
	}
}

// record counts the request that just ended. finishRequest calls it once
// per request, before it forgets the request's API and target.
func (cl *client) record() {
	l := cl.l
	o := &cl.ob
	end := l.pnow
	if end == o.t0 {
		// Answered in the callback that read the head (a mock, a
		// refusal): its own reading, not 0.
		end = l.s.clk.preciseNow()
	}
	if a := cl.api; a != nil {
		c := l.obs.apis.at(a.series)
		c.lat.observe(end - o.t0)
		if o.sent != 0 && o.head >= o.sent {
			c.backend.observe(o.head - o.sent)
		}
		c.in.Add(uint64(o.in))
		c.out.Add(uint64(o.out))
		if k := o.status / 100; k >= 1 && k <= 5 {
			c.resp[k].Add(1)
		}
		if o.valid {
			c.valid.Add(1)
		}
		if o.refused != refNone {
			c.frontend.Add(1)
		}
		if o.upStatus == 404 {
			c.b404.Add(1)
		}
		if o.status == 502 {
			c.b502.Add(1)
		}
	}
	switch o.refused {
	case refAuth:
		if int(o.authCode) < numAuthCodes {
			l.obs.auth[o.authCode].Add(1)
		}
	case refLimit:
		l.obs.limits.at(o.limit.idx).Add(1)
	}
	if l.alog != nil {
		cl.logRecord(end)
	}
}
