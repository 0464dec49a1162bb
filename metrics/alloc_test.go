//go:build !race

package metrics

import "testing"

// TestScrapeAllocsPerSeries: once the buffers have grown, a scrape's
// allocations do not grow with the number of series (the callbacks'
// closures are the whole bill).
func TestScrapeAllocsPerSeries(t *testing.T) {
	allocs := func(n int) float64 {
		e := New(Sources{Edge: manyAPIs(n), Firewall: fakeFirewall{mode: "xdp-native"}, Admin: &fakeAdmin{}})
		var buf text
		e.render(&buf)
		return testing.AllocsPerRun(20, func() { e.render(&buf) })
	}
	few, many := allocs(10), allocs(1000)
	if many > few || many > 16 {
		t.Fatalf("allocations per scrape: %v with 10 APIs, %v with 1,000: want the same and at most 16", few, many)
	}
	t.Logf("allocations per scrape: %v (10 APIs), %v (1,000 APIs)", few, many)
}
