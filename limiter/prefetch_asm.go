//go:build amd64 || arm64

package limiter

import "sync/atomic"

// prefetch asks the CPU to start loading p's cache line (PREFETCHT0 on
// amd64, PRFM PLDL1KEEP on arm64): unlike a load's, its value is not
// waited for, and the compiler cannot drop it.
//
//go:noescape
func prefetch(p *atomic.Uint64)
