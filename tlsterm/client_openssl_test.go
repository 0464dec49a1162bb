package tlsterm

import (
	"crypto"
	"crypto/tls"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// startSServer runs `openssl s_server` with cert on a free loopback port
// and returns it (stdin, output) and its address.
func startSServer(t *testing.T, cert *tls.Certificate, args ...string) (*sclient, string) {
	t.Helper()
	needTool(t, "openssl")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	writeFile(t, certFile, string(pemBlock("CERTIFICATE", cert.Certificate[0])))
	writeFile(t, keyFile, string(keyPEM(t, cert.PrivateKey.(crypto.Signer))))
	args = append([]string{"s_server", "-accept", "127.0.0.1:0", "-cert", certFile, "-key", keyFile}, args...)
	s := &sclient{cmd: exec.Command("openssl", args...), done: make(chan struct{})}
	s.cmd.Stdout, s.cmd.Stderr = s, s
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil { // s_server hangs up at EOF on stdin
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.cmd.Process.Kill(); <-s.done })
	s.waitFor(t, "ACCEPT 127.0.0.1:")
	out := s.output()
	return s, strings.Fields(out[strings.Index(out, "ACCEPT "):])[1]
}

func TestClientOpenSSLSuites(t *testing.T) {
	p := getPKI(t)
	cases := []struct {
		cert  *tls.Certificate
		args  []string
		suite uint16
	}{
		{p.ecdsa, []string{"-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"}, tls.TLS_AES_128_GCM_SHA256},
		{p.ecdsa, []string{"-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"}, tls.TLS_AES_256_GCM_SHA384},
		// A group our first ClientHello has no key share for: a
		// HelloRetryRequest, a second ClientHello, then the usual handoff.
		{p.ecdsa, []string{"-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256", "-groups", "P-384"}, tls.TLS_AES_128_GCM_SHA256},
		{p.rsa, []string{"-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"}, tls.TLS_CHACHA20_POLY1305_SHA256},
		{p.ecdsa, []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"}, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{p.ecdsa, []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"}, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
		{p.ecdsa, []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"}, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
		{p.rsa, []string{"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"}, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{p.rsa, []string{"-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"}, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
		{p.rsa, []string{"-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"}, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
	}
	for _, tc := range cases {
		srv, addr := startSServer(t, tc.cert, append(tc.args, "-alpn", "http/1.1")...)
		cc, err := dialClient(t, newClient(t, ClientConfig{}), addr)
		if err != nil {
			t.Fatalf("%v: %v\n%s", tc.args, err, srv.output())
		}
		hrr := tc.args[len(tc.args)-2] == "-groups"
		if cc.st.CipherSuite != tc.suite || cc.st.NegotiatedProtocol != "http/1.1" || cc.st.HelloRetryRequest != hrr {
			t.Fatalf("%v: suite %#x alpn %q hrr %v", tc.args, cc.st.CipherSuite, cc.st.NegotiatedProtocol, cc.st.HelloRetryRequest)
		}
		cc.write("from-edge\n")
		srv.waitFor(t, "from-edge")
		srv.send(t, "from-openssl")
		cc.readUntil("from-openssl\n")
		cc.close()
		srv.waitFor(t, "DONE")
	}
}

func TestClientOpenSSLKeyUpdate(t *testing.T) {
	srv, addr := startSServer(t, getPKI(t).ecdsa, "-tls1_3")
	cc, err := dialClient(t, newClient(t, ClientConfig{}), addr)
	if err != nil {
		t.Fatal(err)
	}
	cc.write("hello\n")
	srv.waitFor(t, "hello")
	// k: update_not_requested; K: update_requested, which we answer with
	// our own KeyUpdate (pump sends what the Conn owes). s_server takes a
	// command only as a line of its own, and buffers its own messages:
	// wait for the KeyUpdate to reach us before the next line.
	for i, cmd := range []string{"k", "K", "K"} {
		before := cc.c.in.secret
		srv.send(t, cmd)
		for cc.c.in.secret == before {
			if err := cc.pump(true); err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
		}
		line := "after-" + cmd + string(rune('0'+i))
		srv.send(t, line)
		cc.readUntil(line + "\n")
		cc.write("ping-" + line + "\n") // under our new key after K
		srv.waitFor(t, "ping-"+line)
	}
	cc.close()
	srv.waitFor(t, "DONE")
}

func TestClientOpenSSLRenegotiation(t *testing.T) {
	// A TLS 1.2 server asks to renegotiate (HelloRequest): refused with a
	// no_renegotiation warning, and the connection ends (ErrRenegotiation).
	srv, addr := startSServer(t, getPKI(t).ecdsa, "-tls1_2")
	cc, err := dialClient(t, newClient(t, ClientConfig{}), addr)
	if err != nil {
		t.Fatal(err)
	}
	cc.write("hello\n")
	srv.waitFor(t, "hello")
	srv.send(t, "R")
	if err := cc.readErr(); !errors.Is(err, ErrRenegotiation) {
		t.Fatalf("err %v", err)
	}
	srv.waitFor(t, "no renegotiation") // OpenSSL got our alert
}

func TestClientOpenSSLResumption(t *testing.T) {
	// OpenSSL sends its TLS 1.3 tickets after reading our Finished, so they
	// reach the record layer (and the ticket feed) whatever the timing. The
	// -www page says whether the server resumed.
	for _, vers := range []string{"-tls1_2", "-tls1_3"} {
		srv, addr := startSServer(t, getPKI(t).ecdsa, vers, "-www")
		cli := newClient(t, ClientConfig{})
		for i := range 3 {
			cc, err := dialClient(t, cli, addr)
			if err != nil {
				t.Fatalf("%s conn %d: %v\n%s", vers, i, err, srv.output())
			}
			cc.write("GET / HTTP/1.0\r\n\r\n")
			if err := cc.readErr(); !errors.Is(err, ErrCloseNotify) {
				t.Fatalf("%s: %v", vers, err)
			}
			want := "New, TLSv1."
			if i > 0 {
				want = "Reused, TLSv1."
			}
			if !strings.Contains(string(cc.plain), want) || cc.st.DidResume != (i > 0) {
				t.Fatalf("%s conn %d: resumed %v, page %.300q", vers, i, cc.st.DidResume, cc.plain)
			}
			cc.close() // s_server waits for it before the next connection
		}
	}
}

func TestClientOpenSSLMTLS(t *testing.T) {
	kp := clientCert(t)
	for _, vers := range []string{"-tls1_2", "-tls1_3"} {
		srv, addr := startSServer(t, getPKI(t).ecdsa, vers, "-Verify", "1", "-CAfile", writeCA(t), "-verify_return_error")
		cc, err := dialClient(t, newClient(t, ClientConfig{Certificate: kp.Cert}), addr)
		if err != nil {
			t.Fatalf("%s: %v", vers, err)
		}
		cc.write("with-cert\n")
		srv.waitFor(t, "with-cert")
		srv.waitFor(t, "CN = edge client")
		cc.close()
		srv.waitFor(t, "DONE")
	}
}
