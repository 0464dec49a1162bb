//go:build !amd64 && !arm64

package limiter

import "sync/atomic"

// prefetch is a no-op where no prefetch instruction is wired up.
func prefetch(*atomic.Uint64) {}
