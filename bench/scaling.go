package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// scalingResults is the scaling part of a run (issue 18): Edgegate with 2
// event loops on both CPUs against 1 loop on one CPU, the load generator
// and the origin accounted for by measuring every process's CPU, and a
// projection to bigger nodes from the measured per-core figures.
type scalingResults struct {
	partRounds
	// OriginCPUPct is the origin's CPU during each peer's runs (median).
	OriginCPUPct map[string]float64 `json:"origin_cpu_pct"`
	// PerCore1 and PerCore2 are req/s per core of Edgegate (the medians of
	// each round's req/s ÷ its CPU share) with 1 and 2 loops; Efficiency
	// is PerCore2 ÷ PerCore1 and Sigma the contention term fitted to it.
	PerCore1   float64            `json:"per_core_1"`
	PerCore2   float64            `json:"per_core_2"`
	Efficiency float64            `json:"efficiency"`
	Sigma      float64            `json:"sigma"`
	Projection map[string]float64 `json:"projection"` // "16", "32" loop cores → req/s
	Targets    []target           `json:"targets"`
}

const (
	scaleKey1 = "edgegate-1loop"
	scaleKey2 = "edgegate-2loops"
)

var scalingFairness = []string{
	"1 loop: `edgegate run --loops 1`, GOMAXPROCS=1, pinned to CPU 0; wrk -t1 and the origin on CPU 1 (the plain test's placement). 2 loops: `--loops 2`, GOMAXPROCS=2, unpinned on both CPUs, wrk -t2 unpinned, the same origin on CPU 1: on this 2-CPU machine the gateway, the load and the origin then share both CPUs.",
	"Every process's CPU is measured (the peer's from /proc, wrk's from its rusage, the origin's from /proc) so that the load side is accounted for: per core is req/s ÷ the gateway's own CPU share, the median of each round's quotient. Both use -c64 keep-alive connections in total and the plain proxy route.",
	"The projection fits the Universal Scalability Law's contention term to the two measured points: per-core rate at n loops c(n) = c(1) / (1 + σ (n − 1)), so σ = c(1)/c(2) − 1 (0 when 2 loops were as efficient or more, within noise), and a node running n loops at full load serves n · c(1) / (1 + σ (n − 1)). Coherency costs (the USL's κ) need a third point and more cores than this machine has.",
}

// scalingPart runs the 1-loop and 2-loop gateways in alternating rounds.
func scalingPart(ctx context.Context, e *env, o *options) (*scalingResults, error) {
	one, _, _, err := e.startEdgegateOn(ctx, "edgegate-scale1", "1", cpuUnderTest, false)
	if err != nil {
		return nil, err
	}
	defer e.sup.stop(one.proc)
	two, _, _, err := e.startEdgegateOn(ctx, "edgegate-scale2", "2", -1, false, "--loops", "2")
	if err != nil {
		return nil, err
	}
	defer e.sup.stop(two.proc)
	one.key, one.label = scaleKey1, "Edgegate, 1 loop on CPU 0"
	two.key, two.label = scaleKey2, "Edgegate, 2 loops on CPUs 0-1"
	// Both alike: the 2-loop peer shares CPU 0 with its load, so neither
	// run is measured again for busy time on CPU 0 (-retries).
	one.sharedCPU0, two.sharedCPU0 = true, true

	r := &scalingResults{partRounds: partRounds{Fairness: scalingFairness}, OriginCPUPct: map[string]float64{}}
	origin := map[string][]float64{}
	load := func(ctx context.Context, e *env, o *options, p *peer, d time.Duration) (wrkResult, *hsStats, error) {
		spec := wrkSpec{threads: 1, cpus: fmt.Sprint(cpuLoad)}
		if p.key == scaleKey2 {
			spec = wrkSpec{threads: 2, cpus: "0,1"}
		}
		pids := procTree(e.origin.proc.Pid())
		t0, ticks0 := time.Now(), treeTicks(pids)
		w, _, err := runWrkOn(ctx, e.tools["wrk"], p, o.Conns, d, spec)
		if d == o.Duration {
			origin[p.key] = append(origin[p.key], 100*float64(treeTicks(pids)-ticks0)/clkTck/time.Since(t0).Seconds())
		}
		return w, nil, err
	}
	logf("scaling rounds: %d × %s (+%s warm-up): 1 loop on CPU 0 vs 2 loops on CPUs 0-1", o.Rounds, o.Duration, o.Warmup)
	if r.Proxy, err = runRounds(ctx, e, o, "scaling", []*peer{one, two}, o.Rounds, o.Duration, load); err != nil {
		return nil, err
	}
	for k, v := range origin {
		r.OriginCPUPct[k] = median(v)
	}
	r.compute()
	return r, nil
}

// compute fits σ and projects to 16 and 32 loop cores.
func (r *scalingResults) compute() {
	p1, p2 := find(r.Proxy, scaleKey1), find(r.Proxy, scaleKey2)
	if p1 == nil || p2 == nil || p1.Median.PerCore <= 0 || p2.Median.PerCore <= 0 {
		return
	}
	r.PerCore1, r.PerCore2 = p1.Median.PerCore, p2.Median.PerCore
	r.Efficiency = r.PerCore2 / r.PerCore1
	r.Sigma = max(0, r.PerCore1/r.PerCore2-1)
	r.Projection = map[string]float64{}
	for _, n := range []int{16, 32} {
		r.Projection[fmt.Sprint(n)] = projectUSL(r.PerCore1, r.Sigma, n)
	}
	r.Targets = []target{{
		Name:     "2 loops keep the per-core rate of 1 loop (stated: no goal in the issue)",
		Ratio:    r.Efficiency,
		Measured: fmt.Sprintf("%.3f× (%s vs %s req/s per gateway core)", r.Efficiency, fmtInt(r.PerCore2), fmtInt(r.PerCore1)),
		Status:   "stated",
	}}
}

// projectUSL is n loops' rate with per-core rate c1 at one loop and
// contention σ.
func projectUSL(c1, sigma float64, n int) float64 {
	return float64(n) * c1 / (1 + sigma*float64(n-1))
}

// markdown writes the scaling section.
func (r *scalingResults) markdown(b *strings.Builder) {
	if r == nil {
		return
	}
	sectionHead(b, "Scaling: 2 loops on 2 CPUs vs 1 loop on 1 CPU (issue 18)", r.Fairness)
	b.WriteString("\n#### 1 loop vs 2 loops, proxied to the nginx origin\n\n")
	peerTable(b, r.Proxy, scaleKey1, "req/s", true)
	if len(r.OriginCPUPct) > 0 {
		fmt.Fprintf(b, "\nOrigin CPU (median): %.0f%% with 1 loop, %.0f%% with 2 loops.\n", r.OriginCPUPct[scaleKey1], r.OriginCPUPct[scaleKey2])
	}
	if r.PerCore1 > 0 {
		fmt.Fprintf(b, "\nMeasured: c(1) = %s req/s per gateway core, c(2) = %s (efficiency %.3f), so σ = max(0, c(1)/c(2) − 1) = %.4f.\n",
			fmtInt(r.PerCore1), fmtInt(r.PerCore2), r.Efficiency, r.Sigma)
		fmt.Fprintf(b, "Projection, R(n) = n · c(1) / (1 + σ (n − 1)) with every loop core fully used: R(16) = %s req/s, R(32) = %s req/s (deploy/README.md's rules, loops ≤ 50 %% busy and 2 cores per node for the rest, scale these down).\n",
			fmtInt(r.Projection["16"]), fmtInt(r.Projection["32"]))
	}
	targetTable(b, "Stated (issue 18)", r.Targets)
}
