package edge

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/testpki"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// An https:// backend with a CA uploaded as a CA certificate: requests are
// proxied over TLS, the SNI is the configured name, and a kept-alive
// client's requests share one pooled TLS connection (one handshake).
func TestUpstreamTLSProxy(t *testing.T) {
	b := startTLSBackend(t, getUpFix().backend, nil, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/b/proto" { // X-Forwarded-Proto is the client's side, not ours
			io.WriteString(w, r.Header.Get("X-Forwarded-Proto"))
			return
		}
		helloBackend(w, r)
	})
	s := startUpTLSServer(t, Config{},
		tlsAPI("api-s", "/s", "https://"+b.addr, "TlsServerName: backend.test, CaCertificateId: ca-backend"),
		tlsAPI("api-d", "/d", "https://localhost:"+b.port(), "CaCertificateId: ca-backend"))
	k := newKeepAliveClient(t, s)
	for i := range 50 {
		code, body := k.do(t, "GET", fmt.Sprintf("/release/s/%d", i), nil)
		if code != 200 || body != fmt.Sprintf("hello /b/%d", i) {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
	}
	if n := b.N.Load(); n != 1 {
		t.Errorf("%d TLS handshakes for 50 requests on one client connection, want 1 (pooled)", n)
	}
	if st := s.Stats(); st.UpstreamTLSHandshakes != 1 || st.UpstreamReused != 49 {
		t.Errorf("stats %+v", st)
	}
	if code, body := k.do(t, "GET", "/release/s/proto", nil); code != 200 || body != "http" {
		t.Errorf("X-Forwarded-Proto to a TLS backend for a plain client: %d %q, want http", code, body)
	}
	// The default name is the URL's host.
	if code, body, _ := edgeGet(t, s, "/release/d/x"); code != 200 || body != "hello /b/x" {
		t.Fatalf("default name: %d %q", code, body)
	}
	snis, _ := b.Seen()
	if want := []string{"backend.test", "localhost"}; !slices.Equal(snis, want) {
		t.Errorf("SNI seen by the backend %q, want %q", snis, want)
	}
}

// Verification is on by default: each failure is a 502 UpstreamTLSError
// naming the reason, and counts as a target failure; the insecure switch
// accepts anything.
func TestUpstreamTLSVerifyFailures(t *testing.T) {
	f := getUpFix()
	good := startTLSBackend(t, f.backend, nil, helloBackend)
	expired := startTLSBackend(t, f.expired, nil, helloBackend)
	s := startUpTLSServer(t, Config{},
		tlsAPI("api-noca", "/noca", "https://"+good.addr, "TlsServerName: backend.test"),
		tlsAPI("api-name", "/name", "https://"+good.addr, "TlsServerName: other.test, CaCertificateId: ca-backend"),
		tlsAPI("api-exp", "/exp", "https://"+expired.addr, "TlsServerName: backend.test, CaCertificateId: ca-backend"),
		tlsAPI("api-ins", "/ins", "https://"+expired.addr, "TlsServerName: other.test, TlsInsecureSkipVerify: true"))
	cases := []struct {
		path string
		f    *failure
	}{
		{"/release/noca", errUpTLSUnknownCA},
		{"/release/name", errUpTLSName},
		{"/release/exp", errUpTLSExpired},
	}
	for _, c := range cases {
		code, got, msg := edgeGet(t, s, c.path)
		if code != 502 || got != "UpstreamTLSError" || msg != c.f.msg {
			t.Errorf("%s: %d %s %q, want 502 UpstreamTLSError %q", c.path, code, got, msg, c.f.msg)
		}
	}
	for _, want := range []string{"unknown authority", "not valid for the backend's name", "expired"} {
		if !strings.Contains(errUpTLSUnknownCA.msg+errUpTLSName.msg+errUpTLSExpired.msg, want) {
			t.Errorf("no message says %q", want)
		}
	}
	if code, body, _ := edgeGet(t, s, "/release/ins/x"); code != 200 || body != "hello /b/x" {
		t.Errorf("insecure: %d %q", code, body)
	}
	if st := s.Stats(); st.UpstreamTLSFailures != 3 {
		t.Errorf("stats %+v, want 3 failed upstream handshakes", st)
	}
	// Failures count for passive health: the third in a row ejects the
	// target (MaxFails 3).
	var noca *target
	for _, tg := range s.rt.Load().targets {
		if tg.addr == good.addr && tg.tlsCfg == (snapshot.TLS{ServerName: "backend.test"}) {
			noca = tg
		}
	}
	if noca == nil || noca.tls == nil || noca.downUntil.Load() != 0 || noca.fails.Load() != 1 {
		t.Fatalf("the no-CA target after one failure: %+v", noca)
	}
	for range 2 {
		edgeGet(t, s, "/release/noca")
	}
	if noca.downUntil.Load() == 0 {
		t.Errorf("3 TLS failures in a row did not eject the target")
	}
}

// mTLS: a backend that requires a client certificate refuses the edge
// without one (TLS 1.3: certificate_required after the handshake; TLS
// 1.2: an alert during it) and with one it does not trust, and accepts the
// configured one, whose subject it sees.
func TestUpstreamTLSClientCertificate(t *testing.T) {
	f := getUpFix()
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			pool := x509.NewCertPool()
			pool.AddCert(f.clientCA.Cert)
			b := startTLSBackend(t, f.backend, func(c *tls.Config) {
				c.ClientAuth, c.ClientCAs, c.MaxVersion = tls.RequireAndVerifyClientCert, pool, v
			}, helloBackend)
			opts := "TlsServerName: backend.test, CaCertificateId: ca-backend"
			s := startUpTLSServer(t, Config{},
				tlsAPI("api-none", "/none", "https://"+b.addr, opts),
				tlsAPI("api-bad", "/bad", "https://"+b.addr, opts+", ClientCertificateId: cl-bad"),
				tlsAPI("api-mtls", "/mtls", "https://"+b.addr, opts+", ClientCertificateId: cl-edge"))
			want := map[uint16]*failure{tls.VersionTLS13: errUpTLSCertReq, tls.VersionTLS12: upTLSAlerts[40]}[v]
			if code, got, msg := edgeGet(t, s, "/release/none"); code != 502 || got != "UpstreamTLSError" || msg != want.msg {
				t.Errorf("without a client certificate: %d %s %q, want %q", code, got, msg, want.msg)
			}
			if code, got, _ := edgeGet(t, s, "/release/bad"); code != 502 || got != "UpstreamTLSError" {
				t.Errorf("untrusted client certificate: %d %s", code, got)
			}
			if code, body, _ := edgeGet(t, s, "/release/mtls/x"); code != 200 || body != "hello /b/x" {
				t.Fatalf("with the client certificate: %d %q", code, body)
			}
			_, cns := b.Seen()
			if !slices.Contains(cns, "edge-client") {
				t.Errorf("client certificates seen %q, want edge-client", cns)
			}
		})
	}
}

// New connections to the same backend resume the session (the target's
// tlsterm.Client keeps the cache): a backend that closes every connection
// after its response sees one full handshake, then resumptions.
func TestUpstreamTLSResumption(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			b := startTLSBackend(t, getUpFix().backend, func(c *tls.Config) { c.MaxVersion = v }, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Connection", "close")
				helloBackend(w, r)
			})
			s := startUpTLSServer(t, Config{}, tlsAPI("api-r", "/r", "https://"+b.addr, "TlsServerName: backend.test, CaCertificateId: ca-backend"))
			k := newKeepAliveClient(t, s)
			for i := range 5 {
				if code, body := k.do(t, "GET", "/release/r", nil); code != 200 || body != "hello /b" {
					t.Fatalf("request %d: %d %q", i, code, body)
				}
			}
			if h, r := b.N.Load(), b.Resumed.Load(); h != 5 || r != 4 {
				t.Errorf("backend saw %d handshakes, %d resumed; want 5 and 4", h, r)
			}
			if st := s.Stats(); st.UpstreamTLSHandshakes != 5 || st.UpstreamTLSResumed != 4 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// The upstream TLS tests' fixture: a CA for the backends' certificates
// (backend.test and localhost; one expired), a client certificate for
// mTLS from another CA, and Go HTTPS backends that record what each
// handshake showed them.
type upTLSFixture struct {
	ca, clientCA      *testpki.CA
	backend, expired  *testpki.Leaf
	client, badClient *testpki.Leaf
}

var (
	upFixOnce sync.Once
	upFix     *upTLSFixture
)

func getUpFix() *upTLSFixture {
	upFixOnce.Do(func() {
		ca := testpki.NewCA("backend CA")
		cca := testpki.NewCA("client CA")
		upFix = &upTLSFixture{ca: ca, clientCA: cca,
			backend:   ca.Valid(30, "backend.test", "localhost"),
			expired:   ca.Issue(nil, time.Now().AddDate(0, 0, -10), time.Now().AddDate(0, 0, -1), "backend.test", "localhost"),
			client:    cca.Client("edge-client", 30),
			badClient: ca.Client("stranger", 30), // signed by a CA the backend does not trust
		}
	})
	return upFix
}

// Certificates the edge holds for backends: the backend CA (type CA) and
// the client certificates (type CLIENT).
func upCerts() []model.Certificate {
	f := getUpFix()
	return []model.Certificate{
		{CertificateId: "ca-backend", CertificateType: model.CertCA, CertificatePEM: testpki.CertsPEM(f.ca.Cert)},
		{CertificateId: "cl-edge", CertificateType: model.CertClient, CertificatePEM: f.client.ChainPEM(), PrivateKeyPEM: f.client.KeyPEM()},
		{CertificateId: "cl-bad", CertificateType: model.CertClient, CertificatePEM: f.badClient.ChainPEM(), PrivateKeyPEM: f.badClient.KeyPEM()},
	}
}

// tlsBackend is a Go HTTPS server on loopback; its handshakes are
// recorded (testpki.Handshakes).
type tlsBackend struct {
	testpki.Handshakes
	addr   string
	closed atomic.Int64 // connections closed
	srv    *http.Server
}

// startTLSBackend serves h over TLS with leaf; tune adjusts the config.
func startTLSBackend(t testing.TB, leaf *testpki.Leaf, tune func(*tls.Config), h http.HandlerFunc) *tlsBackend {
	t.Helper()
	b := &tlsBackend{}
	cfg := b.ServerConfig(leaf)
	if tune != nil {
		tune(cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	b.srv = &http.Server{Handler: h, TLSConfig: cfg, ConnState: func(_ net.Conn, st http.ConnState) {
		if st == http.StateClosed {
			b.closed.Add(1)
		}
	}}
	go b.srv.Serve(tls.NewListener(ln, cfg))
	t.Cleanup(func() { b.srv.Close() })
	return b
}

// port is the backend's port, for URLs naming localhost or backend.test.
func (b *tlsBackend) port() string {
	_, p, _ := net.SplitHostPort(b.addr)
	return p
}

// helloBackend answers "hello <path>".
func helloBackend(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "hello "+r.URL.Path)
}

// tlsAPI proxies every method on path to url (https:// or wss://) with the
// ServiceConfig's TLS options (YAML members, may be empty).
func tlsAPI(id, path, url, opts string) string {
	if opts != "" {
		opts = ", " + opts
	}
	return fmt.Sprintf(`
      - ApiId: %s
        RequestConfig: {Path: %s, Method: ANY}
        ServiceType: HTTP
        ServiceTimeout: 10
        ServiceConfig: {Url: "%s", Path: /b%s}
`, id, path, url, opts)
}

// startUpTLSServer runs a plain-HTTP edge (cfg.Loops defaults to 1)
// serving apis with the backend certificates.
func startUpTLSServer(t testing.TB, cfg Config, apis ...string) *Server {
	t.Helper()
	if cfg.Loops == 0 {
		cfg.Loops = 1
	}
	p, err := model.ParseFile([]byte(serviceDoc(apis...)))
	if err != nil {
		t.Fatal(err)
	}
	p.Certificates = upCerts()
	return startPublished(t, p, cfg)
}

// edgeGet sends GET path to the edge on a new connection and returns the
// status, the body and, for a gateway error, its code and message.
func edgeGet(t testing.TB, s *Server, path string) (int, string, string) {
	t.Helper()
	k := &keepAliveClient{c: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}, s: s}
	code, body := k.do(t, "GET", path, nil)
	var e struct{ Code, Message string }
	if code >= 400 && json.Unmarshal([]byte(body), &e) == nil && e.Code != "" {
		return code, e.Code, e.Message
	}
	return code, body, ""
}

// keepAliveClient sends requests on one kept-alive connection to the edge.
type keepAliveClient struct {
	c *http.Client
	s *Server
}

func newKeepAliveClient(t testing.TB, s *Server) *keepAliveClient {
	tr := &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1}
	t.Cleanup(tr.CloseIdleConnections)
	return &keepAliveClient{c: &http.Client{Transport: tr, Timeout: 20 * time.Second}, s: s}
}

// do sends a request with the service's host; it returns the status and
// the body.
func (k *keepAliveClient) do(t testing.TB, method, path string, body io.Reader) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+k.s.Addr()+path, body)
	req.Host = "service-t.localhost"
	resp, err := k.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
