package limiter

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
)

// Table counts high-cardinality keys (client IPs, parameter values) in a
// fixed amount of memory, shared by every rule and every loop. A key is a
// 64-bit hash of (rule, value); it may live in one of two buckets of 8
// ways (two-choice hashing keeps buckets even, so the table fills to its
// capacity with almost no early evictions). A key that finds both buckets
// full evicts the way whose window empties first: a way whose last
// admission is older than its window holds nothing, so evicting it loses
// nothing; otherwise the evicted key restarts at zero (it may be admitted
// again, up to its limit, within its window: the documented approximation).
//
// Memory: 8 bytes of key and 8*(3+marks) bytes of slot per way,
// capacity*21/16 ways; with marks = 4 that is 84 bytes per key of
// capacity (a 1,000,000-key table is 84 MB; TestTableBudget measures it).
// Filled to capacity, at most a few keys in a million are evicted early.
//
// A rule with limit N counts in steps of q = ceil(N/marks): exact for
// N <= marks, otherwise a refusal may come up to q-1 early (never late).
//
// Huge pages: a big table asks the OS for 2 MiB pages once it has seen
// capacity/16 inserts (counted on a sample of one insert in 64, so the
// count costs nothing on most inserts): by then nearly every 4 KiB page of
// it has been touched, so the advice adds almost no memory, while a table
// that holds few keys still costs RSS only for the pages its keys touch.
type Table struct {
	// w holds the buckets, each a block of its ways' keys (a key hash,
	// 0 = empty) then their slots (an expiry in ms, then a window of
	// 2+marks words): a key's bucket and its slot share a page (with 4
	// marks a block is 512 bytes, eight to a 4 KiB page), so a Take
	// translates one address, or two when the key is in its second
	// bucket, where separate key and slot arrays took two or three.
	w         []atomic.Uint64
	nb        uint64 // buckets
	k         int64  // marks per slot
	stride    int    // words per slot
	block     int    // words per bucket
	seed      uint64
	evictions atomic.Int64

	huge     func() error  // words.huge
	hugeAt   int64         // sampled inserts that trigger huge pages (0: never)
	inserted atomic.Int64  // sampled inserts
	hugeDone chan struct{} // closed once the advice has been given
	hugeErr  error         // the advice's error, set before hugeDone closes
}

const ways = 8

// Huge pages are asked for tables of at least hugeMinBytes, after
// capacity/16 inserts; one insert in hugeSample+1 is counted.
const (
	hugeMinBytes = 16 << 20
	hugeSample   = 63
)

// NewTable returns a table for capacity keys with marks marks per key.
func NewTable(capacity int, marks int) (*Table, error) {
	if capacity < 1 || marks < 1 || marks > 1024 {
		return nil, fmt.Errorf("limiter: invalid table size %d keys, %d marks", capacity, marks)
	}
	n := (uint64(capacity)*21/16 + ways - 1) / ways
	n = max(n, 2)
	if n > math.MaxUint32 {
		return nil, fmt.Errorf("limiter: table of %d keys is too large", capacity)
	}
	stride := 3 + marks
	block := ways * (1 + stride)
	w := newWords(n * uint64(block))
	t := &Table{
		w:        w.w,
		nb:       n,
		k:        int64(marks),
		stride:   stride,
		block:    block,
		seed:     rand.Uint64(),
		hugeDone: make(chan struct{}),
	}
	// Mapped words go back to the OS when the Table is unreachable: every
	// use of them is through a method of t, which keeps t alive.
	if w.free != nil {
		runtime.AddCleanup(t, func(f func()) { f() }, w.free)
	}
	t.huge = w.huge
	if t.huge != nil && t.Bytes() >= hugeMinBytes {
		t.hugeAt = max(int64(capacity)/16/(hugeSample+1), 1)
	}
	return t, nil
}

// HugePages reports whether the table has asked for huge pages, and the
// OS's answer (nil: granted).
func (t *Table) HugePages() (asked bool, err error) {
	select {
	case <-t.hugeDone:
		return true, t.hugeErr
	default:
		return false, nil
	}
}

// inserted1 counts an insert of key (sampled) and gives the huge-page
// advice, off the request path, when the count reaches hugeAt; past it
// the shared counter is only read, so loops stop writing its line.
func (t *Table) inserted1(key uint64) {
	if t.hugeAt > 0 && key&hugeSample == 0 && t.inserted.Load() < t.hugeAt && t.inserted.Add(1) == t.hugeAt {
		go t.askHugePages()
	}
}

func (t *Table) askHugePages() {
	t.hugeErr = t.huge()
	close(t.hugeDone)
}

// Bytes is the table's memory.
func (t *Table) Bytes() int64 { return int64(len(t.w)) * 8 }

// key is way i's key word (i = bucket*ways + way).
func (t *Table) key(i int) *atomic.Uint64 {
	return &t.w[i/ways*t.block+i%ways]
}

// slot is way i's slot.
func (t *Table) slot(i int) []atomic.Uint64 {
	o := i/ways*t.block + ways + i%ways*t.stride
	return t.w[o : o+t.stride : o+t.stride]
}

// bucketKeys are the key words of the bucket whose first way is b.
func (t *Table) bucketKeys(b int) []atomic.Uint64 {
	o := b / ways * t.block
	return t.w[o : o+ways : o+ways]
}

// Evictions counts keys evicted while their window was still open (a
// lossy eviction: the key restarts at zero).
func (t *Table) Evictions() int64 { return t.evictions.Load() }

// TableRule is a limit compiled for a table, with its key seed.
type TableRule struct {
	p    params
	seed uint64
}

// Rule compiles l for the table; id tells rules apart (two rules with the
// same id share keys). Call it at snapshot compile time.
func (t *Table) Rule(id uint64, l Limit) (*TableRule, error) {
	if !l.valid() {
		return nil, fmt.Errorf("limiter: invalid limit %d per %v", l.N, l.Per)
	}
	return &TableRule{p: compile(l, (l.N+t.k-1)/t.k), seed: Hash64(t.seed, id)}, nil
}

// Limit returns the rule's limit.
func (r *TableRule) Limit() Limit { return Limit{N: r.p.n, Per: perOf(&r.p)} }

// Key is the table key of value under r.
func (r *TableRule) Key(value []byte) uint64 { return nz(Hash(r.seed, value)) }

// KeyString is Key for a string.
func (r *TableRule) KeyString(value string) uint64 { return nz(HashString(r.seed, value)) }

// Key64 is Key for a numeric or pre-hashed value (an IPv4 address).
func (r *TableRule) Key64(v uint64) uint64 { return nz(Hash64(r.seed, v)) }

func nz(h uint64) uint64 { return max(h&^busy, 1) }

// Take checks one request for key under r at now and counts it if
// admitted. Any loop may call it; no leases (keys are many and cold).
func (t *Table) Take(r *TableRule, key uint64, now int64) Result {
	res, _ := t.take(r, key, now)
	return res
}

func (t *Table) take(r *TableRule, key uint64, now int64) (Result, int) {
	key = nz(key) // the top bit is the busy flag
	ms := nowMs(now)
	i := t.find(key, ms)
	s := t.slot(i)
	w := window(s[1:])
	got, used := w.take(&r.p, ms, 1)
	if got == 0 {
		return Result{Limit: r.p.n, Reset: w.reset(&r.p, ms)}, i
	}
	if e := uint64(ms + r.p.perMs + 1); s[0].Load() < e {
		s[0].Store(e)
	}
	return Result{OK: true, Limit: r.p.n, Remaining: r.p.n - used}, i
}

// Refund gives back one admission Take made for key.
func (t *Table) Refund(key uint64) {
	key = nz(key)
	if i := t.lookup(key); i >= 0 {
		t.refundAt(key, i)
	}
}

func (t *Table) refundAt(key uint64, i int) {
	key = nz(key)
	if t.key(i).Load() == key { // not evicted meanwhile
		window(t.slot(i)[1:]).refund(1)
	}
}

// Used is key's window count under r at now (0 if absent).
func (t *Table) Used(r *TableRule, key uint64, now int64) int64 {
	i := t.lookup(nz(key))
	if i < 0 {
		return 0
	}
	w := window(t.slot(i)[1:])
	tl := w.advance(&r.p, nowMs(now))
	return max(int64(w[0].Load())-int64(tl)*r.p.q, 0)
}

// buckets maps a key to its two buckets (Lemire's multiply-shift range
// reduction, so the bucket count need not be a power of two).
func (t *Table) buckets(key uint64) (int, int) {
	b1 := (key & math.MaxUint32) * t.nb >> 32
	b2 := (key >> 32) * t.nb >> 32
	if b2 == b1 {
		b2 = (b1 + 1) % t.nb
	}
	return int(b1) * ways, int(b2) * ways
}

func (t *Table) lookup(key uint64) int {
	b1, b2 := t.buckets(key)
	if i := t.inBucket(b1, key); i >= 0 {
		return i
	}
	return t.inBucket(b2, key)
}

// inBucket is key's way in the bucket whose first way is b, or -1.
func (t *Table) inBucket(b int, key uint64) int {
	ks := t.bucketKeys(b)
	for j := range ks {
		if ks[j].Load() == key {
			return b + j
		}
	}
	return -1
}

// Touch prefetches what Takes of keys will read, so that the cache misses
// of a batch of requests overlap instead of stalling each request in turn
// (edge's BatchPeeker). No value is waited for, but issuing prefetches
// can still stall: perf put ~0.25 µs a request on them in the loaded
// 1 M-key gateway (BENCHMARKS.md "Touch by prefetch"). Per chunk of keys:
// every key's first bucket line; then, as they come in, the slot of each
// key found there or else its second bucket line (about one key in four
// of a full table lives in its second bucket); then the slots of those.
// Only lines a Take reads are prefetched: of a slot, the
// words every Take reads (the expiry, the count and the tail; marks are
// read only when a count crosses one).
func (t *Table) Touch(keys []uint64) {
	var second [touchChunk]uint64
	for len(keys) > 0 {
		n := min(len(keys), touchChunk)
		for _, k := range keys[:n] {
			b1, _ := t.buckets(nz(k))
			prefetch(&t.bucketKeys(b1)[0])
		}
		m := 0
		for _, k := range keys[:n] {
			k = nz(k)
			b1, b2 := t.buckets(k)
			if i := t.inBucket(b1, k); i >= 0 {
				t.prefetchSlot(i)
			} else {
				prefetch(&t.bucketKeys(b2)[0])
				second[m] = k
				m++
			}
		}
		for _, k := range second[:m] {
			_, b2 := t.buckets(k)
			if i := t.inBucket(b2, k); i >= 0 {
				t.prefetchSlot(i)
			}
		}
		keys = keys[n:]
	}
}

// prefetchSlot starts loading the words of way i's slot every Take reads.
func (t *Table) prefetchSlot(i int) {
	s := t.slot(i)
	prefetch(&s[0])
	prefetch(&s[2])
}

// touchChunk is how many keys' lines Touch has in flight at once.
const touchChunk = 32

// busy marks a way being (re)initialised for the key in the low bits:
// lookups do not see it until its slot is clear. Keys use 63 bits.
const busy = 1 << 63

// find returns key's way, inserting it (and evicting) when absent.
func (t *Table) find(key uint64, ms int64) int {
	if i := t.lookup(key); i >= 0 {
		return i
	}
	b1, b2 := t.buckets(key)
	for {
		// Two-choice: the emptier bucket; if both are full, one resident
		// moves to its other bucket, or else the way whose window closes
		// first is evicted.
		victim, victimKey, relocated := -1, uint64(0), false
		best := uint64(math.MaxUint64)
		var empty, first [2]int
		for n := 0; n < 2*ways; n++ {
			b := n / ways
			i := b1 + n
			if b == 1 {
				i = b2 + n - ways
			}
			switch k := t.key(i).Load(); {
			case k == key:
				return i // inserted by another loop meanwhile
			case k == key|busy:
				// Another loop is inserting this key: a take now would be
				// wiped by its clear, so yield until it publishes (a dozen
				// stores; the only wait in the package, and only for two
				// loops meeting the same new key at once).
				for t.key(i).Load() == key|busy {
					runtime.Gosched()
				}
				n = -1 // rescan
				victim, best, empty, first = -1, math.MaxUint64, [2]int{}, [2]int{}
			case k == 0:
				if empty[b] == 0 {
					first[b] = i
				}
				empty[b]++
			case k&busy != 0:
				// another key being inserted: not a victim
			default:
				if e := t.slot(i)[0].Load(); e < best || victim < 0 {
					victim, best, victimKey = i, e, k
				}
			}
		}
		if empty[0] > 0 && empty[0] >= empty[1] {
			victim = first[0]
		} else if empty[1] > 0 {
			victim = first[1]
		} else if j := t.relocate(b1, b2); j >= 0 {
			victim, relocated = j, true
		}
		if victim < 0 {
			continue
		}
		// Claim only what the scan saw there: an empty way, or the
		// evicted (or relocated-away) key.
		old := uint64(0)
		if empty[0] == 0 && empty[1] == 0 && !relocated {
			old = victimKey
		}
		if !t.key(victim).CompareAndSwap(old, key|busy) {
			continue
		}
		s := t.slot(victim)
		if old != 0 && int64(s[0].Load()) > ms {
			t.evictions.Add(1)
		}
		window(s).clear()
		if t.publish(key, victim, b1, b2) {
			t.inserted1(key)
			return victim
		}
	}
}

// publish makes a claimed (busy) way visible unless another loop is
// inserting the same key into another way: then one claim wins, so a key
// never has two counts. A published claim or one earlier in scan order
// wins over ours; for a later one we wait until it publishes (ours gives
// way) or sees ours and gives way. Nobody ever takes back another's claim,
// so no late clear can wipe a published key.
func (t *Table) publish(key uint64, mine, b1, b2 int) bool {
	pos := func(i int) int {
		if i >= b1 && i < b1+ways {
			return i - b1
		}
		return ways + i - b2
	}
	for n := 0; n < 2*ways; n++ {
		i := b1 + n
		if n >= ways {
			i = b2 + n - ways
		}
		if i == mine {
			continue
		}
		switch t.key(i).Load() {
		case key:
			t.key(mine).CompareAndSwap(key|busy, 0)
			return false // rescan finds it
		case key | busy:
			if pos(i) < pos(mine) {
				t.key(mine).CompareAndSwap(key|busy, 0)
				return false // rescan waits for it
			}
			// A later claim: it gives way once it sees ours, or publishes
			// if it looked before we claimed; wait to see which.
			for t.key(i).Load() == key|busy {
				runtime.Gosched()
			}
			n--
		}
	}
	t.key(mine).Store(key)
	return true
}

// relocate makes room in a full bucket pair without losing a count: it
// moves one resident key to an empty way of its other bucket (one step of
// cuckoo hashing) and returns the way it freed, or -1. The new way is
// claimed (busy) before the copy; a take on the moving key that lands in
// the old way during the copy may be lost (at most one per loop: the same
// approximation as eviction).
func (t *Table) relocate(b1, b2 int) int {
	for n := 0; n < 2*ways; n++ {
		i := b1 + n
		if n >= ways {
			i = b2 + n - ways
		}
		k := t.key(i).Load()
		if k == 0 || k&busy != 0 {
			continue
		}
		a1, a2 := t.buckets(k)
		alt := a1
		if alt == b1 || alt == b2 {
			alt = a2
		}
		if alt == b1 || alt == b2 {
			continue
		}
		for j := alt; j < alt+ways; j++ {
			if !t.key(j).CompareAndSwap(0, k|busy) {
				continue
			}
			src, dst := t.slot(i), t.slot(j)
			for x := range dst {
				dst[x].Store(src[x].Load())
			}
			t.key(j).Store(k)
			if !t.key(i).CompareAndSwap(k, 0) {
				return -1 // changed meanwhile: let find rescan
			}
			return i
		}
	}
	return -1
}
