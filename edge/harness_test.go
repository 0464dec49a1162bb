package edge

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// rawUpstream answers every request on every connection with one fixed
// response, using fixed buffers, so it allocates nothing per request.
type rawUpstream struct {
	ln   net.Listener
	resp []byte
}

func startRawUpstream(t testing.TB, body string) *rawUpstream {
	t.Helper()
	return startFixedUpstream(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"+body)
}

// startFixedUpstream answers every request with the bytes of resp.
func startFixedUpstream(t testing.TB, resp string) *rawUpstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &rawUpstream{ln: ln, resp: []byte(resp)}
	go acceptLoop(ln, u.serve)
	t.Cleanup(func() { ln.Close() })
	return u
}

// acceptLoop serves each connection ln accepts on its own goroutine,
// until ln closes.
func acceptLoop(ln net.Listener, serve func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go serve(c)
	}
}

func (u *rawUpstream) serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 64<<10)
	have := 0
	for {
		n, err := c.Read(buf[have:])
		if err != nil {
			return
		}
		have += n
		for {
			i := bytes.Index(buf[:have], []byte("\r\n\r\n"))
			if i < 0 {
				break
			}
			if _, err := c.Write(u.resp); err != nil {
				return
			}
			copy(buf, buf[i+4:have])
			have -= i + 4
		}
	}
}

// The config documents of these tests: the service service-t with APIs
// written by proxyAPI and mockAPI (YAML entries of its Apis list), and
// key-pair access for testKeyID under usage plans written by keyPlan.

const testKeyID, testKeySecret = "AKIDbench", "bench-secret-0123456789"

// serviceDoc is a config document: service-t with apis.
func serviceDoc(apis ...string) string {
	return "Services:\n  - ServiceId: service-t\n    Apis:\n" + strings.Join(apis, "")
}

// proxyAPI forwards GET path to upstream's "/"; authType "" is NONE.
func proxyAPI(id, path, upstream, authType string) string {
	auth := ""
	if authType != "" {
		auth = "\n        AuthType: " + authType
	}
	return fmt.Sprintf(`
      - ApiId: %s
        RequestConfig: {Path: %s, Method: GET}%s
        ServiceType: HTTP
        ServiceConfig: {Url: "http://%s", Path: /}
`, id, path, auth, upstream)
}

// mockAPI answers GET path with msg.
func mockAPI(id, path, msg string) string {
	return fmt.Sprintf(`
      - ApiId: %s
        RequestConfig: {Path: %s, Method: GET}
        ServiceType: MOCK
        ServiceMockReturnMessage: %s
`, id, path, msg)
}

// keyAccess is the Access section: testKeyID under plans.
func keyAccess(plans ...string) string {
	return "Access:\n  Keys:\n    - {SecretId: " + testKeyID + ", SecretKey: " + testKeySecret +
		", Status: 1}\n  Plans:\n" + strings.Join(plans, "")
}

// keyPlan is a usage plan of testKeyID with a quota and a QPS cap (-1: no
// limit), bound to the release environment, or to api alone when given.
func keyPlan(id string, quota, qps int64, api string) string {
	bind := ""
	if api != "" {
		bind = ", ApiId: " + api
	}
	return fmt.Sprintf(`    - UsagePlanId: %s
      MaxRequestNum: %d
      MaxRequestNumPreSec: %d
      SecretIds: [%s]
      Bindings: [{ServiceId: service-t, Environment: release%s}]
`, id, quota, qps, testKeyID, bind)
}

// startTestServer runs an in-process edge with one loop serving apis.
func startTestServer(t testing.TB, apis ...string) *Server {
	t.Helper()
	return startServer(t, serviceDoc(apis...), Config{Loops: 1}, nil, nil)
}

// startServer runs an in-process edge on loopback serving a whole config
// document, with IP control and traffic rules (plugins, strategies) when
// given.
func startServer(t testing.TB, doc string, cfg Config, ipc *model.IPControl, traffic *model.Traffic) *Server {
	t.Helper()
	p, err := model.ParseFile([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	p.IPControl, p.Traffic = ipc, traffic
	return startPublished(t, p, cfg)
}

// startPublished runs an in-process edge on loopback serving p (and, with
// cfg.TLSListen set, HTTPS on a free port).
func startPublished(t testing.TB, p *model.Published, cfg Config) *Server {
	t.Helper()
	snap, err := snapshot.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "0.0.0.0:0" { // the wildcard only where a test asks for it
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.TLSListen != "" {
		cfg.TLSListen = "127.0.0.1:0"
	}
	s, err := New(cfg, snap, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(timeoutCtx(t, 5*time.Second)) })
	return s
}

// noAllocs checks that rt's request, answered with code, allocates
// nothing in steady state (measured over the whole process, gnet's loop
// included) once warmed up.
func noAllocs(t *testing.T, rt *roundTripper, code int) {
	t.Helper()
	check := func() {
		if got, err := rt.do(); err != nil || got != code {
			t.Fatalf("%q: %d %v, want %d", rt.req[:min(len(rt.req), 30)], got, err, code)
		}
	}
	for range 200 { // warm the pools and buffers
		check()
	}
	if n := testing.AllocsPerRun(1000, check); n != 0 {
		t.Errorf("%q: %v allocations per request, want 0", rt.req[:min(len(rt.req), 30)], n)
	}
}

// roundTripper sends one fixed request and reads one response with fixed
// buffers (no allocation per call).
type roundTripper struct {
	c   net.Conn
	req []byte
	buf []byte
}

func newRoundTripper(t testing.TB, addr, req string) *roundTripper {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &roundTripper{c: c, req: []byte(req), buf: make([]byte, 64<<10)}
}

// do returns the status code of one round trip.
func (r *roundTripper) do() (int, error) {
	if _, err := r.c.Write(r.req); err != nil {
		return 0, err
	}
	have := 0
	for {
		n, err := r.c.Read(r.buf[have:])
		if err != nil {
			return 0, err
		}
		have += n
		head := bytes.Index(r.buf[:have], []byte("\r\n\r\n"))
		if head < 0 {
			continue
		}
		if bytes.Contains(r.buf[:head], []byte("\r\nTransfer-Encoding: chunked")) {
			end, ok := chunkedEnd(r.buf[head+4 : have])
			if !ok {
				continue
			}
			if head+4+end != have {
				return 0, fmt.Errorf("extra bytes after the response")
			}
			return int(r.buf[9]-'0')*100 + int(r.buf[10]-'0')*10 + int(r.buf[11]-'0'), nil
		}
		cl := contentLength(r.buf[:head])
		if have >= head+4+cl {
			if have != head+4+cl {
				return 0, fmt.Errorf("extra bytes after the response")
			}
			return int(r.buf[9]-'0')*100 + int(r.buf[10]-'0')*10 + int(r.buf[11]-'0'), nil
		}
	}
}

func contentLength(head []byte) int {
	i := bytes.Index(head, []byte("Content-Length: "))
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range head[i+16:] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// chunkedEnd returns the length of the chunked body (without trailer
// fields) at the start of b, and false while it is incomplete.
func chunkedEnd(b []byte) (int, bool) {
	pos := 0
	for {
		i := bytes.Index(b[pos:], []byte("\r\n"))
		if i < 0 {
			return 0, false
		}
		n := 0
		for _, c := range b[pos : pos+i] {
			switch {
			case '0' <= c && c <= '9':
				n = n*16 + int(c-'0')
			case 'a' <= c && c <= 'f':
				n = n*16 + int(c-'a'+10)
			case 'A' <= c && c <= 'F':
				n = n*16 + int(c-'A'+10)
			}
		}
		pos += i + 2
		if n == 0 {
			return pos + 2, len(b) >= pos+2
		}
		pos += n + 2
		if pos > len(b) {
			return 0, false
		}
	}
}
