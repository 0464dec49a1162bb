package edge

// Read back-pressure: a side whose peer cannot take more stops being read
// until the peer drains (HighWater/LowWater); epoll_linux.go does the
// pausing. Callers: limitBuffered, pumpBody and pipe pause a client;
// upstream.process and pipe pause an upstream; checkWatch resumes both.

func (cl *client) pauseRead(forPeer bool) {
	if cl.rpaused {
		cl.pausedForPeer = cl.pausedForPeer || forPeer
		return
	}
	if cl.l.epfd < 0 {
		return
	}
	cl.rpaused, cl.pausedForPeer = true, forPeer
	cl.applyPause()
	cl.l.watchClient(cl)
}

func (cl *client) applyPause() {
	setReading(cl.l.epfd, cl.c.Fd(), false, cl.c.OutboundBuffered() > 0)
}

func (cl *client) resumeRead() {
	if !cl.rpaused {
		return
	}
	cl.rpaused = false
	setReading(cl.l.epfd, cl.c.Fd(), true, cl.c.OutboundBuffered() > 0)
}

func (u *upstream) pauseRead() {
	if u.rpaused || u.l.epfd < 0 {
		return
	}
	u.rpaused = true
	u.applyPause()
}

func (u *upstream) applyPause() {
	setReading(u.l.epfd, u.c.Fd(), false, u.c.OutboundBuffered() > 0)
}

func (u *upstream) resumeRead() {
	if !u.rpaused {
		return
	}
	u.rpaused = false
	if u.dead {
		return
	}
	setReading(u.l.epfd, u.c.Fd(), true, u.c.OutboundBuffered() > 0)
}
