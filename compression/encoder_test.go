package compression

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"syscall"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/edgegate/edgegate/http1"
)

func readJSON(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/api16k.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// chunks decodes framed with the project's strict chunked decoder,
// passing each chunk's data to fn. It returns the bytes consumed and
// whether the body ended; framing errors and trailers fail the test.
func chunks(t testing.TB, d *http1.ChunkedDecoder, framed []byte, fn func([]byte)) (int, bool) {
	t.Helper()
	off := 0
	for off < len(framed) || d.Done() {
		n, ev, data, _, err := d.Next(framed[off:])
		off += n
		switch {
		case err != nil:
			t.Fatalf("chunked framing: %v", err)
		case ev == http1.ChunkData:
			fn(data)
			continue
		case ev == http1.ChunkTrailer:
			t.Fatal("unexpected trailer")
		}
		return off, ev == http1.ChunkDone
	}
	return off, false
}

// unchunk decodes a whole chunked body and checks that it is complete
// and that nothing follows it.
func unchunk(t testing.TB, framed []byte) []byte {
	t.Helper()
	var d http1.ChunkedDecoder
	var out []byte
	off, done := chunks(t, &d, framed, func(b []byte) { out = append(out, b...) })
	if !done || off != len(framed) {
		t.Fatalf("chunked body: ended %v after %d of %d bytes", done, off, len(framed))
	}
	return out
}

func decode(t testing.TB, c Coding, b []byte) []byte {
	t.Helper()
	var out []byte
	var err error
	switch c {
	case Gzip:
		var r *gzip.Reader
		if r, err = gzip.NewReader(bytes.NewReader(b)); err == nil {
			out, err = io.ReadAll(r)
		}
	case Zstd:
		var r *zstd.Decoder
		if r, err = zstd.NewReader(bytes.NewReader(b)); err == nil {
			out, err = io.ReadAll(r)
			r.Close()
		}
	}
	if err != nil {
		t.Fatalf("%v decode: %v", c, err)
	}
	return out
}

// testInput mixes JSON text with random bytes, so that both the
// compressible path and stored blocks are exercised.
func testInput(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	js, _ := os.ReadFile("testdata/api16k.json")
	b := make([]byte, 0, n)
	for len(b) < n {
		k := min(n-len(b), 1+rng.IntN(9000))
		if rng.IntN(3) == 0 {
			for i := 0; i < k; i++ {
				b = append(b, byte(rng.Uint32()))
			}
		} else {
			off := rng.IntN(len(js) - k%len(js))
			b = append(b, js[off:off+min(k, len(js)-off)]...)
		}
	}
	return b
}

// TestRoundTrip compresses many sizes in many piece sizes, with flushes at
// odd boundaries, and decodes the output back to the input.
func TestRoundTrip(t *testing.T) {
	pool := NewPool(PoolConfig{})
	sizes := []int{0, 1, 2, 15, 16, 17, 255, 1023, 1024, 4095, 4096, 4097, 16383, 16384, 65535, 65536, 65537, 200_003, 1<<20 + 3}
	pieces := []int{1, 7, 1000, 4096, 16 << 10, 64<<10 + 1}
	for _, c := range []struct {
		coding Coding
		level  int
	}{{Gzip, 1}, {Gzip, 6}, {Gzip, 9}, {Zstd, 1}, {Zstd, 2}} {
		for _, size := range sizes {
			in := testInput(size, uint64(size))
			for pi, piece := range pieces {
				if piece == 1 && size > 20000 {
					continue // byte-at-a-time is covered by the small sizes
				}
				flushEvery := []int{0, 3, 1}[pi%3] // none, every 3rd write, every write
				enc := pool.Get(c.coding, c.level)
				var out []byte
				for i, w := 0, 0; i < size; i, w = i+piece, w+1 {
					out = enc.Write(out, in[i:min(i+piece, size)])
					if flushEvery > 0 && w%flushEvery == 0 {
						out = enc.Flush(out)
					}
				}
				out = enc.Close(out)
				if enc.Err() != nil || enc.In() != int64(size) {
					t.Fatalf("%v-%d size %d: err %v, in %d", c.coding, c.level, size, enc.Err(), enc.In())
				}
				pool.Put(enc)
				body := unchunk(t, out)
				if int64(len(body)) != enc.Out() {
					t.Fatalf("Out() = %d, framed payload %d", enc.Out(), len(body))
				}
				if got := decode(t, c.coding, body); !bytes.Equal(got, in) {
					t.Fatalf("%v-%d size %d piece %d flush %d: decoded %d bytes, differ", c.coding, c.level, size, piece, flushEvery, len(got))
				}
			}
		}
	}
	if s := pool.Stats(); s.Created > 5 || s.Live != s.Idle {
		t.Fatalf("encoders were not reused or not returned: %+v", s)
	}
}

// TestFlushReleasesAll: after Flush, what was written so far decodes from
// the output so far (a streaming backend is not held back).
func TestFlushReleasesAll(t *testing.T) {
	pool := NewPool(PoolConfig{})
	in := testInput(100_000, 3)
	for _, c := range []Coding{Gzip, Zstd} {
		enc := pool.Get(c, 1)
		var out []byte
		for _, cut := range []int{1, 500, 20_000, 20_001, 99_999} {
			prev := int(enc.In())
			out = enc.Write(out, in[prev:cut])
			out = enc.Flush(out)
			if n := len(out); n < 5 || string(out[n-2:]) != "\r\n" {
				t.Fatalf("%v: flush did not end a chunk", c)
			}
			got := decodePrefix(t, c, unchunkPrefix(t, out), cut)
			if !bytes.Equal(got, in[:cut]) {
				t.Fatalf("%v: after flush at %d the output decodes to %d bytes", c, cut, len(got))
			}
		}
		pool.Put(enc)
	}
}

// unchunkPrefix decodes the complete chunks of an unfinished body.
func unchunkPrefix(t testing.TB, framed []byte) []byte {
	t.Helper()
	var d http1.ChunkedDecoder
	var out []byte
	chunks(t, &d, framed, func(b []byte) { out = append(out, b...) })
	return out
}

// decodePrefix reads n bytes from a compressed stream that has not ended.
func decodePrefix(t testing.TB, c Coding, b []byte, n int) []byte {
	t.Helper()
	got := make([]byte, n)
	var r io.Reader
	var err error
	if c == Gzip {
		r, err = gzip.NewReader(bytes.NewReader(b))
	} else {
		var z *zstd.Decoder
		z, err = zstd.NewReader(bytes.NewReader(b), zstd.WithDecoderConcurrency(1))
		defer z.Close()
		r = z
	}
	if err != nil {
		t.Fatal(err)
	}
	k, _ := io.ReadFull(r, got)
	return got[:k]
}

func TestMisuse(t *testing.T) {
	pool := NewPool(PoolConfig{})
	enc := pool.Get(Gzip, 1)
	out := enc.Close(nil)
	if n := len(out); enc.Write(out, []byte("x"))[n-1] != out[n-1] || len(enc.Write(out, []byte("x"))) != n || enc.Err() == nil {
		t.Fatal("Write after Close must append nothing and report an error")
	}
	if n := len(out); len(enc.Flush(out)) != n || len(enc.Close(out)) != n {
		t.Fatal("Flush or Close after Close must append nothing")
	}
	pool.Put(enc)
	enc = pool.Get(Gzip, 1) // the same encoder, reset
	if enc.Err() != nil {
		t.Fatal("Get must clear the error")
	}
	if got := decode(t, Gzip, unchunk(t, enc.Close(enc.Write(nil, []byte("hello"))))); string(got) != "hello" {
		t.Fatalf("reused encoder: %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Get with a level no Policy yields must panic")
		}
	}()
	pool.Get(Zstd, 3)
}

// TestPoolBound: at most MaxEncoders live; a full pool refuses (Busy) and
// an idle encoder of another level makes room.
func TestPoolBound(t *testing.T) {
	pool := NewPool(PoolConfig{MaxEncoders: 3})
	pol := mustPolicy(t, Config{Enabled: true})
	a, b := pool.Get(Gzip, 1), pool.Get(Zstd, 1)
	c := pool.Get(Gzip, 5)
	d := Decision{Coding: Gzip, vary: true}
	if e := pool.Acquire(&d, pol); e != nil || d.Coding != Identity || d.Reason != Busy || !d.vary {
		t.Fatalf("full pool: %v %+v", e, d)
	}
	pool.Put(c)
	e := pool.Get(Zstd, 2) // drops the idle gzip-5
	if e == nil {
		t.Fatal("an idle encoder of another level must make room")
	}
	s := pool.Stats()
	if s.Live != 3 || s.Idle != 0 || s.Busy != 1 || s.Dropped != 1 || s.Created != 4 {
		t.Fatalf("stats %+v", s)
	}
	pool.Put(a)
	if pool.Get(Gzip, 1) != a {
		t.Fatal("an idle encoder of the same level must be reused")
	}
	pool.Put(b)
	pool.Put(e)
}

// maxRSS returns the process's peak resident set, in bytes.
func maxRSS(t testing.TB) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return ru.Maxrss << 10 // KiB on Linux
}

// TestNoGoroutines: encoders compress on the caller's goroutine (the
// loop's); zstd's concurrency 1 starts none.
func TestNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	pool := NewPool(PoolConfig{})
	in := testInput(1<<20, 5)
	for _, c := range []Coding{Zstd, Gzip} {
		for l := 1; l <= MaxZstdLevel; l++ {
			enc := pool.Get(c, l)
			out := enc.Write(nil, in)
			if n := runtime.NumGoroutine(); n != before {
				t.Fatalf("%v-%d: %d goroutines while compressing, %d before", c, l, n, before)
			}
			enc.Close(out)
			pool.Put(enc)
		}
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestStream64MiB compresses a 64 MiB body in 16 KiB pieces through a
// reused output buffer, as the edge does, while a decoder checks the
// stream as it goes: the heap stays flat, and the output decodes to the
// input.
func TestStream64MiB(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB per coding")
	}
	const total, piece = 64 << 20, 16 << 10
	unit := testInput(1<<20, 64) // repeated with a varying prefix: 64 distinct MiB are not needed in memory
	for _, c := range []Coding{Gzip, Zstd} {
		pool := NewPool(PoolConfig{})
		pr, pw := io.Pipe()
		sums := make(chan [32]byte, 1)
		go func() {
			h := sha256.New()
			var r io.Reader
			var err error
			if c == Gzip {
				r, err = gzip.NewReader(pr)
			} else {
				var z *zstd.Decoder
				z, err = zstd.NewReader(pr, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
				defer z.Close()
				r = z
			}
			if err == nil {
				_, err = io.Copy(h, r)
			}
			if err != nil {
				pr.CloseWithError(err)
			}
			var s [32]byte
			copy(s[:], h.Sum(nil))
			sums <- s
		}()
		want := sha256.New()
		enc := pool.Get(c, 1)
		out := make([]byte, 0, 4*piece)
		var dec http1.ChunkedDecoder
		feed := func(framed []byte) {
			chunks(t, &dec, framed, func(b []byte) {
				if _, err := pw.Write(b); err != nil {
					t.Fatal(err)
				}
			})
		}
		rss0 := maxRSS(t)
		var base, peak, mid uint64
		maxOut := 0
		for i := 0; i < total; i += piece {
			p := unit[i%len(unit) : i%len(unit)+piece]
			if i%len(unit) == 0 {
				p = append([]byte(nil), p...) // a fresh copy with the MiB's number, so no two MiB are alike
				copy(p, fmt.Sprintf("%08d", i>>20))
			}
			want.Write(p)
			out = enc.Write(out[:0], p)
			maxOut = max(maxOut, len(out))
			feed(out)
			switch {
			case i == 4<<20:
				base = heapAlloc()
			case i > 4<<20 && i%(4<<20) == 0:
				h := heapAlloc()
				peak = max(peak, h)
				if i == 32<<20 {
					mid = h
				}
			}
		}
		out = enc.Close(out[:0])
		feed(out)
		pw.Close()
		if !dec.Done() {
			t.Fatalf("%v: the chunked body did not end", c)
		}
		got := <-sums
		if !bytes.Equal(got[:], want.Sum(nil)) {
			t.Fatalf("%v: the decoded stream differs from the input", c)
		}
		end := heapAlloc()
		t.Logf("%v: in %d, out %d (%.2fx), heap after 4 MiB %d KiB, peak %d KiB, at 32 MiB %d KiB, end %d KiB, largest output of one Write %d",
			c, enc.In(), enc.Out(), float64(enc.In())/float64(enc.Out()), base>>10, peak>>10, mid>>10, end>>10, maxOut)
		// Flat: from 4 MiB in to the end the heap moves by less than
		// 2 MiB, while 60 more MiB went through.
		if peak > base+2<<20 || end > base+2<<20 {
			t.Fatalf("%v: heap grew while streaming: %d KiB after 4 MiB, peak %d KiB, end %d KiB", c, base>>10, peak>>10, end>>10)
		}
		// And the process's peak RSS: 64 MiB in, 25-30 MiB out, yet the
		// high-water mark moves by less than 16 MiB.
		if grew := maxRSS(t) - rss0; grew > 16<<20 {
			t.Fatalf("%v: peak RSS grew by %d KiB while streaming", c, grew>>10)
		}
		if maxOut > piece+ZstdWindow+1<<10 {
			t.Fatalf("%v: one Write appended %d bytes, beyond the documented bound", c, maxOut)
		}
		pool.Put(enc)
	}
}

// TestEncoderMemory measures the heap one encoder holds after a 1 MiB
// body at each level a Policy allows, against MaxEncoderBytes.
func TestEncoderMemory(t *testing.T) {
	in := testInput(1<<20, 9)
	const n = 8
	levels := []struct {
		c Coding
		l int
	}{{Zstd, 1}, {Zstd, 2}}
	for l := 1; l <= 9; l++ {
		levels = append(levels, struct {
			c Coding
			l int
		}{Gzip, l})
	}
	for _, lv := range levels {
		pool := NewPool(PoolConfig{MaxEncoders: n})
		out := make([]byte, 0, 256<<10)
		before := heapAlloc()
		encs := make([]*Encoder, n)
		for i := range encs {
			encs[i] = pool.Get(lv.c, lv.l)
			for j := 0; j < len(in); j += 16 << 10 {
				out = encs[i].Write(out[:0], in[j:j+16<<10])
			}
			out = encs[i].Close(out[:0])
		}
		per := (heapAlloc() - before) / n
		t.Logf("%v-%d: %d KiB per encoder", lv.c, lv.l, per>>10)
		if per > MaxEncoderBytes {
			t.Errorf("%v-%d holds %d bytes, above MaxEncoderBytes", lv.c, lv.l, per)
		}
		runtime.KeepAlive(encs)
	}
}
