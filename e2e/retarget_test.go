package e2e

import (
	"fmt"
	"io"
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
	health := "        TargetServicesHealthCheckConf: {IsHealthCheck: true, HealthCheckPath: /health, HealthCheckIntervalMs: 100}\n"
	// The API's one address, named twice (one target, weight 2).
	cfg := func(i int) string { return config(ups[0], targetsAPI(ups[i%2], ups[i%2], 1, 1, health)) }
	g := startGateway(t, cfg(0))

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
				req, _ := http.NewRequest("GET", g.url("/lb"), nil)
				req.Host = g.Host
				failure := ""
				if resp, err := c.Do(req); err != nil {
					failure = err.Error()
				} else {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						failure = resp.Status
					}
				}
				if failure == "" {
					ok.Add(1)
					continue
				}
				bad.Add(1)
				mu.Lock()
				failures = append(failures, failure)
				mu.Unlock()
			}
		}()
	}
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		if !eventually(10*time.Second, cond) {
			close(stop)
			wg.Wait()
			t.Fatalf("timed out waiting for %s", what)
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
			counts, failed := hits(t, g, 1)
			bad.Add(int64(failed))
			return counts[want] == 1
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
