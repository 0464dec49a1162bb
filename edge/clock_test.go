package edge

import (
	"net/http"
	"testing"
	"time"
)

// The loop's time is the callback's one reading while a callback runs,
// and a fresh reading outside one.
func TestLoopNow(t *testing.T) {
	l := &loop{s: &Server{clk: newClock()}}
	l.enter()
	at := l.now()
	time.Sleep(2 * time.Millisecond)
	if l.now() != at {
		t.Fatal("the time moved inside a callback")
	}
	l.exit()
	if d := l.now() - at; d < int64(2*time.Millisecond) {
		t.Fatalf("outside a callback the time moved %d ns, want ≥ 2 ms", d)
	}
}

// The Date header and unix seconds follow the wall clock and are read
// again only when the second has passed (alloc_test.go: without
// allocating).
func TestLoopWallClock(t *testing.T) {
	l := &loop{s: &Server{clk: newClock()}}
	before := time.Now().Unix()
	sec := l.unix()
	if sec < before || sec > time.Now().Unix() {
		t.Fatalf("unix %d, wall clock %d", sec, before)
	}
	d, err := http.ParseTime(string(l.httpDate()))
	if err != nil || d.Unix() != l.unix() {
		t.Fatalf("Date %q (%v) is not unix second %d", l.httpDate(), err, l.unix())
	}
	// Across a second boundary the text changes with the second.
	for l.unix() == sec {
		time.Sleep(50 * time.Millisecond)
	}
	if l.unix() != sec+1 {
		t.Fatalf("after second %d came %d", sec, l.unix())
	}
	if d, _ := http.ParseTime(string(l.httpDate())); d.Unix() != sec+1 {
		t.Fatalf("Date %q after second %d", l.httpDate(), sec)
	}
}
