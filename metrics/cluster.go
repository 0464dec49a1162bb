package metrics

import "github.com/edgegate/edgegate/cluster"

// Cluster is the lessor of cluster-wide limits (`edgegate edge --redis`);
// *cluster.Lessor is one.
type Cluster interface {
	Stats() cluster.Stats
}

// Cluster-wide limits on Redis (cluster.Lessor.Stats; README "Cluster-wide
// limits (Redis)"), in the order clusterValues reads them.
var clusterFamilies = []*fam{
	gauge("edgegate_cluster_redis_up", "1 while limits are leased from Redis (the last round trip succeeded), 0 while the --redis-down policy applies."),
	gauge("edgegate_cluster_limits", "Cluster-wide limits and quotas in force on this edge."),
	gauge("edgegate_cluster_edges", "Edges leasing from the same Redis (seen in the last 10 s)."),
	counter("edgegate_cluster_redis_round_trips_total", "Pipelined round trips to Redis (each carries any number of leases)."),
	counter("edgegate_cluster_redis_failures_total", "Failed Redis dials and round trips."),
	counter("edgegate_cluster_redis_connections_total", "Connections made to Redis."),
	counter("edgegate_cluster_leases_total", "Lease script calls."),
	counter("edgegate_cluster_tokens_granted_total", "Admissions leased from Redis."),
	counter("edgegate_cluster_tokens_returned_total", "Unspent leased admissions given back to Redis."),
	counter("edgegate_cluster_tokens_dropped_total", "Unspent leased admissions dropped because Redis lost its data."),
	counter("edgegate_cluster_fail_open_total", "Requests decided by the edge's local limits while Redis was down (policy open)."),
	counter("edgegate_cluster_fail_closed_total", "Requests refused because Redis was down (policy closed)."),
}

// clusterValues are st's values for clusterFamilies.
func clusterValues(st *cluster.Stats) [12]int64 {
	up := int64(0)
	if st.Up {
		up = 1
	}
	return [12]int64{up, int64(st.Limits), st.Edges, st.RoundTrips, st.Failures, st.Reconnects, st.Leases,
		st.Granted, st.Returned, st.Dropped, st.FailOpen, st.FailClosed}
}

func (e *Exporter) writeCluster(src Cluster) {
	st := src.Stats()
	v := clusterValues(&st)
	t := e.out
	for i, f := range clusterFamilies {
		t.family(f)
		t.unsigned(f.name, v[i])
	}
}
