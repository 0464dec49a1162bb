package backendsign

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// vectorHead is the test vector's request as the gateway forwards it: a
// non-ASCII path segment, a query with a repeated key, '+' and a bare key,
// a repeated header, and a client Authorization that must not survive.
const vectorHead = "POST /v1/items/%E4%B8%AD/x%20y?b=2&a=1&a=0&q=x+y&flag HTTP/1.1\r\n" +
	"Host: api.example.com\r\n" +
	"Content-Type: application/json\r\n" +
	"Authorization: Bearer client-token\r\n" +
	"X-Tag: b\r\n" +
	"x-tag: a\r\n" +
	"X-Request-Id: 0a1b2c3d\r\n" +
	"Content-Length: 7\r\n" +
	"\r\n"

const vectorBody = `{"a":1}`

// vectorUnix is 2020-08-03T04:00:11Z.
const vectorUnix = 1596427211

func mustKey(t testing.TB, typ, key, secret, alg string) *Key {
	t.Helper()
	k, err := NewKey(typ, key, secret, alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var vectorKeys = map[string]*Key{}

func vectorKey(t testing.TB, name string) *Key {
	if k := vectorKeys[name]; k != nil {
		return k
	}
	var k *Key
	switch name {
	case "hmac":
		k = mustKey(t, TypeHMAC, "signkeysignkey", "sig_secret-0123456789", "")
	case "aes128":
		k = mustKey(t, TypeAES, "0123456789abcdef", "fedcba9876543210", AES128CFB)
	case "aes256":
		k = mustKey(t, TypeAES, "0123456789abcdef0123456789ABCDEF", "iv_iv_iv_iv_iv_i", AES256CFB)
	case "basic":
		k = mustKey(t, TypeBasic, "gateway", "p@ss_word-1", "")
	}
	vectorKeys[name] = k
	return k
}

func signVector(t *testing.T, k *Key, payload []byte) string {
	t.Helper()
	out, ok := NewSigner().SignHead([]byte(vectorHead), k, payload, vectorUnix)
	if !ok {
		t.Fatal("SignHead refused the head")
	}
	return string(out)
}

func authzOf(head string) string {
	for _, l := range strings.Split(head, "\r\n") {
		if v, ok := strings.CutPrefix(l, "Authorization: "); ok {
			return v
		}
	}
	return ""
}

// TestVector pins the signatures of one request. The expected values were
// computed by testdata/verify.js (Node's crypto, written from VERIFY.md),
// not by this package.
func TestVector(t *testing.T) {
	payload := AppendPayloadHash(nil, []byte(vectorBody))
	const signed = "content-type;host;x-request-id;x-sdk-date;x-tag"
	for _, tc := range []struct{ key, want string }{
		{"hmac", "SDK-HMAC-SHA256 Access=signkeysignkey, SignedHeaders=" + signed + ", Signature=635ccb4460926ec399de71f7ca1a36d3c6ca763bacdca405548a74b37ac5e328"},
		{"aes128", "SDK-AES-128-CFB SignedHeaders=" + signed + ", Signature=3d6ef4870763618eeda1c7ffc24907b199a96c2cb47fdf36f020e8c6983cf657"},
		{"aes256", "SDK-AES-256-CFB SignedHeaders=" + signed + ", Signature=d1d4e21ef8537f48796895aee0f01b48b9b5a1e1d53c7de89a2cd4debf37bb5c"},
		{"basic", "Basic Z2F0ZXdheTpwQHNzX3dvcmQtMQ=="},
	} {
		head := signVector(t, vectorKey(t, tc.key), payload)
		if got := authzOf(head); got != tc.want {
			t.Errorf("%s: Authorization\n got %s\nwant %s", tc.key, got, tc.want)
		}
		if strings.Contains(head, "client-token") {
			t.Errorf("%s: the client's Authorization was forwarded", tc.key)
		}
		if tc.key != "basic" && !strings.Contains(head, "\r\nX-Sdk-Date: 20200803T040011Z\r\n") {
			t.Errorf("%s: no X-Sdk-Date in\n%s", tc.key, head)
		}
	}
}

// TestCanonicalRequest pins the canonical request of the vector, the
// part every other language must reproduce byte for byte.
func TestCanonicalRequest(t *testing.T) {
	c := newCanon()
	c.fs = append(c.fs[:0],
		field{[]byte("X-Tag"), []byte("b")}, field{[]byte("Host"), []byte("api.example.com")},
		field{[]byte("x-tag"), []byte("a")}, field{[]byte("X-Sdk-Date"), []byte("20200803T040011Z")})
	c.sortFields()
	got := string(c.build([]byte("GET"), []byte("/v1/items/%E4%B8%AD/x%20y/a%2Fb%zz"), []byte("b=2&a=1&a=0&q=x+y&flag&bad=%G1&;x=1&&e="),
		c.fs, c.sh, []byte(UnsignedPayload)))
	want := "GET\n" +
		"/v1/items/%E4%B8%AD/x%20y/a/b%25zz/\n" +
		"a=0&a=1&b=2&e=&flag=&q=x%20y\n" +
		"host:api.example.com\nx-sdk-date:20200803T040011Z\nx-tag:a\nx-tag:b\n" +
		"\n" +
		"host;x-sdk-date;x-tag\n" +
		"UNSIGNED-PAYLOAD"
	if got != want {
		t.Fatalf("canonical request\n got %q\nwant %q", got, want)
	}
}

// received parses a signed head and body as a Go backend receives them.
func received(t *testing.T, head, body string) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + body)))
	if err != nil {
		t.Fatalf("backend cannot parse the signed request: %v\n%s", err, head)
	}
	return r
}

func vectorNow() time.Time { return time.Unix(vectorUnix+60, 0) }

func TestVerifyAcceptsSignedHeads(t *testing.T) {
	payload := AppendPayloadHash(nil, []byte(vectorBody))
	for _, name := range []string{"hmac", "aes128", "aes256", "basic"} {
		k := vectorKey(t, name)
		r := received(t, signVector(t, k, payload), vectorBody)
		if err := Verify(r, k, &Options{Now: vectorNow}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		// The body is still there for the handler.
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		if b.String() != vectorBody {
			t.Errorf("%s: handler body %q", name, b.String())
		}
	}
}

// TestSignRequestAgreesWithSignHead: the net/http signer and the raw-head
// signer produce the same signature for the same request.
func TestSignRequestAgreesWithSignHead(t *testing.T) {
	for _, name := range []string{"hmac", "aes128", "aes256", "basic"} {
		k := vectorKey(t, name)
		head := signVector(t, k, AppendPayloadHash(nil, []byte(vectorBody)))
		r, _ := http.NewRequest("POST", "http://api.example.com/v1/items/%E4%B8%AD/x%20y?b=2&a=1&a=0&q=x+y&flag", nil)
		r.Header["Content-Type"] = []string{"application/json"}
		r.Header["X-Tag"] = []string{"b", "a"}
		r.Header["X-Request-Id"] = []string{"0a1b2c3d"}
		SignRequest(r, k, []byte(vectorBody), time.Unix(vectorUnix, 0))
		if got, want := r.Header.Get("Authorization"), authzOf(head); got != want {
			t.Errorf("%s:\nSignRequest %s\nSignHead    %s", name, got, want)
		}
	}
}

func TestVerifyRefusesTampering(t *testing.T) {
	payload := AppendPayloadHash(nil, []byte(vectorBody))
	for _, name := range []string{"hmac", "aes128", "aes256"} {
		k := vectorKey(t, name)
		head := signVector(t, k, payload)
		check := func(what, head, body string, o *Options, want error) {
			t.Helper()
			if o == nil {
				o = &Options{}
			}
			if o.Now == nil {
				o.Now = vectorNow
			}
			if err := Verify(received(t, head, body), k, o); !errors.Is(err, want) {
				t.Errorf("%s, %s: got %v, want %v", name, what, err, want)
			}
		}
		check("untouched", head, vectorBody, nil, nil)
		check("body", head, `{"a":2}`, nil, ErrSignature)
		check("path", strings.Replace(head, "/v1/items/", "/v1/itemz/", 1), vectorBody, nil, ErrSignature)
		check("query", strings.Replace(head, "b=2", "b=3", 1), vectorBody, nil, ErrSignature)
		check("method", "PUT"+head[len("POST"):], vectorBody, nil, ErrSignature)
		check("header value", strings.Replace(head, "X-Request-Id: 0a1b2c3d", "X-Request-Id: 0a1b2c3e", 1), vectorBody, nil, ErrSignature)
		check("host", strings.Replace(head, "Host: api.example.com", "Host: evil.example.com", 1), vectorBody, nil, ErrSignature)
		check("removed header", strings.Replace(head, "X-Tag: b\r\n", "", 1), vectorBody, nil, ErrSignature)
		added := strings.Replace(head, "\r\n\r\n", "\r\nX-Secret-Id: forged\r\n\r\n", 1)
		check("added header", added, vectorBody, nil, ErrUnsignedHeader)
		check("added header, lenient", added, vectorBody, &Options{AllowUnsignedHeaders: true}, nil)
		check("stale", head, vectorBody, &Options{Now: func() time.Time { return time.Unix(vectorUnix+16*60, 0) }}, ErrDate)
		check("future", head, vectorBody, &Options{Now: func() time.Time { return time.Unix(vectorUnix-16*60, 0) }}, ErrDate)
		check("date", strings.Replace(head, "20200803T040011Z", "20200803T040012Z", 1), vectorBody, nil, ErrSignature)
		noBody := strings.Replace(head, "\r\n\r\n", "\r\nX-Sdk-Content-Sha256: UNSIGNED-PAYLOAD\r\n\r\n", 1)
		check("payload marker added", noBody, `{"a":2}`, &Options{AllowUnsignedPayload: true, AllowUnsignedHeaders: true}, ErrUnsignedHeader)
		check("body too large", head, vectorBody, &Options{MaxBody: 3}, ErrBodyTooLarge)
		other := map[string]*Key{
			"hmac":   mustKey(t, TypeHMAC, "signkeysignkey", "another-secret-0123", ""),
			"aes128": mustKey(t, TypeAES, "0123456789abcdeX", "fedcba9876543210", AES128CFB),
			"aes256": mustKey(t, TypeAES, "0123456789abcdef0123456789ABCDEF", "iv_iv_iv_iv_iv_X", AES256CFB),
		}[name]
		if err := Verify(received(t, head, vectorBody), other, &Options{Now: vectorNow}); !errors.Is(err, ErrSignature) {
			t.Errorf("%s, wrong secret: got %v", name, err)
		}
	}
	hmacHead := signVector(t, vectorKey(t, "hmac"), payload)
	wrongAccess := mustKey(t, TypeHMAC, "otherkey1", "sig_secret-0123456789", "")
	if err := Verify(received(t, hmacHead, vectorBody), wrongAccess, &Options{Now: vectorNow}); !errors.Is(err, ErrWrongKey) {
		t.Errorf("wrong access: %v", err)
	}
	if err := Verify(received(t, hmacHead, vectorBody), vectorKey(t, "aes128"), &Options{Now: vectorNow}); !errors.Is(err, ErrNoSignature) {
		t.Errorf("scheme of another type: %v", err)
	}
	basic := signVector(t, vectorKey(t, "basic"), payload)
	if err := Verify(received(t, basic, vectorBody), mustKey(t, TypeBasic, "gateway", "p@ss_word-2", ""), nil); !errors.Is(err, ErrBasicCredentials) {
		t.Errorf("basic, wrong password: %v", err)
	}
	if err := Verify(received(t, vectorHead, vectorBody), vectorKey(t, "basic"), nil); !errors.Is(err, ErrNoSignature) {
		t.Errorf("basic, unsigned: %v", err)
	}
}

func TestUnsignedPayload(t *testing.T) {
	k := vectorKey(t, "hmac")
	head := signVector(t, k, []byte(UnsignedPayload))
	if !strings.Contains(head, "\r\nX-Sdk-Content-Sha256: UNSIGNED-PAYLOAD\r\n") || !strings.Contains(authzOf(head), "x-sdk-content-sha256") {
		t.Fatalf("the marker is missing or unsigned:\n%s", head)
	}
	if err := Verify(received(t, head, vectorBody), k, &Options{Now: vectorNow}); !errors.Is(err, ErrUnsignedPayload) {
		t.Errorf("strict: %v", err)
	}
	// Allowed, the body is not covered (that is what the marker says)...
	if err := Verify(received(t, head, `{"a":2}`), k, &Options{Now: vectorNow, AllowUnsignedPayload: true}); err != nil {
		t.Errorf("allowed: %v", err)
	}
	// ...but removing the marker from a streamed request does not help.
	stripped := strings.Replace(head, "X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD\r\n", "", 1)
	if err := Verify(received(t, stripped, vectorBody), k, &Options{Now: vectorNow, AllowUnsignedPayload: true}); !errors.Is(err, ErrSignature) {
		t.Errorf("marker removed: %v", err)
	}
}

func TestSignHeadResigns(t *testing.T) {
	// Signing a signed head again (the edge does when a retry changes the
	// Host) replaces the signature's lines instead of adding more.
	k := vectorKey(t, "hmac")
	s := NewSigner()
	payload := AppendPayloadHash(nil, []byte(vectorBody))
	once, _ := s.SignHead([]byte(vectorHead), k, payload, vectorUnix)
	twice, _ := s.SignHead(append([]byte(nil), once...), k, payload, vectorUnix)
	if string(once) != string(twice) {
		t.Fatalf("re-signing changed the head:\n%s\n---\n%s", once, twice)
	}
	if n := strings.Count(string(twice), "Authorization:"); n != 1 {
		t.Fatalf("%d Authorization lines", n)
	}
	if _, ok := s.SignHead([]byte("GET / HTTP/1.1\r\nHost: x\r\n"), k, payload, vectorUnix); ok {
		t.Fatal("a head without its empty line was signed")
	}
}

func TestNewKeyRefuses(t *testing.T) {
	for _, tc := range []struct{ typ, key, secret, alg string }{
		{"hmac", "", "secretsecretsecret", ""},
		{"hmac", "key12345", "", ""},
		{"hmac", "key12345", "secretsecretsecret", AES128CFB},
		{"rsa", "key12345", "secretsecretsecret", ""},
		{"aes", "0123456789abcdef", "fedcba9876543210", ""},
		{"aes", "0123456789abcdef", "fedcba9876543210", AES256CFB},
		{"aes", "0123456789abcdef", "short", AES128CFB},
		{"basic", "user name", "password1", ""},
	} {
		if _, err := NewKey(tc.typ, tc.key, tc.secret, tc.alg); err == nil {
			t.Errorf("NewKey(%q, %q, %q, %q) accepted", tc.typ, tc.key, tc.secret, tc.alg)
		}
	}
}

// TestNodeVerifier runs testdata/verify.js, a verifier written from
// VERIFY.md in another language, on heads signed here, tampered or not.
func TestNodeVerifier(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is required (make deps installs it)")
	}
	payload := AppendPayloadHash(nil, []byte(vectorBody))
	keys := map[string]map[string]any{
		"hmac":   {"type": "hmac", "key": "signkeysignkey", "secret": "sig_secret-0123456789"},
		"aes128": {"type": "aes", "key": "0123456789abcdef", "secret": "fedcba9876543210", "algorithm": AES128CFB},
		"aes256": {"type": "aes", "key": "0123456789abcdef0123456789ABCDEF", "secret": "iv_iv_iv_iv_iv_i", "algorithm": AES256CFB},
		"basic":  {"type": "basic", "key": "gateway", "secret": "p@ss_word-1"},
	}
	run := func(opt map[string]any, raw string) (string, bool) {
		opt["now"] = vectorUnix + 60
		arg, _ := json.Marshal(opt)
		cmd := exec.Command(node, "testdata/verify.js", string(arg))
		cmd.Stdin = strings.NewReader(raw)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err == nil
	}
	for name, opt := range keys {
		head := signVector(t, vectorKey(t, name), payload)
		if out, ok := run(opt, head+vectorBody); !ok {
			t.Errorf("%s: node refused the signed request: %s", name, out)
		}
		if out, ok := run(opt, head+`{"a":2}`); ok && name != "basic" {
			t.Errorf("%s: node accepted a changed body: %s", name, out)
		}
		if out, ok := run(opt, strings.Replace(head, "0a1b2c3d", "0a1b2c3e", 1)+vectorBody); ok && name != "basic" {
			t.Errorf("%s: node accepted a changed header: %s", name, out)
		}
	}
}
