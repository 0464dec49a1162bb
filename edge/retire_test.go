package edge

import (
	"bytes"
	"context"
	"fmt"
	"net"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Tests of target retirement: reference counts, per-loop pool slots and
// id reuse (targets.go retire, pool.go dropTargets).

// countingUpstream answers every request with a fixed body and counts its
// open connections. With hold set, the first request whose head mentions
// "hold" waits (after signalling got) until hold is closed, and is then
// answered, or, if its head mentions "drop", its connection is closed.
type countingUpstream struct {
	ln   net.Listener
	resp []byte
	open atomic.Int64
	got  chan struct{}
	hold chan struct{}
	held atomic.Bool
}

func startCountingUpstream(t testing.TB, body string, hold bool) *countingUpstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &countingUpstream{ln: ln, got: make(chan struct{}), resp: []byte("HTTP/1.1 200 OK\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body)}
	if hold {
		u.hold = make(chan struct{})
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u.open.Add(1)
			go u.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return u
}

func (u *countingUpstream) addr() string { return u.ln.Addr().String() }

func (u *countingUpstream) serve(c net.Conn) {
	defer u.open.Add(-1)
	defer c.Close()
	buf := make([]byte, 0, 4096)
	tmp := make([]byte, 4096)
	for {
		n, err := c.Read(tmp)
		if err != nil {
			return
		}
		buf = append(buf, tmp[:n]...)
		for {
			i := bytes.Index(buf, []byte("\r\n\r\n"))
			if i < 0 {
				break
			}
			head := string(buf[:i])
			buf = buf[:copy(buf, buf[i+4:])]
			if u.hold != nil && strings.Contains(head, "hold") && u.held.CompareAndSwap(false, true) {
				close(u.got)
				<-u.hold
				if strings.Contains(head, "drop") {
					return
				}
			}
			if _, err := c.Write(u.resp); err != nil {
				return
			}
		}
	}
}

// onLoops runs f on every event loop, on its own goroutine, and waits.
func onLoops(t testing.TB, s *Server, f func(l *loop)) {
	t.Helper()
	for _, l := range *s.loops.Load() {
		done := make(chan struct{})
		err := l.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
			f(l)
			close(done)
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("event loop task did not run")
		}
	}
}

// 1,000 reloads, each moving the API to other backend addresses with
// active checks: targets are retired, so the registry, every loop's pool
// slots and cursors, and the goroutines stay bounded, and the retired
// targets' pooled connections are closed.
func TestReloadsRetireTargets(t *testing.T) {
	const loops, minConns, reloads = 2, 2, 1000
	// Reloads alternate between two pairs of real upstreams.
	var ups [4]*countingUpstream
	for i := range ups {
		ups[i] = startCountingUpstream(t, fmt.Sprint("u", i), false)
	}
	apisFor := func(i int) string {
		far := func(host string) string { return net.JoinHostPort(host, strconv.Itoa(10000+i)) }
		set := 2 * (i % 2)
		return targetAPI("x", "HealthCheckPath: /hc, HealthCheckIntervalMs: 100", ups[set].addr(), ups[set+1].addr()) +
			// Never dialed: no request goes there and the first check is a minute away.
			targetAPI("d", "HealthCheckPath: /hc, HealthCheckIntervalMs: 60000", far("192.0.2.1"), far("192.0.2.2"))
	}
	s := startServer(t, svcDoc+apisFor(0), Config{Loops: loops}, nil, nil)
	var cs []net.Conn
	request := func(i int) {
		for _, c := range cs {
			code, body := roundTrip(t, c, "/release/x")
			if set := 2 * (i % 2); code != 200 || (body != fmt.Sprint("u", set) && body != fmt.Sprint("u", set+1)) {
				t.Fatalf("reload %d: %d %q", i, code, body)
			}
		}
	}
	// SO_REUSEPORT spreads connections by hash: open them until every
	// loop has some.
	for len(*s.loops.Load()) < loops || len(cs) < minConns {
		if len(cs) == 64 {
			t.Fatalf("64 connections reached %d of %d event loops", len(*s.loops.Load()), loops)
		}
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		cs = append(cs, c)
		request(0)
	}
	g0 := goruntime.NumGoroutine()

	for i := 1; i <= reloads; i++ {
		if err := s.Swap(compileAPIs(t, apisFor(i))); err != nil {
			t.Fatal(err)
		}
		request(i)
	}

	if live, leaving := s.targets.counts(); live != 4 || leaving > 8 {
		t.Errorf("after %d reloads: %d live and %d retiring targets, want 4 and at most 8", reloads, live, leaving)
	}
	onLoops(t, s, func(l *loop) {
		t.Logf("loop %d: %d pool slots, %d cursors", l.idx, len(l.pools), len(l.cursors))
		if len(l.pools) > 16 || len(l.cursors) > 2 {
			t.Errorf("loop %d: %d pool slots and %d cursors after %d reloads", l.idx, len(l.pools), len(l.cursors), reloads)
		}
	})
	waitFor(t, "four active checks", func() bool { return checkers() == 4 })
	// The last reload retired u2's and u3's targets: their pooled
	// connections close. u0 and u1 keep at most one pooled connection per
	// loop each (check probes close after each answer).
	waitFor(t, "the retired targets' connections to close", func() bool { return ups[2].open.Load()+ups[3].open.Load() == 0 })
	waitFor(t, "u0's and u1's connections to settle", func() bool { return ups[0].open.Load()+ups[1].open.Load() <= 2*loops })
	waitFor(t, "the goroutine count to settle", func() bool { return goruntime.NumGoroutine() <= g0+4 })
	t.Logf("%d connections, %d goroutines before and %d after %d reloads", len(cs), g0, goruntime.NumGoroutine(), reloads)
}

// retiredMidRequest runs API x on a holding upstream, sends req (whose
// path must mention "hold") on a connection, and while the upstream holds
// it reloads twice: to s2, retiring the target, and once every loop has
// dropped its slot, to s3, whose new target reuses the retired id.
// before runs on the connection first. It returns the server, the
// connection (its answer not read) and the holding upstream.
func retiredMidRequest(t *testing.T, req string, before func(net.Conn)) (*Server, net.Conn, *countingUpstream) {
	t.Helper()
	slow := startCountingUpstream(t, "slow", true)
	s2, s3 := startRawUpstream(t, "s2"), startRawUpstream(t, "s3")
	s := startServer(t, svcDoc+targetAPI("x", "", slow.addr()), Config{Loops: 1}, nil, nil)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if before != nil {
		before(c)
	}
	fmt.Fprintf(c, "%s HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n", req)
	select {
	case <-slow.got:
	case <-time.After(10 * time.Second):
		t.Fatal("the request did not reach the upstream")
	}
	old := apiTargets(t, s, "x")[0]
	if err := s.Swap(compileAPIs(t, targetAPI("x", "", s2.ln.Addr().String()))); err != nil {
		t.Fatal(err)
	}
	if !old.retired.Load() {
		t.Fatal("the replaced target was not retired")
	}
	waitFor(t, "the loop to drop the retired slot", func() bool { return old.slotsHeld.Load() == 0 })
	if err := s.Swap(compileAPIs(t, targetAPI("x", "", s3.ln.Addr().String()))); err != nil {
		t.Fatal(err)
	}
	if now := apiTargets(t, s, "x")[0]; now.id != old.id {
		t.Fatalf("the new target has id %d, want the retired %d reused", now.id, old.id)
	}
	return s, c, slow
}

// A request in flight on a target that a reload retires finishes
// normally, and its connection is not pooled under the id, now reused by
// a new target.
func TestRetiredTargetInFlight(t *testing.T) {
	_, c, slow := retiredMidRequest(t, "GET /release/x/hold", nil)
	close(slow.hold)
	if code, body := readAnswer(t, c); code != 200 || body != "slow" {
		t.Fatalf("in-flight request: %d %q", code, body)
	}
	if code, body := roundTrip(t, c, "/release/x"); code != 200 || body != "s3" {
		t.Errorf("next request: %d %q, want s3's answer (not a retired connection pooled under the reused id)", code, body)
	}
	waitFor(t, "the retired target's connection to close", func() bool { return slow.open.Load() == 0 })
}

// A request that started on a target before it was retired, and is
// retried after its id went to a new target (its pooled connection was
// closed before the answer: a stale close, resent once), dials its own
// backend: it does not take the new target's pooled connection.
func TestRetiredTargetRetryDials(t *testing.T) {
	// A first request leaves a pooled connection, which the held one reuses.
	s, c, slow := retiredMidRequest(t, "GET /release/x/hold-drop", func(c net.Conn) {
		if code, body := roundTrip(t, c, "/release/x"); code != 200 || body != "slow" {
			t.Fatalf("first request: %d %q", code, body)
		}
	})
	// Park a connection to s3 in the reused slot.
	if code, body := get(t, s, "/release/x"); code != 200 || body != "s3" {
		t.Fatalf("request to the new target: %d %q", code, body)
	}
	close(slow.hold) // the upstream closes the held connection unanswered
	if code, body := readAnswer(t, c); code != 200 || body != "slow" {
		t.Errorf("retried request: %d %q, want the retired target's own backend to answer", code, body)
	}
}
