package main

import (
	"context"
	"fmt"
	"sort"
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
	CPU0BusyPct float64   `json:"cpu0_busy_pct"` // whole CPU 0, other tenants included
	CPU1BusyPct float64   `json:"cpu1_busy_pct"` // whole CPU 1 (wrk + origin + others)
	// QuietWaitSecs is how long the run waited for other tenants to calm
	// down; BusyBeforePct is the busiest CPU's load just before it started.
	QuietWaitSecs float64 `json:"quiet_wait_s"`
	BusyBeforePct float64 `json:"busy_before_pct"`
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
	Errors  int64   `json:"errors_total"` // sum over rounds, not a median
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
	var rps, p50, p99, rss, cpu, cpu1, others, perCore, load []float64
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
		if m.HS != nil && m.HS.Mode == "resumed" {
			notResumed += m.HS.OK - m.HS.Resumed
		}
	}
	r.Median = summary{
		RPS: median(rps), P50Ms: median(p50), P99Ms: median(p99),
		PeakRSSKiB: median(rss), ProxyCPUPct: median(cpu), CPU1BusyPct: median(cpu1), LoadCPUPct: median(load),
		OthersCPU0Pct: median(others), PerCore: median(perCore), Errors: errs, NotResumed: notResumed,
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

// measure warms p up, then runs the load for d while sampling the peer's
// RSS and CPU use.
func measure(ctx context.Context, e *env, o *options, p *peer, d time.Duration, load driver) (measurement, error) {
	if p.proc.Exited() {
		return measurement{}, fmt.Errorf("%s has exited: %v\n%s", p.label, p.proc.err, p.proc.logTail())
	}
	m := measurement{}
	m.QuietWaitSecs, m.BusyBeforePct = waitQuiet(ctx, o.WaitQuiet)
	if o.Warmup > 0 {
		if _, _, err := load(ctx, e, o, p, o.Warmup); err != nil {
			return measurement{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	pids := procTree(p.proc.Pid())
	m.Start = time.Now()
	cpu0 := readCPUTimes()
	ticks0 := treeTicks(pids)
	t0 := time.Now()
	s := startRSSSampler(pids, 200*time.Millisecond)
	res, hs, err := load(ctx, e, o, p, d)
	m.PeakRSSKiB = s.Stop()
	elapsed := time.Since(t0).Seconds()
	ticks1 := treeTicks(pids)
	cpu1 := readCPUTimes()
	if err != nil {
		return m, err
	}
	m.Wrk, m.HS = res, hs
	m.ProxyCPUPct = 100 * float64(ticks1-ticks0) / clkTck / elapsed
	m.CPU0BusyPct = busyPct(cpu0, cpu1, "cpu0")
	m.CPU1BusyPct = busyPct(cpu0, cpu1, "cpu1")
	return m, nil
}

// runRounds measures peers in o.Rounds rounds of d each, rotating the order
// every round (E N H, N H E, H E N, …) so that slow phases of a noisy
// machine spread over all peers.
func runRounds(ctx context.Context, e *env, o *options, section string, peers []*peer, rounds int, d time.Duration, load driver) ([]*peerResult, error) {
	out := make([]*peerResult, len(peers))
	for i, p := range peers {
		out[i] = &peerResult{Key: p.key, Label: p.label}
	}
	for r := 0; r < rounds; r++ {
		for s := range peers {
			i := (r + s) % len(peers)
			m, err := measure(ctx, e, o, peers[i], d, load)
			for try := 0; err == nil && !peers[i].sharedCPU0 && m.disturbed() && try < o.Retries; try++ {
				logf("%s round %d/%d  %-16s disturbed: other processes took %.0f%% of CPU 0 (peer %.0f%%); measuring again",
					section, r+1, rounds, peers[i].label, m.othersCPU0(), m.ProxyCPUPct)
				m.Round, m.Slot = r+1, s+1
				out[i].Discarded = append(out[i].Discarded, m)
				m, err = measure(ctx, e, o, peers[i], d, load)
			}
			if err != nil {
				return out, fmt.Errorf("%s round %d: %w", section, r+1, err)
			}
			m.Round, m.Slot = r+1, s+1
			out[i].Rounds = append(out[i].Rounds, m)
			w := m.Wrk
			warn := ""
			if w.Errors() > 0 {
				warn = fmt.Sprintf("  ERRORS %d", w.Errors())
			}
			if m.HS != nil && m.HS.Mode == "resumed" && m.HS.Resumed < m.HS.OK {
				warn += fmt.Sprintf("  NOT RESUMED %d of %d", m.HS.OK-m.HS.Resumed, m.HS.OK)
			}
			logf("%s round %d/%d  %-16s %10.0f /s  p50 %6.3f ms  p99 %6.3f ms  rss %6.1f MiB  peer cpu %3.0f%%  cpu0 %3.0f%%  cpu1 %3.0f%% (load %3.0f%%)  (waited %.1fs, %.0f%% busy before)%s",
				section, r+1, rounds, peers[i].label, w.RPS, w.P50Ms, w.P99Ms,
				float64(m.PeakRSSKiB)/1024, m.ProxyCPUPct, m.CPU0BusyPct, m.CPU1BusyPct, w.LoadCPUPct, m.QuietWaitSecs, m.BusyBeforePct, warn)
		}
	}
	for _, r := range out {
		r.summarize()
	}
	return out, nil
}
