package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the harness's flags.
type options struct {
	Rounds     int           `json:"rounds"`
	Duration   time.Duration `json:"duration_ns"`
	Warmup     time.Duration `json:"warmup_ns"`
	Slices     int           `json:"slices"`
	Conns      int           `json:"conns"`
	IdleConns  int           `json:"idle_conns"`
	Profile    bool          `json:"profile"`
	Quick      bool          `json:"quick"`
	GOMAXPROCS string        `json:"gomaxprocs"`
	Timeout    time.Duration `json:"timeout_ns"`
	Keep       bool          `json:"keep_tmp"`
	Write      bool          `json:"write"`
	WaitQuiet  time.Duration `json:"wait_quiet_ns"`
	Retries    int           `json:"retries"`
	Only       string        `json:"only,omitempty"` // "", or one of parts
	HTTPS      bool          `json:"https"`
	HSConns    int           `json:"hs_conns"`
	LargeScale float64       `json:"large_scale"`
	IOBatching string        `json:"io_batching,omitempty"` // Edgegate's --io-batching; "" its default
}

// parts are the names -only takes, in the order a full run runs them.
var parts = []string{"plain", "https", "gzip", "obs", "syscalls", "scaling", "features", "large", "control"}

// plain, https, gzip, obs, … report which parts of the run are selected.
func (o *options) plain() bool    { return o.Only == "" || o.Only == "plain" }
func (o *options) https() bool    { return o.HTTPS && (o.Only == "" || o.Only == "https") }
func (o *options) gzip() bool     { return o.Only == "" || o.Only == "gzip" }
func (o *options) obs() bool      { return o.Only == "" || o.Only == "obs" }
func (o *options) syscalls() bool { return o.Only == "" || o.Only == "syscalls" }
func (o *options) scaling() bool  { return o.Only == "" || o.Only == "scaling" }
func (o *options) features() bool { return o.Only == "" || o.Only == "features" }
func (o *options) large() bool    { return o.Only == "" || o.Only == "large" }
func (o *options) control() bool  { return o.Only == "" || o.Only == "control" }

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&o.Rounds, "rounds", 3, "measured rounds; each round runs every peer once, in rotated order")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of one measured wrk run (whole seconds)")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured wrk run of each peer at the start of each round")
	fs.IntVar(&o.Slices, "slices", 5, "cut each peer's run of a round into this many slices (none under 2 s), run in cycles alternating the peers, so that peers compared by a ratio see the same stretches of a shared machine; 1 runs each peer's -duration in one piece")
	fs.IntVar(&o.Conns, "conns", 64, "keep-alive connections wrk holds (wrk -t1 -cN)")
	fs.IntVar(&o.IdleConns, "idle-conns", 10000, "idle keep-alive connections for the RSS-per-connection test (0 skips it)")
	fs.BoolVar(&o.Profile, "profile", true, "fetch a 5 s CPU profile of Edgegate during one extra proxy run")
	fs.BoolVar(&o.Quick, "quick", false, "smoke test: 1 round of 3 s, 1 s warm-up")
	fs.StringVar(&o.GOMAXPROCS, "gomaxprocs", "1", "GOMAXPROCS for the pinned Edgegate: 1, 2, or auto (short trial of both, keep the faster)")
	fs.DurationVar(&o.Timeout, "timeout", 0, "bound on the whole run (default: estimated from the flags, plus slack)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary directory (configs, logs, CPU profiles) for inspection")
	fs.BoolVar(&o.Write, "write", true, "write bench/results/ and the BENCHMARKS.md section (default false for a partial run: -only, -https=false)")
	fs.DurationVar(&o.WaitQuiet, "wait-quiet", 20*time.Second, "before each measured run, wait up to this long for both CPUs to be ≤15% busy (shared machines); 0 disables")
	fs.IntVar(&o.Retries, "retries", 1, fmt.Sprintf("measure a run again, up to this many times, when other processes took more than %d%% of CPU 0 during it (shared machines; every peer alike, the discarded runs kept in latest.json and counted in the warnings); 0 disables", disturbedPct))
	fs.StringVar(&o.Only, "only", "", "run one part only: plain (HTTP proxy, mock, idle), https (issue 12's HTTPS part) gzip (issue 13's response compression vs nginx gzip), obs (issue 13's metrics + access log on vs off) syscalls (issue 18's syscalls per proxied request), scaling (issue 18's 2 loops vs 1), features (issue 18's full-feature path vs the plain proxy), large (issue 18's large tables vs small) or control (issue 18's compile time and release-to-serve at 10,000 APIs)")
	fs.BoolVar(&o.HTTPS, "https", true, "include the HTTPS part (keep-alive proxy, full and resumed handshakes, idle TLS connections)")
	fs.IntVar(&o.HSConns, "hs-conns", 32, "connections in flight of the handshake generator")
	fs.Float64Var(&o.LargeScale, "large-scale", 1, "the large and control parts' sizes as a fraction of the issue's (keys, prefixes, services, limiter keys), for a quick trial")
	fs.StringVar(&o.IOBatching, "io-batching", "", "Edgegate's --io-batching for every Edgegate peer (auto, ring, reads, writes, defer, off; default: Edgegate's own, auto), to compare modes part by part; the syscalls part sets its own")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// A partial run must not replace a whole run's results unless asked.
	writeSet := false
	fs.Visit(func(f *flag.Flag) { writeSet = writeSet || f.Name == "write" })
	if !writeSet && (o.Only != "" || !o.HTTPS) {
		o.Write = false
	}
	if o.Quick {
		o.Rounds, o.Duration, o.Warmup = 1, 3*time.Second, time.Second
		o.WaitQuiet = min(o.WaitQuiet, 5*time.Second)
	}
	switch {
	case o.Rounds < 1:
		return nil, errors.New("-rounds must be at least 1")
	case o.Duration < time.Second:
		return nil, errors.New("-duration must be at least 1s")
	case o.Slices < 1:
		return nil, errors.New("-slices must be at least 1")
	case o.Conns < 1:
		return nil, errors.New("-conns must be at least 1")
	case o.IdleConns < 0:
		return nil, errors.New("-idle-conns must not be negative")
	case o.Only != "" && !slices.Contains(parts, o.Only):
		return nil, errors.New("-only must be one of " + strings.Join(parts, ", "))
	case o.Only == "https" && !o.HTTPS:
		return nil, errors.New("-only https contradicts -https=false")
	case o.LargeScale <= 0 || o.LargeScale > 1:
		return nil, errors.New("-large-scale must be in (0, 1]")
	case o.HSConns < 1:
		return nil, errors.New("-hs-conns must be at least 1")
	case o.Only != "" && o.Only != "plain" && o.GOMAXPROCS == "auto":
		return nil, errors.New("-gomaxprocs auto runs its trial on the plain proxy: not with -only " + o.Only)
	}
	o.Duration = o.Duration.Round(time.Second)
	if o.Warmup > 0 && o.Warmup < time.Second {
		o.Warmup = time.Second
	}
	o.Warmup = o.Warmup.Round(time.Second)
	if o.GOMAXPROCS != "auto" {
		if n, err := strconv.Atoi(o.GOMAXPROCS); err != nil || n < 1 {
			return nil, errors.New("-gomaxprocs must be a positive number or auto")
		}
	}
	if o.Timeout == 0 {
		o.Timeout = o.estimate()*3/2 + 5*time.Minute
	}
	return o, nil
}

// estimate is roughly how long the measurements take, without installs.
func (o *options) estimate() time.Duration {
	// A slice costs about a second beyond its length (wrk's start, the
	// samples); retries repeat slices.
	run := time.Duration(1+max(o.Retries, 0))*(o.Duration+time.Duration(o.Slices)*time.Second) + o.Warmup + o.WaitQuiet + 2*time.Second
	var d time.Duration
	parts := 0
	if o.plain() {
		d += time.Duration(o.Rounds) * 5 * run // 3 proxies + 2 servers per round
		parts++
	}
	if o.https() {
		d += time.Duration(o.Rounds) * 7 * run // 3 proxies + 2 × 2 servers per round
		d += 20 * time.Second                  // s_client probes
		parts++
	}
	if o.gzip() {
		d += time.Duration(o.Rounds) * 2 * run // Edgegate and nginx, gzip on
	}
	if o.obs() {
		d += time.Duration(o.Rounds) * 2 * run // Edgegate observed and not
	}
	if o.scaling() {
		d += time.Duration(o.Rounds) * 2 * run // 1 loop and 2 loops
	}
	if o.features() {
		d += time.Duration(o.Rounds) * 3 * run // full features, without the log, plain
	}
	if o.large() {
		d += time.Duration(o.Rounds)*2*run + 2*time.Minute // small and large; the fill and the start
	}
	if o.control() {
		d += 3 * time.Minute // compile benchmarks, creating 10,000 APIs, the releases
	}
	if o.syscalls() {
		d += 6 * (sysSeconds + 1 + 2) * time.Second // one counted run per proxy
	}
	if o.GOMAXPROCS == "auto" {
		d += 4 * (trialDuration + o.Warmup + 2*time.Second)
	}
	if o.Profile {
		d += time.Duration(parts) * 15 * time.Second
	}
	if o.IdleConns > 0 {
		d += time.Duration(parts) * 3 * 30 * time.Second
	}
	return d + time.Minute // builds, starts, readiness
}

// full reports whether the run meets the minimum (≥3 rounds ≥10 s).
func (o *options) full() bool {
	return o.Rounds >= 3 && o.Duration >= 10*time.Second
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == hsloadCommand {
		if err := hsloadMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	err = run(ctx, o)
	cancel()
	stop()
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (run bounded by -timeout %s)", err, o.Timeout)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
