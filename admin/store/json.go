package store

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tidwall/buntdb"
)

// GetJSON reads key and unmarshals its value into v. A missing (or expired)
// key is found == false with a nil error.
func GetJSON(tx *buntdb.Tx, key string, v any) (found bool, err error) {
	s, err := tx.Get(key)
	if errors.Is(err, buntdb.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return true, fmt.Errorf("store: decode %q: %w", key, err)
	}
	return true, nil
}

// SetJSON marshals v and stores it under key.
func SetJSON(tx *buntdb.Tx, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %q: %w", key, err)
	}
	_, _, err = tx.Set(key, string(b), nil)
	return err
}

// Index creates a BuntDB index over the keys matching pattern, ordered by
// less (see buntdb.CreateIndex; several less functions compare in turn). The
// DB remembers it and re-creates it whenever it reloads the file (BuntDB does
// not store indexes), so call it once after Open. Creating an index writes
// nothing to the file. An existing name is an error (buntdb.ErrIndexExists).
func (db *DB) Index(name, pattern string, less ...func(a, b string) bool) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := db.ready(); err != nil {
		return err
	}
	if err := db.bdb.CreateIndex(name, pattern, less...); err != nil {
		return fmt.Errorf("store: index %q: %w", name, err)
	}
	db.indexes = append(db.indexes, indexDef{name: name, pattern: pattern, less: less})
	return nil
}

// IndexJSON is Index ordered by the JSON fields at paths (gjson syntax, e.g.
// "Name" or "Meta.CreatedTime"), compared in turn, case-insensitively for
// strings (buntdb.IndexJSON).
func (db *DB) IndexJSON(name, pattern string, paths ...string) error {
	if len(paths) == 0 {
		return errors.New("store: IndexJSON needs at least one path")
	}
	less := make([]func(a, b string) bool, len(paths))
	for i, p := range paths {
		less[i] = buntdb.IndexJSON(p)
	}
	return db.Index(name, pattern, less...)
}

// DropIndex removes an index made with Index.
func (db *DB) DropIndex(name string) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := db.ready(); err != nil {
		return err
	}
	if err := db.bdb.DropIndex(name); err != nil {
		return fmt.Errorf("store: drop index %q: %w", name, err)
	}
	for i, ix := range db.indexes {
		if ix.name == name {
			db.indexes = append(db.indexes[:i], db.indexes[i+1:]...)
			break
		}
	}
	return nil
}
