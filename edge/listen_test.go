package edge

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// ownerListening is another gateway's listener: SO_REUSEPORT on loopback,
// open until the test ends. It returns its address.
func ownerListening(t *testing.T) string {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); err != nil {
			return err
		}
		return serr
	}}
	owner, err := lc.Listen(timeoutCtx(t, 5*time.Second), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close() })
	return owner.Addr().String()
}

// TestStartRefusesAnOwnedAddress: gnet binds with SO_REUSEPORT, so without
// the probe a second gateway would share the port of the first (issue 11,
// defect 4). ReusePort opts in to that sharing. The HTTPS listener is
// checked the same way.
func TestStartRefusesAnOwnedAddress(t *testing.T) {
	snap, err := snapshot.Compile(&model.Published{BaseDomain: model.DefaultBaseDomain})
	if err != nil {
		t.Fatal(err)
	}
	for _, https := range []bool{false, true} {
		addr := ownerListening(t)
		start := func(reuse bool) (*Server, error) {
			cfg := Config{Listen: addr, Loops: 1, ReusePort: reuse}
			if https {
				cfg.Listen, cfg.TLSListen = "127.0.0.1:0", addr
			}
			s, err := New(cfg, snap, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			return s, s.Start()
		}
		if _, err := start(false); !errors.Is(err, ErrAddrInUse) || !strings.Contains(err.Error(), addr) {
			t.Fatalf("https %v: Start on an owned address: %v, want ErrAddrInUse naming %s", https, err, addr)
		}
		s, err := start(true)
		if err != nil {
			t.Fatalf("https %v: Start with ReusePort beside a SO_REUSEPORT owner: %v", https, err)
		}
		if err := s.Shutdown(timeoutCtx(t, 5*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
}
