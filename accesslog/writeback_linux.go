package accesslog

import (
	"os"

	"golang.org/x/sys/unix"
)

// wbChunk is how much of the open segment the writer lets the OS hold
// dirty before it starts writing it back, and the unit it drops from the
// page cache. 4 MiB is about 9,000 lines: a few calls a second at 40k
// requests a second.
const wbChunk = 4 << 20

// writeback keeps the open segment's page cache small, as RocksDB's
// bytes_per_sync and PostgreSQL's backend_flush_after do: each wbChunk
// handed to the OS is sent to the disk at once (sync_file_range WRITE,
// which does not wait), and the chunk sent the time before, by now on the
// disk, is dropped (fadvise DONTNEED; pages still being written are left
// for the kernel to reclaim). An access log is written once and read
// rarely, so caching it only pushes out data the machine needs, piles up
// dirty pages for the seal's fsync to wait on, and makes every line's
// write take a fresh page: on the benchmark VM a copy into a fresh page
// cost ~0.5 µs per 460-byte line against ~0.1 µs into a recycled one
// (BENCHMARKS.md, issue 18). A failure only loses the advice: the data
// was already written.
type writeback struct {
	fd      int
	started int64 // bytes [0, started) were sent to the disk
	dropped int64 // bytes [0, dropped) were dropped from the cache
}

func newWriteback(f *os.File) writeback { return writeback{fd: int(f.Fd())} }

// due reports whether at (bytes the segment holds, some still in the
// writer's buffer) is far enough past the last start to look again.
func (w *writeback) due(at int64) bool { return at-w.started >= wbChunk }

// advance sends [started, at) to the disk and drops [dropped, started).
func (w *writeback) advance(at int64) {
	if at-w.started < wbChunk {
		return
	}
	_ = unix.SyncFileRange(w.fd, w.started, at-w.started, unix.SYNC_FILE_RANGE_WRITE)
	if w.started > w.dropped {
		_ = unix.Fadvise(w.fd, w.dropped, w.started-w.dropped, unix.FADV_DONTNEED)
		w.dropped = w.started
	}
	w.started = at
}

// dropAll drops a sealed, synced segment from the cache.
func dropAll(f *os.File) { _ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED) }
