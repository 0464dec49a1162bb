package edge

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgegate/edgegate/backendsign"
	"github.com/edgegate/edgegate/model"
)

// Signature keys on the edge (backendsign.go): what a bound API's backend
// receives verifies with package backendsign; what an unbound one gets is
// untouched.

// signKeys are the keys of these tests, as their Signing document entries
// and as a backend builds them.
var signKeys = []struct{ id, yaml string }{
	{"k-hmac", "{SignId: k-hmac, SignType: hmac, SignKey: signkeysignkey, SignSecret: sig_secret-0123456789}"},
	{"k-aes", "{SignId: k-aes, SignType: aes, SignKey: 0123456789abcdef0123456789ABCDEF, SignSecret: iv_iv_iv_iv_iv_i, SignAlgorithm: aes-256-cfb}"},
	{"k-basic", "{SignId: k-basic, SignType: basic, SignKey: gateway, SignSecret: p@ss_word-1}"},
}

func backendKey(t testing.TB, id string) *backendsign.Key {
	t.Helper()
	var k *backendsign.Key
	var err error
	switch id {
	case "k-hmac":
		k, err = backendsign.NewKey("hmac", "signkeysignkey", "sig_secret-0123456789", "")
	case "k-aes":
		k, err = backendsign.NewKey("aes", "0123456789abcdef0123456789ABCDEF", "iv_iv_iv_iv_iv_i", "aes-256-cfb")
	case "k-basic":
		k, err = backendsign.NewKey("basic", "gateway", "p@ss_word-1", "")
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signingDoc binds each key to its own ANY API on upstream, plus one
// unbound API; bindings maps API id to key id.
func signingDoc(upstream string, extra string, bindings map[string]string) string {
	var b strings.Builder
	b.WriteString(svcDoc)
	for api := range bindings {
		fmt.Fprintf(&b, "      - {ApiId: %s, RequestConfig: {Path: /%s, Method: ANY}, ServiceType: HTTP, ServiceConfig: {Url: \"http://%s\", Path: /%s}}\n", api, api, upstream, api)
	}
	fmt.Fprintf(&b, "      - {ApiId: plain, RequestConfig: {Path: /plain, Method: ANY}, ServiceType: HTTP, ServiceConfig: {Url: \"http://%s\", Path: /plain}}\n", upstream)
	b.WriteString(extra)
	b.WriteString("Signing:\n  Keys:\n")
	for _, k := range signKeys {
		b.WriteString("    - " + k.yaml + "\n")
	}
	b.WriteString("  Bindings:\n")
	for api, key := range bindings {
		fmt.Fprintf(&b, "    - {SignId: %s, ServiceId: service-t, Environment: release, ApiId: %s}\n", key, api)
	}
	return b.String()
}

// seenRequest is what the backend got, and its verdicts.
type seenRequest struct {
	header        http.Header
	host, body    string
	strict, loose error // Verify, and Verify allowing UNSIGNED-PAYLOAD
}

// signBackend verifies each request with the key its path names.
type signBackend struct {
	mu   sync.Mutex
	seen map[string]seenRequest // by API id
	srv  *httptest.Server
	t    testing.TB
}

func startSignBackend(t testing.TB) *signBackend {
	sb := &signBackend{seen: map[string]seenRequest{}, t: t}
	sb.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0]
		raw, _ := io.ReadAll(r.Body)
		s := seenRequest{header: r.Header.Clone(), host: r.Host, body: string(raw)}
		if id := sb.keyOf(api); id != "" {
			k := backendKey(t, id)
			r.Body = io.NopCloser(bytes.NewReader(raw))
			s.strict = backendsign.Verify(r, k, nil)
			r.Body = io.NopCloser(bytes.NewReader(raw))
			s.loose = backendsign.Verify(r, k, &backendsign.Options{AllowUnsignedPayload: true})
		}
		sb.mu.Lock()
		sb.seen[api] = s
		sb.mu.Unlock()
		io.WriteString(w, "ok")
	}))
	t.Cleanup(sb.srv.Close)
	return sb
}

// keyOf: APIs are named <key id>, or <key id>-<anything>.
func (sb *signBackend) keyOf(api string) string {
	for _, k := range signKeys {
		if api == k.id || strings.HasPrefix(api, k.id+"-") {
			return k.id
		}
	}
	return ""
}

func (sb *signBackend) last(api string) seenRequest {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.seen[api]
}

func (sb *signBackend) addr() string { return strings.TrimPrefix(sb.srv.URL, "http://") }

// rawExchange writes the parts of a request with a pause between them and
// returns the status line's code.
func rawExchange(t testing.TB, addr string, parts ...string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, p := range parts {
		if i > 0 {
			time.Sleep(30 * time.Millisecond)
		}
		if _, err := io.WriteString(c, p); err != nil {
			t.Fatal(err)
		}
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func TestBackendSigning(t *testing.T) {
	sb := startSignBackend(t)
	doc := signingDoc(sb.addr(), "", map[string]string{"k-hmac": "k-hmac", "k-aes": "k-aes", "k-basic": "k-basic"})
	s := startServer(t, doc, Config{Loops: 1}, nil, nil)
	const host = "Host: service-t.localhost\r\n"
	big := strings.Repeat("b", maxSignedBody+1)
	for _, api := range []string{"k-hmac", "k-aes", "k-basic"} {
		type tc struct {
			name     string
			parts    []string
			unsigned bool // streamed: UNSIGNED-PAYLOAD
			body     string
		}
		for _, c := range []tc{
			{name: "GET with a query", parts: []string{"GET /release/" + api + "/a%20b/%E4%B8%AD?z=1&a=x+y&a=0 HTTP/1.1\r\n" + host + "Accept: */*\r\nX-Tag: 2\r\nX-Tag: 1\r\n\r\n"}},
			{name: "client credentials replaced", parts: []string{"GET /release/" + api + " HTTP/1.1\r\n" + host + "Authorization: Bearer mine\r\nX-Sdk-Date: 20000101T000000Z\r\nX-Sdk-Content-Sha256: UNSIGNED-PAYLOAD\r\n\r\n"}},
			{name: "POST in one piece", body: `{"a":1}`, parts: []string{"POST /release/" + api + " HTTP/1.1\r\n" + host + "Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}"}},
			{name: "POST body after the head", body: "0123456789", parts: []string{"POST /release/" + api + " HTTP/1.1\r\n" + host + "Content-Length: 10\r\n\r\n01234", "56789"}},
			{name: "chunked POST", body: "hello", unsigned: true, parts: []string{"POST /release/" + api + " HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"}},
			{name: "large POST", body: big, unsigned: true, parts: []string{"POST /release/" + api + " HTTP/1.1\r\n" + host + fmt.Sprintf("Content-Length: %d\r\n\r\n", len(big)) + big}},
		} {
			if code := rawExchange(t, s.Addr(), c.parts...); code != 200 {
				t.Fatalf("%s, %s: status %d", api, c.name, code)
			}
			got := sb.last(api)
			if got.body != c.body {
				t.Errorf("%s, %s: backend body %q", api, c.name, got.body[:min(len(got.body), 40)])
			}
			if a := got.header.Get("Authorization"); strings.Contains(a, "mine") || a == "" {
				t.Errorf("%s, %s: Authorization %q", api, c.name, a)
			}
			if got.loose != nil {
				t.Errorf("%s, %s: the backend refused the signature: %v", api, c.name, got.loose)
			}
			switch {
			case api == "k-basic":
				if got.strict != nil {
					t.Errorf("%s, %s: %v", api, c.name, got.strict)
				}
			case c.unsigned:
				if !errors.Is(got.strict, backendsign.ErrUnsignedPayload) {
					t.Errorf("%s, %s: a streamed body passed a strict check: %v", api, c.name, got.strict)
				}
			default:
				if got.strict != nil {
					t.Errorf("%s, %s: %v", api, c.name, got.strict)
				}
				if got.header.Get(backendsign.HeaderDate) == "20000101T000000Z" {
					t.Errorf("%s, %s: the client's X-Sdk-Date was kept", api, c.name)
				}
			}
		}
	}
	// An unbound API gets no signature: the client's Authorization passes.
	rawExchange(t, s.Addr(), "GET /release/plain HTTP/1.1\r\n"+host+"Authorization: Bearer mine\r\n\r\n")
	if got := sb.last("plain"); got.header.Get("Authorization") != "Bearer mine" || got.header.Get(backendsign.HeaderDate) != "" {
		t.Errorf("unbound API: %v", got.header)
	}
}

// TestBackendSigningRetarget: a connect failure moves the request to
// another target, its Host changes, and the head is signed again.
func TestBackendSigningRetarget(t *testing.T) {
	sb := startSignBackend(t)
	dead := deadAddr(t)
	api := targetAPI("k-hmac-t", "", dead, sb.addr())
	doc := svcDoc + api + "Signing:\n  Keys:\n    - " + signKeys[0].yaml + "\n  Bindings:\n    - {SignId: k-hmac, ServiceId: service-t, Environment: release, ApiId: k-hmac-t}\n"
	s := startServer(t, doc, Config{Loops: 1}, nil, nil)
	for i := range 4 {
		if code := rawExchange(t, s.Addr(), "GET /release/k-hmac-t HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n"); code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
		if got := sb.last("k-hmac-t"); got.strict != nil || got.host != sb.addr() {
			t.Fatalf("request %d: host %s: %v", i, got.host, got.strict)
		}
	}
	if s.Stats().Retries == 0 {
		t.Fatal("no request was moved to another target: the test proves nothing")
	}
}

// TestBackendSigningTLS: over HTTPS, a body of several TLS records that
// arrives after its head is held whole and hashed into the signature.
func TestBackendSigningTLS(t *testing.T) {
	sb := startSignBackend(t)
	p := tlsPublished(t, fmt.Sprintf("      - {ApiId: k-hmac, RequestConfig: {Path: /k-hmac, Method: ANY}, ServiceType: HTTP, ServiceConfig: {Url: \"http://%s\", Path: /k-hmac}}\n", sb.addr()))
	p.Signing = &model.Signing{
		Keys:     []model.SignKey{{SignId: "k-hmac", SignType: "hmac", SignKey: "signkeysignkey", SignSecret: "sig_secret-0123456789"}},
		Bindings: []model.SignBinding{{SignId: "k-hmac", ServiceId: "service-t", Environment: "release", ApiId: "k-hmac"}},
	}
	s := startPublished(t, p, Config{Loops: 1, TLSListen: "on"})
	c := mustDialTLS(t, s, tlsConfig(t, "api.example.com"))
	body := strings.Repeat("0123456789abcdef", 40<<10/16)
	head := fmt.Sprintf("POST /release/k-hmac HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: %d\r\n\r\n", len(body))
	io.WriteString(c, head+body[:20000])
	time.Sleep(30 * time.Millisecond)
	resp, _ := exchange(t, c, bufio.NewReader(c), body[20000:])
	got := sb.last("k-hmac")
	if resp.StatusCode != 200 || got.strict != nil || got.body != body || got.header.Get("X-Forwarded-Proto") != "https" {
		t.Fatalf("%d, backend: %v, %d bytes", resp.StatusCode, got.strict, len(got.body))
	}
}
