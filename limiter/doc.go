// Package limiter holds the rate limiters of the data plane (issue 6):
// sliding windows per second, minute, hour and day keyed by (rule,
// dimension value), lifetime quotas (a usage plan's MaxRequestNum), and
// the multi-rule check that makes the effective limit the minimum of all
// that apply (seed 000, 基础流控插件: plugin 500, service 100, API 50 -> 50).
//
// It is a leaf: it imports only the standard library (e2e/arch_test.go).
//
// # Threading model
//
// One edge process runs one gnet event loop per core; each loop calls the
// limiter from its own goroutine and passes its loop index (0..loops-1)
// and the time. Nothing on the check path locks, blocks on a channel,
// allocates or calls time.Now: Counter.Take, Table.Take, Quota.Take and
// TakeAll are atomics and plain loads and stores (AllocsPerRun tests in
// alloc_test.go). The only lock is Registry's, used at snapshot compile
// time and by the quota persister. The one wait: two loops inserting the
// same new table key at the same instant; the second yields until the
// first has cleared the slot (a dozen stores).
//
// # Time
//
// Callers pass now as nanoseconds of a monotonic clock with one base for
// all loops (the edge's loop.now(), edge/clock.go: the precise reading its
// loop took when the callback began), so tests drive a controlled clock.
// Two loops' readings may be out of order by a callback's length; windows
// count whole milliseconds and tolerate that. Windows have 1 ms
// resolution and never admit early: a request leaves a window only once
// more than the window's length has passed since it in whole milliseconds,
// so a refusal may come up to 1 ms "late" in the window's favour.
//
// # Algorithm: a quantised sliding log
//
// A fixed window admits 2N across a boundary; the common two-bucket
// approximation (previous window's count weighted by overlap) assumes
// requests were spread evenly over the previous window and also admits
// nearly 2N when they were not (a burst at the end of one window, then the
// weight decays while the burst is still inside the true sliding window).
// An exact sliding log keeps every admission's time: N timestamps per key.
//
// This package keeps one timestamp every q admissions, a ring of
// k = ceil(N/q) "marks": mark j is when the count reached j*q. The count at
// now-Per is at least tail*q where tail is the newest mark older than the
// window, so count - tail*q is an upper bound on the admissions in the
// window; admitting only while it is below N never lets more than N into
// any window of length Per, at any position, and a refusal happens only
// when at least N-(q-1) were admitted in the window. For N <= k the log is
// exact. Counter picks q = 1 + tol/2 where tol = max(1, N/100), so rule
// counters cost at most 8*(2+200) bytes; tables fix k per table.
//
// # Limits spanning loops: a shared window with per-loop leases
//
// Every rule is global (an API's limit, a client IP arriving on several
// connections), so each Counter has one shared window updated with CAS,
// and each loop a lease (its shard): a check that finds the lease empty
// takes up to s admissions from the shared window in one CAS, spends one
// and keeps s-1 to spend locally with no atomic at all. Leased admissions
// count at the lease's time (never later than they are spent), and each
// loop holds at most one lease, so in any window at most loops*(s-1) more
// than N are admitted, and a refusal sees at least N-(q-1)-(loops-1)*(s-1).
// NewCounter picks s so both stay within tol; small limits (a few hundred
// or less with two loops) get s = 1: exact, one CAS per admission,
// refusals read-only. We chose leases over
// a shared two-bucket window with atomic adds because the two-bucket
// estimate cannot meet the 1% bound under bursts (above), and over plain
// CAS on every check because a cache line bouncing between cores on every
// request costs more than the 40 ns budget on busy limits; leases make
// busy limits nearly free (BENCHMARKS.md "Limiter (issue 6)").
//
// # High-cardinality keys: Table
//
// Client IPs and parameter values go into one fixed-size Table shared by
// all rules: 64-bit keys (Hash, HashString, Hash64 mixed with a per-rule
// seed: no allocation, keys of different rules never meet), two-choice
// buckets of 8 ways with one relocation step, eviction of the way whose
// window closes first (lossless when that window is already empty). With 4
// marks a key costs 84 bytes of capacity: 1,000,000 keys in 84 MB
// (TestTableBudget). Approximations, all documented where they occur: an
// evicted key restarts at zero; a check in flight on a key being evicted
// or moved may be lost or charged to the key taking its place (at most one
// per loop); a rule with N > marks counts in steps of ceil(N/marks) and
// may refuse up to that many early, never late. The seed is random per
// process (table state is not persisted) so clients cannot aim keys at one
// bucket.
//
// # Several rules: TakeAll
//
// TakeAll checks a []Step in order and admits only if every step admits;
// a refusal refunds what earlier steps took, so it consumes no budget
// (refunds go back to the loop's lease, or to the shared count). Put the
// rule most likely to refuse first: then a refusal costs one check. The
// Result names the refusing step and carries what a 429 needs: Limit,
// Remaining, Reset (until an admission frees up) and RetryAfter (seconds,
// rounded up); on success, the Remaining of the tightest rule.
//
// # Cluster-wide limits: Global
//
// With several edges, a Counter or Quota may be bound to a Global
// (global.go; Registry.SetGlobals): its budget then lives in a store all
// edges share (package cluster, Redis) and one lessor goroutine per edge
// leases it into a slot per loop. The check path spends a slot token
// with one CAS on the loop's own cache line (the lessor writes the slot
// once per lease), and pokes the lessor when the slot runs low: a flag,
// and a non-blocking channel send only by the loop that sets it, so the
// channel's internal lock is taken at most once per lessor round, never
// per request; it never waits for the store. Windows are fixed and aligned to the Unix
// epoch so every edge names the same window key; the store never grants
// more than N for a window and a token is spent only in its window, so
// the cluster never admits more than N in a window. A slot has a word per
// window parity, so the lessor can lease the next window before it opens.
// While the store is down each Global follows its policy: GlobalOpen
// checks the local Counter or Quota (each edge its full limit), GlobalClosed
// refuses.
//
// # How the edge uses it
//
//   - At start: reg := NewRegistry(cfg.Loops); reg.Restore(persisted);
//     tab := NewTable(capacity, marks) once per process.
//   - At snapshot install (installTraffic): for each rule,
//     reg.Counter(stableID, Limit{N, Per}) (same id and limit: the same
//     counter, so a reload keeps its window), reg.Quota(planKeyID, max),
//     tab.Rule(ruleID, limit) for per-IP and per-parameter rules; build each
//     API's step list; after the swap, reg.Sweep().
//   - Per request (checkTraffic): copy the API's steps into the loop's
//     scratch []Step, set the table keys (rule.Key(cl.ip),
//     rule.KeyString(paramValue)), then TakeAll(steps, loop.idx,
//     s.clock.now()). Refused: 429 with Retry-After: r.RetryAfter(),
//     X-RateLimit-Limit: r.Limit, X-RateLimit-Remaining: r.Remaining,
//     X-RateLimit-Reset: r.RetryAfter().
//   - Quotas: persist reg.Snapshot(nil) every second and on graceful stop
//     (a crash loses at most a second of counts).
package limiter
