package accesslog

import "os"

// wbChunk is how much of the open segment the writer lets the OS hold
// dirty before it starts writing it back, and the unit it drops from the
// page cache. 4 MiB is about 9,000 lines: a few calls a second at 40k
// requests a second.
const wbChunk = 4 << 20

// writeback is the open segment as the writer's buffer writes it: it
// counts what reaches the OS and, every wbChunk, advances the page-cache
// advice (writeback_linux.go), whether the buffer flushed because it was
// full, on Poll or at a hand-off.
type writeback struct {
	f       *os.File
	off     int64 // bytes handed to the OS
	started int64 // bytes [0, started) were sent to the disk
	dropped int64 // bytes [0, dropped) were dropped from the cache
}

func (w *writeback) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.started >= wbChunk {
		w.advance()
	}
	return n, err
}
