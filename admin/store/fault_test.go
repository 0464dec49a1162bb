package store

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/tidwall/buntdb"
)

// mountTinyFS mounts a 64 KiB tmpfs for the test, or skips saying why.
func mountTinyFS(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tiny")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root and CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	return dir
}

// fill writes to a filler file until the filesystem is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1024)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return p
		}
	}
}

// openTiny opens a database on a small tmpfs (see mountTinyFS); the caller
// closes it.
func openTiny(t *testing.T, lb *logBuf) (db *DB, dir, path string) {
	t.Helper()
	dir = mountTinyFS(t)
	path = filepath.Join(dir, "edgegate.db")
	return mustOpen(t, path, testOpts(lb)), dir, path
}

// reopen closes db, opens path again and checks that it holds want.
func reopen(t *testing.T, db *DB, path string, opts Options, want map[string]string) *DB {
	t.Helper()
	db.Close()
	db = mustOpen(t, path, opts)
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("after reopen: %s", diffState(want, got))
	}
	return db
}

func TestFullDisk(t *testing.T) {
	var lb logBuf
	db, dir, path := openTiny(t, &lb)
	defer db.Close()
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "a", "1", "b", "2") })
	want := dump(t, db)
	filler := fill(t, dir)

	// A transaction larger than the room left in the file's last page: the
	// write fails part way (or at once).
	big := strings.Repeat("x", 3000)
	for i := range 3 {
		err := db.Update(func(tx *buntdb.Tx) error {
			tx.Delete("a")
			return set(tx, "b", "changed", "big1", big, "big2", big, "n", strconv.Itoa(i))
		})
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Update on a full disk: %v, want ENOSPC", err)
		}
		if i == 0 {
			t.Logf("the error: %v", err)
		}
		// Still serving reads, nothing of the transaction applied.
		if got := dump(t, db); !sameState(want, got) {
			t.Fatalf("after a failed write: %s", diffState(want, got))
		}
		checkClean(t, path) // the partial write was cut off
	}
	if err := db.Compact(); err == nil {
		t.Fatal("Compact succeeded on a full disk")
	}
	if err := db.Backup(filepath.Join(dir, "x.bak")); err == nil {
		t.Fatal("Backup succeeded on a full disk")
	}
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("after failed Compact: %s", diffState(want, got))
	}

	// Free the space: writes work again.
	os.Remove(filler)
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "big1", big, "after", "space") })
	want["big1"], want["after"] = big, "space"
	if err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	reopen(t, db, path, testOpts(&lb), want).Close()
}

// TestMarkerWriteFailsOnFullDisk: the transaction's data fits in the file's
// last page, its marker (a write of its own) does not. Update fails, the data
// is taken back, and writes work again once there is room.
func TestMarkerWriteFailsOnFullDisk(t *testing.T) {
	var lb logBuf
	db, dir, path := openTiny(t, &lb)
	defer db.Close()
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "a", "1") })
	want := dump(t, db)
	filler := fill(t, dir)
	size := checkClean(t, path).size
	const page = 4096 // tmpfs allocates whole pages
	room := page - size%page
	// DEL "a" and SET "k" to a value of n (4-digit) bytes, 10 bytes short
	// of the page's end.
	n := room - 10 - len("*2\r\n$3\r\ndel\r\n$1\r\na\r\n") - len("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1234\r\n\r\n")
	if n < 1000 {
		t.Fatalf("only %d bytes left in the last page", room)
	}
	v := strings.Repeat("x", n)
	err := db.Update(func(tx *buntdb.Tx) error { tx.Delete("a"); return set(tx, "k", v) })
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "marking") {
		t.Fatalf("Update whose marker does not fit: %v", err)
	}
	t.Logf("the error: %v", err)
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("after a failed marker write: %s", diffState(want, got))
	}
	if r := checkClean(t, path); r.size != size {
		t.Fatalf("file is %d bytes, was %d", r.size, size)
	}
	os.Remove(filler)
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "k", v) })
	want["k"] = v
	reopen(t, db, path, testOpts(&lb), want).Close()
}

// TestUpdateStepFailure fails Update after its data is written and after its
// marker is: either way it is rolled back in memory and on disk.
func TestUpdateStepFailure(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	var failAt atomic.Value
	failAt.Store("")
	boom := errors.New("injected failure")
	opts := testOpts(&lb)
	opts.hook = func(s string) error {
		if s == failAt.Load() {
			return boom
		}
		return nil
	}
	db := mustOpen(t, path, opts)
	defer db.Close()
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "a", "1") })
	want := dump(t, db)
	size := checkClean(t, path).size
	for _, step := range []string{"update/data-written", "update/marked"} {
		failAt.Store(step)
		err := db.Update(func(tx *buntdb.Tx) error { tx.Delete("a"); return set(tx, "b", "2") })
		if !errors.Is(err, boom) {
			t.Fatalf("%s: Update returned %v", step, err)
		}
		if got := dump(t, db); !sameState(want, got) {
			t.Fatalf("%s: %s", step, diffState(want, got))
		}
		if r := checkClean(t, path); r.size != size {
			t.Fatalf("%s: file is %d bytes, was %d", step, r.size, size)
		}
	}
	failAt.Store("")
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "b", "2") })
}

// failingSync fails the fsync of the database file while armed.
type failingSync struct {
	path  string
	armed atomic.Int32 // failures left; -1: forever
	calls atomic.Int32
}

func (f *failingSync) sync(file *os.File) error {
	if file.Name() == f.path {
		f.calls.Add(1)
		if n := f.armed.Load(); n != 0 {
			if n > 0 {
				f.armed.Add(-1)
			}
			return syscall.EIO
		}
	}
	return file.Sync()
}

func TestFsyncFailureRollsBack(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	fs := &failingSync{path: path}
	opts := testOpts(&lb)
	opts.Sync = fs.sync
	db := mustOpen(t, path, opts)
	defer db.Close()
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "a", "1") })
	if fs.calls.Load() == 0 {
		t.Fatal("Update did not fsync through the hook")
	}
	want := dump(t, db)
	size := checkClean(t, path).size

	fs.armed.Store(1)
	err := db.Update(func(tx *buntdb.Tx) error { tx.Delete("a"); return set(tx, "b", "lost") })
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("Update with a failing fsync: %v", err)
	}
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("memory claims a write the disk may not have: %s", diffState(want, got))
	}
	if r := checkClean(t, path); r.size != size {
		t.Fatalf("file is %d bytes, was %d before the failed transaction", r.size, size)
	}
	// The next write works and lands after the rolled-back one's place.
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "c", "3") })
	want["c"] = "3"

	// A disk that keeps failing: every write is refused, reads go on.
	fs.armed.Store(-1)
	for range 3 {
		if err := db.Update(func(tx *buntdb.Tx) error { return set(tx, "d", "4") }); !errors.Is(err, syscall.EIO) {
			t.Fatalf("Update on a failing disk: %v", err)
		}
	}
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("reads on a failing disk: %s", diffState(want, got))
	}
	if err := db.Close(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Close did not report the failing fsync: %v", err)
	}
	fs.armed.Store(0)
	db = mustOpen(t, path, opts)
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("after reopen: %s", diffState(want, got))
	}
	if !strings.Contains(lb.String(), "fsync failed; rolling the transaction back") {
		t.Fatal("rollback not logged")
	}
}

func TestDirectoryFsyncFailureBlocksWrites(t *testing.T) {
	var lb logBuf
	dir := t.TempDir()
	path := filepath.Join(dir, "edgegate.db")
	var failDir atomic.Bool
	opts := testOpts(&lb)
	opts.Sync = func(f *os.File) error {
		if failDir.Load() && f.Name() == dir {
			return syscall.EIO
		}
		return f.Sync()
	}
	db := mustOpen(t, path, opts)
	defer db.Close()
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "a", "1") })
	failDir.Store(true)
	if err := db.Compact(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Compact: %v", err)
	}
	// The rename may not be durable: a write appended to the new file could
	// vanish with it, so writes wait; reads go on.
	if err := db.Update(func(tx *buntdb.Tx) error { return set(tx, "b", "2") }); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Update before the directory synced: %v", err)
	}
	if got := dump(t, db); got["a"] != "1" || got["b"] != "" {
		t.Fatalf("state %v", got)
	}
	failDir.Store(false)
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "b", "2") })
}
