package limiter

import "sync/atomic"

// prefetch asks the CPU to start loading p's cache line and returns at
// once (PRFM PLDL1KEEP): unlike a load, nothing waits for the line.
//
//go:noescape
func prefetch(p *atomic.Uint64)
