package tcapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// boundedServer serves s through its Bounds' http.Server on loopback.
func boundedServer(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := s.Bounds.HTTPServer(s)
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// wireHead renders req's request line and headers as a client sends them.
func wireHead(req *http.Request, contentLength int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), testHost)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", contentLength)
	return b.String()
}

// trickle writes data one byte every 100 ms until it is all sent, a write
// fails, or stop is called.
func trickle(c net.Conn, data string) (stop func()) {
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < len(data); i++ {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if _, err := c.Write([]byte{data[i]}); err != nil {
				return
			}
		}
	}()
	return func() { close(done); <-exited }
}

// answer reads one response from br and its envelope's error code.
func answer(t *testing.T, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("answer body: %v", err)
	}
	var env struct {
		Response struct {
			Error     *struct{ Code, Message string }
			RequestId string
		}
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Response.RequestId == "" {
		t.Fatalf("not an envelope (%v): %s", err, body)
	}
	if env.Response.Error == nil {
		return resp, ""
	}
	t.Logf("answer: %s: %s", env.Response.Error.Code, env.Response.Error.Message)
	return resp, env.Response.Error.Code
}

// closed reports whether the peer closed the connection (EOF or reset)
// before the read deadline.
func closed(c net.Conn, br *bufio.Reader) error {
	_, err := br.ReadByte()
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return nil
	case err == nil:
		return errors.New("more bytes after the answer")
	default:
		return err
	}
}

func dialBounded(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a hang fails the test, not the run
	return c, bufio.NewReader(c)
}

// TestSlowBodyIsCut: an unauthenticated client sending its body at a byte
// per 100 ms is answered UnsupportedProtocol once the 1 s body bound passes,
// and the connection is closed (defect 2 of issue 11).
func TestSlowBodyIsCut(t *testing.T) {
	s := newTestServer(nil)
	s.Bounds = Bounds{HeaderTimeout: time.Second, BodyTimeout: time.Second}
	addr := boundedServer(t, s)
	spec := defaultTC3()
	spec.body = `{"Limit":10,"Offset":0}` + strings.Repeat(" ", 200) // 20 s at this pace
	req := spec.request()
	c, br := dialBounded(t, addr)
	if _, err := io.WriteString(c, wireHead(req, len(spec.body))); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stop := trickle(c, spec.body)
	resp, code := answer(t, br)
	took := time.Since(start)
	stop()
	if code != CodeUnsupportedProtocol || !resp.Close {
		t.Fatalf("slow body answered %q, Connection: close %v", code, resp.Close)
	}
	if took < 900*time.Millisecond || took > 2500*time.Millisecond {
		t.Fatalf("answered after %v; the body bound is 1 s", took)
	}
	if err := closed(c, br); err != nil {
		t.Fatalf("connection not closed after the answer: %v", err)
	}
	t.Logf("answered and closed after %v", took)
}

// TestSlowHeaderIsCut: a head arriving a byte per 100 ms is cut at the 1 s
// head bound (net/http answers a plain 400 and closes: no handler runs).
func TestSlowHeaderIsCut(t *testing.T) {
	s := newTestServer(nil)
	s.Bounds = Bounds{HeaderTimeout: time.Second, BodyTimeout: time.Second}
	addr := boundedServer(t, s)
	c, br := dialBounded(t, addr)
	start := time.Now()
	stop := trickle(c, "POST / HTTP/1.1\r\nHost: "+testHost+"\r\nX-Filler: "+strings.Repeat("a", 200)+"\r\n\r\n")
	defer stop()
	got, err := io.ReadAll(br)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("slow head: %v after %q", err, got)
	}
	t.Logf("net/http's answer: %q", got)
	if took := time.Since(start); took < 900*time.Millisecond || took > 2500*time.Millisecond {
		t.Fatalf("closed after %v; the head bound is 1 s", took)
	}
}

// TestUnreadBodyIsNotWaitedFor: a request refused before its body is read
// is answered at once and its connection closed; net/http would otherwise
// drain the slow body first.
func TestUnreadBodyIsNotWaitedFor(t *testing.T) {
	s := newTestServer(nil)
	s.Bounds = Bounds{HeaderTimeout: time.Second, BodyTimeout: 5 * time.Second}
	addr := boundedServer(t, s)
	for _, ct := range []string{"text/plain", "multipart/form-data; boundary=x"} {
		spec := defaultTC3()
		spec.contentType = ct
		req := spec.request()
		c, br := dialBounded(t, addr)
		io.WriteString(c, wireHead(req, 200))
		start := time.Now()
		stop := trickle(c, strings.Repeat("x", 200))
		resp, code := answer(t, br)
		stop()
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Fatalf("%s: answered after %v", ct, took)
		}
		if code != CodeUnsupportedProtocol || !resp.Close {
			t.Fatalf("%s: answered %q, Connection: close %v", ct, code, resp.Close)
		}
		if err := closed(c, br); err != nil {
			t.Fatalf("%s: %v", ct, err)
		}
	}
}

// TestBoundedServerServesSignedRequests: within the bounds, signed requests
// work and the connection is kept alive; a Handler that runs past the body
// bound (a long-poll) keeps its context.
func TestBoundedServerServesSignedRequests(t *testing.T) {
	s := newTestServer(nil)
	s.Bounds = Bounds{HeaderTimeout: time.Second, BodyTimeout: 300 * time.Millisecond}
	s.Actions["Wait"] = func(ctx context.Context, r *Request) (any, error) {
		select {
		case <-time.After(800 * time.Millisecond): // past the body bound
			return map[string]bool{"Waited": true}, nil
		case <-ctx.Done():
			return nil, fmt.Errorf("context ended while waiting: %w", context.Cause(ctx))
		}
	}
	addr := boundedServer(t, s)
	c, br := dialBounded(t, addr)
	for _, action := range []string{"DescribeServicesStatus", "Wait", "DescribeServicesStatus"} {
		spec := defaultTC3()
		spec.action = action
		spec.body = `{}`
		req := spec.request()
		if _, err := io.WriteString(c, wireHead(req, len(spec.body))+spec.body); err != nil {
			t.Fatal(err)
		}
		resp, code := answer(t, br)
		if code != "" || resp.Close {
			t.Fatalf("%s: answered %q, close %v", action, code, resp.Close)
		}
	}
}
