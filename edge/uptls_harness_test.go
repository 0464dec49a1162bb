package edge

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/testpki"
	"github.com/edgegate/edgegate/model"
)

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

// tlsBackend is a Go HTTPS server on loopback.
type tlsBackend struct {
	addr       string
	handshakes atomic.Int64 // completed, full or resumed
	resumed    atomic.Int64
	closed     atomic.Int64 // connections closed
	mu         sync.Mutex
	snis       []string // SNI of each handshake
	clientCNs  []string // the client certificate's subject of each handshake ("" without)
	srv        *http.Server
}

// startTLSBackend serves h over TLS with leaf; tune adjusts the config.
func startTLSBackend(t testing.TB, leaf *testpki.Leaf, tune func(*tls.Config), h http.HandlerFunc) *tlsBackend {
	t.Helper()
	b := &tlsBackend{}
	cert := tls.Certificate{PrivateKey: leaf.Key, Leaf: leaf.Cert}
	for _, c := range leaf.Chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"},
		VerifyConnection: func(cs tls.ConnectionState) error {
			b.handshakes.Add(1)
			if cs.DidResume {
				b.resumed.Add(1)
			}
			cn := ""
			if len(cs.PeerCertificates) > 0 {
				cn = cs.PeerCertificates[0].Subject.CommonName
			}
			b.mu.Lock()
			b.snis = append(b.snis, cs.ServerName)
			b.clientCNs = append(b.clientCNs, cn)
			b.mu.Unlock()
			return nil
		}}
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

func (b *tlsBackend) seen() (snis, cns []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.snis...), append([]string(nil), b.clientCNs...)
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
	req, _ := http.NewRequest("GET", "http://"+s.Addr()+path, nil)
	req.Host = "service-t.localhost"
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var e struct{ Code, Message string }
	if resp.StatusCode >= 400 && json.Unmarshal(body, &e) == nil && e.Code != "" {
		return resp.StatusCode, e.Code, e.Message
	}
	return resp.StatusCode, string(body), ""
}

// keepAliveClient sends requests on one kept-alive connection to the edge.
type keepAliveClient struct {
	c  *http.Client
	tr *http.Transport
	s  *Server
}

func newKeepAliveClient(t testing.TB, s *Server) *keepAliveClient {
	tr := &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1}
	t.Cleanup(tr.CloseIdleConnections)
	return &keepAliveClient{c: &http.Client{Transport: tr, Timeout: 20 * time.Second}, tr: tr, s: s}
}

func (k *keepAliveClient) do(t testing.TB, method, path string, body io.Reader) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+k.s.Addr()+path, body)
	req.Host = "service-t.localhost"
	resp, err := k.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
