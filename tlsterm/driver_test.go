package tlsterm

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// memEvents collects a handshake's output in memory.
type memEvents struct {
	mu    sync.Mutex
	out   []byte
	done  chan struct{}
	block chan struct{} // when set, HandshakeWrite waits on it
}

func newMemEvents() *memEvents { return &memEvents{done: make(chan struct{})} }

func (e *memEvents) HandshakeWrite(b []byte) {
	if e.block != nil {
		<-e.block
	}
	e.mu.Lock()
	e.out = append(e.out, b...)
	e.mu.Unlock()
}

func (e *memEvents) HandshakeDone(*Handshake) { close(e.done) }

func (e *memEvents) written() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.out)
}

func (e *memEvents) wait(t testing.TB) {
	t.Helper()
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
		t.Fatal("handshake never ended")
	}
}

// clientHello captures a Go client's ClientHello.
func clientHello(t testing.TB, cfg *tls.Config) []byte {
	t.Helper()
	a, b := net.Pipe()
	go func() {
		tls.Client(a, cfg).Handshake()
		a.Close()
	}()
	buf := make([]byte, 1<<16)
	n, err := b.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	return buf[:n]
}

// settleGoroutines waits for the goroutine count to come back to base.
func settleGoroutines(t testing.TB, base int) {
	t.Helper()
	eventually(t, "handshake goroutines to end", 5*time.Second, func() bool {
		return runtime.NumGoroutine() <= base
	})
}

func TestHandshakeLimitAndQueue(t *testing.T) {
	base := runtime.NumGoroutine()
	s, err := NewServer(Config{Certificates: testTable(t, true), MaxHandshakes: 1, MaxQueued: 1})
	if err != nil {
		t.Fatal(err)
	}
	hello := clientHello(t, &tls.Config{ServerName: "example.com"})
	e1, e2, e3 := newMemEvents(), newMemEvents(), newMemEvents()
	h1, h2, h3 := s.NewHandshake(e1), s.NewHandshake(e2), s.NewHandshake(e3)
	if n := h1.Feed(hello[:10]); n != 10 {
		t.Fatal(n)
	}
	if st := s.Stats(); st.Running != 0 {
		t.Fatalf("a partial ClientHello took a slot: %+v", st)
	}
	h1.Feed(hello[10:])
	eventually(t, "h1's server flight", 5*time.Second, func() bool { return e1.written() > 0 })
	h2.Feed(hello)
	if st := s.Stats(); st.Running != 1 || st.Queued != 1 {
		t.Fatalf("stats %+v", st)
	}
	h3.Feed(hello) // slot and queue full: refused at once
	e3.wait(t)
	if _, _, _, err := h3.Result(); err != ErrBusy {
		t.Fatalf("h3: %v", err)
	}
	if e2.written() != 0 {
		t.Fatal("queued handshake ran")
	}
	h1.Abort()
	e1.wait(t)
	if _, _, _, err := h1.Result(); err != ErrHandshakeAborted {
		t.Fatalf("h1: %v", err)
	}
	// h2 gets the slot.
	eventually(t, "h2's server flight", 5*time.Second, func() bool { return e2.written() > 0 })
	h2.Abort()
	e2.wait(t)
	if n := h2.Feed([]byte("late")); n != 0 {
		t.Fatalf("Feed after the end took %d bytes", n)
	}
	eventually(t, "slots to free", 5*time.Second, func() bool { return s.Stats() == Stats{} })
	settleGoroutines(t, base)
}

func TestHandshakeTimeout(t *testing.T) {
	base := runtime.NumGoroutine()
	s, err := NewServer(Config{Certificates: testTable(t, true), HandshakeTimeout: 150 * time.Millisecond, MaxHandshakes: 1})
	if err != nil {
		t.Fatal(err)
	}
	hello := clientHello(t, &tls.Config{ServerName: "example.com"})
	idle, running, queued := newMemEvents(), newMemEvents(), newMemEvents()
	s.NewHandshake(idle).Feed(hello[:20]) // never completes its first record
	hr := s.NewHandshake(running)
	hr.Feed(hello) // runs, then waits for the client's Finished forever
	hq := s.NewHandshake(queued)
	hq.Feed(hello) // waits for the only slot
	for _, e := range []*memEvents{idle, running, queued} {
		e.wait(t)
	}
	if _, _, _, err := hr.Result(); err != ErrHandshakeTimeout {
		t.Fatalf("running: %v", err)
	}
	if _, _, _, err := hq.Result(); err != ErrHandshakeTimeout {
		t.Fatalf("queued: %v", err)
	}
	settleGoroutines(t, base)
}

func TestFeedDoesNotBlock(t *testing.T) {
	// The loop's Feed returns while the handshake goroutine is stuck in a
	// slow HandshakeWrite (a slow handshake never holds the loop).
	s, err := NewServer(Config{Certificates: testTable(t, true)})
	if err != nil {
		t.Fatal(err)
	}
	hello := clientHello(t, &tls.Config{ServerName: "example.com"})
	e := newMemEvents()
	e.block = make(chan struct{})
	h := s.NewHandshake(e)
	h.Feed(hello)
	eventually(t, "the handshake to run", 5*time.Second, func() bool { return s.Stats().Running == 1 })
	fed := make(chan int)
	go func() { fed <- h.Feed([]byte{22, 3, 3, 0, 1}) }()
	select {
	case n := <-fed:
		if n != 5 {
			t.Fatalf("fed %d", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Feed blocked behind the handshake goroutine")
	}
	h.Abort()
	close(e.block)
	e.wait(t)
}

// rawConn dials ts and sends b.
func rawConn(t *testing.T, ts *testServer, b []byte) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBadHandshakeInput(t *testing.T) {
	ts := startServer(t, Config{HandshakeTimeout: time.Second}, false)
	base := runtime.NumGoroutine()
	hello := clientHello(t, &tls.Config{ServerName: "example.com"})
	sslv2 := []byte{0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10}
	sslv2 = append(sslv2, make([]byte, 0x2e-9)...)
	cases := []struct {
		name    string
		send    []byte
		closeWr bool
		alert   bool  // the server answers with an alert record
		err     error // the server's error, when stable
	}{
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false, false, nil},
		{"sslv2 hello", sslv2, false, false, nil},
		{"random bytes", []byte{22, 3, 1, 0, 40, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}, false, true, nil},
		{"oversize record", []byte{22, 3, 1, 0xff, 0xff}, false, true, nil},
		{"truncated then close", hello[:len(hello)/2], true, false, ErrHandshakeAborted},
		{"truncated then silence", hello[:len(hello)/2], false, false, ErrHandshakeTimeout},
		{"never finishes", hello, false, false, ErrHandshakeTimeout},
		{"garbage second flight", append(append([]byte{}, hello...), 22, 3, 3, 0, 4, 1, 2, 3, 4), false, true, nil},
	}
	for _, tc := range cases {
		c := rawConn(t, ts, tc.send)
		if tc.closeWr {
			c.(*net.TCPConn).CloseWrite()
		}
		e := ts.next(t)
		if e.err == nil || (tc.err != nil && !errors.Is(e.err, tc.err)) {
			t.Fatalf("%s: server error %v, want %v", tc.name, e.err, tc.err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("%s: the server did not close: %v", tc.name, err)
		}
		if tc.alert && !hasAlert(got) {
			t.Fatalf("%s: no alert in %x", tc.name, got)
		}
		t.Logf("%s: %v (%d bytes back)", tc.name, e.err, len(got))
	}
	settleGoroutines(t, base)
}

// hasAlert reports whether b ends with an alert: in clear, or (TLS 1.3,
// after the ServerHello) under the handshake key, 2 bytes + type + tag.
func hasAlert(b []byte) bool {
	var last []byte
	for rec, rest := nextRecord(b); rec != nil; rec, rest = nextRecord(rest) {
		last = rec
	}
	return last != nil && (last[0] == recordAlert || (last[0] == recordAppData && len(last) == recordHeaderLen+2+1+tagLen))
}

func TestTinyTimeout(t *testing.T) {
	// The timer may fire before NewHandshake has returned.
	s, err := NewServer(Config{Certificates: testTable(t, true), HandshakeTimeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	for range 2000 {
		e := newMemEvents()
		h := s.NewHandshake(e)
		e.wait(t)
		if _, _, _, err := h.Result(); err != ErrHandshakeTimeout {
			t.Fatalf("err %v", err)
		}
	}
}
