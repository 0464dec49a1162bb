package limiter

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// taker is what the accuracy tests drive: a Counter (leases per loop) or
// a table key.
type taker func(loop int, now int64) bool

// sim drives a limit for 6 windows with over-limit, bursty demand spread
// unevenly over loops on a controlled clock, and returns the times of
// admissions and refusals. Requests arrive at sub-millisecond offsets, in
// bursts, and there is a 2L burst straddling every window boundary (what
// a fixed window would admit twice).
func sim(t *testing.T, take taker, l Limit, loops int, seed uint64) (adm, ref []int64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	w := int64(l.Per)
	start := int64(1000)*int64(time.Hour) + rng.Int64N(w) // clock far from 0, window unaligned
	// weights: loop i gets a share proportional to 2^(loops-i) (uneven)
	pick := func() int {
		r := rng.IntN(1<<loops - 1)
		for i := 0; i < loops; i++ {
			if r < 1<<(loops-1-i) {
				return i
			}
			r -= 1 << (loops - 1 - i)
		}
		return 0
	}
	// events: (time, count) of demand
	type ev struct{ at, n int64 }
	var evs []ev
	end := start + 6*w
	// background: about 3L per window in random-sized bursts
	for at := start; at < end; {
		at += rng.Int64N(w/int64(max(1, l.N/4))) + 1
		evs = append(evs, ev{at, 1 + rng.Int64N(8)})
	}
	// boundary bursts: L just before and L just after every multiple of w
	for k := (start/w + 1) * w; k < end; k += w {
		evs = append(evs, ev{k - int64(time.Millisecond)/2, l.N}, ev{k + int64(time.Millisecond)/3, l.N})
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].at < evs[j].at })
	for _, e := range evs {
		for range e.n {
			if take(pick(), e.at) {
				adm = append(adm, e.at)
			} else {
				ref = append(ref, e.at)
			}
		}
	}
	return adm, ref
}

// checkWindows checks every window position: the most admissions in any
// window of length Per is at most N+tol (a window's count only grows when
// its end passes an admission, so the windows ending at admissions are
// all the positions that matter), and every refusal saw at least N-tol
// admissions in the window before it (plus the 1 ms of clock resolution).
func checkWindows(t *testing.T, adm, ref []int64, l Limit, tol int64) {
	t.Helper()
	w := int64(l.Per)
	lo := 0
	var most int64
	for hi, at := range adm {
		for adm[lo] <= at-w {
			lo++
		}
		most = max(most, int64(hi-lo+1))
	}
	if most > l.N+tol {
		t.Errorf("%d admitted in one window of %v, limit %d (tolerance %d)", most, l.Per, l.N, tol)
	}
	if most < l.N-tol {
		t.Errorf("at most %d admitted in any window of %v, limit %d: too strict", most, l.Per, l.N)
	}
	fewest := int64(-1)
	for _, at := range ref {
		a := sort.Search(len(adm), func(i int) bool { return adm[i] > at-w-int64(time.Millisecond) })
		b := sort.Search(len(adm), func(i int) bool { return adm[i] > at })
		if n := int64(b - a); fewest < 0 || n < fewest {
			fewest = n
		}
	}
	if len(ref) == 0 {
		t.Fatal("no refusals: the demand did not exceed the limit")
	}
	if fewest < l.N-tol {
		t.Errorf("a refusal with only %d admitted in the window of %v before it, limit %d (tolerance %d)", fewest, l.Per, l.N, tol)
	}
	t.Logf("%d admitted, %d refused; most in a window %d, fewest before a refusal %d (limit %d ± %d)", len(adm), len(ref), most, fewest, l.N, tol)
}

var windows = []time.Duration{Second, Minute, Hour, Day}

// TestCounterAccuracy: a limit shared by 4 loops with uneven load admits
// within max(1, 1% of L) of L in every window position, for every window
// size, with no 2x burst across a boundary.
func TestCounterAccuracy(t *testing.T) {
	for _, per := range windows {
		for _, n := range []int64{1, 50, 1000, 20000} {
			l := Limit{N: n, Per: per}
			t.Run(fmt.Sprintf("%dper%v", n, per), func(t *testing.T) {
				const loops = 4
				c, err := NewCounter(l, loops)
				if err != nil {
					t.Fatal(err)
				}
				adm, ref := sim(t, func(loop int, now int64) bool { return c.Take(loop, now).OK }, l, loops, uint64(n)+uint64(per))
				checkWindows(t, adm, ref, l, l.Tolerance())
			})
		}
	}
}

// TestTableAccuracy: the same for a table key, exact when N <= marks and
// within q-1 = ceil(N/marks)-1 below otherwise.
func TestTableAccuracy(t *testing.T) {
	tab, err := NewTable(64, 64)
	if err != nil {
		t.Fatal(err)
	}
	for _, per := range windows {
		for _, n := range []int64{1, 50, 1000} {
			l := Limit{N: n, Per: per}
			t.Run(fmt.Sprintf("%dper%v", n, per), func(t *testing.T) {
				r, err := tab.Rule(uint64(n)<<32|uint64(per/time.Second), l)
				if err != nil {
					t.Fatal(err)
				}
				key := r.KeyString("203.0.113.7")
				tol := max(1, (n+63)/64-1)
				adm, ref := sim(t, func(loop int, now int64) bool { return tab.Take(r, key, now).OK }, l, 2, uint64(n)*7+uint64(per))
				checkWindows(t, adm, ref, l, tol)
			})
		}
	}
}

// TestNoBoundaryBurst: the fixed-window failure. N requests just before a
// window boundary and N more just after: a fixed window admits 2N, a
// sliding window N; N more are admitted once the first burst is a full
// window old (plus the 1 ms resolution), not before.
func TestNoBoundaryBurst(t *testing.T) {
	const n = 100
	ms := int64(time.Millisecond)
	for _, per := range windows {
		l := Limit{N: n, Per: per}
		c, _ := NewCounter(l, 2)
		tab, _ := NewTable(16, 128)
		r, _ := tab.Rule(1, l)
		key := r.KeyString("198.51.100.1")
		takers := map[string]taker{
			"counter": func(loop int, now int64) bool { return c.Take(loop, now).OK },
			"table":   func(loop int, now int64) bool { return tab.Take(r, key, now).OK },
		}
		for name, take := range takers {
			burst := func(at int64) (admitted int) {
				for i := range 2 * n {
					if take(i%2, at) {
						admitted++
					}
				}
				return admitted
			}
			boundary := 1000 * int64(per) // aligned, as a fixed window's would be
			before := burst(boundary - ms)
			after := burst(boundary + ms)
			early := burst(boundary - ms + int64(per))       // exactly one window later: still inside
			late := burst(boundary - ms + int64(per) + 2*ms) // a window and 2 ms later: first burst gone
			if before != n || after != 0 || early != 0 || late != n {
				t.Errorf("%v %s: admitted %d before the boundary, %d after, %d a window later, %d after that; want %d, 0, 0, %d",
					per, name, before, after, early, late, n, n)
			}
		}
	}
}
