//go:build unix

package limiter

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// hugePage is the size of an x86-64 or arm64 (4 KiB granule) huge page.
const hugePage = 2 << 20

// mapWords maps n zeroed words of anonymous memory. unsafe is needed to
// view the mapping as words; the mapping is the Table's own memory
// (page-aligned, so every word is 8-byte aligned for atomics).
func mapWords(n uint64) (words, bool) {
	if n == 0 {
		return words{}, false
	}
	// A length in whole huge pages gets a huge-page-aligned address (Linux
	// 6.7 and later), so every part of it can be collapsed; the rounding
	// is address space only, never touched.
	size := n * 8
	if size >= hugePage {
		size = (size + hugePage - 1) &^ (hugePage - 1)
	}
	b, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return words{}, false
	}
	return words{
		w:    unsafe.Slice((*atomic.Uint64)(unsafe.Pointer(&b[0])), n),
		free: func() { _ = syscall.Munmap(b) },
		huge: hugePages(b),
	}, true
}
