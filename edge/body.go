package edge

import "github.com/edgegate/edgegate/http1"

// The request body: pumped to the upstream as it arrives (re-framed when
// chunked), or read and discarded when nothing upstream wants it.

type bodyMode uint8

const (
	bodyNone bodyMode = iota
	bodyLength
	bodyChunked
)

// limitBuffered pauses reading while a request waits (for its response or
// its upstream connection) and bytes pile up behind it.
func (cl *client) limitBuffered() {
	n := cl.inbound()
	if n <= 2*cl.l.s.cfg.Limits.MaxHeaderBytes {
		return
	}
	cl.pauseRead(false)
}

// pumpBody moves request body bytes upstream (or discards them). It
// returns true when it made progress and processing may continue.
func (cl *client) pumpBody() bool {
	l := cl.l
	u := cl.up
	if cl.toUp && (u == nil || u.c == nil || u.dead) {
		cl.limitBuffered() // still connecting
		return false
	}
	buf := cl.peek()
	if len(buf) == 0 {
		return false
	}
	if cl.toUp {
		u.startWriter()
	}
	consumed := 0
	var bad *http1.Error
	switch cl.body {
	case bodyLength:
		k := int(min(int64(len(buf)), cl.bodyLeft))
		if cl.toUp {
			l.w.ref(buf[:k])
		}
		consumed = k
		cl.bodyLeft -= int64(k)
		if cl.bodyLeft == 0 {
			cl.state = stWait
		}
	case bodyChunked:
		for consumed < len(buf) && cl.state == stBody {
			n, ev, data, tr, err := cl.dec.Next(buf[consumed:])
			consumed += n
			if err != nil {
				bad = err
				break
			}
			if ev == http1.ChunkMore {
				break
			}
			if ev == http1.ChunkData {
				cl.bodyTotal += int64(len(data))
				if cl.bodyTotal > l.s.cfg.MaxBodyBytes {
					bad = &http1.Error{Status: errBodyTooLarge.status, Code: errBodyTooLarge.code, Msg: errBodyTooLarge.msg}
					break
				}
			}
			if cl.toUp {
				l.w.chunk(ev, data, &tr, true, &cl.zeroSent, &l.hex)
			}
			if ev == http1.ChunkDone {
				cl.state = stWait
			}
		}
	}
	if cl.toUp {
		l.w.flush()
		cl.sentBody = true
	}
	if cl.dead {
		return false
	}
	cl.discard(consumed)
	cl.ob.in += int64(consumed)
	if bad != nil {
		cl.bodyFailed(bad)
		return false
	}
	now := l.now()
	if cl.state == stBody {
		if cl.ans == ansNone || cl.dl == dlBody {
			cl.setDeadline(now+int64(l.s.cfg.BodyTimeout), dlBody)
		}
	} else if cl.up != nil {
		if cl.ans == ansNone {
			cl.setDeadline(now+cl.api.timeout, dlResponse)
		}
	} else if cl.ans == ansDone {
		cl.finishRequest() // a mock's body is drained
		return true
	}
	if cl.toUp && u.dead {
		return false
	}
	if cl.toUp && cl.state == stBody && u.c.OutboundBuffered() > l.s.cfg.HighWater {
		cl.pauseRead(true)
		return false
	}
	return consumed > 0
}

// bodyFailed handles an invalid or oversized request body.
func (cl *client) bodyFailed(e *http1.Error) {
	cl.abortPeer()
	cl.closeAfter = true
	if cl.ans != ansNone {
		cl.abort()
		return
	}
	cl.failParts(e.Status, e.Code, e.Msg, nil)
}
