package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/tidwall/buntdb"
)

// Options configures Open. The zero value is ready to use.
type Options struct {
	// Logger receives recovery events (a dropped torn write, a conversion,
	// a rolled-back fsync failure). Nil means slog.Default().
	Logger *slog.Logger

	// Sync makes a file or a directory durable. Nil means (*os.File).Sync.
	// It is a test hook: return an error to simulate a failing disk.
	Sync func(f *os.File) error

	// RepairCommand is the command line that hints in a *CorruptError tell
	// the operator to run (it should call Repair on the same path).
	// Default "edgegate admin --repair".
	RepairCommand string

	// hook, when set, runs between the steps of Update
	// ("update/data-written", "update/marked"), Compact and Backup
	// ("compact/temp-written", "compact/temp-synced", "compact/renamed",
	// "compact/dir-synced", and the same with "backup/"); an error aborts
	// there. Tests use it to fail or crash at each step.
	hook func(step string) error
}

// DB is an open database. All methods are safe for concurrent use.
type DB struct {
	path string
	opts Options
	log  *slog.Logger
	lock *fileLock // on path+".lock"

	// mu orders everything: Update, Index and Compact hold it exclusively
	// from before BuntDB's commit until after our fsync, so no reader sees a
	// write that is not yet durable; View and Backup share it.
	mu       sync.RWMutex
	bdb      *buntdb.DB
	f        *os.File // our own descriptor on path: fstat, read back, fsync, truncate
	readBuf  []byte   // Update's read-back buffer, reused
	indexes  []indexDef
	closed   bool
	failed   error // set when memory and file may disagree; see ErrFailed
	dirDirty bool  // a rename in the directory is not yet known to be durable
}

type indexDef struct {
	name, pattern string
	less          []func(a, b string) bool
}

// compactSuffix names the temporary file of Compact and of creating a file.
// A leftover one (a crash before its rename) is removed by Open.
const compactSuffix = ".compact.tmp"

// Open opens the database file at path, creating it (and nothing above it)
// when absent. See the package documentation for what it checks.
func Open(path string, opts Options) (*DB, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RepairCommand == "" {
		opts.RepairCommand = "edgegate admin --repair"
	}
	lk, err := lockFile(path + ".lock")
	if err != nil {
		return nil, err
	}
	db := &DB{path: path, opts: opts, log: opts.Logger, lock: lk}
	if err := os.Remove(path + compactSuffix); err == nil {
		db.log.Warn("store: removed the temporary file of an interrupted compaction; the database file itself is intact",
			"path", path+compactSuffix)
	}
	if err := db.openEngine(); err != nil {
		unlockFile(lk)
		return nil, err
	}
	return db, nil
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

func (db *DB) sync(f *os.File) error {
	if db.opts.Sync != nil {
		return db.opts.Sync(f)
	}
	return f.Sync()
}

func (db *DB) syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := db.sync(d); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

func (db *DB) step(name string) error {
	if db.opts.hook != nil {
		return db.opts.hook(name)
	}
	return nil
}

// openEngine checks the file, repairs a torn tail, and opens BuntDB on it.
// It runs in Open and, with mu held, to reload after Compact or a failure.
func (db *DB) openEngine() error {
	f, err := os.OpenFile(db.path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := db.writeAtomic(db.path, headerBytes, "create"); err != nil {
			return fmt.Errorf("store: create %s: %w", db.path, err)
		}
		db.log.Info("store: created a new database", "path", db.path)
		f, err = os.OpenFile(db.path, os.O_RDWR, 0)
	}
	if err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	keep := false
	defer func() {
		if !keep {
			f.Close()
		}
	}()
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("store: read %s: %w", db.path, err)
	}
	r := scan(data)
	switch {
	case r.damage != "":
		return db.corrupt(r)
	case r.empty:
		// Only a crash while the file was being created leaves this: the
		// header is written and synced before Open returns. Say so loudly.
		db.log.Warn("store: the database file is empty or holds only part of its header (a crash while it was being created?); starting a new, empty database",
			"path", db.path, "bytes", r.size)
		f.Close()
		if _, err := db.writeAtomic(db.path, headerBytes, "create"); err != nil {
			return fmt.Errorf("store: create %s: %w", db.path, err)
		}
		if f, err = os.OpenFile(db.path, os.O_RDWR, 0); err != nil {
			return fmt.Errorf("store: open %s: %w", db.path, err)
		}
		r = scan(headerBytes)
	case r.torn:
		db.log.Warn("store: dropped an unfinished final write (a crash while a transaction was being appended; it was never acknowledged)",
			"path", db.path, "offset", r.good, "bytes", r.size-r.good,
			"complete_commands", r.tornCmds, "zero_filled", r.zeroTail)
		if err := f.Truncate(int64(r.good)); err != nil {
			return fmt.Errorf("store: truncate the torn tail of %s: %w", db.path, err)
		}
		if err := db.sync(f); err != nil {
			return fmt.Errorf("store: fsync %s: %w", db.path, err)
		}
	}
	bdb, err := buntdb.Open(db.path)
	if err != nil {
		if errors.Is(err, buntdb.ErrInvalid) {
			return &CorruptError{Path: db.path, Offset: -1,
				Reason: "BuntDB refused the file (" + err.Error() + ") although it passed this package's checks",
				Hint:   hintFor(db.path, db.opts.RepairCommand, r)}
		}
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	var cfg buntdb.Config
	if err = bdb.ReadConfig(&cfg); err == nil {
		// Update fsyncs through db.f once both of a transaction's writes
		// are in; BuntDB's own fsync would only double it, error ignored.
		cfg.SyncPolicy = buntdb.Never
		cfg.AutoShrinkDisabled = true
		cfg.OnExpired = db.expired
		err = bdb.SetConfig(cfg)
	}
	if err == nil {
		for _, ix := range db.indexes {
			if err = bdb.CreateIndex(ix.name, ix.pattern, ix.less...); err != nil {
				err = fmt.Errorf("store: index %q: %w", ix.name, err)
				break
			}
		}
	}
	if err != nil {
		bdb.Close()
		return err
	}
	db.bdb, db.f = bdb, f
	keep = true
	if !r.marked {
		// Written by BuntDB itself: rewrite it with transaction markers.
		db.log.Info("store: converting a plain BuntDB file to the checked format", "path", db.path, "commands", r.txns)
		if err := db.compactLocked(); err != nil {
			db.closeEngine()
			return err
		}
	}
	return nil
}

// closeEngine closes BuntDB and our descriptor.
func (db *DB) closeEngine() error {
	var first error
	if db.bdb != nil {
		if err := db.bdb.Close(); err != nil {
			first = err
		}
		db.bdb = nil
	}
	if db.f != nil {
		if err := db.f.Close(); err != nil && first == nil {
			first = err
		}
		db.f = nil
	}
	return first
}

// reload makes the in-memory state what the file holds.
func (db *DB) reload() error {
	db.closeEngine()
	return db.openEngine()
}

// fail marks the DB unusable: memory and file may disagree.
func (db *DB) fail(err error) error {
	db.failed = err
	db.log.Error("store: database failed; refusing reads and writes until it is reopened", "path", db.path, "err", err)
	return fmt.Errorf("%w: %v", ErrFailed, err)
}

// ready reports whether reads may proceed.
func (db *DB) ready() error {
	if db.closed {
		return ErrClosed
	}
	if db.failed != nil {
		return fmt.Errorf("%w: %v", ErrFailed, db.failed)
	}
	return nil
}

// writeReady reports whether writes may proceed: after a rename whose
// directory fsync failed, a write appended to the new file could vanish with
// the rename in a crash, so writes wait until the directory syncs.
func (db *DB) writeReady() error {
	if err := db.ready(); err != nil {
		return err
	}
	if db.dirDirty {
		if err := db.syncDir(filepath.Dir(db.path)); err != nil {
			return fmt.Errorf("store: refusing to write until the directory of %s can be synced: %w", db.path, err)
		}
		db.dirDirty = false
	}
	return nil
}

// errPanicked stands in for a panic in an Update function while BuntDB
// rolls the transaction back; the panic is then resumed.
var errPanicked = errors.New("store: update function panicked")

// maxKeptReadBuf bounds the read-back buffer kept between Updates.
const maxKeptReadBuf = 1 << 20

// Update runs fn in a read-write transaction. A nil return means the change
// is on disk (fsynced through the package's own descriptor) and visible to
// readers; readers never see it before. If fn returns an error, or panics,
// nothing is changed and that error (or panic) is passed on. If a write or
// the fsync fails, nothing is changed in memory and a wrapped error is
// returned: BuntDB rolls back a failed write of the data and truncates what
// it appended; after any later failure (reading the data back, writing the
// marker, the fsync) the file is truncated back to where the transaction
// began and reloaded. Only if that undo itself fails does the DB turn to
// ErrFailed.
//
// fn must not call methods of db (it would deadlock), nor create indexes
// through tx (they would not survive a reload: use Index), nor write keys in
// the reserved marker namespace (refused: the transaction is rolled back).
func (db *DB) Update(fn func(tx *buntdb.Tx) error) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := db.writeReady(); err != nil {
		return err
	}
	start, err := db.size()
	if err != nil {
		return err
	}
	var (
		committing bool // fn succeeded: an error now is BuntDB's write
		panicked   bool
		pval       any
	)
	err = db.bdb.Update(func(tx *buntdb.Tx) (err error) {
		// BuntDB's managed transactions commit when fn panics (the deferred
		// commit sees a nil error): turn a panic into a rollback.
		defer func() {
			if r := recover(); r != nil {
				panicked, pval, err = true, r, errPanicked
			}
		}()
		err = fn(tx)
		committing = err == nil
		return err
	})
	if panicked {
		panic(pval)
	}
	if err != nil {
		if !committing {
			return err // rolled back; nothing was written
		}
		// The data write failed; BuntDB rolled memory back and truncated
		// what it had appended. Check the file agrees.
		if end, serr := db.size(); serr != nil || end != start {
			if terr := db.f.Truncate(start); terr != nil {
				return db.fail(fmt.Errorf("write failed (%v) and the file could not be truncated back: %w", err, terr))
			}
		}
		return fmt.Errorf("store: write %s (nothing was changed): %w", db.path, err)
	}
	end, err := db.size()
	if err != nil {
		return db.undo(start, "stat", err)
	}
	if end == start {
		return nil // nothing to write
	}
	if err := db.step("update/data-written"); err != nil {
		return db.undo(start, "update", err)
	}
	if err := db.seal(start, end); err != nil {
		return db.undo(start, "marking", err)
	}
	if err := db.step("update/marked"); err != nil {
		return db.undo(start, "update", err)
	}
	if err := db.sync(db.f); err != nil {
		return db.undo(start, "fsync", err)
	}
	return nil
}

// size returns the file's size, i.e. where BuntDB's next write begins:
// nothing else appends while Update holds mu exclusively (Compact replaces
// the file under mu too; BuntDB's background work writes nothing with
// OnExpired set and AutoShrink off).
func (db *DB) size() (int64, error) {
	fi, err := db.f.Stat()
	if err != nil {
		return 0, fmt.Errorf("store: stat %s: %w", db.path, err)
	}
	return fi.Size(), nil
}

// seal appends the marker of the transaction that BuntDB has just written at
// file offsets [start, end) (format.go): it reads those bytes back through
// db.f, counts and hashes their commands, and commits the marker as a
// transaction of its own — a Set and a Delete of the marker key in one BuntDB
// transaction write exactly one DEL of it. It then reads the marker back: if
// BuntDB wrote anything else, the file would not open, so that is an error.
func (db *DB) seal(start, end int64) error {
	data, err := db.readAt(start, int(end-start))
	if err != nil {
		return err
	}
	count, sum, err := sumCommands(data, refuseReserved)
	if err != nil {
		return fmt.Errorf("the transaction at offset %d: %w", start, err)
	}
	k := markerKey(start, count+1, sum)
	want := appendDel(nil, k)
	err = db.bdb.Update(func(tx *buntdb.Tx) error {
		if _, _, err := tx.Set(k, "", nil); err != nil {
			return err
		}
		_, err := tx.Delete(k)
		return err
	})
	if err != nil {
		return fmt.Errorf("write the marker: %w", err)
	}
	after, err := db.size()
	if err != nil {
		return err
	}
	if after != end+int64(len(want)) {
		return fmt.Errorf("BuntDB wrote %d bytes for the %d-byte marker (an unsupported github.com/tidwall/buntdb version?)", after-end, len(want))
	}
	got, err := db.readAt(end, len(want))
	if err != nil {
		return err
	}
	if string(got) != string(want) {
		return fmt.Errorf("BuntDB wrote %q for the marker %q (an unsupported github.com/tidwall/buntdb version?)", got, want)
	}
	return nil
}

// readAt reads n bytes at off through db.f into a buffer reused by the next
// call.
func (db *DB) readAt(off int64, n int) ([]byte, error) {
	if cap(db.readBuf) < n {
		db.readBuf = make([]byte, n)
	}
	buf := db.readBuf[:n]
	if cap(db.readBuf) > maxKeptReadBuf {
		db.readBuf = nil // do not keep a large transaction's buffer
	}
	if _, err := db.f.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("read back %d bytes at offset %d: %w", n, off, err)
	}
	return buf, nil
}

// undo takes back a transaction that BuntDB wrote and applied but that could
// not be marked or fsynced: truncate the file to where it began and reload.
func (db *DB) undo(start int64, what string, cause error) error {
	db.log.Error("store: "+what+" failed; rolling the transaction back", "path", db.path, "offset", start, "err", cause)
	if err := db.f.Truncate(start); err != nil {
		return db.fail(fmt.Errorf("%s failed (%v) and the file could not be truncated back: %w", what, cause, err))
	}
	if err := db.sync(db.f); err != nil {
		db.log.Error("store: fsync after truncating failed too", "path", db.path, "err", err)
	}
	if err := db.reload(); err != nil {
		return db.fail(fmt.Errorf("%s failed (%v) and reloading the file failed: %w", what, cause, err))
	}
	return fmt.Errorf("store: %s %s (the transaction was rolled back): %w", what, db.path, cause)
}

// View runs fn in a read-only transaction. Everything it sees is durable.
func (db *DB) View(fn func(tx *buntdb.Tx) error) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if err := db.ready(); err != nil {
		return err
	}
	return db.bdb.View(fn)
}

// expired is BuntDB's OnExpired callback: it deletes expired keys through
// Update, so that the deletions are marked and fsynced like any write (left
// to itself, BuntDB would write them from its background goroutine).
func (db *DB) expired(keys []string) {
	err := db.Update(func(tx *buntdb.Tx) error {
		for _, k := range keys {
			if _, err := tx.Get(k); err != buntdb.ErrNotFound {
				continue // set again meanwhile
			}
			if _, err := tx.Get(k, true); err != nil {
				continue // already gone
			}
			_, _ = tx.Delete(k) // ErrNotFound for an expired item, which it deletes
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrClosed) {
		db.log.Warn("store: deleting expired keys failed; retrying in a second", "path", db.path, "err", err)
	}
}

// Close flushes and closes the database and releases the lock. The fsync
// error, if any, is returned (BuntDB's own Close ignores it).
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return ErrClosed
	}
	db.closed = true
	var err error
	if db.f != nil {
		if serr := db.sync(db.f); serr != nil {
			err = fmt.Errorf("store: fsync %s: %w", db.path, serr)
		}
	}
	if cerr := db.closeEngine(); cerr != nil && err == nil {
		err = fmt.Errorf("store: close %s: %w", db.path, cerr)
	}
	unlockFile(db.lock)
	return err
}
