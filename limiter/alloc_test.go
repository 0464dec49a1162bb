//go:build !race

package limiter

import (
	"testing"
	"time"
)

// The check path allocates nothing: counters (lease and shared paths,
// admit and refuse), table keys (present, inserted, evicted), quotas,
// multi-rule checks and key hashing.
func TestCheckAllocs(t *testing.T) {
	c := mustCounter(t, 1000, Second, 2)
	small := mustCounter(t, 5, Second, 2)
	tab, _ := NewTable(64, 8)
	r, _ := tab.Rule(1, Limit{N: 3, Per: Minute})
	q := NewQuota(1 << 40)
	steps := []Step{{Counter: c}, {Quota: q}, {Table: tab, Rule: r}}
	val := []byte("203.0.113.9")
	now := int64(time.Hour)
	var i uint64
	cases := map[string]func(){
		"counter":  func() { now += 100_000; c.Take(int(i&1), now); i++ },
		"refusals": func() { small.Take(0, now) },
		"table":    func() { i++; tab.Take(r, r.Key64(i%500), now) },
		"quota":    func() { q.Take() },
		"takeall": func() {
			i++
			now += 100_000
			steps[2].Key = r.Key(val)
			TakeAll(steps, int(i&1), now)
		},
		"hash": func() { Hash(1, val); HashString(1, "x-param-value") },
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocs per check", name, n)
		}
	}
}
