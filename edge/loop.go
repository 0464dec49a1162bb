package edge

import (
	"context"

	"github.com/panjf2000/gnet/v2"

	"github.com/edgegate/edgegate/accesslog"
	"github.com/edgegate/edgegate/backendsign"
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/router"
)

// loop is the state one gnet event loop owns. Everything here is touched
// only on that loop's goroutine, so none of it is locked.
type loop struct {
	s   *Server
	el  gnet.EventLoop
	idx int

	// Per-request scratch, reused by every request on this loop.
	req   http1.Request
	resp  http1.Response
	hdrs  []http1.Header
	rhdrs []http1.Header
	rreq  router.Request
	rres  router.Result
	rb    router.Backend
	sys   router.System
	w     writer
	tmp   []byte
	hex   [24]byte
	auth  authLoop // auth.go: verifier, token cache, header view
	lim   limLoop  // limits.go: steps scratch, condition view
	z     zLoop    // compress.go: encoder pool, output scratch

	// peek.go: the limiter keys a batch's requests are guessed to need.
	peek   []uint64
	peeked int64 // keys touched (tests)

	// TLS (tls.go): the records being sealed, and the plaintext buffers
	// lent to connections that have unread bytes.
	seal                    []byte
	plainFree, plainFreeBig [][]byte

	ids reqIDGen

	clients  *client // intrusive list of open client connections
	pools    []pool  // idle upstream connections, by target id
	cursors  []uint32
	freeBufs [][]byte

	// busy counts handler frames on the stack; connections closed while it
	// is non-zero are finished by exit, so a close that happens inside a
	// Write never re-enters the code that called Write.
	busy     int
	deferred []closer

	// watch holds clients with a paused side, or waiting to flush and close.
	watch     []*client
	lastSweep int64

	tickTask, drainTask gnet.Runnable

	ctr counters // this loop's counts (stats.go)
	obs loopObs  // per-API, refusal and backend counts (obs.go)
	// headN is the length of the request head being handled (readHead),
	// for obsBegin; 0 outside handle.
	headN int
	pnow  int64           // the precise clock when the current callback began
	wall  wallClock       // clock.go: the Date header and unix seconds
	alog  *accesslog.Ring // this loop's access-log ring; nil: the log is off

	bsign *backendsign.Signer // backendsign.go: made on first use
}

type closer interface{ closed() }

func newLoop(s *Server, el gnet.EventLoop, idx int) *loop {
	l := &loop{s: s, el: el, idx: idx}
	n := s.cfg.Limits.MaxHeaders
	l.hdrs = make([]http1.Header, 0, n)
	l.rhdrs = make([]http1.Header, 0, n)
	l.w.buf = make([]byte, 0, writerCap)
	l.tmp = make([]byte, 0, 4096)
	l.peek = make([]uint64, 0, peekMax)
	if s.tlsSrv != nil {
		l.seal = make([]byte, 0, sealCap)
	}
	l.ids.init()
	s.growObs(l)
	if s.cfg.AccessLog != nil {
		l.alog = s.cfg.AccessLog.Ring(idx)
	}
	l.tickTask = gnet.RunnableFunc(func(context.Context) error { l.tick(); return nil })
	l.drainTask = gnet.RunnableFunc(func(context.Context) error { l.drain(); return nil })
	return l
}

func (l *loop) execute(r gnet.Runnable) {
	_ = l.el.Execute(context.Background(), r)
}

func (l *loop) enter() {
	if l.busy == 0 {
		l.pnow = l.s.clk.preciseNow() // obs.go: one clock read per callback
	}
	l.busy++
}

func (l *loop) exit() {
	if l.busy == 1 {
		for len(l.deferred) > 0 {
			x := l.deferred[len(l.deferred)-1]
			l.deferred[len(l.deferred)-1] = nil
			l.deferred = l.deferred[:len(l.deferred)-1]
			x.closed()
		}
	}
	l.busy--
}

// onClosed is gnet's OnClose for either kind of connection.
func (l *loop) onClosed(x closer, err error) {
	switch v := x.(type) {
	case *client:
		v.dead, v.closeErr = true, err
	case *upstream:
		v.dead, v.closeErr = true, err
	}
	if l.busy > 0 {
		l.deferred = append(l.deferred, x)
		return
	}
	l.enter()
	x.closed()
	l.exit()
}

// getBuf lends a buffer for an upstream request head.
func (l *loop) getBuf() []byte {
	if n := len(l.freeBufs); n > 0 {
		b := l.freeBufs[n-1]
		l.freeBufs = l.freeBufs[:n-1]
		return b[:0]
	}
	return make([]byte, 0, 1024)
}

func (l *loop) putBuf(b []byte) {
	if cap(b) == 0 || cap(b) > 64<<10 || len(l.freeBufs) >= 1024 {
		return
	}
	l.freeBufs = append(l.freeBufs, b[:0])
}

func (l *loop) addClient(cl *client) {
	cl.next = l.clients
	if l.clients != nil {
		l.clients.prev = cl
	}
	l.clients = cl
}

func (l *loop) removeClient(cl *client) {
	if cl.prev != nil {
		cl.prev.next = cl.next
	} else if l.clients == cl {
		l.clients = cl.next
	}
	if cl.next != nil {
		cl.next.prev = cl.prev
	}
	cl.prev, cl.next = nil, nil
}

// watchClient puts cl on the list the 1 ms tick looks at.
func (l *loop) watchClient(cl *client) {
	if cl.watched {
		return
	}
	cl.watched = true
	cl.outMark, cl.outProgress = cl.c.OutboundBuffered(), l.now()
	l.watch = append(l.watch, cl)
	l.ctr.add(cPaused, 1)
}

const sweepEvery = 100e6 // ns between timeout sweeps

// tick runs on the loop every tick of the engine's ticker.
func (l *loop) tick() {
	l.enter()
	defer l.exit()
	now := l.now()
	for i := 0; i < len(l.watch); {
		cl := l.watch[i]
		if cl.checkWatch(now) {
			i++
			continue
		}
		cl.watched = false
		l.ctr.add(cPaused, -1)
		last := len(l.watch) - 1
		l.watch[i] = l.watch[last]
		l.watch[last] = nil
		l.watch = l.watch[:last]
	}
	if now-l.lastSweep < sweepEvery {
		return
	}
	l.lastSweep = now
	for cl := l.clients; cl != nil; {
		next := cl.next
		if cl.deadline != 0 && now >= cl.deadline {
			cl.onDeadline(now)
		}
		cl = next
	}
	for i := range l.pools {
		l.pools[i].prune(l, now)
	}
}

// drain starts a graceful shutdown on this loop: idle connections close
// now, busy ones after their current response.
func (l *loop) drain() {
	l.enter()
	defer l.exit()
	for cl := l.clients; cl != nil; {
		next := cl.next
		cl.closeAfter = true
		if !cl.inRequest() && cl.inbound() == 0 {
			cl.close()
		}
		cl = next
	}
}

// refusal renders the answer to a connection the gateway will not serve;
// OnOpen sends it and closes.
func (l *loop) refusal(f *failure) []byte {
	var id [reqIDLen]byte
	l.ids.next(&id)
	l.ctr.add(cGatewayErrors, 1)
	return appendError(l.tmp[:0], l.httpDate(), f, id[:], nil, true)
}
