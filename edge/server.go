package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"

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
	targets targetRegistry

	eng     gnet.Engine
	booted  chan struct{}
	stopped chan struct{}
	runErr  error
	stopClk chan struct{}
	port    int

	loopsMu sync.Mutex
	loops   atomic.Pointer[[]*loop]

	draining atomic.Bool
	conns    atomic.Int64 // open client connections
	inflight atomic.Int64 // requests between head and end of response
	paused   atomic.Int64 // connections with reading paused, all loops

	// Stats, all loops.
	Stats Stats

	// Rate limiting (limits.go): counters and quotas by stable id, kept
	// across reloads; the key table, created on first need.
	lim    *limiter.Registry
	limMu  sync.Mutex
	limTab *limiter.Table
}

// Stats counts what the engine did; read with the atomic loads.
type Stats struct {
	Requests      atomic.Int64
	GatewayErrors atomic.Int64 // gateway-made 4xx/5xx answers
	// FrontendErrors counts refusals by the access checks (IP control,
	// auth, flow control): the seed's 前端错误, not billed.
	FrontendErrors atomic.Int64
	ConnsRefused   atomic.Int64 // closed at accept by Config.AdmitConn
	UpstreamDials  atomic.Int64
	UpstreamReused atomic.Int64
	Retries        atomic.Int64
	Swaps          atomic.Int64
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
		booted:  make(chan struct{}),
		stopped: make(chan struct{}),
		stopClk: make(chan struct{}),
		port:    p,
	}
	s.targets.init(s)
	s.lim = limiter.NewRegistry(cfg.Loops)
	empty := []*loop{}
	s.loops.Store(&empty)
	if err := s.Swap(snap); err != nil {
		return nil, err
	}
	return s, nil
}

// Start listens and runs the event loops in the background. It returns once
// the engine accepts connections, or with the error that stopped it.
func (s *Server) Start() error {
	if s.port == 0 || !s.cfg.ReusePort {
		// A plain socket (no SO_REUSEPORT) cannot bind where another one
		// listens, so this probe finds the owner that gnet's SO_REUSEPORT
		// bind would share the port with. Between its close and gnet's
		// bind another probe could pass too: callers that need that
		// window closed hold a lock on the address (cmd/edgegate).
		ln, err := net.Listen("tcp", s.cfg.Listen)
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%w: another process listens on %s", ErrAddrInUse, s.cfg.Listen)
		}
		if err != nil {
			return err
		}
		if s.port == 0 {
			// gnet needs a fixed port for SO_REUSEPORT on every loop: pick one.
			s.port = ln.Addr().(*net.TCPAddr).Port
			host, _, _ := net.SplitHostPort(s.cfg.Listen)
			s.cfg.Listen = net.JoinHostPort(host, strconv.Itoa(s.port))
		}
		ln.Close()
	}
	go s.clk.run(s.stopClk, time.Millisecond)
	go func() {
		err := gnet.Run(s, "tcp://"+s.cfg.Listen,
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
		)
		s.runErr = err
		close(s.stopped)
	}()
	select {
	case <-s.booted:
		return nil
	case <-s.stopped:
		if s.runErr == nil {
			s.runErr = errors.New("edge: engine stopped during start")
		}
		return s.runErr
	}
}

// Addr is the listening address.
func (s *Server) Addr() string { return s.cfg.Listen }

// Config returns the effective configuration (defaults filled in).
func (s *Server) Config() Config { return s.cfg }

// Revision is the revision of the installed snapshot.
func (s *Server) Revision() uint64 { return s.rt.Load().snap.Revision }

// Inflight is the number of requests being served.
func (s *Server) Inflight() int64 { return s.inflight.Load() }

// Conns is the number of open client connections.
func (s *Server) Conns() int64 { return s.conns.Load() }

// Swap installs a new snapshot. Requests in flight finish on the one they
// started with; an identical revision is a no-op.
func (s *Server) Swap(snap *snapshot.Snapshot) error {
	if snap == nil {
		return errors.New("edge: nil snapshot")
	}
	if old := s.rt.Load(); old != nil && old.snap == snap {
		return nil
	}
	rt, err := s.install(snap)
	if err != nil {
		return err
	}
	s.rt.Store(rt)
	s.lim.Sweep() // limits no rule asks for any more
	s.Stats.Swaps.Add(1)
	return nil
}

// Shutdown drains: the listeners stop accepting, idle connections close,
// requests in flight finish (each connection closes after its response)
// until none remain or ctx ends; then the engine stops.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.draining.CompareAndSwap(false, true) {
		return errors.New("edge: already shutting down")
	}
	if err := stopListening(s.port); err != nil {
		s.log.Warn("edge: stopping the listeners failed; new connections are answered 503 until exit", "err", err)
	}
	for _, l := range *s.loops.Load() {
		l.execute(l.drainTask)
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	var err error
wait:
	for s.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			err = fmt.Errorf("edge: drain ended with %d requests in flight: %w", s.inflight.Load(), ctx.Err())
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
	close(s.stopClk)
	s.targets.stopChecks()
	return err
}

// Done is closed when the engine has stopped.
func (s *Server) Done() <-chan struct{} { return s.stopped }

// OnBoot implements gnet.EventHandler.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	close(s.booted)
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
		return nil, gnet.Close
	}
	if s.conns.Load() >= int64(s.cfg.MaxConns) {
		return l.refusal(errOverloaded), gnet.Close
	}
	s.conns.Add(1)
	l.openClient(c)
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
		s.conns.Add(-1)
		x.l.onClosed(x, err)
	case *upstream:
		x.l.onClosed(x, err)
	}
	return gnet.None
}

// OnTick drives the per-loop sweeps: timeouts every sweepEvery, and
// back-pressure checks every millisecond while anything is paused.
func (s *Server) OnTick() (time.Duration, gnet.Action) {
	for _, l := range *s.loops.Load() {
		l.execute(l.tickTask)
	}
	if s.paused.Load() > 0 {
		return time.Millisecond, gnet.None
	}
	return 10 * time.Millisecond, gnet.None
}

// loopFor finds (or on a loop's first connection creates) the state of the
// loop that owns c. Called on that loop.
func (s *Server) loopFor(c gnet.Conn) *loop {
	el := c.EventLoop()
	for _, l := range *s.loops.Load() {
		if l.el == el {
			return l
		}
	}
	s.loopsMu.Lock()
	defer s.loopsMu.Unlock()
	old := *s.loops.Load()
	l := newLoop(s, el, len(old), c.Fd())
	next := append(append([]*loop(nil), old...), l)
	s.loops.Store(&next)
	return l
}
