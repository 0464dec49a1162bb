package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// measurement is one measured wrk run against one peer.
type measurement struct {
	Round       int       `json:"round"`
	Slot        int       `json:"slot"` // position in the round's rotated order
	Start       time.Time `json:"start"`
	Wrk         wrkResult `json:"wrk"` // from wrk, or the handshake generator's figures in wrk's terms
	HS          *hsStats  `json:"handshakes,omitempty"`
	PeakRSSKiB  int64     `json:"peak_rss_kib"`
	ProxyCPUPct float64   `json:"proxy_cpu_pct"` // CPU the peer's processes used (100 = one core)
	// ProxyUserPct is the part of ProxyCPUPct spent in user mode (utime);
	// the rest is the kernel's work for the peer (stime).
	ProxyUserPct float64 `json:"proxy_user_pct"`
	CPU0BusyPct  float64 `json:"cpu0_busy_pct"` // whole CPU 0, other tenants included
	CPU1BusyPct  float64 `json:"cpu1_busy_pct"` // whole CPU 1 (wrk + origin + others)
	// QuietWaitSecs is how long the run waited for other tenants to calm
	// down; BusyBeforePct is the busiest CPU's load just before it started.
	QuietWaitSecs float64 `json:"quiet_wait_s"`
	BusyBeforePct float64 `json:"busy_before_pct"`
	WallSecs      float64 `json:"wall_s"` // wall time the CPU shares are over
	// Slices are the round's slices (-slices), when it had more than one.
	Slices []slice `json:"slices,omitempty"`
}

// slice is one slice of a measured round, as latest.json keeps it (its
// rate is Requests / Seconds).
type slice struct {
	Start       time.Time `json:"start"`
	Seconds     float64   `json:"seconds"`
	Requests    int64     `json:"requests"`
	ProxyCPUPct float64   `json:"proxy_cpu_pct"`
	CPU0BusyPct float64   `json:"cpu0_busy_pct"`
}

// quietBusyPct is the load of the busiest CPU below which the machine
// counts as quiet enough to start a measurement.
const quietBusyPct = 15

// waitQuiet waits, at most limit, until neither CPU is more than
// quietBusyPct busy (sampled over 500 ms), so that runs start when other
// tenants of a shared machine are idle. It returns the time waited and the
// last sample.
func waitQuiet(ctx context.Context, limit time.Duration) (float64, float64) {
	if limit <= 0 {
		return 0, 0
	}
	start := time.Now()
	for {
		a := readCPUTimes()
		select {
		case <-ctx.Done():
			return time.Since(start).Seconds(), 0
		case <-time.After(500 * time.Millisecond):
		}
		b := readCPUTimes()
		busy := max(busyPct(a, b, "cpu0"), busyPct(a, b, "cpu1"))
		if busy <= quietBusyPct || time.Since(start) >= limit {
			return time.Since(start).Seconds(), busy
		}
	}
}

// summary holds the medians over a peer's rounds.
type summary struct {
	RPS         float64 `json:"rps"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	PeakRSSKiB  float64 `json:"peak_rss_kib"`
	ProxyCPUPct float64 `json:"proxy_cpu_pct"`
	CPU1BusyPct float64 `json:"cpu1_busy_pct"`
	LoadCPUPct  float64 `json:"load_cpu_pct"` // wrk or the handshake generator alone
	// OthersCPU0Pct is CPU 0 time used by anything but the peer: noise.
	OthersCPU0Pct float64 `json:"others_cpu0_pct"`
	// PerCore is RPS per core of the peer: req/s ÷ (peer CPU / 100),
	// the median over rounds of each round's quotient.
	PerCore float64 `json:"per_core"`
	// UserUs and KernelUs are the peer's CPU time per request in user
	// mode and in the kernel (µs; medians of each round's quotients).
	UserUs   float64 `json:"user_us_per_request"`
	KernelUs float64 `json:"kernel_us_per_request"`
	Errors   int64   `json:"errors_total"` // sum over rounds, not a median
	// NotResumed counts connections of a resumption test that the server
	// answered with a full handshake (sum over rounds).
	NotResumed int64 `json:"not_resumed,omitempty"`
}

// peerResult is one peer's raw rounds and their medians.
type peerResult struct {
	Key    string        `json:"key"`
	Label  string        `json:"label"`
	Rounds []measurement `json:"rounds"`
	Median summary       `json:"median"`
	// Discarded are runs measured again because other processes took
	// more than disturbedPct of CPU 0 during them (-retries).
	Discarded []measurement `json:"discarded,omitempty"`
}

// disturbedPct is the share of CPU 0 other processes may take during a
// measured run before it is measured again: the peer then competes for
// its core and its caches, which the per-core figure does not correct.
const disturbedPct = 15

// othersCPU0 is the share of CPU 0 that processes other than the peer
// took during m.
func (m *measurement) othersCPU0() float64 { return max(0, m.CPU0BusyPct-m.ProxyCPUPct) }

// disturbed reports whether other processes took more than disturbedPct
// of CPU 0 during m.
func (m *measurement) disturbed() bool { return m.othersCPU0() > disturbedPct }

// perReqUs is the peer's user and kernel CPU time per request in m (µs;
// ok false when not measured).
func (m *measurement) perReqUs() (user, kernel float64, ok bool) {
	if m.ProxyCPUPct <= 0 || m.Wrk.RPS <= 0 {
		return 0, 0, false
	}
	us := func(pct float64) float64 { return 1e6 * pct / 100 / m.Wrk.RPS }
	return us(m.ProxyUserPct), us(m.ProxyCPUPct - m.ProxyUserPct), true
}

// perCore is the round's rate over the peer's share of its CPU (0 when
// the share was not measured).
func (m *measurement) perCore() float64 {
	if m.ProxyCPUPct <= 0 {
		return 0
	}
	return m.Wrk.RPS / (m.ProxyCPUPct / 100)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func (r *peerResult) summarize() {
	var rps, p50, p99, rss, cpu, cpu1, others, perCore, load, userUs, kernelUs []float64
	var errs, notResumed int64
	for _, m := range r.Rounds {
		rps = append(rps, m.Wrk.RPS)
		p50 = append(p50, m.Wrk.P50Ms)
		p99 = append(p99, m.Wrk.P99Ms)
		rss = append(rss, float64(m.PeakRSSKiB))
		cpu = append(cpu, m.ProxyCPUPct)
		cpu1 = append(cpu1, m.CPU1BusyPct)
		load = append(load, m.Wrk.LoadCPUPct)
		others = append(others, m.othersCPU0())
		errs += m.Wrk.Errors()
		if pc := m.perCore(); pc > 0 {
			perCore = append(perCore, pc)
		}
		if u, k, ok := m.perReqUs(); ok {
			userUs, kernelUs = append(userUs, u), append(kernelUs, k)
		}
		if m.HS != nil && m.HS.Mode == "resumed" {
			notResumed += m.HS.OK - m.HS.Resumed
		}
	}
	r.Median = summary{
		RPS: median(rps), P50Ms: median(p50), P99Ms: median(p99),
		PeakRSSKiB: median(rss), ProxyCPUPct: median(cpu), CPU1BusyPct: median(cpu1), LoadCPUPct: median(load),
		OthersCPU0Pct: median(others), PerCore: median(perCore), UserUs: median(userUs), KernelUs: median(kernelUs),
		Errors: errs, NotResumed: notResumed,
	}
}

// driver is the load of a section: wrk, or the handshake generator.
type driver func(ctx context.Context, e *env, o *options, p *peer, d time.Duration) (wrkResult, *hsStats, error)

// wrkLoad is wrk with o.Conns keep-alive connections.
func wrkLoad(ctx context.Context, e *env, o *options, p *peer, d time.Duration) (wrkResult, *hsStats, error) {
	r, _, err := runWrk(ctx, e.tools["wrk"], p, o.Conns, d)
	return r, nil, err
}

// handshakeLoad is the handshake generator in mode full or resumed; its
// figures are put in wrk's terms (a connection is a request) so the
// tables and medians are the same; the generator's own stay beside them.
func handshakeLoad(mode string) driver {
	return func(ctx context.Context, e *env, o *options, p *peer, d time.Duration) (wrkResult, *hsStats, error) {
		s, err := runHsLoadProc(ctx, e, p, mode, o.HSConns, d)
		if err != nil {
			return wrkResult{}, nil, err
		}
		r := wrkResult{Requests: s.OK, Seconds: s.Seconds, RPS: s.PerSec, P50Ms: s.P50Ms, P99Ms: s.P99Ms, ErrRead: s.Errors, LoadCPUPct: s.LoadCPUPct}
		return r, &s, nil
	}
}

// measureOnce runs the load on p for d while sampling the peer's RSS and
// CPU use: one slice of a round.
func measureOnce(ctx context.Context, e *env, o *options, p *peer, d time.Duration, load driver) (measurement, error) {
	if p.proc.Exited() {
		return measurement{}, fmt.Errorf("%s has exited: %v\n%s", p.label, p.proc.err, p.proc.logTail())
	}
	m := measurement{}
	pids := procTree(p.proc.Pid())
	m.Start = time.Now()
	cpu0 := readCPUTimes()
	ticks0, user0 := treeTimes(pids)
	t0 := time.Now()
	s := startRSSSampler(pids, 200*time.Millisecond)
	res, hs, err := load(ctx, e, o, p, d)
	m.PeakRSSKiB = s.Stop()
	m.WallSecs = time.Since(t0).Seconds()
	ticks1, user1 := treeTimes(pids)
	cpu1 := readCPUTimes()
	if err != nil {
		return m, err
	}
	m.Wrk, m.HS = res, hs
	m.ProxyCPUPct = 100 * float64(ticks1-ticks0) / clkTck / m.WallSecs
	m.ProxyUserPct = 100 * float64(user1-user0) / clkTck / m.WallSecs
	m.CPU0BusyPct = busyPct(cpu0, cpu1, "cpu0")
	m.CPU1BusyPct = busyPct(cpu0, cpu1, "cpu1")
	return m, nil
}

// minSlice is the shortest slice a run is cut into (wrk counts whole
// seconds, and each run opens its connections afresh).
const minSlice = 2 * time.Second

// sliceLens cuts a run of d into o.Slices slices of whole seconds, none
// shorter than minSlice (fewer slices if d is short), the spare seconds
// going to the first ones.
func sliceLens(o *options, d time.Duration) []time.Duration {
	secs := max(1, int(d/time.Second))
	n := max(1, min(o.Slices, int(d/minSlice)))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(secs/n) * time.Second
		if i < secs%n {
			out[i] += time.Second
		}
	}
	return out
}

// merge makes one round's measurement of a peer from its slices: requests,
// errors, seconds and CPU time summed (so the rates are totals over
// totals), peak RSS the highest, latency percentiles the median of the
// slices' (wrk reports percentiles, not histograms), the average latency
// weighted by requests and the maximum the highest.
func merge(ms []measurement) measurement {
	if len(ms) == 1 {
		return ms[0]
	}
	out := measurement{Start: ms[0].Start}
	var wall, proxyCPU, proxyUser, cpu0, cpu1, load float64
	var p50, p75, p90, p99, hsP50, hsP99 []float64
	w := &out.Wrk
	for i := range ms {
		m := &ms[i]
		r := m.Wrk
		w.Requests += r.Requests
		w.Seconds += r.Seconds
		w.LatAvgMs += r.LatAvgMs * float64(r.Requests)
		w.LatMaxMs = max(w.LatMaxMs, r.LatMaxMs)
		w.ErrConnect += r.ErrConnect
		w.ErrRead += r.ErrRead
		w.ErrWrite += r.ErrWrite
		w.ErrTimeout += r.ErrTimeout
		w.Non2xx3xx += r.Non2xx3xx
		p50, p75, p90, p99 = append(p50, r.P50Ms), append(p75, r.P75Ms), append(p90, r.P90Ms), append(p99, r.P99Ms)
		out.PeakRSSKiB = max(out.PeakRSSKiB, m.PeakRSSKiB)
		wall += m.WallSecs
		proxyCPU += m.ProxyCPUPct * m.WallSecs
		proxyUser += m.ProxyUserPct * m.WallSecs
		cpu0 += m.CPU0BusyPct * m.WallSecs
		cpu1 += m.CPU1BusyPct * m.WallSecs
		load += r.LoadCPUPct * r.Seconds
		if h := m.HS; h != nil {
			if out.HS == nil {
				c := *h
				c.Seconds, c.OK, c.Resumed, c.Errors, c.Tickets = 0, 0, 0, 0, 0
				out.HS = &c
			}
			out.HS.Seconds += h.Seconds
			out.HS.OK += h.OK
			out.HS.Resumed += h.Resumed
			out.HS.Errors += h.Errors
			out.HS.Tickets += h.Tickets
			if out.HS.FirstErr == "" {
				out.HS.FirstErr = h.FirstErr
			}
			hsP50, hsP99 = append(hsP50, h.P50Ms), append(hsP99, h.P99Ms)
		}
		out.Slices = append(out.Slices, sliceOf(m))
	}
	if w.Requests > 0 {
		w.LatAvgMs /= float64(w.Requests)
	}
	if w.Seconds > 0 {
		w.RPS = float64(w.Requests) / w.Seconds
		w.LoadCPUPct = load / w.Seconds
	}
	w.P50Ms, w.P75Ms, w.P90Ms, w.P99Ms = median(p50), median(p75), median(p90), median(p99)
	// TransferSec is wrk's text for one run: not summable, left empty.
	if out.HS != nil {
		if out.HS.Seconds > 0 {
			out.HS.PerSec = float64(out.HS.OK) / out.HS.Seconds
		}
		out.HS.P50Ms, out.HS.P99Ms = median(hsP50), median(hsP99)
		out.HS.LoadCPUPct = w.LoadCPUPct
	}
	out.WallSecs = wall
	if wall > 0 {
		out.ProxyCPUPct, out.CPU0BusyPct, out.CPU1BusyPct = proxyCPU/wall, cpu0/wall, cpu1/wall
		out.ProxyUserPct = proxyUser / wall
	}
	return out
}

// sliceOf is what latest.json keeps of one slice.
func sliceOf(m *measurement) slice {
	return slice{Start: m.Start, Seconds: m.Wrk.Seconds, Requests: m.Wrk.Requests,
		ProxyCPUPct: m.ProxyCPUPct, CPU0BusyPct: m.CPU0BusyPct}
}

// runRounds measures peers in rounds of d each, rotating the order every
// round (E N H, N H E, H E N, …). Within a round each peer's d is cut into
// slices (-slices) run in cycles, every peer once per cycle, the order
// rotated every cycle too (E N H, N H E, …); a peer's round is the sum of
// its slices. Peers compared by a ratio thus share the same stretches of
// a noisy machine, seconds apart rather than tens of seconds.
//
// A cycle in which other processes took more than disturbedPct of CPU 0
// during any peer's slice is measured again, every peer's slice, up to
// o.Retries times (pairs stay pairs); the discarded slices are kept.
func runRounds(ctx context.Context, e *env, o *options, section string, peers []*peer, rounds int, d time.Duration, load driver) ([]*peerResult, error) {
	n := len(peers)
	out := make([]*peerResult, n)
	for i, p := range peers {
		out[i] = &peerResult{Key: p.key, Label: p.label}
	}
	lens := sliceLens(o, d)
	// The quiet wait is per cycle now: the bound is shared out so that a
	// round waits no longer than one run per peer used to.
	quiet := o.WaitQuiet * time.Duration(n) / time.Duration(len(lens))
	for r := 0; r < rounds; r++ {
		if o.Warmup > 0 {
			for s := range peers {
				p := peers[(r+s)%n]
				if _, _, err := load(ctx, e, o, p, o.Warmup); err != nil {
					return out, fmt.Errorf("%s round %d: %s warm-up: %w", section, r+1, p.label, err)
				}
			}
		}
		got := make([][]measurement, n)
		var waited, busyBefore float64
		for c, dc := range lens {
			for try := 0; ; try++ {
				w, b := waitQuiet(ctx, quiet)
				waited, busyBefore = waited+w, max(busyBefore, b)
				cyc, err := runCycle(ctx, e, o, peers, r, c, dc, load)
				if err != nil {
					return out, fmt.Errorf("%s round %d: %w", section, r+1, err)
				}
				bad := disturbedIn(peers, cyc)
				if bad < 0 || try >= o.Retries {
					for i := range cyc {
						got[i] = append(got[i], cyc[i])
					}
					break
				}
				logf("%s round %d/%d  slice %d/%d disturbed: other processes took %.0f%% of CPU 0 during %s's (peer %.0f%%); measuring every peer's slice again",
					section, r+1, rounds, c+1, len(lens), cyc[bad].othersCPU0(), peers[bad].label, cyc[bad].ProxyCPUPct)
				for i := range cyc {
					out[i].Discarded = append(out[i].Discarded, cyc[i])
				}
			}
		}
		for s := range peers {
			i := (r + s) % n
			m := merge(got[i])
			m.Round, m.Slot = r+1, s+1
			m.QuietWaitSecs, m.BusyBeforePct = waited, busyBefore
			out[i].Rounds = append(out[i].Rounds, m)
			w := m.Wrk
			warn := ""
			if w.Errors() > 0 {
				warn = fmt.Sprintf("  ERRORS %d", w.Errors())
			}
			if m.HS != nil && m.HS.Mode == "resumed" && m.HS.Resumed < m.HS.OK {
				warn += fmt.Sprintf("  NOT RESUMED %d of %d", m.HS.OK-m.HS.Resumed, m.HS.OK)
			}
			logf("%s round %d/%d  %-16s %10.0f /s  p50 %6.3f ms  p99 %6.3f ms  rss %6.1f MiB  peer cpu %3.0f%%  cpu0 %3.0f%%  cpu1 %3.0f%% (load %3.0f%%)  %d slice(s)  (waited %.1fs, %.0f%% busy before)%s",
				section, r+1, rounds, peers[i].label, w.RPS, w.P50Ms, w.P99Ms,
				float64(m.PeakRSSKiB)/1024, m.ProxyCPUPct, m.CPU0BusyPct, m.CPU1BusyPct, w.LoadCPUPct, len(got[i]), m.QuietWaitSecs, m.BusyBeforePct, warn)
		}
	}
	for _, r := range out {
		r.summarize()
	}
	return out, nil
}

// runCycle runs one slice of length d on every peer, in round r's order
// rotated by cycle c; the slices come back indexed like peers.
func runCycle(ctx context.Context, e *env, o *options, peers []*peer, r, c int, d time.Duration, load driver) ([]measurement, error) {
	n := len(peers)
	cyc := make([]measurement, n)
	for s := range peers {
		i := (r + c + s) % n
		m, err := measureOnce(ctx, e, o, peers[i], d, load)
		if err != nil {
			return nil, err
		}
		m.Round, m.Slot = r+1, s+1
		cyc[i] = m
	}
	return cyc, nil
}

// disturbedIn is the first peer whose slice of a cycle was disturbed, or
// -1 (a peer that uses CPU 0 and 1 by design never is).
func disturbedIn(peers []*peer, cyc []measurement) int {
	for i, m := range cyc {
		if !peers[i].sharedCPU0 && m.disturbed() {
			return i
		}
	}
	return -1
}

// lensText is slice lengths for the report: "5 × 2s", or "4s, 3s, 3s".
func lensText(lens []time.Duration) string {
	if lens[0] == lens[len(lens)-1] {
		return fmt.Sprintf("%d × %s", len(lens), lens[0])
	}
	parts := make([]string, len(lens))
	for i, l := range lens {
		parts[i] = l.String()
	}
	return strings.Join(parts, ", ")
}
