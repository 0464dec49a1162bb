//go:build !race

package edge

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgegate/edgegate/limiter"
)

// fakeCluster is a lessor without Redis: it keeps every slot of every
// Global topped up for the current and the next window, so requests
// spend leased tokens (the steady state of a Redis-backed limit).
type fakeCluster struct {
	mu      sync.Mutex
	gs      []*limiter.Global
	loops   int
	off     int64
	wake    chan struct{}
	pending atomic.Bool
	stop    chan struct{}
	granted atomic.Int64
	dropped atomic.Int64 // tokens of closed windows
}

// spent is the tokens the loops took: granted, less those still held or
// dropped with their window.
func (f *fakeCluster) spent() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.granted.Load() - f.dropped.Load()
	w := time.Now().UnixNano()
	for _, g := range f.gs {
		for i := range g.Loops() {
			n -= g.Left(i, g.Window(w)) + g.Left(i, g.Window(w)+1)
		}
	}
	return n
}

const fakeFill = 1 << 20

func (f *fakeCluster) Globals(loops int, base time.Time) limiter.GlobalSource {
	f.loops, f.off = loops, base.UnixNano()
	go f.run()
	return f
}

func (f *fakeCluster) Attach(id string, l limiter.Limit, q *limiter.Quota) *limiter.Global {
	g := limiter.NewGlobal(limiter.GlobalConfig{ID: id, Limit: l, Quota: q, Loops: f.loops, UnixOffset: f.off, Wake: f.wake, Pending: &f.pending})
	f.mu.Lock()
	f.gs = append(f.gs, g)
	f.mu.Unlock()
	f.fill()
	return g
}

func (f *fakeCluster) Detach(*limiter.Global) {}

func (f *fakeCluster) fill() {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now().UnixNano()
	for _, g := range f.gs {
		w := g.Window(now)
		for i := range g.Loops() {
			for _, win := range []int64{w, w + 1} {
				if n := fakeFill - g.Left(i, win); n > fakeFill/2 {
					f.dropped.Add(g.Grant(i, win, n))
					f.granted.Add(n)
				}
			}
		}
	}
}

func (f *fakeCluster) run() {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-f.wake:
		case <-t.C:
		}
		f.pending.Store(false)
		f.fill()
	}
}

func (f *fakeCluster) setState(s int32) {
	f.mu.Lock()
	for _, g := range f.gs {
		g.SetState(s)
	}
	f.mu.Unlock()
}

// A cluster-wide usage plan (QPS and quota) and API limit allocate
// nothing per request: spending leased tokens, and failing open to the
// local limits while the store is down.
func TestClusterLimitsAllocs(t *testing.T) {
	up := startRawUpstream(t, "hello, world")
	f := &fakeCluster{wake: make(chan struct{}, 1), stop: make(chan struct{})}
	defer close(f.stop)
	s := startServer(t, limitsDocPlan(up.ln.Addr().String(), 100000000, 2000), Config{Loops: 1, LimiterKeys: 1 << 12, Cluster: f}, nil, limitsTraffic())
	rt := newRoundTripper(t, s.Addr(), signedGet("/release/k"))
	noAllocs(t, rt, 200)
	f.mu.Lock()
	n := len(f.gs)
	f.mu.Unlock()
	if n < 2 {
		t.Fatalf("%d limits attached, want the plan's QPS and quota", n)
	}
	// Each of the 1,200 requests spent a token of the QPS limit and one
	// of the quota (a window closing in between makes it approximate).
	if sp := f.spent(); sp < 1200 {
		t.Errorf("%d leased tokens spent by 1,200 requests: they did not take the cluster path", sp)
	}
	f.setState(limiter.GlobalOpen)
	noAllocs(t, rt, 200)
	open := int64(0)
	f.mu.Lock()
	for _, g := range f.gs {
		o, _ := g.Decisions()
		open += o
	}
	f.mu.Unlock()
	if open == 0 {
		t.Error("no fail-open decision counted")
	}
}
