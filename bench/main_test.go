package main

import (
	"strings"
	"testing"
)

// -only selects one part; the full run has all four, and a partial run
// writes nothing unless asked.
func TestOnlySelectsParts(t *testing.T) {
	for _, c := range []struct {
		args                         []string
		plain, https, gzip, obs, sys bool
		write                        bool
	}{
		{nil, true, true, true, true, true, true},
		{[]string{"-only", "plain"}, true, false, false, false, false, false},
		{[]string{"-only", "https"}, false, true, false, false, false, false},
		{[]string{"-only", "gzip"}, false, false, true, false, false, false},
		{[]string{"-only", "gzip", "-write"}, false, false, true, false, false, true},
		{[]string{"-only", "obs"}, false, false, false, true, false, false},
		{[]string{"-only", "syscalls"}, false, false, false, false, true, false},
		{[]string{"-https=false"}, true, false, true, true, true, false},
	} {
		o, err := parseFlags(c.args)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if o.plain() != c.plain || o.https() != c.https || o.gzip() != c.gzip || o.obs() != c.obs || o.syscalls() != c.sys || o.Write != c.write {
			t.Errorf("%v: plain %v https %v gzip %v obs %v syscalls %v write %v", c.args, o.plain(), o.https(), o.gzip(), o.obs(), o.syscalls(), o.Write)
		}
	}
	for _, bad := range [][]string{{"-only", "brotli"}, {"-only", "gzip", "-gomaxprocs", "auto"}, {"-only", "obs", "-gomaxprocs", "auto"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// The paired figure divides each round's per-core rates, only where both
// peers ran that round, and the ratio of the medians stays the verdict.
func TestPairedRatios(t *testing.T) {
	round := func(n int, rps, cpu float64) measurement {
		return measurement{Round: n, Wrk: wrkResult{RPS: rps}, ProxyCPUPct: cpu}
	}
	x := &peerResult{Rounds: []measurement{round(1, 900, 50), round(2, 1800, 100), round(3, 500, 50)}}
	base := &peerResult{Rounds: []measurement{round(1, 1000, 50), round(2, 1000, 50), round(4, 1, 1)}}
	got := pairedRatios(x, base)
	if len(got) != 2 || got[0] != 0.9 || got[1] != 0.9 {
		t.Fatalf("paired %v, want [0.9 0.9]", got)
	}
	x.summarize()
	base.summarize()
	ts := perCoreTargets("t", x, base, 0.9)
	if len(ts) != 1 || !strings.Contains(ts[0].Measured, "paired by round 0.900× (0.900, 0.900)") {
		t.Fatalf("%+v", ts)
	}
}

// TestDisturbed: a run is measured again only when other processes took
// more than disturbedPct of CPU 0; a peer using both CPUs (scaling's two
// loops) never counts as disturbed by its own second core.
func TestDisturbed(t *testing.T) {
	for _, c := range []struct {
		cpu0, peer float64
		want       bool
	}{
		{100, 95, false},
		{80, 64, true},
		{75, 60, false},
		{96, 72, true},
		{100, 180, false},
	} {
		m := measurement{CPU0BusyPct: c.cpu0, ProxyCPUPct: c.peer}
		if got := m.disturbed(); got != c.want {
			t.Errorf("CPU 0 %.0f%%, peer %.0f%%: disturbed %v, want %v", c.cpu0, c.peer, got, c.want)
		}
	}
}

// TestWarnCountsDiscarded: runs measured again are counted in the
// warnings whichever part they belong to, not only the goals' parts.
func TestWarnCountsDiscarded(t *testing.T) {
	obsOn := &peerResult{Label: "observed", Discarded: make([]measurement, 2)}
	hs := &peerResult{Label: "resumed", Discarded: make([]measurement, 1)}
	r := &results{Obs: &obsResults{partRounds: partRounds{Proxy: []*peerResult{obsOn}}}, HTTPS: &httpsResults{Resumed: []*peerResult{hs}}}
	r.warn()
	got := strings.Join(r.Warnings, "\n")
	for _, want := range []string{"observed: 2 of its runs measured again", "resumed: 1 of its runs measured again"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings %q lack %q", got, want)
		}
	}
}
