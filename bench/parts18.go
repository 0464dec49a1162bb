package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Issue 18's parts (system calls, scaling, the full-feature path, large
// tables, the control plane): which run, their round tables for the
// warnings, and their sections of the report, in one place.

// issue18Parts runs the selected ones, in order.
func issue18Parts(ctx context.Context, e *env, o *options, gmp, root string, res *results) error {
	for _, p := range []struct {
		on  bool
		run func() error
	}{
		{o.syscalls(), func() (err error) { res.Syscalls, err = syscallsPart(ctx, e, o, gmp); return }},
		{o.scaling(), func() (err error) { res.Scaling, err = scalingPart(ctx, e, o); return }},
		{o.features(), func() (err error) { res.Features, err = featuresPart(ctx, e, o, gmp); return }},
		{o.large(), func() (err error) { res.Large, err = largePart(ctx, e, o, gmp); return }},
		{o.control(), func() (err error) { res.Control, err = controlPart(ctx, e, o, root); return }},
	} {
		if p.on {
			if err := p.run(); err != nil {
				return err
			}
		}
	}
	return nil
}

// issue18Rounds are the round tables whose medians the warnings check (the
// 2-loop scaling peer shares both CPUs by design: left out).
func (r *results) issue18Rounds() [][]*peerResult {
	var out [][]*peerResult
	if r.Scaling != nil && len(r.Scaling.Proxy) > 0 {
		out = append(out, r.Scaling.Proxy[:1])
	}
	if r.Features != nil {
		out = append(out, r.Features.Proxy)
	}
	if r.Large != nil {
		out = append(out, r.Large.Proxy)
	}
	return out
}

// issue18Markdown writes the sections of the parts that ran (each
// markdown method does nothing on a nil receiver).
func (r *results) issue18Markdown(b *strings.Builder, o *options) {
	r.Syscalls.markdown(b)
	r.Scaling.markdown(b)
	r.Features.markdown(b, o)
	r.Large.markdown(b, o)
	r.Control.markdown(b)
}

// partRounds is what the round-based parts share: what makes their
// comparison fair, and the rounds.
type partRounds struct {
	Fairness []string      `json:"fairness"`
	Proxy    []*peerResult `json:"proxy"`
}

// startGate starts an Edgegate for a part (startEdgegate), names it and
// records its process in *procs for the part to stop; it returns the
// proxy peer and the admin port.
func (e *env) startGate(ctx context.Context, procs *[]*proc, name, key, label, gmp string, extra ...string) (*peer, int, error) {
	// --pprof costs nothing until a profile is fetched (features -profile).
	p, _, admin, err := e.startEdgegate(ctx, name, gmp, true, extra...)
	if p != nil {
		*procs = append(*procs, p.proc)
	}
	if err != nil {
		return nil, 0, err
	}
	p.key, p.label = key, label
	return p, admin, nil
}

// gatePair is a part's two gateways: one plain, one observed
// (--access-log-dir on; admin is its admin port, for the scraper).
type gatePair struct {
	plain, observed *peer
	admin           int
	procs           []*proc
}

// startPair starts a gatePair, each named and keyed by its name; stop it
// with stop even when it fails.
func (e *env) startPair(ctx context.Context, gmp, plainName, plainLabel, obsName, obsLabel string) (*gatePair, error) {
	g := &gatePair{}
	var err error
	if g.plain, _, err = e.startGate(ctx, &g.procs, plainName, plainName, plainLabel, gmp); err != nil {
		return g, err
	}
	g.observed, g.admin, err = e.startGate(ctx, &g.procs, obsName, obsName, obsLabel, gmp, "--access-log-dir", filepath.Join(e.dir, obsName+"-log"))
	return g, err
}

// observe starts scraping the observed gateway.
func (g *gatePair) observe(ctx context.Context) *observer {
	return startObserver(ctx, "http://127.0.0.1:"+strconv.Itoa(g.admin))
}

// stopAll stops a part's processes.
func (e *env) stopAll(procs []*proc) {
	for _, p := range procs {
		e.sup.stop(p)
	}
}

// perCPUEveryRound is issue 18's throughput goal on the plain proxy:
// Edgegate's requests per CPU-second ≥ goal× the peer's in every round
// (each round's req/s ÷ CPU share, round by round; the worst counts).
func perCPUEveryRound(e, peer *peerResult, name string, goal float64) target {
	t := target{Name: fmt.Sprintf("requests per CPU-second ≥ %.1f× %s in every round (issue 18)", goal, name), Status: "n/a"}
	if e == nil || peer == nil {
		return t
	}
	var ratios []string
	worst := 0.0
	for i := 0; i < len(e.Rounds) && i < len(peer.Rounds); i++ {
		a, b := e.Rounds[i], peer.Rounds[i]
		if a.ProxyCPUPct <= 0 || b.ProxyCPUPct <= 0 || b.Wrk.RPS <= 0 {
			return t
		}
		r := (a.Wrk.RPS / a.ProxyCPUPct) / (b.Wrk.RPS / b.ProxyCPUPct)
		if i == 0 || r < worst {
			worst = r
		}
		ratios = append(ratios, fmt.Sprintf("%.2f×", r))
	}
	if len(ratios) == 0 {
		return t
	}
	t.Ratio = worst
	t.Measured = fmt.Sprintf("worst round %.3f× (rounds: %s)", worst, strings.Join(ratios, ", "))
	t.Status = status(worst >= goal)
	return t
}
