package console

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// direct is the Action API client the tests compare the console with.
func (h *harness) direct() *tcapi.Client {
	return &tcapi.Client{Endpoint: h.srv.URL, SecretId: h.id, SecretKey: h.key}
}

func TestSignIn(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()

	// Nothing works before sign-in.
	if r := b.action("DescribeServicesStatus", nil); r.status != 401 || r.code() != CodeNotSignedIn {
		t.Fatalf("an Action before sign-in: %d %s", r.status, r.raw)
	}
	if r := b.send("GET", "/console/api/session", nil, nil); r.status != 200 || strings.Contains(string(r.raw), `"SignedIn":true`) {
		t.Fatalf("session before sign-in: %d %s", r.status, r.raw)
	}

	// Refusals carry the Action API's codes.
	if r := b.login("wrong"); r.status != 401 || r.code() != tcapi.CodeSignatureFailure {
		t.Fatalf("a wrong key: %d %s", r.status, r.raw)
	}
	other := h.browser()
	r := other.post("/console/api/login", map[string]string{"SecretId": "AKIDnobody", "SecretKey": "x"})
	if r.status != 401 || r.code() != tcapi.CodeSecretIdNotFound {
		t.Fatalf("an unknown SecretId: %d %s", r.status, r.raw)
	}
	if r := b.post("/console/api/login", map[string]string{"SecretId": h.id}); r.status != 400 || r.code() != tcapi.CodeMissingParameter {
		t.Fatalf("no key: %d %s", r.status, r.raw)
	}
	if r := b.post("/console/api/login", `{"SecretId": 1`); r.status != 400 || r.code() != CodeBadRequest {
		t.Fatalf("bad JSON: %d %s", r.status, r.raw)
	}

	r = b.login(h.key)
	if r.status != 200 || b.csrf == "" {
		t.Fatalf("sign-in: %d %s", r.status, r.raw)
	}
	if strings.Contains(string(r.raw), h.key) {
		t.Fatal("the sign-in answer carries the SecretKey")
	}
	c := sessionCookie(t, r.header)
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/console/" || c.Secure || len(c.Value) < 40 {
		t.Fatalf("session cookie %+v", c)
	}
	var s sessionInfo
	json.Unmarshal(b.send("GET", "/console/api/session", nil, nil).raw, &s)
	if !s.SignedIn || s.SecretId != h.id || s.CsrfToken != b.csrf || s.IdleTimeoutSeconds != 900 {
		t.Fatalf("session: %+v", s)
	}

	// Sign-out ends the session and its cookie.
	r = b.post("/console/api/logout", map[string]any{})
	if r.status != 200 || sessionCookie(t, r.header).MaxAge >= 0 {
		t.Fatalf("sign-out: %d %v", r.status, r.header)
	}
	if r := b.action("DescribeServicesStatus", nil); r.status != 401 || r.code() != CodeNotSignedIn {
		t.Fatalf("an Action after sign-out: %d %s", r.status, r.raw)
	}
}

func sessionCookie(t *testing.T, h http.Header) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", h)
	return nil
}

// TestSecureCookieOverTLS: the cookie is Secure when the listener is TLS.
func TestSecureCookieOverTLS(t *testing.T) {
	h := newHarness(t, nil)
	req := httptest.NewRequest("POST", "/console/api/login", strings.NewReader(`{"SecretId":"`+h.id+`","SecretKey":"`+h.key+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.TLS = &tls.ConnectionState{}
	w := httptest.NewRecorder()
	h.c.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("sign-in over TLS: %d %s", w.Code, w.Body)
	}
	if c := sessionCookie(t, w.Header()); !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie over TLS: %+v", c)
	}
}

// TestEdgeCredentialRefused: an edge credential, which the Action API lets
// call EdgeSync only, cannot sign in.
func TestEdgeCredentialRefused(t *testing.T) {
	h := newHarness(t, nil)
	raw, err := h.direct().Call(context.Background(), "CreateEdgeCredential", map[string]string{"Remark": "e1"})
	if err != nil {
		t.Fatal(err)
	}
	var ec struct {
		Result struct{ SecretId, SecretKey string }
	}
	json.Unmarshal(raw, &ec)
	if ec.Result.SecretKey == "" {
		t.Fatalf("CreateEdgeCredential: %s", raw)
	}
	b := h.browser()
	r := b.post("/console/api/login", map[string]string{"SecretId": ec.Result.SecretId, "SecretKey": ec.Result.SecretKey})
	if r.status != 401 || r.code() != tcapi.CodeAuthUnauthorized {
		t.Fatalf("an edge credential: %d %s", r.status, r.raw)
	}
}

// TestActionsGoThroughTheActionAPI: what the console writes is what the
// Action API holds, and a refusal is the Action API's own, code and
// message.
func TestActionsGoThroughTheActionAPI(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	b.mustLogin()
	var cs struct{ ServiceId string }
	b.mustAction("CreateService", map[string]string{"ServiceName": "shop", "Protocol": "http"}, &cs)
	raw, err := h.direct().Call(context.Background(), "DescribeService", map[string]string{"ServiceId": cs.ServiceId})
	if err != nil || !strings.Contains(string(raw), `"ServiceName":"shop"`) {
		t.Fatalf("DescribeService of the console's service: %v %s", err, raw)
	}

	for _, bad := range []map[string]any{
		{"ServiceName": "shop", "Protocol": "gopher"},
		{"ServiceName": "sh op!", "Protocol": "http"},
		{"Protocol": "http"},
		{"ServiceName": "shop", "Protocol": "http", "Nope": 1},
		{"ServiceName": 7, "Protocol": "http"},
	} {
		r := b.action("CreateService", bad)
		_, derr := h.direct().Call(context.Background(), "CreateService", bad)
		var want *tcapi.Error
		if !errors.As(derr, &want) {
			t.Fatalf("the Action API accepted %v", bad)
		}
		var got struct{ Error tcapi.Error }
		json.Unmarshal(r.Response, &got)
		if r.status != 200 || got.Error != *want {
			t.Errorf("CreateService %v: the console answered %d %+v, the Action API %+v", bad, r.status, got.Error, *want)
		}
	}
	if r := b.action("NoSuchAction", nil); r.code() != tcapi.CodeInvalidAction {
		t.Errorf("an unknown Action: %s", r.raw)
	}
	if r := b.action("EdgeSync", nil); r.status != 400 || r.code() != CodeBadRequest {
		t.Errorf("EdgeSync through the console: %d %s", r.status, r.raw)
	}
	if r := b.post("/console/api/action", map[string]any{"Action": "DescribeServicesStatus", "Params": []int{1}}); r.status != 400 {
		t.Errorf("Params not an object: %d %s", r.status, r.raw)
	}
	if r := b.post("/console/api/action", map[string]any{"Action": "x y"}); r.status != 400 {
		t.Errorf("a malformed Action name: %d %s", r.status, r.raw)
	}
	big := `{"Action":"CreateService","Params":{"ServiceDesc":"` + strings.Repeat("a", maxActionBody) + `"}}`
	if r := b.post("/console/api/action", big); r.status != 413 {
		t.Errorf("a body over the limit: %d", r.status)
	}
}

// TestCSRF: every POST of a session needs its token; cross-site and
// non-JSON POSTs are refused before anything else.
func TestCSRF(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	b.mustLogin()
	body := map[string]any{"Action": "CreateService", "Params": map[string]string{"ServiceName": "x", "Protocol": "http"}}
	for _, tc := range []struct {
		name   string
		hdr    map[string]string
		status int
		code   string
	}{
		{"no token", map[string]string{"X-CSRF-Token": ""}, 403, CodeCSRF},
		{"a forged token", map[string]string{"X-CSRF-Token": "forged"}, 403, CodeCSRF},
		{"another session's token", map[string]string{"X-CSRF-Token": otherToken(h)}, 403, CodeCSRF},
		{"a form post", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, CodeContentType},
		{"text/plain", map[string]string{"Content-Type": "text/plain"}, 415, CodeContentType},
		{"another origin", map[string]string{"Origin": "http://evil.example"}, 403, CodeCrossOrigin},
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, CodeCrossOrigin},
		{"same-site fetch", map[string]string{"Sec-Fetch-Site": "same-site"}, 403, CodeCrossOrigin},
	} {
		r := b.send("POST", "/console/api/action", body, tc.hdr)
		if r.status != tc.status || r.code() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.raw, tc.status, tc.code)
		}
	}
	for _, p := range []string{"/console/api/logout", "/console/api/debug"} {
		if r := b.send("POST", p, map[string]any{}, map[string]string{"X-CSRF-Token": ""}); r.status != 403 || r.code() != CodeCSRF {
			t.Errorf("%s without the token: %d %s", p, r.status, r.raw)
		}
	}
	// The sign-in has no session: it is guarded by origin and type.
	if r := b.send("POST", "/console/api/login", map[string]string{"SecretId": h.id, "SecretKey": h.key}, map[string]string{"Origin": "http://evil.example"}); r.status != 403 {
		t.Errorf("a cross-origin sign-in: %d %s", r.status, r.raw)
	}
	var n struct{ Result struct{ TotalCount int } }
	b.mustAction("DescribeServicesStatus", nil, &n)
	if n.Result.TotalCount != 0 {
		t.Fatalf("refused requests created %d services", n.Result.TotalCount)
	}
	// Same origin, with the token: it works.
	r := b.send("POST", "/console/api/action", body, map[string]string{"Origin": h.srv.URL, "Sec-Fetch-Site": "same-origin"})
	if r.status != 200 || r.code() != "" {
		t.Fatalf("a same-origin POST with the token: %d %s", r.status, r.raw)
	}
}

func otherToken(h *harness) string {
	o := h.browser()
	o.mustLogin()
	return o.csrf
}

// TestIdleTimeout: a session ends after IdleTimeout without a user
// request; the monitoring page's polling does not keep it alive; user
// requests do, up to MaxLifetime.
func TestIdleTimeout(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.IdleTimeout = 10 * time.Minute; o.MaxLifetime = time.Hour })
	b := h.browser()
	b.mustLogin()
	h.clock.advance(9 * time.Minute)
	b.mustAction("DescribeServicesStatus", nil, nil) // user activity: 10 more minutes
	h.clock.advance(9 * time.Minute)
	if r := b.send("GET", "/console/api/metrics", nil, nil); r.status != 404 || r.code() != CodeNoMetrics {
		t.Fatalf("metrics without a metrics handler: %d %s", r.status, r.raw)
	}
	h.clock.advance(2 * time.Minute) // 11 minutes since the last user request
	if r := b.action("DescribeServicesStatus", nil); r.status != 401 || r.code() != CodeSessionExpired {
		t.Fatalf("after the idle timeout: %d %s", r.status, r.raw)
	}
	if r := b.action("DescribeServicesStatus", nil); r.status != 401 || r.code() != CodeNotSignedIn {
		t.Fatalf("an ended session is forgotten: %d %s", r.status, r.raw)
	}

	// MaxLifetime ends even a busy session.
	b.mustLogin()
	for range 6 {
		h.clock.advance(9 * time.Minute)
		b.mustAction("DescribeServicesStatus", nil, nil)
	}
	h.clock.advance(9 * time.Minute) // 63 minutes after sign-in
	if r := b.action("DescribeServicesStatus", nil); r.status != 401 || r.code() != CodeSessionExpired {
		t.Fatalf("after MaxLifetime: %d %s", r.status, r.raw)
	}
}

// TestMaxSessions: past MaxSessions, a sign-in ends the least recently
// used session.
func TestMaxSessions(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxSessions = 2 })
	b1, b2, b3 := h.browser(), h.browser(), h.browser()
	b1.mustLogin()
	h.clock.advance(time.Second)
	b2.mustLogin()
	h.clock.advance(time.Second)
	b1.mustAction("DescribeServicesStatus", nil, nil) // b2 is now the oldest
	h.clock.advance(time.Second)
	b3.mustLogin()
	if r := b2.action("DescribeServicesStatus", nil); r.status != 401 {
		t.Fatalf("the least recently used session survived: %d", r.status)
	}
	b1.mustAction("DescribeServicesStatus", nil, nil)
	b3.mustAction("DescribeServicesStatus", nil, nil)
}

// TestSignInLimit: failed sign-ins are limited per address.
func TestSignInLimit(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.LoginFailures = 3; o.LoginWindow = time.Minute })
	b := h.browser()
	for i := range 3 {
		if r := b.login("wrong"); r.status != 401 {
			t.Fatalf("wrong key %d: %d", i, r.status)
		}
	}
	r := b.login(h.key)
	if r.status != 429 || r.code() != CodeLoginLimited || r.header.Get("Retry-After") != "60" {
		t.Fatalf("past the limit: %d %s %v", r.status, r.raw, r.header)
	}
	h.clock.advance(61 * time.Second)
	b.mustLogin()
	// A success forgets the failures.
	for range 2 {
		b.login("wrong")
	}
	b.mustLogin()
	for range 2 {
		b.login("wrong")
	}
	if r := b.login("wrong"); r.status != 401 {
		t.Fatalf("the count went on after a success: %d", r.status)
	}
}

// TestLimiterAddresses: IPv4 addresses count alone, IPv6 ones by their
// /64; a full table refuses new addresses (fails closed).
func TestLimiterAddresses(t *testing.T) {
	req := func(remote string) *http.Request { return &http.Request{RemoteAddr: remote} }
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.1:4711", "192.0.2.1/32"},
		{"[::ffff:192.0.2.1]:4711", "192.0.2.1/32"},
		{"[2001:db8:1:2:3:4:5:6]:80", "2001:db8:1:2::/64"},
	} {
		if got := clientKey(req(tc.remote)).String(); got != tc.want {
			t.Errorf("clientKey(%s) = %s, want %s", tc.remote, got, tc.want)
		}
	}
	now := time.Unix(1_800_000_000, 0)
	l := loginLimiter{max: 1, window: time.Minute, byAddr: map[netip.Prefix]*failures{}}
	a := clientKey(req("[2001:db8::1]:1"))
	l.failed(a, now)
	if ok, _ := l.allowed(clientKey(req("[2001:db8::ffff]:1")), now); ok {
		t.Error("another address of the same /64 was not limited")
	}
	if ok, _ := l.allowed(clientKey(req("[2001:db8:0:1::1]:1")), now); !ok {
		t.Error("another /64 was limited")
	}
	for i := range maxLimitedAddrs {
		l.failed(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32), now)
	}
	if ok, _ := l.allowed(clientKey(req("198.51.100.1:1")), now); ok {
		t.Error("a full table let a new address try")
	}
	if ok, _ := l.allowed(clientKey(req("198.51.100.1:1")), now.Add(time.Minute)); !ok {
		t.Error("the table did not make room once its entries expired")
	}
}

// TestPages: the page and its assets, with the security headers; nothing
// else under /console/.
func TestPages(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	for _, tc := range []struct{ path, ctype string }{
		{"/console/", "text/html; charset=utf-8"},
		{"/console/static/main.js", "text/javascript; charset=utf-8"},
		{"/console/static/console.css", "text/css; charset=utf-8"},
	} {
		r := b.send("GET", tc.path, nil, nil)
		if r.status != 200 || r.header.Get("Content-Type") != tc.ctype || r.header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'none'") || r.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: %d %v", tc.path, r.status, r.header)
		}
	}
	if r := b.send("GET", "/console/", nil, nil); r.header.Get("Cache-Control") != "no-store" || !strings.Contains(string(r.raw), `src="/console/static/main.js"`) {
		t.Errorf("the page: %v", r.header)
	}
	for _, p := range []string{"/console/static/nothing.js", "/console/static/index.html", "/console/static/..%2fconsole.go", "/console/other"} {
		if r := b.send("GET", p, nil, nil); r.status != 404 {
			t.Errorf("GET %s: %d", p, r.status)
		}
	}
	if r := b.send("GET", "/console/api/action", nil, nil); r.status != 405 && r.status != 404 {
		t.Errorf("GET of a POST endpoint: %d", r.status)
	}
}
