package admin

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
)

// Rekey changes the master key of a stopped admin's store (`edgegate admin
// rekey`): every secret (secretRecords: API key and app secrets,
// certificate private keys, edge credentials, signature keys, API
// document passwords) is opened with the key in
// oldKeyFile and sealed again with the one in newKeyFile, the check value
// with them, in one transaction: a crash leaves the store wholly under one
// key or the other. The store is then compacted, so the old sealed copies
// leave the file. oldKeyFile "" means the store is in clear (it holds no
// sealed secret); newKeyFile is created with a random key when absent, and
// is written before the store changes, so the store is never sealed to a
// key that is not on disk.
//
// Nothing is written unless every secret opens with the old key; the
// store's lock makes a running admin's store refuse (store.ErrLocked).
// Backups made before carry the key they were made under (backup.go), so
// they restore as they are.
func Rekey(dataDir, oldKeyFile, newKeyFile string, log *slog.Logger) (resealed int, err error) {
	if log == nil {
		log = slog.Default()
	}
	if newKeyFile == "" {
		return 0, errors.New("rekey: the new key file is required (--new-secret-key-file)")
	}
	var old *sealer
	var oldKey []byte
	if oldKeyFile != "" {
		// The old key must exist: LoadSecretKey would create one.
		if _, err := os.Stat(oldKeyFile); err != nil {
			return 0, fmt.Errorf("rekey: the current key file: %w", err)
		}
		if oldKey, _, err = LoadSecretKey(oldKeyFile); err != nil {
			return 0, err
		}
		if old, err = newSealer(oldKey); err != nil {
			return 0, err
		}
	}
	if _, err := os.Stat(DBPath(dataDir)); err != nil {
		return 0, fmt.Errorf("rekey: no store in %s: %w", dataDir, err)
	}
	db, err := store.Open(DBPath(dataDir), store.Options{Logger: log})
	if err != nil {
		return 0, fmt.Errorf("rekey: %w", err)
	}
	defer db.Close()

	// Open everything with the old key first: a wrong key file writes
	// nothing, not even the new key file.
	var all []openedSecret
	err = db.View(func(tx *buntdb.Tx) (err error) {
		all, _, err = openAll(tx, old)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rekey: %w", err)
	}

	newKey, created, err := LoadSecretKey(newKeyFile)
	if err != nil {
		return 0, err
	}
	if bytes.Equal(newKey, oldKey) {
		return 0, errors.New("rekey: the new key file holds the current key; nothing was changed")
	}
	if created {
		log.Warn("rekey: created a new secret key file; back it up apart from the data directory", "path", newKeyFile)
	}
	nw, err := newSealer(newKey)
	if err != nil {
		return 0, err
	}
	todo := []rewrite{{secretCheckKey, nw.seal(secretCheckKey, secretCheckValue)}}
	for _, x := range all {
		todo = append(todo, x.sealedWith(nw))
	}
	if err := db.Update(func(tx *buntdb.Tx) error { return setAll(tx, todo) }); err != nil {
		return 0, fmt.Errorf("rekey: nothing was changed: %w", err)
	}
	// From here the store is under the new key whatever happens; the
	// compaction only drops the old copies (the next start compacts too).
	if err := db.Compact(); err != nil {
		return len(all), fmt.Errorf("rekey: the secrets are sealed with the new key, but compacting the store failed (the next admin start compacts it): %w", err)
	}
	return len(all), nil
}
