package router

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/edgegate/edgegate/router/routertest"
)

// BenchmarkCompileSizes compiles 10,000 and 50,000 APIs (50 and 250
// services of 200; issue 18's budget: 10,000 in ≤ 100 ms). Besides time
// and allocations it reports table-bytes: the heap the compiled table
// keeps (live heap with the table minus live heap without, after GC).
func BenchmarkCompileSizes(b *testing.B) {
	for _, services := range []int{50, 250} {
		p := routertest.Generate(services, 200)
		b.Run(fmt.Sprintf("apis=%d", services*200), func(b *testing.B) {
			b.ReportAllocs()
			var t *Table
			for b.Loop() {
				var err error
				if t, err = Compile(p); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			with := liveHeap()
			runtime.KeepAlive(t)
			t = nil
			b.ReportMetric(float64(with-liveHeap()), "table-bytes")
		})
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
