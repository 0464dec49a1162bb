package http1

import (
	"fmt"
	"strings"
	"testing"
)

func TestHeaderValuesTrimmed(t *testing.T) {
	r, _, err := parseReq(get("A:   x y \t\r\n", "B:\t\r\n", "C:z\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Host": "a", "A": "x y", "B": "", "C": "z"}
	if len(r.Headers) != len(want) {
		t.Fatalf("got %d fields", len(r.Headers))
	}
	for _, h := range r.Headers {
		if w, ok := want[string(h.Name)]; !ok || w != string(h.Value) {
			t.Errorf("%q = %q", h.Name, h.Value)
		}
	}
}

func TestHeaderKinds(t *testing.T) {
	kinds := map[string]Kind{
		"Host": KindHost, "Content-Length": KindContentLength, "Transfer-Encoding": KindTransferEncoding,
		"Connection": KindConnection, "Keep-Alive": KindKeepAlive, "Proxy-Connection": KindProxyConnection,
		"TE": KindTE, "Trailer": KindTrailer, "Upgrade": KindUpgrade,
		"Proxy-Authorization": KindProxyAuthorization, "Proxy-Authenticate": KindProxyAuthenticate,
		"Expect": KindExpect, "X-Forwarded-For": KindXForwardedFor, "X-Forwarded-Proto": KindXForwardedProto,
		"X-Forwarded-Host": KindXForwardedHost, "X-Forwarded-Port": KindXForwardedPort,
		"X-Forwarded-Prefix": KindXForwardedPrefix, "Forwarded": KindForwarded, "X-Real-IP": KindXRealIP,
		"X-Request-ID": KindXRequestID,
		// Near misses stay KindOther.
		"Hosts": KindOther, "X-Forwarded": KindOther, "X_Forwarded_For": KindOther, "Content-Lengths": KindOther,
		"Transfer_Encoding": KindOther, "T": KindOther, "Te-": KindOther, "Authorization": KindOther,
		"X-Forwarded-Fox": KindOther, "Connectio^": KindOther, "~onnection": KindOther,
	}
	for name, want := range kinds {
		for _, n := range []string{name, strings.ToLower(name), strings.ToUpper(name)} {
			if got := classify([]byte(n)); got != want {
				t.Errorf("classify(%q) = %d, want %d", n, got, want)
			}
		}
	}
	// Through the parser, with Underscore.
	r, _, err := parseReq(get("x-forwarded-FOR: 1.2.3.4\r\n", "X_Auth_User: admin\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Headers[1]; h.Kind != KindXForwardedFor || h.Underscore {
		t.Errorf("%+v", h)
	}
	if h := r.Headers[2]; h.Kind != KindOther || !h.Underscore {
		t.Errorf("%+v", h)
	}
}

func TestHopByHop(t *testing.T) {
	// Traefik CVE-2024-45410 / Go #50580: Connection may name fields, but
	// it must not turn the framing and routing fields into droppable ones.
	in := get(
		"Connection: X-Custom, authorization, X-Forwarded-For, Host, Content-Length, Transfer-Encoding, keep-alive\r\n",
		"X-Custom: 1\r\n",
		"Authorization: secret\r\n",
		"X-Forwarded-For: 1.2.3.4\r\n",
		"Content-Length: 0\r\n",
		"X-Other: 2\r\n",
		"Connection: , x-late ,,\r\n",
		"X-Late: 3\r\n",
	)
	r, _, err := parseReq(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Kind{
		"Host": KindHost, "Connection": KindConnection, "X-Custom": KindHopByHop, "Authorization": KindHopByHop,
		"X-Forwarded-For": KindHopByHop, "Content-Length": KindContentLength, "X-Other": KindOther,
		"X-Late": KindHopByHop,
	}
	for _, h := range r.Headers {
		if h.Kind != want[string(h.Name)] {
			t.Errorf("%s: kind %d, want %d", h.Name, h.Kind, want[string(h.Name)])
		}
	}
	if !r.KeepAlive {
		t.Error("KeepAlive")
	}

	runCases(t, "request", []codeCase{
		{"empty elements", get("Connection: ,, close ,\r\n"), ""},
		{"non-token option", get("Connection: a b\r\n"), "BadConnection"},
		{"quoted option", get("Connection: \"close\"\r\n"), "BadConnection"},
		{"32 options", get("Connection: " + options(32) + "\r\n"), ""},
		{"33 options", get("Connection: " + options(33) + "\r\n"), "BadConnection"},
		{"33 options over two fields", get("Connection: "+options(20)+"\r\n", "Connection: "+options(13)+"\r\n"), "BadConnection"},
	})
}

func options(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("o%d", i)
	}
	return strings.Join(s, ", ")
}

func TestHeaderLimits(t *testing.T) {
	fields := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "X-%d: v\r\n", i)
		}
		return b.String()
	}
	parse := func(s string, lim *Limits, capacity int) (int, *Error) {
		var p Parser
		r := Request{Headers: make([]Header, 0, capacity)}
		return p.ParseRequest([]byte(s), &r, lim)
	}
	// Host plus 99 fields is 100: the default.
	if _, err := parse(get(fields(99)), nil, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := parse(get(fields(100)), nil, 200); err != ErrTooManyHeaders {
		t.Fatalf("101 fields: %v", err)
	}
	if _, err := parse(get(fields(9)), &Limits{MaxHeaders: 10}, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := parse(get(fields(10)), &Limits{MaxHeaders: 10}, 100); err != ErrTooManyHeaders {
		t.Fatalf("MaxHeaders 10: %v", err)
	}
	// The capacity of r.Headers bounds too: append never grows it.
	if _, err := parse(get(fields(5)), nil, 5); err != ErrTooManyHeaders {
		t.Fatalf("cap 5: %v", err)
	}
	// With no capacity, ParseRequest allocates MaxHeaders once.
	var p Parser
	var r Request
	if _, err := p.ParseRequest([]byte(get(fields(20))), &r, &Limits{MaxHeaders: 30}); err != nil || cap(r.Headers) != 30 {
		t.Fatalf("nil Headers: err %v cap %d", err, cap(r.Headers))
	}

	// MaxHeaderBytes bounds the whole head, final CRLF included.
	head := get("X: " + strings.Repeat("v", 100) + "\r\n")
	if _, err := parse(head, &Limits{MaxHeaderBytes: len(head)}, 10); err != nil {
		t.Fatalf("exactly MaxHeaderBytes: %v", err)
	}
	if _, err := parse(head, &Limits{MaxHeaderBytes: len(head) - 1}, 10); err != ErrHeaderTooLarge {
		t.Fatalf("one byte over: %v", err)
	}
	// Incomplete and already over: 431 without waiting for the end.
	if _, err := parse(head[:60], &Limits{MaxHeaderBytes: 50}, 10); err != ErrHeaderTooLarge {
		t.Fatalf("incomplete over: %v", err)
	}
	if n, err := parse(head[:40], &Limits{MaxHeaderBytes: 50}, 10); n != 0 || err != nil {
		t.Fatalf("incomplete under: %d %v", n, err)
	}
	// Default 32 KiB.
	big := get("X: " + strings.Repeat("v", DefaultMaxHeaderBytes) + "\r\n")
	if _, _, err := parseReq(big); err != ErrHeaderTooLarge {
		t.Fatalf("default: %v", err)
	}
	if ErrHeaderTooLarge.Status != 431 || ErrTooManyHeaders.Status != 431 || ErrURITooLong.Status != 414 {
		t.Fatal("statuses")
	}
}

func TestKindHopByHop(t *testing.T) {
	hop := map[Kind]bool{
		KindConnection: true, KindKeepAlive: true, KindProxyConnection: true, KindTE: true, KindTrailer: true,
		KindTransferEncoding: true, KindUpgrade: true, KindProxyAuthorization: true, KindProxyAuthenticate: true,
		KindHopByHop: true,
	}
	for k := KindOther; k <= KindHopByHop; k++ {
		if k.HopByHop() != hop[k] {
			t.Errorf("kind %d: HopByHop %v", k, k.HopByHop())
		}
	}
}
