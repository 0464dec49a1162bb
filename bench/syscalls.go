package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// syscallsResults is the syscall part of a run (issue 18): system calls per
// proxied keep-alive request of each proxy, counted by the eBPF counter
// (syscount.go) over one bounded wrk run per peer, with the usual
// placement (proxy on CPU 0, wrk and the origin on CPU 1).
type syscallsResults struct {
	Seconds, Conns int
	Peers          []sysPeerCount
	Targets        []target
	Skipped        string `json:",omitempty"` // why nothing was counted (the kernel refused BPF)
}

// sysPeerCount is one peer's count.
type sysPeerCount struct {
	Key      string     `json:"key"`
	Label    string     `json:"label"`
	Requests int64      `json:"requests"`
	RPS      float64    `json:"rps"`
	Total    uint64     `json:"syscalls"`
	Groups   []sysGroup `json:"groups"`
	Other    string     `json:"other_top,omitempty"` // the largest "other" syscalls by name
	PerReq   float64    `json:"per_request"`
	Errors   int64      `json:"errors"`
	// CPUPct is the peer's CPU use during the run (100 = one core) and
	// CPUPerReqUs its CPU time per request: whether fewer calls cost less.
	CPUPct      float64 `json:"cpu_pct"`
	CPUPerReqUs float64 `json:"cpu_per_request_us"`
}

// sysSeconds is the length of each counted run: the count is per request,
// so a few seconds of steady load is plenty.
const sysSeconds = 3

// sysGoal is issue 18's target at 64 connections.
const sysGoal = 2.5

// syscallsPart counts each proxy's syscalls per request.
func syscallsPart(ctx context.Context, e *env, o *options, gmp string) (*syscallsResults, error) {
	r := &syscallsResults{Seconds: sysSeconds, Conns: o.Conns}
	// Probe once: a kernel that refuses BPF skips the part, anything else fails it.
	if c, err := startSysCount(nil); err != nil {
		if errors.Is(err, errNoBPF) {
			r.Skipped = err.Error()
			logf("syscalls: skipped: %v", err)
			return r, nil
		}
		return nil, err
	} else {
		c.close()
	}
	// Edgegate as it runs by default, and with each I/O batching mode
	// (edge/iobatch.go) for comparison.
	var peers []*peer
	for _, v := range []struct{ mode, key, label string }{
		{"", "edgegate", "Edgegate"},
		{"reads", "edgegate-reads", "Edgegate, --io-batching reads"},
		{"writes", "edgegate-writes", "Edgegate, --io-batching writes"},
		{"defer", "edgegate-defer", "Edgegate, --io-batching defer"},
		{"off", "edgegate-off", "Edgegate, --io-batching off"},
	} {
		var extra []string
		if v.mode != "" {
			extra = []string{"--io-batching", v.mode}
		}
		g, _, _, err := e.startEdgegate(ctx, "edgegate-sys"+v.mode, gmp, false, extra...)
		if err != nil {
			return nil, err
		}
		defer e.sup.stop(g.proc)
		g.key, g.label = v.key, v.label
		peers = append(peers, g)
	}
	ng, err := e.startNginx(ctx, "nginx-proxy", "nginx-sys", "nginx", cpuUnderTest, proxyPath)
	if err != nil {
		return nil, err
	}
	ng.key = "nginx"
	defer e.sup.stop(ng.proc)
	ha, err := e.startHAProxy(ctx, "haproxy-sys")
	if err != nil {
		return nil, err
	}
	defer e.sup.stop(ha.proc)
	for _, p := range append(peers, ng, ha) {
		c, err := countSyscalls(ctx, e, o, p, sysSeconds*time.Second)
		if err != nil {
			return nil, err
		}
		logf("syscalls: %-10s %.2f per request (%d calls, %d requests; %s); CPU %.0f%%, %.1f µs per request", p.label, c.PerReq, c.Total, c.Requests, groupsText(c.Groups, c.Requests), c.CPUPct, c.CPUPerReqUs)
		r.Peers = append(r.Peers, c)
	}
	r.computeTargets()
	return r, nil
}

// countSyscalls warms p up, then runs wrk for d with the counter attached
// to p's process tree.
func countSyscalls(ctx context.Context, e *env, o *options, p *peer, d time.Duration) (sysPeerCount, error) {
	out := sysPeerCount{Key: p.key, Label: p.label}
	if _, _, err := runWrk(ctx, e.tools["wrk"], p, o.Conns, time.Second); err != nil {
		return out, fmt.Errorf("syscalls warm-up: %w", err)
	}
	pids := procTree(p.proc.Pid())
	c, err := startSysCount(pids)
	if err != nil {
		return out, err
	}
	ticks0, t0 := treeTicks(pids), time.Now()
	w, _, err := runWrk(ctx, e.tools["wrk"], p, o.Conns, d)
	counts, rerr := c.read()
	c.close()
	cpuSecs := float64(treeTicks(pids)-ticks0) / clkTck
	out.CPUPct = 100 * cpuSecs / time.Since(t0).Seconds()
	if err != nil {
		return out, err
	}
	if rerr != nil {
		return out, rerr
	}
	out.Requests, out.RPS, out.Errors = w.Requests, w.RPS, w.Errors()
	out.Groups, out.Other = sysGroups(counts)
	for _, g := range out.Groups {
		out.Total += g.Calls
	}
	if w.Requests > 0 {
		out.PerReq = float64(out.Total) / float64(w.Requests)
		out.CPUPerReqUs = 1e6 * cpuSecs / float64(w.Requests)
	}
	return out, nil
}

func groupsText(gs []sysGroup, reqs int64) string {
	var b strings.Builder
	for i, g := range gs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %.2f", g.Name, perReq(g.Calls, reqs))
	}
	return b.String()
}

func perReq(n uint64, reqs int64) float64 {
	if reqs <= 0 {
		return 0
	}
	return float64(n) / float64(reqs)
}

// computeTargets: ≤ 2.5 syscalls per proxied request for Edgegate.
func (r *syscallsResults) computeTargets() {
	t := target{Name: fmt.Sprintf("syscalls per proxied keep-alive request ≤ %.1f at %d connections", sysGoal, r.Conns), Status: "n/a"}
	for _, p := range r.Peers {
		if p.Key == "edgegate" && p.Requests > 0 {
			t.Ratio = p.PerReq / sysGoal
			t.Measured = fmt.Sprintf("%.2f (%s calls for %s requests)", p.PerReq, fmtInt(float64(p.Total)), fmtInt(float64(p.Requests)))
			t.Status = status(p.PerReq <= sysGoal)
		}
	}
	r.Targets = []target{t}
}

// markdown writes the syscall section.
func (r *syscallsResults) markdown(b *strings.Builder) {
	if r == nil {
		return
	}
	sectionHead(b, "System calls per proxied request (issue 18)", []string{
		fmt.Sprintf("Counted by an eBPF program on the raw tracepoint `sys_enter` (bench/syscount.go, cilium/ebpf), filtered by the peer's process ids (nginx: master and worker), attached only during one %d s wrk run per peer (-t1 -c%d keep-alive, after a 1 s warm-up) against the proxy path of the plain test; same placement. Per request = the peer's syscalls in the run ÷ the requests wrk completed. Everything the process does counts (the Go runtime's timers and scheduler included).", r.Seconds, r.Conns),
		"Syscall counts do not depend much on the machine's other tenants, unlike the throughput figures; the batch sizes they reflect do depend on the load level.",
	})
	if r.Skipped != "" {
		fmt.Fprintf(b, "\nNot measured: %s.\n", r.Skipped)
		return
	}
	b.WriteString("\n| peer | req/s | peer CPU | CPU per request | requests | syscalls | per request |")
	for _, g := range sysGroupOrder {
		fmt.Fprintf(b, " %s |", g)
	}
	b.WriteString(" largest others (calls) |\n|---|--:|--:|--:|--:|--:|--:|")
	for range sysGroupOrder {
		b.WriteString("--:|")
	}
	b.WriteString("---|\n")
	for _, p := range r.Peers {
		fmt.Fprintf(b, "| %s | %s | %.0f%% | %.1f µs | %s | %s | **%.2f** |", p.Label, fmtInt(p.RPS), p.CPUPct, p.CPUPerReqUs, fmtInt(float64(p.Requests)), fmtInt(float64(p.Total)), p.PerReq)
		for _, g := range p.Groups {
			fmt.Fprintf(b, " %.2f |", perReq(g.Calls, p.Requests))
		}
		fmt.Fprintf(b, " %s |\n", p.Other)
	}
	targetTable(b, "Target (issue 18)", r.Targets)
}
