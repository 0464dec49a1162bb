//go:build !race

package tlsterm

import (
	"crypto/tls"
	"testing"
)

// TestZeroAllocRecordLayer: opening a small request and sealing a small
// response on an established connection allocates nothing, for every suite
// (the edge's 0-allocations-per-request rule).
func TestZeroAllocRecordLayer(t *testing.T) {
	req := []byte("GET /api/v1/items?id=42 HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n")
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"id\":42,\"name\":\"a widget\"}")
	for _, id := range allSuites {
		srv, cli := newPair(t, id)
		plain := make([]byte, 0, MaxPlaintext)
		out := make([]byte, 0, 4096)
		wire := make([]byte, 0, 4096)
		back := make([]byte, 0, MaxPlaintext)
		var err error
		allocs := testing.AllocsPerRun(200, func() {
			wire, _ = cli.Seal(wire[:0], req)
			var n int
			plain, n, err = srv.Open(plain[:0], wire)
			if err != nil || n != len(wire) || len(plain) != len(req) {
				panic("open")
			}
			out, err = srv.Seal(out[:0], resp)
			if err != nil {
				panic(err)
			}
			back, _, err = cli.Open(back[:0], out)
			if err != nil || len(back) != len(resp) {
				panic("client open")
			}
		})
		if allocs != 0 {
			t.Fatalf("suite %#x: %.1f allocations per request", id, allocs)
		}
	}
}

// TestZeroAllocClientRecordLayer: the same on the client side of real
// handshakes (this package's Client against its Server, TLS 1.2 and 1.3):
// sealing a request and opening the response allocate nothing.
func TestZeroAllocClientRecordLayer(t *testing.T) {
	s := newTestServer(t)
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		p := runPair(t, s, newClient(t, ClientConfig{MaxVersion: vers}), nil)
		if p.cliErr != nil || p.srvErr != nil {
			t.Fatal(p.cliErr, p.srvErr)
		}
		openConn(t, p.cli, p.cliIn) // the ticket (1.3)
		req := []byte("GET /api/v1/items?id=42 HTTP/1.1\r\nHost: backend.internal\r\n\r\n")
		resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		wire := make([]byte, 0, 4096)
		plain := make([]byte, 0, MaxPlaintext)
		out := make([]byte, 0, 4096)
		back := make([]byte, 0, MaxPlaintext)
		var err error
		allocs := testing.AllocsPerRun(200, func() {
			wire, _ = p.cli.Seal(wire[:0], req)
			plain, _, err = p.srv.Open(plain[:0], wire)
			if err != nil || len(plain) != len(req) {
				panic("server open")
			}
			out, _ = p.srv.Seal(out[:0], resp)
			back, _, err = p.cli.Open(back[:0], out)
			if err != nil || len(back) != len(resp) {
				panic("client open")
			}
		})
		if allocs != 0 {
			t.Fatalf("%#x: %.1f allocations per request", vers, allocs)
		}
	}
}
