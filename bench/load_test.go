package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestParseWrk(t *testing.T) {
	// f parses testdata/file, a wrk --latency output.
	f := func(name, file string, want wrkResult) {
		t.Helper()
		out, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseWrk(string(out))
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

	f("clean", "wrk-clean.txt", wrkResult{
		Requests: 1007000, Seconds: 10, RPS: 100700,
		LatAvgMs: 0.61245, LatMaxMs: 4.3,
		P50Ms: 0.601, P75Ms: 0.65, P90Ms: 0.7, P99Ms: 1.1,
		TransferSec: "12.00MB",
	})

	f("errors and slow tail", "wrk-errors.txt", wrkResult{
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

// Issue 18's per-CPU goal takes the worst round, each round's req/s over
// its CPU share.
func TestPerCPUEveryRound(t *testing.T) {
	m := func(rps, cpu float64) measurement { return measurement{Wrk: wrkResult{RPS: rps}, ProxyCPUPct: cpu} }
	e := &peerResult{Rounds: []measurement{m(40000, 80), m(30000, 50)}}
	n := &peerResult{Rounds: []measurement{m(30000, 100), m(20000, 100)}}
	got := perCPUEveryRound(e, n, "nginx", 1.5)
	// Round 1: 500/300 = 1.667; round 2: 600/200 = 3.
	if got.Status != "met" || got.Ratio < 1.666 || got.Ratio > 1.667 {
		t.Fatalf("%+v", got)
	}
	n.Rounds[1] = m(30000, 50)
	if got := perCPUEveryRound(e, n, "nginx", 1.5); got.Status != "missed" || got.Ratio != 1 {
		t.Fatalf("%+v", got)
	}
	if got := perCPUEveryRound(nil, n, "nginx", 1.5); got.Status != "n/a" {
		t.Fatalf("%+v", got)
	}
}
