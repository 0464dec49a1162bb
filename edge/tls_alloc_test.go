//go:build !race

package edge

import (
	"bytes"
	"crypto/tls"
	"io"
	"os"
	"testing"
)

// The TLS client of TestTLSProxyRoundTripAllocs runs in a child process
// (this test binary, TestTLSAllocClient): crypto/tls's client allocates
// per request, and AllocsPerRun counts the whole process. The child does
// one keep-alive request per byte it reads on stdin and answers with one
// byte on stdout, so the parent's process holds only the edge, the
// upstream and two pipes.
const tlsAllocAddrEnv = "EDGE_TLS_ALLOC_ADDR"

// A keep-alive proxied GET and a mock answer on an established TLS
// connection allocate nothing, process-wide (gnet's loop, the record
// layer, the edge), like TestProxyRoundTripAllocs for plain HTTP.
func TestTLSProxyRoundTripAllocs(t *testing.T) {
	up := startRawUpstream(t, "hello, world")
	s := startTLSServer(t, Config{}, proxyAPI("api-p", "/p", up.ln.Addr().String(), ""), mockAPI("api-m", "/m", "hello, world"))
	for _, path := range []string{"/release/p/x?a=1", "/release/m"} {
		cmd, in, out := startChild(t, "TestTLSAllocClient", tlsAllocAddrEnv+"="+s.TLSAddr(), "EDGE_TLS_ALLOC_PATH="+path)
		one, ack := []byte{1}, make([]byte, 1)
		check := func() {
			if _, err := in.Write(one); err != nil {
				panic(err)
			}
			if _, err := io.ReadFull(out, ack); err != nil || ack[0] != 1 {
				panic("client failed")
			}
		}
		for range 200 { // the handshake, tickets, pools and buffers
			check()
		}
		if n := testing.AllocsPerRun(1000, check); n != 0 {
			t.Errorf("%s: %v allocations per request over TLS, want 0", path, n)
		}
		in.Close()
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTLSAllocClient is the child side of TestTLSProxyRoundTripAllocs.
func TestTLSAllocClient(t *testing.T) {
	addr := os.Getenv(tlsAllocAddrEnv)
	if addr == "" {
		t.Skip("the client of TestTLSProxyRoundTripAllocs")
	}
	c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "service-t.localhost", InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := []byte("GET " + os.Getenv("EDGE_TLS_ALLOC_PATH") + " HTTP/1.1\r\nHost: service-t.localhost\r\nUser-Agent: alloc-test\r\nAccept: */*\r\n\r\n")
	buf := make([]byte, 64<<10)
	cmd := make([]byte, 1)
	for {
		if _, err := os.Stdin.Read(cmd); err != nil {
			return // the parent is done
		}
		if _, err := c.Write(req); err != nil {
			t.Fatal(err)
		}
		have := 0
		for {
			n, err := c.Read(buf[have:])
			if err != nil {
				t.Fatal(err)
			}
			have += n
			head := bytes.Index(buf[:have], []byte("\r\n\r\n"))
			if head >= 0 && have >= head+4+contentLength(buf[:head]) {
				if !bytes.HasPrefix(buf, []byte("HTTP/1.1 200 ")) || have != head+4+contentLength(buf[:head]) {
					t.Fatalf("response %q", buf[:have])
				}
				break
			}
		}
		os.Stdout.Write(cmd)
	}
}
