package cluster

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/redistest"
	"github.com/edgegate/edgegate/limiter"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testEdge is an edge's limiter wiring without the edge: a Registry whose
// limits lease from Redis through a Lessor.
type testEdge struct {
	l    *Lessor
	reg  *limiter.Registry
	base time.Time
}

func newTestEdge(t *testing.T, addr string, loops int, policy string) *testEdge {
	p, err := ParsePolicy(policy)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEdge{l: New(Options{Addr: addr, Timeout: 300 * time.Millisecond}, p, quiet), reg: limiter.NewRegistry(loops), base: time.Now()}
	e.reg.SetGlobals(e.l.Globals(loops, e.base))
	t.Cleanup(e.l.Close)
	return e
}

func (e *testEdge) now() int64 { return int64(time.Since(e.base)) }

func waitUp(t *testing.T, edges ...*testEdge) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		up := true
		for _, e := range edges {
			up = up && e.l.Stats().Up
		}
		if up {
			return
		}
	}
	t.Fatal("lessors did not reach redis")
}

// drive calls take from one goroutine per (edge, loop) at the given
// request rates until stop, counting admissions by Unix second.
func drive(edges []*testEdge, rates [][]float64, d time.Duration, take func(e, loop int) bool) map[int64]int64 {
	var mu sync.Mutex
	per := map[int64]int64{}
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	for ei := range edges {
		for loop, rate := range rates[ei] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				gap := time.Duration(float64(time.Second) / rate)
				next := time.Now()
				for next.Before(stop) {
					time.Sleep(time.Until(next))
					next = next.Add(gap)
					if take(ei, loop) {
						sec := time.Now().Unix()
						mu.Lock()
						per[sec]++
						mu.Unlock()
					}
				}
			}()
		}
	}
	wg.Wait()
	return per
}

// Three edges of two loops share a 100-per-second limit under skewed load
// (one loop offered ~3x the limit, the others ~20/s): every whole second
// admits 100 +/- 1; Redis down: the default policy fails open (each edge
// admits up to the limit alone); Redis back: exact again, no restart.
func TestWindowExactAcrossEdges(t *testing.T) {
	r := redistest.Start(t)
	edges := []*testEdge{newTestEdge(t, r.Addr, 2, DefaultPolicy), newTestEdge(t, r.Addr, 2, DefaultPolicy), newTestEdge(t, r.Addr, 2, DefaultPolicy)}
	var cs []*limiter.Counter
	for _, e := range edges {
		c, err := e.reg.Counter("api:svc:release:api-1:second", limiter.Limit{N: 100, Per: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	waitUp(t, edges...)
	rates := [][]float64{{300, 20}, {25, 20}, {25, 20}}
	take := func(e, loop int) bool { return cs[e].Take(loop, edges[e].now()).OK }
	check := func(phase string, per map[int64]int64, lo, hi int64) {
		t.Helper()
		t.Logf("%s: admitted by second: %v", phase, per)
		first, last := int64(1<<62), int64(0)
		for s := range per {
			first, last = min(first, s), max(last, s)
		}
		for s := first + 1; s < last; s++ { // whole seconds only
			if n := per[s]; n < lo || n > hi {
				t.Errorf("%s: second %d admitted %d, want %d..%d (all: %v)", phase, s, n, lo, hi, per)
			}
		}
	}
	check("redis up", drive(edges, rates, 3500*time.Millisecond, take), 99, 100)
	st := edges[0].l.Stats()
	if st.Edges != 3 || st.Leases == 0 || st.RoundTrips == 0 {
		t.Errorf("stats: %+v", st)
	}

	r.Stop()
	// Fail open: each edge enforces the limit alone. Offered per edge
	// (320, 45, 45) the cluster admits about 100 + 45 + 45.
	time.Sleep(300 * time.Millisecond)
	check("redis down", drive(edges, rates, 2500*time.Millisecond, take), 150, 200)
	if st := edges[0].l.Stats(); st.Up || st.FailOpen == 0 || st.Failures == 0 {
		t.Errorf("stats while down: %+v", st)
	}

	r.Start()
	waitUp(t, edges...)
	check("redis back", drive(edges, rates, 3500*time.Millisecond, take), 99, 100)
}

// A quota of 1,000 leased by three edges at ~10x its pace is never
// exceeded and is used up (to within the tokens parked in idle slots,
// which go back to Redis); Redis's count is what every edge reports.
func TestQuotaNeverExceeded(t *testing.T) {
	r := redistest.Start(t)
	edges := []*testEdge{newTestEdge(t, r.Addr, 2, DefaultPolicy), newTestEdge(t, r.Addr, 2, DefaultPolicy), newTestEdge(t, r.Addr, 2, DefaultPolicy)}
	var qs []*limiter.Quota
	for _, e := range edges {
		qs = append(qs, e.reg.Quota("quota:usagePlan-q", 1000))
	}
	waitUp(t, edges...)
	var admitted atomic.Int64
	drive(edges, [][]float64{{800, 200}, {200, 100}, {100, 100}}, 2*time.Second, func(e, loop int) bool {
		ok := qs[e].TakeOn(loop).OK
		if ok {
			admitted.Add(1)
		}
		return ok
	})
	if n := admitted.Load(); n > 1000 || n < 990 {
		t.Errorf("admitted %d with a quota of 1000", n)
	}
	c, err := dial(&Options{Addr: r.Addr, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	c.write("GET", "edgegate:q:quota:usagePlan-q")
	rep, err := c.flush(1)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := strconv.Atoi(fmt.Sprint(rep[0])); v > 1000 {
		t.Errorf("redis count %v > 1000", rep[0])
	}
	for i, q := range qs {
		if u := q.Used(); u > 1000 || u < 990 {
			t.Errorf("edge %d reports %d used", i, u)
		}
	}
	// Redis down: quotas fail closed by default.
	r.Stop()
	for end := time.Now().Add(5 * time.Second); edges[1].l.Stats().Up && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	if res := qs[1].TakeOn(0); res.OK {
		t.Error("quota admitted with redis down (default policy: closed)")
	}
	if st := edges[1].l.Stats(); st.FailClosed == 0 {
		t.Errorf("stats: %+v", st)
	}
}

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy(DefaultPolicy + ",plan:usagePlan-a=closed,quota:usagePlan-b=open")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]int32{
		"api:s:release:a:second": limiter.GlobalOpen, "quota:usagePlan-x": limiter.GlobalClosed,
		"quota:usagePlan-b": limiter.GlobalOpen, "plan:usagePlan-a:key:AKID": limiter.GlobalClosed,
	} {
		if got := p.For(id); got != want {
			t.Errorf("%s: %d, want %d", id, got, want)
		}
	}
	for _, bad := range []string{"maybe", "=open", "quota:=shut"} {
		if _, err := ParsePolicy(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
