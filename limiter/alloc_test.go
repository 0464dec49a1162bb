//go:build !race

package limiter

import (
	"sync/atomic"
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
	// Cluster-wide (global.go): a counter and a quota spending leased
	// tokens, asking for more, and refusing in a dry window.
	wake := make(chan struct{}, 1)
	var pending atomic.Bool
	gc := mustCounter(t, 1000, Second, 2)
	gq := NewQuota(1 << 40)
	g := NewGlobal(GlobalConfig{ID: "c", Limit: Limit{N: 1000, Per: Second}, Loops: 2, Wake: wake, Pending: &pending})
	gqg := NewGlobal(GlobalConfig{ID: "q", Quota: gq, Loops: 2, Wake: wake, Pending: &pending})
	gc.g.Store(g)
	gq.g.Store(gqg)
	gdry := mustCounter(t, 5, Second, 2)
	dry := NewGlobal(GlobalConfig{ID: "d", Limit: Limit{N: 5, Per: Second}, Loops: 2, Wake: wake, Pending: &pending})
	gdry.g.Store(dry)
	for loop := range 2 {
		for w := g.Window(int64(time.Hour)); w <= g.Window(int64(time.Hour))+1; w++ {
			g.Grant(loop, w, 1<<30) // the windows now passes through
		}
		gqg.Grant(loop, 0, 1<<30)
	}
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
		"global": func() {
			now += 100_000
			i++
			gc.Take(int(i&1), now)
			gq.TakeOn(int(i & 1))
			g.SetLow(0, 1<<31) // every take asks: the wake path
			gdry.Take(0, now)
			dry.SetDry(dry.Window(now))
			gdry.Take(1, now)
		},
	}
	defer func() {
		if w := g.Window(now); g.Left(0, w) == 1<<30 || g.Left(0, w) == 0 {
			t.Errorf("global: the counter spent no leased token (%d left)", g.Left(0, w))
		}
	}()
	for name, f := range cases {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocs per check", name, n)
		}
	}
}
