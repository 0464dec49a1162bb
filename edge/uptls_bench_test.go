//go:build !race

package edge

import (
	"testing"
)

// BenchmarkUpstreamRoundTrip: a keep-alive GET proxied to a plain
// upstream and to a TLS one (a pooled connection: the record layer seals
// the request and opens the response). The TLS backends run in a child
// process (startChildTLSBackend), so their CPU and allocations are not
// counted; the plain one runs in this process.
func BenchmarkUpstreamRoundTrip(b *testing.B) {
	req := "GET /release/p/x?a=1 HTTP/1.1\r\nHost: service-t.localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"
	b.Run("plain", func(b *testing.B) {
		up := startRawUpstream(b, "hello, world")
		s := startTestServer(b, proxyAPI("api-p", "/p", up.ln.Addr().String(), ""))
		benchRoundTrips(b, newRoundTripper(b, s.Addr(), req))
	})
	for _, v := range []string{"1.3", "1.2"} {
		b.Run("tls"+v, func(b *testing.B) {
			addr := startChildTLSBackend(b, v)
			s := startUpTLSServer(b, Config{}, tlsAPI("api-p", "/p", "https://"+addr, "TlsServerName: backend.test, TlsInsecureSkipVerify: true"))
			benchRoundTrips(b, newRoundTripper(b, s.Addr(), req))
		})
	}
}

// BenchmarkUpstreamTLSNewConnection: every response closes its
// connection, so each request dials and handshakes again: full
// handshakes (the backend issues no tickets) vs resumed ones (the
// target's session cache). The edge's side only: the backend is a child
// process. Reports handshakes and resumptions per request.
func BenchmarkUpstreamTLSNewConnection(b *testing.B) {
	req := "GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n"
	for _, c := range []struct{ name, mode string }{
		{"full", "1.3,close,notickets"}, {"resumed", "1.3,close"},
		{"full-tls1.2", "1.2,close,notickets"}, {"resumed-tls1.2", "1.2,close"},
	} {
		b.Run(c.name, func(b *testing.B) {
			addr := startChildTLSBackend(b, c.mode)
			s := startUpTLSServer(b, Config{}, tlsAPI("api-p", "/p", "https://"+addr, "TlsServerName: backend.test, TlsInsecureSkipVerify: true"))
			rt := newRoundTripper(b, s.Addr(), req)
			if code, err := rt.do(); err != nil || code != 200 { // the first full handshake
				b.Fatal(code, err)
			}
			before := s.Stats()
			benchRoundTrips(b, rt)
			st := s.Stats()
			n := float64(b.N)
			b.ReportMetric(float64(st.UpstreamTLSHandshakes-before.UpstreamTLSHandshakes)/n, "handshakes/op")
			b.ReportMetric(float64(st.UpstreamTLSResumed-before.UpstreamTLSResumed)/n, "resumed/op")
		})
	}
}
