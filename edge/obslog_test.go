package edge

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/accesslog"
)

// startLoggedServer serves obsDoc (every API on one 200 backend) with
// an access log of ring slots per loop in a fresh directory; the log
// closes after the server.
func startLoggedServer(t *testing.T, ring int, mods ...func(*Config)) (*Server, *accesslog.Log, string) {
	t.Helper()
	dir := t.TempDir()
	lg, err := accesslog.New(accesslog.Options{Dir: dir, NoSync: true, RingSlots: ring})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lg.Close() }) // runs after the server's Shutdown (LIFO)
	ok := fixedUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
	doc, tr := obsDoc(ok, ok, ok)
	doc = strings.Replace(doc, "    Apis:\n", "    Apis:\n"+mockAPI("api-m", "/m", "hi"), 1)
	cfg := Config{Loops: 2, LimiterKeys: 1 << 10, AccessLog: lg}
	for _, m := range mods {
		m(&cfg)
	}
	s := startServer(t, doc, cfg, nil, tr)
	return s, lg, dir
}

// logLines reads every JSON line of dir's segments.
func logLines(t *testing.T, dir string) []map[string]any {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(dir, "access-*.log"))
	var out []map[string]any
	for _, p := range segs {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			m := map[string]any{}
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%s: %q: %v", p, sc.Text(), err)
			}
			out = append(out, m)
		}
		f.Close()
	}
	return out
}

// requestID does one request on a new connection and returns its status
// and X-Request-Id.
func requestID(t *testing.T, addr, req string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, req)
	b, _ := io.ReadAll(c)
	s := string(b)
	i := strings.Index(s, "X-Request-Id: ")
	if len(s) < 12 || i < 0 {
		t.Fatalf("%q", s)
	}
	return int(s[9]-'0')*100 + int(s[10]-'0')*10 + int(s[11]-'0'), s[i+14 : i+14+reqIDLen]
}

// Every request gets one line with its facts: a proxied 200, an auth
// refusal and a limit refusal, each found by the X-Request-Id it returned.
func TestAccessLogLines(t *testing.T) {
	s, lg, dir := startLoggedServer(t, 0)
	type sent struct {
		status int
		id     string
	}
	var got []sent
	for _, req := range []string{
		"GET /release/p?q=1 HTTP/1.1\r\nHost: service-t.localhost\r\nConnection: close\r\n\r\n",
		"GET /release/k HTTP/1.1\r\nHost: service-t.localhost\r\nConnection: close\r\n\r\n",
		signedGetClose("/release/k"),
		"GET /release/l HTTP/1.1\r\nHost: service-t.localhost\r\nConnection: close\r\n\r\n",
		"GET /release/l HTTP/1.1\r\nHost: service-t.localhost\r\nConnection: close\r\n\r\n",
		"GET /release/l HTTP/1.1\r\nHost: service-t.localhost\r\nConnection: close\r\n\r\n",
		"GET /release/zzz HTTP/1.1\r\nHost: service-t.localhost\r\nConnection: close\r\n\r\n",
	} {
		st, id := requestID(t, s.Addr(), req)
		got = append(got, sent{st, id})
	}
	waitFor(t, "requests finished", func() bool { return s.Inflight() == 0 })
	if err := lg.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := logLines(t, dir)
	if len(lines) != len(got) || lg.Dropped() != 0 {
		t.Fatalf("%d lines, %d dropped, want %d lines", len(lines), lg.Dropped(), len(got))
	}
	byID := map[string]map[string]any{}
	for _, m := range lines {
		byID[m["req_id"].(string)] = m
	}
	check := func(i int, status int, fields map[string]any) {
		t.Helper()
		if got[i].status != status {
			t.Fatalf("request %d: status %d, want %d", i, got[i].status, status)
		}
		m := byID[got[i].id]
		if m == nil {
			t.Fatalf("request %d (%s): no line", i, got[i].id)
		}
		for k, v := range fields {
			if m[k] != v {
				t.Errorf("request %d: %s = %v, want %v (line %v)", i, k, m[k], v, m)
			}
		}
		if m["status"] != float64(status) || m["bytes_in"].(float64) <= 0 || m["bytes_out"].(float64) <= 0 || m["client_ip"] != "127.0.0.1" {
			t.Errorf("request %d: line %v", i, m)
		}
	}
	up := lines[0]["upstream"]
	check(0, 200, map[string]any{"service": "service-t", "env": "release", "api_id": "api-ok", "method": "GET",
		"path": "/release/p", "host": "service-t.localhost", "ups_status": float64(200), "err_code": nil, "limit": nil})
	if up == nil || byID[got[0].id]["backend_latency"] == nil {
		t.Errorf("proxied line without upstream or backend latency: %v", byID[got[0].id])
	}
	check(1, 401, map[string]any{"api_id": "api-key", "err_code": "MissingAuthorization", "upstream": nil, "subject": nil})
	check(2, 200, map[string]any{"api_id": "api-key", "subject": testKeyID})
	check(3, 200, map[string]any{"api_id": "api-lim", "limit": "pass"})
	check(5, 429, map[string]any{"api_id": "api-lim", "limit": "plugin:plugin-ip", "err_code": "RateLimitExceeded"})
	check(6, 404, map[string]any{"api_id": nil, "err_code": "ApiNotFound", "path": "/release/zzz"})
}

// signedGetClose is signedGet on a connection to be closed.
func signedGetClose(path string) string {
	r := signedGet(path)
	return strings.TrimSuffix(r, "\r\n") + "Connection: close\r\n\r\n"
}

// A ring that is full drops the line and counts it; the loop goes on:
// with rings of 2 slots, lines written + dropped == requests.
func TestAccessLogDropsCounted(t *testing.T) {
	s, lg, dir := startLoggedServer(t, 2)
	rt := newRoundTripper(t, s.Addr(), "GET /release/m HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n")
	const n = 3000
	for range n {
		if code, err := rt.do(); err != nil || code != 200 {
			t.Fatal(code, err)
		}
	}
	waitFor(t, "requests finished", func() bool { return s.Inflight() == 0 })
	if err := lg.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := len(logLines(t, dir))
	if int64(lines)+lg.Dropped() != n {
		t.Errorf("%d lines + %d dropped, want %d", lines, lg.Dropped(), n)
	}
	t.Logf("%d lines, %d dropped", lines, lg.Dropped())
}

// Behind a trusted proxy the line names the client X-Forwarded-For gives,
// on an API that has no IP rule asking for it.
func TestAccessLogTrustedProxyClient(t *testing.T) {
	s, lg, dir := startLoggedServer(t, 0, func(c *Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	st, id := requestID(t, s.Addr(), "GET /release/m HTTP/1.1\r\nHost: service-t.localhost\r\nX-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n")
	waitFor(t, "requests finished", func() bool { return s.Inflight() == 0 })
	if err := lg.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := logLines(t, dir)
	if st != 200 || len(lines) != 1 || lines[0]["req_id"] != id || lines[0]["client_ip"] != "203.0.113.9" {
		t.Errorf("status %d, lines %v", st, lines)
	}
}

// The connection's fields of a line: vip is the address the client
// reached (the socket's own behind a wildcard listener), tcp_rtt the
// kernel's round trip, backend_connect only on the request that dialed
// (the next one on the same loop reuses the pooled connection).
func TestAccessLogConnectionFields(t *testing.T) {
	for _, listen := range []string{"", "0.0.0.0:0"} {
		t.Run("listen="+listen, func(t *testing.T) {
			s, lg, dir := startLoggedServer(t, 0, func(c *Config) { c.Loops = 1; c.Listen = listen })
			_, port, _ := net.SplitHostPort(s.Addr())
			c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			for i := 0; i < 2; i++ {
				io.WriteString(c, "GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n")
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("request %d: %s", i, resp.Status)
				}
			}
			waitFor(t, "requests finished", func() bool { return s.Inflight() == 0 })
			if err := lg.Flush(); err != nil {
				t.Fatal(err)
			}
			lines := logLines(t, dir)
			if len(lines) != 2 {
				t.Fatalf("%d lines: %v", len(lines), lines)
			}
			for i, m := range lines {
				if m["vip"] != "127.0.0.1:"+port {
					t.Errorf("line %d: vip %v, want 127.0.0.1:%s", i, m["vip"], port)
				}
				if rtt, _ := m["tcp_rtt"].(float64); rtt <= 0 || rtt > 1 {
					t.Errorf("line %d: tcp_rtt %v", i, m["tcp_rtt"])
				}
			}
			if bc, _ := lines[0]["backend_connect"].(float64); bc <= 0 || bc > 5 {
				t.Errorf("first line (dialed): backend_connect %v", lines[0]["backend_connect"])
			}
			if bc, ok := lines[1]["backend_connect"]; ok {
				t.Errorf("second line (pooled): backend_connect %v", bc)
			}
		})
	}
}

// Reading the round trip (once a second per logged connection) does not
// allocate either, and reads a real value from a connected socket.
func TestTCPRTTAllocs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := c.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.Fd())
	if us, ok := tcpRTT(fd); !ok || us == 0 {
		t.Fatalf("tcpRTT = %d, %v", us, ok)
	}
	if n := testing.AllocsPerRun(1000, func() { tcpRTT(fd) }); n != 0 {
		t.Fatalf("%v allocations per reading", n)
	}
	if _, ok := tcpRTT(-1); ok {
		t.Fatal("a bad descriptor read")
	}
}
