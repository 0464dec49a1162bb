package tcapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// serveCase serves req, changed by tamper, on a test server configured by
// srv, and checks the envelope and the code; it returns the Request the
// handler saw and whether its context had a deadline.
func serveCase(t *testing.T, req *http.Request, tamper func(*http.Request), srv func(*Server), want string) (Request, bool) {
	t.Helper()
	if tamper != nil {
		tamper(req)
	}
	last := &lastCall{}
	s := newTestServer(last)
	if srv != nil {
		srv(s)
	}
	res := serve(s, req)
	checkEnvelope(t, res)
	if res.code() != want {
		t.Fatalf("code %q, want %q: %s", res.code(), want, res.body)
	}
	r, _, _, dl := last.get()
	return r, dl
}

func TestTC3(t *testing.T) {
	now := testNow.Unix()
	cases := []struct {
		name string
		mod  func(*tc3Spec)
		// tamper changes the request after signing.
		tamper func(*http.Request)
		srv    func(*Server)
		want   string
	}{
		{name: "ok POST", want: ""},
		{name: "ok GET", mod: func(s *tc3Spec) {
			s.method, s.contentType, s.query = "GET", "application/x-www-form-urlencoded", "Filters.0.Name=ServiceId&Filters.0.Values.0=service-1&Limit=5"
		}},
		{name: "ok empty body", mod: func(s *tc3Spec) { s.body = "" }},
		{name: "ok JSON charset", mod: func(s *tc3Spec) { s.contentType = "application/json; charset=utf-8" }},
		{name: "ok skew at limit", mod: func(s *tc3Spec) { s.ts = strconv.FormatInt(now-300, 10) }},
		{name: "ok extra signed header", mod: func(s *tc3Spec) { s.signed = []string{"x-tc-action"} }},
		{name: "ok host upper case, seed lower-cases", mod: func(s *tc3Spec) { s.host = "Admin.Example.TEST:9180" }},
		{name: "ok host upper case, SDK verbatim", mod: func(s *tc3Spec) { s.host = "Admin.Example.TEST:9180"; s.keepCase = true }},
		{name: "ok unsigned payload", mod: func(s *tc3Spec) { s.unsigned = true }},
		{name: "ok unsigned payload, body changed", mod: func(s *tc3Spec) { s.unsigned = true },
			tamper: func(r *http.Request) { setBody(r, `{"Limit":99}`) }},
		{name: "ok content hash header", mod: func(s *tc3Spec) {
			s.headers = map[string]string{"X-TC-Content-SHA256": sha256Hex([]byte(s.body))}
		}},
		{name: "ok Language and RequestClient", mod: func(s *tc3Spec) {
			s.headers = map[string]string{"X-TC-Language": "", "X-TC-RequestClient": "SDK_GO_1.0.162"}
		}},

		{name: "wrong key", mod: func(s *tc3Spec) { s.key = "wrong" }, want: CodeSignatureFailure},
		{name: "unknown SecretId", mod: func(s *tc3Spec) { s.id = "AKIDnobody" }, want: CodeSecretIdNotFound},
		{name: "malformed SecretId", mod: func(s *tc3Spec) { s.id = "AKID!bad" }, want: CodeInvalidSecretId},
		{name: "expired", mod: func(s *tc3Spec) { s.ts = strconv.FormatInt(now-301, 10) }, want: CodeSignatureExpire},
		{name: "from the future", mod: func(s *tc3Spec) { s.ts = strconv.FormatInt(now+301, 10) }, want: CodeSignatureExpire},
		{name: "custom MaxSkew", mod: func(s *tc3Spec) { s.ts = strconv.FormatInt(now-61, 10) },
			srv: func(s *Server) { s.MaxSkew = time.Minute }, want: CodeSignatureExpire},
		{name: "timestamp not a number", mod: func(s *tc3Spec) { s.ts = "soon"; s.signTS = now }, want: CodeInvalidParameter},
		{name: "missing X-TC-Action", mod: func(s *tc3Spec) { s.action = "" }, want: CodeMissingParameter},
		{name: "missing X-TC-Version", mod: func(s *tc3Spec) { s.version = "" }, want: CodeMissingParameter},
		{name: "missing X-TC-Timestamp", mod: func(s *tc3Spec) { s.ts = ""; s.signTS = now }, want: CodeMissingParameter},
		{name: "wrong version", mod: func(s *tc3Spec) { s.version = "2017-03-12" }, want: CodeNoSuchVersion},
		{name: "unknown action", mod: func(s *tc3Spec) { s.action = "DescribeNothing" }, want: CodeInvalidAction},
		{name: "token", mod: func(s *tc3Spec) { s.headers = map[string]string{"X-TC-Token": "tok"} }, want: CodeTokenFailure},
		{name: "body changed", tamper: func(r *http.Request) { setBody(r, `{"Limit":11,"Offset":0}`) }, want: CodeSignatureFailure},
		{name: "host changed", tamper: func(r *http.Request) { r.Host = "evil.test" }, want: CodeSignatureFailure},
		{name: "content-type changed", tamper: func(r *http.Request) { r.Header.Set("Content-Type", "application/json;charset=utf-8") }, want: CodeSignatureFailure},
		{name: "timestamp changed", tamper: func(r *http.Request) { r.Header.Set("X-TC-Timestamp", strconv.FormatInt(now-1, 10)) }, want: CodeSignatureFailure},
		{name: "scope date not UTC date", mod: func(s *tc3Spec) { s.signTS = now + 86400 }, want: CodeSignatureFailure},
		{name: "scope service", mod: func(s *tc3Spec) { s.service = "cvm" }, want: CodeSignatureFailure},
		{name: "action unsigned but required", srv: func(s *Server) { s.RequireSignedHeaders = []string{"x-tc-action"} }, want: CodeSignatureFailure},
		{name: "action signed and changed", mod: func(s *tc3Spec) { s.signed = []string{"x-tc-action"} },
			tamper: func(r *http.Request) { r.Header.Set("X-TC-Action", "CreateService") }, want: CodeSignatureFailure},
		{name: "unsigned payload refused", mod: func(s *tc3Spec) { s.unsigned = true },
			srv: func(s *Server) { s.RejectUnsignedPayload = true }, want: CodeSignatureFailure},
		{name: "content hash header wrong", mod: func(s *tc3Spec) {
			s.headers = map[string]string{"X-TC-Content-SHA256": sha256Hex([]byte("x"))}
		}, want: CodeSignatureFailure},
		{name: "GET query changed", mod: func(s *tc3Spec) {
			s.method, s.contentType, s.query = "GET", "application/x-www-form-urlencoded", "Limit=5"
		}, tamper: func(r *http.Request) { r.URL.RawQuery = "Limit=6" }, want: CodeSignatureFailure},
		{name: "host not signed", tamper: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "content-type;host", "content-type", 1))
		}, want: CodeSignatureFailure},
		{name: "signature not hex", tamper: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-64]+strings.Repeat("z", 64))
		}, want: CodeSignatureFailure},
		{name: "credential malformed", tamper: func(r *http.Request) {
			r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential="+testID+"/2023-11-14/apigateway, SignedHeaders=content-type;host, Signature="+strings.Repeat("0", 64))
		}, want: CodeSignatureFailure},
		{name: "other scheme", tamper: func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, want: CodeSignatureFailure},
		{name: "no Authorization", tamper: func(r *http.Request) { r.Header.Del("Authorization") }, want: CodeMissingParameter},

		{name: "invalid JSON", mod: func(s *tc3Spec) { s.body = `{"Limit":10,` }, want: CodeInvalidParameter},
		{name: "JSON array", mod: func(s *tc3Spec) { s.body = `[1]` }, want: CodeInvalidParameter},
		{name: "JSON trailing data", mod: func(s *tc3Spec) { s.body = `{} {}` }, want: CodeInvalidParameter},
		{name: "JSON duplicate member", mod: func(s *tc3Spec) { s.body = `{"Limit":1,"Limit":2}` }, want: CodeInvalidParameter},
		{name: "unknown parameter", mod: func(s *tc3Spec) { s.body = `{"Limit":1,"Colour":"red"}` }, want: CodeUnknownParameter},
		{name: "mistyped parameter", mod: func(s *tc3Spec) { s.body = `{"Limit":"10"}` }, want: CodeInvalidParameter},
		{name: "missing required parameter", mod: func(s *tc3Spec) {
			s.action, s.body = "CreateService", `{"ServiceName":"x"}`
		}, want: CodeMissingParameter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := defaultTC3()
			if tc.mod != nil {
				tc.mod(&spec)
			}
			r, dl := serveCase(t, spec.request(), tc.tamper, tc.srv, tc.want)
			if tc.want == "" {
				if r.SecretId != testID || r.Signed != SignTC3HMACSHA256 || r.Action != spec.action || r.Version != "2018-08-08" || r.Region != "ap-guangzhou" || r.ClientIP != "192.0.2.1" || !dl {
					t.Fatalf("request seen by the handler: %+v (deadline %v)", r, dl)
				}
			}
		})
	}
}

func TestTC3GETDecodesQuery(t *testing.T) {
	spec := defaultTC3()
	spec.method, spec.contentType = "GET", "application/x-www-form-urlencoded"
	spec.query = "Filters.0.Name=ServiceId&Filters.0.Values.0=service-1&Filters.0.Values.1=service-2&Filters.1.Name=Environment&Filters.1.Values.0=release&Limit=5"
	last := &lastCall{}
	if res := serve(newTestServer(last), spec.request()); res.code() != "" {
		t.Fatal(res.body)
	}
	_, p, _, _ := last.get()
	if *p.Limit != 5 || len(p.Filters) != 2 || p.Filters[0].Name != "ServiceId" || strings.Join(p.Filters[0].Values, ",") != "service-1,service-2" || p.Filters[1].Values[0] != "release" {
		t.Fatalf("decoded %+v", p)
	}
}

func TestV1(t *testing.T) {
	cases := []struct {
		name   string
		method string
		p      map[string]string
		key    string
		tamper func(*http.Request)
		srv    func(*Server)
		want   string
	}{
		{name: "GET HmacSHA1", method: "GET"},
		{name: "GET HmacSHA256", method: "GET", p: map[string]string{"SignatureMethod": "HmacSHA256"}},
		{name: "POST HmacSHA1", method: "POST"},
		{name: "POST HmacSHA256", method: "POST", p: map[string]string{"SignatureMethod": "HmacSHA256"}},
		{name: "POST charset", method: "POST", tamper: func(r *http.Request) {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		}},
		{name: "SDK extras", method: "GET", p: map[string]string{"RequestClient": "SDK_GO_1.0.162", "Language": "zh-CN", "SignatureMethod": "HmacSHA1"}},
		{name: "unknown SignatureMethod means SHA1", method: "GET", p: map[string]string{"SignatureMethod": "HmacMD5"}},
		{name: "business parameters", method: "POST", p: map[string]string{"Limit": "5", "Filters.0.Name": "ServiceId", "Filters.0.Values.0": "a b+c/é"}},

		{name: "wrong key", method: "GET", key: "nope", want: CodeSignatureFailure},
		{name: "SHA1 signature claimed as SHA256", method: "GET", tamper: func(r *http.Request) {
			r.URL.RawQuery += "&SignatureMethod=HmacSHA256"
		}, want: CodeSignatureFailure},
		{name: "parameter added", method: "GET", tamper: func(r *http.Request) { r.URL.RawQuery += "&Limit=100" }, want: CodeSignatureFailure},
		{name: "method changed", method: "GET", tamper: func(r *http.Request) {
			q := r.URL.RawQuery
			r.Method, r.URL.RawQuery = "POST", ""
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			setBody(r, q)
		}, want: CodeSignatureFailure},
		{name: "host changed", method: "GET", tamper: func(r *http.Request) { r.Host = "other.test" }, want: CodeSignatureFailure},
		{name: "unknown SecretId", method: "GET", p: map[string]string{"SecretId": "AKIDnobody"}, want: CodeSecretIdNotFound},
		{name: "expired", method: "GET", p: map[string]string{"Timestamp": strconv.FormatInt(testNow.Unix()-301, 10)}, want: CodeSignatureExpire},
		{name: "missing Nonce", method: "GET", p: map[string]string{"Nonce": "-"}, want: CodeMissingParameter},
		{name: "missing Timestamp", method: "GET", p: map[string]string{"Timestamp": "-"}, want: CodeMissingParameter},
		{name: "missing Action", method: "GET", p: map[string]string{"Action": "-"}, want: CodeMissingParameter},
		{name: "missing Version", method: "POST", p: map[string]string{"Version": "-"}, want: CodeMissingParameter},
		{name: "missing SecretId", method: "GET", p: map[string]string{"SecretId": "-"}, want: CodeMissingParameter},
		{name: "missing Signature", method: "GET", tamper: func(r *http.Request) {
			q := r.URL.Query()
			q.Del("Signature")
			r.URL.RawQuery = q.Encode()
		}, want: CodeMissingParameter},
		{name: "Nonce not a number", method: "GET", p: map[string]string{"Nonce": "abc"}, want: CodeInvalidParameter},
		{name: "Timestamp not a number", method: "GET", p: map[string]string{"Timestamp": "1e9"}, want: CodeInvalidParameter},
		{name: "wrong version", method: "GET", p: map[string]string{"Version": "2017-03-12"}, want: CodeNoSuchVersion},
		{name: "unknown action", method: "POST", p: map[string]string{"Action": "Nope"}, want: CodeInvalidAction},
		{name: "token", method: "GET", p: map[string]string{"Token": "t"}, want: CodeTokenFailure},
		{name: "repeated parameter", method: "GET", tamper: func(r *http.Request) { r.URL.RawQuery += "&Limit=1&Limit=2" }, want: CodeInvalidParameter},
		{name: "bad escape", method: "GET", tamper: func(r *http.Request) { r.URL.RawQuery += "&X=%zz" }, want: CodeInvalidParameter},
		{name: "unknown parameter", method: "GET", p: map[string]string{"Colour": "red"}, want: CodeUnknownParameter},
		{name: "mistyped parameter", method: "POST", p: map[string]string{"Limit": "ten"}, want: CodeInvalidParameter},
		{name: "array index malformed", method: "POST", p: map[string]string{"Filters.x.Name": "a"}, want: CodeInvalidParameter},
		{name: "malformed name", method: "POST", p: map[string]string{"Filters..Name": "a"}, want: CodeInvalidParameter},
		{name: "nested unknown", method: "POST", p: map[string]string{"Filters.0.Name": "a", "Filters.0.Nmae": "b"}, want: CodeUnknownParameter},
		{name: "nested required missing", method: "POST", p: map[string]string{"Filters.0.Values.0": "a"}, want: CodeMissingParameter},
		{name: "region required", method: "GET", p: map[string]string{"Region": "-"},
			srv: func(s *Server) { s.Regions = []string{"ap-guangzhou"} }, want: CodeMissingParameter},
		{name: "region unsupported", method: "GET", p: map[string]string{"Region": "mars-1"},
			srv: func(s *Server) { s.Regions = []string{"ap-guangzhou"} }, want: CodeUnsupportedRegion},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := testKey
			if tc.key != "" {
				key = tc.key
			}
			r, _ := serveCase(t, v1Request(tc.method, tc.p, key), tc.tamper, tc.srv, tc.want)
			if tc.want == "" {
				want := SignHmacSHA1
				if tc.p["SignatureMethod"] == SignHmacSHA256 {
					want = SignHmacSHA256
				}
				if r.Signed != want || r.SecretId != testID || r.Region != "ap-guangzhou" {
					t.Fatalf("request seen by the handler: %+v", r)
				}
			}
		})
	}
}

func TestV1EmptyValues(t *testing.T) {
	s := newTestServer(nil)
	// Seed style: the empty value is signed ("ServiceDesc=").
	p := map[string]string{
		"Action": "CreateService", "Version": "2018-08-08", "Region": "", "Timestamp": strconv.FormatInt(testNow.Unix(), 10),
		"Nonce": "1", "SecretId": testID, "ServiceName": "a", "Protocol": "http", "ServiceDesc": "",
	}
	p["Signature"] = SignV1(testKey, "GET", testHost, p, "")
	if res := serve(s, httptest.NewRequest("GET", "http://"+testHost+"/?"+encodeParams(p), nil)); res.code() != "" {
		t.Fatalf("seed style: %s", res.body)
	}
	// SDK style: empty values are left out of the string to sign but sent.
	p["Nonce"] = "2"
	delete(p, "Signature")
	p["Signature"] = base64Sig(testKey, v1StringToSign("GET", testHost, p, true))
	if res := serve(s, httptest.NewRequest("GET", "http://"+testHost+"/?"+encodeParams(p), nil)); res.code() != "" {
		t.Fatalf("SDK style: %s", res.body)
	}
}

// A client that does not percent-encode '+' in the Signature sends a space.
func TestV1SignatureUnencodedPlus(t *testing.T) {
	for n := 1; n < 200; n++ {
		req := v1Request("GET", map[string]string{"Nonce": strconv.Itoa(n)}, testKey)
		if !strings.Contains(req.URL.RawQuery, "%2B") {
			continue
		}
		req.URL.RawQuery = strings.ReplaceAll(req.URL.RawQuery, "%2B", "+")
		if res := serve(newTestServer(nil), req); res.code() != "" {
			t.Fatal(res.body)
		}
		return
	}
	t.Fatal("no signature with '+' found")
}

func TestV1Replay(t *testing.T) {
	clock := testNow
	s := newTestServer(nil)
	s.Now = func() time.Time { return clock }

	first := v1Request("GET", map[string]string{"Nonce": "777"}, testKey)
	replay := first.Clone(context.Background())
	if res := serve(s, first); res.code() != "" {
		t.Fatal(res.body)
	}
	if res := serve(s, replay); res.code() != CodeSignatureFailure || !strings.Contains(res.env.Response.Error.Message, "Nonce") {
		t.Fatalf("replay: %s", res.body)
	}
	// The same nonce through POST is the same (SecretId, Nonce) pair.
	if res := serve(s, v1Request("POST", map[string]string{"Nonce": "777"}, testKey)); res.code() != CodeSignatureFailure {
		t.Fatalf("replay via POST: %s", res.body)
	}
	// Another SecretId may use the same nonce.
	if res := serve(s, v1Request("GET", map[string]string{"Nonce": "777", "SecretId": testID2}, testKey2)); res.code() != "" {
		t.Fatalf("other SecretId: %s", res.body)
	}
	// A request with a bad signature does not burn a nonce.
	if res := serve(s, v1Request("GET", map[string]string{"Nonce": "888"}, "wrong")); res.code() != CodeSignatureFailure {
		t.Fatal(res.body)
	}
	if res := serve(s, v1Request("GET", map[string]string{"Nonce": "888"}, testKey)); res.code() != "" {
		t.Fatalf("nonce after a forged request: %s", res.body)
	}
	// Leading zeros name the same nonce.
	if res := serve(s, v1Request("GET", map[string]string{"Nonce": "0888"}, testKey)); res.code() != CodeSignatureFailure {
		t.Fatalf("0888: %s", res.body)
	}
	// Once the timestamp leaves the window the replay is expired, and the
	// cache has forgotten the pair.
	clock = testNow.Add(301 * time.Second)
	if res := serve(s, replay.Clone(context.Background())); res.code() != CodeSignatureExpire {
		t.Fatalf("late replay: %s", res.body)
	}
	fresh := v1Request("GET", map[string]string{"Nonce": "999", "Timestamp": strconv.FormatInt(clock.Unix(), 10)}, testKey)
	if res := serve(s, fresh); res.code() != "" {
		t.Fatal(res.body)
	}
	if n := s.nonces.len(); n != 1 {
		t.Fatalf("nonce cache holds %d entries, want 1", n)
	}
}

func TestV1NonceCacheBounded(t *testing.T) {
	s := newTestServer(nil)
	s.NonceCacheSize = 3
	s.Limits = &Limits{}
	for i := range 3 {
		if res := serve(s, v1Request("GET", map[string]string{"Nonce": strconv.Itoa(i + 1)}, testKey)); res.code() != "" {
			t.Fatal(res.body)
		}
	}
	res := serve(s, v1Request("GET", map[string]string{"Nonce": "4"}, testKey))
	if res.code() != CodeRequestLimitExceeded {
		t.Fatalf("full cache: %s", res.body)
	}
	// Replays are still refused as replays, not forgotten.
	if res := serve(s, v1Request("GET", map[string]string{"Nonce": "1"}, testKey)); res.code() != CodeSignatureFailure {
		t.Fatalf("replay with full cache: %s", res.body)
	}
	// TC3 is unaffected.
	if res := serve(s, defaultTC3().request()); res.code() != "" {
		t.Fatal(res.body)
	}
}

func TestTransport(t *testing.T) {
	tc3 := func(mod func(*tc3Spec)) func() *http.Request {
		return func() *http.Request {
			s := defaultTC3()
			mod(&s)
			return s.request()
		}
	}
	raw := func(method, url, ct, body string) func() *http.Request {
		return func() *http.Request {
			r := httptest.NewRequest(method, url, strings.NewReader(body))
			if ct != "" {
				r.Header.Set("Content-Type", ct)
			}
			return r
		}
	}
	cases := []struct {
		name string
		req  func() *http.Request
		want string
	}{
		{"PUT", raw("PUT", "/", "application/json", "{}"), CodeUnsupportedProtocol},
		{"DELETE", raw("DELETE", "/", "", ""), CodeUnsupportedProtocol},
		{"HEAD", raw("HEAD", "/", "", ""), CodeUnsupportedProtocol},
		{"other path", raw("GET", "/v2/?Action=X", "", ""), CodeUnsupportedProtocol},
		{"POST text/plain", raw("POST", "/", "text/plain", "{}"), CodeUnsupportedProtocol},
		{"POST multipart", raw("POST", "/", "multipart/form-data; boundary=x", ""), CodeUnsupportedProtocol},
		{"POST without Content-Type", raw("POST", "/", "", "{}"), CodeUnsupportedProtocol},
		{"POST malformed Content-Type", raw("POST", "/", "application/json; =", "{}"), CodeUnsupportedProtocol},
		{"POST with query", tc3(func(s *tc3Spec) { s.query = "Limit=1" }), CodeUnsupportedProtocol},
		{"form POST with Authorization", tc3(func(s *tc3Spec) { s.contentType = "application/x-www-form-urlencoded" }), CodeUnsupportedProtocol},
		{"GET without anything", raw("GET", "/", "", ""), CodeMissingParameter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := serve(newTestServer(nil), tc.req())
			checkEnvelope(t, res)
			if res.code() != tc.want {
				t.Fatalf("code %q, want %q: %s", res.code(), tc.want, res.body)
			}
		})
	}
}

// countingReader counts what the server reads from a body.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestSizeLimits(t *testing.T) {
	s := newTestServer(nil)
	s.Limits = &Limits{}

	// TC3 POST: exactly 10 MB is read and verified (valid JSON, signed);
	// one byte more is refused without reading past limit+1.
	pad := func(n int) string {
		b := bytes.Repeat([]byte(" "), n)
		copy(b, `{"Limit":1}`)
		return string(b)
	}
	spec := defaultTC3()
	spec.body = pad(MaxJSONPOSTSize)
	if res := serve(s, spec.request()); res.code() != "" {
		t.Fatalf("10 MB TC3 POST: %.300s", res.body)
	}
	for _, chunked := range []bool{false, true} {
		spec.body = pad(MaxJSONPOSTSize + 1)
		req := spec.request()
		cr := &countingReader{r: strings.NewReader(spec.body + strings.Repeat(" ", 1<<20))}
		req.Body = io.NopCloser(cr)
		if chunked {
			req.ContentLength = -1
		}
		if res := serve(s, req); res.code() != CodeRequestSizeLimitExceeded {
			t.Fatalf("10 MB + 1 (chunked %v): %.300s", chunked, res.body)
		}
		if cr.n > MaxJSONPOSTSize+1 {
			t.Fatalf("read %d bytes of an oversized body", cr.n)
		}
		if !chunked && cr.n != 0 {
			t.Fatalf("Content-Length over the limit, yet %d bytes were read", cr.n)
		}
	}

	// v1 POST: 1 MB.
	big := strings.Repeat("x", MaxFormPOSTSize)
	req := v1Request("POST", map[string]string{"Filler": big}, testKey)
	if res := serve(s, req); res.code() != CodeRequestSizeLimitExceeded {
		t.Fatalf("v1 POST over 1 MB: %.300s", res.body)
	}
	req = v1Request("POST", map[string]string{"Filler": big[:MaxFormPOSTSize-400]}, testKey)
	if res := serve(s, req); res.code() != CodeUnknownParameter { // within the limit: verified, then Filler is unknown
		t.Fatalf("v1 POST under 1 MB: %.300s", res.body)
	}

	// GET: 32 KB of query, v1 and TC3 alike.
	req = v1Request("GET", map[string]string{"Filler": strings.Repeat("x", MaxGETSize)}, testKey)
	if res := serve(s, req); res.code() != CodeRequestSizeLimitExceeded {
		t.Fatalf("v1 GET over 32 KB: %.300s", res.body)
	}
	spec = defaultTC3()
	spec.method, spec.contentType, spec.query = "GET", "application/x-www-form-urlencoded", "Filler="+strings.Repeat("x", MaxGETSize)
	if res := serve(s, spec.request()); res.code() != CodeRequestSizeLimitExceeded {
		t.Fatalf("TC3 GET over 32 KB: %.300s", res.body)
	}
	spec.query = "Filler=" + strings.Repeat("x", MaxGETSize-100)
	if res := serve(s, spec.request()); res.code() != CodeUnknownParameter {
		t.Fatalf("TC3 GET under 32 KB: %.300s", res.body)
	}
}

func TestEnvelope(t *testing.T) {
	var logs bytes.Buffer
	s := newTestServer(nil)
	s.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	call := func(action, body string) *result {
		spec := defaultTC3()
		spec.action, spec.body = action, body
		res := serve(s, spec.request())
		checkEnvelope(t, res)
		return res
	}

	res := call("DescribeServicesStatus", `{}`)
	if res.code() != "" || string(res.raw["Result"]) != `{"ServiceSet":[{"NetTypes":["OUTER"],"ServiceId":"service-abcd1234","ServiceName":"demo"}],"TotalCount":1}` {
		t.Fatalf("success: %s", res.body)
	}
	if !strings.HasPrefix(res.body, `{"Response":{"Result":`) || !strings.HasSuffix(res.body, `"RequestId":"`+res.env.Response.RequestId+`"}}`) {
		t.Fatalf("shape: %s", res.body)
	}
	if res := call("DescribeApi", `{}`); res.body != `{"Response":{"RequestId":"`+res.env.Response.RequestId+`"}}` {
		t.Fatalf("nil payload: %s", res.body)
	}
	if res := call("CreateService", `{"ServiceName":"a<b>&c","Protocol":"http"}`); res.code() != "" || string(res.raw["ServiceName"]) != `"a<b>&c"` || string(res.raw["NetTypes"]) != "null" {
		t.Fatalf("struct payload: %s", res.body)
	}
	if res := call("RequestIdPayload", `{}`); res.code() != "" || res.env.Response.RequestId == "mine" || string(res.raw["Result"]) != "true" {
		t.Fatalf("payload RequestId: %s", res.body)
	}
	if res := call("DeleteService", `{}`); res.code() != "ResourceNotFound.InvalidService" || res.env.Response.Error.Message != "no such service" {
		t.Fatalf("*Error: %s", res.body)
	}
	if res := call("FailWrapped", `{}`); res.code() != CodeResourceInUse {
		t.Fatalf("wrapped *Error: %s", res.body)
	}
	for _, a := range []string{"FailPlain", "Panic", "BadPayload", "ErrorPayload"} {
		res := call(a, `{}`)
		if res.code() != CodeInternalError || res.env.Response.Error.Message != internalMessage || strings.Contains(res.body, "hunter2") {
			t.Fatalf("%s: %s", a, res.body)
		}
		if !strings.Contains(logs.String(), res.env.Response.RequestId) {
			t.Fatalf("%s: the cause is not logged under the RequestId", a)
		}
	}

	// Secrets and signatures never reach the log, whatever happened.
	serve(s, v1Request("GET", map[string]string{"Nonce": "5"}, testKey))
	serve(s, v1Request("GET", map[string]string{"Nonce": "6"}, "wrong"))
	spec := defaultTC3()
	spec.key = "wrong"
	serve(s, spec.request())
	for _, secret := range []string{testKey, "Signature=", "Authorization", "TC3-HMAC-SHA256 Credential"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("log contains %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "code=AuthFailure.SignatureFailure") {
		t.Fatalf("refusals are not logged:\n%s", logs.String())
	}
}

func TestRateLimit(t *testing.T) {
	clock := testNow
	s := newTestServer(nil)
	s.Now = func() time.Time { return clock }
	count := func(action string, n int) (ok int) {
		for range n {
			spec := defaultTC3()
			spec.action = action
			if serve(s, spec.request()).code() == "" {
				ok++
			}
		}
		return ok
	}
	if got := count("DescribeServicesStatus", 25); got != 20 {
		t.Fatalf("DescribeServicesStatus: %d of 25 allowed in one second, want 20", got)
	}
	spec := defaultTC3()
	if res := serve(s, spec.request()); res.code() != CodeRequestLimitExceeded {
		t.Fatalf("over the limit: %s", res.body)
	}
	// Another SecretId has its own budget.
	spec.id, spec.key = testID2, testKey2
	if res := serve(s, spec.request()); res.code() != "" {
		t.Fatal(res.body)
	}
	if got := count("DescribeApi", 110); got != 100 {
		t.Fatalf("DescribeApi: %d of 110, want 100", got)
	}
	clock = clock.Add(time.Second)
	if got := count("DescribeServicesStatus", 25); got != 20 {
		t.Fatalf("next second: %d", got)
	}
	s.Limits = &Limits{}
	if got := count("DescribeServicesStatus", 25); got != 25 {
		t.Fatalf("disabled: %d", got)
	}
}

func TestHandlerDeadline(t *testing.T) {
	s := newTestServer(nil)
	s.Timeout = 20 * time.Millisecond
	s.Actions["Slow"] = func(ctx context.Context, r *Request) (any, error) {
		dl, ok := ctx.Deadline()
		if !ok || time.Until(dl) > 20*time.Millisecond {
			return nil, Errorf(CodeFailedOperation, "no deadline")
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	spec := defaultTC3()
	spec.action = "Slow"
	if res := serve(s, spec.request()); res.code() != CodeInternalError {
		t.Fatal(res.body)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newTestServer(nil)
	s.Limits = &Limits{}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := &Client{Endpoint: srv.URL, SecretId: testID, SecretKey: testKey, Now: func() time.Time { return testNow }}
	errs := make(chan error, 40)
	for i := range 40 {
		go func() {
			if i%2 == 0 {
				_, err := c.Call(context.Background(), "CreateService", map[string]any{"ServiceName": "s" + strconv.Itoa(i), "Protocol": "http"})
				errs <- err
				return
			}
			req := v1Request("GET", map[string]string{"Nonce": strconv.Itoa(1000 + i)}, testKey)
			req.RequestURI = ""
			req.URL.Scheme, req.URL.Host, req.Host = "http", srv.Listener.Addr().String(), testHost
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	for range 40 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// checkEnvelope asserts what every answer has: HTTP 200, JSON, a UUID v4
// RequestId, and Error with Code and Message on failure.
func checkEnvelope(t *testing.T, r *result) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("HTTP status %d", r.status)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if !uuidV4.MatchString(r.env.Response.RequestId) {
		t.Fatalf("RequestId %q is not a lower-case UUID v4: %s", r.env.Response.RequestId, r.body)
	}
	if e := r.env.Response.Error; e != nil && (e.Code == "" || e.Message == "") {
		t.Fatalf("error without Code or Message: %s", r.body)
	}
	if r.env.Response.Error != nil && len(r.raw) != 2 {
		t.Fatalf("error envelope has extra members: %s", r.body)
	}
}

func setBody(r *http.Request, s string) {
	r.Body = io.NopCloser(strings.NewReader(s))
	r.ContentLength = int64(len(s))
}

func base64Sig(key, s string) string {
	return base64.StdEncoding.EncodeToString(v1MAC(key, "", s))
}
