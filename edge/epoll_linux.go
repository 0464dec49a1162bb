package edge

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// gnet keeps reading every socket it owns (gnet #712, #676), so a fast
// sender can fill memory. These helpers reach under gnet to the loop's
// epoll set: pausing removes EPOLLIN from one socket's registration and
// resuming restores it. gnet (v2.10.0, default build) stores the fd as the
// epoll data, which is what they write too. gnet's own write path re-arms
// EPOLLIN when it drains; handlers pause again when that happens.

// findEpoll returns the epoll descriptor in whose interest list fd is, by
// reading /proc/self/fdinfo (once per event loop), or -1.
func findEpoll(fd int) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	want := strconv.Itoa(fd)
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if link, err := os.Readlink("/proc/self/fd/" + e.Name()); err != nil || link != "anon_inode:[eventpoll]" {
			continue
		}
		for _, tfd := range epollTargets(n) {
			if tfd == want {
				return n
			}
		}
	}
	return -1
}

// epollTargets lists the fds registered in epoll set epfd.
func epollTargets(epfd int) []string {
	f, err := os.Open("/proc/self/fdinfo/" + strconv.Itoa(epfd))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "tfd:" {
			out = append(out, fields[1])
		}
	}
	return out
}

// setReading arms or disarms EPOLLIN for fd, keeping EPOLLOUT when gnet
// still has bytes to send.
func setReading(epfd, fd int, on, outPending bool) {
	var ev uint32
	if on {
		ev = unix.EPOLLIN | unix.EPOLLPRI
	}
	if outPending {
		ev |= unix.EPOLLOUT
	}
	_ = unix.EpollCtl(epfd, unix.EPOLL_CTL_MOD, fd, &unix.EpollEvent{Events: ev, Fd: int32(fd)})
}

// shutdownWrite sends FIN after what is queued in the kernel.
func shutdownWrite(fd int) error { return unix.Shutdown(fd, unix.SHUT_WR) }

// stopListening takes every listening socket on port out of the event
// loops' epoll sets and shuts it down, so the kernel refuses new
// connections (and SO_REUSEPORT hands them to another process on the same
// port, if one listens) while connections in flight finish. gnet still
// closes the descriptors when the engine stops.
func stopListening(port int) error {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return err
	}
	stopped := 0
	for _, e := range ents {
		epfd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if link, err := os.Readlink("/proc/self/fd/" + e.Name()); err != nil || link != "anon_inode:[eventpoll]" {
			continue
		}
		for _, s := range epollTargets(epfd) {
			fd, err := strconv.Atoi(s)
			if err != nil || !listeningOn(fd, port) {
				continue
			}
			_ = unix.EpollCtl(epfd, unix.EPOLL_CTL_DEL, fd, nil)
			// Linux: SHUT_RD on a listener stops it (inet_shutdown → tcp_disconnect).
			if err := unix.Shutdown(fd, unix.SHUT_RD); err != nil {
				return fmt.Errorf("shutdown listener fd %d: %w", fd, err)
			}
			stopped++
		}
	}
	if stopped == 0 {
		return errors.New("no listener found")
	}
	return nil
}

func listeningOn(fd, port int) bool {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	if err != nil || v != 1 {
		return false
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return false
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Port == port
	case *unix.SockaddrInet6:
		return a.Port == port
	}
	return false
}
