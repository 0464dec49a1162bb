package edge

import (
	"bufio"
	"crypto/tls"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkTLSProxyRoundTrip is BenchmarkProxyRoundTrip over TLS 1.3
// (AES-128-GCM, ECDSA P-256): one keep-alive GET through the gateway to an
// upstream and back on one connection. The client is crypto/tls in this
// process: its allocations show in allocs/op (the gateway's side is 0,
// TestTLSProxyRoundTripAllocs).
func BenchmarkTLSProxyRoundTrip(b *testing.B) {
	up := startRawUpstream(b, "hello, world")
	s := startTLSServer(b, Config{}, proxyAPI("api-p", "/p", up.ln.Addr().String(), ""))
	benchTLS(b, s, "GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n")
}

// BenchmarkTLSMockRoundTrip is BenchmarkMockRoundTrip over TLS 1.3.
func BenchmarkTLSMockRoundTrip(b *testing.B) {
	s := startTLSServer(b, Config{}, mockAPI("api-m", "/m", "hello, world"))
	benchTLS(b, s, "GET /release/m HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n")
}

func benchTLS(b *testing.B, s *Server, req string) {
	cfg := tlsConfig(b, "service-t.localhost")
	cfg.CipherSuites = []uint16{tls.TLS_AES_128_GCM_SHA256} // a preference: crypto/tls picks by hardware
	c := mustDialTLS(b, s, cfg)
	c.SetDeadline(time.Time{})
	rt := &roundTripper{c: c, req: []byte(req), buf: make([]byte, 64<<10)}
	benchRoundTrips(b, rt)
}

// BenchmarkPlainDuringHandshakes times plain keep-alive mock requests while
// background clients run full TLS handshakes back to back on the same
// event loop: the handshakes run on tlsterm's goroutines, so the loop's
// requests wait only for CPU, never for a handshake. It reports the
// handshakes completed per second alongside. The clients run in this
// process: on a small machine they and the handshakes saturate the CPU,
// and the loop waits for a core; TLSMaxHandshakes 1 leaves one free.
func BenchmarkPlainDuringHandshakes(b *testing.B) {
	for _, c := range []struct {
		name      string
		hs, slots int
	}{{"idle", 0, 0}, {"4-handshakers", 4, 0}, {"4-handshakers-1-slot", 4, 1}} {
		hs := c.hs
		b.Run(c.name, func(b *testing.B) {
			s := startTLSServer(b, Config{TLSMaxHandshakes: c.slots}, mockAPI("api-m", "/m", "hello, world"))
			var stop atomic.Bool
			var done atomic.Int64
			var wg sync.WaitGroup
			for range hs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for !stop.Load() {
						c, err := tls.Dial("tcp", s.TLSAddr(), tlsConfig(b, "service-t.localhost"))
						if err != nil {
							continue
						}
						c.Close()
						done.Add(1)
					}
				}()
			}
			rt := newRoundTripper(b, s.Addr(), "GET /release/m HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n")
			start := time.Now()
			benchRoundTrips(b, rt)
			b.ReportMetric(float64(done.Load())/time.Since(start).Seconds(), "handshakes/s")
			stop.Store(true)
			wg.Wait()
		})
	}
}

// An idle TLS connection holds no plaintext buffer: it went back to the
// loop's pool once the request was read.
func TestTLSIdleHoldsNoBuffer(t *testing.T) {
	s := startTLSServer(t, Config{}, mockAPI("api-m", "/m", "mocked"))
	var conns []*tls.Conn
	for range 8 {
		c := mustDialTLS(t, s, tlsConfig(t, "service-t.localhost"))
		// Two requests, the second cut in three records.
		br := bufio.NewReader(c)
		exchange(t, c, br, getReq("service-t.localhost", "/release/m"))
		req := getReq("service-t.localhost", "/release/m")
		c.Write([]byte(req[:10]))
		c.Write([]byte(req[10:20]))
		exchange(t, c, br, req[20:])
		conns = append(conns, c)
	}
	n, held := 0, 0
	onLoops(t, s, func(l *loop) {
		for cl := l.clients; cl != nil; cl = cl.next {
			if cl.tls != nil {
				n++
				if cl.tls.plain != nil || cl.tls.carry != nil || cl.tls.hs != nil {
					held++
				}
			}
		}
	})
	if n != len(conns) || held != 0 {
		t.Fatalf("%d TLS connections, %d holding buffers or a handshake", n, held)
	}
}
