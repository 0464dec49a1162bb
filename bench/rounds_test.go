package main

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A run is cut into whole-second slices no shorter than minSlice, the
// spare seconds going to the first ones; -slices 1 keeps it whole.
func TestSliceLens(t *testing.T) {
	s := time.Second
	for _, c := range []struct {
		slices int
		d      time.Duration
		want   []time.Duration
	}{
		{5, 10 * s, []time.Duration{2 * s, 2 * s, 2 * s, 2 * s, 2 * s}},
		{3, 10 * s, []time.Duration{4 * s, 3 * s, 3 * s}},
		{5, 3 * s, []time.Duration{3 * s}},
		{5, 7 * s, []time.Duration{3 * s, 2 * s, 2 * s}},
		{1, 10 * s, []time.Duration{10 * s}},
		{5, 20 * s, []time.Duration{4 * s, 4 * s, 4 * s, 4 * s, 4 * s}},
	} {
		o := &options{Slices: c.slices}
		if got := sliceLens(o, c.d); !reflect.DeepEqual(got, c.want) {
			t.Errorf("-slices %d, %s: %v, want %v", c.slices, c.d, got, c.want)
		}
	}
	if got := lensText([]time.Duration{4 * s, 3 * s}); got != "4s, 3s" {
		t.Errorf("lensText %q", got)
	}
	if _, err := parseFlags([]string{"-slices", "0"}); err == nil {
		t.Error("-slices 0 accepted")
	}
}

// A round's measurement is totals over totals: a slow slice with few
// requests weighs by its time, not as one of two equal rates.
func TestMergeSlices(t *testing.T) {
	a := measurement{
		Wrk:        wrkResult{Requests: 100_000, Seconds: 2, RPS: 50_000, LatAvgMs: 1, LatMaxMs: 9, P50Ms: 1, P99Ms: 3, ErrRead: 1, LoadCPUPct: 90},
		PeakRSSKiB: 100, WallSecs: 2, ProxyCPUPct: 100, ProxyUserPct: 30, CPU0BusyPct: 100, CPU1BusyPct: 90,
	}
	b := measurement{
		Wrk:        wrkResult{Requests: 20_000, Seconds: 2, RPS: 10_000, LatAvgMs: 6, LatMaxMs: 20, P50Ms: 5, P99Ms: 9, Non2xx3xx: 2, LoadCPUPct: 50},
		PeakRSSKiB: 300, WallSecs: 2, ProxyCPUPct: 50, ProxyUserPct: 10, CPU0BusyPct: 80, CPU1BusyPct: 50,
	}
	c := measurement{
		Wrk:        wrkResult{Requests: 60_000, Seconds: 2, RPS: 30_000, LatAvgMs: 2, LatMaxMs: 5, P50Ms: 2, P99Ms: 4, LoadCPUPct: 70},
		PeakRSSKiB: 200, WallSecs: 2, ProxyCPUPct: 60, ProxyUserPct: 20, CPU0BusyPct: 60, CPU1BusyPct: 70,
	}
	m := merge([]measurement{a, b, c})
	w := m.Wrk
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	if w.Requests != 180_000 || !near(w.Seconds, 6) || !near(w.RPS, 30_000) {
		t.Errorf("requests %d in %.1f s = %.0f /s, want 180000 in 6 s = 30000 /s", w.Requests, w.Seconds, w.RPS)
	}
	if !near(m.ProxyCPUPct, 70) || !near(m.CPU0BusyPct, 80) || !near(m.CPU1BusyPct, 70) || !near(m.WallSecs, 6) {
		t.Errorf("cpu %.1f cpu0 %.1f cpu1 %.1f wall %.1f, want 70 80 70 6", m.ProxyCPUPct, m.CPU0BusyPct, m.CPU1BusyPct, m.WallSecs)
	}
	// per core: 180,000 requests over 6 s at 70% of a core.
	if !near(m.perCore(), 30_000/0.7) {
		t.Errorf("per core %.0f", m.perCore())
	}
	// user 20% of a core (30, 10, 20 over equal walls), kernel 50%: per
	// request at 30,000/s, 1e6 × 0.2 / 30,000 and 1e6 × 0.5 / 30,000 µs.
	if u, k, ok := m.perReqUs(); !ok || !near(u, 1e6*0.2/30_000) || !near(k, 1e6*0.5/30_000) {
		t.Errorf("per request user %.3f kernel %.3f µs (%v)", u, k, ok)
	}
	if w.Errors() != 3 || m.PeakRSSKiB != 300 || w.LatMaxMs != 20 || w.P50Ms != 2 || w.P99Ms != 4 || !near(w.LoadCPUPct, 70) {
		t.Errorf("errors %d rss %d max %.0f p50 %.0f p99 %.0f load %.0f", w.Errors(), m.PeakRSSKiB, w.LatMaxMs, w.P50Ms, w.P99Ms, w.LoadCPUPct)
	}
	if want := (1*100_000 + 6*20_000 + 2*60_000) / 180_000.0; !near(w.LatAvgMs, want) {
		t.Errorf("average latency %.3f, want %.3f", w.LatAvgMs, want)
	}
	if len(m.Slices) != 3 || m.Slices[1].Requests != 20_000 || m.Slices[1].ProxyCPUPct != 50 {
		t.Errorf("slices %+v", m.Slices)
	}
	if one := merge([]measurement{a}); !reflect.DeepEqual(one, a) {
		t.Errorf("one slice changed: %+v", one)
	}
}

// Handshake figures merge the same way: counts summed, the rate over the
// summed seconds.
func TestMergeHandshakes(t *testing.T) {
	h := func(ok, resumed int64, p99 float64) *hsStats {
		return &hsStats{Mode: "resumed", Seconds: 2, OK: ok, Resumed: resumed, PerSec: float64(ok) / 2, P99Ms: p99, Cipher: "TLS_AES_128_GCM_SHA256"}
	}
	m := merge([]measurement{{HS: h(1000, 1000, 3), WallSecs: 2}, {HS: h(3000, 2990, 5), WallSecs: 2}})
	if m.HS.OK != 4000 || m.HS.Resumed != 3990 || m.HS.PerSec != 1000 || m.HS.Cipher == "" || m.HS.P99Ms != 4 {
		t.Errorf("%+v", m.HS)
	}
}

// A cycle is measured again when any peer's slice was disturbed, except
// by a peer that uses both CPUs by design.
func TestDisturbedIn(t *testing.T) {
	quiet := measurement{CPU0BusyPct: 100, ProxyCPUPct: 95}
	noisy := measurement{CPU0BusyPct: 90, ProxyCPUPct: 60}
	one, two := &peer{}, &peer{sharedCPU0: true}
	if got := disturbedIn([]*peer{one, one}, []measurement{quiet, noisy}); got != 1 {
		t.Errorf("second slice disturbed: got %d", got)
	}
	if got := disturbedIn([]*peer{one, two}, []measurement{quiet, noisy}); got != -1 {
		t.Errorf("the shared-CPU peer counted as disturbed: %d", got)
	}
}

// The user/kernel table: medians per peer, and the ceiling is the peer's
// CPU per request over Edgegate's kernel time alone.
func TestCPUSplitTable(t *testing.T) {
	round := func(rps, cpu, user float64) measurement {
		return measurement{Wrk: wrkResult{RPS: rps}, ProxyCPUPct: cpu, ProxyUserPct: user}
	}
	e := &peerResult{Key: "edgegate", Label: "Edgegate", Rounds: []measurement{round(50_000, 60, 15), round(40_000, 60, 15), round(60_000, 60, 15)}}
	n := &peerResult{Key: "nginx", Label: "nginx", Rounds: []measurement{round(50_000, 100, 40)}}
	e.summarize()
	n.summarize()
	// Edgegate: median of 3, 3.75 and 2.5 µs user is 3; of 9, 11.25, 7.5 kernel is 9.
	if e.Median.UserUs != 3 || e.Median.KernelUs != 9 {
		t.Fatalf("Edgegate medians user %.3f kernel %.3f, want 3 and 9", e.Median.UserUs, e.Median.KernelUs)
	}
	var b strings.Builder
	cpuSplitTable(&b, []*peerResult{e, n}, "edgegate")
	// nginx: 8 µs user + 12 kernel = 20 µs; 20/12 = 1.67× now, 20/9 = 2.22× at most.
	for _, want := range []string{"| Edgegate | 12.00 µs | 3.00 µs | 9.00 µs | 75% | – | – |", "| nginx | 20.00 µs | 8.00 µs | 12.00 µs | 60% | 1.67× | 2.22× |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
