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
// defect 4). ReusePort opts in to that sharing.
func TestStartRefusesAnOwnedAddress(t *testing.T) {
	addr := ownerListening(t)
	snap, err := snapshot.Compile(&model.Published{BaseDomain: model.DefaultBaseDomain})
	if err != nil {
		t.Fatal(err)
	}
	start := func(reuse bool) (*Server, error) {
		s, err := New(Config{Listen: addr, Loops: 1, ReusePort: reuse}, snap, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return s, s.Start()
	}
	if _, err := start(false); !errors.Is(err, ErrAddrInUse) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Start on an owned address: %v, want ErrAddrInUse naming %s", err, addr)
	}
	s, err := start(true)
	if err != nil {
		t.Fatalf("Start with ReusePort beside a SO_REUSEPORT owner: %v", err)
	}
	if err := s.Shutdown(timeoutCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
}
