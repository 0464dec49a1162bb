package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkScrape1000APIs is one /metrics answer over 1,000 API series
// (every per-API family, two targets, the firewall, the admin), without
// the process metrics (they read /proc). The figure is in doc.go.
func BenchmarkScrape1000APIs(b *testing.B) {
	e := New(Sources{Edge: manyAPIs(1000), Firewall: fakeFirewall{mode: "xdp-native"}, Admin: &fakeAdmin{}})
	req := httptest.NewRequest("GET", "/metrics", nil)
	w := &discardWriter{h: http.Header{}}
	e.ServeHTTP(w, req)
	b.SetBytes(int64(w.n))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.ServeHTTP(w, req)
	}
}

type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(int)     {}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.n = len(p)
	return io.Discard.Write(p)
}
