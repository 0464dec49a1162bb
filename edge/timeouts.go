package edge

import (
	"time"

	"github.com/edgegate/edgegate/http1"
)

// deadline kinds: what happens when a client's deadline passes.
type dlKind uint8

const (
	dlNone     dlKind = iota
	dlIdle            // keep-alive idle: close quietly
	dlHead            // request head incomplete: 408
	dlBody            // request body stalled: 408
	dlDial            // upstream connect: 504
	dlResponse        // upstream answer (head, or next body read): 504
	dlTunnel          // websocket idle: close both
	dlFlush           // client not reading what we queued: close
	dlLinger          // closing: stop waiting for the client's FIN
)

// lingerTime is how long a closing connection keeps reading (and
// discarding) after its last response, so the kernel doesn't answer unread
// request bytes with a RST that destroys the response (nginx lingering_close).
const lingerTime = 2 * time.Second

// setDeadline arms the client's one timer; the loop's sweep (every
// sweepEvery) calls onDeadline once it has passed.
func (cl *client) setDeadline(at int64, k dlKind) {
	cl.deadline, cl.dl = at, k
}

// onDeadline acts on a passed deadline (from the loop's sweep).
func (cl *client) onDeadline(now int64) {
	if cl.dead || cl.closeMe {
		return
	}
	cl.deadline = 0
	switch cl.dl {
	case dlIdle, dlFlush, dlLinger, dlTunnel:
		cl.abortPeer()
		cl.close()
	case dlHead:
		cl.beginRequest(now)
		cl.closeAfter = true
		cl.fail(errHeaderTimeout)
	case dlBody:
		cl.closeAfter = true
		if cl.ans != ansNone {
			cl.abortPeer()
			cl.abort()
			return
		}
		cl.bodyFailed(&http1.Error{Status: errBodyTimeout.status, Code: errBodyTimeout.code, Msg: errBodyTimeout.msg})
	case dlDial:
		if cl.t != nil {
			cl.t.fail(cl.l.now())
		}
		cl.upstreamFailed(errUpstreamConnTO, false, false)
	case dlResponse:
		if cl.t != nil {
			cl.t.fail(cl.l.now())
		}
		cl.upstreamFailed(errUpstreamTimeout, false, false)
	}
}

// checkWatch is the 1 ms look at a watched client: resume paused reading
// when the other side has drained, finish flush-and-close, cut a client
// that stopped reading. It returns false when nothing is left to watch.
func (cl *client) checkWatch(now int64) bool {
	if cl.dead || cl.closeMe {
		return false
	}
	l := cl.l
	out := cl.c.OutboundBuffered()
	if out < cl.outMark || out == 0 {
		cl.outProgress = now
	}
	cl.outMark = out
	if cl.state == stFlush || cl.state == stLinger {
		if out == 0 {
			cl.startLinger()
			return false
		}
		return true
	}
	u := cl.up
	// Response direction: upstream paused while the client drains.
	if u != nil && u.rpaused && !u.dead && out <= l.s.cfg.LowWater {
		u.resumeRead()
		if !u.dead {
			u.process() // bytes that arrived before the pause
		}
		u = cl.up // that may have ended the response and begun the next request
	}
	// Upload and tunnel direction: client paused while the upstream drains.
	// A body still to send counts as the peer's reason whatever paused the
	// reads: a pause taken while the connection was being dialed
	// (limitBuffered) must end once it is up and drained.
	forPeer := cl.pausedForPeer || (cl.state == stBody && cl.toUp)
	if cl.rpaused && forPeer && cl.inRequest() && u != nil && u.c != nil && !u.dead && u.c.OutboundBuffered() <= l.s.cfg.LowWater {
		cl.resumeRead()
		cl.process()
	}
	if cl.dead || cl.closeMe {
		return false
	}
	if out > 0 && now-cl.outProgress > int64(l.s.cfg.SendTimeout) {
		cl.abortPeer()
		cl.close()
		return false
	}
	return cl.rpaused || (cl.up != nil && cl.up.rpaused)
}
