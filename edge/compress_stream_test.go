package edge

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"io"
	"net/http"
	"path"
	goruntime "runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/edgegate/edgegate/compression"
	"github.com/klauspost/compress/zstd"
)

const streamSize = 64 << 20

// streamSource writes the 64 MiB test body: JSON-like lines that differ
// (a counter and a pseudo-random field), so the encoders do real work,
// from one fixed buffer, so the writer itself holds no memory.
type streamSource struct{ buf []byte }

func (s *streamSource) writeTo(w io.Writer, flush func()) error {
	if s.buf == nil {
		s.buf = make([]byte, 0, 32<<10)
	}
	x := uint64(88172645463325252)
	for sent, line := 0, 0; sent < streamSize; {
		b := s.buf[:0]
		for len(b) < 32<<10-128 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			b = append(b, `{"id":`...)
			b = strconv.AppendInt(b, int64(line), 10)
			b = append(b, `,"name":"user-`...)
			b = strconv.AppendUint(b, x%100000, 10)
			b = append(b, `","token":"`...)
			b = strconv.AppendUint(b, x*0x9E3779B97F4A7C15, 16)
			b = append(b, `","active":true,"tags":["a","b"]}`+"\n"...)
			line++
		}
		b = b[:min(len(b), streamSize-sent)]
		if _, err := w.Write(b); err != nil {
			return err
		}
		if flush != nil {
			flush()
		}
		sent += len(b)
	}
	return nil
}

// Streaming a 64 MiB body compressed keeps memory flat: the edge pauses
// the backend while the client is behind, and compresses 16 KiB at a time
// into bounded buffers. The test process holds the edge, the upstream and
// the client; its HeapInuse, sampled during the transfer, must stay
// within 8 MiB of what it was at the start, and the decoded body must
// equal the original (its SHA-256). The client waits 300 ms before it
// reads, so the edge must hold the backend back; the body compresses
// about 5x, so an edge that buffered either side of its encoder (64 MiB
// in, 12 MiB out) would break the bound. No speed is asserted.
func TestCompressStream64MiB(t *testing.T) {
	var want [sha256.Size]byte
	{
		h := sha256.New()
		var src streamSource
		if err := src.writeTo(h, nil); err != nil {
			t.Fatal(err)
		}
		copy(want[:], h.Sum(nil))
	}
	origin := startHTTPUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var src streamSource
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", strconv.Itoa(streamSize))
			_ = src.writeTo(w, nil)
		default: // chunked, flushed per 32 KiB
			_ = src.writeTo(w, w.(http.Flusher).Flush)
		}
	})
	s := startServer(t, serviceDoc(zAPIs(origin)...), Config{Loops: 1}, nil, zTraffic(`{"Enabled":true}`))
	for _, c := range []struct{ path, coding string }{{"length", "gzip"}, {"chunked", "zstd"}} {
		t.Run(c.path+"/"+c.coding, func(t *testing.T) {
			z := dialZ(t, s.Addr())
			if _, err := io.WriteString(z.c, "GET /release/z/"+c.path+" HTTP/1.1\r\nHost: service-t.localhost\r\nAccept-Encoding: "+c.coding+"\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(z.br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Header.Get("Content-Encoding") != c.coding || resp.TransferEncoding == nil {
				t.Fatalf("head %v %v", resp.Header, resp.TransferEncoding)
			}
			goruntime.GC()
			base := heapInuse()
			var (
				peak uint64
				mu   sync.Mutex
				stop = make(chan struct{})
				done = make(chan struct{})
			)
			go func() { // sample during the transfer
				defer close(done)
				tk := time.NewTicker(5 * time.Millisecond)
				defer tk.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tk.C:
						if h := heapInuse(); h > base {
							mu.Lock()
							peak = max(peak, h-base)
							mu.Unlock()
						}
					}
				}
			}()
			time.Sleep(300 * time.Millisecond) // a slow reader: the edge must pause the backend
			var dec io.Reader
			var wireBytes byteCounter
			wire := io.TeeReader(resp.Body, &wireBytes)
			if c.coding == "gzip" {
				zr, err := gzip.NewReader(wire)
				if err != nil {
					t.Fatal(err)
				}
				dec = zr
			} else {
				zr, err := zstd.NewReader(wire, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
				if err != nil {
					t.Fatal(err)
				}
				defer zr.Close()
				dec = zr
			}
			h := sha256.New()
			n, err := io.Copy(h, bufio.NewReaderSize(dec, 32<<10))
			close(stop)
			<-done
			if err != nil || n != streamSize {
				t.Fatalf("decoded %d bytes, %v; want %d", n, err, streamSize)
			}
			var got [sha256.Size]byte
			copy(got[:], h.Sum(nil))
			if got != want {
				t.Fatal("decoded body differs from the original")
			}
			t.Logf("%s %s: %d MiB -> %.1f MiB on the wire; heap in use grew by at most %.1f MiB", c.path, c.coding,
				n>>20, float64(wireBytes)/(1<<20), float64(peak)/(1<<20))
			if peak > 8<<20 {
				t.Fatalf("heap in use grew by %.1f MiB while streaming %d MiB (bound 8 MiB)", float64(peak)/(1<<20), streamSize>>20)
			}
		})
	}
}

func heapInuse() uint64 {
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// byteCounter is a writer that only counts (the bytes on the wire).
type byteCounter int64

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}

// An aborted compressed response gives its encoder back: 40 responses
// cut by the client and 40 cut by the backend (more than the 32 a loop's
// pool keeps) leave the pool with a free encoder, so none is refused as
// Busy and the next response is compressed.
func TestCompressAbortReturnsEncoder(t *testing.T) {
	body := api16k(t)
	big := bytes.Repeat(body, 64) // 1 MiB
	origin := startHTTPUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch path.Base(r.URL.Path) {
		case "cut": // the backend dies mid-body
			w.Header().Set("Content-Length", strconv.Itoa(2*len(big)))
			w.Write(big)
			w.(http.Flusher).Flush()
			if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
				c.Close()
			}
		case "slow": // the client leaves mid-body
			for i := 0; i < 64; i++ {
				if _, err := w.Write(big); err != nil {
					return
				}
			}
		default:
			w.Write(body)
		}
	})
	s := startServer(t, serviceDoc(zAPIs(origin)...), Config{Loops: 1}, nil, zTraffic(`{"Enabled":true}`))
	for i := 0; i < 40; i++ {
		for _, p := range []string{"slow", "cut"} {
			z := dialZ(t, s.Addr())
			if _, err := io.WriteString(z.c, "GET /release/z/"+p+" HTTP/1.1\r\nHost: service-t.localhost\r\nAccept-Encoding: gzip\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(z.br, nil)
			if err != nil || resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s %d: %v %v", p, i, err, resp)
			}
			if p == "cut" {
				if _, err := io.Copy(io.Discard, resp.Body); err == nil {
					t.Fatalf("cut %d: the client did not see the cut", i)
				}
			} else {
				io.CopyN(io.Discard, resp.Body, 4096)
			}
			z.c.Close()
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.CompressionStats().Decisions[compression.Busy] == 0 && time.Now().Before(deadline) {
		r := dialZ(t, s.Addr()).do("GET", "/release/z/json", "Accept-Encoding: gzip\r\n")
		if r.header.Get("Content-Encoding") == "gzip" && bytes.Equal(r.decoded(t), body) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	st := s.CompressionStats()
	if st.Decisions[compression.Busy] != 0 || st.Encoders > 4 {
		t.Fatalf("encoders leaked by aborted responses: %+v", st)
	}
}
