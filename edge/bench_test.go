package edge

import (
	"testing"

	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/router"
)

// BenchmarkProxyRoundTrip is one keep-alive GET through the gateway to an
// upstream and back, on loopback, one connection (latency-bound).
func BenchmarkProxyRoundTrip(b *testing.B) {
	up := startRawUpstream(b, "hello, world")
	s := startTestServer(b, proxyAPI("api-p", "/p", up.ln.Addr().String(), ""))
	benchRoundTrips(b, newRoundTripper(b, s.Addr(), "GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n"))
}

// BenchmarkMockRoundTrip is one keep-alive GET answered by the loop itself.
func BenchmarkMockRoundTrip(b *testing.B) {
	s := startTestServer(b, mockAPI("api-m", "/m", "hello, world"))
	benchRoundTrips(b, newRoundTripper(b, s.Addr(), "GET /release/m HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n"))
}

// benchRoundTrips times rt's request, answered 200, one at a time.
func benchRoundTrips(b *testing.B, rt *roundTripper) {
	b.ReportAllocs()
	for b.Loop() {
		if code, err := rt.do(); err != nil || code != 200 {
			b.Fatal(code, err)
		}
	}
}

// BenchmarkStages times parse, route, build and rewrite of one typical
// request without sockets.
func BenchmarkStages(b *testing.B) {
	raw := []byte("GET /release/p/items/42?q=1 HTTP/1.1\r\nHost: service-t.localhost\r\nUser-Agent: bench/1.0\r\n" +
		"Accept: */*\r\nAccept-Encoding: gzip\r\nX-Forwarded-For: 10.0.0.1\r\nCookie: a=b\r\n\r\n")
	s := startTestServer(b, `
      - ApiId: api-p
        RequestConfig: {Path: /p, Method: GET}
        ServiceType: HTTP
        ServiceConfig: {Url: "http://127.0.0.1:9", Path: /backend}
`)
	rt := s.rt.Load()
	l := &loop{s: s, hdrs: make([]http1.Header, 0, 100)}
	cl := &client{l: l, ip: []byte("127.0.0.1")}
	var p http1.Parser
	var req http1.Request
	lim := s.cfg.Limits
	parse := func() {
		req.Headers = l.hdrs[:0]
		p.Reset()
		if n, err := p.ParseRequest(raw, &req, &lim); n == 0 || err != nil {
			b.Fatal(n, err)
		}
	}
	route := func() {
		l.rreq = router.Request{Host: req.Host, Method: req.Method, Path: req.Path, Query: req.Query, Headers: req.Headers}
		rt.router.Lookup(&l.rreq, &l.rres)
		if l.rres.Status != 0 {
			b.Fatal(l.rres.Code)
		}
	}
	build := func() {
		if err := l.rres.Route.Build(&l.rb, &l.rreq, &l.rres, &l.sys); err != nil {
			b.Fatal(err)
		}
	}
	head := make([]byte, 0, 1024)
	rewrite := func() { head = l.appendUpstreamHead(head[:0], cl, &req, &rt.apis[0]) }
	all := func() { parse(); route(); build(); rewrite() }
	for _, st := range []struct {
		name string
		run  func()
	}{{"parse", parse}, {"route", route}, {"build", build}, {"rewrite", rewrite}, {"all", all}} {
		b.Run(st.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				st.run()
			}
		})
		st.run() // the next stage works on this one's result
	}
}
