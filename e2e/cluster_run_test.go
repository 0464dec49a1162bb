package e2e

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/redistest"
)

// `edgegate run --config` on several nodes (the same file everywhere, no
// admin) shares its limits through --redis as edges do: two such
// processes with a TrafficControl plugin of 20 per second, offered 30 a
// second each, admit 20 (+/- 1) per second between them. The second finds
// Redis through a Sentinel (--redis-sentinel, the first sentinel listed
// down), the first dials it: the same primary, the same counts.
func TestRunConfigClusterLimits(t *testing.T) {
	rd := redistest.Start(t)
	sentinel := redistest.StartSentinel(t, "edge-primary", rd.Addr)
	up := startUpstream(t)
	cfg := config(up, "") + `
Traffic:
  Plugins:
    - PluginId: plugin-flow
      PluginType: TrafficControl
      PluginData: '{"expire_type":"second","api_rate_limit":20}'
      Attachments: [{ServiceId: ` + testService + `, Environment: release, ApiId: api-mock}]
`
	gs := []*gateway{
		startGateway(t, cfg, "--redis", rd.Addr, "--loops", "2"),
		startGateway(t, cfg, "--redis-sentinel", freeAddr(t)+","+sentinel.Addr, "--redis-master", "edge-primary"),
	}
	for _, g := range gs {
		if a := g.send(httpc, "GET", "/mock", nil, nil); a.status != 200 {
			t.Fatalf("%s: %v, want 200", g.Addr, a)
		}
	}
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
	all := &perSecond{}
	var ty tally
	var wg sync.WaitGroup
	for _, g := range gs {
		paced(&wg, 5500*time.Millisecond, 30, func(hc *http.Client) answer { return g.send(hc, "GET", "/mock", nil, nil) }, func(a answer) { ty.count(a, all) })
	}
	wg.Wait()
	if len(ty.bad) > 0 {
		t.Errorf("answers other than 200 and 429 RateLimitExceeded: %v", ty.bad[:min(len(ty.bad), 5)])
	}
	got := all.whole()
	t.Logf("admitted per second across both: %v", got)
	if len(got) < 4 {
		t.Fatalf("only %d whole seconds measured: %v", len(got), got)
	}
	for _, n := range got {
		if n < 19 || n > 21 {
			t.Fatalf("admitted per second %v, want each 19..21 (each process alone would admit 20)", got)
		}
	}
	for _, g := range gs {
		g.waitLog(`"cluster limits: redis up" redis=`+rd.Addr, 0) // the lessor really ran in run mode
	}
}
