package metrics

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/cluster"
)

type fakeCluster struct{ st cluster.Stats }

func (f *fakeCluster) Stats() cluster.Stats { return f.st }

// The cluster families report the lessor's Stats, up as 1/0.
func TestClusterFamilies(t *testing.T) {
	f := &fakeCluster{cluster.Stats{Up: true, Limits: 3, Edges: 2, RoundTrips: 10, Leases: 7, Granted: 700, Returned: 5, FailOpen: 4, FailClosed: 1}}
	e := New(Sources{})
	if strings.Contains(string(e.Scrape()), "edgegate_cluster") {
		t.Fatal("cluster families without --redis")
	}
	e = New(Sources{Cluster: f})
	out := string(e.Scrape())
	for _, want := range []string{"edgegate_cluster_redis_up 1\n", "edgegate_cluster_limits 3\n", "edgegate_cluster_edges 2\n",
		"edgegate_cluster_leases_total 7\n", "edgegate_cluster_tokens_granted_total 700\n", "edgegate_cluster_fail_open_total 4\n",
		"edgegate_cluster_fail_closed_total 1\n", "# TYPE edgegate_cluster_redis_round_trips_total counter\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q:\n%s", want, out)
		}
	}
	f.st.Up = false
	if out := string(e.Scrape()); !strings.Contains(out, "edgegate_cluster_redis_up 0\n") {
		t.Errorf("redis down: %s", out)
	}
}
