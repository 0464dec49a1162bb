package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockFile takes an exclusive, non-blocking flock on path and writes the pid
// into it. flock belongs to the open file description, so a second Open in
// the same process is refused too, and the kernel releases it when the
// process dies, however it dies. The lock is on a separate file because
// Compact replaces the database file (a lock on the old inode would no
// longer exclude anyone). The lock file is never removed: removing it would
// let two processes lock two different inodes under the same name.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another process"
			if b, err := os.ReadFile(path); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
					holder = "pid " + strconv.Itoa(pid)
					if pid == os.Getpid() {
						holder += " (this process)"
					}
				}
			}
			return nil, fmt.Errorf("%w: %s is held by %s", ErrLocked, path, holder)
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// unlockFile releases the lock (closing the descriptor releases the flock).
func unlockFile(f *os.File) error {
	if f == nil {
		return nil
	}
	return f.Close()
}
