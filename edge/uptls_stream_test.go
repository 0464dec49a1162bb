package edge

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A large streamed response (chunked and with a length) and a large
// upload cross a TLS upstream whole: many full records each way, records
// split across reads, the relay's back-pressure on ciphertext.
func TestUpstreamTLSLargeBodies(t *testing.T) {
	b := startTLSBackend(t, getUpFix().backend, nil, streamHandler)
	s := startUpTLSServer(t, Config{}, tlsAPI("api-b", "/big", "https://"+b.addr, "TlsServerName: backend.test, CaCertificateId: ca-backend"))
	c := dialRaw(t, s.Addr())
	c.SetDeadline(time.Now().Add(60 * time.Second))
	br := bufio.NewReader(c)
	const size = 24<<20 + 12345
	for _, q := range []string{"", "&len=1"} {
		io.WriteString(c, getReq("service-t.localhost", "/release/big?n="+strconv.Itoa(size)+q))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := readPattern(t, resp.Body); got != size {
			t.Fatalf("%s: got %d bytes, want %d", q, got, size)
		}
	}
	body := pattern(15<<20 + 777)
	sum := sha256.Sum256(body)
	go func() {
		fmt.Fprintf(c, "POST /release/big HTTP/1.1\r\nHost: service-t.localhost\r\nContent-Length: %d\r\n\r\n", len(body))
		c.Write(body)
	}()
	if resp, got := readResp(t, br); resp.StatusCode != 200 || got != fmt.Sprintf("%d %s", len(body), hex.EncodeToString(sum[:])) {
		t.Fatalf("upload: %d %q", resp.StatusCode, got)
	}
	if n := b.N.Load(); n != 1 {
		t.Errorf("%d handshakes for three requests on one connection, want 1", n)
	}
}

// A backend that closes an idle pooled TLS connection (close_notify, then
// FIN): the edge drops it and the next request gets a fresh connection.
func TestUpstreamTLSIdleClose(t *testing.T) {
	b := startTLSBackend(t, getUpFix().backend, nil, helloBackend)
	b.srv.IdleTimeout = 50 * time.Millisecond
	s := startUpTLSServer(t, Config{}, tlsAPI("api-i", "/i", "https://"+b.addr, "TlsServerName: backend.test, CaCertificateId: ca-backend"))
	k := newKeepAliveClient(t, s)
	if code, body := k.do(t, "GET", "/release/i", nil); code != 200 || body != "hello /b" {
		t.Fatalf("first: %d %q", code, body)
	}
	waitFor(t, "the backend to close the idle connection", func() bool { return b.closed.Load() == 1 })
	if code, body := k.do(t, "GET", "/release/i", nil); code != 200 || body != "hello /b" {
		t.Fatalf("after the backend closed: %d %q", code, body)
	}
	if n := b.N.Load(); n != 2 {
		t.Errorf("%d handshakes, want 2", n)
	}
}

// staleTLSBackend answers the first request of each connection and
// closes (close_notify) on the second without answering: a pooled
// connection the backend gave up on as the request went out.
func staleTLSBackend(t *testing.T) (addr string, conns func() int) {
	var n atomic.Int64
	addr = serveTLS(t, nil, func(c net.Conn) {
		n.Add(1)
		defer c.Close()
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
		http.ReadRequest(br) // then close unanswered
	})
	return addr, func() int { return int(n.Load()) }
}

// serveTLS serves raw TLS connections with the fixture's backend
// certificate (tune adjusts the config) and returns the address.
func serveTLS(t testing.TB, tune func(*tls.Config), serve func(net.Conn)) string {
	t.Helper()
	cfg := &tls.Config{Certificates: []tls.Certificate{getUpFix().backend.TLSCertificate()}}
	if tune != nil {
		tune(cfg)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go acceptLoop(ln, serve)
	return ln.Addr().String()
}

// A request on a pooled TLS connection that the backend closes before
// answering is retried once on a fresh connection, as for plain HTTP.
func TestUpstreamTLSStaleRetry(t *testing.T) {
	addr, conns := staleTLSBackend(t)
	s := startUpTLSServer(t, Config{}, tlsAPI("api-st", "/st", "https://"+addr, "TlsServerName: backend.test, CaCertificateId: ca-backend"))
	k := newKeepAliveClient(t, s)
	for i := range 3 {
		if code, body := k.do(t, "GET", "/release/st", nil); code != 200 || body != "fresh" {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
	}
	if st := s.Stats(); st.Retries != 2 || conns() != 3 {
		t.Errorf("retries %d, backend connections %d; want 2 and 3", st.Retries, conns())
	}
}

// wss:// backend: the upgrade and the tunnel go through the record layer
// both ways (many records; bytes sent right behind the upgrade request).
func TestUpstreamTLSWebSocket(t *testing.T) {
	addr := serveTLS(t, nil, wsEcho)
	api := fmt.Sprintf(`
      - ApiId: api-ws
        Protocol: WEBSOCKET
        RequestConfig: {Path: /ws, Method: GET}
        ServiceType: WEBSOCKET
        ServiceConfig: {Url: "wss://%s", Path: /, TlsServerName: backend.test, CaCertificateId: ca-backend}
`, addr)
	s := startUpTLSServer(t, Config{}, api)
	upgradeWithPayload(t, dialRaw(t, s.Addr()), "service-t.localhost", pattern(1<<20))
}

// Active health checks of an https target list use the target's TLS
// (name, CA, client certificate): the backend failing its check is
// ejected, the other keeps serving, and the checks' handshakes show the
// configured SNI and client certificate.
func TestUpstreamTLSHealthCheck(t *testing.T) {
	f := getUpFix()
	var bad, good *tlsBackend
	mk := func(status int) *tlsBackend {
		return startTLSBackend(t, f.backend, func(c *tls.Config) { c.ClientAuth = tls.RequestClientCert }, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/hc" {
				w.WriteHeader(status)
				return
			}
			io.WriteString(w, "ok "+strconv.Itoa(status))
		})
	}
	bad, good = mk(500), mk(200)
	var api strings.Builder
	fmt.Fprintf(&api, "      - ApiId: api-h\n        RequestConfig: {Path: /h, Method: ANY}\n        ServiceType: TARGET\n        ServiceTimeout: 5\n")
	fmt.Fprintf(&api, "        ServiceConfig: {Url: \"https://backend.test\", CaCertificateId: ca-backend, ClientCertificateId: cl-edge}\n        TargetServices:\n")
	for _, b := range []*tlsBackend{bad, good} {
		h, p, _ := net.SplitHostPort(b.addr)
		fmt.Fprintf(&api, "          - {VmIp: %s, VmPort: %s, Weight: 1}\n", h, p)
	}
	api.WriteString("        TargetServicesHealthCheckConf: {HealthCheckPath: /hc, HealthCheckIntervalMs: 100}\n")
	s := startUpTLSServer(t, Config{}, api.String())
	var badT *target
	for _, tg := range s.rt.Load().targets {
		if tg.addr == bad.addr {
			badT = tg
		}
	}
	waitFor(t, "the check to eject the bad backend", func() bool { return badT.downUntil.Load() != 0 })
	for i := range 10 {
		if code, body, _ := edgeGet(t, s, "/release/h"); code != 200 || body != "ok 200" {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
	}
	snis, cns := bad.Seen()
	if len(snis) == 0 || snis[0] != "backend.test" || cns[0] != "edge-client" {
		t.Errorf("the check's handshakes: SNI %q, client certificates %q", snis, cns)
	}
}

// A backend that accepts the connection but never answers the ClientHello:
// the handshake is bounded by the connect timeout (504, the TLS message),
// and counts as a failed upstream handshake.
func TestUpstreamTLSHandshakeTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go acceptLoop(ln, func(c net.Conn) { io.Copy(io.Discard, c) })
	s := startUpTLSServer(t, Config{ConnectTimeout: 300 * time.Millisecond},
		tlsAPI("api-slow", "/slow", "https://"+ln.Addr().String(), "TlsServerName: backend.test"))
	start := time.Now()
	code, got, msg := edgeGet(t, s, "/release/slow")
	if code != 504 || got != "UpstreamConnectTimeout" || msg != errUpTLSTimeout.msg {
		t.Errorf("%d %s %q, want 504 UpstreamConnectTimeout %q", code, got, msg, errUpTLSTimeout.msg)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("answered after %v", d)
	}
	if st := s.Stats(); st.UpstreamTLSFailures != 1 {
		t.Errorf("stats %+v", st)
	}
}
