//go:build !race

package edge

import (
	"testing"

	"github.com/edgegate/edgegate/model"
)

// Rate limiting allocates nothing per request: a key-pair call under a
// usage plan with a QPS cap and a quota on an API with a TrafficControl
// plugin (shared API limit, per-IP and per-key limits) and environment
// strategies (admitted), a
// parameter strategy whose condition holds (admitted), and a refusal.
func TestLimitsAllocs(t *testing.T) {
	up := startRawUpstream(t, "hello, world")
	tr := &model.Traffic{
		Plugins: []model.Plugin{
			{PluginId: "plugin-tc", PluginType: "TrafficControl", Attachments: []model.PluginAttachment{{ServiceId: "service-t", Environment: "release", ApiId: "api-key"}},
				PluginData: `{"expire_type":"second","api_rate_limit":1000000,"ip_rate_limit":1000000,"user_rate_limit":1000000,"shared":true}`},
			{PluginId: "plugin-pp", PluginType: "TrafficControlByParameter", Attachments: []model.PluginAttachment{{ServiceId: "service-t", Environment: "release", ApiId: "api-param"}},
				PluginData: `{"default_window":1,"default_rate_limit":1000000,"strategies":[{"name":"s","strategy_weight":1,"parameters":[{"type":"query","name":"u"}],"rate_limit":1000000,"window":1,"condition":"header.x-tier == \"free\""}]}`},
		},
		Strategies: []model.EnvStrategy{{ServiceId: "service-t", Environment: "release", Strategy: 1000000}},
	}
	s := startLimitsServer(t, limitsDocPlan(up.ln.Addr().String(), 100000000, 2000), tr, 1)
	for _, c := range []struct {
		req  string
		code int
	}{
		{signedGet("/release/k"), 200},
		{"GET /release/q?u=alice HTTP/1.1\r\nHost: service-t.localhost\r\nX-Tier: free\r\n\r\n", 200},
	} {
		noAllocs(t, newRoundTripper(t, s.Addr(), c.req), c.code)
	}
	// A refusal: the strategy's limit of 1 per minute on another API.
	s2 := startLimitsServer(t, limitsDoc(up.ln.Addr().String()), limitsTraffic(), 1)
	rt := newRoundTripper(t, s2.Addr(), "GET /release/q?u=bob HTTP/1.1\r\nHost: service-t.localhost\r\nX-Tier: free\r\n\r\n")
	if code, _ := rt.do(); code != 200 {
		t.Fatal(code)
	}
	noAllocs(t, rt, 429)
}
