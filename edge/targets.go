package edge

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgegate/edgegate/snapshot"
)

// target is one backend address. Its health outlives snapshots: targets
// are kept by address in the server's registry, so a reload does not
// forget that a backend is down.
type target struct {
	id   int
	addr string

	fails     atomic.Int32
	downUntil atomic.Int64 // clock nanos; 0 = up
	maxFails  atomic.Int32
	cooldown  atomic.Int64

	check      atomic.Pointer[snapshot.Health] // active check settings, nil = none
	checkerOn  atomic.Bool
	stopSignal chan struct{}
}

func (t *target) available(now int64) bool { return now >= t.downUntil.Load() }

// ok records a good answer (cheap when already healthy: one load).
func (t *target) ok() {
	if t.fails.Load() != 0 {
		t.fails.Store(0)
	}
}

// fail records a failure; MaxFails in a row eject the target for the
// cool-down (seed: HealthCheckConf RequestVolumeThreshold and
// SleepWindowInMilliseconds).
func (t *target) fail(now int64) {
	if n := t.fails.Add(1); n >= t.maxFails.Load() {
		t.fails.Store(0)
		t.downUntil.Store(now + t.cooldown.Load())
	}
}

type targetRegistry struct {
	s      *Server
	mu     sync.Mutex
	byAddr map[string]*target
	list   []*target
	stop   chan struct{}
}

func (r *targetRegistry) init(s *Server) {
	r.s = s
	r.byAddr = map[string]*target{}
	r.stop = make(chan struct{})
}

// get returns the target for addr, creating it once.
func (r *targetRegistry) get(addr string, h snapshot.Health) *target {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.byAddr[addr]
	if t == nil {
		t = &target{id: len(r.list), addr: addr}
		r.byAddr[addr] = t
		r.list = append(r.list, t)
	}
	t.maxFails.Store(int32(max(h.MaxFails, 1)))
	t.cooldown.Store(int64(h.Cooldown))
	if h.CheckPath != "" {
		hc := h
		t.check.Store(&hc)
		if t.checkerOn.CompareAndSwap(false, true) {
			go r.runCheck(t)
		}
	}
	return t
}

// syncChecks turns off active checks that no backend asks for any more.
func (r *targetRegistry) syncChecks(wanted map[*target]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.list {
		if !wanted[t] {
			t.check.Store(nil)
		}
	}
}

func (r *targetRegistry) stopChecks() {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
}

// runCheck is the active HTTP health check of one target: a GET of the
// configured path; 2xx/3xx brings it back, anything else ejects it.
func (r *targetRegistry) runCheck(t *target) {
	defer t.checkerOn.Store(false)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		h := t.check.Load()
		if h == nil {
			return
		}
		select {
		case <-r.stop:
			return
		case <-time.After(h.CheckInterval):
		}
		h = t.check.Load()
		if h == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), h.CheckInterval)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+t.addr+h.CheckPath, nil)
		req.Header.Set("User-Agent", "edgegate-health-check")
		resp, err := client.Do(req)
		good := err == nil && resp.StatusCode < 400
		if resp != nil {
			resp.Body.Close()
		}
		cancel()
		now := r.s.clk.now()
		if good {
			t.fails.Store(0)
			t.downUntil.Store(0)
		} else {
			t.downUntil.Store(now + int64(h.CheckInterval) + t.cooldown.Load())
		}
	}
}

// pick chooses a target for a: weighted round-robin over the ones that are
// up, skipping exclude. A backend with one target always gets it: ejecting
// the only target would turn a blip into a cool-down of 502s.
func (l *loop) pick(a *apiRT, exclude *target) *target {
	n := len(a.sched)
	if n == 0 {
		return nil
	}
	if len(a.targets) == 1 {
		if a.targets[0] == exclude {
			return nil
		}
		return a.targets[0]
	}
	for a.id >= len(l.cursors) {
		l.cursors = append(l.cursors, 0)
	}
	c := l.cursors[a.id]
	now := l.s.clk.now()
	for i := 0; i < n; i++ {
		t := a.targets[a.sched[(int(c)+i)%n]]
		if t != exclude && t.available(now) {
			l.cursors[a.id] = c + uint32(i) + 1
			return t
		}
	}
	return nil
}

// schedule spreads targets by weight with nginx's smooth weighted
// round-robin, so heavy targets are interleaved rather than bunched.
func schedule(weights []int) []uint16 {
	total := 0
	for _, w := range weights {
		total += w
	}
	cur := make([]int, len(weights))
	out := make([]uint16, 0, total)
	for range total {
		best := 0
		for i, w := range weights {
			cur[i] += w
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		out = append(out, uint16(best))
	}
	return out
}
