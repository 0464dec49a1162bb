//go:build !race

package edge

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The TLS backend of TestUpstreamTLSRoundTripAllocs runs in a child
// process (this test binary, TestUpstreamTLSAllocBackend): crypto/tls's
// server allocates per request, and AllocsPerRun counts the whole
// process. The child prints its address and serves until stdin closes.
const upTLSAllocEnv = "EDGE_UPTLS_ALLOC_BACKEND"

// A keep-alive proxied GET through a pooled TLS upstream connection
// allocates nothing, process-wide (gnet's loop, the record layer both
// ways, the edge), like TestProxyRoundTripAllocs for a plain upstream.
func TestUpstreamTLSRoundTripAllocs(t *testing.T) {
	for _, v := range []string{"1.3", "1.2"} {
		t.Run("TLS"+v, func(t *testing.T) {
			addr := startChildTLSBackend(t, v)
			s := startUpTLSServer(t, Config{}, tlsAPI("api-p", "/p", "https://"+addr, "TlsServerName: backend.test, TlsInsecureSkipVerify: true"))
			noAllocs(t, newRoundTripper(t, s.Addr(), "GET /release/p/x?a=1 HTTP/1.1\r\nHost: service-t.localhost\r\nUser-Agent: alloc-test\r\nAccept: */*\r\n\r\n"), 200)
			if st := s.Stats(); st.UpstreamTLSHandshakes != 1 {
				t.Errorf("%d upstream handshakes, want 1 (one pooled connection)", st.UpstreamTLSHandshakes)
			}
		})
	}
}

// startChildTLSBackend runs TestUpstreamTLSAllocBackend in a child
// process and returns its address. mode is the TLS version ("1.3",
// "1.2"), then optionally ",close" (every response closes its
// connection) and ",notickets" (no resumption).
func startChildTLSBackend(t testing.TB, mode string) string {
	t.Helper()
	cmd, in, out := startChild(t, "TestUpstreamTLSAllocBackend", upTLSAllocEnv+"="+mode)
	t.Cleanup(func() {
		in.Close()
		cmd.Wait()
	})
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(addr)
}

// startChild runs the test run of this test binary in a child process
// with env added, and returns its stdin and stdout.
func startChild(t testing.TB, run string, env ...string) (*exec.Cmd, io.WriteCloser, io.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+run+"$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	childIn, in, err1 := os.Pipe()
	out, childOut, err2 := os.Pipe()
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	cmd.Stdin, cmd.Stdout = childIn, childOut
	err := cmd.Start()
	childIn.Close() // the child holds its own ends
	childOut.Close()
	if err != nil {
		t.Fatal(err)
	}
	return cmd, in, out
}

// TestUpstreamTLSAllocBackend is the child side: a TLS server answering
// every request with one fixed response.
func TestUpstreamTLSAllocBackend(t *testing.T) {
	v := os.Getenv(upTLSAllocEnv)
	if v == "" {
		t.Skip("the backend of TestUpstreamTLSRoundTripAllocs")
	}
	conn := ""
	if strings.Contains(v, ",close") {
		conn = "Connection: close\r\n"
	}
	u := &rawUpstream{resp: []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + conn + "Content-Length: 12\r\n\r\nhello, world")}
	addr := serveTLS(t, func(cfg *tls.Config) {
		if strings.HasPrefix(v, "1.2") {
			cfg.MaxVersion = tls.VersionTLS12
		}
		cfg.SessionTicketsDisabled = strings.Contains(v, ",notickets")
	}, u.serve)
	os.Stdout.WriteString(addr + "\n")
	var one [1]byte
	os.Stdin.Read(one[:]) // until the parent closes it
}
