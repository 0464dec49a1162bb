package limiter

import (
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func mustCounter(t testing.TB, n int64, per time.Duration, loops int) *Counter {
	t.Helper()
	c, err := NewCounter(Limit{N: n, Per: per}, loops)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEffectiveMinimum: seed 000's example, plugin 500, service 100, API
// 50: 50 admitted; refusals consume nothing of the other rules, whatever
// the order.
func TestEffectiveMinimum(t *testing.T) {
	now := int64(time.Hour)
	for _, order := range [][3]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		c := [3]*Counter{mustCounter(t, 500, Second, 2), mustCounter(t, 100, Second, 2), mustCounter(t, 50, Second, 2)}
		steps := []Step{{Counter: c[order[0]]}, {Counter: c[order[1]]}, {Counter: c[order[2]]}}
		admitted := 0
		for i := range 200 {
			r, at := TakeAll(steps, i%2, now)
			if r.OK {
				admitted++
				if at != -1 {
					t.Fatalf("admitted with refusing step %d", at)
				}
				continue
			}
			if steps[at].Counter != c[2] || r.Limit != 50 || r.Remaining != 0 || r.Reset <= 0 || r.Reset > 1001*time.Millisecond || r.RetryAfter() > 2 {
				t.Fatalf("refused by step %d %+v, want the API's 50 with a reset", at, r)
			}
		}
		if admitted != 50 {
			t.Errorf("order %v: %d admitted, want 50", order, admitted)
		}
		// Each loop may hold up to s-1 leased admissions (counted as used).
		for i := range c {
			if u := c[i].Used(now); u < 50 || u > 50+2*(c[i].s-1) {
				t.Errorf("order %v: rule %d used %d, want 50 (+ leases of %d): a refusal consumed budget", order, i, u, c[i].s-1)
			}
		}
	}
}

// TestTakeAllReportsTightest: success carries the rule with least room.
func TestTakeAllReportsTightest(t *testing.T) {
	tab, _ := NewTable(16, 8)
	r, _ := tab.Rule(1, Limit{N: 3, Per: Minute})
	q := NewQuota(1000)
	steps := []Step{{Counter: mustCounter(t, 10, Second, 1)}, {Quota: q}, {Table: tab, Rule: r, Key: r.KeyString("k")}}
	res, at := TakeAll(steps, 0, 0)
	if !res.OK || at != -1 || res.Limit != 3 || res.Remaining != 2 {
		t.Fatalf("got %+v %d, want the table rule's 3 with 2 left", res, at)
	}
	TakeAll(steps, 0, 0)
	TakeAll(steps, 0, 0)
	res, at = TakeAll(steps, 0, 0)
	if res.OK || at != 2 {
		t.Fatalf("4th request: %+v %d, want refused by the table rule", res, at)
	}
	if c := steps[0].Counter; q.Used() != 3 || c.Used(0) > 3+c.s-1 || tab.Used(r, r.KeyString("k"), 0) != 3 {
		t.Errorf("refusal consumed budget: quota %d counter %d", q.Used(), steps[0].Counter.Used(0))
	}
}

func TestQuota(t *testing.T) {
	q := NewQuota(3)
	for i := range 3 {
		if r := q.Take(); !r.OK || r.Remaining != int64(2-i) || r.Limit != 3 {
			t.Fatalf("take %d: %+v", i, r)
		}
	}
	for range 5 {
		if q.Take().OK {
			t.Fatal("admitted past the quota")
		}
	}
	if q.Used() != 3 {
		t.Fatalf("refusals counted: used %d", q.Used())
	}
	q.SetMax(-1)
	if r := q.Take(); !r.OK || r.Limit != -1 {
		t.Fatalf("unlimited quota refused: %+v", r)
	}
}

// TestRegistry: ids keep their state across reloads; quota counts go out
// with Snapshot and come back with Restore, before or after the quota is
// created; Sweep drops what the last compile did not ask for.
func TestRegistry(t *testing.T) {
	r := NewRegistry(2)
	l := Limit{N: 10, Per: Second}
	c1, _ := r.Counter("api:a:second", l)
	c2, _ := r.Counter("api:a:second", l)
	if c1 != c2 {
		t.Error("same id and limit gave a new counter")
	}
	c3, _ := r.Counter("api:a:second", Limit{N: 20, Per: Second})
	if c3 == c1 || c3.Limit().N != 20 {
		t.Error("a changed limit kept the old counter")
	}
	if _, err := r.Counter("bad", Limit{N: 0, Per: Second}); err == nil {
		t.Error("limit 0 accepted")
	}
	q := r.Quota("plan:p:key:k", 100)
	for range 7 {
		q.Take()
	}
	if r.Quota("plan:p:key:k", 200) != q || q.Max() != 100 || q.Used() != 7 {
		t.Fatalf("quota after reload: max %d used %d (the maximum changes only through SetMax)", q.Max(), q.Used())
	}
	q.SetMax(200)
	if q.Max() != 200 || q.Used() != 7 {
		t.Error("reload lost the quota count")
	}
	snap := r.Snapshot(nil)
	if want := []QuotaCount{{"plan:p:key:k", 7}}; !reflect.DeepEqual(snap, want) {
		t.Fatalf("snapshot %v, want %v", snap, want)
	}

	// A restart: restore before the compile asks for the quota.
	r2 := NewRegistry(2)
	r2.Restore(append(snap, QuotaCount{"plan:gone:key:x", 4}))
	if got := r2.Snapshot(nil); len(got) != 2 {
		t.Errorf("pending restored counts not kept in snapshots: %v", got)
	}
	q2 := r2.Quota("plan:p:key:k", 200)
	if q2.Used() != 7 {
		t.Errorf("restored count %d, want 7", q2.Used())
	}
	r2.Restore([]QuotaCount{{"plan:p:key:k", 9}})
	if q2.Used() != 9 {
		t.Errorf("restore into a live quota: %d, want 9", q2.Used())
	}

	r.Sweep() // everything above was asked for: kept
	r.Sweep() // nothing asked for since: dropped
	if r.Quota("plan:p:key:k", 100).Used() != 0 {
		t.Error("Sweep kept a quota nobody asked for")
	}
}

// TestConcurrent: real goroutines, one per loop, hammer shared rules; the
// total admitted never exceeds the limit plus its tolerance and a refusal
// never leaves the rules short by more than the tolerance. Run with -race.
func TestConcurrent(t *testing.T) {
	const loops = 4
	for _, n := range []int64{50, 5000} {
		c := mustCounter(t, n, Minute, loops)
		svc := mustCounter(t, 2*n, Minute, loops)
		tab, _ := NewTable(1024, 64)
		r, _ := tab.Rule(9, Limit{N: 64, Per: Minute})
		q := NewQuota(3 * n)
		var clock atomic.Int64
		clock.Store(int64(time.Hour))
		var admitted, viaIP atomic.Int64
		var wg sync.WaitGroup
		for loop := range loops {
			wg.Add(1)
			go func() {
				defer wg.Done()
				steps := make([]Step, 3)
				for i := range int(n) * 3 {
					now := clock.Load()
					steps[0] = Step{Counter: c}
					steps[1] = Step{Counter: svc}
					steps[2] = Step{Quota: q}
					if res, _ := TakeAll(steps, loop, now); res.OK {
						admitted.Add(1)
					}
					if tab.Take(r, r.Key64(uint64(i%4)), now).OK {
						viaIP.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		tol := c.Limit().Tolerance()
		if a := admitted.Load(); a > n+tol || a < n-tol {
			t.Errorf("limit %d: %d admitted by %d goroutines (tolerance %d)", n, a, loops, tol)
		}
		if got := svc.Used(clock.Load()); got > admitted.Load()+int64(loops)*svc.s {
			t.Errorf("service counted %d for %d admitted: refusals consumed it", got, admitted.Load())
		}
		if q.Used() != admitted.Load() {
			t.Errorf("quota counted %d for %d admitted", q.Used(), admitted.Load())
		}
		if v := viaIP.Load(); v != 4*64 {
			t.Errorf("4 keys of 64 each: %d admitted", v)
		}
	}
}

// TestConcurrentSliding: real goroutines on a moving clock (real time
// sped up 8x: 4 s of windows in 0.5 s) hammer a 1000/s limit shared with
// leases and a table key from four loops; every window position over the
// recorded admission times holds at most N + tolerance. Run with -race.
func TestConcurrentSliding(t *testing.T) {
	const loops = 4
	l := Limit{N: 1000, Per: Second}
	c := mustCounter(t, l.N, l.Per, loops)
	tab, _ := NewTable(64, 8)
	r, _ := tab.Rule(2, Limit{N: 64, Per: Second})
	key := r.KeyString("192.0.2.1")
	begin := time.Now()
	start := int64(time.Hour)
	end := start + 4*int64(time.Second)
	adm := make([][]int64, loops)
	tadm := make([][]int64, loops)
	var wg sync.WaitGroup
	for loop := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				now := start + 8*int64(time.Since(begin))
				if now >= end {
					return
				}
				if c.Take(loop, now).OK {
					adm[loop] = append(adm[loop], now)
				}
				if tab.Take(r, key, now).OK {
					tadm[loop] = append(tadm[loop], now)
				}
			}
		}()
	}
	wg.Wait()
	check := func(name string, per [][]int64, n int64, tol int64) {
		var all []int64
		for _, a := range per {
			all = append(all, a...)
		}
		slices.Sort(all)
		lo, most := 0, 0
		for hi, at := range all {
			for all[lo] <= at-int64(time.Second) {
				lo++
			}
			most = max(most, hi-lo+1)
		}
		t.Logf("%s: %d admitted over 4 s, at most %d in a window (limit %d)", name, len(all), most, n)
		if int64(most) > n+tol || len(all) < 3*int(n) {
			t.Errorf("%s: %d admitted in one window, limit %d + %d (%d in all)", name, most, n, tol, len(all))
		}
	}
	check("counter", adm, l.N, l.Tolerance())
	check("table", tadm, 64, 0)
}
