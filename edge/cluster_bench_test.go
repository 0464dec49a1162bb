package edge

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/edgegate/edgegate/cluster"
	"github.com/edgegate/edgegate/internal/redistest"
)

// BenchmarkProxyClusterRatio measures proxy throughput with the limits of
// limitsBenchDoc (usage plan QPS and quota, plugin API and per-IP limits,
// service strategy) counted locally and leased from a real redis-server
// (cluster-wide, README "Cluster-wide limits"), in alternating 200 ms
// rounds of the same run (two edges of one loop each, 16 keep-alive
// connections): ratio = redis/local.
func BenchmarkProxyClusterRatio(b *testing.B) {
	rd := redistest.Start(b)
	up := startRawUpstream(b, "hello, world")
	doc, tr := limitsBenchDoc(up.ln.Addr().String())
	local := startLimitsServer(b, doc, tr, 1)
	pol, _ := cluster.ParsePolicy(cluster.DefaultPolicy)
	l := cluster.New(cluster.Options{Addr: rd.Addr}, pol, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.Cleanup(l.Close)
	remote := startServer(b, doc, Config{Loops: 1, LimiterKeys: 1 << 12, Cluster: l}, nil, tr)
	req := signedGet("/release/l")
	for end := time.Now().Add(5 * time.Second); l.Stats().Leases == 0 && time.Now().Before(end); {
		time.Sleep(time.Millisecond) // the first lease (Redis up, pools leased)
	}
	ratioBenchAt(b, [2]string{local.Addr(), remote.Addr()}, [2]string{req, req}, "local-req/s", "redis-req/s")
	st := l.Stats()
	if !st.Up || st.Leases == 0 {
		b.Fatalf("the redis-backed edge did not lease: %+v", st)
	}
	b.ReportMetric(float64(st.RoundTrips), "redis-round-trips")
	b.ReportMetric(float64(st.Granted)/float64(max(st.Leases, 1)), "tokens/lease")
}
