package limiter

import (
	"sync"
	"testing"
)

// TestTableConcurrentInsert: loops meeting the same new keys at once
// never split or wipe a key's count.
func TestTableConcurrentInsert(t *testing.T) {
	for iter := 0; iter < 300; iter++ {
		tab, _ := NewTable(1024, 64)
		r, _ := tab.Rule(9, Limit{N: 64, Per: Minute})
		var wg sync.WaitGroup
		var mu sync.Mutex
		adm := map[int]int{}
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 400 {
					if tab.Take(r, r.Key64(uint64(i%4)), 1e12).OK {
						mu.Lock()
						adm[i%4]++
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		for k, n := range adm {
			if n != 64 {
				cnt := 0
				for i := range int(tab.nb) * ways {
					if tab.key(i).Load() == r.Key64(uint64(k)) {
						cnt++
						w := window(tab.slot(i)[1:])
						t.Logf("way %d count %d tail %d", i, w[0].Load(), w[1].Load())
					}
				}
				b1, b2 := tab.buckets(r.Key64(uint64(k)))
				t.Fatalf("iter %d key %d admitted %d, copies %d, buckets %d %d", iter, k, n, cnt, b1, b2)
			}
		}
	}
}
