package store

import (
	"errors"
	"fmt"
)

var (
	// ErrLocked is returned by Open (wrapped, with the lock file and the
	// holder's pid: test with errors.Is) when another process — or another
	// Open in this one — has the database open.
	ErrLocked = errors.New("store: database is locked by another process")

	// ErrClosed is returned by every method of a closed DB.
	ErrClosed = errors.New("store: database is closed")

	// ErrFailed is returned (wrapped with the cause) by every method of a DB
	// that could not bring its in-memory state back in line with the file
	// after a failed write or fsync. Close it and Open again: the file then
	// decides what is there.
	ErrFailed = errors.New("store: database failed; close and reopen it")

	// ErrCorrupt matches every *CorruptError with errors.Is.
	ErrCorrupt = errors.New("store: database file is damaged")
)

// CorruptError is returned by Open when the file is damaged in a way that is
// not a torn final write: opening it would lose or invent data. Nothing in
// the file has been changed. Offset is where the damage was found (-1 when
// unknown), Reason what is wrong, Hint how to recover.
type CorruptError struct {
	Path   string
	Offset int64
	Reason string
	Hint   string
}

func (e *CorruptError) Error() string {
	where := "at byte offset " + fmt.Sprint(e.Offset)
	if e.Offset < 0 {
		where = "at an unknown offset"
	}
	return fmt.Sprintf("store: %s is damaged %s: %s. %s", e.Path, where, e.Reason, e.Hint)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }
