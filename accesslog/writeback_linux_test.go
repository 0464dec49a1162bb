package accesslog

import (
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// resident is the share of f's pages in [off, off+n) that the page cache
// holds (mincore over a read-only mapping).
func resident(t *testing.T, path string, off, n int64) float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pg := int64(os.Getpagesize())
	n += off % pg // mmap takes a page-aligned offset
	off -= off % pg
	m, err := unix.Mmap(int(f.Fd()), off, int(n), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	vec := make([]byte, (n+pg-1)/pg)
	// x/sys/unix v0.31 has no Mincore wrapper.
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatal(e)
	}
	in := 0
	for _, v := range vec {
		in += int(v & 1)
	}
	return float64(in) / float64(len(vec))
}

// diskDir is a directory on a disk file system: tmpfs keeps its pages
// whatever the advice (they are its storage).
func diskDir(t *testing.T) string {
	dir := t.TempDir()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err == nil && st.Type == unix.TMPFS_MAGIC {
		if dir, err = os.MkdirTemp(".", "wbtest"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	return dir
}

// The writer sends the open segment to the disk a chunk at a time and
// drops what is already there from the page cache; the newest chunks stay
// cached (a search reads them), and the lines are all there.
func TestWritebackDropsWrittenChunks(t *testing.T) {
	dir := diskDir(t)
	l, err := New(Options{Dir: dir, RingSlots: 1 << 12, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	ring := l.Ring(0)
	var rec Record
	lines := 0
	write := func(bytes int64) {
		for l.size < bytes { // read after Flush: the writer is waiting
			for i := 0; i < 1024; i++ {
				s := synth(lines, testBase, benchStep)
				s.fill(&rec)
				if !ring.Append(&rec) {
					break
				}
				lines++
			}
			if err := l.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(3 * wbChunk)
	// Let the chunks sent so far reach the disk, so the next advance can
	// drop them (pages under writeback are left to the kernel).
	if err := l.f.Sync(); err != nil {
		t.Fatal(err)
	}
	write(5 * wbChunk)
	path, size := l.segPath, l.size
	if got := resident(t, path, 0, 2*wbChunk); got > 0.1 {
		t.Errorf("%.0f%% of the first two chunks still cached, want them dropped", got*100)
	}
	if got := resident(t, path, size-wbChunk/2, wbChunk/2); got < 0.9 {
		t.Errorf("only %.0f%% of the newest lines cached", got*100)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := l.Stats().Written; got != int64(lines) {
		t.Fatalf("wrote %d of %d lines", got, lines)
	}
	// Sealing synced the segment and dropped all of it.
	if got := resident(t, path, 0, size); got > 0.1 {
		t.Errorf("%.0f%% of the sealed segment still cached", got*100)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) != size {
		t.Fatalf("segment holds %d bytes, the writer wrote %d", len(data), size)
	}
	if got := resident(t, path, 0, size); got < 0.9 {
		t.Errorf("mincore sees %.0f%% of a segment just read", got*100)
	}
}
