package tlsterm

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// The test server: the handshake driver and the record layer over real
// loopback sockets, with a plain blocking read loop per connection. It is
// a harness only; the edge runs the same calls from its event loop.

// connEnd is how one connection ended.
type connEnd struct {
	st   State
	err  error // handshake error, or the record layer's final error (nil: we closed)
	left int   // ciphertext left over after the client Finished
}

type testServer struct {
	s     *Server
	ln    net.Listener
	addr  string
	echo  bool // echo mode (openssl): each plaintext chunk comes back as "echo:" + chunk
	ends  chan connEnd
	wg    sync.WaitGroup
	conns sync.Map // net.Conn -> struct{}
}

func startServer(t testing.TB, cfg Config, echo bool) *testServer {
	t.Helper()
	if cfg.Certificates == nil {
		cfg.Certificates = testTable(t, true)
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{s: s, ln: ln, addr: ln.Addr().String(), echo: echo, ends: make(chan connEnd, 256)}
	ts.wg.Add(1)
	go func() {
		defer ts.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			ts.conns.Store(nc, struct{}{})
			ts.wg.Add(1)
			go func() {
				defer ts.wg.Done()
				defer ts.conns.Delete(nc)
				ts.serve(nc)
			}()
		}
	}()
	t.Cleanup(ts.close)
	return ts
}

func (ts *testServer) close() {
	ts.ln.Close()
	ts.conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
	ts.wg.Wait()
}

// next returns the next connection end.
func (ts *testServer) next(t testing.TB) connEnd {
	t.Helper()
	select {
	case e := <-ts.ends:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no connection ended")
		return connEnd{}
	}
}

type connEvents struct {
	nc   net.Conn
	done chan struct{}
}

func (e *connEvents) HandshakeWrite(b []byte)  { e.nc.Write(b) }
func (e *connEvents) HandshakeDone(*Handshake) { close(e.done) }

func (ts *testServer) serve(nc net.Conn) {
	defer nc.Close()
	quit := make(chan struct{})
	defer close(quit)
	chunks := chunkReader(nc, quit)

	ev := &connEvents{nc: nc, done: make(chan struct{})}
	h := ts.s.NewHandshake(ev)
	var pending []byte // bytes Feed did not take, in order
	eof := false
feed:
	for {
		select {
		case b, ok := <-chunks:
			if !ok {
				eof = true
				h.Abort()
				<-ev.done
				break feed
			}
			if len(pending) == 0 {
				b = b[h.Feed(b):]
			}
			pending = append(pending, b...)
		case <-ev.done:
			break feed
		}
	}
	c, left, st, err := h.Result()
	end := connEnd{st: st, err: err, left: len(left)}
	if err != nil || eof {
		if err == nil {
			err = errors.New("client went away")
		}
		end.err = err
		ts.ends <- end
		return
	}
	in := append(left, pending...)
	plain := make([]byte, 0, 64<<10)
	var out []byte
	for {
		var n int
		plain, n, err = c.Open(plain, in)
		in = in[n:]
		out = out[:0]
		if err == nil || errors.Is(err, ErrCloseNotify) {
			var quitNow bool
			out, plain, quitNow = ts.app(c, st, out, plain)
			if quitNow {
				nc.Write(out)
				ts.ends <- end
				return
			}
		}
		if c.Pending() {
			out = c.AppendPending(out)
		}
		if errors.Is(err, ErrCloseNotify) {
			out = c.AppendCloseNotify(out)
		}
		if len(out) > 0 {
			nc.Write(out)
		}
		if err != nil {
			end.err = err
			ts.ends <- end
			return
		}
		b, ok := <-chunks
		if !ok {
			end.err = errors.New("client went away")
			ts.ends <- end
			return
		}
		in = append(in, b...)
	}
}

// app answers what plain holds: HTTP/1.1 requests, or echo lines. It
// returns the records to send, the unconsumed plaintext, and whether to
// end the connection after sending.
func (ts *testServer) app(c *Conn, st State, out, plain []byte) ([]byte, []byte, bool) {
	var err error
	if ts.echo {
		if len(plain) > 0 {
			out, err = c.Seal(out, append([]byte("echo:"), plain...))
		}
		return out, plain[:0], err != nil
	}
	for {
		i := bytes.Index(plain, []byte("\r\n\r\n"))
		if i < 0 {
			return out, plain, false
		}
		req := string(plain[:i])
		plain = plain[:copy(plain, plain[i+4:])]
		path := strings.Fields(req + " x x")[1]
		body := fmt.Sprintf("hello %s %s v%x alpn=%q resumed=%v", st.ServerName, path, st.Version, st.NegotiatedProtocol, st.DidResume)
		if path == "/big" {
			body = strings.Repeat("0123456789abcdef", 2500) // 40000 bytes: three records
		}
		resp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n%s", len(body), body)
		if out, err = c.Seal(out, []byte(resp)); err != nil {
			return out, plain, true
		}
		switch path {
		case "/keyupdate":
			if out, err = c.AppendKeyUpdate(out, true); err != nil {
				return out, plain, true
			}
		case "/close":
			return c.AppendCloseNotify(out), plain, true
		}
	}
}
