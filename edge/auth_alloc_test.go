//go:build !race

package edge

import "testing"

// A key-pair signed request allocates nothing in steady state: parse,
// route, verify, forward and relay over the whole process.
func TestKeyPairRoundTripAllocs(t *testing.T) {
	up := startRawUpstream(t, "hello, world")
	s := startDocServer(t, authDoc(up.ln.Addr().String()))
	rt := newRoundTripper(t, s.Addr(), signedGet("/release/k"))
	for range 200 {
		if code, err := rt.do(); err != nil || code != 200 {
			t.Fatalf("%d %v", code, err)
		}
	}
	allocs := testing.AllocsPerRun(2000, func() {
		if code, err := rt.do(); err != nil || code != 200 {
			t.Fatalf("%d %v", code, err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per signed request, want 0", allocs)
	}
}
