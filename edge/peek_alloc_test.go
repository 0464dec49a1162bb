//go:build !race

package edge

import (
	"net/netip"
	"testing"
	"time"

	"github.com/edgegate/edgegate/ipset"
	"github.com/edgegate/edgegate/limiter"
)

// Noting and touching a batch's keys allocates nothing.
func TestBatchPeekAllocs(t *testing.T) {
	tab, _ := limiter.NewTable(1000, 4)
	rule, _ := tab.Rule(7, limiter.Limit{N: 100, Per: time.Second})
	s := &Server{}
	l := &loop{s: s, peek: make([]uint64, 0, peekMax)}
	loops := []*loop{l}
	s.loops.Store(&loops)
	rt := &runtime{ipc: ipRT{trusted: ipset.MustParse("127.0.0.1")}}
	rt.traffic.tab = tab
	s.rt.Store(rt)
	cl := &peekConn{ctx: &client{l: l, peer: netip.MustParseAddr("127.0.0.1"), peekRule: rule, state: stHead}}
	head := []byte("GET /release/p HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 192.0.2.7\r\n\r\n")
	if n := testing.AllocsPerRun(100, func() {
		s.OnPeek(cl, head)
		s.OnPeek(cl, head)
		s.OnPeekEnd(nil)
	}); n != 0 {
		t.Errorf("%v allocations per batch", n)
	}
}
