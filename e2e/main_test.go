package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var gatewayBin string

func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == "upstream" {
		runUpstream()
		return
	}
	dir, err := os.MkdirTemp("", "edgegate-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gatewayBin = filepath.Join(dir, "edgegate")
	build := exec.Command("go", "build", "-o", gatewayBin, "../cmd/edgegate")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build edgegate:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// upstreamProc is the upstream role running in its own process.
type upstreamProc struct {
	HTTP, Raw string // host:port
}

func startUpstream(t *testing.T) *upstreamProc {
	t.Helper()
	return startUpstreamCmd(t, exec.Command(os.Args[0]))
}

// startUpstreamCmd runs cmd (this test binary, possibly wrapped, e.g. in
// "ip netns exec") in the upstream role and waits for its addresses.
func startUpstreamCmd(t *testing.T, cmd *exec.Cmd) *upstreamProc {
	t.Helper()
	cmd.Env = append(os.Environ(), roleEnv+"=upstream")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	br := bufio.NewReader(out)
	u := &upstreamProc{}
	for u.HTTP == "" || u.Raw == "" {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("upstream did not start: %v", err)
		}
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "HTTP" {
			u.HTTP = f[1]
		} else if len(f) == 2 && f[0] == "RAW" {
			u.Raw = f[1]
		}
	}
	return u
}

// gateway is an edgegate process under test.
type gateway struct {
	t      *testing.T
	cmd    *exec.Cmd
	Addr   string // 127.0.0.1:port
	Config string // path of its --config file
	Host   string // the test service's default domain
	logs   *lockedBuffer
	exited chan error
}

// testService is the ServiceId the test configs use.
const testService = "service-e2e"

// startGateway runs edgegate with the config (YAML) and extra flags.
func startGateway(t *testing.T, config string, flags ...string) *gateway {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := append([]string{"run", "--data", filepath.Join(dir, "data"), "--listen", addr,
		"--admin-listen", "", "--config", cfgPath}, flags...)
	cmd := exec.Command(gatewayBin, args...)
	logs := &lockedBuffer{}
	cmd.Stdout = logs
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g := &gateway{t: t, cmd: cmd, Addr: addr, Config: cfgPath, Host: testService + ".localhost", logs: logs, exited: make(chan error, 1)}
	go func() { g.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-g.exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-g.exited
		}
		if t.Failed() {
			t.Logf("gateway log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return g
		}
		select {
		case err := <-g.exited:
			t.Fatalf("gateway exited: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway did not listen: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lockedBuffer collects the gateway's log safely.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// url builds a URL on the gateway for the test service's release env.
func (g *gateway) url(path string) string {
	return "http://" + g.Addr + "/release" + path
}

// client returns an http.Client that sends the test service's Host.
func (g *gateway) client() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 64,
			DialContext:         (&net.Dialer{}).DialContext,
		},
	}
}

// get performs a request with the service Host header.
func (g *gateway) do(c *http.Client, method, path string, body io.Reader, hdr ...string) *http.Response {
	g.t.Helper()
	req, err := http.NewRequest(method, g.url(path), body)
	if err != nil {
		g.t.Fatal(err)
	}
	req.Host = g.Host
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
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

// config renders a service config whose APIs point at up.
func config(up *upstreamProc, extraAPIs string) string {
	return fmt.Sprintf(`
Services:
  - ServiceId: %s
    Environments: [release, test]
    Apis:
      - ApiId: api-echo
        RequestConfig: {Path: /echo, Method: ANY}
        ServiceType: HTTP
        ServiceTimeout: 10
        ServiceConfig: {Url: "http://%s", Path: /echo}
      - ApiId: api-up
        RequestConfig: {Path: /up, Method: ANY}
        ServiceType: HTTP
        ServiceTimeout: 10
        ServiceConfig: {Url: "http://%s", Path: /}
      - ApiId: api-raw
        RequestConfig: {Path: /raw, Method: ANY}
        ServiceType: HTTP
        ServiceTimeout: 5
        ServiceConfig: {Url: "http://%s", Path: /}
      - ApiId: api-mock
        RequestConfig: {Path: /mock, Method: ANY}
        ServiceType: MOCK
        ServiceMockReturnMessage: mocked
%s`, testService, up.HTTP, up.HTTP, up.Raw, extraAPIs)
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
