package edge

import (
	"testing"

	"github.com/edgegate/edgegate/model"
)

// limitsBenchDoc has two key-pair APIs on the same upstream: api-base
// under a usage plan without limits, api-lim under a plan with a QPS cap
// and a quota, a TrafficControl plugin (API and per-IP limits) and a
// service strategy, all far above what the benchmark reaches, so every
// call is admitted and checked against five rules.
func limitsBenchDoc(upstream string) (string, *model.Traffic) {
	doc := serviceDoc(proxyAPI("api-base", "/k", upstream, "SECRET"), proxyAPI("api-lim", "/l", upstream, "SECRET")) +
		keyAccess(keyPlan("usagePlan-free", -1, -1, "api-base"), keyPlan("usagePlan-lim", 999999999999, 100000000, "api-lim"))
	tr := &model.Traffic{
		Plugins: []model.Plugin{{PluginId: "plugin-tc", PluginType: "TrafficControl",
			Attachments: []model.PluginAttachment{{ServiceId: "service-t", Environment: "release", ApiId: "api-lim"}},
			PluginData:  `{"expire_type":"second","api_rate_limit":100000000,"ip_rate_limit":100000000}`}},
		Strategies: []model.EnvStrategy{{ServiceId: "service-t", Environment: "release", ApiId: "api-lim", Strategy: 100000000}},
	}
	return doc, tr
}

// BenchmarkProxyLimitsRatio measures the throughput ratio limited/base in
// alternating rounds of 200 ms (16 keep-alive connections, one event
// loop), as BenchmarkProxyAuthRatio does: the same signed call, with and
// without a usage plan's QPS cap and quota and a flow-control plugin.
func BenchmarkProxyLimitsRatio(b *testing.B) {
	up := startRawUpstream(b, "hello, world")
	doc, tr := limitsBenchDoc(up.ln.Addr().String())
	s := startLimitsServer(b, doc, tr, 1)
	reqs := [2]string{signedGet("/release/k"), signedGet("/release/l")}
	ratioBench(b, s.Addr(), reqs, "base-req/s", "limited-req/s")
}
