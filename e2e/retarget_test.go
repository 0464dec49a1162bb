package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestReloadRetargetsUnderLoad: reloads that move an API from one backend
// address to another (with active health checks) while clients hammer
// it. Each reload retires the previous target (its check stops, every
// loop closes its pooled connections) with requests in flight on it; not
// one request may fail, and each reload's target serves.
func TestReloadRetargetsUnderLoad(t *testing.T) {
	ups := [2]*upstreamProc{startUpstream(t), startUpstream(t)}
	cfg := func(i int) string {
		h, p, _ := net.SplitHostPort(ups[i%2].HTTP)
		return config(ups[0], fmt.Sprintf(`
      - ApiId: api-lb
        RequestConfig: {Path: /lb, Method: ANY}
        ServiceType: TARGET
        ServiceTimeout: 5
        ServiceConfig: {Path: /echo}
        TargetServices:
          - {VmIp: %s, VmPort: %s, Weight: 1}
        TargetServicesHealthCheckConf: {IsHealthCheck: true, HealthCheckPath: /health, HealthCheckIntervalMs: 100}
`, h, p))
	}
	g := startGateway(t, cfg(0))

	// answeredBy is the upstream that served one request ("" on failure).
	answeredBy := func(c *http.Client) (string, error) {
		req, _ := http.NewRequest("GET", g.url("/lb"), nil)
		req.Host = g.Host
		resp, err := c.Do(req)
		if err != nil {
			return "", err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return "", fmt.Errorf("%s: %s", resp.Status, body)
		}
		var e echoed
		if err := json.Unmarshal(body, &e); err != nil {
			return "", err
		}
		return e.Host, nil
	}

	var ok, bad atomic.Int64
	var mu sync.Mutex
	var failures []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := g.client()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := answeredBy(c); err != nil {
					bad.Add(1)
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				ok.Add(1)
			}
		}()
	}
	probe := g.client()
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				close(stop)
				wg.Wait()
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	const reloads = 10
	for i := 1; i <= reloads; i++ {
		if err := os.WriteFile(g.Config, []byte(cfg(i)), 0o600); err != nil {
			t.Fatal(err)
		}
		g.cmd.Process.Signal(syscall.SIGHUP)
		want := ups[i%2].HTTP
		waitUntil(fmt.Sprintf("reload %d to move /lb to %s", i, want), func() bool {
			host, err := answeredBy(probe)
			return err == nil && host == want
		})
		// Let the load run on the new target before the next reload.
		n := ok.Load()
		waitUntil("requests after reload", func() bool { return ok.Load() >= n+20 })
	}
	close(stop)
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d of %d requests failed during reloads: %v", bad.Load(), ok.Load()+bad.Load(), failures[:min(5, len(failures))])
	}
	t.Logf("%d requests, 0 failed, across %d reloads moving the API between two addresses", ok.Load(), reloads)
}
