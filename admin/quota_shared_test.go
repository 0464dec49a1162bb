package admin

import "testing"

// TestInUseRequestNumShared: edges leasing from Redis report the cluster
// total (QuotasShared), which the admin takes once (the largest, the most
// recent count) instead of summing, and still adds edges counting alone.
func TestInUseRequestNumShared(t *testing.T) {
	ta, plan, inUse := boundPlan(t, Options{})
	sync := func(edge string, used int64, shared bool) {
		t.Helper()
		ta.must("EdgeSync", map[string]any{"EdgeId": edge, "Revision": ta.Revision(), "WaitSeconds": 0,
			"Quotas": map[string]int64{plan: used}, "QuotasShared": shared})
	}
	sync("edge-a", 500, true)
	sync("edge-b", 498, true)
	sync("edge-c", 501, true)
	if n := inUse(); n != 501 {
		t.Fatalf("InUseRequestNum %v, want 501 (the cluster total, once)", n)
	}
	sync("edge-d", 4, false)
	if n := inUse(); n != 505 {
		t.Fatalf("InUseRequestNum %v, want 501 shared + 4 local", n)
	}
}

// boundPlan is an admin with a usage plan bound to a service's release
// environment, and a reader of the plan's InUseRequestNum there.
func boundPlan(t *testing.T, opts Options) (*testAdmin, string, func() float64) {
	ta := newTestAdmin(t, t.TempDir(), opts)
	svc, _ := ta.service()
	plan := ta.plan()
	ta.must("BindEnvironment", map[string]any{"UsagePlanIds": []string{plan}, "BindType": "SERVICE", "Environment": "release", "ServiceId": svc})
	return ta, plan, func() float64 {
		t.Helper()
		r := resultMap(ta.must("DescribeUsagePlanEnvironments", map[string]any{"UsagePlanId": plan, "BindType": "SERVICE"}))
		l := r["EnvironmentList"].([]any)
		if len(l) != 1 {
			t.Fatalf("%d bindings", len(l))
		}
		return l[0].(map[string]any)["InUseRequestNum"].(float64)
	}
}

// An in-process edge leasing from Redis (`run --redis`) reports the
// cluster total too: taken once with the remote edges' totals, and the
// remote edges counting alone still add to it.
func TestInUseRequestNumLocalShared(t *testing.T) {
	var local map[string]int64
	ta, plan, inUse := boundPlan(t, Options{LocalQuota: func() (map[string]int64, bool) { return local, true }})
	local = map[string]int64{plan: 503}
	ta.must("EdgeSync", map[string]any{"EdgeId": "edge-a", "Revision": ta.Revision(), "WaitSeconds": 0,
		"Quotas": map[string]int64{plan: 500}, "QuotasShared": true})
	if n := inUse(); n != 503 {
		t.Fatalf("InUseRequestNum %v, want 503 (the newest cluster total, once)", n)
	}
	ta.must("EdgeSync", map[string]any{"EdgeId": "edge-b", "Revision": ta.Revision(), "WaitSeconds": 0,
		"Quotas": map[string]int64{plan: 7}, "QuotasShared": false})
	if n := inUse(); n != 510 {
		t.Fatalf("InUseRequestNum %v, want 503 shared + 7 counted alone", n)
	}
}
