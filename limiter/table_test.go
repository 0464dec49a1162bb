package limiter

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTableBudget: 1,000,000 distinct keys (IPv4 addresses) fit in a
// table sized for them, in 84 bytes per key as measured by the heap; at
// most a few are evicted early (two-choice buckets, one relocation step),
// every other key keeps its own count, and filling allocates nothing.
func TestTableBudget(t *testing.T) {
	keys := 1_000_000
	if testing.Short() || raceOn {
		keys = 100_000 // the race detector makes a million inserts take minutes
	}
	budget := int64(84*keys + 1024) // + rounding up to whole buckets
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tab, err := NewTable(keys, 4)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("table of %d keys: %d bytes (%.1f per key), heap grew %d", keys, tab.Bytes(), float64(tab.Bytes())/float64(keys), grew)
	if tab.Bytes() > budget || grew > budget+1<<20 {
		t.Fatalf("table of %d keys uses %d bytes (heap +%d), budget %d", keys, tab.Bytes(), grew, budget)
	}
	r, err := tab.Rule(1, Limit{N: 2, Per: Minute})
	if err != nil {
		t.Fatal(err)
	}
	now := int64(time.Hour)
	for i := range uint64(keys) {
		if !tab.Take(r, r.Key64(0x0a000000+i), now).OK {
			t.Fatalf("key %d refused on its first request", i)
		}
	}
	// Two-choice buckets with one relocation step: early evictions at full
	// capacity are a few per million at most.
	ev := tab.Evictions()
	t.Logf("%d early evictions filling the table to capacity", ev)
	if ev > 10 {
		t.Errorf("%d evictions filling the table to capacity", ev)
	}
	runtime.ReadMemStats(&before)
	if d := int64(before.HeapAlloc) - int64(after.HeapAlloc); d > 1<<20 {
		t.Errorf("filling the table allocated %d bytes", d)
	}
	// Every key still has its count: a second request is admitted, a
	// third refused (N = 2).
	lost := int64(0)
	for i := range uint64(keys) {
		k := r.Key64(0x0a000000 + i)
		if !tab.Take(r, k, now).OK || tab.Take(r, k, now).OK {
			lost++
		}
	}
	if lost > ev {
		t.Errorf("%d keys lost their count, %d were evicted", lost, ev)
	}
	runtime.KeepAlive(tab)
}

// model is an exact sliding log per key with the table's semantics (1 ms
// resolution, a mark expires once more than Per has passed).
type model map[uint64][]int64

func (m model) take(key uint64, ms, perMs, n int64) bool {
	log := m[key]
	for len(log) > 0 && ms-log[0] > perMs {
		log = log[1:]
	}
	ok := int64(len(log)) < n
	if ok {
		log = append(log, ms)
	}
	m[key] = log
	return ok
}

func (m model) used(key uint64, ms, perMs int64) int64 {
	var n int64
	for _, at := range m[key] {
		if ms-at <= perMs {
			n++
		}
	}
	return n
}

// runTableOps runs ops against a tiny table (heavy eviction) and an exact
// model: whenever a key is in the table, its decisions and its count are
// the model's, where the model forgets a key when the table evicts it.
// So eviction only ever resets the evicted key, never another's count.
func runTableOps(t *testing.T, ops []byte) {
	tab, err := NewTable(40, 8) // 7 buckets of 8 ways: relocations and evictions
	if err != nil {
		t.Fatal(err)
	}
	lim := Limit{N: 5, Per: Second}
	r, _ := tab.Rule(3, lim)
	m := model{}
	const nkeys = 90
	var keys [nkeys]uint64
	for i := range keys {
		keys[i] = r.Key64(uint64(i))
	}
	ms := int64(5000)
	for len(ops) >= 2 {
		op, arg := ops[0], ops[1]
		ops = ops[2:]
		if op&1 == 1 { // advance the clock up to ~1.3 s
			ms += int64(arg) * 5
			continue
		}
		k := keys[int(arg)%nkeys]
		got := tab.Take(r, k, ms*int64(time.Millisecond)).OK
		if tab.lookup(k) < 0 {
			t.Fatalf("key just taken is not in the table")
		}
		// Keys evicted by this take restart at zero in the model.
		for _, o := range keys {
			if o != k && tab.lookup(o) < 0 {
				delete(m, o)
			}
		}
		want := m.take(k, ms, lim.Per.Milliseconds(), lim.N)
		if got != want {
			t.Fatalf("at %d ms key %d: table says %v, exact log %v", ms, int(arg)%nkeys, got, want)
		}
		for i, o := range keys {
			if tab.lookup(o) < 0 {
				continue
			}
			if u, w := tab.Used(r, o, ms*int64(time.Millisecond)), m.used(o, ms, lim.Per.Milliseconds()); u != w {
				t.Fatalf("at %d ms key %d counts %d, exact log %d", ms, i, u, w)
			}
		}
	}
}

func TestTableProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		ops := make([]byte, 400)
		for i := range ops {
			ops[i] = byte(rng.Uint32())
		}
		runTableOps(t, ops)
	}
}

func FuzzTable(f *testing.F) {
	f.Add([]byte{0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 200, 0, 1})
	seed := make([]byte, 256)
	for i := range seed {
		seed[i] = byte(i * 37)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, ops []byte) { runTableOps(t, ops) })
}

// TestTableEvictsEmptyFirst: a full bucket pair gives up a key whose
// window has closed before one that still counts.
func TestTableEvictsEmptyFirst(t *testing.T) {
	tab, _ := NewTable(8, 4)
	old, _ := tab.Rule(1, Limit{N: 1, Per: Second})
	live, _ := tab.Rule(2, Limit{N: 1, Per: Hour})
	now := int64(time.Hour)
	var b [8]byte
	var liveKeys []uint64
	for i := range 16 { // fill all 16 ways: 15 hour keys, 1 second key
		binary.LittleEndian.PutUint64(b[:], uint64(i))
		if i == 7 {
			tab.Take(old, old.Key(b[:]), now)
			continue
		}
		k := live.Key(b[:])
		liveKeys = append(liveKeys, k)
		tab.Take(live, k, now)
	}
	if tab.Evictions() != 0 {
		t.Fatalf("%d evictions before the table was full", tab.Evictions())
	}
	tab.Take(live, live.KeyString("new"), now+2*int64(time.Second))
	if tab.Evictions() != 0 {
		t.Errorf("evicted a live key (%d lossy evictions) while an expired one was there", tab.Evictions())
	}
	for _, k := range liveKeys {
		if tab.lookup(k) < 0 {
			t.Errorf("live key evicted")
		}
	}
}

// TestHash: the string and byte forms agree at every length, and seeds
// and values separate.
func TestHash(t *testing.T) {
	s := "0123456789abcdefghijklmnopqrstuvwxyz-_.~ABCDEF"
	seen := map[uint64]string{}
	for n := 0; n <= len(s); n++ {
		v := s[:n]
		h := HashString(1, v)
		if h != Hash(1, []byte(v)) {
			t.Fatalf("length %d: HashString and Hash differ", n)
		}
		if h == HashString(2, v) {
			t.Errorf("length %d: seeds 1 and 2 collide", n)
		}
		if o, dup := seen[h]; dup {
			t.Errorf("%q and %q collide", o, v)
		}
		seen[h] = v
	}
}

// TestTableHugePages: a big table asks for huge pages only after
// capacity/16 inserts, the OS grants them where transparent huge pages
// are on, and every count survives the collapse.
func TestTableHugePages(t *testing.T) {
	const capacity = 1 << 18 // 22 MB: above hugeMinBytes
	tab, err := NewTable(capacity, 4)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tab.Rule(1, Limit{N: 4, Per: Hour}) // marks 4: counted exactly
	if err != nil {
		t.Fatal(err)
	}
	now := int64(time.Hour)
	take := func(from, to uint64) {
		for i := from; i < to; i++ {
			if !tab.Take(r, r.Key64(i), now).OK {
				t.Fatalf("key %d refused", i)
			}
		}
	}
	take(0, capacity/128) // ~32 sampled inserts of the 256 that trigger
	if asked, _ := tab.HugePages(); asked {
		t.Fatalf("huge pages asked for after %d inserts into a %d-key table", capacity/128, capacity)
	}
	const n = capacity / 6 // ~680 sampled inserts
	take(capacity/128, n)
	deadline := time.Now().Add(30 * time.Second)
	asked, err := tab.HugePages()
	for !asked && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		asked, err = tab.HugePages()
	}
	if !asked {
		t.Fatalf("no huge-page advice after %d inserts", n)
	}
	mode, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	thp := len(mode) > 0 && !strings.Contains(string(mode), "[never]")
	t.Logf("transparent huge pages %q: advice error %v", strings.TrimSpace(string(mode)), err)
	if thp {
		if err != nil {
			t.Fatalf("huge pages refused: %v", err)
		}
		if kb := anonHugeKB(t); kb < int64(tab.Bytes())/1024/2 {
			t.Fatalf("%d kB of huge pages for a %d-byte table", kb, tab.Bytes())
		}
	}
	for i := range uint64(n) {
		if u := tab.Used(r, r.Key64(i), now); u != 1 {
			t.Fatalf("key %d counts %d after the collapse, want 1", i, u)
		}
	}
}

// anonHugeKB is the process's anonymous memory in huge pages.
func anonHugeKB(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "AnonHugePages:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb
		}
	}
	t.Fatal("no AnonHugePages in /proc/self/smaps_rollup")
	return 0
}

// Touch reads and changes nothing: counts of present keys stay, absent
// keys are not inserted, any number of keys (more than touchChunk) goes,
// in a table filled to capacity (many keys in their second bucket, so
// Touch's second-bucket pass runs) as in a nearly empty one.
func TestTableTouch(t *testing.T) {
	for _, fill := range []int{touchChunk + 2, 1000} {
		tab, err := NewTable(1000, 4)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := tab.Rule(1, Limit{N: 10, Per: time.Minute})
		now := int64(time.Hour)
		var keys []uint64
		second := 0
		for i := range uint64(2 * fill) {
			k := r.Key64(i)
			keys = append(keys, k)
			if i%2 == 0 {
				tab.Take(r, k, now)
				if b1, _ := tab.buckets(nz(k)); tab.inBucket(b1, nz(k)) < 0 {
					second++
				}
			}
		}
		if fill == 1000 && second < 50 {
			t.Fatalf("full table: only %d keys in their second bucket", second)
		}
		tab.Touch(keys)
		tab.Touch(nil)
		for i, k := range keys {
			want := int64(1 - i%2)
			if got := tab.Used(r, k, now); got != want {
				t.Fatalf("fill %d, key %d: used %d after Touch, want %d", fill, i, got, want)
			}
			if present := tab.lookup(nz(k)) >= 0; present != (want == 1) {
				t.Fatalf("fill %d, key %d: present %v after Touch", fill, i, present)
			}
		}
		if ev := tab.Evictions(); ev != 0 {
			t.Fatalf("fill %d: %d evictions", fill, ev)
		}
	}
}
