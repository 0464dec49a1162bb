//go:build unix

package limiter

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// mapWords maps n zeroed words of anonymous memory. unsafe is needed to
// view the mapping as words; the mapping is the Table's own memory
// (page-aligned, so every word is 8-byte aligned for atomics).
func mapWords(n uint64) ([]atomic.Uint64, func(), bool) {
	if n == 0 {
		return nil, nil, false
	}
	b, err := syscall.Mmap(-1, 0, int(n*8), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, false
	}
	w := unsafe.Slice((*atomic.Uint64)(unsafe.Pointer(&b[0])), n)
	return w, func() { _ = syscall.Munmap(b) }, true
}
