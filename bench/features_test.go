package main

import (
	"strings"
	"testing"
)

// costSplit turns per-core figures into µs a request and splits the full
// path's extra into the features' and the access log's.
func TestCostSplit(t *testing.T) {
	pr := func(perCore float64) *peerResult { return &peerResult{Median: summary{PerCore: perCore}} }
	// 1e6/50,000 = 20 µs, 1e6/62,500 = 16 µs, 1e6/80,000 = 12.5 µs.
	got := costSplit(pr(50000), pr(62500), pr(80000))
	for _, want := range []string{"20.00 µs", "12.50 µs (+7.50 µs)", "add 3.50 µs (0.781×", "scraper 4.00 µs more"} {
		if !strings.Contains(got, want) {
			t.Errorf("costSplit: %q lacks %q", got, want)
		}
	}
	if got := costSplit(pr(50000), nil, pr(80000)); got != "" {
		t.Errorf("costSplit without the third peer: %q", got)
	}
	if got := costSplit(pr(50000), pr(0), pr(80000)); got != "" {
		t.Errorf("costSplit with an empty peer: %q", got)
	}
}
