package router

import (
	"sort"
	"testing"
	"time"

	"github.com/edgegate/edgegate/router/routertest"
)

// BenchmarkCompile compiles the table: 10,000 APIs across 50
// services (budget: 100 ms).
func BenchmarkCompile(b *testing.B) {
	p := routertest.Generate(50, 200)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookup looks up requests that reach each kind of route in the
// 10,000-API table, rotating through every API of the kind (budget: p50 ≤
// 150 ns, 0 allocs). Besides ns/op (a mean) it reports p50-ns, the median
// of 64-lookup batches.
func BenchmarkLookup(b *testing.B) {
	p := routertest.Generate(50, 200)
	tb, err := Compile(p)
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{"exact", "prefix", "param", "priority", "regex"} {
		samples := routertest.Requests(p, kind)
		reqs := make([]Request, len(samples))
		for i, s := range samples {
			reqs[i] = Request{Host: []byte(s.Host), Method: []byte(s.Method), Path: []byte(s.Path)}
		}
		var res Result
		for i := range reqs { // check, and grow res.buf
			tb.Lookup(&reqs[i], &res)
			if res.Route == nil || res.Route.ApiId != samples[i].ApiId {
				b.Fatalf("%s: %s%s → %d %s", kind, samples[i].Host, samples[i].Path, res.Status, res.Code)
			}
		}
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			const batch = 64
			var lat []time.Duration
			i := 0
			for b.Loop() {
				tb.Lookup(&reqs[i%len(reqs)], &res)
				i++
			}
			b.StopTimer()
			// Median of batch means, measured apart from the loop above.
			for n := 0; n < 2000; n++ {
				start := time.Now()
				for k := 0; k < batch; k++ {
					tb.Lookup(&reqs[(n*batch+k)%len(reqs)], &res)
				}
				lat = append(lat, time.Since(start)/batch)
			}
			sort.Slice(lat, func(x, y int) bool { return lat[x] < lat[y] })
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		})
	}
}

// BenchmarkBuild composes the backend request of a param route with
// mappings, constants and system parameters.
func BenchmarkBuild(b *testing.B) {
	p := routertest.Generate(1, 10)
	tb, err := Compile(p)
	if err != nil {
		b.Fatal(err)
	}
	s := routertest.Requests(p, "param")[1] // two variables and a mapping
	req := &Request{Host: []byte(s.Host), Method: []byte(s.Method), Path: []byte(s.Path), Query: []byte("page=2&x=y"),
		Headers: hdrs("Host", s.Host, "Accept", "*/*", "X-Tenant", "spoof")}
	var res Result
	tb.Lookup(req, &res)
	if res.Route == nil {
		b.Fatal(res.Code)
	}
	var bk Backend
	b.ReportAllocs()
	for b.Loop() {
		if perr := res.Route.Build(&bk, req, &res, testSys); perr != nil {
			b.Fatal(perr)
		}
	}
}
