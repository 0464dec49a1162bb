package tlsterm

import (
	"crypto/tls"
	"net"
	"testing"
)

// BenchmarkClientHandshake: the client role, TLS 1.3, a Go crypto/tls
// server (ECDSA P-256) over net.Pipe; crypto/tls's default key exchange
// on both sides (X25519MLKEM768 in Go 1.26). "tlsterm": the client driver
// (worker goroutine, record-by-record Feed, key handoff, ticket feed);
// "cryptotls": tls.Client. The server's CPU is in both numbers. Resumed:
// with the ticket of the previous connection, which the server sends with
// its Finished and the client reads with the one-byte reply.
func BenchmarkClientHandshake(b *testing.B) {
	p := getPKI(b)
	srvCfg := &tls.Config{Certificates: []tls.Certificate{*p.ecdsa}, MinVersion: tls.VersionTLS13}
	serve := func(sc net.Conn) {
		srv := tls.Server(sc, srvCfg)
		if srv.Handshake() == nil {
			srv.Write([]byte("x"))
		}
	}
	for _, resumed := range []bool{false, true} {
		name := "full"
		if resumed {
			name = "resumed"
		}
		b.Run(name+"/tlsterm", func(b *testing.B) {
			cli, err := NewClient(ClientConfig{ServerName: "example.com", CABundle: p.caPEM,
				MinVersion: tls.VersionTLS13, SessionTicketsDisabled: !resumed})
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, MaxPlaintext)
			one := func() bool {
				sc, cl := net.Pipe()
				go serve(sc)
				quit := make(chan struct{})
				chunks := chunkReader(cl, quit)
				ev := &pipeEvents{nc: cl, done: make(chan struct{})}
				h := cli.NewHandshake(ev)
				var in []byte
				for waiting := true; waiting; {
					select {
					case c := <-chunks:
						if len(in) == 0 {
							c = c[h.Feed(c):]
						}
						in = append(in, c...)
					case <-ev.done:
						waiting = false
					}
				}
				conn, left, st, err := h.Result()
				if err != nil {
					b.Fatal(err)
				}
				in = append(left, in...)
				for got := false; !got; {
					out, n, err := conn.Open(buf[:0], in)
					if err != nil {
						b.Fatal(err)
					}
					in, got = in[n:], len(out) > 0
					if !got {
						in = append(in, <-chunks...)
					}
				}
				close(quit)
				sc.Close()
				cl.Close()
				return st.DidResume
			}
			loopHandshakes(b, resumed, one)
		})
		b.Run(name+"/cryptotls", func(b *testing.B) {
			cc := &tls.Config{ServerName: "example.com", RootCAs: p.pool, MinVersion: tls.VersionTLS13}
			if resumed {
				cc.ClientSessionCache = tls.NewLRUClientSessionCache(1)
			}
			one := func() bool {
				sc, cl := net.Pipe()
				go serve(sc)
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

// BenchmarkClientRecord: the client's side of one small request and
// response on an established TLS 1.3 AES-128-GCM connection: the request
// sealed, the response opened (the response is sealed once; the read
// sequence is rewound for each open).
func BenchmarkClientRecord(b *testing.B) {
	s, err := NewServer(Config{Certificates: testTable(b, true)})
	if err != nil {
		b.Fatal(err)
	}
	pr := runPair(b, s, newClient(b, ClientConfig{}), nil)
	if pr.cliErr != nil {
		b.Fatal(pr.cliErr)
	}
	openConn(b, pr.cli, pr.cliIn)
	if pr.cli.CipherSuite() != tls.TLS_AES_128_GCM_SHA256 {
		b.Skipf("negotiated %#x", pr.cli.CipherSuite())
	}
	resp, _ := pr.srv.Seal(nil, benchResp)
	seq := pr.cli.in.seq
	wire := make([]byte, 0, 4096)
	back := make([]byte, 0, MaxPlaintext)
	b.ReportAllocs()
	for b.Loop() {
		wire, _ = pr.cli.Seal(wire[:0], benchReq)
		pr.cli.in.seq = seq
		back, _, _ = pr.cli.Open(back[:0], resp)
	}
	if string(back) != string(benchResp) {
		b.Fatal("round trip")
	}
}
