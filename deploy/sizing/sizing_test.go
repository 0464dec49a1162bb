package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestBenchmarksParse: the figures come out of the committed BENCHMARKS.md
// (a change of its tables' layout fails here, not silently in the guide).
func TestBenchmarksParse(t *testing.T) {
	b, err := os.ReadFile("../../BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	in, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if in.Run == "" || in.ProxyCPU > 1 || in.AuthRatio > 1.5 || in.LimitsRatio > 1.5 {
		t.Fatalf("parsed %+v", in)
	}
}

// TestGuideTable: the tables in deploy/README.md and BENCHMARKS.md are
// what Table computes from the inputs they state (so a hand edit or a
// stale rule shows here; `make bench` refreshes both).
func TestGuideTable(t *testing.T) {
	for _, f := range []string{"../README.md", "../../BENCHMARKS.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkBlock(t, f, string(b))
	}
}

func checkBlock(t *testing.T, f, s string) {
	t.Helper()
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no sizing block", f)
	}
	block := s[i : j+len(end)+1]
	m := regexp.MustCompile(`run (\S+)\): proxy ([\d,]+) req/s at (\d+)% of one CPU; HTTPS keep-alive proxy ([\d,]+) req/s per core; key-pair auth ratio ([\d.]+); limits ratio ([\d.]+)\.`).FindStringSubmatch(block)
	if m == nil {
		t.Fatalf("no inputs line in the sizing block:\n%s", block)
	}
	rps, _ := number(m[2])
	cpu, _ := number(m[3])
	https, _ := number(m[4])
	authR, _ := number(m[5])
	limR, _ := number(m[6])
	if got := Table(Inputs{Run: m[1], ProxyRPS: rps, ProxyCPU: cpu / 100, HTTPSPerCore: https, AuthRatio: authR, LimitsRatio: limR}); got != block {
		t.Fatalf("the guide's table is not what its inputs give:\n%s\nwant:\n%s", block, got)
	}
	// The rule by hand for the plain row: 27,769 / 0.71 = 39,111 req/s per
	// core; 350,000 / (39,111 × 0.5) → 18 loop cores; 16-core nodes run 14
	// loops: 2 nodes + 1 spare.
	if in := (Inputs{ProxyRPS: 27769, ProxyCPU: 0.71, HTTPSPerCore: 32974, AuthRatio: 1, LimitsRatio: 1}); !strings.Contains(Table(in), "| plain HTTP proxy | 39,111 | 9 | 18 | 3 | 2 | 2 |") {
		t.Fatalf("the rule changed:\n%s", Table(in))
	}
}
