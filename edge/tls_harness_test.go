package edge

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/testpki"
	"github.com/edgegate/edgegate/model"
)

// The TLS tests' fixture: one CA; a certificate for the custom domains
// (ECDSA, several names), one RSA certificate for rsa.example.com, and a
// default wildcard for the default domains (*.localhost).
type tlsFixture struct {
	ca            *testpki.CA
	pool          *x509.CertPool
	api, rsa, def *testpki.Leaf
}

var (
	tlsFixOnce sync.Once
	tlsFix     *tlsFixture
)

func getTLSFix(t testing.TB) *tlsFixture {
	tlsFixOnce.Do(func() {
		ca := testpki.NewCA("edge test CA")
		day := time.Now().AddDate(0, 0, 1)
		tlsFix = &tlsFixture{
			ca:   ca,
			pool: x509.NewCertPool(),
			api:  ca.Valid(1, "api.example.com", "forced.example.com", "plain.example.com", "secure.example.com"),
			rsa:  ca.Issue(testpki.RSAKey(2048), time.Now().Add(-time.Hour), day, "rsa.example.com"),
			def:  ca.Valid(1, "*.localhost"),
		}
		tlsFix.pool.AddCert(ca.Cert)
	})
	return tlsFix
}

func certOf(id string, l *testpki.Leaf, def bool) model.Certificate {
	return model.Certificate{CertificateId: id, CertificatePEM: l.ChainPEM(), PrivateKeyPEM: l.KeyPEM(), Default: def}
}

// tlsPublished is service-t with apis, its custom domains and the
// fixture's certificates:
//
//	api.example.com     c-api, http&https
//	rsa.example.com     c-rsa
//	forced.example.com  c-api, http&https, IsForcedHttps
//	plain.example.com   c-api, http only
//	secure.example.com  c-api, https only
//	service-t.localhost the service's protocol (none: both), c-def (Default)
func tlsPublished(t testing.TB, apis ...string) *model.Published {
	t.Helper()
	f := getTLSFix(t)
	p, err := model.ParseFile([]byte(serviceDoc(apis...)))
	if err != nil {
		t.Fatal(err)
	}
	d := func(host, cert, proto string, force bool) model.CustomDomain {
		return model.CustomDomain{SubDomain: host, IsDefaultMapping: true, CertificateId: cert, Protocol: proto, IsForcedHttps: force}
	}
	p.Services[0].Domains = []model.CustomDomain{
		d("api.example.com", "c-api", "http&https", false),
		d("rsa.example.com", "c-rsa", "", false),
		d("forced.example.com", "c-api", "http&https", true),
		d("plain.example.com", "c-api", "http", false),
		d("secure.example.com", "c-api", "https", false),
	}
	p.Certificates = []model.Certificate{certOf("c-api", f.api, false), certOf("c-rsa", f.rsa, false), certOf("c-def", f.def, true)}
	return p
}

// startTLSServer runs an edge with HTTPS serving tlsPublished(apis).
func startTLSServer(t testing.TB, cfg Config, apis ...string) *Server {
	t.Helper()
	if cfg.Loops == 0 {
		cfg.Loops = 1
	}
	cfg.TLSListen = "on"
	return startPublished(t, tlsPublished(t, apis...), cfg)
}

// tlsConfig trusts the fixture's CA and asks for sni.
func tlsConfig(t testing.TB, sni string) *tls.Config {
	return &tls.Config{RootCAs: getTLSFix(t).pool, ServerName: sni}
}

// dialTLS completes a handshake with the edge's HTTPS listener.
func dialTLS(t testing.TB, s *Server, cfg *tls.Config) (*tls.Conn, error) {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.TLSAddr(), cfg)
	if err == nil {
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(20 * time.Second))
	}
	return c, err
}

func mustDialTLS(t testing.TB, s *Server, cfg *tls.Config) *tls.Conn {
	t.Helper()
	c, err := dialTLS(t, s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// roundTrip writes req and reads one response.
func exchange(t testing.TB, c io.Writer, br *bufio.Reader, req string) (*http.Response, string) {
	t.Helper()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	return readResp(t, br)
}

func readResp(t testing.TB, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func getReq(host, path string) string {
	return fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host)
}

// protoEcho is an upstream answering with the X-Forwarded-Proto it got.
func protoEcho(t *testing.T) string {
	return startHTTPUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "proto="+r.Header.Get("X-Forwarded-Proto"))
	})
}

// anyAPI proxies every method on path to upstream's "/".
func anyAPI(id, path, upstream string) string {
	return fmt.Sprintf(`
      - ApiId: %s
        RequestConfig: {Path: %s, Method: ANY}
        ServiceType: HTTP
        ServiceConfig: {Url: "http://%s", Path: /}
`, id, path, upstream)
}
