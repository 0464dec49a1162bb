package compression

import (
	"testing"

	"github.com/edgegate/edgegate/http1"
)

// BenchmarkCompress16K compresses testdata/api16k.json (16,013 bytes of
// API JSON) as one response per op, in 16 KiB pieces as the edge reads
// them: MB/s of input, ns per response, allocations, and the ratio.
func BenchmarkCompress16K(b *testing.B) {
	body := readJSON(b)
	for _, c := range []struct {
		name   string
		coding Coding
		level  int
	}{{"gzip-1", Gzip, 1}, {"gzip-5", Gzip, 5}, {"gzip-6", Gzip, 6}, {"zstd-1", Zstd, 1}, {"zstd-2", Zstd, 2}} {
		b.Run(c.name, func(b *testing.B) {
			pool := NewPool(PoolConfig{})
			dst := make([]byte, 0, 32<<10)
			var framed int
			enc := pool.Get(c.coding, c.level) // warm-up: build the encoder and its buffers outside the measurement
			dst = enc.Close(enc.Write(dst[:0], body))
			pool.Put(enc)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				enc := pool.Get(c.coding, c.level)
				dst = enc.Write(dst[:0], body)
				dst = enc.Close(dst)
				framed = len(dst)
				pool.Put(enc)
			}
			b.ReportMetric(float64(len(body))/float64(framed), "ratio")
		})
	}
}

// BenchmarkDecide is the per-response decision and head rendering.
func BenchmarkDecide(b *testing.B) {
	pol := mustPolicy(b, Config{Enabled: true})
	resp := parseResp(b, "200 OK\nContent-Type: application/json; charset=utf-8\nContent-Length: 16013\nETag: \"x\"\nCache-Control: private, max-age=60\nX-Trace: 1\nDate: Mon, 01 Jan 2026 00:00:00 GMT")
	ri := ReqInfo{}
	ri.Accept.Add([]byte("gzip, deflate, br, zstd"))
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		h := HeadOf(resp)
		d := Decide(&ri, &h, pol)
		dst = d.AppendHead(dst[:0], resp.Headers, nil)
	}
}

// BenchmarkNegotiate parses a browser's Accept-Encoding.
func BenchmarkNegotiate(b *testing.B) {
	req := &http1.Request{Headers: []http1.Header{{Name: []byte("Accept-Encoding"), Value: []byte("gzip, deflate, br, zstd")}}}
	b.ReportAllocs()
	for b.Loop() {
		ri := RequestInfo(req)
		ri.Accept.Choose(offerZG)
	}
}
