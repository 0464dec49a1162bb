package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// wrkResult is what one `wrk --latency` run printed.
type wrkResult struct {
	Requests    int64   `json:"requests"`
	Seconds     float64 `json:"seconds"`
	RPS         float64 `json:"rps"`
	LatAvgMs    float64 `json:"lat_avg_ms"`
	LatMaxMs    float64 `json:"lat_max_ms"`
	P50Ms       float64 `json:"p50_ms"`
	P75Ms       float64 `json:"p75_ms"`
	P90Ms       float64 `json:"p90_ms"`
	P99Ms       float64 `json:"p99_ms"`
	ErrConnect  int64   `json:"err_connect"`
	ErrRead     int64   `json:"err_read"`
	ErrWrite    int64   `json:"err_write"`
	ErrTimeout  int64   `json:"err_timeout"`
	Non2xx3xx   int64   `json:"non_2xx_3xx"`
	TransferSec string  `json:"transfer_per_sec"`
	// LoadCPUPct is the CPU the load generator's process used (100 = one
	// core), from its rusage: how close the load side was to its limit.
	LoadCPUPct float64 `json:"load_cpu_pct,omitempty"`
}

// loadCPUPct is a finished child's CPU use over wall seconds, in percent.
func loadCPUPct(cmd *exec.Cmd, secs float64) float64 {
	if cmd.ProcessState == nil || secs <= 0 {
		return 0
	}
	return 100 * (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds() / secs
}

// Errors is every failed request or socket error wrk counted.
func (r wrkResult) Errors() int64 {
	return r.ErrConnect + r.ErrRead + r.ErrWrite + r.ErrTimeout + r.Non2xx3xx
}

// parseWrk reads wrk 4.x output produced with --latency:
//
//	Running 10s test @ http://127.0.0.1:8080/
//	  1 threads and 64 connections
//	  Thread Stats   Avg      Stdev     Max   +/- Stdev
//	    Latency   612.45us  101.20us   4.30ms   90.12%
//	    Req/Sec   101.23k     2.10k  104.00k    75.00%
//	  Latency Distribution
//	     50%  601.00us
//	     75%  650.00us
//	     90%  700.00us
//	     99%    1.10ms
//	  1007000 requests in 10.00s, 120.00MB read
//	  Socket errors: connect 0, read 0, write 0, timeout 0
//	  Non-2xx or 3xx responses: 3
//	Requests/sec: 100700.00
//	Transfer/sec:     12.00MB
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	var haveRPS, haveP50, haveP99, haveReq bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var err error
		switch {
		case f[0] == "Latency" && len(f) >= 4:
			if r.LatAvgMs, err = parseDurMs(f[1]); err == nil {
				r.LatMaxMs, err = parseDurMs(f[3])
			}
		case len(f) == 2 && strings.HasSuffix(f[0], "%") && isPercentile(f[0]):
			var ms float64
			if ms, err = parseDurMs(f[1]); err != nil {
				break
			}
			switch f[0] {
			case "50%":
				r.P50Ms, haveP50 = ms, true
			case "75%":
				r.P75Ms = ms
			case "90%":
				r.P90Ms = ms
			case "99%":
				r.P99Ms, haveP99 = ms, true
			}
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			if r.Requests, err = strconv.ParseInt(f[0], 10, 64); err != nil {
				break
			}
			var ms float64
			ms, err = parseDurMs(strings.TrimSuffix(f[3], ","))
			r.Seconds, haveReq = ms/1000, true
		case strings.HasPrefix(line, "Socket errors:"):
			// Socket errors: connect 0, read 0, write 0, timeout 0
			for i := 2; i+1 < len(f); i += 2 {
				n, perr := strconv.ParseInt(strings.TrimSuffix(f[i+1], ","), 10, 64)
				if perr != nil {
					err = perr
					break
				}
				switch f[i] {
				case "connect":
					r.ErrConnect = n
				case "read":
					r.ErrRead = n
				case "write":
					r.ErrWrite = n
				case "timeout":
					r.ErrTimeout = n
				}
			}
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			r.Non2xx3xx, err = strconv.ParseInt(f[len(f)-1], 10, 64)
		case f[0] == "Requests/sec:" && len(f) == 2:
			r.RPS, err = strconv.ParseFloat(f[1], 64)
			haveRPS = err == nil
		case f[0] == "Transfer/sec:" && len(f) == 2:
			r.TransferSec = f[1]
		}
		if err != nil {
			return r, fmt.Errorf("wrk output line %q: %w", line, err)
		}
	}
	if !haveRPS || !haveP50 || !haveP99 || !haveReq {
		return r, errors.New("wrk output lacks Requests/sec, the request count or the 50%/99% latency lines (was --latency given?)")
	}
	return r, nil
}

func isPercentile(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	return err == nil
}

// parseDurMs turns wrk's formatted durations (612.45us, 1.10ms, 2.00s,
// 1.50m, 1.00h) into milliseconds.
func parseDurMs(s string) (float64, error) {
	units := []struct {
		suffix string
		ms     float64
	}{{"us", 1e-3}, {"ms", 1}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("duration %q: %w", s, err)
			}
			return v * u.ms, nil
		}
	}
	return 0, fmt.Errorf("duration %q: unknown unit", s)
}

// runWrk runs wrk pinned to the load CPU against p for d, bounded in time.
func runWrk(ctx context.Context, wrkPath string, p *peer, conns int, d time.Duration) (wrkResult, string, error) {
	return runWrkOn(ctx, wrkPath, p, conns, d, wrkSpec{threads: 1, cpus: strconv.Itoa(cpuLoad)})
}

// wrkSpec is where and how wrk runs: its threads, the CPU list it is
// pinned to (taskset -c), extra arguments (a -s script, headers) and the
// script's arguments (after the URL: its init sees them from args[1]).
type wrkSpec struct {
	threads    int
	cpus       string
	args       []string
	scriptArgs []string
}

// runWrkOn is runWrk as spec says.
func runWrkOn(ctx context.Context, wrkPath string, p *peer, conns int, d time.Duration, spec wrkSpec) (wrkResult, string, error) {
	secs := max(1, int(d/time.Second))
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	argv := []string{wrkPath, "-t" + strconv.Itoa(spec.threads), "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(secs) + "s",
		"--latency", "--timeout", "5s", "-H", "Host: " + benchHost}
	if p.gzip {
		argv = append(argv, "-H", "Accept-Encoding: gzip")
	}
	argv = append(argv, spec.args...)
	argv = append(append(argv, p.url()), spec.scriptArgs...)
	out, cpu, err := runLoadOn(ctx, spec.cpus, "wrk against "+p.label, nil, argv...)
	if err != nil {
		return wrkResult{}, string(out), err
	}
	r, err := parseWrk(string(out))
	if err != nil {
		return r, string(out), fmt.Errorf("wrk against %s: %w\n%s", p.label, err, out)
	}
	r.LoadCPUPct = cpu
	return r, string(out), nil
}

// runPinnedLoad runs a load generator (argv) pinned to the load CPU in its
// own process group, with extra environment, and returns its output and
// the CPU it used (percent of one core, from its rusage).
func runPinnedLoad(ctx context.Context, what string, env []string, argv ...string) ([]byte, float64, error) {
	return runLoadOn(ctx, strconv.Itoa(cpuLoad), what, env, argv...)
}

// runLoadOn is runPinnedLoad on the CPU list cpus.
func runLoadOn(ctx context.Context, cpus, what string, env []string, argv ...string) ([]byte, float64, error) {
	cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", cpus}, argv...)...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	cpu := loadCPUPct(cmd, time.Since(t0).Seconds())
	if err != nil {
		if ctx.Err() != nil {
			return out, 0, fmt.Errorf("%s: %w", what, ctx.Err())
		}
		return out, 0, fmt.Errorf("%s: %w\n%s", what, err, out)
	}
	return out, cpu, nil
}
