package edge

import (
	"testing"

	"github.com/edgegate/edgegate/accesslog"
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

// BenchmarkProxyRoundTripLogged is BenchmarkProxyRoundTrip with the
// access log on (counting is always on): compare the two for the cost of
// a line per request.
func BenchmarkProxyRoundTripLogged(b *testing.B) {
	up := startRawUpstream(b, "hello, world")
	lg, err := accesslog.New(accesslog.Options{Dir: b.TempDir(), NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { lg.Close() })
	s := startServer(b, serviceDoc(proxyAPI("api-p", "/p", up.ln.Addr().String(), "")), Config{Loops: 1, AccessLog: lg}, nil, nil)
	benchRoundTrips(b, newRoundTripper(b, s.Addr(), "GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n"))
	if lg.Dropped() > 0 {
		b.Logf("%d lines dropped", lg.Dropped())
	}
}
