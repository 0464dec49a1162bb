package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func targetsAPI(a, b *upstreamProc, wa, wb int, health string) string {
	ha, pa, _ := net.SplitHostPort(a.HTTP)
	hb, pb, _ := net.SplitHostPort(b.HTTP)
	return fmt.Sprintf(`
      - ApiId: api-lb
        RequestConfig: {Path: /lb, Method: ANY}
        ServiceType: TARGET
        ServiceTimeout: 5
        ServiceConfig: {Path: /echo}
        TargetServices: [{VmIp: %s, VmPort: %s, Weight: %d}, {VmIp: %s, VmPort: %s, Weight: %d}]
%s`, ha, pa, wa, hb, pb, wb, health)
}

// hits sends n requests on one connection and counts them by the target
// that answered (the upstream echoes the Host it was sent).
func hits(t *testing.T, g *gateway, n int) (map[string]int, int) {
	t.Helper()
	c := g.client()
	counts := map[string]int{}
	failed := 0
	for range n {
		var e echoed
		if a := g.send(c, "GET", "/lb", nil, nil); a.status != 200 || json.Unmarshal([]byte(a.body), &e) != nil {
			failed++
			continue
		}
		counts[e.Host]++
	}
	return counts, failed
}

func TestWeightedRoundRobin(t *testing.T) {
	a, b := startUpstream(t), startUpstream(t)
	g := startGateway(t, config(a, targetsAPI(a, b, 3, 1, "")), "--loops", "1")
	counts, failed := hits(t, g, 400)
	if failed != 0 || counts[a.HTTP] != 300 || counts[b.HTTP] != 100 {
		t.Errorf("weights 3:1 over 400 requests gave %v (%d failed)", counts, failed)
	}
}

// TestPassiveHealth: a dead target costs no client request (connect
// failures go to the other target) and is ejected after MaxFails.
func TestPassiveHealth(t *testing.T) {
	a := startUpstream(t)
	dead := &upstreamProc{HTTP: freeAddr(t)}
	health := `        TargetServicesHealthCheckConf: {RequestVolumeThreshold: 2, SleepWindowInMilliseconds: 60000}
`
	g := startGateway(t, config(a, targetsAPI(a, dead, 1, 1, health)), "--loops", "1", "--admin-listen", freeAddr(t))
	counts, failed := hits(t, g, 40)
	if failed != 0 || counts[a.HTTP] != 40 {
		t.Errorf("with one target down: %v, %d failed", counts, failed)
	}
}

// TestActiveHealthCheck: a target whose health endpoint fails stops getting
// traffic although it still answers, and gets it back once healthy.
func TestActiveHealthCheck(t *testing.T) {
	a, b := startUpstream(t), startUpstream(t)
	health := `        TargetServicesHealthCheckConf: {IsHealthCheck: true, HealthCheckPath: /health, HealthCheckIntervalMs: 100, SleepWindowInMilliseconds: 100}
`
	g := startGateway(t, config(a, targetsAPI(a, b, 1, 1, health)), "--loops", "1")
	if counts, _ := hits(t, g, 20); counts[b.HTTP] != 10 {
		t.Fatalf("before: %v", counts)
	}
	// The checks run every 100 ms: b's turn comes within a few.
	b.setHealth(t, 503)
	waitFor(t, 5*time.Second, "b out of rotation", func() bool { counts, _ := hits(t, g, 4); return counts[b.HTTP] == 0 })
	if counts, failed := hits(t, g, 20); counts[b.HTTP] != 0 || failed != 0 {
		t.Errorf("while b is unhealthy: %v, %d failed", counts, failed)
	}
	b.setHealth(t, 200)
	waitFor(t, 5*time.Second, "b back in rotation", func() bool { counts, _ := hits(t, g, 4); return counts[b.HTTP] > 0 })
}

// TestStaleConnectionRetry: an idempotent request that meets a pooled
// connection the backend has closed is retried; a POST is not.
func TestStaleConnectionRetry(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""), "--loops", "1")
	conn := g.raw()
	br := bufio.NewReader(conn)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	// Pipelined, so the second request takes the pooled connection before
	// the backend's close is noticed.
	fmt.Fprintf(conn, "GET /release/raw/once HTTP/1.1\r\nHost: %s\r\n\r\nGET /release/raw/once HTTP/1.1\r\nHost: %s\r\n\r\n", g.Host, g.Host)
	for i := range 2 {
		resp, body := readResponse(t, br, "GET")
		if resp.StatusCode != 200 || string(body) != "once" {
			t.Fatalf("GET %d: %d %q", i, resp.StatusCode, body)
		}
	}
	fmt.Fprintf(conn, "GET /release/raw/once HTTP/1.1\r\nHost: %s\r\n\r\nPOST /release/raw/once HTTP/1.1\r\nHost: %s\r\nContent-Length: 2\r\n\r\nhi", g.Host, g.Host)
	if resp, _ := readResponse(t, br, "GET"); resp.StatusCode != 200 {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	resp, body := readResponse(t, br, "POST")
	if resp.StatusCode != 502 || !strings.Contains(string(body), "UpstreamReset") {
		t.Errorf("POST on a stale connection: %d %s (must not be retried)", resp.StatusCode, body)
	}
}
