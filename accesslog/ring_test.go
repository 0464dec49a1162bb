package accesslog

import (
	"strings"
	"sync"
	"testing"
)

func TestRingFullDropsAndCounts(t *testing.T) {
	r := newRing(4)
	for i := range 6 {
		s := r.Slot()
		if (s == nil) != (i >= 4) {
			t.Fatalf("slot %d: %v", i, s)
		}
		if s != nil {
			s.Status = uint16(200 + i)
			r.Commit()
		}
	}
	if r.Dropped() != 2 {
		t.Fatalf("dropped %d, want 2", r.Dropped())
	}
	var got []uint16
	r.drain(func(rec *Record) { got = append(got, rec.Status) })
	if len(got) != 4 || got[0] != 200 || got[3] != 203 {
		t.Fatalf("drained %v", got)
	}
	// Room again; a reused slot comes back empty.
	s := r.Slot()
	if s == nil || s.Status != 0 || len(s.Get(ReqID)) != 0 {
		t.Fatalf("reused slot %+v", s)
	}
	// Slot without Commit is invisible and handed out again.
	s.Status = 1
	if r.drain(func(*Record) {}) != 0 || r.Slot() != s {
		t.Fatal("an uncommitted slot was published or lost")
	}
}

// Commit's warming of the next slot never touches one the writer has
// not read: records whose text spans every warmed line come out whole,
// the ring filled to the last slot and wrapping round six times.
func TestRingWarmKeepsUnreadSlots(t *testing.T) {
	r := newRing(4)
	id := func(i int) string { return strings.Repeat(string(rune('a'+i%26)), 300) }
	next, want := 0, 0
	for range 6 {
		for r.ptail-r.head.Load() < 4 {
			s := r.Slot()
			s.SetString(ReqID, id(next))
			r.Commit()
			next++
		}
		r.drain(func(rec *Record) {
			if got := rec.String(ReqID); got != id(want) {
				t.Fatalf("record %d: text %q…", want, got[:min(len(got), 8)])
			}
			want++
		})
	}
	if want != next || next != 24 {
		t.Fatalf("read %d of %d", want, next)
	}
}

// A slot Commit warmed comes back from Slot empty once, and a second Slot
// without Commit empties it again, as an unwarmed one.
func TestRingWarmedSlotIsEmptied(t *testing.T) {
	r := newRing(4)
	for i := range 4 { // every slot holds an old record, drained
		s := r.Slot()
		s.Status = uint16(500 + i)
		s.SetString(ReqID, "old")
		r.Commit()
	}
	r.drain(func(*Record) {})
	s := r.Slot() // slot 0, not warmed (the ring was full at the last Commit)
	s.Status = 200
	r.Commit() // warms slot 1
	s = r.Slot()
	if s != &r.slots[1] || s.Status != 0 || len(s.Get(ReqID)) != 0 {
		t.Fatalf("warmed slot %+v", s.Status)
	}
	s.Status = 1
	if s = r.Slot(); s.Status != 0 {
		t.Fatal("a second Slot did not empty the slot")
	}
}

// TestRingSPSC: one producer, one consumer, concurrently (run with -race):
// every committed record arrives once, in order, intact.
func TestRingSPSC(t *testing.T) {
	const n = 200000
	r := newRing(64)
	var wg sync.WaitGroup
	wg.Add(1)
	committed := 0
	go func() {
		defer wg.Done()
		for i := range n {
			if s := r.Slot(); s != nil {
				s.BytesIn = int64(i)
				s.SetString(ReqID, "id")
				r.Commit()
				committed++
			}
		}
	}()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	last, got := int64(-1), 0
	check := func(rec *Record) {
		if rec.BytesIn <= last || rec.String(ReqID) != "id" {
			t.Errorf("record %d after %d (%q)", rec.BytesIn, last, rec.Get(ReqID))
		}
		last = rec.BytesIn
		got++
	}
	for {
		select {
		case <-done:
			r.drain(check)
			if got != committed || int64(got)+r.Dropped() != n {
				t.Fatalf("got %d, committed %d, dropped %d of %d", got, committed, r.Dropped(), n)
			}
			return
		default:
			r.drain(check)
		}
	}
}
