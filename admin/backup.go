package admin

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/internal/atomicfile"
)

// Backup and restore of a control plane (issue 14: several control planes).
//
// A backup is a tar archive, mode 0600, holding everything a standby admin
// needs to take over: edgegate.db (a consistent copy of the store: the
// live file is read without its lock, opened as a copy — store.Open keeps
// every transaction with its marker and drops a half-written last one, so
// the copy is the state after some acknowledged write — and written out
// with BuntDB's Save, store.DB.Backup), admin-credentials.json, the master
// key file when one is given (--secret-key-file: the sealed secrets open
// only with it), and backup.json (revision, time). It can be taken while
// the admin runs. It holds secrets: keep it like the key file.
//
// Restore writes them into an empty data directory (or over a store with
// force) and moves the revision RevisionEpoch ahead, so that the restored
// admin's revisions are above anything the lost primary published after
// the backup: edges refuse a revision lower than theirs, and follow the
// standby from its first answer.

// RevisionEpoch is what Restore adds to the stored revision. A primary
// would need 2^32 publications after a backup to catch up with it.
const RevisionEpoch = 1 << 32

// Names inside a backup archive.
const (
	backupDB       = "edgegate.db"
	backupCreds    = CredentialsFile
	backupKey      = "secret-key"
	backupManifest = "backup.json"
)

// BackupInfo is backup.json.
type BackupInfo struct {
	Revision    uint64 `json:"Revision"`
	CreatedTime string `json:"CreatedTime"`
	SecretKey   bool   `json:"SecretKey"` // the archive holds the master key
}

// Backup writes a backup of dataDir (and of secretKeyFile when not empty)
// to out, atomically.
func Backup(dataDir, out, secretKeyFile string, log *slog.Logger) (BackupInfo, error) {
	var info BackupInfo
	files := map[string][]byte{}
	live, err := os.ReadFile(DBPath(dataDir))
	if err != nil {
		return info, fmt.Errorf("backup: the store: %w", err)
	}
	tmp, err := os.MkdirTemp("", "edgegate-backup-")
	if err != nil {
		return info, err
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "live.db"), live, 0o600); err != nil {
		return info, err
	}
	db, err := store.Open(filepath.Join(tmp, "live.db"), store.Options{Logger: log})
	if err != nil {
		return info, fmt.Errorf("backup: the store does not open: %w", err)
	}
	err = db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get(revisionKey)
		if err == nil {
			info.Revision, _ = strconv.ParseUint(v, 10, 64)
		}
		return nil
	})
	if err == nil {
		err = db.Backup(filepath.Join(tmp, backupDB))
	}
	db.Close()
	if err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	if files[backupDB], err = os.ReadFile(filepath.Join(tmp, backupDB)); err != nil {
		return info, err
	}
	if files[backupCreds], err = os.ReadFile(filepath.Join(dataDir, CredentialsFile)); err != nil {
		return info, fmt.Errorf("backup: the admin credentials: %w", err)
	}
	if secretKeyFile != "" {
		if _, _, err := readSecretKey(secretKeyFile); err != nil {
			return info, fmt.Errorf("backup: --secret-key-file: %w", err)
		}
		if files[backupKey], err = os.ReadFile(secretKeyFile); err != nil {
			return info, err
		}
		info.SecretKey = true
	}
	info.CreatedTime = isoTime(time.Now())
	files[backupManifest], _ = json.MarshalIndent(info, "", "  ")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range []string{backupManifest, backupDB, backupCreds, backupKey} {
		b, ok := files[name]
		if !ok {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now().UTC(), Typeflag: tar.TypeReg}); err != nil {
			return info, err
		}
		if _, err := tw.Write(b); err != nil {
			return info, err
		}
	}
	if err := tw.Close(); err != nil {
		return info, err
	}
	if err := atomicfile.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	return info, nil
}

// readSecretKey checks that path is a usable master key file without
// creating one (LoadSecretKey creates an absent file).
func readSecretKey(path string) ([]byte, bool, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, false, err
	}
	return LoadSecretKey(path)
}

// RestoreOptions configure Restore.
type RestoreOptions struct {
	// SecretKeyFile is where the archive's master key is written (required
	// when the archive holds one; the restored admin runs with
	// --secret-key-file pointing at it).
	SecretKeyFile string
	// Force replaces a store that holds data, and files that differ.
	Force bool
	Log   *slog.Logger
}

// ErrNotEmpty: Restore would replace data; it changed nothing.
var ErrNotEmpty = errors.New("restore: the data directory already holds a store with data; nothing was changed (--force replaces it)")

// Restore writes the backup at in into dataDir. It returns the restored
// store's new revision (the backup's plus RevisionEpoch).
func Restore(dataDir, in string, opts RestoreOptions) (uint64, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	files, err := readBackup(in)
	if err != nil {
		return 0, err
	}
	if files[backupKey] != nil && opts.SecretKeyFile == "" {
		return 0, errors.New("restore: the backup holds the master key; name where to write it with --secret-key-file")
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return 0, err
	}
	// The target: locked (so not while an admin runs on it), and empty
	// unless forced.
	if _, err := os.Stat(DBPath(dataDir)); err == nil {
		db, err := store.Open(DBPath(dataDir), store.Options{Logger: opts.Log})
		if err != nil {
			return 0, fmt.Errorf("restore: %w", err)
		}
		n := 0
		db.View(func(tx *buntdb.Tx) error { return tx.AscendKeys("*", func(string, string) bool { n++; return false }) })
		db.Close()
		if n > 0 && !opts.Force {
			return 0, ErrNotEmpty
		}
	}
	for path, b := range map[string][]byte{filepath.Join(dataDir, CredentialsFile): files[backupCreds], opts.SecretKeyFile: files[backupKey]} {
		if b == nil || opts.Force {
			continue
		}
		if old, err := os.ReadFile(path); err == nil && !bytes.Equal(old, b) {
			return 0, fmt.Errorf("restore: %s exists and differs from the backup's; nothing was changed (--force replaces it)", path)
		}
	}
	// Check the copy, move its revision ahead, then write it into place.
	tmp, err := os.MkdirTemp(dataDir, ".restore-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, backupDB), files[backupDB], 0o600); err != nil {
		return 0, err
	}
	db, err := store.Open(filepath.Join(tmp, backupDB), store.Options{Logger: opts.Log})
	if err != nil {
		return 0, fmt.Errorf("restore: the backup's store does not open: %w", err)
	}
	var rev uint64
	err = db.Update(func(tx *buntdb.Tx) error {
		v, err := tx.Get(revisionKey)
		if err != nil && err != buntdb.ErrNotFound {
			return err
		}
		old, _ := strconv.ParseUint(v, 10, 64)
		rev = old + RevisionEpoch
		_, _, err = tx.Set(revisionKey, strconv.FormatUint(rev, 10), nil)
		return err
	})
	if err == nil {
		// Hold the target's lock while its file is replaced (an admin
		// starting meanwhile waits out nothing: it is refused).
		lk, lerr := store.Open(DBPath(dataDir), store.Options{Logger: opts.Log})
		if lerr != nil {
			err = lerr
		} else {
			err = db.Backup(DBPath(dataDir))
			lk.Close() // writes nothing: no transaction is pending
		}
	}
	db.Close()
	if err != nil {
		return 0, fmt.Errorf("restore: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dataDir, CredentialsFile), files[backupCreds], 0o600); err != nil {
		return 0, err
	}
	if files[backupKey] != nil {
		if err := atomicfile.WriteFile(opts.SecretKeyFile, files[backupKey], 0o600); err != nil {
			return 0, err
		}
	}
	return rev, nil
}

// readBackup reads a backup archive's files (bounded: 1 GiB in all).
func readBackup(path string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(io.LimitReader(f, 1<<30))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("restore: %s is not an edgegate backup: %w", path, err)
		}
		switch h.Name {
		case backupDB, backupCreds, backupKey, backupManifest:
		default:
			return nil, fmt.Errorf("restore: %s is not an edgegate backup (unexpected %q)", path, h.Name)
		}
		if files[h.Name], err = io.ReadAll(tr); err != nil {
			return nil, fmt.Errorf("restore: %s: %w", path, err)
		}
	}
	for _, need := range []string{backupManifest, backupDB, backupCreds} {
		if files[need] == nil {
			return nil, fmt.Errorf("restore: %s is not an edgegate backup (no %s)", path, need)
		}
	}
	return files, nil
}
