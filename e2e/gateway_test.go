package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// gateway is an edgegate serving the test service: a `run` process with
// a config file (startGateway), or the edge of a control plane (cp.edge).
type gateway struct {
	*proc  // nil for cp.edge
	t      *testing.T
	Addr   string // 127.0.0.1:port
	Config string // path of its --config file
	Host   string // the service's default domain
}

// testService is the ServiceId the test configs use.
const testService = "service-e2e"

// startGateway runs edgegate with the config (YAML) and extra flags.
func startGateway(t *testing.T, config string, flags ...string) *gateway {
	t.Helper()
	dir := t.TempDir()
	g := &gateway{t: t, Addr: freeAddr(t), Config: filepath.Join(dir, "config.yaml"), Host: testService + ".localhost"}
	if err := os.WriteFile(g.Config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"run", "--data", filepath.Join(dir, "data"), "--listen", g.Addr,
		"--admin-listen", "", "--config", g.Config}, flags...)
	g.proc = launch(t, exec.Command(gatewayBin, args...))
	g.waitListening(g.Addr)
	return g
}

// reload writes config and sends SIGHUP; it returns once the gateway has
// logged the reload, or its failure.
func (g *gateway) reload(config string) {
	g.t.Helper()
	if err := os.WriteFile(g.Config, []byte(config), 0o600); err != nil {
		g.t.Fatal(err)
	}
	reloads := func() int {
		log := g.logs.String()
		return strings.Count(log, "msg=reloaded") + strings.Count(log, "reload failed")
	}
	n := reloads()
	g.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(g.t, 10*time.Second, "the reload", func() bool { return reloads() > n })
}

// config renders a service config whose APIs point at up.
func config(up *upstreamProc, extraAPIs string) string {
	return fmt.Sprintf(`
Services:
  - ServiceId: %s
    Environments: [release, test]
    Apis:
      - {ApiId: api-echo, RequestConfig: {Path: /echo, Method: ANY}, ServiceType: HTTP, ServiceTimeout: 10, ServiceConfig: {Url: "http://%s", Path: /echo}}
      - {ApiId: api-up, RequestConfig: {Path: /up, Method: ANY}, ServiceType: HTTP, ServiceTimeout: 10, ServiceConfig: {Url: "http://%[2]s", Path: /}}
      - {ApiId: api-raw, RequestConfig: {Path: /raw, Method: ANY}, ServiceType: HTTP, ServiceTimeout: 5, ServiceConfig: {Url: "http://%s", Path: /}}
      - {ApiId: api-mock, RequestConfig: {Path: /mock, Method: ANY}, ServiceType: MOCK, ServiceMockReturnMessage: mocked}
%s`, testService, up.HTTP, up.Raw, extraAPIs)
}

// rss reads the gateway's resident set size in KiB.
func (g *gateway) rss() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", g.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return -1
}

// url builds a URL on the gateway for the service's release environment.
func (g *gateway) url(path string) string {
	return "http://" + g.Addr + "/release" + path
}

// client returns a keep-alive client of its own (its own connections).
func (g *gateway) client() *http.Client { return clientFrom("") }

// clientFrom is a keep-alive client whose connections start at local (a
// loopback address; "" for any), so the gateway sees that client IP.
func clientFrom(local string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64, DialContext: d.DialContext}}
}

// httpc is the client for requests that need no client of their own.
var httpc = &http.Client{Timeout: 30 * time.Second}

// request builds a request to path in the release environment with the
// service's Host and the headers hdr.
func (g *gateway) request(method, path string, body io.Reader, hdr map[string]string) *http.Request {
	req, err := http.NewRequest(method, g.url(path), body)
	if err != nil {
		panic(err) // the tests' own paths
	}
	req.Host = g.Host
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return req
}

// do performs a request; hdr are name, value pairs.
func (g *gateway) do(c *http.Client, method, path string, body io.Reader, hdr ...string) *http.Response {
	g.t.Helper()
	resp, err := c.Do(g.request(method, path, body, pairs(hdr)))
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

func pairs(kv []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// answer is a whole response as the tests look at it.
type answer struct {
	status    int
	h         http.Header
	body      string
	code, msg string // a gateway-made refusal's error code and message
}

func (a answer) String() string {
	return fmt.Sprintf("%d %s %q %.200q", a.status, a.code, a.msg, a.body)
}

// send performs a request and reads the whole answer. It does not fail
// the test (it may run in a poll or another goroutine): a transport
// error is status 0, the error as the body.
func (g *gateway) send(c *http.Client, method, path string, body io.Reader, hdr map[string]string) answer {
	return readAnswer(c.Do(g.request(method, path, body, hdr)))
}

// readAnswer reads a whole response (see send).
func readAnswer(resp *http.Response, err error) answer {
	if err != nil {
		return answer{body: err.Error()}
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	a := answer{status: resp.StatusCode, h: resp.Header, body: string(b)}
	if err != nil {
		a.body += " (read: " + err.Error() + ")"
	}
	if resp.StatusCode >= 400 {
		var e struct{ Code, Message string }
		json.Unmarshal(b, &e)
		a.code, a.msg = e.Code, e.Message
	}
	return a
}

// fetch is a request through httpc; hdr are name, value pairs.
func (g *gateway) fetch(method, path string, hdr ...string) answer {
	return g.send(httpc, method, path, nil, pairs(hdr))
}

// get is a GET through httpc; hdr are name, value pairs.
func (g *gateway) get(path string, hdr ...string) answer { return g.fetch("GET", path, hdr...) }

// is matches an answer by status and error code.
func is(status int, code string) func(answer) bool {
	return func(a answer) bool { return a.status == status && a.code == code }
}

// says matches a 200 answer with body.
func says(body string) func(answer) bool {
	return func(a answer) bool { return a.status == 200 && a.body == body }
}

// inEffect polls probe until ok holds for its answer, which it returns.
// A change made through the Action API (or a reload) must show within
// 1 s of since; the test errs past that and stops after 3 s. It logs the
// delay.
func inEffect(t *testing.T, what string, since time.Time, probe func() answer, ok func(answer) bool) answer {
	t.Helper()
	var a answer
	if !eventually(3*time.Second-time.Since(since), func() bool { a = probe(); return ok(a) }) {
		t.Fatalf("%s: still %v 3 s later", what, a)
	}
	d := time.Since(since)
	if d > time.Second {
		t.Errorf("%s: took %v, want < 1 s", what, d)
	}
	t.Logf("%s: in effect after %v", what, d.Round(10*time.Microsecond))
	return a
}

// raw opens a plain TCP connection to the gateway.
func (g *gateway) raw() net.Conn {
	g.t.Helper()
	c, err := net.DialTimeout("tcp", g.Addr, 5*time.Second)
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(func() { c.Close() })
	return c
}

// rawRequest sends req, exactly as written, on a new connection and
// reads one response.
func (g *gateway) rawRequest(t *testing.T, req string) (*http.Response, []byte) {
	t.Helper()
	conn := g.raw()
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, req)
	method, _, _ := strings.Cut(req, " ")
	return readResponse(t, bufio.NewReader(conn), method)
}

// rawGet is a GET of target (as written) with the service's Host.
func (g *gateway) rawGet(target string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: " + g.Host + "\r\n\r\n"
}

// readResponse reads one response from br.
func readResponse(t *testing.T, br *bufio.Reader, method string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, body
}

// decodeEcho reads what the upstream's /echo saw from a 200 answer.
func decodeEcho(t *testing.T, resp *http.Response) echoed {
	t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var e echoed
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	return e
}
