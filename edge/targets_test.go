package edge

import (
	"fmt"
	"net"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// Tests of target identity, health state across reloads and side-effect
// free builds (targets.go, health.go, runtime.go build, Server.Swap).

const svcDoc = "Services:\n  - ServiceId: service-t\n    Apis:\n"

// targetAPI renders a TARGET API on addrs with a health config (the YAML
// body of TargetServicesHealthCheckConf, "" for the defaults).
func targetAPI(id string, health string, addrs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "      - ApiId: %s\n        RequestConfig: {Path: /%s, Method: ANY}\n        ServiceType: TARGET\n        ServiceTimeout: 5\n        TargetServices:\n", id, id)
	for _, a := range addrs {
		h, p, _ := net.SplitHostPort(a)
		fmt.Fprintf(&b, "          - {VmIp: %s, VmPort: %s, Weight: 1}\n", h, p)
	}
	if health != "" {
		fmt.Fprintf(&b, "        TargetServicesHealthCheckConf: {%s}\n", health)
	}
	return b.String()
}

func compileAPIs(t testing.TB, apis string) *snapshot.Snapshot {
	t.Helper()
	p, err := model.ParseFile([]byte(svcDoc + apis))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// deadAddr is a loopback address nothing listens on (connect refused).
func deadAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}

// apiTargets is the target list the installed runtime gives api.
func apiTargets(t testing.TB, s *Server, api string) []*target {
	t.Helper()
	rt := s.rt.Load()
	for i := range rt.apis {
		if rt.apis[i].route.ApiId == api {
			return rt.apis[i].targets
		}
	}
	t.Fatalf("no API %s installed", api)
	return nil
}

// get sends one GET on a new connection and returns status and body.
func get(t testing.TB, s *Server, path string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return roundTrip(t, c, path)
}

func roundTrip(t testing.TB, c net.Conn, path string) (int, string) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	return readAnswer(t, c)
}

// readAnswer reads one Content-Length framed response.
func readAnswer(t testing.TB, c net.Conn) (int, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 0, 4096)
	tmp := make([]byte, 4096)
	for {
		if i := strings.Index(string(buf), "\r\n\r\n"); i >= 0 && len(buf) >= i+4+contentLength(buf[:i]) {
			code := int(buf[9]-'0')*100 + int(buf[10]-'0')*10 + int(buf[11]-'0')
			return code, string(buf[i+4 : i+4+contentLength(buf[:i])])
		}
		n, err := c.Read(tmp)
		if err != nil {
			t.Fatalf("read response: %v (have %q)", err, buf)
		}
		buf = append(buf, tmp[:n]...)
	}
}

// checkers counts the goroutines running an active health check: the
// ones the target registry created (a goroutine not yet scheduled shows
// only a wrapper frame, but always its creator).
func checkers() int {
	buf := make([]byte, 1<<20)
	for {
		n := goruntime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "created by github.com/edgegate/edgegate/edge.(*targetRegistry).")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A snapshot that fails to build (here: an invalid special IP in its
// traffic rules, found after the targets were bound) changes nothing: no
// target is added, no check starts or stops, no installed target's
// settings move.
func TestSwapFailedBuildHasNoSideEffects(t *testing.T) {
	up := startRawUpstream(t, "up")
	dead := deadAddr(t)
	upA := up.ln.Addr().String()
	check := "HealthCheckPath: /hc, HealthCheckIntervalMs: 60000"
	s := startServer(t, svcDoc+
		targetAPI("p", "RequestVolumeThreshold: 1, SleepWindowInMilliseconds: 60000", dead, upA)+
		targetAPI("c", check, upA), Config{Loops: 1}, nil, nil)
	live0, _ := s.targets.counts()
	checks0 := checkers()
	if checks0 != 1 {
		t.Fatalf("installed: %d active checks, want 1", checks0)
	}

	bad := compileAPIs(t,
		targetAPI("p", "RequestVolumeThreshold: 5, SleepWindowInMilliseconds: 60000", dead, upA)+
			targetAPI("c", check, upA, deadAddr(t))+
			targetAPI("z", check, deadAddr(t)))
	bad.Traffic = &snapshot.Traffic{Routes: []snapshot.RouteTraffic{{
		Flow: &snapshot.FlowControl{Window: snapshot.Second, SpecialIPs: map[string]int64{"not-an-ip": 1}, KeyPrefix: "t:"},
	}}}
	if err := s.Swap(bad); err == nil {
		t.Fatal("a snapshot with an invalid special IP was installed")
	}
	if live, _ := s.targets.counts(); live != live0 {
		t.Errorf("failed build left %d targets, want %d", live, live0)
	}
	if n := checkers(); n != checks0 {
		t.Errorf("failed build left %d active checks, want %d", n, checks0)
	}
	// The installed API still ejects after one failure (its own
	// RequestVolumeThreshold, not the failed snapshot's 5).
	if code, body := get(t, s, "/release/p"); code != 200 || body != "up" {
		t.Fatalf("GET /release/p: %d %q", code, body)
	}
	if tg := apiTargets(t, s, "p")[0]; tg.addr != dead || tg.available(s.clk.preciseNow()) {
		t.Errorf("the refused target %s is not ejected after one failure", tg.addr)
	}
}

// Two APIs on one address with different health configs keep separate
// state and settings: failures that eject the address for one leave it
// up for the other, and neither config overwrites the other.
func TestHealthPerAddressAndConfig(t *testing.T) {
	up := startRawUpstream(t, "up")
	dead := deadAddr(t)
	upA := up.ln.Addr().String()
	s := startServer(t, svcDoc+
		targetAPI("a", "RequestVolumeThreshold: 1, SleepWindowInMilliseconds: 60000", dead, upA)+
		targetAPI("b", "RequestVolumeThreshold: 3, SleepWindowInMilliseconds: 60000", dead, upA), Config{Loops: 1}, nil, nil)
	deadA, deadB := apiTargets(t, s, "a")[0], apiTargets(t, s, "b")[0]
	if deadA.addr != dead || deadB.addr != dead {
		t.Fatalf("first targets are %s and %s, want %s", deadA.addr, deadB.addr, dead)
	}
	if code, _ := get(t, s, "/release/a"); code != 200 {
		t.Fatalf("GET /release/a: %d", code)
	}
	if deadA.available(s.clk.preciseNow()) {
		t.Error("api a: one refused connect did not eject the target (RequestVolumeThreshold 1)")
	}
	if !deadB.available(s.clk.preciseNow()) {
		t.Error("api b: api a's failure ejected the address for b too")
	}
	for i := 1; i <= 3; i++ {
		if code, _ := get(t, s, "/release/b"); code != 200 {
			t.Fatalf("GET /release/b: %d", code)
		}
		if up := deadB.available(s.clk.preciseNow()); up != (i < 3) {
			t.Errorf("api b after %d failures: available=%v (RequestVolumeThreshold 3)", i, up)
		}
	}
}

// A reload keeps the health state of an unchanged (address, config); a
// changed config is a new key with fresh state.
func TestReloadKeepsHealthByKey(t *testing.T) {
	up := startRawUpstream(t, "up")
	dead := deadAddr(t)
	upA := up.ln.Addr().String()
	api := func(health string) string { return targetAPI("a", health, dead, upA) }
	strict := "RequestVolumeThreshold: 1, SleepWindowInMilliseconds: 60000"
	s := startServer(t, svcDoc+api(strict), Config{Loops: 1}, nil, nil)
	if code, _ := get(t, s, "/release/a"); code != 200 {
		t.Fatalf("GET: %d", code)
	}
	if apiTargets(t, s, "a")[0].available(s.clk.preciseNow()) {
		t.Fatal("the refused target was not ejected")
	}

	unrelated := "      - ApiId: m\n        RequestConfig: {Path: /m, Method: GET}\n        ServiceType: MOCK\n        ServiceMockReturnMessage: x\n"
	if err := s.Swap(compileAPIs(t, api(strict)+unrelated)); err != nil {
		t.Fatal(err)
	}
	if apiTargets(t, s, "a")[0].available(s.clk.preciseNow()) {
		t.Error("an unrelated reload brought the ejected target back")
	}

	if err := s.Swap(compileAPIs(t, api("RequestVolumeThreshold: 2, SleepWindowInMilliseconds: 60000")+unrelated)); err != nil {
		t.Fatal(err)
	}
	if !apiTargets(t, s, "a")[0].available(s.clk.preciseNow()) {
		t.Error("a changed health config kept the old config's ejection")
	}
	if live, _ := s.targets.counts(); live != 2 {
		t.Errorf("%d live targets after the config change, want 2 (the old key retired)", live)
	}
}

// Swapping in the installed snapshot again is a no-op: it neither counts
// nor retires a target.
func TestSwapIdenticalSnapshotNoop(t *testing.T) {
	up := startRawUpstream(t, "up")
	snap := compileAPIs(t, targetAPI("a", "", up.ln.Addr().String()))
	s, err := New(Config{Listen: "127.0.0.1:0", Loops: 1}, snap, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.targets.stopChecks()
	tg := apiTargets(t, s, "a")[0]
	for range 3 {
		if err := s.Swap(snap); err != nil {
			t.Fatal(err)
		}
	}
	if tg.refs != 1 || tg.retired.Load() || apiTargets(t, s, "a")[0] != tg {
		t.Errorf("identical swaps: refs %d, retired %v", tg.refs, tg.retired.Load())
	}
}
