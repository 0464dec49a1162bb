package e2e

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/edgegate/edgegate/internal/testpki"
)

// HTTPS backends (issue 12) against the real binary: https:// and wss://
// targets verified against an uploaded CA, SNI, mTLS, pooling and
// resumption, the stable refusals, streaming with bounded RSS, the
// configuration file and the control plane (the official SDK and the
// signed raw client).

// backendFix: a CA for the backends (backend.e2e.test; one expired
// certificate) and a client certificate from another CA.
type backendFix struct {
	ca, clientCA  *testpki.CA
	leaf, expired *testpki.Leaf
	client        *testpki.Leaf
	clientPool    *x509.CertPool
}

func newBackendFix() *backendFix {
	ca, cca := testpki.NewCA("e2e backend CA"), testpki.NewCA("e2e client CA")
	f := &backendFix{ca: ca, clientCA: cca, clientPool: x509.NewCertPool(),
		leaf:    ca.Valid(30, "backend.e2e.test", "localhost"),
		expired: ca.Issue(nil, time.Now().AddDate(0, 0, -20), time.Now().AddDate(0, 0, -1), "backend.e2e.test"),
		client:  cca.Client("e2e-edge", 30)}
	f.clientPool.AddCert(cca.Cert)
	return f
}

// tlsBackendProc is an HTTPS backend in the test process (the gateway is
// the process under test) with the upstream role's /bytes, /echo and /ws;
// other paths answer "tls backend <path>" (?close=1 closes the
// connection after the answer). Its handshakes are recorded.
type tlsBackendProc struct {
	testpki.Handshakes
	addr string
}

func startTLSBackendProc(t *testing.T, leaf *testpki.Leaf, tune func(*tls.Config)) *tlsBackendProc {
	t.Helper()
	b := &tlsBackendProc{}
	cfg := b.ServerConfig(leaf)
	if tune != nil {
		tune(cfg)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", handleWS)
	mux.HandleFunc("/bytes", handleBytes)
	mux.HandleFunc("/echo", handleEcho)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("close") != "" {
			w.Header().Set("Connection", "close") // the next request needs a new connection
		}
		io.WriteString(w, "tls backend "+r.URL.Path)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	srv := &http.Server{Handler: mux, TLSConfig: cfg}
	go srv.Serve(tls.NewListener(ln, cfg))
	t.Cleanup(func() { srv.Close() })
	return b
}

// backendConfig is a configuration file whose APIs reach the backends
// over TLS, with the backend CA (CA) and the client certificate (CLIENT)
// in its Certificates.
func backendConfig(f *backendFix, apis string) string {
	return fmt.Sprintf("Services:\n  - ServiceId: %s\n    Apis:\n%sCertificates:\n"+
		"  - {CertificateId: ca-e2e, CertificateType: CA, CertificatePEM: %s}\n"+
		"  - {CertificateId: cl-e2e, CertificateType: CLIENT, CertificatePEM: %s, PrivateKeyPEM: %s}\n",
		testService, apis, strconv.Quote(testpki.CertsPEM(f.ca.Cert)), strconv.Quote(f.client.ChainPEM()), strconv.Quote(f.client.KeyPEM()))
}

func httpsAPI(id, path, url, opts string) string {
	return fmt.Sprintf("      - {ApiId: %s, RequestConfig: {Path: %s, Method: ANY}, ServiceType: HTTP, ServiceTimeout: 10, ServiceConfig: {Url: %q, Path: /%s}}\n",
		id, path, url, opts)
}

// The configuration file's https:// backends: verified against the CA,
// with the configured SNI, pooled (one handshake for many requests on a
// kept-alive client), the default name from the URL, and each refusal
// with its exact code and message; the insecure switch.
func TestHTTPSBackendConfigFile(t *testing.T) {
	f := newBackendFix()
	good := startTLSBackendProc(t, f.leaf, nil)
	expired := startTLSBackendProc(t, f.expired, nil)
	_, port, _ := net.SplitHostPort(good.addr)
	opts := ", TlsServerName: backend.e2e.test, CaCertificateId: ca-e2e"
	g := startGateway(t, backendConfig(f,
		httpsAPI("api-ok", "/ok", "https://"+good.addr, opts)+
			httpsAPI("api-local", "/local", "https://localhost:"+port, ", CaCertificateId: ca-e2e")+
			httpsAPI("api-noca", "/noca", "https://"+good.addr, ", TlsServerName: backend.e2e.test")+
			httpsAPI("api-name", "/name", "https://"+good.addr, ", TlsServerName: wrong.e2e.test, CaCertificateId: ca-e2e")+
			httpsAPI("api-exp", "/exp", "https://"+expired.addr, opts)+
			httpsAPI("api-ins", "/ins", "https://"+expired.addr, ", TlsServerName: wrong.e2e.test, TlsInsecureSkipVerify: true")), "--loops", "1")
	c := g.client()
	for i := range 20 {
		if a := g.send(c, "GET", "/ok/x", nil, nil); a.status != 200 || a.body != "tls backend /x" {
			t.Fatalf("request %d: %v", i, a)
		}
	}
	if n := good.N.Load(); n != 1 {
		t.Errorf("%d backend handshakes for 20 requests on one kept-alive client, want 1", n)
	}
	if a := g.get("/local/y"); a.status != 200 || a.body != "tls backend /y" {
		t.Errorf("default name (the URL's host): %v", a)
	}
	if snis, _ := good.Seen(); len(snis) != 2 || snis[0] != "backend.e2e.test" || snis[1] != "localhost" {
		t.Errorf("SNI seen by the backend: %q", snis)
	}
	for path, msg := range map[string]string{
		"/noca": "TLS to the backend failed: its certificate is signed by an unknown authority",
		"/name": "TLS to the backend failed: its certificate is not valid for the backend's name",
		"/exp":  "TLS to the backend failed: its certificate has expired or is not yet valid",
	} {
		if a := g.get(path); a.status != 502 || a.code != "UpstreamTLSError" || a.msg != msg {
			t.Errorf("%s: %v, want 502 UpstreamTLSError %q", path, a, msg)
		}
	}
	if a := g.get("/ins/z"); a.status != 200 || a.body != "tls backend /z" {
		t.Errorf("TlsInsecureSkipVerify: %v", a)
	}
}

// mTLS and resumption: a backend requiring a client certificate refuses
// the gateway without one and accepts the configured one (whose subject
// it sees); new connections (each client closes its own) resume.
func TestHTTPSBackendMTLSAndResumption(t *testing.T) {
	f := newBackendFix()
	b := startTLSBackendProc(t, f.leaf, func(c *tls.Config) {
		c.ClientAuth, c.ClientCAs = tls.RequireAndVerifyClientCert, f.clientPool
	})
	opts := ", TlsServerName: backend.e2e.test, CaCertificateId: ca-e2e"
	g := startGateway(t, backendConfig(f,
		httpsAPI("api-none", "/none", "https://"+b.addr, opts)+
			httpsAPI("api-mtls", "/mtls", "https://"+b.addr, opts+", ClientCertificateId: cl-e2e")), "--loops", "1")
	if a := g.get("/none"); a.status != 502 || a.code != "UpstreamTLSError" ||
		a.msg != "TLS to the backend failed: the backend requires a client certificate it accepts" {
		t.Errorf("without a client certificate: %v", a)
	}
	// Each response closes its connection: the next request dials again
	// and resumes the session (one full handshake, then resumptions).
	for i := range 4 {
		if a := g.get("/mtls/r?close=1"); a.status != 200 || a.body != "tls backend /r" {
			t.Fatalf("request %d with the client certificate: %v", i, a)
		}
	}
	if r := b.Resumed.Load(); r != 3 {
		t.Errorf("%d of 4 new connections resumed, want 3", r)
	}
	_, cns := b.Seen()
	if len(cns) == 0 || cns[len(cns)-1] != "e2e-edge" {
		t.Errorf("client certificates seen: %q", cns)
	}
}

// A 64 MiB response (chunked and with a length) and a 15 MiB upload
// through a TLS backend, and a wss:// WebSocket echo: bytes whole, the
// gateway's RSS bounded.
func TestHTTPSBackendStreamsAndWebSocket(t *testing.T) {
	f := newBackendFix()
	b := startTLSBackendProc(t, f.leaf, nil)
	opts := ", TlsServerName: backend.e2e.test, CaCertificateId: ca-e2e"
	ws := fmt.Sprintf("      - {ApiId: api-wss, Protocol: WEBSOCKET, RequestConfig: {Path: /ws, Method: GET}, ServiceType: WEBSOCKET, ServiceTimeout: 60, ServiceConfig: {Url: %q, Path: /ws%s}}\n",
		"wss://"+b.addr, opts)
	g := startGateway(t, backendConfig(f, httpsAPI("api-big", "/big", "https://"+b.addr, opts)+ws), "--loops", "1")
	c := g.client()
	base := g.rss()
	var peak atomic.Int64
	stop := make(chan struct{})
	go sampleRSS(g, &peak, stop)
	defer close(stop)
	const size = 64 << 20
	for _, q := range []string{"", "&chunked=1"} {
		resp := g.do(c, "GET", "/big/bytes?n="+strconv.Itoa(size)+q, nil)
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != size {
			t.Fatalf("%s: got %d bytes, %v", q, n, err)
		}
	}
	body := strings.Repeat("0123456789abcdef", 15<<20/16)
	sum := sha256.Sum256([]byte(body))
	var e echoed
	if a := g.send(c, "POST", "/big/echo", strings.NewReader(body), nil); a.status != 200 || json.Unmarshal([]byte(a.body), &e) != nil ||
		e.BodyLen != len(body) || e.BodySHA != hex.EncodeToString(sum[:]) {
		t.Fatalf("upload: %v", a)
	}
	if grew := int(peak.Load()) - base; grew > 48*1024 {
		t.Errorf("RSS grew by %d KiB while streaming through a TLS backend (base %d KiB)", grew, base)
	}
	t.Logf("base RSS %d KiB, peak %d KiB", base, peak.Load())

	conn, _ := g.dialWS(t, "/ws")
	echoRounds(t, conn, 300000)
}

// dialWS opens a WebSocket to path in the release environment (closed
// when the test ends).
func (g *gateway) dialWS(t *testing.T, path string) (*websocket.Conn, *http.Response) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial("ws://"+g.Addr+"/release"+path, http.Header{"Host": {g.Host}})
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, resp
}

// The control plane: CertificateType CA and CLIENT through the signed raw
// client, an API with an https:// backend created with the official SDK
// (verification on by default: the system roots do not know the test CA),
// then given the CA and the client certificate (ModifyApi, raw client:
// the SDK's ServiceConfig has no such members); the refusals' exact codes.
func TestSDKHTTPSBackend(t *testing.T) {
	defer catchSDK(t)
	f := newBackendFix()
	b := startTLSBackendProc(t, f.leaf, func(c *tls.Config) {
		c.ClientAuth, c.ClientCAs = tls.RequireAndVerifyClientCert, f.clientPool
	})
	_, port, _ := net.SplitHostPort(b.addr)
	cp, c, svc := sdkSetup(t, "tlsbackend")
	rc := cp.client()
	upload := func(params map[string]any) (string, string) {
		code, raw := call(t, rc, "UploadCertificate", params)
		var r struct {
			Result struct{ CertificateId, CertificateType string }
		}
		json.Unmarshal(raw, &r)
		return code, r.Result.CertificateId + " " + r.Result.CertificateType
	}
	code, caRes := upload(map[string]any{"Alias": "backend-ca", "CertificateType": "CA", "CertificatePublicKey": testpki.CertsPEM(f.ca.Cert)})
	caID, _, _ := strings.Cut(caRes, " ")
	if code != "" || !strings.HasSuffix(caRes, " CA") {
		t.Fatalf("UploadCertificate CA: %s %s", code, caRes)
	}
	code, clRes := upload(map[string]any{"Alias": "edge-client", "CertificateType": "CLIENT", "CertificatePublicKey": f.client.ChainPEM(), "CertificatePrivateKey": f.client.KeyPEM()})
	clID, _, _ := strings.Cut(clRes, " ")
	if code != "" || !strings.HasSuffix(clRes, " CLIENT") {
		t.Fatalf("UploadCertificate CLIENT: %s %s", code, clRes)
	}
	if code, _ := upload(map[string]any{"Alias": "x", "CertificateType": "CA", "CertificatePublicKey": f.leaf.ChainPEM()}); code != "FailedOperation.CertificateIdInfoError" {
		t.Errorf("a leaf uploaded as CA: %q", code)
	}

	apiID := sdkAPI(c, svc, "/tls", func(ca *apigw.CreateApiRequest) {
		ca.ServiceType = common.StringPtr("HTTP")
		ca.ServiceConfig = &apigw.ServiceConfig{Url: common.StringPtr("https://localhost:" + port), Path: common.StringPtr("/"), Method: common.StringPtr("GET")}
		ca.ServiceMockReturnMessage = nil
	})
	sdkRelease(c, svc)
	e := cp.edge(svc)
	if !eventually(5*time.Second, func() bool { return e.get("/tls").code == "UpstreamTLSError" }) {
		t.Fatalf("SDK-created https backend with the system roots: %v", e.get("/tls"))
	}
	if a := e.get("/tls"); a.status != 502 || a.msg != "TLS to the backend failed: its certificate is signed by an unknown authority" {
		t.Errorf("unknown authority: %v", a)
	}
	modify := func(sc map[string]any) string {
		code, _ := call(t, rc, "ModifyApi", map[string]any{"ServiceId": svc, "ApiId": apiID, "ServiceType": "HTTP", "ServiceTimeout": 5,
			"Protocol": "HTTP", "RequestConfig": map[string]any{"Path": "/tls", "Method": "GET"}, "ServiceConfig": sc})
		return code
	}
	sc := func(extra map[string]any) map[string]any {
		m := map[string]any{"Url": "https://localhost:" + port, "Path": "/", "Method": "GET"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		extra map[string]any
		want  string
	}{
		{map[string]any{"CaCertificateId": "cert-nothere1"}, "FailedOperation.CertificateIdError"},
		{map[string]any{"CaCertificateId": clID}, "FailedOperation.CertificateIdBindError"},
		{map[string]any{"ClientCertificateId": caID}, "FailedOperation.CertificateIdBindError"},
		{map[string]any{"TlsServerName": "not a name"}, "InvalidParameterValue.InvalidServiceConfig"},
	} {
		if code := modify(sc(tc.extra)); code != tc.want {
			t.Errorf("ModifyApi %v: %q, want %q", tc.extra, code, tc.want)
		}
	}
	if code := modify(sc(map[string]any{"CaCertificateId": caID})); code != "" {
		t.Fatalf("ModifyApi with the CA: %s", code)
	}
	sdkRelease(c, svc)
	// The CA is trusted now; the backend wants a client certificate.
	if !eventually(5*time.Second, func() bool {
		return e.get("/tls").msg == "TLS to the backend failed: the backend requires a client certificate it accepts"
	}) {
		t.Fatalf("with the CA, without a client certificate: %v", e.get("/tls"))
	}
	if code := modify(sc(map[string]any{"CaCertificateId": caID, "ClientCertificateId": clID})); code != "" {
		t.Fatalf("ModifyApi with the client certificate: %s", code)
	}
	sdkRelease(c, svc)
	if !eventually(5*time.Second, func() bool { return e.get("/tls").status == 200 }) {
		t.Fatalf("with the CA and the client certificate: %v", e.get("/tls"))
	}
	if a := e.get("/tls"); a.body != "tls backend /" {
		t.Errorf("body %q", a.body)
	}
	if _, cns := b.Seen(); cns[len(cns)-1] != "e2e-edge" {
		t.Errorf("client certificates seen: %q", cns)
	}
	for _, id := range []string{caID, clID} {
		if code, _ := call(t, rc, "DeleteCertificate", map[string]any{"CertificateId": id}); code != "ResourceInUse" {
			t.Errorf("DeleteCertificate %s in use: %q, want ResourceInUse", id, code)
		}
	}
}
