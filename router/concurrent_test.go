package router

import (
	"sync"
	"testing"
)

// TestConcurrentLookup shares one Table between goroutines, as event loops
// do; run with -race it proves Lookup and Build only read the Table.
func TestConcurrentLookup(t *testing.T) {
	tb := lookupFixture(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			var res Result
			var b Backend
			for i := 0; i < 200; i++ {
				c := lookupCases[(i*7+g)%len(lookupCases)]
				host := c.host
				if host == "" || host == "-" {
					host = hostA
				}
				req := &Request{Host: []byte(host), Method: []byte("GET"), Path: []byte(c.path), Query: []byte("a=1")}
				tb.Lookup(req, &res)
				if res.Route != nil {
					_ = res.Route.Build(&b, req, &res, testSys)
				}
			}
		}(g)
	}
	wg.Wait()
}
