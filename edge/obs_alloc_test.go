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

// With the access log on, a request still allocates nothing (the loop's
// slot fill and the writer's encoding both count: AllocsPerRun measures
// the whole process), and every request is a line or a counted drop.
func TestAccessLogAllocs(t *testing.T) {
	s, lg, dir := startLoggedServer(t, 1<<12)
	for _, c := range []struct {
		req  string
		code int
	}{
		{"GET /release/p?q=1 HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n", 200},
		{signedGet("/release/k"), 200},
		{"GET /release/k HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n", 401},
		{"GET /release/m HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n", 200},
	} {
		noAllocs(t, newRoundTripper(t, s.Addr(), c.req), c.code)
	}
	waitFor(t, "requests finished", func() bool { return s.Inflight() == 0 })
	if err := lg.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := int64(len(logLines(t, dir))) + lg.Dropped(); n != 4*1201 {
		t.Errorf("%d lines and drops, want %d", n, 4*1201)
	}
}
