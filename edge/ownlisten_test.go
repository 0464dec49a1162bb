package edge

import (
	"errors"
	"net"
	"strconv"
	"syscall"
	"testing"
)

// ownListen's probe binds without listening: it finds a listener on the
// address (specific or wildcard), resolves port 0, and leaves nothing
// behind that a client could connect to.
func TestOwnListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().(*net.TCPAddr).Port
	for _, addr := range []string{"127.0.0.1:" + strconv.Itoa(busy), ":" + strconv.Itoa(busy), "0.0.0.0:" + strconv.Itoa(busy)} {
		if _, _, err := ownListen(addr, busy, false); !errors.Is(err, ErrAddrInUse) {
			t.Errorf("ownListen(%s) beside a listener: %v, want ErrAddrInUse", addr, err)
		}
	}
	if a, p, err := ownListen(ln.Addr().String(), busy, true); err != nil || p != busy || a != ln.Addr().String() {
		t.Errorf("ownListen with reuse: %s %d %v", a, p, err)
	}
	addr, port, err := ownListen("127.0.0.1:0", 0, false)
	if err != nil || port == 0 || addr != "127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("ownListen(127.0.0.1:0) = %s %d %v", addr, port, err)
	}
	// The probe is gone and never listened: the port refuses.
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("%s accepts a connection after the probe", addr)
	}
	// A client dialing all along never reaches a probe (a listening probe
	// accepted it into its backlog, then reset it: the e2e readiness
	// checks took it for the gateway).
	stop, reached := make(chan struct{}), make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				reached <- n
				return
			default:
			}
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				n++
			} else if !errors.Is(err, syscall.ECONNREFUSED) {
				n++ // reset by a closing probe
			}
		}
	}()
	for range 2000 {
		if _, _, err := ownListen(addr, port, false); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	if n := <-reached; n > 0 {
		t.Errorf("%d dials reached a probe", n)
	}
	if _, _, err := ownListen("[::1]:0", 0, false); err != nil {
		t.Logf("IPv6 loopback: %v", err) // hosts without IPv6
	}
	if _, _, err := ownListen("no-such-host.invalid:80", 80, false); err == nil {
		t.Error("an unresolvable host passed")
	}
}
