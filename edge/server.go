package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"

	"github.com/edgegate/edgegate/limiter"
	"github.com/edgegate/edgegate/snapshot"
)

// Server is the edge engine. Create it with New, then Start it.
type Server struct {
	gnet.BuiltinEventEngine

	cfg Config
	log *slog.Logger
	clk *clock

	rt      atomic.Pointer[runtime]
	swapMu  sync.Mutex // one Swap at a time: build, store, commit
	targets targetRegistry

	eng     gnet.Engine
	running chan struct{} // closed by the first OnTick: the event loops run
	runOnce sync.Once
	stopped chan struct{}
	runErr  error
	port    int

	loopsMu sync.Mutex
	loops   atomic.Pointer[[]*loop]

	draining atomic.Bool
	// The request counts are per loop (stats.go); a swap is not a request.
	swaps atomic.Int64

	// Rate limiting (limits.go): counters and quotas by stable id, kept
	// across reloads; the key table, created on first need.
	lim    *limiter.Registry
	limMu  sync.Mutex
	limTab *limiter.Table

	serverTLS // HTTPS (tlsserver.go)

	obs obsRegistry // series numbers of the per-loop counts (obs.go)
}

// New prepares a Server that will serve snap.
func New(cfg Config, snap *snapshot.Snapshot, log *slog.Logger) (*Server, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("edge: listen address %q: %w", cfg.Listen, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return nil, fmt.Errorf("edge: listen address %q: bad port", cfg.Listen)
	}
	_ = host
	s := &Server{
		cfg:     cfg,
		log:     log,
		clk:     newClock(),
		running: make(chan struct{}),
		stopped: make(chan struct{}),
		port:    p,
	}
	s.targets.init(s)
	s.lim = limiter.NewRegistry(cfg.Loops)
	s.attachCluster()
	empty := []*loop{}
	s.loops.Store(&empty)
	if err := s.loadTLS(); err != nil {
		return nil, err
	}
	if err := s.Swap(snap); err != nil {
		return nil, err
	}
	if err := s.newTLSServer(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start listens and runs the event loops in the background. It returns once
// the engine accepts connections, or with the error that stopped it.
func (s *Server) Start() error {
	var err error
	if s.cfg.Listen, s.port, err = ownListen(s.cfg.Listen, s.port, s.cfg.ReusePort); err != nil {
		return err
	}
	addrs, err := s.listenAddrs()
	if err != nil {
		return err
	}
	s.startTLS()
	go func() {
		err := gnet.Rotate(s, addrs,
			gnet.WithMulticore(true),
			gnet.WithNumEventLoop(s.cfg.Loops),
			gnet.WithReusePort(true),
			// SO_REUSEADDR too, so that what this listener leaves behind
			// (TIME_WAIT, orphaned FIN_WAIT) does not block the next
			// start's plain probe: Linux lets a bind pass those only when
			// both sockets set it.
			gnet.WithReuseAddr(true),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithTicker(true),
			gnet.WithLogger(gnetLogger{s.log}),
			ioBatchOptions(&s.cfg),
		)
		s.runErr = err
		close(s.stopped)
	}()
	select {
	case <-s.running:
		s.log.Info("edge: event loops running", "loops", s.cfg.Loops, "io_batching", s.IOBatching())
		return nil
	case <-s.stopped:
		if s.runErr == nil {
			s.runErr = errors.New("edge: engine stopped during start")
		}
		return s.runErr
	}
}

// ownListen makes sure addr is free unless reuse allows sharing it: a
// plain socket (no SO_REUSEPORT) cannot bind where another one listens, so
// this probe finds the owner that gnet's SO_REUSEPORT bind would share the
// port with. The probe binds and never listens: a listening probe took
// connections (a client's, a readiness check's) into its backlog and
// reset them when it closed. Between its close and gnet's bind another
// probe could pass too: callers that need that window closed hold a lock
// on the address (cmd/edgegate). Port 0 is resolved here: gnet needs a
// fixed port for SO_REUSEPORT on every loop. It returns the address and
// its port.
func ownListen(addr string, port int, reuse bool) (string, int, error) {
	if port != 0 && reuse {
		return addr, port, nil
	}
	got, err := probeBind(addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return "", 0, fmt.Errorf("%w: another process listens on %s", ErrAddrInUse, addr)
	}
	if err != nil {
		return "", 0, err
	}
	if port == 0 {
		port = got
		host, _, _ := net.SplitHostPort(addr)
		addr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	return addr, port, nil
}

// probeBind binds a TCP socket to addr as net.Listen would (SO_REUSEADDR,
// so the TIME_WAIT and FIN_WAIT connections a killed gateway left pass;
// an unspecified host on a dual-stack IPv6 socket) without listening, and
// returns the port bound.
func probeBind(addr string) (int, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return 0, err
	}
	family, dual := unix.AF_INET6, false
	var sa unix.Sockaddr
	switch ip4 := ta.IP.To4(); {
	case ta.IP == nil || ta.IP.IsUnspecified():
		dual = true
		sa = &unix.SockaddrInet6{Port: ta.Port}
	case ip4 != nil:
		family = unix.AF_INET
		sa4 := &unix.SockaddrInet4{Port: ta.Port}
		copy(sa4.Addr[:], ip4)
		sa = sa4
	default:
		sa6 := &unix.SockaddrInet6{Port: ta.Port}
		copy(sa6.Addr[:], ta.IP.To16())
		sa = sa6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if dual && errors.Is(err, unix.EAFNOSUPPORT) { // no IPv6: an IPv4 wildcard, as Go falls back
		family, dual, sa = unix.AF_INET, false, &unix.SockaddrInet4{Port: ta.Port}
		fd, err = unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	}
	if err != nil {
		return 0, os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return 0, os.NewSyscallError("setsockopt", err)
	}
	if dual {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0); err != nil {
			return 0, os.NewSyscallError("setsockopt", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return 0, &net.OpError{Op: "listen", Net: "tcp", Addr: ta, Err: os.NewSyscallError("bind", err)}
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		return 0, os.NewSyscallError("getsockname", err)
	}
	switch a := got.(type) {
	case *unix.SockaddrInet4:
		return a.Port, nil
	case *unix.SockaddrInet6:
		return a.Port, nil
	}
	return 0, fmt.Errorf("edge: bound %s to an unexpected address", addr)
}

// Addr is the listening address.
func (s *Server) Addr() string { return s.cfg.Listen }

// Config returns the effective configuration (defaults filled in).
func (s *Server) Config() Config { return s.cfg }

// Revision is the revision of the installed snapshot.
func (s *Server) Revision() uint64 { return s.rt.Load().snap.Revision }

// Swap installs a new snapshot. Requests in flight finish on the one they
// started with; an identical snapshot is a no-op. The new runtime's
// targets are only planned while it is built, so a snapshot that fails
// to build leaves the targets, their checks and health as they were;
// targets are registered, checks started and unused targets retired only
// after the pointer store.
func (s *Server) Swap(snap *snapshot.Snapshot) error {
	if snap == nil {
		return errors.New("edge: nil snapshot")
	}
	s.swapMu.Lock()
	defer s.swapMu.Unlock()
	old := s.rt.Load()
	if old != nil && old.snap == snap {
		return nil
	}
	rt, plan, err := s.build(snap)
	if err != nil {
		return err
	}
	s.growAllObs() // before the store: the loops find their blocks sized
	s.rt.Store(rt)
	s.installCerts(rt)
	for _, w := range rt.certWarn {
		s.log.Warn("edge: " + w)
	}
	rt.commitQuotas()
	var replaced []*target
	if old != nil {
		replaced = old.targets
	}
	s.targets.commit(plan, replaced)
	s.lim.Sweep() // limits no rule asks for any more
	s.swaps.Add(1)
	return nil
}

// Shutdown drains: the listeners stop accepting, idle connections close,
// requests in flight finish (each connection closes after its response)
// until none remain or ctx ends; then the engine stops.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.draining.CompareAndSwap(false, true) {
		return errors.New("edge: already shutting down")
	}
	if err := s.eng.StopListening(); err != nil {
		s.log.Warn("edge: stopping the listeners failed; new connections are closed at once until exit", "err", err)
	}
	for _, l := range *s.loops.Load() {
		l.execute(l.drainTask)
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	var err error
wait:
	for s.Inflight() > 0 {
		select {
		case <-ctx.Done():
			err = fmt.Errorf("edge: drain ended with %d requests in flight: %w", s.Inflight(), ctx.Err())
			break wait
		case <-t.C:
		}
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if e := s.eng.Stop(stopCtx); e != nil && err == nil {
		err = e
	}
	select {
	case <-s.stopped:
	case <-stopCtx.Done():
	}
	s.stopTLS()
	s.targets.stopChecks()
	return err
}

// Done is closed when the engine has stopped.
func (s *Server) Done() <-chan struct{} { return s.stopped }

// OnBoot implements gnet.EventHandler.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	return gnet.None
}

// OnOpen implements gnet.EventHandler.
func (s *Server) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	if u, ok := c.Context().(*upstream); ok {
		u.onOpen(c)
		return nil, gnet.None
	}
	l := s.loopFor(c)
	if s.draining.Load() {
		return nil, gnet.Close
	}
	if s.cfg.AdmitConn != nil && !s.admitConn(c) {
		l.ctr.add(cConnsRefused, 1)
		return nil, gnet.Close
	}
	tls := s.isTLS(c)
	if s.sum(cConns) >= int64(s.cfg.MaxConns) {
		if tls {
			return nil, gnet.Close // no HTTP before a handshake
		}
		return l.refusal(errOverloaded), gnet.Close
	}
	l.ctr.add(cConns, 1)
	cl := l.openClient(c)
	if tls {
		cl.startTLS(s.tlsSrv)
	}
	return nil, gnet.None
}

// OnTraffic implements gnet.EventHandler.
func (s *Server) OnTraffic(c gnet.Conn) gnet.Action {
	switch x := c.Context().(type) {
	case *client:
		return x.onTraffic()
	case *upstream:
		return x.onTraffic()
	}
	return gnet.Close
}

// OnClose implements gnet.EventHandler.
func (s *Server) OnClose(c gnet.Conn, err error) gnet.Action {
	switch x := c.Context().(type) {
	case *client:
		x.l.ctr.add(cConns, -1)
		x.l.onClosed(x, err)
	case *upstream:
		x.l.onClosed(x, err)
	}
	return gnet.None
}

// idleTick is the engine's tick while no client is connected.
const idleTick = time.Second

// OnTick drives the per-loop sweeps: timeouts every sweepEvery, and
// back-pressure checks every millisecond while anything is paused.
func (s *Server) OnTick() (time.Duration, gnet.Action) {
	// gnet boots before it starts the loops; the ticker starts after them,
	// so from here on StopListening finds every listener.
	s.runOnce.Do(func() { close(s.running) })
	for _, l := range *s.loops.Load() {
		l.execute(l.tickTask)
	}
	if s.sum(cPaused) > 0 {
		return time.Millisecond, gnet.None
	}
	if s.sum(cConns) == 0 {
		// No client: only pool pruning is left. Each wake-up costs more
		// than the tick (the loops leave and re-enter their wait, and Go's
		// sysmon polls at 20 µs for a while after taking their P back), so
		// an idle gateway wakes once a second. A new connection's first
		// deadlines are then checked up to a second late.
		return idleTick, gnet.None
	}
	return 10 * time.Millisecond, gnet.None
}

// loopOf is the state of event loop el (nil before its first connection).
func (s *Server) loopOf(el gnet.EventLoop) *loop {
	for _, l := range *s.loops.Load() {
		if l.el == el {
			return l
		}
	}
	return nil
}

// loopFor finds (or on a loop's first connection creates) the state of the
// loop that owns c. Called on that loop.
func (s *Server) loopFor(c gnet.Conn) *loop {
	el := c.EventLoop()
	if l := s.loopOf(el); l != nil {
		return l
	}
	s.loopsMu.Lock()
	defer s.loopsMu.Unlock()
	old := *s.loops.Load()
	l := newLoop(s, el, len(old))
	next := append(append([]*loop(nil), old...), l)
	s.loops.Store(&next)
	return l
}
