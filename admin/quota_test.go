package admin

import "testing"

// TestInUseRequestNum: a plan's InUseRequestNum is the in-process edge's
// count plus the last count each remote edge reported with EdgeSync; a new
// report from an edge replaces its previous one.
func TestInUseRequestNum(t *testing.T) {
	local := map[string]int64{}
	ta, plan, inUse := boundPlan(t, Options{LocalQuota: func() (map[string]int64, bool) { return local, false }})
	if n := inUse(); n != 0 {
		t.Fatalf("unused plan: %v", n)
	}
	local[plan] = 7
	sync := func(edge string, used int64) {
		t.Helper()
		ta.must("EdgeSync", map[string]any{"EdgeId": edge, "Revision": ta.Revision(), "WaitSeconds": 0,
			"Quotas": map[string]int64{plan: used, "usagePlan-other": 99}})
	}
	sync("edge-a", 5)
	sync("edge-b", 3)
	if n := inUse(); n != 15 {
		t.Fatalf("InUseRequestNum %v, want 7+5+3", n)
	}
	sync("edge-a", 9) // a later report replaces the earlier one
	if n := inUse(); n != 19 {
		t.Fatalf("InUseRequestNum %v, want 7+9+3", n)
	}
}
