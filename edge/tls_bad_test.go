package edge

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	goruntime "runtime"
	"strings"
	"testing"
	"time"
)

// dialRaw opens a TCP connection closed when the test ends.
func dialRaw(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// stallConn passes on the first pass bytes a client writes (pass < 0: its
// first write whole) and swallows the rest: a client whose handshake stops
// reaching the gateway there.
type stallConn struct {
	net.Conn
	pass int
}

func (s *stallConn) Write(b []byte) (int, error) {
	if s.pass < 0 {
		s.pass = len(b)
	}
	k := min(s.pass, len(b))
	s.pass -= k
	if k > 0 {
		if _, err := s.Conn.Write(b[:k]); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// stalledClient runs a Go TLS client over a stallConn and returns the
// socket and the client's handshake result, once it has one.
func stalledClient(t testing.TB, addr string, pass int) (net.Conn, <-chan error) {
	raw := dialRaw(t, addr)
	done := make(chan error, 1)
	go func() {
		done <- tls.Client(&stallConn{Conn: raw, pass: pass}, &tls.Config{ServerName: "service-t.localhost", InsecureSkipVerify: true}).Handshake()
	}()
	return raw, done
}

// readUntilClosed reads c until the server closes it and returns what came
// and how long it took.
func readUntilClosed(t testing.TB, c net.Conn, limit time.Duration, what ...string) ([]byte, time.Duration) {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(limit))
	got, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("%v: not closed within %v (got %d bytes)", what, limit, len(got))
	}
	return got, time.Since(start)
}

// A handshake that never finishes (a partial ClientHello; a whole one and
// then silence) is ended by the handshake timeout, and meanwhile other
// connections, TLS and plain, are served at once: the loop never waits on
// a handshake.
func TestTLSStalledHandshakes(t *testing.T) {
	const timeout = 700 * time.Millisecond
	s := startTLSServer(t, Config{TLSHandshakeTimeout: timeout}, mockAPI("api-m", "/m", "mocked"))
	opened := time.Now()                                      // before the connections: the timeout runs from their accept
	partial, partialDone := stalledClient(t, s.TLSAddr(), 50) // half a ClientHello
	silent, silentDone := stalledClient(t, s.TLSAddr(), -1)   // the ClientHello, never the Finished
	if err := <-silentDone; err != nil {
		t.Fatalf("the silent client got no server flight: %v", err)
	}

	for i := range 5 {
		start := time.Now()
		c := mustDialTLS(t, s, tlsConfig(t, "service-t.localhost"))
		if resp, body := exchange(t, c, bufio.NewReader(c), getReq("service-t.localhost", "/release/m")); resp.StatusCode != 200 || body != "mocked" {
			t.Fatalf("tls %d: %d %q", i, resp.StatusCode, body)
		}
		c.Close()
		pc := dialRaw(t, s.Addr())
		if code, body := roundTrip(t, pc, "/release/m"); code != 200 || body != "mocked" {
			t.Fatalf("plain %d: %d %q", i, code, body)
		}
		pc.Close()
		if d := time.Since(start); d > timeout/2 {
			t.Errorf("round %d took %v while two handshakes were stalled", i, d)
		}
	}
	if time.Since(opened) > timeout {
		t.Fatalf("the checks outlasted the timeout; they prove nothing")
	}
	if err := <-partialDone; err == nil {
		t.Fatal("half a ClientHello completed a handshake")
	}
	for _, c := range []net.Conn{partial, silent} {
		if got, _ := readUntilClosed(t, c, 5*time.Second); len(got) != 0 {
			t.Errorf("%d bytes after the stall", len(got))
		}
		if time.Since(opened) < timeout {
			t.Errorf("closed after %v, before the timeout", time.Since(opened))
		}
	}
	waitFor(t, "the failures counted", func() bool { return s.Stats().TLSHandshakeFailures == 2 })
	waitFor(t, "the connections gone", func() bool { return s.Conns() == 0 })
}

// isAlert reports whether b starts with a TLS alert record.
func isAlert(b []byte) bool { return len(b) >= 7 && b[0] == 21 }

// Bad TLS input: garbage instead of a ClientHello, plain HTTP on the HTTPS
// port, a record too long, a record failing authentication, a truncated
// record: each ends in an alert and a close (or a close), and nothing is
// left behind (connections, handshake goroutines).
func TestTLSBadInput(t *testing.T) {
	s := startTLSServer(t, Config{}, mockAPI("api-m", "/m", "mocked"))
	base := goruntime.NumGoroutine()
	for name, in := range map[string]string{
		"garbage":     "\x16\x03\x01\x00\x05hello",
		"plain http":  "GET / HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n",
		"huge record": "\x16\x03\x01\xff\xff",
		"sslv2 hello": "\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10",
		"alert first": "\x15\x03\x01\x00\x02\x02\x28",
		"zero hello":  "\x16\x03\x01\x00\x40" + strings.Repeat("\x00", 0x40),
	} {
		c := dialRaw(t, s.TLSAddr())
		c.Write([]byte(in))
		got, _ := readUntilClosed(t, c, 5*time.Second, name)
		if len(got) > 0 && !isAlert(got) {
			t.Errorf("%s: answered %x", name, got[:min(len(got), 16)])
		}
	}

	// After a handshake: a record that fails authentication gets
	// bad_record_mac; the client reads it as an alert.
	raw := dialRaw(t, s.TLSAddr())
	c := tls.Client(raw, tlsConfig(t, "service-t.localhost"))
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	raw.Write([]byte("\x17\x03\x03\x00\x20" + strings.Repeat("\xaa", 32)))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 10)); err == nil || !strings.Contains(err.Error(), "bad record MAC") {
		t.Errorf("forged record: %v", err)
	}

	// A truncated record and the client's FIN: the connection closes.
	raw = dialRaw(t, s.TLSAddr())
	c = tls.Client(raw, tlsConfig(t, "service-t.localhost"))
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	raw.Write([]byte("\x17\x03\x03\x01\x00" + strings.Repeat("\xaa", 40)))
	raw.(*net.TCPConn).CloseWrite()
	readUntilClosed(t, raw, 5*time.Second)

	waitFor(t, "every connection closed", func() bool { return s.Conns() == 0 })
	waitFor(t, "handshake goroutines gone", func() bool { return goruntime.NumGoroutine() <= base })
}
