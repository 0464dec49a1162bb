package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// tls13Server serves one response per connection with crypto/tls on a
// loopback listener, the way the bench's peers do (Connection: close).
// It reports, per connection, whether the handshake resumed.
func tls13Server(t *testing.T, cert tls.Certificate) (addr string, resumed chan bool) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cfg := &tls.Config{
		Certificates:     []tls.Certificate{cert},
		MinVersion:       tls.VersionTLS13,
		CurvePreferences: []tls.CurveID{tls.X25519},
		NextProtos:       []string{"http/1.1"},
	}
	resumed = make(chan bool, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				tc := tls.Server(c, cfg)
				req, err := http.ReadRequest(bufio.NewReader(tc))
				if err != nil {
					return // the client gave up (the wrong-certificate case)
				}
				resumed <- tc.ConnectionState().DidResume
				st := tc.ConnectionState()
				if st.CipherSuite != tls.TLS_AES_128_GCM_SHA256 || st.NegotiatedProtocol != "http/1.1" || req.URL.Path != mockPath {
					t.Errorf("server: suite %#x, ALPN %q, path %q", st.CipherSuite, st.NegotiatedProtocol, req.URL.Path)
				}
				_, _ = tc.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\n" + body))
				_ = tc.Close() // close_notify, then FIN
			}()
		}
	}()
	return ln.Addr().String(), resumed
}

// TestTLS13ClientAgainstCryptoTLS runs the load generator's client against
// crypto/tls: a full handshake, then resumptions with the ticket each
// connection brought, and a refusal when the certificate is not the bench one.
func TestTLS13ClientAgainstCryptoTLS(t *testing.T) {
	dir := t.TempDir()
	cs, err := writeBenchCerts(dir)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(cs.CertFile, cs.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParseCertificate(cs.LeafDER); err != nil {
		t.Fatal(err)
	}
	addr, resumed := tls13Server(t, cert)
	c, err := newTLS13Client(benchHost, cs.LeafDER, handshakeRequest(mockPath), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReaderSize(nil, 32<<10)
	dial := func() net.Conn {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		return conn
	}

	conn := dial()
	out, err := c.do(conn, br, nil)
	conn.Close()
	if err != nil {
		t.Fatalf("full handshake: %v", err)
	}
	if out.Resumed || <-resumed || out.Ticket == nil || out.Cipher != suiteAES128GCM || out.Group != groupX25519 || out.ALPN != "http/1.1" {
		t.Fatalf("full handshake: %+v", out)
	}
	tk := out.Ticket
	for i := range 3 {
		conn := dial()
		out, err := c.do(conn, br, tk)
		conn.Close()
		if err != nil {
			t.Fatalf("resumption %d: %v", i, err)
		}
		if !out.Resumed || !<-resumed {
			t.Fatalf("resumption %d: client says resumed %v", i, out.Resumed)
		}
		if out.Ticket != nil {
			tk = out.Ticket
		}
	}

	// A ticket the server cannot decrypt: a full handshake, reported as such.
	bad := *tk
	bad.identity = append([]byte(nil), tk.identity...)
	bad.identity[len(bad.identity)/2] ^= 0xff
	conn = dial()
	out, err = c.do(conn, br, &bad)
	conn.Close()
	if err != nil || out.Resumed || <-resumed {
		t.Fatalf("bad ticket: resumed %v, err %v", out.Resumed, err)
	}

	// Another leaf than the bench certificate is an error.
	other, err := writeBenchCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c.leafDER = other.LeafDER
	conn = dial()
	_, err = c.do(conn, br, nil)
	conn.Close()
	if err == nil || !strings.Contains(err.Error(), "another certificate") {
		t.Fatalf("wrong leaf: err %v", err)
	}
}
