package edge

import (
	"testing"

	"github.com/edgegate/edgegate/router"
)

// BenchmarkObsRecord is the counting's cost per request, alone: the
// notes taken along a proxied request (begin, routed, sent, response
// head) and the record at its end, on one loop's blocks, with the two
// clock reads of the two callbacks such a request takes.
func BenchmarkObsRecord(b *testing.B) {
	s := &Server{clk: newClock()}
	empty := []*loop{}
	s.loops.Store(&empty)
	a := &apiRT{route: &router.Route{ServiceId: "service-t", Environment: "release", ApiId: "api-b"}}
	a.series = s.obs.api(APIKey{"service-t", "release", "api-b"})
	l := &loop{s: s}
	s.growObs(l)
	cl := &client{l: l}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		l.enter() // the client's callback
		cl.obsBegin(120)
		cl.api = a
		cl.obsRouted(a)
		cl.ob.valid = true
		cl.obsSent()
		l.exit()
		l.enter() // the backend's callback
		cl.obsResponse(200)
		cl.ob.out += 180
		cl.record()
		l.exit()
	}
	b.StopTimer()
	var got uint64
	s.loops.Store(&[]*loop{l})
	s.EachAPI(func(st *APIStats) { got = st.Requests })
	if got != uint64(b.N) {
		b.Fatalf("counted %d, want %d", got, b.N)
	}
}
