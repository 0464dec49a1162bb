package tlsterm

import (
	"crypto"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"
)

// roundTrip sends a short line and a line of three records, and reads the
// echoes (several records back).
func roundTrip(t *testing.T, cc *clientConn) {
	t.Helper()
	cc.write("hello\n")
	cc.readUntil("echo:hello\n")
	long := strings.Repeat("0123456789abcdef", 2500) // 40000 bytes
	cc.write(long + "\n")
	cc.readUntil("echo:" + long + "\n")
}

func TestClientGoServerVersionsAndSuites(t *testing.T) {
	p := getPKI(t)
	cases := []struct {
		name  string
		cert  *tls.Certificate
		vers  uint16
		suite uint16 // 0: TLS 1.3, the server's choice
	}{
		{"1.3 ecdsa", p.ecdsa, tls.VersionTLS13, 0},
		{"1.3 rsa", p.rsa, tls.VersionTLS13, 0},
		{"1.2 ecdsa aes128", p.ecdsa, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{"1.2 ecdsa aes256", p.ecdsa, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
		{"1.2 ecdsa chacha", p.ecdsa, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
		{"1.2 rsa aes128", p.rsa, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{"1.2 rsa aes256", p.rsa, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
		{"1.2 rsa chacha", p.rsa, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var suites []uint16
			if tc.suite != 0 {
				suites = []uint16{tc.suite}
			}
			gs := startGoServer(t, serverConfig(tc.cert, tc.vers, suites...))
			cc, err := dialClient(t, newClient(t, ClientConfig{Target: "api.test:443"}), gs.addr)
			if err != nil {
				t.Fatal(err)
			}
			srv := gs.next(t)
			if cc.st.Version != tc.vers || (tc.suite != 0 && cc.st.CipherSuite != tc.suite) ||
				cc.st.CipherSuite != srv.cs.CipherSuite || cc.c.CipherSuite() != srv.cs.CipherSuite {
				t.Fatalf("negotiated %#x %#x, server %#x", cc.st.Version, cc.st.CipherSuite, srv.cs.CipherSuite)
			}
			if srv.cs.ServerName != "api.test" || cc.st.ServerName != "api.test" {
				t.Fatalf("sni %q, state %q", srv.cs.ServerName, cc.st.ServerName)
			}
			if cc.st.NegotiatedProtocol != "http/1.1" || cc.st.PeerCertificates[0].Subject.CommonName != tc.cert.Leaf.Subject.CommonName {
				t.Fatalf("alpn %q, certificate %q", cc.st.NegotiatedProtocol, cc.st.PeerCertificates[0].Subject.CommonName)
			}
			roundTrip(t, cc)
			// close_notify both ways: ours ends the server's reads; the
			// server's ends ours.
			cc.write("close\n")
			if err := cc.readErr(); !errors.Is(err, ErrCloseNotify) {
				t.Fatalf("server close: %v", err)
			}
			if e := gs.next(t); e.err == nil || e.err.Error() != "closed by request" {
				t.Fatalf("server end %v", e.err)
			}
			cc2, err := dialClient(t, newClient(t, ClientConfig{ServerName: "api.test"}), gs.addr)
			if err != nil {
				t.Fatal(err)
			}
			gs.next(t)
			cc2.write("x\n")
			cc2.readUntil("echo:x\n")
			cc2.nc.Write(cc2.c.AppendCloseNotify(nil))
			if e := gs.next(t); e.err == nil || !strings.Contains(e.err.Error(), "EOF") {
				t.Fatalf("our close_notify: server end %v", e.err)
			}
		})
	}
}

func TestClientServerName(t *testing.T) {
	for _, tc := range []struct{ target, name, want string }{
		{"backend.test:8443", "", "backend.test"},
		{"backend.test", "", "backend.test"},
		{"[::1]:443", "", "::1"},
		{"10.0.0.1:443", "", "10.0.0.1"},
		{"10.0.0.1:443", "api.internal", "api.internal"},
	} {
		c, err := NewClient(ClientConfig{Target: tc.target, ServerName: tc.name})
		if err != nil || c.ServerName() != tc.want {
			t.Fatalf("%q %q: %q %v", tc.target, tc.name, c.ServerName(), err)
		}
	}
	if _, err := NewClient(ClientConfig{}); err == nil {
		t.Fatal("a client with no name")
	}
	if _, err := NewClient(ClientConfig{Target: "a.test", MinVersion: tls.VersionTLS11}); err == nil {
		t.Fatal("TLS 1.1 accepted")
	}
}

func TestClientVerification(t *testing.T) {
	p := getPKI(t)
	// An expired certificate for example.com from the test CA.
	k := ecKey(t)
	tmpl := leafTmpl("expired", "example.com")
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
	el := issue(t, tmpl, k, p.caCert, p.caKey)
	expired := &tls.Certificate{Certificate: [][]byte{el.Raw}, PrivateKey: k, Leaf: el}

	good := startGoServer(t, serverConfig(p.ecdsa, tls.VersionTLS13))
	old := startGoServer(t, serverConfig(expired, tls.VersionTLS12))
	cases := []struct {
		name string
		gs   *goServer
		cfg  ClientConfig
		want error // nil: success
	}{
		{"ca bundle", good, ClientConfig{ServerName: "www.example.com"}, nil},
		{"system roots: unknown authority", good, ClientConfig{ServerName: "example.com"}, ErrUnknownAuthority},
		{"wrong name", good, ClientConfig{ServerName: "wrong.test"}, ErrNameMismatch},
		{"ip without ip san", good, ClientConfig{Target: "127.0.0.1:1"}, ErrNameMismatch},
		{"expired", old, ClientConfig{ServerName: "example.com"}, ErrCertificateExpired},
		{"insecure: unknown authority and wrong name", good, ClientConfig{ServerName: "wrong.test", InsecureSkipVerify: true}, nil},
		{"insecure: expired", old, ClientConfig{ServerName: "example.com", InsecureSkipVerify: true}, nil},
	}
	for i, tc := range cases {
		cli := newClient(t, tc.cfg)
		if i == 1 {
			cli, _ = NewClient(tc.cfg) // the system roots, which do not hold the test CA
		}
		cc, err := dialClient(t, cli, tc.gs.addr)
		checkVerify(t, tc.name, tc.gs, cc, err, tc.want)
	}

	// A CA bundle with no certificate, or a broken one: stable codes.
	if _, err := NewClient(ClientConfig{Target: "a.test", CABundle: []byte("not pem")}); CertCode(err) != CodeCertificateMissing {
		t.Fatalf("empty bundle: %v", err)
	}
	bad := pemBlock("CERTIFICATE", []byte("garbage"))
	if _, err := NewClient(ClientConfig{Target: "a.test", CABundle: append(append([]byte{}, p.caPEM...), bad...)}); CertCode(err) != CodeCertificateMalformed {
		t.Fatalf("broken bundle: %v", err)
	}
}

func checkVerify(t *testing.T, name string, gs *goServer, cc *clientConn, err, want error) {
	t.Helper()
	e := gs.next(t)
	if want == nil {
		if err != nil || e.err != nil {
			t.Fatalf("%s: client %v, server %v", name, err, e.err)
		}
		cc.write("ok\n")
		cc.readUntil("echo:ok\n")
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", name, err, want)
	}
	var cve *tls.CertificateVerificationError
	if !errors.As(err, &cve) {
		t.Fatalf("%s: the crypto/tls error is not wrapped: %v", name, err)
	}
	// The server hears about it (bad_certificate or similar alert).
	if e.err == nil || !strings.Contains(e.err.Error(), "remote error") {
		t.Fatalf("%s: server saw %v", name, e.err)
	}
}

func TestClientMTLS(t *testing.T) {
	p := getPKI(t)
	kp := clientCert(t)
	if _, err := ParseKeyPair(pemBlock("CERTIFICATE", kp.Cert.Leaf.Raw), keyPEM(t, kp.Cert.PrivateKey.(crypto.Signer)), VerifyOptions{}); CertCode(err) != CodeNoNames {
		t.Fatalf("a server certificate without names: %v", err)
	}
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cfg := serverConfig(p.ecdsa, vers)
		cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, p.pool
		gs := startGoServer(t, cfg)

		cc, err := dialClient(t, newClient(t, ClientConfig{Certificate: kp.Cert}), gs.addr)
		if err != nil {
			t.Fatalf("%#x with a certificate: %v", vers, err)
		}
		e := gs.next(t)
		if e.err != nil || len(e.cs.PeerCertificates) == 0 || e.cs.PeerCertificates[0].Subject.CommonName != "edge client" {
			t.Fatalf("%#x: server saw %v %v", vers, e.err, e.cs.PeerCertificates)
		}
		roundTrip(t, cc)

		cc, err = dialClient(t, newClient(t, ClientConfig{}), gs.addr)
		if vers == tls.VersionTLS13 {
			// The client's handshake ends before the server has read its
			// (empty) Certificate: the refusal comes on the record layer.
			if err != nil {
				t.Fatalf("1.3 without a certificate: handshake %v", err)
			}
			if err := cc.readErr(); err != AlertError(AlertCertificateRequired) {
				t.Fatalf("1.3 without a certificate: %v", err)
			}
		} else if a := AlertError(0); !errors.As(err, &a) || (uint8(a) != AlertHandshakeFailure && uint8(a) != AlertBadCertificate) {
			// crypto/tls sends handshake_failure (RFC 5246 §7.4.6 allows
			// either); the alert is the stable part of the error.
			t.Fatalf("1.2 without a certificate: %v", err)
		}
		if e := gs.next(t); e.err == nil {
			t.Fatalf("%#x: server accepted no certificate", vers)
		}
	}
}

func TestClientResumption(t *testing.T) {
	p := getPKI(t)
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		gs := startGoServer(t, serverConfig(p.ecdsa, vers))
		for _, disabled := range []bool{false, true} {
			cli := newClient(t, ClientConfig{SessionTicketsDisabled: disabled})
			for i := range 3 {
				cc, err := dialClient(t, cli, gs.addr)
				if err != nil {
					t.Fatal(err)
				}
				e := gs.next(t)
				want := i > 0 && !disabled
				if e.cs.DidResume != want || cc.st.DidResume != want {
					t.Fatalf("%#x disabled=%v conn %d: server resumed %v, client %v", vers, disabled, i, e.cs.DidResume, cc.st.DidResume)
				}
				// The round trip proves the keys; in TLS 1.3 it also makes
				// the ticket (sent before the reply) reach the client.
				roundTrip(t, cc)
				cc.write("close\n")
				cc.readErr()
				gs.next(t)
			}
		}
	}
}

func TestClientALPN(t *testing.T) {
	p := getPKI(t)
	for _, tc := range []struct {
		server []string
		want   string
		err    error
	}{
		{[]string{"http/1.1"}, "http/1.1", nil},
		{nil, "", nil},
		{[]string{"h2"}, "", nil}, // crypto/tls serves http/1.1 clients of an h2-only server without ALPN
		{[]string{"spdy/3"}, "", AlertError(AlertNoApplicationProto)},
	} {
		cfg := serverConfig(p.ecdsa, 0)
		cfg.NextProtos = tc.server
		gs := startGoServer(t, cfg)
		cc, err := dialClient(t, newClient(t, ClientConfig{}), gs.addr)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Fatalf("server %v: %v", tc.server, err)
			}
			gs.next(t)
			continue
		}
		if err != nil || cc.st.NegotiatedProtocol != tc.want {
			t.Fatalf("server %v: %v %q", tc.server, err, cc.st.NegotiatedProtocol)
		}
		if e := gs.next(t); e.cs.NegotiatedProtocol != tc.want {
			t.Fatalf("server %v: server chose %q", tc.server, e.cs.NegotiatedProtocol)
		}
	}
}

func TestClientKeyUpdateGoServer(t *testing.T) {
	// We update our key and ask the server to update its: crypto/tls
	// answers with a KeyUpdate, which our read side must follow.
	gs := startGoServer(t, serverConfig(getPKI(t).ecdsa, tls.VersionTLS13))
	cc, err := dialClient(t, newClient(t, ClientConfig{}), gs.addr)
	if err != nil {
		t.Fatal(err)
	}
	gs.next(t)
	for i := range 3 {
		before := cc.c.in.secret
		ku, err := cc.c.AppendKeyUpdate(nil, true)
		if err != nil {
			t.Fatal(err)
		}
		cc.nc.Write(ku)
		roundTrip(t, cc)
		if cc.c.in.secret == before {
			t.Fatalf("update %d: the server's KeyUpdate never came", i)
		}
	}
}

// lineCounter counts key log lines.
type lineCounter struct{ n int }

func (l *lineCounter) Write(b []byte) (int, error) { l.n++; return len(b), nil }

func TestCryptoTLSClientKeyLog(t *testing.T) {
	// The facts the client role rests on (doc.go): crypto/tls's client logs
	// the four TLS 1.3 secrets for a resumed session as for a full one, and
	// nothing for a resumed TLS 1.2 session (hence SessionState.Extra).
	p := getPKI(t)
	for _, tc := range []struct {
		vers          uint16
		full, resumed int
	}{{tls.VersionTLS12, 1, 0}, {tls.VersionTLS13, 4, 4}} {
		gs := startGoServer(t, serverConfig(p.ecdsa, tc.vers))
		cache := tls.NewLRUClientSessionCache(1)
		for i, want := range []int{tc.full, tc.resumed} {
			kl := &lineCounter{}
			c, err := tls.Dial("tcp", gs.addr, &tls.Config{ServerName: "example.com", RootCAs: p.pool,
				ClientSessionCache: cache, KeyLogWriter: kl})
			if err != nil {
				t.Fatal(err)
			}
			gs.next(t)
			c.Write([]byte("x\n"))
			c.Read(make([]byte, 16)) // the TLS 1.3 ticket comes first
			if c.ConnectionState().DidResume != (i == 1) || kl.n != want {
				t.Fatalf("%#x conn %d: resumed %v, %d key log lines, want %d", tc.vers, i, c.ConnectionState().DidResume, kl.n, want)
			}
			c.Close()
			gs.next(t)
		}
	}
}
