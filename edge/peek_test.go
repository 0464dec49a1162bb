package edge

import (
	"bufio"
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

// OnPeek notes the key the connection's next Take will use, only for a
// plain client behind a trusted proxy whose last request had a per-IP
// table rule; OnPeekEnd touches a batch of two or more and clears the
// notes; touching changes no count.
func TestBatchPeekKeys(t *testing.T) {
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
	rt.traffic.tab = tab
	s.rt.Store(rt)
	if s.PeekBatch(nil) {
		t.Fatal("PeekBatch with no per-IP rule")
	}
	rt.traffic.perIP = true
	if !s.PeekBatch(nil) {
		t.Fatal("no PeekBatch with a per-IP rule behind trusted proxies")
	}
	newClient := func(peer string, r *limiter.TableRule) *peekConn {
		return &peekConn{ctx: &client{l: l, peer: netip.MustParseAddr(peer), peekRule: r, state: stHead}}
	}
	head := []byte("GET /release/p HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 192.0.2.7\r\n\r\n")
	a := netip.MustParseAddr("192.0.2.7").As16()
	want := rule.Key(a[:])

	s.OnPeek(newClient("127.0.0.1", rule), head)
	s.OnPeek(newClient("127.0.0.1", nil), head)      // no per-IP rule last time
	s.OnPeek(newClient("192.0.2.1", rule), head)     // not a trusted proxy: its own key is warm
	s.OnPeek(&peekConn{ctx: (*upstream)(nil)}, head) // not a client
	busy := newClient("127.0.0.1", rule)
	busy.ctx.(*client).state = stBody // a body, not a head
	s.OnPeek(busy, head)
	if len(l.peek) != 1 || l.peek[0] != want || l.peekTab != tab {
		t.Fatalf("noted %x (table %p), want [%x] (table %p)", l.peek, l.peekTab, want, tab)
	}
	for range peekMax + 3 {
		s.OnPeek(newClient("127.0.0.1", rule), head)
	}
	if len(l.peek) != peekMax {
		t.Fatalf("noted %d keys, want at most %d", len(l.peek), peekMax)
	}
	s.OnPeekEnd(nil)
	if len(l.peek) != 0 {
		t.Fatalf("%d keys left after OnPeekEnd", len(l.peek))
	}
	// A Touch changes no count.
	if tab.Take(rule, want, 0); tab.Used(rule, want, 0) != 1 {
		t.Fatal("take not counted")
	}
	cl := newClient("127.0.0.1", rule)
	for range 100 {
		s.OnPeek(cl, head)
		s.OnPeek(cl, head)
		s.OnPeekEnd(nil)
	}
	if got := tab.Used(rule, want, 0); got != 1 {
		t.Errorf("after touches the key counts %d, want 1", got)
	}
}

// Behind a trusted proxy, 16 keep-alive connections send a request each
// at once, round after round, every request from one of 8 forwarded
// addresses (2 admitted per address per minute): the loop sees batches,
// guesses keys from the heads, and every address is still admitted
// exactly twice.
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
		for i, c := range cs {
			ip := fmt.Sprintf("192.0.2.%d", (i+r)%addrs)
			req := "GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\nX-Forwarded-For: " + ip + "\r\n\r\n"
			if _, err := io.WriteString(c, req); err != nil {
				t.Fatal(err)
			}
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
	t.Logf("keys touched before their batch: %d of %d requests", peeked, conns*rounds)
	if peeked == 0 {
		t.Error("no batch was peeked")
	}
}

func TestLastIndex(t *testing.T) {
	for _, c := range []struct {
		s, sep string
	}{{"", "ab"}, {"ab", "ab"}, {"xabyab", "ab"}, {"aaa", "aa"}, {"abc", "d"}, {"\nX-Forwarded-For: 1\r\n\nX-Forwarded-For: 2", "\nX-Forwarded-For:"}} {
		if got, want := lastIndex([]byte(c.s), []byte(c.sep)), strings.LastIndex(c.s, c.sep); got != want {
			t.Errorf("lastIndex(%q, %q) = %d, want %d", c.s, c.sep, got, want)
		}
	}
}
