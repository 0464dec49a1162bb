package accesslog

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// SlotSize is the memory one ring slot takes (a Record).
const SlotSize = int(unsafe.Sizeof(Record{}))

// Ring is one event loop's queue of records to the writer: a
// single-producer, single-consumer ring of fixed slots. The producer is
// the owning loop (Slot, Commit, Append: from that loop's goroutine only);
// the consumer is the Log's writer. The producer never blocks and never
// allocates: when the ring is full the record is dropped and counted.
//
// Ordering: the producer fills a slot, then publishes it with a store of
// tail; the writer loads tail, reads the slots before it, then frees them
// with a store of head, which the producer loads before reusing a slot.
// sync/atomic's operations are sequentially consistent, which gives both
// hand-overs their happens-before edge.
type Ring struct {
	_    cpu.CacheLinePad
	tail atomic.Uint64 // slots published; written by the producer
	_    cpu.CacheLinePad
	head atomic.Uint64 // slots consumed; written by the writer
	_    cpu.CacheLinePad

	// The producer's own: its tail and its last reading of head, so the
	// common Slot touches no shared line but the slot.
	ptail, phead uint64
	// warmed: the slot at ptail was emptied by Warm, so Slot need not.
	warmed  bool
	dropped atomic.Int64 // written by the producer only; summed by Dropped
	_       cpu.CacheLinePad

	chead uint64 // the writer's own copy of head
	slots []Record
	mask  uint64
}

func newRing(slots int) *Ring {
	return &Ring{slots: make([]Record, slots), mask: uint64(slots - 1)}
}

// Slot returns the next free slot, emptied, for the caller to fill in
// place and publish with Commit; or nil when the ring is full (the record
// is counted as dropped). Until Commit the writer does not see the slot;
// a second Slot without Commit returns the same slot again.
func (r *Ring) Slot() *Record {
	if r.ptail-r.phead == uint64(len(r.slots)) {
		r.phead = r.head.Load()
		if r.ptail-r.phead == uint64(len(r.slots)) {
			r.dropped.Add(1)
			return nil
		}
	}
	s := &r.slots[r.ptail&r.mask]
	if r.warmed {
		r.warmed = false // a second Slot without Commit empties it again
	} else {
		s.reset()
	}
	return s
}

// Commit publishes the slot the last Slot returned, then starts bringing
// the next free slot into the cache: Publish, then Warm.
func (r *Ring) Commit() {
	r.Publish()
	r.Warm()
}

// Publish makes the slot the last Slot returned visible to the writer.
func (r *Ring) Publish() {
	r.ptail++
	r.tail.Store(r.ptail)
}

// warmLines is how much of a slot's text Warm touches, in cache lines:
// 256 bytes, about what a typical record's text takes (ids, addresses,
// path and host); the numbers and spans come with reset.
const warmLines = 4

// Warm writes into the slot the next Slot will return, if it is free (the
// writer reads only published slots, so a free one is the producer's).
// A ring cycles through megabytes, so that slot has left the cache; the
// publishing store is a full fence on amd64 (XCHG), which made each
// Commit wait for the misses of the slot just filled. Touched one record
// ahead, the misses complete while the producer does other work, as long
// as no other fence (an atomic add, a CAS) follows closely: a producer
// with more atomics to do after its record calls Publish, then those,
// then Warm.
func (r *Ring) Warm() {
	if r.ptail-r.phead >= uint64(len(r.slots)) {
		return
	}
	s := &r.slots[r.ptail&r.mask]
	s.reset() // Slot's emptying, done here: it writes the numbers' lines
	for i := 0; i < warmLines*64 && i < len(s.text); i += 64 {
		s.text[i] = 0
	}
	r.warmed = true
}

// Append copies rec into the ring; false when the ring was full (counted
// as dropped).
func (r *Ring) Append(rec *Record) bool {
	s := r.Slot()
	if s == nil {
		return false
	}
	s.CopyFrom(rec)
	r.Commit()
	return true
}

// Dropped is the number of records this ring refused for want of room.
func (r *Ring) Dropped() int64 { return r.dropped.Load() }

// drain hands every published slot to fn in order, then frees them; it
// returns how many. Writer only.
func (r *Ring) drain(fn func(*Record)) int {
	t := r.tail.Load()
	n := int(t - r.chead)
	for r.chead < t {
		fn(&r.slots[r.chead&r.mask])
		r.chead++
		// Free slots as we go, so a full ring takes records again soon.
		if r.chead&255 == 0 {
			r.head.Store(r.chead)
		}
	}
	if n > 0 {
		r.head.Store(t)
	}
	return n
}
