//go:build !race

package bpf

import (
	"net/netip"
	"testing"
)

// TestTwinAllocFree: the accept-time check allocates nothing.
func TestTwinAllocFree(t *testing.T) {
	f := newFilter(nil, "", testPolicy(t))
	for _, d := range decisions {
		src := netip.MustParseAddr(d.src)
		if n := testing.AllocsPerRun(100, func() { f.Admit(src, d.port) }); n != 0 {
			t.Errorf("%s: %v allocations per Admit", d.name, n)
		}
	}
}
