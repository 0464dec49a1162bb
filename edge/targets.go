package edge

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"

	"github.com/edgegate/edgegate/snapshot"
	"github.com/edgegate/edgegate/tlsterm"
)

// targetKey names a target: one backend address under one health
// configuration. Two APIs on the same address with different settings
// (seed 000 HealthCheckConf: RequestVolumeThreshold,
// SleepWindowInMilliseconds; the check path and interval) get two targets
// with their own state, and the same pair in the next snapshot gets the
// same target back, so a reload does not forget that a backend is down.
type targetKey struct {
	addr string
	h    snapshot.Health
	tls  snapshot.TLS // zero for plain http:// and ws:// (uptls.go)
}

// target is one backend address under one health configuration. Its
// settings never change; its health is atomics, written by any loop and
// by its active check.
type target struct {
	// id is this target's slot in every loop's pools; it is handed to a
	// new target only after every loop has dropped the slot (retire).
	id       int
	addr     string
	obsAddr  int32 // the address's counts (obs.go)
	h        snapshot.Health
	maxFails int32
	cooldown int64 // ns
	// TLS to the backend (uptls.go): the handshake client shared by the
	// loops (nil for plain targets), and the same trust for the active
	// check's HTTP client.
	tlsCfg   snapshot.TLS
	tls      *tlsterm.Client
	checkTLS *tls.Config

	fails     atomic.Int32
	downUntil atomic.Int64 // clock nanos; 0 = up
	// retired is set once no installed runtime uses the target: its
	// connections are closed rather than pooled.
	retired atomic.Bool
	// slotsHeld counts the loops that have not yet dropped the retired
	// target's pool slot; the id is free once it reaches 0.
	slotsHeld atomic.Int32

	// Owned by the registry, under its mu.
	refs      int // installed runtimes that use the target
	stopCheck context.CancelFunc
}

func newTarget(id int, k targetKey) *target {
	return &target{id: id, addr: k.addr, h: k.h, tlsCfg: k.tls,
		maxFails: int32(max(k.h.MaxFails, 1)), cooldown: int64(k.h.Cooldown)}
}

func (t *target) key() targetKey { return targetKey{t.addr, t.h, t.tlsCfg} }

// targetRegistry keeps the targets of the installed runtime by key, with
// a reference count each, and recycles the ids of retired ones. Only
// Swap (serialised by Server.swapMu) changes it; it is never used on the
// request path.
type targetRegistry struct {
	s       *Server
	mu      sync.Mutex
	live    map[targetKey]*target
	free    []int     // ids no loop holds a slot for
	leaving []*target // retired; some loop may still hold the slot
	nextID  int       // ids handed out so far

	ctx    context.Context // parent of the active checks; ended by stopChecks
	cancel context.CancelFunc
	checks sync.WaitGroup
	client *http.Client
}

func (r *targetRegistry) init(s *Server) {
	r.s = s
	r.live = map[targetKey]*target{}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

// targetPlan is the set of targets a runtime being built will use: live
// targets it shares with the installed runtime, and fresh ones that exist
// only in the plan until commit. Building a plan changes nothing shared,
// so a build that fails leaves the registry as it was.
type targetPlan struct {
	r      *targetRegistry
	use    map[targetKey]*target
	list   []*target // use, in first-use order
	fresh  []*target
	ids    []int // reusable ids at plan time, taken in order
	taken  int   // how many of ids the fresh targets took
	nextID int
	warn   []string // the fresh targets' TLS warnings (an expired client certificate)
}

// plan starts the target plan of a new runtime.
func (r *targetRegistry) plan() *targetPlan {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := &targetPlan{r: r, use: map[targetKey]*target{}, nextID: r.nextID}
	p.ids = append(p.ids, r.free...)
	for _, t := range r.leaving {
		if t.slotsHeld.Load() == 0 {
			p.ids = append(p.ids, t.id)
		}
	}
	return p
}

// get returns the target for addr under h (over TLS when tc is set): the
// live one, or a fresh one with a reserved id and, for TLS, its own
// handshake client (a bad CA bundle or client certificate fails the build).
func (p *targetPlan) get(addr string, h snapshot.Health, tc *snapshot.TLS) (*target, error) {
	k := targetKey{addr: addr, h: h}
	if tc != nil {
		k.tls = *tc
	}
	if t := p.use[k]; t != nil {
		return t, nil
	}
	p.r.mu.Lock()
	t := p.r.live[k]
	p.r.mu.Unlock()
	if t == nil {
		id := p.nextID
		if p.taken < len(p.ids) {
			id = p.ids[p.taken]
			p.taken++
		} else {
			p.nextID++
		}
		t = newTarget(id, k)
		t.obsAddr = p.r.s.obs.address(addr)
		if tc != nil {
			warn, err := t.setupTLS(p.r.s.cfg.ConnectTimeout)
			if err != nil {
				return nil, fmt.Errorf("edge: backend %s: %w", addr, err)
			}
			if warn != "" {
				p.warn = append(p.warn, "backend "+addr+": client certificate: "+warn)
			}
		}
		p.fresh = append(p.fresh, t)
	}
	p.use[k] = t
	p.list = append(p.list, t)
	return t, nil
}

// commit makes the plan of the runtime just stored the registry's state:
// its fresh targets are registered (and their active checks started),
// each target counts the installed runtimes that use it, and targets that
// the replaced runtime was the last to use are retired. Called by Swap,
// after the pointer store, with Server.swapMu held.
func (r *targetRegistry) commit(p *targetPlan, replaced []*target) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Ids the plan saw free are now reused or on the free list; the
	// retired targets they came from are gone for good.
	planned := make(map[int]bool, len(p.ids))
	for _, id := range p.ids {
		planned[id] = true
	}
	r.free = append(r.free[:0], p.ids[p.taken:]...)
	keep := r.leaving[:0]
	for _, t := range r.leaving {
		if !planned[t.id] {
			keep = append(keep, t)
		}
	}
	clear(r.leaving[len(keep):])
	r.leaving = keep
	r.nextID = p.nextID
	for _, t := range p.fresh {
		r.live[t.key()] = t
		if t.h.CheckPath != "" && r.ctx.Err() == nil {
			r.startCheck(t)
		}
	}
	for _, t := range p.list {
		t.refs++
	}
	var gone []*target
	for _, t := range replaced {
		if t.refs--; t.refs == 0 {
			gone = append(gone, t)
		}
	}
	if len(gone) > 0 {
		r.retire(gone)
	}
}

// retire takes targets out of service: their checks stop, and every loop
// is asked to close its idle connections to them and drop their pool
// slot, on its own goroutine (loops own their pools and nothing on the
// request path locks). Requests still holding one finish normally; the
// retired flag keeps their connections out of the pools.
func (r *targetRegistry) retire(gone []*target) {
	loops := *r.s.loops.Load()
	for _, t := range gone {
		delete(r.live, t.key())
		t.retired.Store(true)
		if t.stopCheck != nil {
			t.stopCheck()
		}
		t.slotsHeld.Store(int32(len(loops)))
		r.leaving = append(r.leaving, t)
	}
	for _, l := range loops {
		err := l.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
			l.dropTargets(gone)
			return nil
		}))
		if err != nil {
			// The engine is stopping: the loop will not touch its pools again.
			for _, t := range gone {
				t.slotsHeld.Add(-1)
			}
		}
	}
}

// stopChecks ends every active check and waits for them (shutdown).
func (r *targetRegistry) stopChecks() {
	r.mu.Lock()
	r.cancel()
	r.mu.Unlock()
	r.checks.Wait()
}

// counts reports the live targets and the retired ones whose ids are not
// yet free again.
func (r *targetRegistry) counts() (live, leaving int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.live), len(r.leaving)
}
