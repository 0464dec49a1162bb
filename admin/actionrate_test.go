package admin

import "testing"

// Limits.ActionRate sets the Action API's per-Action rate: the seed's by
// default, another default rate, or none at all (bulk loads).
func TestActionRate(t *testing.T) {
	for _, c := range []struct {
		rate                   int
		def, describe, edgeRPS int
	}{
		{0, 20, 100, 0},
		{5, 5, 100, 0},
		{-1, 0, 0, 0},
	} {
		ta := newTestAdmin(t, t.TempDir(), Options{Limits: Limits{ActionRate: c.rate}})
		l := ta.api.Limits
		if l.Default != c.def || l.PerAction["DescribeApi"] != c.describe || l.PerAction["EdgeSync"] != c.edgeRPS {
			t.Errorf("ActionRate %d: Default %d, DescribeApi %d, EdgeSync %d; want %d, %d, %d",
				c.rate, l.Default, l.PerAction["DescribeApi"], l.PerAction["EdgeSync"], c.def, c.describe, c.edgeRPS)
		}
	}
}
