//go:build amd64 || arm64

package limiter

import "sync/atomic"

// prefetch asks the CPU to start loading p's cache line and returns at
// once (PREFETCHT0 on amd64, PRFM PLDL1KEEP on arm64): unlike a load,
// nothing waits for the line.
//
//go:noescape
func prefetch(p *atomic.Uint64)
