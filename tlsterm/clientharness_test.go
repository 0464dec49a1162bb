package tlsterm

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// The client harness: the client driver and the record layer over a real
// loopback socket, with plain blocking reads (the edge runs the same calls
// from its event loop), against Go crypto/tls servers, openssl s_server
// and, in memory, this package's Server.

// chunkReader turns a socket's reads into a channel; it ends at the
// socket's end, or when quit is closed.
func chunkReader(nc net.Conn, quit <-chan struct{}) <-chan []byte {
	chunks := make(chan []byte, 16)
	go func() {
		defer close(chunks)
		buf := make([]byte, 4096) // small: the handshake benchmarks count it
		for {
			n, err := nc.Read(buf)
			if n > 0 {
				select {
				case chunks <- append([]byte(nil), buf[:n]...):
				case <-quit:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return chunks
}

// clientConn is one backend connection through the driver.
type clientConn struct {
	t      testing.TB
	nc     net.Conn
	chunks <-chan []byte
	c      *Conn
	st     State
	in     []byte // ciphertext not opened yet
	plain  []byte // plaintext read so far
	err    error  // the record layer's final error
	eof    bool   // the server hung up
}

type sockEvents struct {
	nc   net.Conn
	done chan struct{}
}

func (e *sockEvents) HandshakeWrite(b []byte)  { e.nc.Write(b) }
func (e *sockEvents) HandshakeDone(*Handshake) { close(e.done) }

// dialClient connects to addr and runs the client handshake. When the
// server hangs up first, it lets the handshake end on what it was fed
// (crypto/tls reads the alert before the end of the stream) rather than
// Abort it, so that tests see the server's reason; Abort is tested with
// the driver alone.
func dialClient(t testing.TB, cli *Client, addr string) (*clientConn, error) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	quit := make(chan struct{})
	t.Cleanup(func() { close(quit); nc.Close() })
	cc := &clientConn{t: t, nc: nc, chunks: chunkReader(nc, quit)}
	ev := &sockEvents{nc: nc, done: make(chan struct{})}
	h := cli.NewHandshake(ev)
	var pending []byte // bytes Feed did not take, in order
	chunks := cc.chunks
	for waiting := true; waiting; {
		select {
		case b, ok := <-chunks:
			if !ok {
				chunks, cc.eof = nil, true // hung up: wait for the handshake's end
				continue
			}
			if len(pending) == 0 {
				b = b[h.Feed(b):]
			}
			pending = append(pending, b...)
		case <-ev.done:
			waiting = false
		case <-time.After(20 * time.Second):
			t.Fatal("client handshake never ended")
		}
	}
	c, left, st, err := h.Result()
	if err != nil {
		return nil, err
	}
	cc.c, cc.st, cc.in = c, st, append(left, pending...)
	return cc, nil
}

// write seals p (and whatever the Conn owes) and sends it.
func (cc *clientConn) write(p string) {
	cc.t.Helper()
	out, err := cc.c.Seal(nil, []byte(p))
	if err != nil {
		cc.t.Fatalf("seal: %v", err)
	}
	if _, err := cc.nc.Write(out); err != nil {
		cc.t.Fatalf("write: %v", err)
	}
}

// close sends close_notify and closes the socket.
func (cc *clientConn) close() {
	cc.nc.Write(cc.c.AppendCloseNotify(nil))
	cc.nc.Close()
}

// pump opens what has arrived and sends what the Conn owes; with wait, it
// first waits for more bytes. It returns the record layer's error.
func (cc *clientConn) pump(wait bool) error {
	if cc.err != nil {
		return cc.err
	}
	if wait && cc.eof {
		cc.err = io.EOF
		return cc.err
	}
	if wait {
		select {
		case b, ok := <-cc.chunks:
			if !ok {
				cc.eof = true
				return cc.pump(true)
			}
			cc.in = append(cc.in, b...)
		case <-time.After(10 * time.Second):
			cc.t.Fatalf("nothing from the server; plaintext so far %.200q", cc.plain)
		}
	}
	buf := make([]byte, 0, MaxPlaintext)
	for {
		out, n, err := cc.c.Open(buf[:0], cc.in)
		cc.plain = append(cc.plain, out...)
		cc.in = cc.in[n:]
		if cc.c.Pending() {
			cc.nc.Write(cc.c.AppendPending(nil))
		}
		if err != nil {
			cc.err = err
			return err
		}
		if n == 0 {
			return nil
		}
	}
}

// readUntil reads until the plaintext holds want, and consumes it and
// everything before it. It fails the test on any record layer error.
func (cc *clientConn) readUntil(want string) {
	cc.t.Helper()
	if err := cc.pump(false); err != nil {
		cc.t.Fatalf("before %q: %v", want, err)
	}
	for !strings.Contains(string(cc.plain), want) {
		if err := cc.pump(true); err != nil {
			cc.t.Fatalf("waiting for %q: %v (have %.200q)", want, err, cc.plain)
		}
	}
	i := strings.Index(string(cc.plain), want)
	cc.plain = cc.plain[i+len(want):]
}

// readErr reads until the record layer fails and returns its error.
func (cc *clientConn) readErr() error {
	cc.t.Helper()
	err := cc.pump(false)
	for err == nil {
		err = cc.pump(true)
	}
	return err
}

// goServer is a Go crypto/tls server: it reports each connection's state,
// then answers each line with "echo:" + line; the line "close" closes the
// connection (close_notify).
type goServer struct {
	addr   string
	states chan goEnd
}

type goEnd struct {
	cs  tls.ConnectionState
	err error // handshake error, or how the connection ended
}

func startGoServer(t testing.TB, cfg *tls.Config) *goServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := &goServer{addr: ln.Addr().String(), states: make(chan goEnd, 64)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				c := tls.Server(nc, cfg)
				if err := c.Handshake(); err != nil {
					gs.states <- goEnd{err: err}
					return
				}
				gs.states <- goEnd{cs: c.ConnectionState()}
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						gs.states <- goEnd{cs: c.ConnectionState(), err: err}
						return
					}
					if line == "close\n" {
						c.Close()
						gs.states <- goEnd{cs: c.ConnectionState(), err: errors.New("closed by request")}
						return
					}
					if _, err := io.WriteString(c, "echo:"+line); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return gs
}

// next is the next connection event (a handshake, or an end).
func (gs *goServer) next(t testing.TB) goEnd {
	t.Helper()
	select {
	case e := <-gs.states:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("the Go server saw nothing")
		return goEnd{}
	}
}

// serverConfig is a Go server config with one certificate.
func serverConfig(cert *tls.Certificate, vers uint16, suites ...uint16) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: vers, MaxVersion: vers,
		CipherSuites: suites, NextProtos: []string{"http/1.1"}}
}

// newClient builds a Client trusting the test CA unless cfg says otherwise.
func newClient(t testing.TB, cfg ClientConfig) *Client {
	t.Helper()
	if cfg.Target == "" && cfg.ServerName == "" {
		cfg.ServerName = "example.com"
	}
	if cfg.CABundle == nil && !cfg.InsecureSkipVerify {
		cfg.CABundle = getPKI(t).caPEM
	}
	cli, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cli
}

// clientCert is an ECDSA client certificate from the test CA (no DNS name).
func clientCert(t testing.TB) *KeyPair {
	t.Helper()
	p := getPKI(t)
	k := ecKey(t)
	c := issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "edge client"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, k, p.caCert, p.caKey)
	kp, err := ParseKeyPair(pemBlock("CERTIFICATE", c.Raw), keyPEM(t, k), VerifyOptions{Roots: p.pool, ClientCertificate: true})
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// pairEvents forwards one side's handshake output straight into the other
// side's Feed; what Feed declines (the peer's handshake is over) is kept.
type pairEvents struct {
	mu   sync.Mutex
	peer *Handshake
	rest []byte
	done chan struct{}
	tap  func([]byte) []byte // when set, may alter each write
}

func (e *pairEvents) HandshakeWrite(b []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tap != nil {
		b = e.tap(append([]byte(nil), b...))
	}
	if len(e.rest) == 0 {
		b = b[e.peer.Feed(b):]
	}
	e.rest = append(e.rest, b...)
}

func (e *pairEvents) HandshakeDone(*Handshake) { close(e.done) }

// memPair is a Client and a Server handshake run against each other in
// memory: the established Conns, the ciphertext each has still to open
// (leftover and declined bytes) and the states. Errors are returned.
type memPair struct {
	srv, cli       *Conn
	srvIn, cliIn   []byte
	srvSt, cliSt   State
	srvErr, cliErr error
}

func runPair(t testing.TB, s *Server, c *Client, tap func([]byte) []byte) memPair {
	t.Helper()
	se := &pairEvents{done: make(chan struct{}), tap: tap}
	ce := &pairEvents{done: make(chan struct{})}
	sh, ch := pairUp(t, s, c, se, ce)
	var p memPair
	var left []byte
	p.srv, left, p.srvSt, p.srvErr = sh.Result()
	ce.mu.Lock()
	p.srvIn = append(left, ce.rest...)
	ce.mu.Unlock()
	p.cli, left, p.cliSt, p.cliErr = ch.Result()
	se.mu.Lock()
	p.cliIn = append(left, se.rest...)
	se.mu.Unlock()
	return p
}

// pairUp runs a server and a client handshake against each other through
// se and ce until both end.
func pairUp(t testing.TB, s *Server, c *Client, se, ce *pairEvents) (sh, ch *Handshake) {
	t.Helper()
	sh = s.NewHandshake(se)
	ce.peer = sh
	ce.mu.Lock() // the client's first write waits until se knows its peer
	ch = c.NewHandshake(ce)
	se.mu.Lock()
	se.peer = ch
	se.mu.Unlock()
	ce.mu.Unlock()
	for _, d := range []chan struct{}{se.done, ce.done} {
		select {
		case <-d:
		case <-time.After(20 * time.Second):
			t.Fatal("handshake pair never ended")
		}
	}
	return sh, ch
}

// open opens all of in with c and returns the plaintext.
func openConn(t testing.TB, c *Conn, in []byte) string {
	t.Helper()
	out, n, err := c.Open(make([]byte, 0, 2*MaxPlaintext), in)
	if err != nil || n != len(in) {
		t.Fatalf("open: %v (%d of %d bytes)", err, n, len(in))
	}
	return string(out)
}
