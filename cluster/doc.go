// Package cluster makes an edge's limits and quotas cluster-wide by
// leasing their budgets from Redis (issue 14; README "Cluster-wide
// limits"). It implements limiter.GlobalSource: every limiter.Counter and
// limiter.Quota the edge creates gets a limiter.Global, whose per-loop
// slots the Lessor keeps supplied.
//
// # Leases
//
// One Lessor goroutine per edge process owns one Redis connection. It
// wakes when a loop's slot runs low (the loop pokes it) or every 5 ms,
// plans what every slot needs and sends it as one pipeline: one round
// trip carries any number of leases, never one per request. Each lease is
// one EVALSHA of leaseScript on one key: a window's key is
// "edgegate:w:<limit id>:<N>/<ms>:<window index>" and expires after two
// windows; a quota's is "edgegate:q:<limit id>" and never expires. The
// script grants min(want, remaining, max(1, floor(remaining/D))) and never
// lets the key's count exceed the limit, so the cluster never admits more
// than N per window, or more than a quota's maximum in total.
//
// # Batch sizes and the 1% bound
//
// Over-admission is impossible (above). Under-admission is the tokens
// still parked in slots when a window closes. Three rules keep it within
// max(1, N/100):
//   - want follows the slot's own demand (admissions plus misses, EWMA)
//     for 25 ms, capped at N/10; a slot asks again at want/2;
//   - the script caps a grant at remaining/D, D = 2 x loops x edges (edges
//     counted from a heartbeat sorted set, "edgegate:edges"), so as a
//     budget runs out the batches shrink to 1: small limits (N <= D) are
//     leased one token at a time from the start;
//   - once Redis reports a window dry, a slot idle for 4 rounds (20 ms)
//     gives its tokens back, and slots still in demand retry each round.
//
// Busy slots spend what they hold, so the remaining error is the traffic
// that stops mid-window on a slot that still holds a few tokens. The e2e
// test (e2e/cluster_redis_test.go) measures 100 +/- 0 per second across
// three edges under 70/15/15 load.
//
// # No round trip on the request path
//
// A loop whose slot is empty takes from the edge's pool (a Global slot
// any loop may CAS, kept leased for every limit used in the last minute,
// every quota, and every new limit), and failing that admits on credit:
// after each reply the lessor allows (remaining - limit/2) / (8 x edges)
// more credit admissions for that window than it has charged so far, and
// charges new ones with the next round (the script counts them even past
// the limit). A window this edge has no reply for (a limit idle for over
// a minute) allows max(1, 1%/edges) per edge, so all edges' cold credit
// stays within the tolerance. So a burst is refused only once Redis says
// half the budget is gone and the loop's lease has not arrived yet. Right
// after an edge starts or a snapshot adds a quota, a quota refuses until its
// first lease (a few ms: the lessor is woken by Attach).
//
// # Windows and clocks
//
// Windows are fixed, aligned to the Unix epoch, so every edge computes
// the same key (with the edges' clocks in sync by NTP, a skew of a few ms
// moves a few admissions between adjacent windows, never above N in
// either). A fixed window can admit up to 2N across a boundary in a
// sliding sense; without Redis the local limiter is sliding.
//
// # Redis down
//
// A failed dial or round trip (timeout --redis-timeout, 500 ms) switches
// every Global to its Policy: open (the edge's local Counter or Quota
// decides: each edge enforces the full limit alone) or closed (refused
// with the limit's own 429 code). Default: rate limits open, quotas
// closed (DefaultPolicy). The lessor redials with backoff (50 ms doubling
// to 2 s) and switches back on the first successful round: no restart.
// Tokens held when Redis goes down are taken back and returned when it is
// back, unless Redis lost its data: each data set has an epoch
// ("edgegate:epoch", SET NX on connect), and tokens of an old epoch are
// dropped. A Redis that lost its data restarts each window count at zero
// and each quota at the count the first edge to lease it last saw (the
// script's floor).
//
// # Why our own RESP client
//
// The lessor needs five commands (EVALSHA, SCRIPT LOAD, AUTH, SELECT,
// ZADD/ZCARD) pipelined from one goroutine with a deadline per round
// trip: about 150 lines (resp.go). go-redis and rueidis bring a pool,
// cluster topology and RESP3 machinery we would not use, and a larger
// dependency tree into the data plane; we chose the small client. It
// talks to one Redis primary, at an address or as Sentinel names it
// (sentinel.go: the Sentinel client spec, asked again every heartbeat);
// it does not follow Redis Cluster redirections (MOVED).
package cluster
