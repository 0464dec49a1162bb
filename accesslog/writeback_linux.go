package accesslog

import (
	"os"

	"golang.org/x/sys/unix"
)

// advance keeps the open segment's page cache small, as RocksDB's
// bytes_per_sync and PostgreSQL's backend_flush_after do: what was handed
// to the OS since the last call is sent to the disk at once
// (sync_file_range WRITE, which does not wait), and the chunk sent the
// time before, by now on the disk, is dropped (fadvise DONTNEED; pages
// still being written are left for the kernel to reclaim). An access log
// is written once and read rarely, so caching it only pushes out data the
// machine needs, piles up dirty pages for the seal's fsync to wait on, and
// makes every line's write take a fresh page: in a scratch program on the
// benchmark VM, 0.55-0.62 µs per 460-byte line into fresh pages against
// 0.13 µs with this (BENCHMARKS.md, issue 18). A failure only loses the
// advice: the data was already written.
func (w *writeback) advance() {
	fd := int(w.f.Fd())
	_ = unix.SyncFileRange(fd, w.started, w.off-w.started, unix.SYNC_FILE_RANGE_WRITE)
	if w.started > w.dropped {
		_ = unix.Fadvise(fd, w.dropped, w.started-w.dropped, unix.FADV_DONTNEED)
		w.dropped = w.started
	}
	w.started = w.off
}

// dropAll drops a sealed segment from the cache (after its sync; with
// NoSync the kernel first starts writing what is dirty and drops the rest).
func dropAll(f *os.File) { _ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED) }
