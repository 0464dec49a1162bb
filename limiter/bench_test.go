package limiter

import (
	"sync/atomic"
	"testing"
	"time"
)

// Parallel benchmarks stand for the edge's event loops: run them with
// -cpu 2 (two loops on this 2-core machine). Each goroutine is one loop
// with its own index; all read one shared clock (the edge's loops read
// one base).
func runLoops(b *testing.B, check func(loop int, now int64)) {
	var clock atomic.Int64
	clock.Store(int64(time.Hour))
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		loop := int(next.Add(1)-1) % 2
		for pb.Next() {
			check(loop, clock.Load())
		}
	})
}

// BenchmarkCounter: one limit shared by both loops. admit: a limit the
// load never reaches (leases); refuse: a limit the load is over (every
// check is refused, read-only); shared-cas: a limit under 200 (no lease,
// one CAS per admission) with a clock that keeps it admitting.
func BenchmarkCounter(b *testing.B) {
	b.Run("admit", func(b *testing.B) {
		c := mustCounter(b, 1<<39, Second, 2)
		runLoops(b, func(loop int, now int64) { c.Take(loop, now) })
	})
	b.Run("refuse", func(b *testing.B) {
		c := mustCounter(b, 50, Second, 2)
		runLoops(b, func(loop int, now int64) { c.Take(loop, now) })
	})
	b.Run("shared-cas", func(b *testing.B) {
		c := mustCounter(b, 199, Second, 2)
		var ticks [2]struct {
			now int64
			_   [56]byte
		}
		runLoops(b, func(loop int, now int64) {
			ticks[loop].now += int64(6 * time.Millisecond) // ~170/s per loop: mostly admitted
			c.Take(loop, ticks[loop].now)
		})
	})
}

// BenchmarkTakeAll: five rules per request, as the edge would check them:
// API, service and plugin counters (seed 000's example ordering), a per-IP
// table rule and a quota. admitted: limits the load never reaches, every
// rule takes (the common case); refused: the API's 50/s is over and is
// checked first, so a refusal costs one check.
func BenchmarkTakeAll(b *testing.B) {
	for _, bc := range []struct {
		name          string
		api, svc, plg int64
	}{{"admitted", 1 << 39, 1 << 38, 1 << 37}, {"refused", 50, 100, 500}} {
		b.Run(bc.name, func(b *testing.B) {
			api := mustCounter(b, bc.api, Second, 2)
			svc := mustCounter(b, bc.svc, Second, 2)
			plugin := mustCounter(b, bc.plg, Second, 2)
			tab, _ := NewTable(1<<16, 8)
			ip, _ := tab.Rule(1, Limit{N: 1 << 39, Per: Second})
			q := NewQuota(-1)
			var steps [2][]Step
			for l := range steps {
				// Per-loop scratch, as in the edge's loop struct (its own
				// cache lines: the capacity pads it).
				steps[l] = append(make([]Step, 0, 16), Step{Counter: api}, Step{Counter: svc}, Step{Counter: plugin}, Step{Table: tab, Rule: ip}, Step{Quota: q})
			}
			val := [2][]byte{[]byte("198.51.100.23"), []byte("203.0.113.200")}
			runLoops(b, func(loop int, now int64) {
				s := steps[loop]
				s[3].Key = ip.Key(val[loop])
				TakeAll(s, loop, now)
			})
		})
	}
}

// BenchmarkTable1M: a table holding 1,000,000 keys, both loops checking
// random ones (memory-bound: each check touches two cold cache lines).
func BenchmarkTable1M(b *testing.B) {
	const n = 1_000_000
	tab, _ := NewTable(n, 4)
	r, _ := tab.Rule(1, Limit{N: 1 << 30, Per: Second})
	now := int64(time.Hour)
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = r.Key64(uint64(i))
		tab.Take(r, keys[i], now)
	}
	var seed atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		x := seed.Add(0x9e3779b97f4a7c15)
		for pb.Next() {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			tab.Take(r, keys[x%n], now)
		}
	})
}

// BenchmarkTable1MDependent is BenchmarkTable1M with each key depending
// on the last Take's result, so one Take's cache misses cannot overlap the
// next one's: the latency a request sees, not the throughput of a loop of
// independent Takes. The fill passes capacity/16 inserts, so it waits for
// the table's huge-page advice first.
func BenchmarkTable1MDependent(b *testing.B) {
	const n = 1_000_000
	tab, r, now := filledTable(b, n)
	x := uint64(88172645463325252)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		res := tab.Take(r, r.Key64(x%n), now)
		x += uint64(res.Remaining & 1)
	}
}

func BenchmarkHash(b *testing.B) {
	v := []byte("198.51.100.23")
	b.ReportAllocs()
	for b.Loop() {
		Hash(7, v)
	}
}

// BenchmarkTable1MBatch: Takes of random keys of a full 1,000,000-key
// table in batches of 32 (a loaded edge loop's batches held about 37
// requests at 64 connections), each batch's keys known before its first Take
// (as edge's batch prefetch knows a batch's requests); with "touch" the
// batch is touched first, so its misses overlap. ns/op is per Take.
func BenchmarkTable1MBatch(b *testing.B) {
	const n, batch = 1_000_000, 32
	tab, r, now := filledTable(b, n)
	for _, touch := range []bool{false, true} {
		name := "take"
		if touch {
			name = "touch-then-take"
		}
		b.Run(name, func(b *testing.B) {
			x := uint64(88172645463325252)
			var keys [batch]uint64
			for i := 0; i < b.N; i += batch {
				for j := range keys {
					x ^= x << 13
					x ^= x >> 7
					x ^= x << 17
					keys[j] = r.Key64(x % n)
				}
				if touch {
					tab.Touch(keys[:])
				}
				for _, k := range keys {
					res := tab.Take(r, k, now)
					x += uint64(res.Remaining & 1) // the next batch waits for this one
				}
			}
		})
	}
}

// filledTable is a table of n keys holding keys Key64(0..n-1) under its
// rule, once its huge-page advice has been given (the fill passes
// capacity/16 inserts).
func filledTable(b *testing.B, n int) (*Table, *TableRule, int64) {
	b.Helper()
	tab, _ := NewTable(n, 4)
	r, _ := tab.Rule(1, Limit{N: 1 << 30, Per: Hour})
	now := int64(time.Hour)
	for i := range uint64(n) {
		tab.Take(r, r.Key64(i), now)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if asked, err := tab.HugePages(); asked {
			b.Logf("huge pages: %v", err)
			break
		}
	}
	return tab, r, now
}
