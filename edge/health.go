package edge

import (
	"context"
	"net/http"
	"time"
)

// Passive health: every loop reports the outcomes of its requests to the
// target they used. The state is the target's, and a target is one
// (address, health configuration) pair, so two APIs that share an address
// with different settings neither share fail counts nor overwrite each
// other's thresholds.

func (t *target) available(now int64) bool { return now >= t.downUntil.Load() }

// ok records a good answer (cheap when already healthy: one load).
func (t *target) ok() {
	if t.fails.Load() != 0 {
		t.fails.Store(0)
	}
}

// fail records a failure; MaxFails in a row eject the target for the
// cool-down (seed 000 HealthCheckConf: RequestVolumeThreshold and
// SleepWindowInMilliseconds).
func (t *target) fail(now int64) {
	if n := t.fails.Add(1); n >= t.maxFails {
		t.fails.Store(0)
		t.downUntil.Store(now + t.cooldown)
	}
}

// checked records the outcome of an active check: a good answer brings
// the target back at once, a bad one keeps it out until the next check
// plus the cool-down.
func (t *target) checked(good bool, now int64) {
	if good {
		t.fails.Store(0)
		t.downUntil.Store(0)
		return
	}
	t.downUntil.Store(now + int64(t.h.CheckInterval) + t.cooldown)
}

// startCheck runs t's active check until t retires or the server stops.
// Called by commit, under r.mu.
func (r *targetRegistry) startCheck(t *target) {
	ctx, cancel := context.WithCancel(r.ctx)
	t.stopCheck = cancel
	r.checks.Add(1)
	go func() {
		defer r.checks.Done()
		r.runCheck(ctx, t)
	}()
}

// runCheck is the active HTTP health check of one target: a GET of the
// configured path every interval (edgegate's HealthCheckPath and
// HealthCheckIntervalMs, beside the seed's HealthCheckConf); 2xx/3xx
// brings it back, anything else ejects it.
// An https:// or wss:// target is checked over TLS with its own name,
// trust and client certificate (setupTLS).
func (r *targetRegistry) runCheck(ctx context.Context, t *target) {
	url := "http://" + t.addr + t.h.CheckPath
	client := r.client
	if t.checkTLS != nil {
		url = "https://" + t.addr + t.h.CheckPath
		client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: t.checkTLS}}
	}
	tick := time.NewTicker(t.h.CheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		good := probe(ctx, client, url, t.h.CheckInterval)
		if ctx.Err() != nil {
			return // retired or stopping: the answer no longer matters
		}
		t.checked(good, r.s.clk.preciseNow())
	}
}

func probe(ctx context.Context, client *http.Client, url string, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	req.Header.Set("User-Agent", "edgegate-health-check")
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode < 400
}
