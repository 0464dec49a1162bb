package cluster

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/freeport"
	"github.com/edgegate/edgegate/internal/redistest"
	"github.com/edgegate/edgegate/limiter"
)

// deadAddr is a loopback address nothing listens on: a sentinel that is
// down.
func deadAddr(t *testing.T) string {
	port, err := freeport.Get()
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// do sends one command to addr on a connection of its own.
func do(t *testing.T, addr string, args ...string) any {
	t.Helper()
	c, err := dial(&Options{Addr: addr, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	c.write(args...)
	r, err := c.flush(1)
	if err != nil {
		t.Fatal(err)
	}
	return r[0]
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("after %v: %s", d, what)
}

func role(t *testing.T, addr string) string {
	r, _ := do(t, addr, "ROLE").([]any)
	if len(r) == 0 {
		return ""
	}
	s, _ := r[0].(string)
	return s
}

// sentinelSetup runs a primary, a replica in sync with it and a sentinel
// that knows both, as a real Sentinel deployment (redis-server --sentinel).
func sentinelSetup(t *testing.T) (primary, replica, sentinel *redistest.Server) {
	primary = redistest.Start(t)
	host, port, _ := net.SplitHostPort(primary.Addr)
	replica = redistest.Start(t, "--replicaof", host, port)
	waitFor(t, 10*time.Second, "replica in sync", func() bool {
		info, _ := do(t, replica.Addr, "INFO", "replication").(string)
		return strings.Contains(info, "master_link_status:up")
	})
	sentinel = redistest.StartSentinel(t, "edge-primary", primary.Addr)
	waitFor(t, 10*time.Second, "the sentinel sees the replica", func() bool {
		rs, _ := do(t, sentinel.Addr, "SENTINEL", "REPLICAS", "edge-primary").([]any)
		for _, r := range rs {
			if f, _ := r.([]any); strings.Contains(strings.Join(strs(f), " "), "flags slave ") {
				return true
			}
		}
		return false
	})
	return primary, replica, sentinel
}

func strs(a []any) []string {
	out := make([]string, len(a))
	for i, v := range a {
		out[i], _ = v.(string)
	}
	return out
}

// One Sentinel deployment (a primary, a replica, a sentinel: real
// redis-server processes) for both tests, discovery first: the failover
// changes it.
func TestSentinel(t *testing.T) {
	primary, replica, sentinel := sentinelSetup(t)
	t.Run("discovery", func(t *testing.T) { testSentinelDiscovery(t, primary, replica, sentinel) })
	t.Run("failover", func(t *testing.T) { testSentinelFailover(t, primary, replica, sentinel) })
}

// Discovery: a sentinel that is down is skipped and the one that answered
// moves to the front; a name no sentinel monitors and no sentinel at all
// are errors that say why, never a guess.
func testSentinelDiscovery(t *testing.T, primary, replica, sentinel *redistest.Server) {
	dead := deadAddr(t)
	s := sentinels{addrs: []string{dead, sentinel.Addr}}
	defer s.close()
	o := &Options{MasterName: "edge-primary", Timeout: 300 * time.Millisecond}
	addr, err := s.master(o)
	if err != nil || addr != primary.Addr {
		t.Fatalf("master = %q, %v; want %s", addr, err, primary.Addr)
	}
	if s.addrs[0] != sentinel.Addr || s.addrs[1] != dead || s.c == nil {
		t.Errorf("order after an answer: %v (held %v)", s.addrs, s.c != nil)
	}
	if addr, err := s.master(o); err != nil || addr != primary.Addr { // over the held connection
		t.Fatalf("again: %q, %v", addr, err)
	}

	other := sentinels{addrs: []string{sentinel.Addr}}
	defer other.close()
	if _, err := other.master(&Options{MasterName: "nobody", Timeout: 300 * time.Millisecond}); err == nil || !strings.Contains(err.Error(), `does not monitor "nobody"`) {
		t.Errorf("unknown name: %v", err)
	}
	none := sentinels{addrs: []string{dead}}
	if _, err := none.master(o); err == nil || !strings.Contains(err.Error(), dead) {
		t.Errorf("no sentinel: %v", err)
	}

	// A replica (a sentinel behind a failover could name one) is refused
	// by ROLE, and by the epoch's SET (READONLY) on a plain --redis.
	c, err := dial(&Options{Addr: replica.Addr, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	if err := checkPrimary(c); err == nil || !strings.Contains(err.Error(), "not the primary") {
		t.Errorf("ROLE of a replica: %v", err)
	}
	l := New(Options{Addr: replica.Addr}, Policy{}, quiet)
	if err := l.readEpoch(c); err == nil || !strings.Contains(err.Error(), "READONLY") {
		t.Errorf("epoch on a replica: %v", err)
	}
}

// An edge that knows only the sentinels leases from the primary; after
// SENTINEL FAILOVER it leases from the new primary within about a
// heartbeat, not after the ten seconds the old primary stays writable
// until its demotion, and the limit keeps admitting.
func testSentinelFailover(t *testing.T, primary, replica, sentinel *redistest.Server) {
	p, _ := ParsePolicy(DefaultPolicy)
	e := &testEdge{l: New(Options{Sentinels: []string{deadAddr(t), sentinel.Addr}, MasterName: "edge-primary", Timeout: 2 * time.Second}, p, quiet),
		reg: limiter.NewRegistry(1), base: time.Now()}
	e.reg.SetGlobals(e.l.Globals(1, e.base))
	t.Cleanup(e.l.Close)
	ctr, err := e.reg.Counter("api:svc:release:api-1:second", limiter.Limit{N: 1000, Per: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	waitUp(t, e)
	beatOn := func(addr string) int64 { // the edge's last heartbeat there, Unix ms
		s, _ := do(t, addr, "ZSCORE", "edgegate:edges", e.l.edgeID).(string)
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	waitFor(t, 3*time.Second, "a heartbeat on the primary", func() bool { return beatOn(primary.Addr) > 0 })

	// A sentinel that answers nothing (stopped) holds up only the
	// watch, never the leasing: 200 requests a second against 1,000 a
	// second are all admitted while it hangs.
	admitAll := func(phase string) {
		t.Helper()
		per := drive([]*testEdge{e}, [][]float64{{200}}, 1500*time.Millisecond, func(int, int) bool { return ctr.Take(0, e.now()).OK })
		n := int64(0)
		for _, v := range per {
			n += v
		}
		t.Logf("%s: admitted %d", phase, n)
		if st := e.l.Stats(); !st.Up || n < 290 {
			t.Errorf("%s: admitted %d of ~300, stats %+v", phase, n, st)
		}
	}
	sentinel.Pause()
	admitAll("sentinel hanging")
	sentinel.Resume()

	// Retried: -NOGOODSLAVE while the sentinel's view of the replica is
	// stale.
	waitFor(t, 5*time.Second, "SENTINEL FAILOVER accepted", func() bool {
		return do(t, sentinel.Addr, "SENTINEL", "FAILOVER", "edge-primary") == "OK"
	})
	waitFor(t, 10*time.Second, "the replica promoted", func() bool { return role(t, replica.Addr) == "master" })
	promoted := time.Now().UnixMilli()
	waitFor(t, 5*time.Second, "the edge's heartbeat on the new primary", func() bool { return beatOn(replica.Addr) >= promoted })
	t.Logf("on the new primary %d ms after the promotion was seen; the old one is a %s", beatOn(replica.Addr)-promoted, role(t, primary.Addr))

	admitAll("after the failover")
	if st := e.l.Stats(); st.Reconnects < 2 {
		t.Errorf("after the failover: %d connections made, want 2", st.Reconnects)
	}
}
