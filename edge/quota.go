package edge

import (
	"strings"

	"github.com/edgegate/edgegate/limiter"
)

// QuotaCounts are the usage-plan quota counts (MaxRequestNum), sorted by
// id, for the caller to persist (cmd/edgegate writes <data>/quota.json
// every second and after a graceful stop; README "Rate limiting").
func (s *Server) QuotaCounts() []limiter.QuotaCount { return s.lim.Snapshot(nil) }

// RestoreQuotas loads persisted quota counts. Call it before Start.
func (s *Server) RestoreQuotas(counts []limiter.QuotaCount) { s.lim.Restore(counts) }

// PlanQuotaUsed is QuotaCounts by usage plan id (the control plane's
// InUseRequestNum, reported with EdgeSync). Not for the hot path.
func (s *Server) PlanQuotaUsed() map[string]int64 {
	out := map[string]int64{}
	for _, q := range s.QuotaCounts() {
		if plan, ok := strings.CutPrefix(q.ID, quotaPrefix); ok {
			out[plan] = q.Used
		}
	}
	return out
}
