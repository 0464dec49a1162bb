package limiter

import (
	"sort"
	"sync"
)

// Registry keeps counters and quotas by stable id across snapshot
// reloads, so a recompiled rule keeps its window and a usage plan its
// count (DESIGN.md: state that survives reloads is keyed by stable ids
// outside the table). It is used at compile time and by the persister,
// never on the check path, so it may lock.
type Registry struct {
	mu       sync.Mutex
	loops    int
	counters map[string]*entry[*Counter]
	quotas   map[string]*entry[*Quota]
	restored map[string]int64 // quota counts restored before their quota exists
	globals  GlobalSource     // nil: every limit counts on this process alone
}

// SetGlobals makes the counters and quotas created from now on
// cluster-wide (global.go). Call it before the first snapshot.
func (r *Registry) SetGlobals(src GlobalSource) {
	r.mu.Lock()
	r.globals = src
	r.mu.Unlock()
}

func (r *Registry) detach(g *Global) {
	if g != nil && r.globals != nil {
		r.globals.Detach(g)
	}
}

type entry[T any] struct {
	v    T
	used bool // asked for since the last Sweep
}

// NewRegistry returns a registry whose counters serve loops event loops.
func NewRegistry(loops int) *Registry {
	return &Registry{
		loops:    max(loops, 1),
		counters: map[string]*entry[*Counter]{},
		quotas:   map[string]*entry[*Quota]{},
		restored: map[string]int64{},
	}
}

// Counter returns the counter for id, the same one as before if its limit
// did not change (a changed limit starts a fresh window).
func (r *Registry) Counter(id string, l Limit) (*Counter, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.counters[id]; ok && e.v.Limit() == l {
		e.used = true
		return e.v, nil
	}
	c, err := NewCounter(l, r.loops)
	if err != nil {
		return nil, err
	}
	if e, ok := r.counters[id]; ok {
		r.detach(e.v.g.Load())
	}
	if r.globals != nil {
		if g := r.globals.Attach(id, l, nil); g != nil {
			c.g.Store(g)
		}
	}
	r.counters[id] = &entry[*Counter]{v: c, used: true}
	return c, nil
}

// Quota returns the quota for id, keeping its count across reloads and
// limit changes, and taking a count restored by Restore. A new quota
// starts with maximum max (< 0: unlimited); an existing one keeps its
// maximum until the caller calls SetMax, which it does once the rule that
// asked is in force (a snapshot that fails to build must not change a
// live quota).
func (r *Registry) Quota(id string, max int64) *Quota {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.quotas[id]; ok {
		e.used = true
		return e.v
	}
	q := NewQuota(max)
	if u, ok := r.restored[id]; ok {
		q.Set(u)
		delete(r.restored, id)
	}
	if r.globals != nil {
		if g := r.globals.Attach(id, Limit{}, q); g != nil {
			q.g.Store(g)
		}
	}
	r.quotas[id] = &entry[*Quota]{v: q, used: true}
	return q
}

// Sweep forgets counters and quotas not asked for since the previous
// Sweep: call it after a snapshot is installed.
func (r *Registry) Sweep() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, e := range r.counters {
		if !e.used {
			r.detach(e.v.g.Load())
			delete(r.counters, id)
		}
		e.used = false
	}
	for id, e := range r.quotas {
		if !e.used {
			r.detach(e.v.g.Load())
			delete(r.quotas, id)
		}
		e.used = false
	}
}

// QuotaCount is one quota's persisted count.
type QuotaCount struct {
	ID   string `json:"id"`
	Used int64  `json:"used"`
}

// Snapshot appends every quota's count to dst, sorted by id, for the edge
// to persist (on a graceful stop, and every second so a crash loses at
// most a second's worth). Counts restored but not yet claimed are kept.
func (r *Registry) Snapshot(dst []QuotaCount) []QuotaCount {
	r.mu.Lock()
	n := len(dst)
	for id, e := range r.quotas {
		dst = append(dst, QuotaCount{ID: id, Used: e.v.Used()})
	}
	for id, u := range r.restored {
		dst = append(dst, QuotaCount{ID: id, Used: u})
	}
	r.mu.Unlock()
	sort.Slice(dst[n:], func(i, j int) bool { return dst[n+i].ID < dst[n+j].ID })
	return dst
}

// Restore loads persisted counts: into existing quotas now, into the
// others when Quota first asks for them.
func (r *Registry) Restore(counts []QuotaCount) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range counts {
		if e, ok := r.quotas[c.ID]; ok {
			e.v.Set(c.Used)
		} else {
			r.restored[c.ID] = c.Used
		}
	}
}
