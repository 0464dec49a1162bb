package edge

import (
	"net"

	"golang.org/x/sys/unix"
)

// Read back-pressure: a side whose peer cannot take more stops being read,
// so its bytes wait in the kernel and TCP slows the sender. gnet upstream
// reads every socket it owns (gnet #712, #676, #722); the pinned fork in
// third_party/gnet adds Conn.PauseRead/ResumeRead (see its PATCHES.md),
// which keep the pause through gnet's own write path. Both run on the
// connection's loop, as all of this package does. A connection whose
// reading cannot be switched is closed: it could not be bounded, or would
// stall.

// pauseRead stops reading from the client. forPeer: until the upstream
// drains what it was sent (upload, tunnel); otherwise until the request
// that the piled-up bytes wait behind ends.
func (cl *client) pauseRead(forPeer bool) {
	if cl.rpaused {
		cl.pausedForPeer = cl.pausedForPeer || forPeer
		return
	}
	if err := cl.c.PauseRead(); err != nil {
		cl.close()
		return
	}
	cl.rpaused, cl.pausedForPeer = true, forPeer
	cl.l.watchClient(cl)
}

func (cl *client) resumeRead() {
	if !cl.rpaused {
		return
	}
	cl.rpaused = false
	if err := cl.c.ResumeRead(); err != nil {
		cl.close()
	}
}

// pauseRead stops reading the upstream's response while the client drains.
func (u *upstream) pauseRead() {
	if u.rpaused {
		return
	}
	if err := u.c.PauseRead(); err != nil {
		u.close()
		return
	}
	u.rpaused = true
}

func (u *upstream) resumeRead() {
	if !u.rpaused {
		return
	}
	u.rpaused = false
	if u.dead {
		return
	}
	if err := u.c.ResumeRead(); err != nil {
		u.close()
	}
}

// shutdownWrite sends FIN after what is queued in the kernel (the start of
// a lingering close); the socket's own state, not gnet's.
func (cl *client) shutdownWrite() error {
	if cl.dead || cl.closeMe {
		return net.ErrClosed // the descriptor may already be gone
	}
	return unix.Shutdown(cl.c.Fd(), unix.SHUT_WR)
}
