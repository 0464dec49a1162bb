package edge

import "github.com/edgegate/edgegate/auth"

// This file is the contract between the edge's counting (issue 13, helper
// "edgeobs": per-loop blocks, summed here at read time) and the /metrics
// exposition (package metrics, helper "metrics"). The types and method
// signatures are fixed; the bodies are filled by the counting work.
// Label values come from configuration only (ids, environment names, rule
// and code names), never from caller input, so cardinality is bounded by
// what operators publish.

// LatencyBounds are the histogram bucket upper bounds, in seconds, of the
// latency histograms (le labels; +Inf is implied).
var LatencyBounds = [...]float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Histogram is a latency distribution summed over the loops.
type Histogram struct {
	// Buckets[i] counts observations <= LatencyBounds[i] that are above the
	// previous bound (not cumulative); Buckets[len(LatencyBounds)] those
	// above the last bound.
	Buckets [len(LatencyBounds) + 1]uint64
	Count   uint64
	Sum     float64 // seconds
}

// APIKey names one per-API series: a published API in one environment.
type APIKey struct {
	ServiceId   string //nolint:revive // the seed's wire names
	Environment string
	ApiId       string //nolint:revive
}

// APIStats is one API's counts in one environment, summed over the loops,
// after the seed's monitoring catalogue (seed 000, 监控指标): 请求数,
// 有效调用次数, traffic, 响应时间, 前台错误数, 后台错误数, 后台404/502错误数,
// 并发连接数.
type APIStats struct {
	APIKey
	Requests       uint64 // requests routed to this API (any outcome)
	Valid          uint64 // forwarded to the backend (passed every gateway check)
	RequestBytes   uint64 // bytes read from callers: head and body
	ResponseBytes  uint64 // bytes written to callers: head and body
	FrontendErrors uint64 // refused by the gateway's checks (IP control, auth, limits): 4xx
	BackendErrors  uint64 // 5xx answers: from the backend or made for it (502/504)
	Backend404     uint64 // backend answered 404
	Backend502     uint64 // 502: backend unreachable or invalid response
	// Responses by status class: index 1..5 for 1xx..5xx (0 unused).
	Responses [6]uint64
	Latency   Histogram // head received -> response end, gateway total
	Backend   Histogram // request sent -> response head from the backend
	Active    int64     // requests in flight on this API now
}

// EachAPI calls fn with every per-API series that has counted anything
// since the process started. A series outlives the API's removal from the
// published configuration until the process restarts (a counter must not
// go backwards while Prometheus scrapes it). fn must not keep the pointer.
func (s *Server) EachAPI(fn func(*APIStats)) {
	s.obs.mu.Lock()
	keys := s.obs.apiKey[:len(s.obs.apiKey):len(s.obs.apiKey)]
	s.obs.mu.Unlock()
	loops := *s.loops.Load()
	var st APIStats
	for i, k := range keys {
		st = APIStats{APIKey: k}
		var routed uint64
		for _, l := range loops {
			c := l.obs.apis.get(i)
			if c == nil {
				continue
			}
			// Finished before routed: a request is never seen finished
			// and not routed, so Active stays >= 0.
			c.lat.read(&st.Latency)
			c.backend.read(&st.Backend)
			routed += c.routed.Load()
			st.Valid += c.valid.Load()
			st.RequestBytes += c.in.Load()
			st.ResponseBytes += c.out.Load()
			st.FrontendErrors += c.frontend.Load()
			st.Backend404 += c.b404.Load()
			st.Backend502 += c.b502.Load()
			for j := range c.resp {
				st.Responses[j] += c.resp[j].Load()
			}
		}
		st.Requests = st.Latency.Count
		st.BackendErrors = st.Responses[5]
		st.Active = int64(routed - st.Requests)
		if routed == 0 {
			continue
		}
		fn(&st)
	}
}

// EachAuthFailure calls fn with each authentication refusal code (auth.Code
// names, README "Error codes") and how often it was answered.
func (s *Server) EachAuthFailure(fn func(code string, n uint64)) {
	var t [numAuthCodes]uint64
	for _, l := range *s.loops.Load() {
		for c := range t {
			t[c] += l.obs.auth[c].Load()
		}
	}
	for c, n := range t {
		if n > 0 {
			fn(auth.Code(c).String(), n)
		}
	}
}

// EachLimitRefusal calls fn with each limit rule that refused requests: the
// limiter's stable code (the 429's code) and the rule's configured name
// (strategy, plugin or usage plan id), and how many it refused.
func (s *Server) EachLimitRefusal(fn func(code, rule string, n uint64)) {
	s.obs.mu.Lock()
	keys := s.obs.limKey[:len(s.obs.limKey):len(s.obs.limKey)]
	s.obs.mu.Unlock()
	loops := *s.loops.Load()
	for i, k := range keys {
		var n uint64
		for _, l := range loops {
			if c := l.obs.limits.get(i); c != nil {
				n += c.Load()
			}
		}
		if n > 0 {
			fn(k.code, k.rule, n)
		}
	}
}

// TargetStats is one backend address as the edge sees it.
type TargetStats struct {
	Address string // host:port (scheme-less; https backends included)
	Healthy bool   // the health checks' last judgement (true when unchecked)
	Checked bool   // a health check is configured for it
	Dials   uint64 // upstream connections opened
	Reused  uint64 // requests sent on a pooled connection
	Idle    int64  // pooled idle connections now
}

// EachTarget calls fn with every backend address of the installed snapshot.
func (s *Server) EachTarget(fn func(*TargetStats)) {
	rt := s.rt.Load()
	now := s.clk.preciseNow()
	loops := *s.loops.Load()
	// Targets that share an address (different health settings) are one
	// address: healthy when all are, checked when any is.
	seen := make(map[int32]*TargetStats, len(rt.targets))
	var order []*TargetStats
	for _, t := range rt.targets {
		ts := seen[t.obsAddr]
		if ts == nil {
			ts = &TargetStats{Address: t.addr, Healthy: true}
			for _, l := range loops {
				if c := l.obs.addrs.get(int(t.obsAddr)); c != nil {
					ts.Dials += c.dials.Load()
					ts.Reused += c.reused.Load()
					ts.Idle += c.idle.Load()
				}
			}
			seen[t.obsAddr] = ts
			order = append(order, ts)
		}
		ts.Healthy = ts.Healthy && t.available(now)
		ts.Checked = ts.Checked || t.h.CheckPath != ""
	}
	for _, ts := range order {
		fn(ts)
	}
}
