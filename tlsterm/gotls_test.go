package tlsterm

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// goClient dials ts with cfg (RootCAs: the test CA unless set).
func goClient(t testing.TB, ts *testServer, cfg *tls.Config) (*tls.Conn, error) {
	t.Helper()
	if cfg.RootCAs == nil && !cfg.InsecureSkipVerify {
		cfg.RootCAs = getPKI(t).pool
	}
	c, err := tls.Dial("tcp", ts.addr, cfg)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return c, nil
}

// get sends one request on c and returns the response body.
func get(t testing.TB, c *tls.Conn, br *bufio.Reader, path string) string {
	t.Helper()
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("body %s: %v", path, err)
	}
	return string(b)
}

// roundTrips checks keep-alive requests, a response of several records and
// a request of several records on one connection.
func roundTrips(t *testing.T, c *tls.Conn) {
	t.Helper()
	br := bufio.NewReader(c)
	if got := get(t, c, br, "/a"); !strings.Contains(got, " /a ") {
		t.Fatalf("got %q", got)
	}
	if got := get(t, c, br, "/big"); got != strings.Repeat("0123456789abcdef", 2500) {
		t.Fatalf("big: %d bytes", len(got))
	}
	long := "/" + strings.Repeat("p", 40000) // a request of three records
	if got := get(t, c, br, long); !strings.Contains(got, long) {
		t.Fatalf("long request: %d bytes back", len(got))
	}
}

func TestGoClientVersionsAndSuites(t *testing.T) {
	ts := startServer(t, Config{}, false)
	p := getPKI(t)
	cases := []struct {
		name   string
		vers   uint16
		suite  uint16
		leafCN string
	}{
		{"1.3", tls.VersionTLS13, 0, "ecdsa"},
		{"1.2 ecdsa aes128", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ecdsa"},
		{"1.2 ecdsa aes256", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ecdsa"},
		{"1.2 ecdsa chacha", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ecdsa"},
		{"1.2 rsa aes128", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "rsa"},
		{"1.2 rsa aes256", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "rsa"},
		{"1.2 rsa chacha", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "rsa"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &tls.Config{ServerName: "api.test", MinVersion: tc.vers, MaxVersion: tc.vers}
			if tc.suite != 0 {
				cfg.CipherSuites = []uint16{tc.suite}
			}
			c, err := goClient(t, ts, cfg)
			if err != nil {
				t.Fatal(err)
			}
			cs := c.ConnectionState()
			if cs.Version != tc.vers || (tc.suite != 0 && cs.CipherSuite != tc.suite) {
				t.Fatalf("negotiated %#x %#x", cs.Version, cs.CipherSuite)
			}
			if cn := cs.PeerCertificates[0].Subject.CommonName; cn != tc.leafCN {
				t.Fatalf("certificate %q, want %q", cn, tc.leafCN)
			}
			roundTrips(t, c)
		})
	}
	_ = p
}

func TestECDSAPreferred(t *testing.T) {
	// A client that takes both gets the ECDSA certificate, whatever the
	// table's entry order (RSA-only clients: TestGoClientVersionsAndSuites,
	// TestOpenSSLSuites).
	ts := startServer(t, Config{}, false)
	c, err := goClient(t, ts, &tls.Config{ServerName: "example.com", MinVersion: tls.VersionTLS12,
		MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}})
	if err != nil {
		t.Fatal(err)
	}
	// Both suites offered: the ECDSA certificate wins (first supported).
	if cn := c.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "ecdsa" {
		t.Fatalf("got %q", cn)
	}
}

func TestSNI(t *testing.T) {
	withDef := startServer(t, Config{}, false)
	noDef := startServer(t, Config{Certificates: testTable(t, false)}, false)
	cases := []struct {
		ts      *testServer
		sni     string
		wantCN  string
		wantErr string
	}{
		{withDef, "example.com", "ecdsa", ""},
		{withDef, "EXAMPLE.com", "ecdsa", ""},
		{withDef, "www.example.com", "ecdsa", ""},   // wildcard
		{withDef, "a.b.example.com", "default", ""}, // wildcards cover one label
		{withDef, "unknown.test", "default", ""},
		{withDef, "", "default", ""},
		{noDef, "www.Example.com", "ecdsa", ""},
		{noDef, "unknown.test", "", "unrecognized name"},
		{noDef, "", "", "unrecognized name"},
	}
	for _, tc := range cases {
		c, err := goClient(t, tc.ts, &tls.Config{ServerName: tc.sni, InsecureSkipVerify: true})
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("sni %q: err %v, want %q", tc.sni, err, tc.wantErr)
			}
			if e := tc.ts.next(t); e.err == nil {
				t.Fatalf("sni %q: server saw no error", tc.sni)
			}
			continue
		}
		if err != nil {
			t.Fatalf("sni %q: %v", tc.sni, err)
		}
		if cn := c.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != tc.wantCN {
			t.Fatalf("sni %q: certificate %q, want %q", tc.sni, cn, tc.wantCN)
		}
		br := bufio.NewReader(c)
		if got := get(t, c, br, "/"); !strings.HasPrefix(got, "hello "+tc.sni+" /") {
			t.Fatalf("sni %q: %q", tc.sni, got)
		}
	}
}

func TestCertificateHotSwap(t *testing.T) {
	ts := startServer(t, Config{}, false)
	old, err := goClient(t, ts, &tls.Config{ServerName: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	p := getPKI(t)
	tab, err := NewCertTable([]CertEntry{{Cert: p.def, Names: []string{"example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	ts.s.SetCertificates(tab)
	c, err := goClient(t, ts, &tls.Config{ServerName: "example.com", InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	if cn := c.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "default" {
		t.Fatalf("after swap: %q", cn)
	}
	roundTrips(t, old) // the established connection is untouched
}

func TestResumption(t *testing.T) {
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		ts := startServer(t, Config{}, false)
		cache := tls.NewLRUClientSessionCache(8)
		dial := func() tls.ConnectionState {
			t.Helper()
			c, err := goClient(t, ts, &tls.Config{ServerName: "example.com", ClientSessionCache: cache, MinVersion: vers, MaxVersion: vers})
			if err != nil {
				t.Fatal(err)
			}
			// A round trip makes the client read the TLS 1.3 ticket.
			if got := get(t, c, bufio.NewReader(c), "/"); !strings.Contains(got, "hello") {
				t.Fatal(got)
			}
			c.Close()
			return c.ConnectionState()
		}
		if dial().DidResume {
			t.Fatalf("%#x: first connection resumed", vers)
		}
		if !dial().DidResume {
			t.Fatalf("%#x: not resumed", vers)
		}
		// One rotation: the ticket's key is still held.
		if err := ts.s.RotateTicketKeys(); err != nil {
			t.Fatal(err)
		}
		if !dial().DidResume {
			t.Fatalf("%#x: not resumed after one rotation", vers)
		}
		// Rotate the ticket's key out: a full handshake, not an error.
		for range TicketKeysKept {
			if err := ts.s.RotateTicketKeys(); err != nil {
				t.Fatal(err)
			}
		}
		if dial().DidResume {
			t.Fatalf("%#x: resumed with an expired ticket key", vers)
		}
		if !dial().DidResume {
			t.Fatalf("%#x: not resumed with the new ticket", vers)
		}
	}
}

func TestALPN(t *testing.T) {
	ts := startServer(t, Config{}, false)
	for _, tc := range []struct {
		offer []string
		want  string
		err   string
	}{
		{nil, "", ""},
		{[]string{"h2", "http/1.1"}, "http/1.1", ""},
		{[]string{"h2"}, "", "no application protocol"},
	} {
		c, err := goClient(t, ts, &tls.Config{ServerName: "example.com", NextProtos: tc.offer})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("offer %v: err %v", tc.offer, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("offer %v: %v", tc.offer, err)
		}
		if got := c.ConnectionState().NegotiatedProtocol; got != tc.want {
			t.Fatalf("offer %v: alpn %q", tc.offer, got)
		}
		if got := get(t, c, bufio.NewReader(c), "/"); !strings.Contains(got, `alpn="`+tc.want+`"`) {
			t.Fatalf("offer %v: server saw %q", tc.offer, got)
		}
	}
}

func TestOCSPStaple(t *testing.T) {
	p := getPKI(t)
	stapled := *p.ecdsa
	stapled.OCSPStaple = []byte("an OCSP response")
	tab, err := NewCertTable([]CertEntry{{Cert: &stapled}})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, Config{Certificates: tab}, false)
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		c, err := goClient(t, ts, &tls.Config{ServerName: "example.com", MaxVersion: vers})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.ConnectionState().OCSPResponse; string(got) != "an OCSP response" {
			t.Fatalf("%#x: staple %q", vers, got)
		}
	}
}

func TestServerKeyUpdate(t *testing.T) {
	// We send KeyUpdate(update_requested); the Go client answers with its own,
	// so both directions move to new keys; later requests still work.
	ts := startServer(t, Config{}, false)
	c, err := goClient(t, ts, &tls.Config{ServerName: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for range 3 {
		if got := get(t, c, br, "/keyupdate"); !strings.Contains(got, "/keyupdate") {
			t.Fatal(got)
		}
		roundTrips(t, c)
	}
}

func TestCloseNotify(t *testing.T) {
	ts := startServer(t, Config{}, false)
	c, err := goClient(t, ts, &tls.Config{ServerName: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	get(t, c, br, "/close")
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after our close_notify the client reads %v, want EOF", err)
	}
	if e := ts.next(t); e.err != nil {
		t.Fatalf("server end: %v", e.err)
	}
	// The client closing: the server sees ErrCloseNotify.
	c2, err := goClient(t, ts, &tls.Config{ServerName: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	get(t, c2, bufio.NewReader(c2), "/")
	c2.Close()
	if e := ts.next(t); !errors.Is(e.err, ErrCloseNotify) {
		t.Fatalf("server end: %v", e.err)
	}
}

// holdConn delays the client's writes after its first one (the ClientHello)
// until release, then sends them in one write.
type holdConn struct {
	net.Conn
	mu    sync.Mutex
	n     int
	held  bytes.Buffer
	holds bool
}

func (h *holdConn) Write(b []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	if h.holds && h.n > 1 {
		return h.held.Write(b)
	}
	return h.Conn.Write(b)
}

func (h *holdConn) release() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.holds = false
	_, err := h.Conn.Write(h.held.Bytes())
	return err
}

func TestPipelinedFirstRequest(t *testing.T) {
	// The client Finished and the first request reach the server in one
	// segment: crypto/tls must not read the request; it comes back as
	// leftover ciphertext for the record layer (TLS 1.3: the client sends
	// right after its Finished).
	ts := startServer(t, Config{}, false)
	raw, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	hc := &holdConn{Conn: raw, holds: true}
	c := tls.Client(hc, &tls.Config{ServerName: "example.com", RootCAs: getPKI(t).pool})
	defer c.Close()
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if err := hc.release(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "/first") {
		t.Fatalf("got %q", b)
	}
	c.Close()
	if e := ts.next(t); e.left == 0 {
		t.Fatalf("no leftover ciphertext after the Finished (end %+v)", e)
	}
}
