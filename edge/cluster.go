package edge

import (
	"time"

	"github.com/edgegate/edgegate/limiter"
)

// ClusterLimits makes an edge's limits and quotas cluster-wide (package
// cluster leases them from Redis; README "Cluster-wide limits"). Globals
// is called once, before the first snapshot is installed, with the edge's
// event loop count and the base of the clock its loops pass to the
// limiter.
type ClusterLimits interface {
	Globals(loops int, clockBase time.Time) limiter.GlobalSource
}

// attachCluster is the hook in New.
func (s *Server) attachCluster() {
	if s.cfg.Cluster != nil {
		s.lim.SetGlobals(s.cfg.Cluster.Globals(s.cfg.Loops, s.clk.base))
	}
}

// QuotasShared reports whether PlanQuotaUsed are cluster totals (Redis)
// rather than this edge's own counts: the admin then takes the largest
// report instead of the sum (InUseRequestNum).
func (s *Server) QuotasShared() bool { return s.cfg.Cluster != nil }
