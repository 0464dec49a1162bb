package flock

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrHeld is returned (wrapped, with the path and the holder) when another
// open of the lock file holds it: test with errors.Is.
var ErrHeld = errors.New("lock is held")

// Lock is a held lock. Release it with Release; exiting releases it too.
type Lock struct {
	f    *os.File
	path string
}

// Acquire takes the lock on path without waiting, creating the file (mode
// 0644: the pid and note are meant to be read by whoever is refused) when
// it is absent, and writes "pid note" into it.
func Acquire(path, note string) (*Lock, error) {
	for range 8 {
		f, err := lockOpen(path)
		if err != nil {
			return nil, err
		}
		// A holder that Removes the file between our open and our flock
		// leaves us holding a lock on a name nobody else will open: check
		// that the name still leads to our inode, and start again if not.
		var fst, pst syscall.Stat_t
		if syscall.Fstat(int(f.Fd()), &fst) != nil || syscall.Stat(path, &pst) != nil || fst.Ino != pst.Ino || fst.Dev != pst.Dev {
			f.Close()
			continue
		}
		line := strconv.Itoa(os.Getpid())
		if note != "" {
			line += " " + note
		}
		if err := f.Truncate(0); err == nil {
			_, _ = f.WriteAt([]byte(line+"\n"), 0)
		}
		return &Lock{f: f, path: path}, nil
	}
	return nil, fmt.Errorf("lock %s: the file keeps being replaced", path)
}

// lockOpen opens path and flocks it.
func lockOpen(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if errors.Is(err, os.ErrPermission) {
		// Another user's lock file: flock works on a read-only descriptor
		// too; the note is then not ours to write.
		f, err = os.Open(path)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is held by %s", ErrHeld, path, Holder(path))
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// Holder describes the process named in the lock file at path: "pid 42
// (note)", "pid 42 (this process)", or "another process" when the file
// names none.
func Holder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "another process"
	}
	first, note, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	pid, err := strconv.Atoi(first)
	if err != nil || pid <= 0 {
		return "another process"
	}
	switch {
	case pid == os.Getpid():
		note = "this process"
	case note == "":
		return "pid " + first
	}
	return "pid " + first + " (" + note + ")"
}

// Remove removes the lock file and drops the lock, for lock files in a
// shared directory that would otherwise pile up. The file goes first, while
// still locked; a process waiting on the old inode then sees that the name
// has moved on (Acquire's inode check). Safe on a nil or released Lock.
func (l *Lock) Remove() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := os.Remove(l.path)
	if cerr := l.Release(); err == nil {
		err = cerr
	}
	return err
}

// Release drops the lock; it is safe on a nil or released Lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
