package limiter

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// hugePages returns the function that backs b with transparent huge
// pages: MADV_HUGEPAGE marks the range (faults and khugepaged then use
// 2 MiB pages) and MADV_COLLAPSE (Linux 6.1) converts what is already
// there at once. One page-table entry then covers 512 times as much of
// the table, so a random key's Take walks the page table far less often
// (on a virtual machine a walk can still cost more than the cache miss
// itself: BENCHMARKS.md); on a loaded gateway with a million keys in use,
// takeLimits went from 1.47-1.80 to 1.11-1.18 µs a request (perf shares,
// three alternating runs each; BENCHMARKS.md "Large tables").
//
// MADV_COLLAPSE answers EAGAIN for a range whose pages another loop is
// writing at that instant; it goes on with the other ranges, and a retry
// finds those already done, so a few retries finish the table. If they do
// not, the range stays marked and khugepaged collapses it later.
func hugePages(b []byte) func() error {
	return func() error {
		if err := unix.Madvise(b, unix.MADV_HUGEPAGE); err != nil {
			return err
		}
		var err error
		for try := range 20 {
			if err = unix.Madvise(b, unix.MADV_COLLAPSE); !errors.Is(err, unix.EAGAIN) {
				return err
			}
			time.Sleep(time.Duration(try+1) * time.Millisecond)
		}
		return err
	}
}
