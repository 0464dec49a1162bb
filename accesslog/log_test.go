package accesslog

import (
	"bufio"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// readAll returns every line of every segment in dir, oldest segment
// first, and how many segments there are.
func readAll(t *testing.T, dir string) ([]Record, int) {
	t.Helper()
	segs, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []Record
	for _, s := range segs {
		f, err := os.Open(s.path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var r Record
			if err := parseJSON(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s: %v: %q", s.path, err, sc.Text())
			}
			out = append(out, r)
		}
		f.Close()
	}
	return out, len(segs)
}

// TestRotationUnderLoadLosesNothing: producers on their own rings append
// as fast as they can while the writer rotates every few KiB; every id is
// in the files exactly once or counted as dropped, every sealed segment
// has an index that covers it, and no segment passes MaxSize.
func TestRotationUnderLoadLosesNothing(t *testing.T) {
	const producers, each, maxSize = 4, 3000, 8 << 10
	dir := t.TempDir()
	l, err := New(Options{Dir: dir, MaxSize: maxSize, RingSlots: 64, Keep: 1 << 20, Poll: time.Millisecond, NoSync: true, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for p := range producers {
		ring := l.Ring(p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var id [16]byte
			for i := range each {
				s := ring.Slot()
				if s == nil {
					// Dropped (counted). A loop's next request comes
					// later; here, wait for the writer to make room.
					for ring.ptail-ring.head.Load() == uint64(len(ring.slots)) {
						runtime.Gosched()
					}
					continue
				}
				s.Time = time.Now().UnixNano()
				s.Status = 200
				s.Set(ReqID, strconv.AppendInt(append(id[:0], byte('a'+p), '-'), int64(i), 10))
				s.SetString(Service, "service-load")
				ring.Commit()
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	recs, segs := readAll(t, dir)
	seen := map[string]int{}
	for i := range recs {
		seen[recs[i].String(ReqID)]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s written %d times", id, n)
		}
	}
	if int64(len(seen))+l.Dropped() != producers*each || st.Written != int64(len(recs)) || st.Lost != 0 {
		t.Fatalf("%d ids in files + %d dropped != %d (stats %+v)", len(seen), l.Dropped(), producers*each, st)
	}
	t.Logf("%d written, %d dropped, %d segments", st.Written, st.Dropped, segs)
	if segs < 10 || st.Segments != int64(segs) {
		t.Fatalf("%d segments, %d sealed: rotation did not happen under load", segs, st.Segments)
	}
	files, _ := listSegments(dir)
	for _, f := range files {
		info, _ := os.Stat(f.path)
		x, err := openIndex(idxPath(f.path))
		if !f.sealed || err != nil || x.size != info.Size() || info.Size() > maxSize {
			t.Fatalf("%s: sealed %v, index %v covers %v of %d bytes", f.path, f.sealed, err, x, info.Size())
		}
	}
	t.Logf("%d written, %d dropped, %d segments", st.Written, st.Dropped, segs)
}

// TestRotateByAgeAndRetention: a segment older than MaxAge is sealed at
// the next line (and when idle), segment names follow the clock, and only
// Keep sealed segments stay.
func TestRotateByAgeAndRetention(t *testing.T) {
	dir := t.TempDir()
	var now atomic.Int64
	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	now.Store(start.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	l, err := New(Options{Dir: dir, MaxAge: time.Minute, Keep: 2, Now: clock, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ring := l.Ring(0)
	put := func(id string) {
		s := ring.Slot()
		s.Time = now.Load()
		s.SetString(ReqID, id)
		ring.Commit()
		if err := l.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	names := func() []string {
		ents, _ := os.ReadDir(dir)
		var out []string
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return out
	}
	put("a")
	for i := 1; i <= 4; i++ {
		now.Add(int64(61 * time.Second))
		put(string(rune('a' + i)))
	}
	// Sealed: 4 (a..d), of which Keep=2 stay; e is in the active segment.
	want := []string{"access-20240102T030607.000Z.idx", "access-20240102T030607.000Z.log",
		"access-20240102T030708.000Z.idx", "access-20240102T030708.000Z.log", "access-20240102T030809.000Z.log"}
	if got := names(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("files %v, want %v", got, want)
	}
	// Idle: the writer seals the active segment on time by itself.
	now.Add(int64(61 * time.Second))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "access-20240102T030809.000Z.idx")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle segment not sealed: %v", names())
		}
		l.Flush() // each Flush is a pass of the writer
	}
	recs, _ := readAll(t, dir)
	// Sealing e removed c (Keep 2).
	if len(recs) != 2 || recs[0].String(ReqID) != "d" || recs[1].String(ReqID) != "e" {
		t.Fatalf("%d records kept", len(recs))
	}
}

// TestRecoverIndexesATornSegment: a segment a crash left without an index
// (and with a torn last line) is indexed when the next Log starts; the
// torn line stays out, the new Log writes a new segment.
func TestRecoverIndexesATornSegment(t *testing.T) {
	dir := t.TempDir()
	var b []byte
	var r Record
	for i := range 3 {
		r.reset()
		r.Time = time.Unix(100+int64(i), 0).UnixNano()
		r.SetString(ReqID, "r"+strconv.Itoa(i))
		r.SetString(Service, "s")
		b = r.AppendJSON(b)
	}
	b = append(b, `{"time":"2024-01-0`...)
	path := filepath.Join(dir, segName(time.Unix(100, 0).UnixMilli()))
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
	l, err := New(Options{Dir: dir, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	x, err := openIndex(idxPath(path))
	if err != nil || x.sum.lines != 3 || x.sum.minT != time.Unix(100, 0).UnixNano() {
		t.Fatalf("index %+v, %v", x, err)
	}
	s, _ := OpenSearcher(dir)
	p, err := s.Search(Query{Service: "s", Start: time.Unix(0, 0), End: time.Unix(1000, 0), Limit: 10, Asc: true})
	if err != nil || len(p.Lines) != 3 || !strings.HasSuffix(p.Lines[0], "[req_id:r0]") {
		t.Fatalf("%v %q", err, p.Lines)
	}
	if l.segPath == path {
		t.Fatal("the new Log reuses the old segment")
	}
}

func TestOptionsRefused(t *testing.T) {
	for _, o := range []Options{{}, {Dir: t.TempDir(), RingSlots: 100}, {Dir: t.TempDir(), MaxSize: 5 << 30}} {
		if _, err := New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// TestTornIndex: an index cut short (a crash before its rename reached
// the disk) or in an older format (X1: FNV-1a postings) is not trusted:
// the Searcher reads the segment's lines, and the next Log rebuilds the
// index, whose postings then find a request id.
func TestTornIndex(t *testing.T) {
	for _, damage := range []string{"torn", "old format"} {
		t.Run(damage, func(t *testing.T) {
			dir := t.TempDir()
			l, err := New(Options{Dir: dir, MaxSize: 8 << 10, NoSync: true, Log: quietLog()})
			if err != nil {
				t.Fatal(err)
			}
			recs := writeSynth(t, l, 0, 200, time.Second)
			l.Close()
			segs, _ := listSegments(dir)
			victim := idxPath(segs[1].path)
			if damage == "torn" {
				info, _ := os.Stat(victim)
				err = os.Truncate(victim, info.Size()-8)
			} else {
				var f *os.File
				if f, err = os.OpenFile(victim, os.O_WRONLY, 0); err == nil {
					_, err = f.WriteAt([]byte("EGALOGX1"), 0)
					f.Close()
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			q := Query{Start: testBase.Add(-time.Hour), End: testBase.Add(time.Hour), Limit: 100, Asc: true}
			s, _ := OpenSearcher(dir)
			defer s.Close()
			if got, _ := pageAll(t, s, q); len(got) != len(recs) {
				t.Fatalf("%d lines with a %s index, want %d", len(got), damage, len(recs))
			}
			l, err = New(Options{Dir: dir, NoSync: true, Log: quietLog()})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if _, err := openIndex(victim); err != nil {
				t.Fatalf("not rebuilt: %v", err)
			}
			// A line of the rebuilt segment, found through its postings.
			b, err := indexSegment(segs[1].path)
			if err != nil || b.sum.lines == 0 {
				t.Fatalf("segment: %v", err)
			}
			var want synthRec
			for _, r := range recs {
				if r.t >= b.sum.minT && r.t <= b.sum.maxT {
					want = r
					break
				}
			}
			s2, _ := OpenSearcher(dir)
			defer s2.Close()
			q.Service, q.Conds = want.service, []Cond{{"req_id", "=", want.id}}
			got, _ := pageAll(t, s2, q)
			if len(got) != 1 || got[0] != want.id {
				t.Fatalf("req_id %s: %d lines", want.id, len(got))
			}
		})
	}
}

// Tiny rings (1 and 2 slots) still let the writer wait between drains:
// a "falling behind" test of n >= RingSlots/4 once spun forever there,
// and Flush never got its answer.
func TestTinyRingsFlush(t *testing.T) {
	for _, slots := range []int{1, 2, 4} {
		l, err := New(Options{Dir: t.TempDir(), RingSlots: slots, NoSync: true, Log: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		var r Record
		r.SetString(ReqID, "r1")
		l.Ring(0).Append(&r)
		done := make(chan error, 1)
		go func() { done <- l.Flush() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("RingSlots %d: Flush did not return", slots)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if s := l.Stats(); s.Written != 1 {
			t.Fatalf("RingSlots %d: %+v", slots, s)
		}
	}
}
