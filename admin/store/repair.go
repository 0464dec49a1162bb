package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// corrupt builds the error Open returns for a damaged file.
func (db *DB) corrupt(r scanResult) *CorruptError {
	return &CorruptError{Path: db.path, Offset: int64(r.damageOff), Reason: r.damage, Hint: hintFor(db.path, db.opts.RepairCommand, r)}
}

// hintFor says what is intact and how to recover.
func hintFor(path, repairCmd string, r scanResult) string {
	var b strings.Builder
	unit := "transactions"
	if !r.marked {
		unit = "commands"
	}
	b.WriteString("Nothing was changed and the database was not opened. ")
	if r.headerOnly {
		b.WriteString("To recover, stop edgegate, then run `" + repairCmd + "`: it writes a new header and keeps all " +
			fmt.Sprint(r.txns) + " transactions, first saving the damaged file as " + path + ".damaged-<time>.")
		return b.String()
	}
	if r.good > 0 {
		fmt.Fprintf(&b, "The first %d %s (bytes 0–%d) are intact", r.txns, unit, r.good)
	} else {
		b.WriteString("Nothing before the damage is usable")
	}
	rest := r.size - r.good
	switch {
	case r.laterTxns:
		fmt.Fprintf(&b, "; the %d bytes after them include later %s that cannot be trusted. ", rest, unit)
	case r.good > 0:
		fmt.Fprintf(&b, "; the damage is inside the last transaction written (%d bytes), which a power loss during that write can leave — if that is what happened, the transaction was never acknowledged and repairing loses nothing that was confirmed. ", rest)
	default:
		b.WriteString(". ")
	}
	b.WriteString("To recover, stop edgegate, then ")
	bak := path + ".bak"
	if fi, err := os.Stat(bak); err == nil && fi.Mode().IsRegular() {
		fmt.Fprintf(&b, "either restore the backup written at %s: `mv %s %s` (changes made after that are lost), or ",
			fi.ModTime().UTC().Format(time.RFC3339), bak, path)
	} else {
		b.WriteString("either move a backup (made with Backup) into place as " + path + ", or ")
	}
	fmt.Fprintf(&b, "run `%s`: it keeps the first %d %s (the file up to offset %d) and first saves the damaged file as %s.damaged-<time>.",
		repairCmd, r.txns, unit, r.good, path)
	return b.String()
}

// RepairResult says what Repair did.
type RepairResult struct {
	Damaged      bool   // the file was damaged (otherwise nothing was done)
	Kept         int64  // bytes kept: the intact prefix
	Dropped      int64  // bytes dropped from the damage on
	Transactions int    // transactions (or, in a plain BuntDB file, commands) kept
	Saved        string // where the damaged file was saved
}

// Repair makes a damaged database file openable by keeping its intact prefix:
// every transaction before the damage that Open reported. It first saves the
// damaged file under path.damaged-<time> (a hard link, or a copy), then
// replaces path atomically (temporary file, fsync, rename, directory fsync).
// It takes the database lock, so the database must not be open. An intact
// file is left alone (Damaged false); a torn final write is left for Open to
// drop.
//
// Transactions after the damage are not kept even when they are intact:
// skipping one in the middle could break invariants that span transactions.
// They remain in the saved copy.
func Repair(path string, opts Options) (RepairResult, error) {
	var res RepairResult
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	lk, err := lockFile(path + ".lock")
	if err != nil {
		return res, err
	}
	defer unlockFile(lk)
	data, err := os.ReadFile(path)
	if err != nil {
		return res, fmt.Errorf("store: repair: %w", err)
	}
	r := scan(data)
	if r.damage == "" {
		return res, nil
	}
	res = RepairResult{Damaged: true, Kept: int64(r.good), Dropped: int64(r.size - r.good), Transactions: r.txns}
	db := &DB{path: path, opts: opts, log: opts.Logger}

	base := path + ".damaged-" + time.Now().UTC().Format("20060102T150405.000Z")
	res.Saved = base
	for i := 1; ; i++ {
		if _, err := os.Lstat(res.Saved); errors.Is(err, fs.ErrNotExist) {
			break
		}
		res.Saved = fmt.Sprintf("%s.%d", base, i)
	}
	// Keep the damaged file under its new name before replacing it; the
	// directory fsync makes the link durable before the rename below.
	if err := os.Link(path, res.Saved); err == nil {
		err = db.syncDir(filepath.Dir(path))
		if err != nil {
			return res, fmt.Errorf("store: repair: saving the damaged file: %w", err)
		}
	} else if _, err := db.writeAtomic(res.Saved, data, "repair-save"); err != nil {
		return res, fmt.Errorf("store: repair: saving the damaged file: %w", err)
	}
	kept := data[:r.good]
	switch {
	case r.headerOnly:
		kept = append(append([]byte(nil), headerBytes...), data[len(headerBytes):r.good]...)
	case r.good == 0:
		kept = headerBytes
	}
	if _, err := db.writeAtomic(path, kept, "repair"); err != nil {
		return res, fmt.Errorf("store: repair: %w", err)
	}
	db.log.Warn("store: repaired the database by keeping its intact prefix",
		"path", path, "kept_bytes", res.Kept, "dropped_bytes", res.Dropped,
		"transactions", res.Transactions, "damage_offset", r.damageOff, "reason", r.damage, "saved", res.Saved)
	return res, nil
}
