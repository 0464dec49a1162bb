// Package redistest runs a real redis-server for tests (cluster-wide
// limits, issue 14): a free loopback port, no persistence
// (--save "" --appendonly no), killed when the test ends. `make deps`
// installs the Debian package redis-server.
package redistest

import (
	"net"
	"os/exec"
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
}

// Start runs redis-server with extra arguments (e.g. "--requirepass",
// "x") and waits until it listens.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not installed (make deps installs it): ", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, Addr: ln.Addr().String(), args: args}
	ln.Close()
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server and waits until it answers PING.
func (s *Server) Start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	s.cmd = exec.Command("redis-server", append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", s.t.TempDir()}, s.args...)...)
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

// Stop kills the server (SIGKILL: an outage, not a shutdown).
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}
