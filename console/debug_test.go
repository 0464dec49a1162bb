package console

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeEdge stands for the in-process edge: it records what it got and
// answers with what the test sets.
type fakeEdge struct {
	mu     sync.Mutex
	got    *http.Request
	body   string
	answer func(w http.ResponseWriter)
}

func (e *fakeEdge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	e.got, e.body = r, string(b)
	answer := e.answer
	e.mu.Unlock()
	if answer != nil {
		answer(w)
		return
	}
	w.Header().Set("X-From", "edge")
	io.WriteString(w, `{"ok": true}`)
}

func (e *fakeEdge) last() (*http.Request, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.got, e.body
}

// debugSetup: a console whose edge is a fakeEdge, signed in, with a
// service holding a MOCK API released to release.
func debugSetup(t *testing.T) (*harness, *browser, *fakeEdge, string) {
	t.Helper()
	fe := &fakeEdge{}
	es := httptest.NewServer(fe)
	t.Cleanup(es.Close)
	h, b, svc := releasedService(t, strings.TrimPrefix(es.URL, "http://"))
	return h, b, fe, svc
}

// releasedService: a console whose edge is at addr, signed in, with a
// service holding a MOCK API on /hello released to release.
func releasedService(t *testing.T, addr string) (*harness, *browser, string) {
	t.Helper()
	h := newHarness(t, func(o *Options) { o.Edge = func() string { return addr } })
	b := h.browser()
	b.mustLogin()
	var cs struct{ ServiceId string }
	b.mustAction("CreateService", map[string]string{"ServiceName": "shop", "Protocol": "http"}, &cs)
	b.mustAction("CreateApi", map[string]any{"ServiceId": cs.ServiceId, "ServiceType": "MOCK", "ServiceTimeout": 5,
		"RequestConfig": map[string]string{"Path": "/hello", "Method": "ANY"}, "ServiceMockReturnMessage": "hi"}, nil)
	b.mustAction("ReleaseService", map[string]string{"ServiceId": cs.ServiceId, "EnvironmentName": "release", "ReleaseDesc": "v1"}, nil)
	return h, b, cs.ServiceId
}

func (b *browser) debug(req map[string]any) (answer, debugAnswer) {
	b.h.t.Helper()
	r := b.post("/console/api/debug", req)
	var d debugAnswer
	json.Unmarshal(r.raw, &d)
	return r, d
}

func TestDebug(t *testing.T) {
	_, b, fe, svc := debugSetup(t)
	r, d := b.debug(map[string]any{"ServiceId": svc, "EnvironmentName": "release", "Method": "post", "Path": "/hello/a%20b",
		"Query":   []KV{{"z", "1"}, {"a", "x y"}},
		"Headers": []KV{{"X-Test", "yes"}, {"Host", "evil.example"}, {"Content-Type", "text/plain"}},
		"Body":    "payload"})
	if r.status != 200 || d.Error != nil || d.Response == nil {
		t.Fatalf("debug: %d %s", r.status, r.raw)
	}
	got, body := fe.last()
	if got.Host != svc+".localhost" || got.Method != "POST" || got.RequestURI != "/release/hello/a%20b?z=1&a=x+y" ||
		got.Header.Get("X-Test") != "yes" || got.Header.Get("User-Agent") != "edgegate-console" || body != "payload" {
		t.Fatalf("the edge got %s %s Host %s %v body %q", got.Method, got.RequestURI, got.Host, got.Header, body)
	}
	if d.Response.Status != 200 || d.Response.Body != `{"ok": true}` || d.Response.BodyBase64 || !hasKV(d.Response.Headers, "X-From", "edge") {
		t.Fatalf("the answer: %+v", d.Response)
	}
	if d.Request.Url != "http://"+svc+".localhost/release/hello/a%20b?z=1&a=x+y" || !hasKV(d.Request.Headers, "Host", svc+".localhost") || d.Request.BodyBytes != 7 {
		t.Fatalf("the request log: %+v", d.Request)
	}

	// What the page shows of odd answers: redirects are not followed,
	// binary bodies come in Base64, big ones are cut.
	fe.answer = func(w http.ResponseWriter) { w.Header().Set("Location", "/elsewhere"); w.WriteHeader(302) }
	if _, d := b.debug(map[string]any{"ServiceId": svc, "EnvironmentName": "release", "Path": "/hello"}); d.Response == nil || d.Response.Status != 302 {
		t.Errorf("a redirect: %+v", d.Response)
	}
	fe.answer = func(w http.ResponseWriter) { w.Write([]byte{0xff, 0xfe, 0}) }
	if _, d := b.debug(map[string]any{"ServiceId": svc, "EnvironmentName": "release", "Path": "/hello"}); d.Response == nil || !d.Response.BodyBase64 || d.Response.Body != "//4A" {
		t.Errorf("a binary body: %+v", d.Response)
	}
	fe.answer = func(w http.ResponseWriter) { w.Write([]byte(strings.Repeat("x", maxDebugBody+10))) }
	if _, d := b.debug(map[string]any{"ServiceId": svc, "EnvironmentName": "release", "Path": "/hello"}); d.Response == nil || !d.Response.Truncated || len(d.Response.Body) != maxDebugBody {
		t.Errorf("a big body: truncated %v, %d bytes", d.Response != nil && d.Response.Truncated, len(d.Response.Body))
	}
}

func hasKV(l []KV, k, v string) bool {
	for _, x := range l {
		if x.Key == k && x.Value == v {
			return true
		}
	}
	return false
}

func TestDebugRefusals(t *testing.T) {
	_, b, _, svc := debugSetup(t)
	for _, tc := range []struct {
		name   string
		req    map[string]any
		status int
		code   string
	}{
		{"an environment not released", map[string]any{"ServiceId": svc, "EnvironmentName": "test", "Path": "/hello"}, 409, CodeNotReleased},
		{"no such environment", map[string]any{"ServiceId": svc, "EnvironmentName": "prod", "Path": "/hello"}, 400, CodeBadRequest},
		{"no such service", map[string]any{"ServiceId": "service-nothere", "EnvironmentName": "release", "Path": "/hello"}, 400, "ResourceNotFound.InvalidService"},
		{"a relative path", map[string]any{"ServiceId": svc, "EnvironmentName": "release", "Path": "hello"}, 400, CodeBadRequest},
		{"a query in the path", map[string]any{"ServiceId": svc, "EnvironmentName": "release", "Path": "/hello?x=1"}, 400, CodeBadRequest},
		{"a bad method", map[string]any{"ServiceId": svc, "EnvironmentName": "release", "Path": "/hello", "Method": "GE T"}, 400, CodeBadRequest},
		{"an unknown key", map[string]any{"ServiceId": svc, "EnvironmentName": "release", "Path": "/hello", "AccessKeyId": "AKIDnothere"}, 400, "ResourceNotFound.InvalidAccessKeyId"},
	} {
		r, _ := b.debug(tc.req)
		if r.status != tc.status || r.code() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.raw, tc.status, tc.code)
		}
	}
}

// TestDebugEdgeDown: no answer is reported in the page, with the request.
func TestDebugEdgeDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, b, svc := releasedService(t, addr)
	r, d := b.debug(map[string]any{"ServiceId": svc, "EnvironmentName": "release", "Path": "/hello"})
	if r.status != 200 || d.Error == nil || d.Error.Code != CodeDebugFailed || d.Response != nil || d.Request.ConnectTo != addr {
		t.Fatalf("an edge that is down: %d %s", r.status, r.raw)
	}
}

// TestDebugSigning: a key pair (seed 密钥对认证) and an app sign the test
// request with their secrets, read through the Action API.
func TestDebugSigning(t *testing.T) {
	_, b, fe, svc := debugSetup(t)
	var key struct {
		Result struct{ AccessKeyId, AccessKeySecret string }
	}
	b.mustAction("CreateApiKey", map[string]string{"SecretName": "k"}, &key)
	b.debug(map[string]any{"ServiceId": svc, "EnvironmentName": "release", "Path": "/hello", "AccessKeyId": key.Result.AccessKeyId})
	got, _ := fe.last()
	date, source := got.Header.Get("X-Date"), got.Header.Get("Source")
	m1 := hmac.New(sha1.New, []byte(key.Result.AccessKeySecret))
	m1.Write([]byte("x-date: " + date + "\nsource: " + source))
	want := `hmac id="` + key.Result.AccessKeyId + `", algorithm="hmac-sha1", headers="x-date source", signature="` + base64.StdEncoding.EncodeToString(m1.Sum(nil)) + `"`
	if date == "" || source == "" || got.Header.Get("Authorization") != want {
		t.Fatalf("key-pair signature: %q (X-Date %q), want %q", got.Header.Get("Authorization"), date, want)
	}

	var app struct {
		Result struct{ ApiAppId, ApiAppKey, ApiAppSecret string }
	}
	b.mustAction("CreateApiApp", map[string]string{"ApiAppName": "app"}, &app)
	b.debug(map[string]any{"ServiceId": svc, "EnvironmentName": "release", "Path": "/hello", "Query": []KV{{"b", "2"}, {"a", "1"}},
		"Headers": []KV{{"Accept", "application/json"}}, "ApiAppId": app.Result.ApiAppId})
	got, _ = fe.last()
	s := "x-date: " + got.Header.Get("X-Date") + "\nGET\napplication/json\n\n\n/hello?a=1&b=2"
	m := hmac.New(sha256.New, []byte(app.Result.ApiAppSecret))
	m.Write([]byte(s))
	want = `apikey="` + app.Result.ApiAppKey + `", algorithm="hmac-sha256", headers="x-date", signature="` + base64.StdEncoding.EncodeToString(m.Sum(nil)) + `"`
	if got.Header.Get("Authorization") != want {
		t.Fatalf("app signature: %q, want %q", got.Header.Get("Authorization"), want)
	}
}

func TestLoopbackFor(t *testing.T) {
	for in, want := range map[string]string{
		":8080": "127.0.0.1:8080", "0.0.0.0:80": "127.0.0.1:80", "[::]:80": "[::1]:80",
		"10.0.0.1:80": "10.0.0.1:80", "127.0.0.1:9": "127.0.0.1:9", "bad": "bad",
	} {
		if got := loopbackFor(in); got != want {
			t.Errorf("loopbackFor(%q) = %q, want %q", in, got, want)
		}
	}
}
