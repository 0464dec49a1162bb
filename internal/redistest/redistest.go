// Package redistest runs a real redis-server for tests (cluster-wide
// limits, issue 14): a free loopback port, no persistence
// (--save "" --appendonly no), killed when the test ends. `make deps`
// installs the Debian package redis-server.
package redistest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Server is one redis-server process; Stop and Start kill and restart it
// on the same address (an outage that loses every key).
type Server struct {
	t    testing.TB
	Addr string
	cmd  *exec.Cmd
	args []string
	conf string // a sentinel's configuration file (StartSentinel)
}

// Start runs redis-server with extra arguments (e.g. "--requirepass",
// "x") and waits until it listens.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	return start(t, "", args)
}

func start(t testing.TB, conf string, args []string) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not installed (make deps installs it): ", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, Addr: ln.Addr().String(), args: args, conf: conf}
	ln.Close()
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// StartSentinel runs a Redis Sentinel (redis-server --sentinel) that
// monitors primary under name with a quorum of one, judging it down after
// a second without answer.
func StartSentinel(t testing.TB, name, primary string) *Server {
	t.Helper()
	host, port, err := net.SplitHostPort(primary)
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "sentinel.conf") // Sentinel rewrites it
	text := fmt.Sprintf("sentinel monitor %[1]s %[2]s %[3]s 1\nsentinel down-after-milliseconds %[1]s 1000\nsentinel failover-timeout %[1]s 10000\n", name, host, port)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return start(t, conf, nil)
}

// Start (re)starts the server and waits until it answers PING.
func (s *Server) Start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	argv := []string{"--port", port, "--bind", "127.0.0.1", "--dir", s.t.TempDir()}
	if s.conf != "" { // the configuration file first, then --sentinel
		argv = append([]string{s.conf, "--sentinel"}, argv...)
	} else {
		argv = append(append(argv, "--save", "", "--appendonly", "no"), s.args...)
	}
	s.cmd = exec.Command("redis-server", argv...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			c.Write([]byte("PING\r\n"))
			b := make([]byte, 7)
			n, _ := c.Read(b)
			c.Close()
			if n > 0 { // +PONG, or -NOAUTH with --requirepass
				return
			}
		}
	}
	s.t.Fatal("redis-server did not start on ", s.Addr)
}

// Pause stops the process (SIGSTOP) without closing its sockets: a server
// that accepts connections and answers nothing, as behind a network
// fault. Resume continues it.
func (s *Server) Pause()  { s.cmd.Process.Signal(syscall.SIGSTOP) }
func (s *Server) Resume() { s.cmd.Process.Signal(syscall.SIGCONT) }

// Stop kills the server (SIGKILL: an outage, not a shutdown).
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}
