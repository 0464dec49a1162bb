package edge

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// The tests here also run with -tags poll_opt (make test): the epoll edits
// that backpressure.go replaced crashed gnet's poll_opt build at the first
// pause (they wrote an fd where gnet keeps a pointer).

// startHTTPUpstream serves h on loopback until the test ends.
func startHTTPUpstream(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// getThrough starts an edge proxying GET /up to the upstream at addr and
// sends that request on a new connection, closed when the test ends.
func getThrough(t *testing.T, addr string) (*Server, net.Conn) {
	t.Helper()
	s := startTestServer(t, fmt.Sprintf(`
      - ApiId: api-up
        RequestConfig: {Path: /up, Method: GET}
        ServiceType: HTTP
        ServiceConfig: {Url: "http://%s", Path: /}
`, addr))
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET /release/up HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n")
	return s, c
}

// TestSlowClientHoldsUpstream: a client that stops reading a large
// response stops the gateway reading its upstream, so the upstream's own
// writes block instead of the gateway buffering the body.
func TestSlowClientHoldsUpstream(t *testing.T) {
	const size = 128 << 20
	wrote := make(chan int, 1)
	up := startHTTPUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		w.Header().Set("Content-Length", strconv.Itoa(size))
		chunk := make([]byte, 64<<10)
		n := 0
		for n < size {
			_ = rc.SetWriteDeadline(time.Now().Add(time.Second))
			m, err := w.Write(chunk)
			n += m
			if err != nil {
				break // blocked for a second: held back
			}
		}
		wrote <- n
	})
	_, c := getThrough(t, up)
	_ = c.(*net.TCPConn).SetReadBuffer(64 << 10)
	// Read nothing until the upstream is done writing.
	select {
	case n := <-wrote:
		if n >= size {
			t.Fatalf("the upstream wrote all %d MiB to a client that reads nothing: the gateway read on", size>>20)
		}
		t.Logf("the upstream was held back after %d KiB", n>>10)
	case <-time.After(60 * time.Second):
		t.Fatal("the upstream never finished writing")
	}
}

// TestShutdownRefusesNewConnections: a drain stops the listeners (the
// kernel refuses new connections) while a request in flight finishes.
func TestShutdownRefusesNewConnections(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	up := startHTTPUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		fmt.Fprint(w, "done")
	})
	s, c := getThrough(t, up)
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the upstream")
	}
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(timeoutCtx(t, 20*time.Second)) }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		nc, err := net.Dial("tcp", s.Addr())
		if err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) {
				break
			}
			// A dial that raced the listener's shutdown is reset from its
			// accept queue; the next one must be refused.
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("dial during the drain: %v, want connection refused", err)
			}
		} else {
			nc.Close()
		}
		if time.Now().After(deadline) {
			t.Fatal("the listeners still accept connections during the drain")
		}
		time.Sleep(time.Millisecond) // poll interval: Shutdown runs in its goroutine
	}

	close(release)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "done" {
		t.Fatalf("in-flight request: %d %q", resp.StatusCode, body)
	}
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
