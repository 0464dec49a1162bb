package edge

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/http1"
)

// The identity fields the gateway asserts (X-Secret-ID, X-UsagePlan-ID)
// never come from the client: not on an API without auth, and on a
// key-pair API only the gateway's own lines reach the backend. Any case,
// any number of copies; look-alike names pass.
func TestAssertedHeadersStripped(t *testing.T) {
	raw := "GET /p HTTP/1.1\r\nHost: service-t.localhost\r\n" +
		"X-Secret-ID: forged-1\r\nx-secret-id: forged-2\r\nX-SECRET-ID:forged-3\r\n" +
		"X-UsagePlan-ID: forged-4\r\nx-usageplan-id: forged-5\r\nX-Usageplan-Id:\t forged-6 \r\n" +
		"X-Secret-IDs: kept-1\r\nX-Secret: kept-2\r\nX-UsagePlan: kept-3\r\n\r\n"
	gateway := []byte("X-Secret-ID: AKIDreal\r\nX-UsagePlan-ID: usagePlan-real\r\n")
	s := &Server{}
	l := &loop{s: s, hdrs: make([]http1.Header, 0, 32)}
	l.rb.URI = []byte("/p")
	cl := &client{l: l, ip: []byte("192.0.2.1")}
	a := &apiRT{host: []byte("backend")}
	var req http1.Request
	req.Headers = l.hdrs[:0]
	var p http1.Parser
	lim := http1.Limits{MaxRequestLine: 8192, MaxHeaderBytes: http1.DefaultMaxHeaderBytes, MaxHeaders: http1.DefaultMaxHeaders}
	if n, err := p.ParseRequest([]byte(raw), &req, &lim); n == 0 || err != nil {
		t.Fatal(n, err)
	}
	for _, tc := range []struct {
		name string
		up   []byte // authLoop.up: what checkAuth verified
	}{{"no auth", nil}, {"key pair", gateway}} {
		l.auth.up = tc.up
		head := string(l.appendUpstreamHead(nil, cl, &req, a))
		if strings.Contains(head, "forged") {
			t.Errorf("%s: a client's identity field reached the backend:\n%s", tc.name, head)
		}
		for _, kept := range []string{"X-Secret-IDs: kept-1", "X-Secret: kept-2", "X-UsagePlan: kept-3"} {
			if !strings.Contains(head, kept+"\r\n") {
				t.Errorf("%s: %q was dropped", tc.name, kept)
			}
		}
		lower := strings.ToLower(head)
		want := 0
		if tc.up != nil {
			want = 1
			if !strings.Contains(head, string(gateway)) {
				t.Errorf("%s: the gateway's lines are missing:\n%s", tc.name, head)
			}
		}
		if n := strings.Count(lower, "\r\nx-secret-id:"); n != want {
			t.Errorf("%s: %d X-Secret-ID lines, want %d", tc.name, n, want)
		}
		if n := strings.Count(lower, "\r\nx-usageplan-id:"); n != want {
			t.Errorf("%s: %d X-UsagePlan-ID lines, want %d", tc.name, n, want)
		}
	}
	// A name cannot be disguised past the match: the parser refuses
	// whitespace before the colon and obs-fold (RFC 9112 §5.1, §5.2).
	for _, bad := range []string{
		"GET /p HTTP/1.1\r\nHost: h\r\nX-Secret-ID : forged\r\n\r\n",
		"GET /p HTTP/1.1\r\nHost: h\r\nX-Other: a\r\n X-Secret-ID: forged\r\n\r\n",
	} {
		req.Headers = l.hdrs[:0]
		p.Reset()
		if _, err := p.ParseRequest([]byte(bad), &req, &lim); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
