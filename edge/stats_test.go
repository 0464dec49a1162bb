package edge

import (
	"testing"
)

// Stats adds up every loop's block, count by count.
func TestStatsSumsLoops(t *testing.T) {
	s := &Server{}
	loops := []*loop{{}, {}, {}}
	s.loops.Store(&loops)
	for i, l := range loops {
		l.ctr.add(cRequests, int64(10*(i+1)))
		l.ctr.add(cConns, 2)
		l.ctr.add(cInflight, 1)
		l.ctr.add(cRetries, int64(i))
	}
	loops[1].ctr.add(cInflight, -1)
	s.swaps.Add(4)
	got := s.Stats()
	want := Stats{Requests: 60, Conns: 6, Inflight: 2, Retries: 3, Swaps: 4}
	if got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	if s.Inflight() != 2 || s.Conns() != 6 {
		t.Errorf("Inflight %d, Conns %d", s.Inflight(), s.Conns())
	}
}

// Over real connections on two loops: requests, gateway errors and open
// connections add up, and in-flight and connection counts return to 0.
func TestStatsThroughEdge(t *testing.T) {
	s := startServer(t, serviceDoc(mockAPI("api-m", "/m", "hi")), Config{Loops: 2}, nil, nil)
	const conns, each = 8, 5
	var rts []*roundTripper
	for range conns {
		ok := newRoundTripper(t, s.Addr(), "GET /release/m HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n")
		for range each {
			if code, err := ok.do(); err != nil || code != 200 {
				t.Fatal(code, err)
			}
		}
		missing := &roundTripper{c: ok.c, buf: ok.buf, req: []byte("GET /release/none HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n")}
		if code, err := missing.do(); err != nil || code != 404 {
			t.Fatal(code, err)
		}
		rts = append(rts, ok)
	}
	// The loop counts a request finished just after its answer is written,
	// so the client may read the answer first.
	waitFor(t, "requests finished", func() bool { return s.Conns() == conns && s.Inflight() == 0 })
	st := s.Stats()
	if st.Requests != conns*(each+1) || st.GatewayErrors != conns || st.Inflight != 0 {
		t.Errorf("Stats() = %+v, want %d requests, %d gateway errors, 0 in flight", st, conns*(each+1), conns)
	}
	for _, rt := range rts {
		rt.c.Close()
	}
	waitFor(t, "connections closed", func() bool { return s.Conns() == 0 })
}
