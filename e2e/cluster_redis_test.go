package e2e

import (
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/redistest"
)

// Cluster-wide limits end to end (issue 14, README "Cluster-wide
// limits"): one admin and three edges as separate processes, all with
// --redis, a real redis-server, callers signing with the SDK-made keys.

// perSecond counts admitted answers by the Unix second of their Date
// header (stamped as the request was served, so a slow answer on a loaded
// machine still counts in its second): the edges' cluster windows are
// whole Unix seconds, and a window's budget is spent in its first third
// under this load, so the count per second is the count per window.
type perSecond struct {
	mu sync.Mutex
	n  map[int64]int
}

func (p *perSecond) add(a answer) {
	s := time.Now().Unix()
	if d, err := http.ParseTime(a.h.Get("Date")); err == nil {
		s = d.Unix()
	}
	p.mu.Lock()
	if p.n == nil {
		p.n = map[int64]int{}
	}
	p.n[s]++
	p.mu.Unlock()
}

// whole returns the counts of the seconds strictly between the first and
// the last (whole seconds of the run), in order.
func (p *perSecond) whole() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var secs []int64
	for s := range p.n {
		secs = append(secs, s)
	}
	slices.Sort(secs)
	var out []int
	for s := secs[0] + 1; len(secs) > 1 && s < secs[len(secs)-1]; s++ {
		out = append(out, p.n[s])
	}
	return out
}

// tally sorts a limited load's answers: a 200 counts in each perSecond
// given, a 429 RateLimitExceeded is the limit at work, anything else is
// kept in bad.
type tally struct {
	mu  sync.Mutex
	bad []string
}

func (t *tally) count(a answer, secs ...*perSecond) {
	switch {
	case a.status == 200:
		for _, s := range secs {
			s.add(a)
		}
	case a.status == 429 && a.code == "RateLimitExceeded":
	default:
		t.mu.Lock()
		t.bad = append(t.bad, a.String())
		t.mu.Unlock()
	}
}

// paced sends get at rate per second from one keep-alive client until d
// has passed, handing each answer to count (open loop: a slow answer
// does not slow the offered load much).
func paced(wg *sync.WaitGroup, d time.Duration, rate float64, get func(*http.Client) answer, count func(answer)) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		hc := clientFrom("127.0.0.1")
		gap := time.Duration(float64(time.Second) / rate)
		stop := time.Now().Add(d)
		for next := time.Now(); next.Before(stop); next = next.Add(gap) {
			time.Sleep(time.Until(next))
			count(get(hc))
		}
	}()
}

func TestClusterLimitsRedis(t *testing.T) {
	defer catchSDK(t)
	rd := redistest.Start(t)
	up := startUpstream(t)
	admin := startAdmin(t)
	var edges []*controlPlane
	for _, id := range []string{"edge-a", "edge-b", "edge-c"} {
		edges = append(edges, admin.startEdgeVia(id, "http://"+admin.Admin, "--redis", rd.Addr, "--loops", "2"))
	}
	c := admin.sdk("", "")
	// A plan of 100 QPS, and a plan with a quota of 1,000, each on its
	// own service and key.
	svcQ := sdkCreateService(c, "clusterqps")
	apiQ := sdkAPI(c, svcQ, "/q", authType("SECRET"), proxyTo(up, "/echo"))
	sdkRelease(c, svcQ)
	idQ, skQ, _ := sdkKeyPlan(c, svcQ, []string{apiQ}, 100, -1)
	svcT := sdkCreateService(c, "clusterquota")
	apiT := sdkAPI(c, svcT, "/t", authType("SECRET"), proxyTo(up, "/echo"))
	sdkRelease(c, svcT)
	idT, skT, _ := sdkKeyPlan(c, svcT, []string{apiT}, -1, 1000)
	hdrQ, hdrT := keyPairHeaders(idQ, skQ, "hmac-sha1"), keyPairHeaders(idT, skT, "hmac-sha1")
	getQ := func(e *controlPlane) func(*http.Client) answer {
		g := e.edge(svcQ)
		return func(hc *http.Client) answer { return g.send(hc, "GET", "/q", nil, hdrQ) }
	}
	getT := func(e *controlPlane) func(*http.Client) answer {
		g := e.edge(svcT)
		return func(hc *http.Client) answer { return g.send(hc, "GET", "/t", nil, hdrT) }
	}
	for _, e := range edges {
		waitFor(t, 10*time.Second, "the plans on "+e.Addr, func() bool {
			return getQ(e)(httpc).h.Get("X-RateLimit-Limit") == "100"
		})
	}

	// load offers ~300/s to the QPS plan: 70% to edge a over three
	// connections, 15% to each of b and c. It returns the admissions per
	// second, cluster-wide and per edge.
	load := func(d time.Duration) (all *perSecond, byEdge []*perSecond, bad []string) {
		// Start just after a second begins: a window whose budget is not
		// used up before its end (a short first one) lets admissions
		// straddle the boundary in the Date count.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
		all = &perSecond{}
		var ty tally
		var wg sync.WaitGroup
		for i, e := range edges {
			pe := &perSecond{}
			byEdge = append(byEdge, pe)
			rates := []float64{45}
			if i == 0 {
				rates = []float64{70, 70, 70}
			}
			for _, r := range rates {
				paced(&wg, d, r, getQ(e), func(a answer) { ty.count(a, all, pe) })
			}
		}
		wg.Wait()
		return all, byEdge, ty.bad
	}
	within := func(what string, got []int, lo, hi int) {
		t.Helper()
		t.Logf("%s: admitted per second %v", what, got)
		if len(got) == 0 {
			t.Errorf("%s: no whole second measured", what)
		}
		for _, n := range got {
			if n < lo || n > hi {
				t.Errorf("%s: %v admitted per second, want each %d..%d", what, got, lo, hi)
				return
			}
		}
	}

	// 1. Redis up: 100 +/- 1 per second over 10 s.
	all, _, bad := load(12 * time.Second)
	if len(bad) > 0 {
		t.Errorf("answers other than 200 and 429 RateLimitExceeded: %v", bad[:min(len(bad), 5)])
	}
	if got := all.whole(); len(got) < 10 {
		t.Errorf("only %d whole seconds measured: %v", len(got), got)
	} else {
		within("redis up", got, 99, 101)
	}

	// 2. Redis killed: the default policy (README "Cluster-wide limits")
	// fails rate limits open, to each edge's own limit (edge a, offered
	// 210/s, admits 100/s; b and c all of their 45/s), and quotas closed.
	rd.Stop()
	for _, e := range edges { // each lessor notices (a failed round trip)
		e.waitLog("cluster limits: redis down", 0)
	}
	if a := getT(edges[1])(httpc); a.status != 429 || a.code != "QuotaExceeded" {
		t.Errorf("quota with redis down: %v, want 429 QuotaExceeded (fail closed)", a)
	}
	all, byEdge, _ := load(3500 * time.Millisecond)
	within("redis down, edge a", byEdge[0].whole(), 80, 101)
	within("redis down, cluster", all.whole(), 150, 210)

	// 3. Redis restarted (empty): the edges reconnect by themselves and
	// the limits are exact again from the next whole second.
	rd.Start()
	for _, e := range edges {
		waitFor(t, 10*time.Second, "quota admitting again on "+e.Addr, func() bool { return getT(e)(httpc).status == 200 })
	}
	all, _, _ = load(4500 * time.Millisecond)
	within("redis back", all.whole(), 99, 101)

	// 4. A quota of 1,000 (3 used above) hammered on all three edges is
	// never exceeded, and is used up.
	var ok, other atomic.Int64
	var wg sync.WaitGroup
	for _, e := range edges {
		for range 3 {
			paced(&wg, 1500*time.Millisecond, 200, getT(e), func(a answer) {
				switch {
				case a.status == 200:
					ok.Add(1)
				case a.status == 429 && a.code == "QuotaExceeded":
				default:
					other.Add(1)
				}
			})
		}
	}
	wg.Wait()
	t.Logf("quota: %d admitted after the 3 probes, %d other answers", ok.Load(), other.Load())
	if n := ok.Load() + 3; n > 1000 || n < 990 {
		t.Errorf("quota of 1000: %d admitted across the edges", n)
	}
	if other.Load() > 0 {
		t.Errorf("%d answers neither 200 nor QuotaExceeded", other.Load())
	}
}
