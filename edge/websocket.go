package edge

import (
	"encoding/base64"

	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/http1"
	"github.com/panjf2000/gnet/v2"
)

// validWebSocketRequest checks the RFC 6455 §4.1 handshake fields the
// gateway can judge: GET over HTTP/1.1, no body, version 13, and a key that
// is the base64 of 16 bytes.
func validWebSocketRequest(req *http1.Request) bool {
	if string(req.Method) != "GET" || req.Minor != 1 || req.Chunked || req.ContentLength > 0 {
		return false
	}
	var key, version []byte
	keys := 0
	for i := range req.Headers {
		h := &req.Headers[i]
		switch {
		case ascii.EqualFold(h.Name, "sec-websocket-key"):
			key = h.Value
			keys++
		case ascii.EqualFold(h.Name, "sec-websocket-version"):
			version = h.Value
		}
	}
	if keys != 1 || string(version) != "13" || len(key) != 24 {
		return false
	}
	var raw [18]byte
	n, err := base64.StdEncoding.Decode(raw[:], key)
	return err == nil && n == 16
}

// startTunnel forwards the backend's 101 and turns both connections into
// a byte pipe.
func (u *upstream) startTunnel(r *http1.Response) {
	cl := u.cl
	l := u.l
	b := appendStatusLine(l.tmp[:0], 101, r.Reason)
	b = appendRelayed(b, r.Headers, false)
	b = append(b, "Connection: Upgrade\r\nUpgrade: websocket\r\nX-Request-Id: "...)
	b = append(b, cl.id[:]...)
	b = append(b, "\r\n\r\n"...)
	l.tmp = b[:0]
	u.t.ok()
	u.phase = upTunnel
	cl.state = stTunnel
	cl.ans = ansStarted
	cl.closeAfter = true
	cl.obsResponse(101)
	cl.write(b)
	cl.setDeadline(l.now()+u.cl.api.timeout, dlTunnel)
	// The client may have sent frames right behind its upgrade request.
	// A pause taken while they piled up behind it (limitBuffered) ends
	// with the wait: from here only the backend's back-pressure pauses.
	if !cl.dead && cl.rpaused && !cl.pausedForPeer {
		cl.resumeRead()
	}
	if !cl.dead {
		cl.pipe()
	}
}

// pipe forwards what the client sent to the backend (on TLS, record by
// record as the plaintext buffer empties).
func (cl *client) pipe() {
	u := cl.up
	if u == nil || u.dead || u.c == nil {
		cl.close()
		return
	}
	for {
		buf := cl.peek()
		if len(buf) == 0 {
			return
		}
		u.write(buf)
		if cl.dead {
			return
		}
		cl.discard(len(buf))
		cl.ob.in += int64(len(buf))
		if u.dead {
			return
		}
		if cl.tunnelMoved(u.c) {
			cl.pauseRead(true)
			return
		}
		if cl.tls == nil {
			return // gnet's Peek returned all it had
		}
	}
}

// pipeBuf forwards what the backend sent to the client (process goes on
// with the next records on TLS). It reports whether to go on.
func (u *upstream) pipeBuf(cl *client, buf []byte) bool {
	cl.write(buf)
	if u.dead {
		return false
	}
	u.discardIn(len(buf))
	if cl.dead {
		return false
	}
	if cl.tunnelMoved(cl.c) {
		u.pauseRead()
		cl.l.watchClient(cl)
		return false
	}
	return true
}

// tunnelMoved restarts the tunnel's idle time after bytes moved towards to
// and reports whether to's queue is past HighWater: then the sending side
// must pause until to drains.
func (cl *client) tunnelMoved(to gnet.Conn) bool {
	cl.setDeadline(cl.l.now()+cl.api.timeout, dlTunnel)
	return to.OutboundBuffered() > cl.l.s.cfg.HighWater
}
