package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/testpki"
)

// HTTPS at the edge (issue 12) against the real binary: `run --config`
// with --tls-listen, certificates in the configuration file and a default
// certificate from --tls-cert/--tls-key.

// httpsFix is one CA, the custom domains' certificate and the default
// one (*.gw.e2e.test, the default domains under --base-domain gw.e2e.test:
// OpenSSL takes no wildcard right under one label, such as *.localhost),
// with the CA in a file for curl and openssl.
type httpsFix struct {
	ca       *testpki.CA
	pool     *x509.CertPool
	caFile   string
	api, def *testpki.Leaf
	dir      string
}

func newHTTPSFix(t *testing.T) *httpsFix {
	t.Helper()
	ca := testpki.NewCA("e2e CA")
	f := &httpsFix{ca: ca, pool: x509.NewCertPool(), dir: t.TempDir(),
		api: ca.Valid(1, "api.e2e.test", "forced.e2e.test", "secure.e2e.test", "plain.e2e.test"),
		def: ca.Valid(1, "*."+httpsBase)}
	f.pool.AddCert(ca.Cert)
	f.caFile = f.write(t, "ca.pem", testpki.CertsPEM(ca.Cert))
	return f
}

func (f *httpsFix) write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// httpsConfig is config(up) with the custom domains and the certificate
// they name (api is c-api's leaf):
//
//	api.e2e.test     http&https
//	forced.e2e.test  http&https, IsForcedHttps
//	secure.e2e.test  https
//	plain.e2e.test   http
func httpsConfig(up *upstreamProc, api *testpki.Leaf) string {
	domains := `    Domains:
      - {SubDomain: api.e2e.test, IsDefaultMapping: true, Protocol: "http&https", CertificateId: c-api}
      - {SubDomain: forced.e2e.test, IsDefaultMapping: true, Protocol: "http&https", IsForcedHttps: true, CertificateId: c-api}
      - {SubDomain: secure.e2e.test, IsDefaultMapping: true, Protocol: https, CertificateId: c-api}
      - {SubDomain: plain.e2e.test, IsDefaultMapping: true, Protocol: http, CertificateId: c-api}
`
	cfg := config(up, `      - {ApiId: api-ws, Protocol: WEBSOCKET, RequestConfig: {Path: /ws, Method: GET}, ServiceType: WEBSOCKET, ServiceTimeout: 60, ServiceConfig: {Url: "ws://`+up.HTTP+`", Path: /ws}}
`)
	cfg = strings.Replace(cfg, "    Apis:\n", domains+"    Apis:\n", 1)
	return cfg + fmt.Sprintf("Certificates:\n  - {CertificateId: c-api, CertificatePEM: %s, PrivateKeyPEM: %s}\n",
		strconv.Quote(api.ChainPEM()), strconv.Quote(api.KeyPEM()))
}

// httpsBase is the base domain of the HTTPS tests.
const httpsBase = "gw.e2e.test"

// httpsGateway is a gateway with its HTTPS address.
type httpsGateway struct {
	*gateway
	TLSAddr string
	f       *httpsFix
}

// startHTTPS runs the gateway with HTTPS; withDefault adds --tls-cert and
// --tls-key (the default certificate).
func startHTTPS(t *testing.T, f *httpsFix, up *upstreamProc, withDefault bool, flags ...string) *httpsGateway {
	t.Helper()
	tlsAddr := freeAddr(t)
	flags = append(flags, "--tls-listen", tlsAddr, "--base-domain", httpsBase)
	if withDefault {
		flags = append(flags, "--tls-cert", f.write(t, "def.crt", f.def.ChainPEM()), "--tls-key", f.write(t, "def.key", f.def.KeyPEM()))
	}
	g := startGateway(t, httpsConfig(up, f.api), flags...)
	g.Host = testService + "." + httpsBase
	g.waitListening(tlsAddr)
	return &httpsGateway{gateway: g, TLSAddr: tlsAddr, f: f}
}

func (g *httpsGateway) tlsConfig(sni string) *tls.Config {
	return &tls.Config{RootCAs: g.f.pool, ServerName: sni}
}

// dial completes a TLS handshake with the gateway.
func (g *httpsGateway) dial(cfg *tls.Config) (*tls.Conn, error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", g.TLSAddr, cfg)
	if err == nil {
		g.t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(30 * time.Second))
	}
	return c, err
}

// httpsClient is an http.Client that reaches every host at the gateway's
// HTTPS address.
func (g *httpsGateway) httpsClient(cfg *tls.Config) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		TLSClientConfig: cfg, MaxIdleConnsPerHost: 64,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, g.TLSAddr)
		},
	}}
}

// curl runs curl with the CA and host resolved to the gateway's ports.
func (g *httpsGateway) curl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	_, tport, _ := net.SplitHostPort(g.TLSAddr)
	_, pport, _ := net.SplitHostPort(g.Addr)
	base := []string{"-sS", "--max-time", "20", "--cacert", g.f.caFile}
	for _, h := range []string{"api.e2e.test", "forced.e2e.test", "secure.e2e.test", "plain.e2e.test", g.Host} {
		base = append(base, "--resolve", h+":"+tport+":127.0.0.1", "--resolve", h+":"+pport+":127.0.0.1")
	}
	out, err := exec.Command("curl", append(base, args...)...).CombinedOutput()
	return string(out), err
}

func (g *httpsGateway) httpsURL(host, path string) string {
	_, port, _ := net.SplitHostPort(g.TLSAddr)
	return "https://" + host + ":" + port + "/release" + path
}

// curl over TLS 1.2 and 1.3 against a custom domain (its own certificate)
// and a default domain (the --tls-cert default): the backend sees
// X-Forwarded-Proto https; two URLs reuse one connection; ALPN is
// http/1.1 even when curl offers h2.
func TestHTTPSCurl(t *testing.T) {
	needTool(t, "curl")
	up := startUpstream(t)
	g := startHTTPS(t, newHTTPSFix(t), up, true)
	for _, host := range []string{"api.e2e.test", g.Host} {
		for _, extra := range [][]string{{"--tlsv1.3"}, {"--tlsv1.2", "--tls-max", "1.2"}} {
			args := append([]string{"-v", g.httpsURL(host, "/echo?x=1"), g.httpsURL(host, "/mock")}, extra...)
			out, err := g.curl(t, args...)
			if err != nil {
				t.Fatalf("curl %s %v: %v\n%s", host, extra, err, out)
			}
			for _, want := range []string{`"X-Forwarded-Proto":["https"]`, "mocked", "ALPN: server accepted http/1.1", "Re-using existing connection", "SSL certificate verify ok"} {
				if !strings.Contains(out, want) {
					t.Errorf("curl %s %v: no %q in\n%s", host, extra, want, out)
				}
			}
		}
	}
}

// Go's client: SNI selects the certificate, an unknown name gets the
// default one, session resumption works across connections (TLS 1.2 and
// 1.3), and pipelined keep-alive requests are answered in order.
func TestHTTPSGoClient(t *testing.T) {
	up := startUpstream(t)
	f := newHTTPSFix(t)
	g := startHTTPS(t, f, up, true)
	for sni, want := range map[string]*x509.Certificate{"api.e2e.test": f.api.Cert, "secure.e2e.test": f.api.Cert,
		g.Host: f.def.Cert, "unknown.e2e.test": f.def.Cert} {
		cfg := g.tlsConfig(sni)
		cfg.InsecureSkipVerify = sni == "unknown.e2e.test"
		c, err := g.dial(cfg)
		if err != nil {
			t.Fatalf("%s: %v", sni, err)
		}
		if !c.ConnectionState().PeerCertificates[0].Equal(want) {
			t.Errorf("%s: served %s", sni, c.ConnectionState().PeerCertificates[0].Subject)
		}
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cfg := g.tlsConfig("api.e2e.test")
		cfg.MinVersion, cfg.MaxVersion = v, v
		cfg.ClientSessionCache = tls.NewLRUClientSessionCache(2)
		for i := range 2 {
			c, err := g.dial(cfg)
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			reqs := ""
			for range 5 {
				reqs += "GET /release/mock HTTP/1.1\r\nHost: api.e2e.test\r\n\r\n"
			}
			io.WriteString(c, reqs)
			for j := range 5 {
				if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || string(body) != "mocked" {
					t.Fatalf("%#x conn %d response %d: %d %q", v, i, j, resp.StatusCode, body)
				}
			}
			if c.ConnectionState().DidResume != (i == 1) {
				t.Errorf("%#x conn %d: resumed %v", v, i, c.ConnectionState().DidResume)
			}
			c.Close()
		}
	}
}

// Without a default certificate (no --tls-cert, none Default in the
// configuration) an unknown name is refused with unrecognized_name.
func TestHTTPSNoDefaultCertificate(t *testing.T) {
	up := startUpstream(t)
	g := startHTTPS(t, newHTTPSFix(t), up, false)
	if _, err := g.dial(g.tlsConfig("api.e2e.test")); err != nil {
		t.Fatal(err)
	}
	if _, err := g.dial(g.tlsConfig("unknown.e2e.test")); err == nil || !strings.Contains(err.Error(), "unrecognized name") {
		t.Fatalf("unknown name: %v", err)
	}
}

// Forced HTTPS: curl -L follows the redirect from the plain listener to
// the HTTPS one; the protocol refusals are the documented codes.
func TestHTTPSForcedAndRefused(t *testing.T) {
	needTool(t, "curl")
	up := startUpstream(t)
	g := startHTTPS(t, newHTTPSFix(t), up, true)
	_, pport, _ := net.SplitHostPort(g.Addr)
	out, err := g.curl(t, "-L", "-w", " %{http_code} %{num_redirects} %{url_effective}", "http://forced.e2e.test:"+pport+"/release/mock?a=b")
	if err != nil || out != "mocked 200 1 "+g.httpsURL("forced.e2e.test", "/mock?a=b") {
		t.Fatalf("forced: %v %q", err, out)
	}
	out, _ = g.curl(t, "-X", "POST", "-d", "x", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "http://forced.e2e.test:"+pport+"/release/echo")
	if out != "308 "+g.httpsURL("forced.e2e.test", "/echo") {
		t.Errorf("forced POST: %q", out)
	}
	for _, c := range []struct{ url, code, body string }{
		{"http://secure.e2e.test:" + pport + "/release/mock", "403", `{"code":"HttpsRequired"`},
		{g.httpsURL("plain.e2e.test", "/mock"), "421", `{"code":"HttpsNotEnabled"`},
		{"http://plain.e2e.test:" + pport + "/release/mock", "200", "mocked"},
		{g.httpsURL("secure.e2e.test", "/mock"), "200", "mocked"},
	} {
		out, err := g.curl(t, "-w", "\n%{http_code}", c.url)
		body, code, _ := strings.Cut(out, "\n")
		if i := strings.LastIndexByte(out, '\n'); i >= 0 {
			body, code = out[:i], out[i+1:]
		}
		if err != nil || code != c.code || !strings.HasPrefix(body, c.body) {
			t.Errorf("%s: %v %q", c.url, err, out)
		}
	}
}

// openssl s_client: a TLS 1.2 renegotiation ("R") is refused (the
// connection ends), a TLS 1.3 KeyUpdate is answered, and 0-RTT offered with a ticket that allowed it (from
// openssl s_server) is refused: crypto/tls takes early data only over QUIC.
func TestHTTPSOpenSSL(t *testing.T) {
	needTool(t, "openssl")
	up := startUpstream(t)
	f := newHTTPSFix(t)
	g := startHTTPS(t, f, up, true)
	s := startSClient(t, g.TLSAddr, "api.e2e.test", f.caFile, "-tls1_2", "-crlf")
	s.send(t, "GET /release/mock HTTP/1.1\nHost: api.e2e.test\n")
	s.waitFor(t, "mocked")
	s.send(t, "R")
	s.waitFor(t, "RENEGOTIATING")
	s.waitExit(t) // the gateway ended the connection

	// TLS 1.3 KeyUpdate asking ours in return ("K"): the gateway updates its
	// key before its next record, and the next answer opens under it.
	s = startSClient(t, g.TLSAddr, "api.e2e.test", f.caFile, "-tls1_3", "-crlf")
	s.send(t, "GET /release/mock HTTP/1.1\nHost: api.e2e.test\n")
	s.waitFor(t, "mocked")
	s.send(t, "K")
	s.waitFor(t, "KEYUPDATE")
	s.send(t, "GET /release/mock?second HTTP/1.1\nHost: api.e2e.test\n")
	waitFor(t, 10*time.Second, "the answer after the key update", func() bool { return strings.Count(s.logs.String(), "mocked") == 2 })
	s.finish(t)

	certFile, keyFile := f.write(t, "api.crt", f.api.ChainPEM()), f.write(t, "api.key", f.api.KeyPEM())
	srv := exec.Command("openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", certFile, "-key", keyFile,
		"-early_data", "-tls1_3", "-naccept", "1")
	if _, err := srv.StdinPipe(); err != nil { // s_server hangs up at EOF on stdin
		t.Fatal(err)
	}
	other := launch(t, srv)
	other.waitLog("ACCEPT 127.0.0.1:", 0)
	log := other.logs.String()
	otherAddr := strings.Fields(log[strings.Index(log, "ACCEPT "):])[1]
	sess := filepath.Join(f.dir, "sess.pem")
	s = startSClient(t, otherAddr, "api.e2e.test", f.caFile, "-tls1_3", "-sess_out", sess)
	s.waitFor(t, "Verify return code: 0")
	s.send(t, "ticket-probe")
	other.waitLog("ticket-probe", 0) // the ticket came before our line
	s.finish(t)
	early := f.write(t, "early.txt", "GET /release/mock HTTP/1.1\r\nHost: api.e2e.test\r\n\r\n")
	s = startSClient(t, g.TLSAddr, "api.e2e.test", f.caFile, "-tls1_3", "-sess_in", sess, "-early_data", early)
	s.waitFor(t, "unsupported extension")
	s.waitExit(t)
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not installed (make test installs it with apt-get)", name)
	}
}

// sClient is an openssl s_client process, fed lines on its stdin.
type sClient struct {
	*proc
	stdin io.WriteCloser
}

func startSClient(t *testing.T, addr, sni, caFile string, args ...string) *sClient {
	t.Helper()
	cmd := exec.Command("openssl", append([]string{"s_client", "-connect", addr, "-servername", sni,
		"-CAfile", caFile, "-verify_return_error"}, args...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	return &sClient{proc: launch(t, cmd), stdin: stdin}
}

func (s *sClient) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		t.Fatalf("send %q: %v\n%s", line, err, s.logs)
	}
}

func (s *sClient) waitFor(t *testing.T, want string) { s.waitLog(want, 0) }

// waitExit waits for s_client to end (the server closed the connection).
func (s *sClient) waitExit(t *testing.T) {
	t.Helper()
	if !s.exitedWithin(10 * time.Second) {
		t.Fatalf("s_client still connected:\n%s", s.logs)
	}
}

// finish closes stdin (s_client sends close_notify and exits).
func (s *sClient) finish(t *testing.T) {
	t.Helper()
	s.stdin.Close()
	s.waitExit(t)
}
