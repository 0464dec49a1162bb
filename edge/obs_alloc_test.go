//go:build !race

package edge

import "testing"

// The counting adds no allocation: a proxied 200, a backend 404 and a
// gateway refusal (401) on a keep-alive connection allocate nothing while
// their per-API series count every request.
func TestObsAllocs(t *testing.T) {
	ok := fixedUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
	nf := fixedUpstream(t, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
	doc, tr := obsDoc(ok, nf, deadAddr(t))
	s := startServer(t, doc, Config{Loops: 1, LimiterKeys: 1 << 10}, nil, tr)
	for _, c := range []struct {
		api, path string
		code      int
	}{{"api-ok", "/release/p", 200}, {"api-nf", "/release/n", 404}, {"api-key", "/release/k", 401}} {
		before := apiStats(s)[c.api].Requests
		noAllocs(t, newRoundTripper(t, s.Addr(), "GET "+c.path+" HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n"), c.code)
		waitFor(t, "requests finished", func() bool { return s.Inflight() == 0 })
		// noAllocs sends 200 warm-up requests and AllocsPerRun 1001.
		if n := apiStats(s)[c.api].Requests - before; n != 1201 {
			t.Errorf("%s: counted %d requests, want 1201", c.api, n)
		}
	}
}
