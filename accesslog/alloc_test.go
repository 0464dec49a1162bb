//go:build !race

package accesslog

import (
	"net/netip"
	"testing"
	"time"
)

// TestAppendAllocs: the loop's side (Slot, Set*, Commit, Append, and the
// drop when full) allocates nothing.
func TestAppendAllocs(t *testing.T) {
	r := newRing(8)
	id := []byte("0123456789abcdef0123456789abcdef")
	cip := netip.MustParseAddr("192.0.2.10")
	up := netip.MustParseAddrPort("[2001:db8::5]:8080")
	var tmpl Record
	tmpl.SetString(Path, "/a/b")
	allocs := testing.AllocsPerRun(1000, func() {
		if s := r.Slot(); s != nil {
			s.Time = time.Now().UnixNano()
			s.Status, s.Latency = 200, time.Millisecond
			s.Set(ReqID, id)
			s.SetString(Service, "service-1")
			s.SetAddr(ClientIP, cip)
			s.SetAddrPort(Upstream, up)
			r.Commit()
		}
		r.Append(&tmpl)
		r.drain(func(*Record) {})
		// Full: dropped and counted, still no allocation.
		for r.Append(&tmpl) {
		}
		r.drain(func(*Record) {})
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per append", allocs)
	}
	if r.Dropped() == 0 {
		t.Fatal("no drop counted")
	}
}

func BenchmarkRingAppend(b *testing.B) {
	r := newRing(4096)
	id := []byte("0123456789abcdef0123456789abcdef")
	cip := netip.MustParseAddr("192.0.2.10")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if s := r.Slot(); s != nil {
			s.Time, s.Status = int64(i), 200
			s.Set(ReqID, id)
			s.SetString(Service, "service-1")
			s.SetString(Path, "/v1/users/42")
			s.SetAddr(ClientIP, cip)
			r.Commit()
		}
		if i&1023 == 1023 {
			r.drain(func(*Record) {})
		}
	}
}
