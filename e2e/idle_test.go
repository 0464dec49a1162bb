package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// An idle gateway stays asleep: with no client connected it wakes about
// once a second (README "Limits and timeouts"). The 1 ms clock goroutine
// it had before cost about 2,600 context switches a second with one loop;
// now it is about 80. The bound leaves room for a busy machine.
func TestIdleGatewaySleeps(t *testing.T) {
	g := startGateway(t, `
Services:
  - ServiceId: `+testService+`
    Apis:
      - {ApiId: api-mock, RequestConfig: {Path: /mock, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: mocked}
`, "--loops", "1")
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	a := g.send(c, "GET", "/mock", nil, nil)
	if a.status != 200 || a.body != "mocked" {
		t.Fatalf("GET /mock: %v", a)
	}
	// The Date header is the loop's reading of the wall clock.
	d, err := http.ParseTime(a.h.Get("Date"))
	if err != nil || time.Since(d) > 3*time.Second || time.Until(d) > time.Second {
		t.Fatalf("Date %q (%v) is not now", a.h.Get("Date"), err)
	}
	time.Sleep(1500 * time.Millisecond) // the connection's close is seen, the tick slows
	const secs = 3
	before := g.switches(t)
	time.Sleep(secs * time.Second)
	rate := (g.switches(t) - before) / secs
	t.Logf("idle: %d context switches a second", rate)
	if rate > 600 {
		t.Errorf("idle gateway: %d context switches a second, want ≤ 600", rate)
	}
	// Still serving, and the Date header follows the clock.
	a = g.send(c, "GET", "/mock", nil, nil)
	if d2, err := http.ParseTime(a.h.Get("Date")); a.status != 200 || err != nil || !d2.After(d) {
		t.Fatalf("after idling: %v, Date %q after %q", a, a.h.Get("Date"), d.Format(http.TimeFormat))
	}
}

// switches sums the voluntary and involuntary context switches of the
// gateway's threads.
func (g *gateway) switches(t *testing.T) int {
	t.Helper()
	dirs, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", g.cmd.Process.Pid))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("the gateway's threads: %v", err)
	}
	n := 0
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // a thread that ended
		}
		for _, line := range strings.Split(string(b), "\n") {
			// voluntary_ctxt_switches: and nonvoluntary_ctxt_switches:
			if f := strings.Fields(line); len(f) == 2 && strings.HasSuffix(f[0], "ctxt_switches:") {
				v, _ := strconv.Atoi(f[1])
				n += v
			}
		}
	}
	return n
}
