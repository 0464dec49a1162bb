package e2e

import (
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

// mockConfig serves one MOCK API, no upstream needed.
const mockConfig = `
Services:
  - ServiceId: service-e2e
    Environments: [release]
    Apis:
      - ApiId: api-mock
        RequestConfig: {Path: /mock, Method: GET}
        ServiceType: MOCK
        ServiceMockReturnMessage: mocked
`

// edgeEnv gives `edgegate edge` credentials without a file: it starts from
// an empty state and follows an admin that need not be there.
var edgeEnv = []string{"EDGEGATE_SECRET_ID=AKIDownershiptest", "EDGEGATE_SECRET_KEY=ownership-test-secret-key"}

// refused runs edgegate and wants it to exit non-zero at start with an
// error holding every one of want. A process that starts serving instead
// fails the test at once (it would serve from its own state).
func refused(t *testing.T, env []string, want []string, args ...string) {
	t.Helper()
	cmd := exec.Command(gatewayBin, args...)
	cmd.Env = append(os.Environ(), env...)
	p := launch(t, cmd)
	deadline := time.Now().Add(20 * time.Second)
	for !p.exitedWithin(20 * time.Millisecond) {
		if strings.Contains(p.logs.String(), "serving") {
			p.stop(syscall.SIGKILL)
			t.Fatalf("edgegate %s started beside the owner of its address or data:\n%s", args[0], p.logs)
		}
		if time.Now().After(deadline) {
			p.stop(syscall.SIGKILL)
			t.Fatalf("edgegate %s neither served nor exited:\n%s", args[0], p.logs)
		}
	}
	out := p.logs.String()
	if p.err == nil {
		t.Fatalf("edgegate %s exited 0, want a refusal:\n%s", args[0], out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("edgegate %s: the refusal does not say %q:\n%s", args[0], w, out)
		}
	}
}

func writeConfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(mockConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestListenOwnership: a second gateway on the --listen of a running one
// fails at start naming the owner (gnet's SO_REUSEPORT bind would share the
// port silently, issue 11 defect 4), for run and edge alike, and for an
// owner that is not Edgegate; --reuse-port opts in to sharing.
func TestListenOwnership(t *testing.T) {
	g := startGateway(t, mockConfig)
	cfg := writeConfig(t)
	ownerPid := "pid " + strconv.Itoa(g.cmd.Process.Pid)
	deadControl := "http://127.0.0.1:" + strconv.Itoa(freePort(t))

	refused(t, nil, []string{"address in use", ownerPid, g.Addr, "--reuse-port"},
		"run", "--listen", g.Addr, "--admin-listen", "", "--config", cfg, "--data", t.TempDir())
	refused(t, nil, []string{"address in use", ownerPid, "--reuse-port"},
		"run", "--listen", g.Addr, "--admin-listen", "127.0.0.1:"+strconv.Itoa(freePort(t)), "--data", t.TempDir())
	refused(t, edgeEnv, []string{"address in use", ownerPid, "--reuse-port"},
		"edge", "--control", deadControl, "--listen", g.Addr, "--data", t.TempDir())

	// An owner that takes no lock: the bind probe finds it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	foreign := ln.Addr().String()
	refused(t, nil, []string{"address in use: another process listens on " + foreign, "--reuse-port"},
		"run", "--listen", foreign, "--admin-listen", "", "--config", cfg, "--data", t.TempDir())
	refused(t, edgeEnv, []string{"another process listens on " + foreign},
		"edge", "--control", deadControl, "--listen", foreign, "--data", t.TempDir())

	// --reuse-port: the planned handover starts beside the first and serves.
	adminAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	p := startProc(t, adminAddr, "run", "--listen", g.Addr, "--admin-listen", adminAddr, "--config", cfg,
		"--data", t.TempDir(), "--reuse-port")
	if !eventually(10*time.Second, func() bool { return strings.Contains(p.logs.String(), "edgegate serving") }) {
		t.Fatalf("--reuse-port: not serving:\n%s", p.logs.String())
	}
	// The first gateway's lock still names it to a third.
	refused(t, nil, []string{"address in use", ownerPid},
		"run", "--listen", g.Addr, "--admin-listen", "", "--config", cfg, "--data", t.TempDir())
}

// TestDataDirLock: an edge locks its --data like run and admin lock theirs:
// a second edge, or an edge beside run, fails at start naming the holder
// (issue 11 defect 5).
func TestDataDirLock(t *testing.T) {
	deadControl := "http://127.0.0.1:" + strconv.Itoa(freePort(t))
	data := t.TempDir()
	creds := `{"SecretId": "AKIDownershiptest", "SecretKey": "ownership-test-secret-key"}`
	if err := os.WriteFile(filepath.Join(data, "admin-credentials.json"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	e := startProc(t, addr, "edge", "--control", deadControl, "--listen", addr, "--data", data)
	edgePid := "pid " + strconv.Itoa(e.cmd.Process.Pid)

	other := "127.0.0.1:" + strconv.Itoa(freePort(t))
	refused(t, edgeEnv, []string{"data directory " + data + " is in use by " + edgePid, "edgegate edge --listen " + addr},
		"edge", "--control", deadControl, "--listen", other, "--data", data)
	refused(t, nil, []string{"data directory " + data + " is in use by " + edgePid},
		"run", "--listen", other, "--admin-listen", "127.0.0.1:"+strconv.Itoa(freePort(t)), "--data", data)

	// An edge beside run.
	cp := startControlPlane(t)
	refused(t, edgeEnv, []string{"data directory " + cp.Data + " is in use by pid " + strconv.Itoa(cp.cmd.Process.Pid), "edgegate run"},
		"edge", "--control", "http://"+cp.Admin, "--listen", other, "--data", cp.Data)
}

// TestRestartAfterKill: what a killed gateway leaves on its port (its
// accepted connections in FIN_WAIT or TIME_WAIT) is no owner: the next
// start on that port is not refused.
func TestRestartAfterKill(t *testing.T) {
	cfg := writeConfig(t)
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	args := []string{"run", "--listen", addr, "--admin-listen", "", "--config", cfg, "--data", t.TempDir()}
	p := startProc(t, addr, args...)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() // open, and not closed by us before the restart
	if _, err := c.Write([]byte("GET /release/mock HTTP/1.1\r\nHost: service-e2e.localhost\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 512)); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Kill()
	<-p.exited
	startProc(t, addr, args...)
}

// TestRestartDuringDrain: a gateway that drains (SIGTERM) has stopped
// listening and gives its address up, so the next one starts while the
// old one finishes the requests it holds.
func TestRestartDuringDrain(t *testing.T) {
	up := startUpstream(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(config(up, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	statsAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	old := startProc(t, statsAddr, "run", "--listen", addr, "--admin-listen", statsAddr, "--config", cfgPath, "--data", t.TempDir())
	old.waitListening(addr)
	done := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+addr+"/release/up/sleep?ms=3000", nil)
		req.Host = testService + ".localhost"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- resp.Status + " " + string(b)
	}()
	if !eventually(5*time.Second, func() bool {
		resp, err := http.Get("http://" + statsAddr + "/stats")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `"inflight":1`)
	}) {
		t.Fatal("the slow request never got in flight")
	}
	old.cmd.Process.Signal(syscall.SIGTERM)
	if !eventually(5*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	}) {
		t.Fatal("the draining gateway still accepts connections")
	}
	next := startProc(t, addr, "run", "--listen", addr, "--admin-listen", "", "--config", cfgPath, "--data", t.TempDir())
	if got := <-done; got != "200 OK slept" {
		t.Errorf("the request the old gateway held: %s", got)
	}
	if code, _ := edgeError(t, addr, testService+".localhost", "/release/mock"); code != 200 {
		t.Errorf("the new gateway answers %d\n%s", code, next.logs.String())
	}
}

// TestMakeRunDemoHints runs `make run` with other ports and data through
// ARGS, as the README's quick start shows, and then the two commands the
// demo prints, as printed: the curl reaches the demo API, and the ctl hint
// reaches the Action API on the --admin-listen and --data used (issue 11
// defect 7: ARGS was ignored, and the hint always named the defaults).
func TestMakeRunDemoHints(t *testing.T) {
	for _, tool := range []string{"make", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed (make test installs curl with apt-get)", tool)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	listen := "127.0.0.1:" + strconv.Itoa(freePort(t))
	tlsListen := "127.0.0.1:" + strconv.Itoa(freePort(t))
	// A wildcard admin address: the hint must turn it into one a client
	// can dial.
	adminPort := strconv.Itoa(freePort(t))
	data := filepath.Join(t.TempDir(), "data two")
	cmd := exec.Command("make", "--no-print-directory", "run",
		"ARGS=--listen "+listen+" --tls-listen "+tlsListen+" --admin-listen :"+adminPort+" --data '"+data+"'")
	cmd.Dir = root
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // make and the gateway it starts
	p := launch(t, cmd)
	// Runs before launch's own cleanup: make does not pass SIGTERM on to
	// the gateway it started, so signal the whole group.
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		if !p.exitedWithin(15 * time.Second) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	// The two hints, once printed (make builds the binary first).
	var h []string
	waitFor(t, 3*time.Minute, "the demo's curl and ctl hints", func() bool {
		if p.exitedWithin(0) {
			t.Fatalf("make run exited: %v\n%s", p.err, p.logs)
		}
		h = h[:0]
		for _, line := range strings.Split(p.logs.String(), "\n") {
			if s := strings.TrimSpace(line); strings.HasPrefix(s, "curl ") || strings.Contains(s, " ctl ") {
				h = append(h, s)
			}
		}
		return len(h) >= 3 // curl over HTTP, curl over HTTPS, ctl
	})
	// The gateway runs where ARGS said.
	if _, err := os.Stat(filepath.Join(data, "admin-credentials.json")); err != nil {
		t.Fatalf("--data from ARGS not used: %v\n%s", err, p.logs)
	}
	p.waitListening(listen)
	p.waitListening("127.0.0.1:" + adminPort)
	if !strings.Contains(h[0], ":"+listen[strings.LastIndexByte(listen, ':')+1:]+"/") {
		t.Errorf("the curl hint names another port than --listen %s: %s", listen, h[0])
	}
	run := func(line string) string {
		t.Helper()
		c := exec.Command("bash", "-c", line)
		c.Dir = root
		c.Env = append(os.Environ(), "EDGEGATE_SECRET_ID=", "EDGEGATE_SECRET_KEY=")
		b, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("the printed command %q failed: %v\n%s\ngateway:\n%s", line, err, b, p.logs)
		}
		return string(b)
	}
	if got := run(h[0]); !strings.Contains(got, "200 OK") || !strings.Contains(got, "hello from edgegate") {
		t.Errorf("%s:\n%s", h[0], got)
	}
	// The HTTPS hint: the demo's self-signed certificate, trusted through
	// the CA file it names.
	if !strings.Contains(h[1], "https://") || !strings.Contains(h[1], "--cacert") || !strings.Contains(h[1], ":"+tlsListen[strings.LastIndexByte(tlsListen, ':')+1:]+"/") {
		t.Errorf("the HTTPS hint: %s", h[1])
	}
	if got := run(h[1]); !strings.Contains(got, "200 OK") || !strings.Contains(got, "hello from edgegate") {
		t.Errorf("%s:\n%s", h[1], got)
	}
	if got := run(h[2]); !strings.Contains(got, `"ServiceName": "demo"`) {
		t.Errorf("%s:\n%s", h[2], got)
	}
}
