package e2e

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestProxyBasicsAndForwardedHeaders(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""))
	c := g.client()
	resp := g.do(c, "GET", "/echo/a/b?x=1&y=2", nil,
		"X-Forwarded-For", "203.0.113.7",
		"X-Forwarded-Host", "spoofed.example",
		"X-Forwarded-Proto", "https",
		"X-Real-IP", "198.51.100.1",
		"X-Request-Id", "client-chosen",
		"Connection", "X-Forwarded-For, X-Custom-Hop",
		"X-Custom-Hop", "drop me",
		"X_Auth_User", "admin",
		"Keep-Alive", "timeout=5",
		"Proxy-Authorization", "Basic Zm9vOmJhcg==",
	)
	rid := resp.Header.Get("X-Request-Id")
	e := decodeEcho(t, resp)
	if e.URI != "/echo/a/b?x=1&y=2" {
		t.Errorf("upstream URI = %q", e.URI)
	}
	if e.Host != up.HTTP {
		t.Errorf("upstream Host = %q, want the backend's %q", e.Host, up.HTTP)
	}
	h := http.Header(e.Headers)
	// The client listed X-Forwarded-For in Connection: its value is dropped,
	// but the gateway's own X-Forwarded-For is still sent (Traefik CVE-2024-45410).
	if got := h.Get("X-Forwarded-For"); got != "127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q", got)
	}
	if got := h.Get("X-Real-Ip"); got != "127.0.0.1" {
		t.Errorf("X-Real-IP = %q", got)
	}
	if got := h.Get("X-Forwarded-Host"); got != g.Host {
		t.Errorf("X-Forwarded-Host = %q", got)
	}
	if got := h.Get("X-Forwarded-Proto"); got != "http" {
		t.Errorf("X-Forwarded-Proto = %q", got)
	}
	if got := h.Get("X-Request-Id"); got == "" || got == "client-chosen" || got != rid {
		t.Errorf("upstream X-Request-Id = %q, response has %q", got, rid)
	}
	for _, name := range []string{"X-Custom-Hop", "Keep-Alive", "Proxy-Authorization", "X_auth_user", "X_Auth_User"} {
		if v, ok := e.Headers[http.CanonicalHeaderKey(name)]; ok {
			t.Errorf("%s reached the upstream: %q", name, v)
		}
		if v, ok := e.Headers[name]; ok {
			t.Errorf("%s reached the upstream: %q", name, v)
		}
	}

	// Without Connection tricks the client's X-Forwarded-For is kept and ours appended.
	e = decodeEcho(t, g.do(c, "GET", "/echo", nil, "X-Forwarded-For", "203.0.113.7, 10.0.0.1"))
	if got := http.Header(e.Headers).Get("X-Forwarded-For"); got != "203.0.113.7, 10.0.0.1, 127.0.0.1" {
		t.Errorf("appended X-Forwarded-For = %q", got)
	}
}

func TestKeepAliveReuse(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""), "--loops", "1")
	c := g.client()
	before := up.conns(t)
	remotes := map[string]bool{}
	for range 50 {
		e := decodeEcho(t, g.do(c, "GET", "/echo", nil))
		remotes[e.Remote] = true
	}
	if len(remotes) != 1 {
		t.Errorf("50 sequential requests used %d upstream connections, want 1", len(remotes))
	}
	if n := up.conns(t) - before; n != 1 {
		t.Errorf("upstream saw %d new connections, want 1", n)
	}
}

func TestPipelining(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""))
	conn := g.raw()
	var req bytes.Buffer
	for i := range 5 {
		fmt.Fprintf(&req, "GET /release/echo/%d HTTP/1.1\r\nHost: %s\r\n\r\n", i, g.Host)
	}
	fmt.Fprintf(&req, "GET /release/mock HTTP/1.1\r\nHost: %s\r\n\r\n", g.Host)
	fmt.Fprintf(&req, "POST /release/echo/post HTTP/1.1\r\nHost: %s\r\nContent-Length: 5\r\n\r\nhello", g.Host)
	fmt.Fprintf(&req, "GET /release/echo/last HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", g.Host)
	if _, err := conn.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	want := []string{"/echo/0", "/echo/1", "/echo/2", "/echo/3", "/echo/4", "mock", "/echo/post", "/echo/last"}
	for i, w := range want {
		resp, body := readResponse(t, br, "GET")
		if resp.StatusCode != 200 {
			t.Fatalf("response %d: status %d: %s", i, resp.StatusCode, body)
		}
		if w == "mock" {
			if string(body) != "mocked" {
				t.Fatalf("response %d: %q", i, body)
			}
			continue
		}
		var e echoed
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatal(err)
		}
		if e.URI != w {
			t.Fatalf("response %d is for %q, want %q (out of order)", i, e.URI, w)
		}
		if w == "/echo/post" && e.BodyLen != 5 {
			t.Fatalf("post body len %d", e.BodyLen)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("connection not closed after Connection: close (%v)", err)
	}
}

func TestChunkedBothWays(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""))
	conn := g.raw()
	// A chunked upload with an extension and a trailer.
	fmt.Fprintf(conn, "POST /release/echo/up HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n"+
		"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: v\r\n\r\n", g.Host)
	br := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, body := readResponse(t, br, "POST")
	var e echoed
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	sum := sha256.Sum256([]byte("hello world"))
	if resp.StatusCode != 200 || e.BodyLen != 11 || e.BodySHA != hex.EncodeToString(sum[:]) {
		t.Fatalf("upload arrived as %d bytes (%s), status %d", e.BodyLen, e.BodySHA, resp.StatusCode)
	}
	if len(e.TE) != 1 || e.TE[0] != "chunked" {
		t.Errorf("upstream Transfer-Encoding = %v", e.TE)
	}
	if e.Trailer["X-T"] == nil || e.Trailer["X-T"][0] != "v" {
		t.Errorf("trailer = %v", e.Trailer)
	}

	// A chunked download with a trailer comes back chunked, trailer included.
	fmt.Fprintf(conn, "GET /release/up/trailers HTTP/1.1\r\nHost: %s\r\n\r\n", g.Host)
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != "part-0;part-1;part-2;part-3;part-4;" {
		t.Errorf("body %q", body)
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("client Transfer-Encoding = %v", resp.TransferEncoding)
	}
	if resp.Trailer.Get("X-Sum") != "done" {
		t.Errorf("trailer = %v", resp.Trailer)
	}
}

func TestHTTP10AndHEADAndExpect(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""))

	// HTTP/1.0 with a chunked upstream answer: raw body, delimited by close.
	conn := g.raw()
	fmt.Fprintf(conn, "GET /release/up/trailers HTTP/1.0\r\nHost: %s\r\n\r\n", g.Host)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	all, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(all, []byte("\r\n\r\npart-0;part-1;part-2;part-3;part-4;")) || bytes.Contains(all, []byte("chunked")) {
		t.Errorf("HTTP/1.0 response:\n%s", all)
	}

	// HEAD: headers only, the connection stays usable.
	conn = g.raw()
	br := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "HEAD /release/up/bytes?n=1000 HTTP/1.1\r\nHost: %s\r\n\r\n", g.Host)
	resp, body := readResponse(t, br, "HEAD")
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != 1000 {
		t.Errorf("HEAD: %d, CL %d, body %d", resp.StatusCode, resp.ContentLength, len(body))
	}
	fmt.Fprintf(conn, "HEAD /release/mock HTTP/1.1\r\nHost: %s\r\n\r\n", g.Host)
	resp, body = readResponse(t, br, "HEAD")
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != 6 {
		t.Errorf("HEAD mock: %d, CL %d, body %d", resp.StatusCode, resp.ContentLength, len(body))
	}
	fmt.Fprintf(conn, "GET /release/mock HTTP/1.1\r\nHost: %s\r\n\r\n", g.Host)
	if _, body = readResponse(t, br, "GET"); string(body) != "mocked" {
		t.Errorf("after HEAD: %q", body)
	}

	// Expect: 100-continue: the gateway says 100 before the body is sent.
	fmt.Fprintf(conn, "PUT /release/echo/put HTTP/1.1\r\nHost: %s\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n", g.Host)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("interim: %q %v", line, err)
	}
	if l2, _ := br.ReadString('\n'); l2 != "\r\n" {
		t.Fatalf("interim end: %q", l2)
	}
	io.WriteString(conn, "data")
	resp, body = readResponse(t, br, "PUT")
	var e echoed
	json.Unmarshal(body, &e)
	if resp.StatusCode != 200 || e.BodyLen != 4 || e.Headers["Expect"] != nil {
		t.Errorf("expect: status %d, body %d, expect forwarded %v", resp.StatusCode, e.BodyLen, e.Headers["Expect"])
	}
}

func TestUpstreamFailures(t *testing.T) {
	up := startUpstream(t)
	extra := fmt.Sprintf(`
      - {ApiId: api-dead, RequestConfig: {Path: /dead, Method: ANY}, ServiceType: HTTP, ServiceConfig: {Url: "http://%s", Path: /}}
      - {ApiId: api-slow, RequestConfig: {Path: /slow, Method: ANY}, ServiceType: HTTP, ServiceTimeout: 1, ServiceConfig: {Url: "http://%s", Path: /sleep}}
`, freeAddr(t), up.HTTP)
	g := startGateway(t, config(up, extra))
	c := g.client()
	check := func(path string, status int, code string) {
		t.Helper()
		a := g.send(c, "GET", path, nil, nil)
		if !is(status, code)(a) {
			t.Errorf("%s: %v, want %d %s", path, a, status, code)
		}
		if rid := a.h.Get("X-Request-Id"); rid == "" || !strings.Contains(a.body, rid) {
			t.Errorf("%s: request id missing: %q / %s", path, rid, a.body)
		}
	}
	check("/dead", 502, "UpstreamConnectFailed")
	start := time.Now()
	check("/slow?ms=3000", 504, "UpstreamTimeout")
	if d := time.Since(start); d < 900*time.Millisecond || d > 2500*time.Millisecond {
		t.Errorf("504 after %v, want about the 1 s ServiceTimeout", d)
	}
	check("/raw/garbage", 502, "BadUpstreamResponse")
	check("/raw/reset", 502, "UpstreamReset")
	check("/raw/unknown", 502, "UpstreamReset") // the raw server answers nothing to unknown paths

	// A truncated body cuts the client connection rather than pretending.
	resp := g.do(c, "GET", "/raw/truncated", nil)
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Errorf("truncated upstream body read without error")
	}
	resp.Body.Close()

	// Close-delimited upstream bodies are re-framed as chunked for HTTP/1.1.
	resp = g.do(c, "GET", "/raw/close-delimited", nil)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(body) != "until-close-body" || len(resp.TransferEncoding) == 0 {
		t.Errorf("close-delimited: %q %v %v", body, err, resp.TransferEncoding)
	}

	// Bytes glued after a response never reach the next request.
	conn := g.raw()
	br := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /release/raw/smuggle HTTP/1.1\r\nHost: %s\r\n\r\n", g.Host)
	if _, body := readResponse(t, br, "GET"); string(body) != "ok" {
		t.Fatalf("smuggle first: %q", body)
	}
	fmt.Fprintf(conn, "GET /release/mock HTTP/1.1\r\nHost: %s\r\n\r\n", g.Host)
	if _, body := readResponse(t, br, "GET"); string(body) != "mocked" {
		t.Fatalf("next response is %q, want the mock", body)
	}
}
