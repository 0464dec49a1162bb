package edge

import "time"

// An upstream attempt seen from the client: get a connection, send the
// head, and on failure retry once where that is safe or answer the error.

// connect gets t's pooled connection or dials a new one.
func (cl *client) connect(t *target) {
	l := cl.l
	cl.t = t
	if u := l.poolGet(t); u != nil {
		l.ctr.add(cUpstreamReused, 1)
		l.obs.addrs.at(t.obsAddr).reused.Add(1)
		cl.attach(u)
		cl.sendHead()
		return
	}
	u := &upstream{l: l, t: t}
	cl.attach(u)
	u.reused = false
	cl.setDeadline(l.now()+int64(l.s.cfg.ConnectTimeout)+int64(time.Second), dlDial)
	l.dial(u)
}

func (cl *client) attach(u *upstream) {
	cl.up = u
	u.cl = cl
	u.reused = true
	u.gotBytes = false
	u.phase = upHead
	u.parser.Reset()
}

// sendHead writes the upstream request head; the body follows in pumpBody.
func (cl *client) sendHead() {
	u := cl.up
	u.write(cl.head)
	if u.dead {
		return // closed() retries or fails the request
	}
	cl.obsSent()
	now := cl.l.now()
	if cl.state != stBody {
		cl.setDeadline(now+cl.api.timeout, dlResponse)
	} else {
		cl.setDeadline(now+int64(cl.l.s.cfg.BodyTimeout), dlBody)
	}
}

// upstreamFailed ends the upstream attempt: retry when allowed, else
// answer with f (or cut the client if the response had started).
// connectFailed means nothing reached the backend.
func (cl *client) upstreamFailed(f *failure, retryable, connectFailed bool) {
	cl.abortPeer()
	if cl.dead || !cl.inRequest() {
		return
	}
	if cl.ans != ansNone {
		cl.abort()
		return
	}
	l := cl.l
	if !cl.retried && !cl.sentBody {
		var next *target
		switch {
		case connectFailed:
			// Nothing was sent: any method may go to another target.
			next = l.pick(cl.api, cl.t)
		case retryable && cl.idempotent:
			// A pooled connection turned out stale (closed by the backend
			// before we wrote): resend once, on a fresh attempt.
			next = cl.t
		}
		if next != nil {
			if next != cl.t {
				cl.retarget(next)
			}
			cl.retried = true
			l.ctr.add(cRetries, 1)
			cl.connect(next)
			return
		}
	}
	cl.fail(f)
}
