package ratelimit

import (
	"testing"
	"time"
)

// A bucket holds one second's worth; it refills with time and never
// beyond its rate; keys are apart; a rate of 0 or less is unlimited; idle
// buckets are swept once there are many.
func TestAllow(t *testing.T) {
	var rl Limiter
	t0 := time.Unix(1_000_000, 0)
	for i := range 5 {
		if !rl.Allow("a", "op", 5, t0) {
			t.Fatalf("call %d refused", i)
		}
	}
	if rl.Allow("a", "op", 5, t0) {
		t.Fatal("sixth call in the same instant admitted")
	}
	if !rl.Allow("a", "other", 5, t0) || !rl.Allow("b", "op", 5, t0) {
		t.Fatal("another operation or credential refused")
	}
	if !rl.Allow("a", "op", 5, t0.Add(200*time.Millisecond)) || rl.Allow("a", "op", 5, t0.Add(200*time.Millisecond)) {
		t.Fatal("200 ms should refill exactly one token at 5/s")
	}
	later := t0.Add(time.Hour) // full again, not 5*3600
	n := 0
	for rl.Allow("a", "op", 5, later) {
		n++
	}
	if n != 5 {
		t.Fatalf("after an hour idle %d calls admitted, want 5", n)
	}
	for range 100 {
		if !rl.Allow("a", "op", 0, later) || !rl.Allow("a", "op", -1, later) {
			t.Fatal("unlimited rate refused")
		}
	}
	for i := range sweepOver + 10 {
		rl.Allow(string(rune('A'+i%26))+time.Duration(i).String(), "op", 1, later)
	}
	rl.Allow("x", "op", 1, later.Add(2*time.Second))
	if n := len(rl.buckets); n > 2 {
		t.Fatalf("%d buckets after the sweep", n)
	}
}
