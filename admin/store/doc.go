// Package store is the control plane's durable key-value store: one BuntDB
// file (DATA/edgegate.db) that never loses an acknowledged write, never
// applies part of a transaction, and never silently starts empty.
//
// # What it owns
//
// The database file, its lock file (path+".lock", holding the owner's pid),
// the temporary file of a compaction (path+".compact.tmp"), the on-disk
// format described below, and recovery: Open checks the file before BuntDB
// reads it, Repair keeps the intact prefix of a damaged one. It knows nothing
// about services or APIs: keys and values are the caller's (GetJSON and
// SetJSON store values as JSON). It imports only BuntDB and the standard
// library. Callers use BuntDB's *Tx inside Update and View, but nothing else
// may open the file with BuntDB directly.
//
// # Concurrency
//
// A DB is safe for concurrent use. BuntDB runs one writer at a time and no
// reader during a write; this package keeps that order and extends the write
// side over the marker and the fsync: Update holds the lock from the start
// of fn until the data is durable, so a reader never sees a write that a
// crash could still take back, and readers wait for at most one fsync. View runs concurrently
// with other Views and with Backup's in-memory copy. Compact and Index hold
// the lock exclusively. fn must not call back into the DB (deadlock).
// Open takes an exclusive flock: a second Open of the same path — from
// another process or this one — fails at once with ErrLocked; the kernel
// drops the lock when the process dies, however it dies.
//
// # Durability, exactly
//
//   - An Update that writes anything makes two appends and one fsync, all
//     with the lock held. First BuntDB commits fn's transaction as usual
//     (one write(2) of its commands). Then the package reads those bytes
//     back through a second descriptor it owns on the same file (from the
//     file's size before the commit to its size after), counts and hashes
//     the commands, and commits the transaction's marker (format, below) as
//     a second, one-command BuntDB transaction; it reads the marker back to
//     check BuntDB wrote exactly it. Last it fsyncs through its own
//     descriptor and checks the error. Only public BuntDB API is used.
//   - When Update returns nil, both writes have been fsynced through that
//     descriptor. BuntDB never fsyncs on its own (SyncPolicy Never): its
//     fsync would ignore the error. fsync covers the file whichever
//     descriptor wrote it, and every open file description sees a writeback
//     error, so ours reports one however the pages were written.
//   - When Update returns an error, nothing of the transaction is visible,
//     now or after a restart, except in one case: a failed fsync, after
//     which the file is truncated back and reloaded, and a crash before that
//     truncation reaches the disk may bring the unacknowledged transaction
//     back whole (never in part).
//     A failed write of the data (ENOSPC, EIO) is rolled back by BuntDB,
//     which truncates what it appended. A failure after it — reading back,
//     the marker's write (ENOSPC when the data filled the last block), the
//     fsync — is undone by truncating the file to where the transaction
//     began and reloading it. A full disk therefore fails writes and keeps
//     reads and later writes (once there is room) working.
//     If fn returns an error or panics, BuntDB rolls back — plain BuntDB
//     would commit a panicking transaction's partial changes; here the
//     panic is turned into a rollback and then resumed.
//   - Transactions are atomic on disk. A crash can tear BuntDB's write, or
//     fall between the data and the marker, and BuntDB's own load would keep
//     every complete command, i.e. part of a transaction or a transaction
//     never acknowledged. Here a transaction counts only with its marker
//     (the format, below): Open drops a final transaction without one whole,
//     complete commands or not, and logs it; it was never acknowledged.
//   - Damage is detected, not replayed. Each marker carries a checksum of its
//     transaction, so a changed byte anywhere before the final transaction
//     makes Open fail with a *CorruptError that says where, what is intact,
//     and how to recover; the file is left untouched. A torn final write is
//     told apart from a damaged length field by what follows: a torn write
//     is a prefix, so nothing valid can follow it (a transaction's own
//     marker included, now that it comes last). The one case left
//     ambiguous, in a final transaction written by an earlier version (its
//     marker among its commands), is damage to the framing of its final
//     command that makes it look cut short (a length digit grown, after the
//     marker): it is dropped like a torn write.
//   - Compact and Backup write a temporary file, fsync it, rename it into
//     place and fsync the directory: a crash at any point leaves the old
//     file or the new one, both complete. If the directory fsync fails after
//     Compact's rename, writes are refused until it succeeds (a write to the
//     new file could otherwise vanish with the rename). BuntDB's AutoShrink
//     and Shrink, which do neither, are never used.
//   - Expired keys (SetOptions.Expires) are deleted through Update, so those
//     deletions are marked and fsynced like any write. Between expiry and
//     deletion (about a second), Get hides the key but Ascend still shows it,
//     as in BuntDB.
//   - The guarantees assume a filesystem that honours fsync and rename. The
//     tests kill -9 writers and fill real filesystems; they cannot cut power.
//
// # Format
//
// The file stays BuntDB's append-only file (RESP SET/DEL/FLUSHDB commands),
// readable by BuntDB itself. A file starts with a header and each
// transaction carries one extra DEL of a key that never exists, the marker:
// "\x00eg:tx1:START:COUNT:SUM:CRC" (format.go). Update writes it right after
// the transaction's commands; earlier versions wrote it among them, in the
// same format, and such files open as they did (testdata/v1.db). Keys
// beginning with "\x00eg:tx1:" (or within two bytes of it) are reserved:
// Update refuses them. A plain BuntDB file is accepted (with BuntDB's own
// rules) and rewritten in this format on Open.
//
// # Recovery
//
// Open on a damaged file returns a *CorruptError (errors.Is(err,
// ErrCorrupt)) and changes nothing. Its Hint names the intact prefix and the
// two ways back: move a backup into place (Backup writes one; the hint looks
// for path+".bak"), or run Options.RepairCommand, which should call Repair:
// it saves the damaged file as path.damaged-TIME and keeps every
// transaction before the damage (all of them when only the header is
// damaged: it then writes a new header). Indexes are not stored by BuntDB: declare
// them with Index or IndexJSON after Open; the DB re-creates them whenever
// it reloads the file.
package store
