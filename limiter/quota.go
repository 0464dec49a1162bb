package limiter

import "sync/atomic"

// Quota is a lifetime count with a maximum: a usage plan's MaxRequestNum
// (seed 000, 使用计划). It is not windowed; the edge persists Used (on a
// graceful stop and every second) and restores it with Set.
type Quota struct {
	max  atomic.Int64 // < 0: unlimited
	used atomic.Int64
	g    atomic.Pointer[Global] // cluster-wide (global.go); nil: local
}

// NewQuota returns a quota of max requests; max < 0 means unlimited.
func NewQuota(max int64) *Quota {
	q := &Quota{}
	q.max.Store(max)
	return q
}

// Take counts one request if the quota has room. One atomic add; a
// refusal takes it back, so a refused request never uses quota. A refusal
// has Reset 0: a lifetime quota does not free up with time.
func (q *Quota) Take() Result { return q.TakeOn(0) }

// TakeOn is Take from event loop loop (a cluster-wide quota spends that
// loop's leased tokens; TakeAll passes its loop).
func (q *Quota) TakeOn(loop int) Result {
	m := q.max.Load()
	if g := q.g.Load(); g != nil && m >= 0 {
		ok, local := g.take(loop, 0)
		if ok {
			return Result{OK: true, Limit: m, Remaining: g.remaining()}
		}
		if !local {
			return Result{Limit: m, Remaining: 0}
		}
	}
	u := q.used.Add(1)
	if m >= 0 && u > m {
		q.used.Add(-1)
		return Result{Limit: m, Remaining: 0}
	}
	if m < 0 {
		return Result{OK: true, Limit: -1, Remaining: -1}
	}
	return Result{OK: true, Limit: m, Remaining: m - u}
}

// Refund gives one request back (a later rule refused it).
func (q *Quota) Refund() { q.RefundOn(0) }

// RefundOn gives back one request TakeOn(loop) took.
func (q *Quota) RefundOn(loop int) {
	if g := q.g.Load(); g != nil && g.State() == GlobalRemote && q.max.Load() >= 0 {
		g.refund(loop)
		return
	}
	q.used.Add(-1)
}

// Used is the count so far.
func (q *Quota) Used() int64 { return q.used.Load() }

// Set replaces the count (restoring a persisted value).
func (q *Quota) Set(used int64) { q.used.Store(used) }

// Max is the maximum; < 0 means unlimited.
func (q *Quota) Max() int64 { return q.max.Load() }

// SetMax changes the maximum, keeping the count (a usage plan modified).
func (q *Quota) SetMax(max int64) { q.max.Store(max) }
