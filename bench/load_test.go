package main

import (
	"math"
	"testing"
)

func TestParseWrk(t *testing.T) {
	f := func(name, out string, want wrkResult) {
		t.Helper()
		got, err := parseWrk(out)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
		if got.Requests != want.Requests || !near(got.Seconds, want.Seconds) || !near(got.RPS, want.RPS) ||
			!near(got.LatAvgMs, want.LatAvgMs) || !near(got.LatMaxMs, want.LatMaxMs) ||
			!near(got.P50Ms, want.P50Ms) || !near(got.P75Ms, want.P75Ms) ||
			!near(got.P90Ms, want.P90Ms) || !near(got.P99Ms, want.P99Ms) ||
			got.ErrConnect != want.ErrConnect || got.ErrRead != want.ErrRead ||
			got.ErrWrite != want.ErrWrite || got.ErrTimeout != want.ErrTimeout ||
			got.Non2xx3xx != want.Non2xx3xx || got.TransferSec != want.TransferSec {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
		}
	}

	f("clean", `Running 10s test @ http://127.0.0.1:41234/release/proxy
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   612.45us  101.20us   4.30ms   90.12%
    Req/Sec   101.23k     2.10k  104.00k    75.00%
  Latency Distribution
     50%  601.00us
     75%  650.00us
     90%  700.00us
     99%    1.10ms
  1007000 requests in 10.00s, 120.00MB read
Requests/sec: 100700.00
Transfer/sec:     12.00MB
`, wrkResult{
		Requests: 1007000, Seconds: 10, RPS: 100700,
		LatAvgMs: 0.61245, LatMaxMs: 4.3,
		P50Ms: 0.601, P75Ms: 0.65, P90Ms: 0.7, P99Ms: 1.1,
		TransferSec: "12.00MB",
	})

	f("errors and slow tail", `Running 3s test @ http://127.0.0.1:8080/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.50ms   10.00ms    1.20s    99.00%
    Req/Sec    20.00k     1.00k   22.00k    80.00%
  Latency Distribution
     50%    1.00ms
     75%    1.50ms
     90%    2.00ms
     99%    1.05s
  60000 requests in 3.01s, 7.00MB read
  Socket errors: connect 2, read 3, write 0, timeout 7
  Non-2xx or 3xx responses: 11
Requests/sec:  19933.55
Transfer/sec:      2.33MB
`, wrkResult{
		Requests: 60000, Seconds: 3.01, RPS: 19933.55,
		LatAvgMs: 2.5, LatMaxMs: 1200,
		P50Ms: 1, P75Ms: 1.5, P90Ms: 2, P99Ms: 1050,
		ErrConnect: 2, ErrRead: 3, ErrTimeout: 7, Non2xx3xx: 11,
		TransferSec: "2.33MB",
	})

	bad := func(name, out string) {
		t.Helper()
		if _, err := parseWrk(out); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	bad("no --latency", `  1007000 requests in 10.00s, 120.00MB read
Requests/sec: 100700.00
`)
	bad("connection refused", "unable to connect to 127.0.0.1:1 Connection refused\n")
	bad("unknown unit", "     50%  601.00ns\n")
}

func TestParseDurMs(t *testing.T) {
	for in, want := range map[string]float64{
		"612.45us": 0.61245, "1.10ms": 1.1, "2.00s": 2000, "1.50m": 90000, "1.00h": 3600000,
	} {
		got, err := parseDurMs(in)
		if err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("parseDurMs(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
