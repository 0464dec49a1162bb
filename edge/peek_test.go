package edge

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/edgegate/edgegate/ipset"
	"github.com/edgegate/edgegate/limiter"
)

// peekConn is a gnet.Conn whose only working method is Context.
type peekConn struct {
	gnet.Conn
	ctx any
}

func (c *peekConn) Context() any { return c.ctx }

// peekFixture is a Server with one loop and a runtime behind the trusted
// proxy 127.0.0.1 with a per-IP rule in a small table, for the peek's
// unit tests.
type peekFixture struct {
	s    *Server
	l    *loop
	rt   *runtime
	tab  *limiter.Table
	rule *limiter.TableRule
}

func newPeekFixture(t testing.TB) *peekFixture {
	t.Helper()
	tab, err := limiter.NewTable(1000, 4)
	if err != nil {
		t.Fatal(err)
	}
	rule, err := tab.Rule(7, limiter.Limit{N: 100, Per: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	l := &loop{s: s, peek: make([]uint64, 0, peekMax)}
	loops := []*loop{l}
	s.loops.Store(&loops)
	rt := &runtime{ipc: ipRT{trusted: ipset.MustParse("127.0.0.1")}}
	rt.traffic.tab, rt.traffic.perIP = tab, true
	s.rt.Store(rt)
	return &peekFixture{s: s, l: l, rt: rt, tab: tab, rule: rule}
}

// conn is a client of peer between requests whose last one was counted
// by r (nil: none).
func (f *peekFixture) conn(peer string, r *limiter.TableRule) *peekConn {
	return &peekConn{ctx: &client{l: f.l, peer: netip.MustParseAddr(peer), peekRule: r, state: stHead}}
}

const peekHead = "GET /release/p HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 192.0.2.7\r\n\r\n"

// OnPeek notes the key the connection's next Take will use (the same
// ipKey takeLimits computes), only for a plain client behind a trusted
// proxy whose last request had a per-IP table rule; OnPeekEnd touches a
// batch of two or more and clears the notes; touching changes no count.
// PeekBatch declines without a per-IP rule.
func TestBatchPeekKeys(t *testing.T) {
	f := newPeekFixture(t)
	s, l, head := f.s, f.l, []byte(peekHead)
	f.rt.traffic.perIP = false
	if s.PeekBatch(nil) {
		t.Fatal("PeekBatch with no per-IP rule")
	}
	f.rt.traffic.perIP = true
	if !s.PeekBatch(nil) {
		t.Fatal("no PeekBatch with a per-IP rule behind trusted proxies")
	}
	want := ipKey(f.rule, netip.MustParseAddr("192.0.2.7"))

	s.OnPeek(f.conn("127.0.0.1", f.rule), head)
	s.OnPeek(f.conn("127.0.0.1", nil), head)         // no per-IP rule last time
	s.OnPeek(f.conn("192.0.2.1", f.rule), head)      // not a trusted proxy: its own key is warm
	s.OnPeek(&peekConn{ctx: (*upstream)(nil)}, head) // not a client
	busy := f.conn("127.0.0.1", f.rule)
	busy.ctx.(*client).state = stBody // a body, not a head
	s.OnPeek(busy, head)
	if len(l.peek) != 1 || l.peek[0] != want {
		t.Fatalf("noted %x, want [%x]", l.peek, want)
	}
	for range peekMax + 3 {
		s.OnPeek(f.conn("127.0.0.1", f.rule), head)
	}
	if len(l.peek) != peekMax {
		t.Fatalf("noted %d keys, want at most %d", len(l.peek), peekMax)
	}
	s.OnPeekEnd(nil)
	if len(l.peek) != 0 || l.peeked != peekMax {
		t.Fatalf("%d keys left after OnPeekEnd, %d touched", len(l.peek), l.peeked)
	}
	// A Touch changes no count.
	if f.tab.Take(f.rule, want, 0); f.tab.Used(f.rule, want, 0) != 1 {
		t.Fatal("take not counted")
	}
	cl := f.conn("127.0.0.1", f.rule)
	for range 100 {
		s.OnPeek(cl, head)
		s.OnPeek(cl, head)
		s.OnPeekEnd(nil)
	}
	if got := f.tab.Used(f.rule, want, 0); got != 1 {
		t.Errorf("after touches the key counts %d, want 1", got)
	}
}

// Behind a trusted proxy, 16 keep-alive connections send a request each
// while the loop is held, so it wakes to all of them at once, round after
// round, every request from one of 8 forwarded addresses (2 admitted per
// address per minute): the loop guesses keys from the heads, and every
// address is still admitted exactly twice.
func TestBatchPeekLimits(t *testing.T) {
	up := startRawUpstream(t, "hello")
	doc := limitsDoc(up.ln.Addr().String())
	s := startServer(t, doc, Config{Loops: 1, LimiterKeys: 1 << 12, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, nil, limitsTraffic())
	const conns, rounds, addrs = 16, 6, 8
	cs := make([]net.Conn, conns)
	rs := make([]*bufio.Reader, conns)
	for i := range cs {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		cs[i], rs[i] = c, bufio.NewReader(c)
	}
	admitted := map[string]int{}
	for r := range rounds {
		var release func()
		if r > 0 { // the first round's requests make the loop's state
			release = holdLoop(t, s)
		}
		for i, c := range cs {
			ip := fmt.Sprintf("192.0.2.%d", (i+r)%addrs)
			req := "GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\nX-Forwarded-For: " + ip + "\r\n\r\n"
			if _, err := io.WriteString(c, req); err != nil {
				t.Fatal(err)
			}
		}
		if release != nil {
			time.Sleep(20 * time.Millisecond) // the requests reach the kernel
			release()
		}
		for i := range cs {
			ip := fmt.Sprintf("192.0.2.%d", (i+r)%addrs)
			resp, err := http.ReadResponse(rs[i], nil)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case 200:
				admitted[ip]++
			case 429:
			default:
				t.Fatalf("round %d, %s: %d", r, ip, resp.StatusCode)
			}
		}
	}
	for a := range addrs {
		if ip := fmt.Sprintf("192.0.2.%d", a); admitted[ip] != 2 {
			t.Errorf("%s admitted %d times, want 2 (%v)", ip, admitted[ip], admitted)
		}
	}
	var peeked int64
	onLoops(t, s, func(l *loop) { peeked += l.peeked })
	t.Logf("keys touched before their batch: %d of %d requests (I/O %s)", peeked, conns*rounds, s.IOBatching())
	if !strings.HasSuffix(s.IOBatching(), "+ring") {
		// Batches are peeked with ring I/O only; the limits still hold.
		t.Logf("no ring I/O here (the kernel refused io_uring): nothing peeked")
		return
	}
	if peeked < conns*(rounds-1)/2 {
		t.Errorf("%d keys touched over %d held batches of %d requests", peeked, rounds-1, conns)
	}
}

// holdLoop blocks the server's loop in a task until the returned func is
// called, so what arrives meanwhile comes to it as one batch.
func holdLoop(t *testing.T, s *Server) func() {
	t.Helper()
	l := (*s.loops.Load())[0]
	hold, held := make(chan struct{}), make(chan struct{})
	err := l.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		close(held)
		<-hold
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	<-held
	return func() { close(hold) }
}

func TestXFFLines(t *testing.T) {
	for _, c := range []struct {
		head string
		want []string
	}{
		{"GET / HTTP/1.1\r\nHost: h\r\n\r\n", nil},
		{"GET / HTTP/1.1\r\nX-Forwarded-For: 1.1.1.1\r\n\r\n", []string{" 1.1.1.1"}},
		{"GET / HTTP/1.1\r\nx-forwarded-for:2.2.2.2\r\nX-Forwarded-for: 3.3.3.3, 4.4.4.4\r\n\r\n", []string{"2.2.2.2", " 3.3.3.3, 4.4.4.4"}},
		// Spelled in capitals it is not found: no guess, a miss as before.
		{"GET / HTTP/1.1\r\nX-FORWARDED-FOR: 3.3.3.3\r\n\r\n", nil},
		{"GET /x-forwarded-for: HTTP/1.1\r\nX-Forwarded-Host: h\r\nY-Forwarded-For: 9.9.9.9\r\n\r\n", nil},
		{"GET / HTTP/1.1\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2\r\nX-Forwarded-For: 3\r\nX-Forwarded-For: 4\r\nX-Forwarded-For: 5\r\n\r\n", []string{" 1.1.1.1", " 2", " 3", " 4"}},
	} {
		var at [peekLines]int
		n := xffLines([]byte(c.head), at[:])
		var got []string
		for _, o := range at[:n] {
			v := c.head[o:]
			got = append(got, v[:strings.IndexByte(v, '\r')])
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: %q, want %q", c.head, got, c.want)
		}
	}
}
