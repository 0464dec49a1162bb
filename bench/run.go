package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// trialDuration is the length of each GOMAXPROCS trial run (-gomaxprocs auto).
const trialDuration = 3 * time.Second

// logf reports progress on stderr; stdout carries only the final table.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// run is the whole benchmark: set up, measure, report, and always clean up.
func run(ctx context.Context, o *options) (err error) {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	nofile, err := raiseNofile(1 << 17)
	if err != nil {
		return fmt.Errorf("raise RLIMIT_NOFILE: %w", err)
	}
	if need := uint64(o.IdleConns + 1024); nofile < need {
		logf("warning: RLIMIT_NOFILE is %d, below the %d the idle-connection test needs", nofile, need)
	}
	toolPaths, err := ensureTools()
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "edgegate-bench-")
	if err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil { // nginx workers run as nobody
		return err
	}
	sup := &supervisor{}
	defer func() {
		sup.stopAll()
		if o.Keep {
			logf("kept %s", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()

	logf("building ./cmd/edgegate")
	gate, err := buildGateway(ctx, root, dir)
	if err != nil {
		return err
	}
	e := &env{dir: dir, tools: toolPaths, gate: gate, sup: sup, idle: o.IdleConns, nofile: nofile, ioMode: o.IOBatching}
	res := &results{
		Env:       collectEnv(root, toolPaths),
		Options:   o,
		Full:      o.full(),
		Placement: placement,
		Fairness:  fairness,
	}
	res.Env.NofileLimit = nofile
	logf("%s; %s; %s; %s", res.Env.CPUModel, res.Env.Nginx, res.Env.HAProxy, res.Env.Wrk)
	logf("placement: %s", placement)

	if err := e.startOrigin(ctx); err != nil {
		return err
	}
	gmp := o.GOMAXPROCS
	if o.plain() {
		if gmp, err = plainPart(ctx, e, o, res); err != nil {
			return err
		}
	} else {
		res.GOMAXPROCS = gomaxprocsChoice{Chosen: gmp, How: gomaxprocsHow(gmp)}
	}
	if o.https() {
		if res.HTTPS, err = httpsPart(ctx, e, o, gmp); err != nil {
			return err
		}
	}
	if o.gzip() {
		if res.Gzip, err = gzipPart(ctx, e, o, gmp, root); err != nil {
			return err
		}
	}
	if o.obs() {
		if res.Obs, err = obsPart(ctx, e, o, gmp); err != nil {
			return err
		}
	}
	if err := issue18Parts(ctx, e, o, gmp, root, res); err != nil {
		return err
	}
	res.Env.LoadAvgEnd = loadAvg()
	res.warn()
	if o.plain() {
		res.computeTargets()
	}
	if res.HTTPS != nil {
		res.HTTPS.computeTargets()
	}
	if res.Gzip != nil {
		res.Gzip.compare()
	}
	if res.Obs != nil {
		res.Obs.compare()
	}
	return report(root, o, res)
}

func gomaxprocsHow(gmp string) string {
	if gmp == "1" {
		return "the default: in trials of GOMAXPROCS=1 vs 2 on this 2-core machine (pinned to one CPU) neither was faster beyond noise, so 1 is kept as it matches the one-thread budget and is what Go picks under `taskset -c 0` anyway; `-gomaxprocs auto` repeats the trial"
	}
	return "-gomaxprocs " + gmp
}

// plainPart is issue 2's benchmark: the proxy and mock rounds over plain
// HTTP, the profile and the idle connections. It returns Edgegate's
// GOMAXPROCS, for the HTTPS part.
func plainPart(ctx context.Context, e *env, o *options, res *results) (string, error) {
	// Edgegate's GOMAXPROCS: fixed, or the faster of 1 and 2 in a short trial.
	gmp := o.GOMAXPROCS
	var gateProxy, gateMock *peer
	var gateAdmin int
	var err error
	if gmp == "auto" {
		gmp, gateProxy, gateMock, gateAdmin, err = gomaxprocsTrial(ctx, e, o, res)
		if err != nil {
			return "", err
		}
	} else {
		res.GOMAXPROCS = gomaxprocsChoice{Chosen: gmp, How: gomaxprocsHow(gmp)}
		gateProxy, gateMock, gateAdmin, err = e.startEdgegate(ctx, "edgegate", gmp, o.Profile)
		if err != nil {
			return "", err
		}
	}
	nginxProxy, err := e.startNginx(ctx, "nginx-proxy", "nginx", "nginx", cpuUnderTest, proxyPath)
	if err != nil {
		return "", err
	}
	nginxProxy.key = "nginx"
	haproxy, err := e.startHAProxy(ctx, "haproxy")
	if err != nil {
		return "", err
	}
	nginxReturn, err := e.startNginx(ctx, "nginx-return", "nginx-return", "nginx return 200", cpuUnderTest, mockPath)
	if err != nil {
		return "", err
	}

	logf("proxy rounds: %d × %s (+%s warm-up) × 3 peers", o.Rounds, o.Duration, o.Warmup)
	if res.Proxy, err = runRounds(ctx, e, o, "proxy", []*peer{gateProxy, nginxProxy, haproxy}, o.Rounds, o.Duration, wrkLoad); err != nil {
		return "", err
	}
	logf("mock rounds: %d × %s (+%s warm-up) × 2 servers", o.Rounds, o.Duration, o.Warmup)
	if res.Mock, err = runRounds(ctx, e, o, "mock", []*peer{gateMock, nginxReturn}, o.Rounds, o.Duration, wrkLoad); err != nil {
		return "", err
	}
	if o.Profile {
		logf("profile: %d s CPU profile of Edgegate during an extra proxy run", profileSeconds)
		if res.Profile, err = profileRun(ctx, e, o, gateProxy, gateAdmin, wrkLoad); err != nil {
			return "", err
		}
	}
	for _, p := range []*peer{gateProxy, nginxProxy, haproxy, nginxReturn} {
		e.sup.stop(p.proc)
	}
	if o.IdleConns > 0 {
		if res.Idle, err = idleTests(ctx, e, o, gmp); err != nil {
			return "", err
		}
	}
	return gmp, nil
}

// warn lists the medians that make a ratio doubtful, and every part's
// runs measured again (-retries).
func (r *results) warn() {
	for _, rs := range r.allRounds() {
		for _, p := range rs {
			if n := len(p.Discarded); n > 0 {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %d of its runs measured again: other processes took more than %d%% of CPU 0 during them (the discarded runs are in latest.json)",
					p.Label, n, disturbedPct))
			}
		}
	}
	sections := [][]*peerResult{r.Proxy, r.Mock}
	sections = append(sections, r.issue18Rounds()...)
	for _, rs := range sections {
		for _, p := range rs {
			if p.Median.Errors > 0 {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s: the load generator counted %d errors or non-2xx responses", p.Label, p.Median.Errors))
			}
			if p.Median.NotResumed > 0 {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %d connections of the resumption test got a full handshake", p.Label, p.Median.NotResumed))
			}
			if p.Median.OthersCPU0Pct > 10 {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s: other processes took %.0f%% of CPU 0 (median) while it was measured; rerun on a quiet machine",
					p.Label, p.Median.OthersCPU0Pct))
			} else if p.Median.ProxyCPUPct < 90 {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s used only %.0f%% of CPU 0 (median): the load side (CPU 1 %.0f%% busy) was the limit, not the peer, so raw ratios understate differences (the per-core figures correct for it)",
					p.Label, p.Median.ProxyCPUPct, p.Median.CPU1BusyPct))
			}
		}
	}
}

// allRounds are the peers of every part that ran in rounds.
func (r *results) allRounds() [][]*peerResult {
	out := [][]*peerResult{r.GOMAXPROCS.Trial, r.Proxy, r.Mock}
	if h := r.HTTPS; h != nil {
		out = append(out, h.Proxy, h.Full, h.Resumed)
	}
	if r.Gzip != nil {
		out = append(out, r.Gzip.Proxy)
	}
	if r.Obs != nil {
		out = append(out, r.Obs.Proxy)
	}
	if r.Scaling != nil {
		out = append(out, r.Scaling.Proxy)
	}
	if r.Features != nil {
		out = append(out, r.Features.Proxy)
	}
	if r.Large != nil {
		out = append(out, r.Large.Proxy)
	}
	return out
}

// gomaxprocsTrial runs Edgegate with GOMAXPROCS=1 and =2 side by side in
// short alternating proxy runs and keeps the faster one running.
func gomaxprocsTrial(ctx context.Context, e *env, o *options, res *results) (string, *peer, *peer, int, error) {
	type inst struct {
		gmp         string
		proxy, mock *peer
		admin       int
	}
	var insts []inst
	var peers []*peer
	for _, g := range []string{"1", "2"} {
		p, m, a, err := e.startEdgegate(ctx, "edgegate-gmp"+g, g, o.Profile)
		if err != nil {
			return "", nil, nil, 0, err
		}
		p.key, p.label = "edgegate-gomaxprocs-"+g, "Edgegate GOMAXPROCS="+g
		insts = append(insts, inst{g, p, m, a})
		peers = append(peers, p)
	}
	rounds := 2
	if o.Quick {
		rounds = 1
	}
	logf("GOMAXPROCS trial: %d × %s per setting", rounds, trialDuration)
	trial, err := runRounds(ctx, e, o, "gomaxprocs", peers, rounds, trialDuration, wrkLoad)
	if err != nil {
		return "", nil, nil, 0, err
	}
	win, lose := 0, 1
	if trial[1].Median.RPS > trial[0].Median.RPS {
		win, lose = 1, 0
	}
	e.sup.stop(insts[lose].proxy.proc)
	w := insts[win]
	w.proxy.key, w.proxy.label = "edgegate", "Edgegate"
	res.GOMAXPROCS = gomaxprocsChoice{
		Chosen: w.gmp,
		How: fmt.Sprintf("-gomaxprocs auto: %s req/s with 1 vs %s with 2 in a %d × %s trial",
			fmtInt(trial[0].Median.RPS), fmtInt(trial[1].Median.RPS), rounds, trialDuration),
		Trial: trial,
	}
	logf("GOMAXPROCS=%s kept", w.gmp)
	return w.gmp, w.proxy, w.mock, w.admin, nil
}

// idleTests measures RSS per idle connection on a fresh instance of each
// proxy, one at a time (over TLS when e.https).
func idleTests(ctx context.Context, e *env, o *options, gmp string) ([]idleResult, error) {
	var out []idleResult
	sfx, kind := "", "keep-alive"
	if e.https {
		sfx, kind = "-tls", "TLS keep-alive"
	}
	starts := []func() (*peer, error){
		func() (*peer, error) {
			p, _, _, err := e.startEdgegate(ctx, "edgegate-idle"+sfx, gmp, false)
			return p, err
		},
		func() (*peer, error) {
			p, err := e.startNginx(ctx, "nginx-proxy", "nginx-idle"+sfx, "nginx", cpuUnderTest, proxyPath)
			if p != nil {
				p.key = "nginx"
			}
			return p, err
		},
		func() (*peer, error) { return e.startHAProxy(ctx, "haproxy-idle"+sfx) },
	}
	for _, start := range starts {
		p, err := start()
		if err != nil {
			if p != nil {
				e.sup.stop(p.proc)
			}
			return out, err
		}
		logf("idle connections: %s idle %s connections to %s", strconv.Itoa(o.IdleConns), kind, p.label)
		r, err := idleTest(ctx, p, o.IdleConns)
		e.sup.stop(p.proc)
		if err != nil {
			return out, err
		}
		logf("idle connections: %s %.2f KiB per connection (%s → %s, %d open, %d failed)",
			p.label, r.PerConnKiB, fmtMiB(float64(r.BeforeKiB)), fmtMiB(float64(r.AfterKiB)), r.Opened, r.Failed)
		out = append(out, r)
	}
	return out, nil
}

// report prints the table and, with -write, stores the results.
func report(root string, o *options, res *results) error {
	md := res.markdown()
	fmt.Println(md)
	if !o.Write {
		return nil
	}
	dir := filepath.Join(root, "bench", "results")
	if err := res.writeJSON(filepath.Join(dir, "latest.json")); err != nil {
		return err
	}
	profiles := map[string]*profileResult{"profile.txt": res.Profile}
	if h := res.HTTPS; h != nil {
		profiles["profile-https-proxy.txt"], profiles["profile-https-handshakes.txt"] = h.ProfileProxy, h.ProfileFull
	}
	if f := res.Features; f != nil {
		profiles["profile-features.txt"] = f.Profile
	}
	if l := res.Large; l != nil {
		profiles["profile-large.txt"], profiles["profile-large-small.txt"] = l.ProfileLarge, l.ProfileSmall
	}
	for name, p := range profiles {
		if p == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(p.Text), 0o644); err != nil {
			return err
		}
	}
	if err := updateBenchmarksMD(filepath.Join(root, "BENCHMARKS.md"), md); err != nil {
		return err
	}
	logf("wrote bench/results/ (latest.json, profiles) and BENCHMARKS.md")
	return nil
}
