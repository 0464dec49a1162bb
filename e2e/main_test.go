package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/freeport"
)

// The harness: the binary under test, processes and their logs, and
// waiting. Tests never sleep to let something happen: they wait on an
// event (a process's exit, a line it prints, a port accepting) or poll
// the condition with eventually.

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

// eventually polls cond until it holds (true) or d has passed (false),
// looking again after 1 ms, then less often, up to every 50 ms.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for pause := time.Millisecond; !cond(); pause = min(2*pause, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
	}
	return true
}

// waitFor is eventually that fails the test, saying what did not happen.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if !eventually(d, cond) {
		t.Fatalf("%s: not within %v", what, d)
	}
}

// proc is a process under test, its output (in a file) and its exit.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	logs   procLog
	exited chan struct{} // closed at the exit
	err    error         // how it exited, once exited is closed
}

// procLog is a process's stdout and stderr, which it writes straight to
// a file: nothing to copy, nothing lost when it is killed.
type procLog string

func (l procLog) String() string {
	b, _ := os.ReadFile(string(l))
	return string(b)
}

// launch starts cmd. The test's cleanup stops it (SIGTERM, SIGKILL after
// 10 s) and shows its log when the test failed.
func launch(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() // the process has its own descriptor
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, logs: procLog(f.Name()), exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("%s log:\n%s", strings.Join(cmd.Args, " "), p.logs)
		}
	})
	return p
}

// exitedWithin waits up to d for the exit and reports whether it came.
func (p *proc) exitedWithin(d time.Duration) bool {
	select {
	case <-p.exited:
		return true
	case <-time.After(d):
		return false
	}
}

// stop sends sig (SIGKILL for a crash) and waits for the exit, killing
// the process after 10 s. It returns how the process exited.
func (p *proc) stop(sig syscall.Signal) error {
	p.cmd.Process.Signal(sig) // an error once it has exited: nothing to do
	if !p.exitedWithin(10 * time.Second) {
		p.cmd.Process.Kill()
		<-p.exited
	}
	return p.err
}

// waitListening waits until addr accepts connections; the test fails
// when the process exits first or after 15 s.
func (p *proc) waitListening(addr string) {
	p.t.Helper()
	var err error
	if !eventually(15*time.Second, func() bool {
		if p.exitedWithin(0) {
			p.t.Fatalf("%s exited (%v) before listening on %s:\n%s", p.cmd.Args[0], p.err, addr, p.logs)
		}
		var c net.Conn
		if c, err = net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
		}
		return err == nil
	}) {
		p.t.Fatalf("%s never listened: %v\n%s", addr, err, p.logs)
	}
}

// waitLog waits until the log holds more than n lines containing s.
func (p *proc) waitLog(s string, n int) {
	p.t.Helper()
	waitFor(p.t, 10*time.Second, fmt.Sprintf("log line %q", s), func() bool { return strings.Count(p.logs.String(), s) > n })
}

// startProc runs edgegate with args and waits until waitAddr listens.
func startProc(t *testing.T, waitAddr string, args ...string) *proc {
	t.Helper()
	p := launch(t, exec.Command(gatewayBin, args...))
	p.waitListening(waitAddr)
	return p
}

// freePort is a loopback port nothing listens on, never handed out twice
// in this test binary (internal/freeport).
func freePort(t *testing.T) int {
	t.Helper()
	port, err := freeport.Get()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// freeAddr is freePort as host:port.
func freeAddr(t *testing.T) string {
	t.Helper()
	return (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: freePort(t)}).String()
}
