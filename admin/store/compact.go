package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// snapshot returns the current state as a complete file in this package's
// format: the header, one SET per key, and one marker for them all.
// The caller holds mu (shared or exclusive), so the state is durable.
func (db *DB) snapshot() ([]byte, error) {
	var body bytes.Buffer
	if err := db.bdb.Save(&body); err != nil {
		return nil, fmt.Errorf("store: snapshot: %w", err)
	}
	b := body.Bytes()
	count, sum, err := sumCommands(b, nil)
	if err != nil {
		return nil, fmt.Errorf("store: snapshot: BuntDB wrote %w", err)
	}
	out := make([]byte, 0, len(headerBytes)+len(b)+96)
	out = append(out, headerBytes...)
	if count > 0 {
		out = append(out, b...)
		out = appendMarkerCommand(out, int64(len(headerBytes)), count+1, sum)
	}
	return out, nil
}

// writeTemp writes data to tmp and fsyncs it.
func (db *DB) writeTemp(tmp string, data []byte, op string) (err error) {
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := db.step(op + "/temp-written"); err != nil {
		return err
	}
	if err := db.sync(f); err != nil {
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	return nil
}

// writeAtomic replaces path with data so that a crash at any point leaves
// either the old file or the new one, complete: write a temporary file in the
// same directory, fsync it, rename it over path, fsync the directory.
// renamed reports whether path now names the new file (even when err says the
// directory fsync, or a later step, failed). The temporary file is
// path+compactSuffix for the database itself (Open removes a leftover one)
// and a unique name otherwise.
func (db *DB) writeAtomic(path string, data []byte, op string) (renamed bool, err error) {
	var tmp string
	if path == db.path {
		tmp = path + compactSuffix
	} else {
		f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
		if err != nil {
			return false, err
		}
		tmp = f.Name()
		f.Close()
	}
	if err := db.writeTemp(tmp, data, op); err != nil {
		os.Remove(tmp)
		return false, err
	}
	if err := db.step(op + "/temp-synced"); err != nil {
		os.Remove(tmp)
		return false, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return false, err
	}
	if err := db.step(op + "/renamed"); err != nil {
		return true, err
	}
	if err := db.syncDir(filepath.Dir(path)); err != nil {
		return true, err
	}
	return true, db.step(op + "/dir-synced")
}

// Compact rewrites the file with one SET per live key, dropping overwritten
// and deleted values. It writes a temporary file, fsyncs it, renames it over
// the database and fsyncs the directory, then reloads: a crash at any point
// leaves the old file or the new one, both complete and holding the same
// state. Reads and writes wait while it runs (a few milliseconds per MB).
func (db *DB) Compact() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := db.writeReady(); err != nil {
		return err
	}
	return db.compactLocked()
}

func (db *DB) compactLocked() error {
	data, err := db.snapshot()
	if err != nil {
		return err
	}
	before, _ := db.size()
	renamed, err := db.writeAtomic(db.path, data, "compact")
	if !renamed {
		return fmt.Errorf("store: compact %s (nothing was changed): %w", db.path, err)
	}
	if err != nil {
		// The new file is in place but its name may not be durable yet: a
		// write appended to it could be lost with the rename in a crash.
		// Refuse writes until the directory syncs.
		db.dirDirty = true
	}
	// The file on disk is the new one; BuntDB still has the old (unlinked)
	// one open. Both hold the same state.
	if rerr := db.reload(); rerr != nil {
		return db.fail(fmt.Errorf("compact: reloading the new file: %w", rerr))
	}
	if err != nil {
		return fmt.Errorf("store: compact %s: %w", db.path, err)
	}
	db.log.Info("store: compacted", "path", db.path, "bytes_before", before, "bytes_after", len(data))
	return nil
}

// Backup writes a consistent copy of the database to path: a complete file
// in the same format, which Open accepts as it is (to restore, stop the
// process and move the copy over the database file). Writes wait while the
// state is copied in memory, not while it is written. The copy is written to
// a temporary file in path's directory, fsynced, renamed to path and the
// directory fsynced: path is always either the previous copy or the new one.
// By convention hints look for a backup at the database path + ".bak".
func (db *DB) Backup(path string) error {
	db.mu.RLock()
	if err := db.ready(); err != nil {
		db.mu.RUnlock()
		return err
	}
	data, err := db.snapshot()
	db.mu.RUnlock()
	if err != nil {
		return err
	}
	if same(path, db.path) || same(path, db.path+".lock") || same(path, db.path+compactSuffix) {
		return fmt.Errorf("store: backup: %s is the database's own file", path)
	}
	if _, err := db.writeAtomic(path, data, "backup"); err != nil {
		return fmt.Errorf("store: backup to %s: %w", path, err)
	}
	return nil
}

func same(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
