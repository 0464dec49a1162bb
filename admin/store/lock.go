package store

import (
	"errors"
	"fmt"

	"github.com/edgegate/edgegate/internal/flock"
)

// fileLock is the lock DB holds.
type fileLock = flock.Lock

// lockFile takes an exclusive, non-blocking flock on path (internal/flock:
// the pid goes into it, a second Open in this process is refused too, the
// kernel releases it however the process dies). The lock is on a separate
// file because Compact replaces the database file (a lock on the old inode
// would no longer exclude anyone).
func lockFile(path string) (*fileLock, error) {
	lk, err := flock.Acquire(path, "")
	if errors.Is(err, flock.ErrHeld) {
		return nil, fmt.Errorf("%w: %s is held by %s", ErrLocked, path, flock.Holder(path))
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return lk, nil
}

// unlockFile releases the lock.
func unlockFile(l *fileLock) error { return l.Release() }
