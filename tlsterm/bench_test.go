package tlsterm

import (
	"crypto/rand"
	"crypto/tls"
	"io"
	"net"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	benchReq  = []byte("GET /api/v1/items?id=42 HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	benchResp = []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"id\":42,\"name\":\"a widget\"}")
)

// BenchmarkRecordRequestResponse: one small request opened and one small
// response sealed by the server, with the client's side of both, TLS 1.3
// AES-128-GCM. "tlsterm" is this package's record layer; "cryptotls" is
// crypto/tls's Conn over an in-memory transport (the prototype's shape).
func BenchmarkRecordRequestResponse(b *testing.B) {
	b.Run("tlsterm", func(b *testing.B) {
		srv, cli := newPair(b, tls.TLS_AES_128_GCM_SHA256)
		plain := make([]byte, 0, MaxPlaintext)
		back := make([]byte, 0, MaxPlaintext)
		wire := make([]byte, 0, 4096)
		out := make([]byte, 0, 4096)
		b.ReportAllocs()
		for b.Loop() {
			wire, _ = cli.Seal(wire[:0], benchReq)
			plain, _, _ = srv.Open(plain[:0], wire)
			out, _ = srv.Seal(out[:0], benchResp)
			back, _, _ = cli.Open(back[:0], out)
		}
		if string(back) != string(benchResp) || string(plain) != string(benchReq) {
			b.Fatal("round trip")
		}
	})
	b.Run("cryptotls", func(b *testing.B) {
		sc, cc := memPipe()
		srv := tls.Server(sc, &tls.Config{Certificates: []tls.Certificate{*getPKI(b).ecdsa}})
		cli := tls.Client(cc, &tls.Config{ServerName: "example.com", RootCAs: getPKI(b).pool})
		go srv.Handshake()
		if err := cli.Handshake(); err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 4096)
		// Let the client read the session ticket first.
		srv.Write([]byte("x"))
		cli.Read(buf)
		b.ReportAllocs()
		for b.Loop() {
			cli.Write(benchReq)
			srv.Read(buf)
			srv.Write(benchResp)
			cli.Read(buf)
		}
	})
}

// memPipe is an in-memory, buffered connection pair: writes never block,
// reads block only when nothing is buffered.
func memPipe() (net.Conn, net.Conn) {
	a, b := &memBuf{}, &memBuf{}
	a.cond.L, b.cond.L = &a.mu, &b.mu
	return &memConn{r: a, w: b}, &memConn{r: b, w: a}
}

type memBuf struct {
	mu     sync.Mutex
	cond   sync.Cond
	b      []byte
	closed bool
}

type memConn struct {
	net.Conn
	r, w *memBuf
}

func (c *memConn) Read(p []byte) (int, error) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	for len(c.r.b) == 0 && !c.r.closed {
		c.r.cond.Wait()
	}
	if len(c.r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.r.b)
	c.r.b = c.r.b[:copy(c.r.b, c.r.b[n:])]
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error) {
	c.w.mu.Lock()
	c.w.b = append(c.w.b, p...)
	c.w.cond.Broadcast()
	c.w.mu.Unlock()
	return len(p), nil
}

func (c *memConn) Close() error {
	for _, m := range []*memBuf{c.r, c.w} {
		m.mu.Lock()
		m.closed = true
		m.cond.Broadcast()
		m.mu.Unlock()
	}
	return nil
}

// BenchmarkHandshake: TLS 1.3, ECDSA P-256, X25519 (the Go client's default
// key shares), a Go client in the same process on the other side (its cost
// is in both numbers). "tlsterm": the driver (Feed, worker goroutine, key
// handoff); "cryptotls": tls.Server over net.Pipe. Resumed: a ticket from
// the previous connection. Each connection also carries one server record,
// which is how the client picks up its next ticket.
func BenchmarkHandshake(b *testing.B) {
	p := getPKI(b)
	tab, err := NewCertTable([]CertEntry{{Cert: p.ecdsa, Default: true}})
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewServer(Config{Certificates: tab})
	if err != nil {
		b.Fatal(err)
	}
	plain := &tls.Config{Certificates: []tls.Certificate{*p.ecdsa}, MinVersion: tls.VersionTLS13}
	for _, resumed := range []bool{false, true} {
		name := "full"
		if resumed {
			name = "resumed"
		}
		clientCfg := func() *tls.Config {
			c := &tls.Config{ServerName: "example.com", RootCAs: p.pool, MinVersion: tls.VersionTLS13,
				CurvePreferences: []tls.CurveID{tls.X25519}}
			if resumed {
				c.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			}
			return c
		}
		b.Run(name+"/tlsterm", func(b *testing.B) {
			cc := clientCfg()
			one := func() bool {
				sc, cl := net.Pipe()
				ev := &pipeEvents{nc: sc, done: make(chan struct{})}
				h := s.NewHandshake(ev)
				go func() {
					buf := make([]byte, 4096)
					for {
						n, err := sc.Read(buf)
						if n > 0 && h.Feed(buf[:n]) < n {
							return
						}
						if err != nil {
							return
						}
					}
				}()
				c := tls.Client(cl, cc)
				if err := c.Handshake(); err != nil {
					b.Fatal(err)
				}
				<-ev.done
				conn, _, st, err := h.Result()
				if err != nil {
					b.Fatal(err)
				}
				rec, _ := conn.Seal(nil, []byte("x"))
				go sc.Write(rec)
				c.Read(make([]byte, 1))
				sc.Close()
				cl.Close()
				return st.DidResume
			}
			loopHandshakes(b, resumed, one)
		})
		b.Run(name+"/cryptotls", func(b *testing.B) {
			cc := clientCfg()
			one := func() bool {
				sc, cl := net.Pipe()
				srv := tls.Server(sc, plain)
				go func() {
					if srv.Handshake() == nil {
						srv.Write([]byte("x"))
					}
				}()
				c := tls.Client(cl, cc)
				if err := c.Handshake(); err != nil {
					b.Fatal(err)
				}
				c.Read(make([]byte, 1))
				sc.Close()
				cl.Close()
				return c.ConnectionState().DidResume
			}
			loopHandshakes(b, resumed, one)
		})
	}
}

// cpuTime is the process's CPU time (user + system) so far. Handshake
// benchmarks report CPU per handshake besides wall time: on a shared
// machine the wall time of a goroutine hand-off swings with others' load,
// the CPU spent does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopHandshakes runs one handshake per iteration after a warm-up (which
// also leaves a ticket for the resumed case) and reports CPU per handshake.
func loopHandshakes(b *testing.B, resumed bool, one func() bool) {
	one()
	b.ReportAllocs()
	since := cpuTime()
	for b.Loop() {
		if one() != resumed {
			b.Fatal("resumption state")
		}
	}
	b.ReportMetric(float64(cpuTime()-since)/float64(b.N)/1e3, "cpu-µs/op")
}

type pipeEvents struct {
	nc   net.Conn
	done chan struct{}
}

func (e *pipeEvents) HandshakeWrite(b []byte)  { e.nc.Write(b) }
func (e *pipeEvents) HandshakeDone(*Handshake) { close(e.done) }

// TestIdleConnMemory measures the heap an idle established connection's
// record layer holds (keys and state; buffers are the caller's, lent per
// call), over 10,000 connections per suite. Goal (issue 12): <= 16 KiB per
// idle TLS connection including what the edge adds.
func TestIdleConnMemory(t *testing.T) {
	for _, id := range []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256} {
		s := suiteByID(id)
		const n = 10000
		conns := make([]*Conn, n)
		var m [48]byte
		rand.Read(m[:])
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range conns {
			var err error
			if s.tls12 {
				conns[i], err = newConn12(s, m[:], m[:32], m[16:48])
			} else {
				conns[i], err = newConn13(s, m[:s.hashLen()], m[:s.hashLen()])
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		per := float64(after.HeapAlloc-before.HeapAlloc) / n
		t.Logf("suite %#x: %.0f bytes per idle connection", id, per)
		if per > 4096 {
			t.Fatalf("suite %#x: %.0f bytes per idle connection (budget 4 KiB of the 16 KiB goal)", id, per)
		}
		runtime.KeepAlive(conns)
	}
}
