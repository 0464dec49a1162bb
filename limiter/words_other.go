//go:build !unix

package limiter

import "sync/atomic"

func mapWords(uint64) ([]atomic.Uint64, func(), bool) { return nil, nil, false }
