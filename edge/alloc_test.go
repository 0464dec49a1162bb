//go:build !race

package edge

import (
	"fmt"
	"testing"

	"github.com/edgegate/edgegate/cond"
)

// The hot path allocates nothing: a keep-alive GET through parse, route,
// rewrite, forward and relay, measured over the whole process (gnet's loop
// included), and the same for a mock answer.
func TestProxyRoundTripAllocs(t *testing.T) {
	up := startRawUpstream(t, "hello, world")
	s := startTestServer(t, fmt.Sprintf(`
      - ApiId: api-p
        RequestConfig: {Path: /p, Method: GET}
        ServiceType: HTTP
        ServiceConfig: {Url: "http://%s", Path: /}
      - ApiId: api-m
        RequestConfig: {Path: /m, Method: GET}
        ServiceType: MOCK
        ServiceMockReturnMessage: hello, world
`, up.ln.Addr()))
	for _, path := range []string{"/release/p/x?a=1", "/release/m"} {
		rt := newRoundTripper(t, s.Addr(), "GET "+path+" HTTP/1.1\r\nHost: service-t.localhost\r\nUser-Agent: alloc-test\r\nAccept: */*\r\n\r\n")
		for range 200 { // warm the pools and buffers
			if code, err := rt.do(); err != nil || code != 200 {
				t.Fatalf("%s: %d %v", path, code, err)
			}
		}
		allocs := testing.AllocsPerRun(2000, func() {
			if code, err := rt.do(); err != nil || code != 200 {
				t.Fatalf("%s: %d %v", path, code, err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per request, want 0", path, allocs)
		}
	}
}

// A CORS actual request (Origin echoed with its lines) and a preflight
// answered by the gateway allocate nothing either.
func TestCORSAllocs(t *testing.T) {
	s := startTrafficServer(t, corsAPIs, corsTraffic())
	for _, req := range []string{
		"GET /release/c HTTP/1.1\r\nHost: service-t.localhost\r\nOrigin: https://app.example.com\r\n\r\n",
		"PUT /release/e HTTP/1.1\r\nHost: service-t.localhost\r\nOrigin: https://x.test\r\n\r\n",
		"OPTIONS /release/c HTTP/1.1\r\nHost: service-t.localhost\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: GET\r\n\r\n",
	} {
		rt := newRoundTripper(t, s.Addr(), req)
		for range 200 {
			if _, err := rt.do(); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(2000, func() {
			if code, err := rt.do(); err != nil || (code != 200 && code != 204) {
				t.Fatalf("%q: %d %v", req, code, err)
			}
		})
		if allocs != 0 {
			t.Errorf("%q: %v allocations per request, want 0", req, allocs)
		}
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
