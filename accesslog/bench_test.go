package accesslog

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// The search benchmarks run over synthetic traffic of a gateway at 10k
// requests per second (synth: one request every 100µs, six services,
// twenty APIs per service, 0.5% 5xx), written through a real Log (default
// 128 MiB segments, indexed by the writer).
//
//	ACCESSLOG_BENCH_LINES  how many lines (default 300000: 30 s of traffic)
//	ACCESSLOG_BENCH_DIR    where to keep them between runs (default: a
//	                       temporary directory, written anew each run)
//	ACCESSLOG_BENCH_SEGMENT  segment size in bytes (default 128 MiB): a
//	                       smaller one puts a day's count of segments in
//	                       fewer lines
//
// go test ./accesslog -run '^$' -bench Search -benchtime 20x
// ACCESSLOG_BENCH_LINES=20000000 ACCESSLOG_BENCH_DIR=/var/tmp/al go test ./accesslog -run '^$' -bench Search -benchtime 20x -timeout 60m

const benchStep = 100 * time.Microsecond // 10k req/s

func benchData(b *testing.B) (dir string, n int) {
	n = 300000
	if v := os.Getenv("ACCESSLOG_BENCH_LINES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 20000 {
			b.Fatalf("ACCESSLOG_BENCH_LINES=%q: want a number >= 20000", v)
		}
	}
	var seg int64 = defMaxSize
	if v := os.Getenv("ACCESSLOG_BENCH_SEGMENT"); v != "" {
		var err error
		if seg, err = strconv.ParseInt(v, 10, 64); err != nil || seg < 64<<10 {
			b.Fatalf("ACCESSLOG_BENCH_SEGMENT=%q: want bytes >= 65536", v)
		}
	}
	dir = os.Getenv("ACCESSLOG_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	marker := filepath.Join(dir, fmt.Sprintf("complete-%d-%d", n, seg))
	if _, err := os.Stat(marker); err == nil {
		return dir, n
	}
	os.RemoveAll(dir)
	start := time.Now()
	l, err := New(Options{Dir: dir, MaxSize: seg, RingSlots: 1 << 15, Keep: 1 << 20, NoSync: true, Log: quietLog()})
	if err != nil {
		b.Fatal(err)
	}
	ring := l.Ring(0)
	for i := 0; i < n; i++ {
		s := synth(i, testBase, benchStep)
		r := ring.Slot()
		if r == nil {
			b.Fatal("ring full")
		}
		s.fill(r)
		ring.Commit()
		if i%(1<<14) == 1<<14-1 {
			l.Flush()
		}
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	segs, _ := listSegments(dir)
	var logBytes, idxBytes int64
	for _, s := range segs {
		if info, err := os.Stat(s.path); err == nil {
			logBytes += info.Size()
			idxBytes += s.bytes - info.Size()
		}
	}
	b.Logf("generated %d lines in %v: %d segments, %.1f MiB of lines (%.0f B/line), %.1f MiB of index (%.1f%%)",
		n, time.Since(start).Round(time.Millisecond), len(segs), float64(logBytes)/(1<<20), float64(logBytes)/float64(n),
		float64(idxBytes)/(1<<20), 100*float64(idxBytes)/float64(logBytes))
	os.WriteFile(marker, nil, 0o640)
	return dir, n
}

func BenchmarkSearch(b *testing.B) {
	dir, n := benchData(b)
	s, err := OpenSearcher(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	span := time.Duration(n) * benchStep
	// "Over the day": the whole day that holds the data.
	dayStart, dayEnd := testBase, testBase.Add(24*time.Hour-time.Nanosecond)
	run := func(name string, q Query, want func(Page) bool) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				p, err := s.Search(q)
				if err != nil || !want(p) {
					b.Fatalf("%v: %d lines", err, len(p.Lines))
				}
			}
		})
	}
	segs, _ := listSegments(dir)
	b.Logf("%d lines, %d segments, %v of traffic at 10k req/s", n, len(segs), span)
	// A request id from the middle of the data, searched over the day.
	mid := synth(n/2, testBase, benchStep)
	run("req_id", Query{Service: mid.service, Start: dayStart, End: dayEnd, Limit: 10,
		Conds: []Cond{{"req_id", "=", mid.id}}}, func(p Page) bool { return len(p.Lines) == 1 })
	// One API in a 10-minute window (or the data's last tenth when shorter).
	win := min(10*time.Minute, span/10)
	wStart := testBase.Add(span / 2)
	run("api_id+window", Query{Service: "service-a", Start: wStart, End: wStart.Add(win), Limit: 100,
		Conds: []Cond{{"api_id", "=", "api-7"}}}, func(p Page) bool { return len(p.Lines) == 100 })
	run("rsp_st>499/day", Query{Service: "service-a", Start: dayStart, End: dayEnd, Limit: 100,
		Conds: []Cond{{"rsp_st", ">", "499"}}}, func(p Page) bool { return len(p.Lines) == 100 })
	run("rsp_st>499/day/asc", Query{Service: "service-a", Start: dayStart, End: dayEnd, Limit: 100, Asc: true,
		Conds: []Cond{{"rsp_st", ">", "499"}}}, func(p Page) bool { return len(p.Lines) == 100 })
	b.Run("page10000", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			q := Query{Service: "service-a", Start: dayStart, End: dayEnd, Limit: 100}
			lines := 0
			for {
				p, err := s.Search(q)
				if err != nil {
					b.Fatal(err)
				}
				lines += len(p.Lines)
				if p.Next == "" {
					break
				}
				q.Cursor = p.Next
			}
			if lines != MaxLines {
				b.Fatalf("%d lines", lines)
			}
		}
	})
}

// BenchmarkWriter: the writer's cost per line (encode, write, index),
// one producer keeping the ring fed.
func BenchmarkWriter(b *testing.B) {
	l, err := New(Options{Dir: b.TempDir(), RingSlots: 1 << 14, NoSync: true, Log: quietLog()})
	if err != nil {
		b.Fatal(err)
	}
	ring := l.Ring(0)
	// Distinct lines (request ids, clients, APIs vary as in traffic), so
	// the index's work is not flattered by one repeated line.
	recs := make([]Record, 1024)
	size := 0
	for i := range recs {
		s := synth(i, testBase, benchStep)
		s.fill(&recs[i])
		size += len(recs[i].AppendJSON(nil))
	}
	b.SetBytes(int64(size / len(recs)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for !ring.Append(&recs[i%len(recs)]) {
			l.Flush()
		}
	}
	l.Flush()
	b.StopTimer()
	l.Close()
	if l.Stats().Written != int64(b.N) { // a refused Append is retried
		b.Fatalf("%+v", l.Stats())
	}
}

// BenchmarkEncode is the JSON line's encoding alone (the writer's largest
// share after the write), over distinct synthetic records. Cycling
// through 64 records (in cache) instead of 1,024 (1.2 MiB) made no
// difference: the encoding is not waiting for memory.
func BenchmarkEncode(b *testing.B) {
	recs := make([]Record, 1024)
	for i := range recs {
		s := synth(i, testBase, benchStep)
		s.fill(&recs[i])
	}
	var tc timeCache
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf = recs[i%len(recs)].appendJSON(buf[:0], &tc)
		i++
	}
}
