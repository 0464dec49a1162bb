package metrics

import "github.com/edgegate/edgegate/cluster"

// Cluster is the lessor of cluster-wide limits (`edgegate edge --redis`);
// *cluster.Lessor is one.
type Cluster interface {
	Stats() cluster.Stats
}

// Cluster-wide limits on Redis (cluster.Lessor.Stats; README "Cluster-wide
// limits (Redis)").
var (
	fClUp       = gauge("edgegate_cluster_redis_up", "1 while limits are leased from Redis (the last round trip succeeded), 0 while the --redis-down policy applies.")
	fClLimits   = gauge("edgegate_cluster_limits", "Cluster-wide limits and quotas in force on this edge.")
	fClEdges    = gauge("edgegate_cluster_edges", "Edges leasing from the same Redis (seen in the last 10 s).")
	fClRTs      = counter("edgegate_cluster_redis_round_trips_total", "Pipelined round trips to Redis (each carries any number of leases).")
	fClFailures = counter("edgegate_cluster_redis_failures_total", "Failed Redis dials and round trips.")
	fClConns    = counter("edgegate_cluster_redis_connections_total", "Connections made to Redis.")
	fClLeases   = counter("edgegate_cluster_leases_total", "Lease script calls.")
	fClGranted  = counter("edgegate_cluster_tokens_granted_total", "Admissions leased from Redis.")
	fClReturned = counter("edgegate_cluster_tokens_returned_total", "Unspent leased admissions given back to Redis.")
	fClDropped  = counter("edgegate_cluster_tokens_dropped_total", "Unspent leased admissions dropped because Redis lost its data.")
	fClOpen     = counter("edgegate_cluster_fail_open_total", "Requests decided by the edge's local limits while Redis was down (policy open).")
	fClClosed   = counter("edgegate_cluster_fail_closed_total", "Requests refused because Redis was down (policy closed).")
)

var clusterFamilies = []*fam{fClUp, fClLimits, fClEdges, fClRTs, fClFailures, fClConns, fClLeases, fClGranted, fClReturned, fClDropped, fClOpen, fClClosed}

func (e *Exporter) writeCluster(src Cluster) {
	st := src.Stats()
	up := int64(0)
	if st.Up {
		up = 1
	}
	t := e.out
	for _, c := range []struct {
		f *fam
		v int64
	}{
		{fClUp, up}, {fClLimits, int64(st.Limits)}, {fClEdges, st.Edges}, {fClRTs, st.RoundTrips}, {fClFailures, st.Failures},
		{fClConns, st.Reconnects}, {fClLeases, st.Leases}, {fClGranted, st.Granted}, {fClReturned, st.Returned},
		{fClDropped, st.Dropped}, {fClOpen, st.FailOpen}, {fClClosed, st.FailClosed},
	} {
		t.family(c.f)
		t.unsigned(c.f.name, c.v)
	}
}

// SetCluster adds the cluster-wide limits' families.
func (e *Exporter) SetCluster(c Cluster) {
	e.mu.Lock()
	e.src.Cluster = c
	e.mu.Unlock()
}
