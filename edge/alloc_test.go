//go:build !race

package edge

import (
	"testing"

	"github.com/edgegate/edgegate/cond"
)

// The hot path allocates nothing: a keep-alive GET through parse, route,
// rewrite, forward and relay, measured over the whole process (gnet's loop
// included), and the same for a mock answer.
func TestProxyRoundTripAllocs(t *testing.T) {
	up := startRawUpstream(t, "hello, world")
	s := startTestServer(t, proxyAPI("api-p", "/p", up.ln.Addr().String(), ""), mockAPI("api-m", "/m", "hello, world"))
	for _, path := range []string{"/release/p/x?a=1", "/release/m"} {
		noAllocs(t, newRoundTripper(t, s.Addr(), "GET "+path+" HTTP/1.1\r\nHost: service-t.localhost\r\nUser-Agent: alloc-test\r\nAccept: */*\r\n\r\n"), 200)
	}
}

// A CORS actual request (Origin echoed with its lines) and a preflight
// answered by the gateway allocate nothing either.
func TestCORSAllocs(t *testing.T) {
	s := startTrafficServer(t, corsAPIs, corsTraffic())
	for _, c := range []struct {
		req  string
		code int
	}{
		{"GET /release/c HTTP/1.1\r\nHost: service-t.localhost\r\nOrigin: https://app.example.com\r\n\r\n", 200},
		{"PUT /release/e HTTP/1.1\r\nHost: service-t.localhost\r\nOrigin: https://x.test\r\n\r\n", 200},
		{"OPTIONS /release/c HTTP/1.1\r\nHost: service-t.localhost\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: GET\r\n\r\n", 204},
	} {
		noAllocs(t, newRoundTripper(t, s.Addr(), c.req), c.code)
	}
}

// A parameter strategy's condition evaluates against a routed request
// without allocating.
func TestCondEvalAllocs(t *testing.T) {
	r := condFixture(t)
	p, err := cond.Parse(`header.x-tier == "gold" && (query.page > 2 || path.id in [1, 42]) && !(ip prefix "192.168.")`)
	if err != nil || !p.Eval(r) {
		t.Fatalf("%v", err)
	}
	if n := testing.AllocsPerRun(1000, func() { p.Eval(r) }); n != 0 {
		t.Fatalf("Eval on a live request allocates %v times", n)
	}
}

// The loop's Date header and unix seconds cost no allocation, also when
// the second turns (the text is rewritten in place).
func TestWallClockAllocs(t *testing.T) {
	l := &loop{s: &Server{clk: newClock()}}
	n := testing.AllocsPerRun(1000, func() {
		l.wall.until = 0 // as if the second had passed
		_, _ = l.httpDate(), l.unix()
	})
	if n != 0 {
		t.Fatalf("%.1f allocations per reading", n)
	}
}
