package store

import (
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tidwall/buntdb"
)

var quiet = slog.New(slog.DiscardHandler)

var benchValue = svc{ID: "service-0123abcd", Name: "a typical service record with a few fields", APIs: 12}

// BenchmarkUpdate is one acknowledged write: a JSON value of ~90 bytes,
// BuntDB's write of it, the read-back, the marker's write and the fsync.
func BenchmarkUpdate(b *testing.B) {
	db := mustOpen(b, filepath.Join(b.TempDir(), "edgegate.db"), Options{Logger: quiet})
	defer db.Close()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := db.Update(func(tx *buntdb.Tx) error { return SetJSON(tx, "svc:"+strconv.Itoa(i%1000), benchValue) }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateThreeKeys is a release-like transaction.
func BenchmarkUpdateThreeKeys(b *testing.B) {
	db := mustOpen(b, filepath.Join(b.TempDir(), "edgegate.db"), Options{Logger: quiet})
	defer db.Close()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := strconv.Itoa(i % 1000)
		if err := db.Update(func(tx *buntdb.Tx) error {
			SetJSON(tx, "ver:"+k, benchValue)
			SetJSON(tx, "env:"+k, benchValue)
			return SetJSON(tx, "hist:"+k, benchValue)
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuntAlways is plain BuntDB with SyncPolicy Always (one fsync,
// its error ignored), for comparison.
func BenchmarkBuntAlways(b *testing.B) {
	bdb, err := buntdb.Open(filepath.Join(b.TempDir(), "plain.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer bdb.Close()
	bdb.SetConfig(buntdb.Config{SyncPolicy: buntdb.Always, AutoShrinkDisabled: true})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := bdb.Update(func(tx *buntdb.Tx) error { return SetJSON(tx, "svc:"+strconv.Itoa(i%1000), benchValue) }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkView(b *testing.B) {
	db := mustOpen(b, filepath.Join(b.TempDir(), "edgegate.db"), Options{Logger: quiet})
	defer db.Close()
	mustUpdate(b, db, func(tx *buntdb.Tx) error { return SetJSON(tx, "svc:1", benchValue) })
	b.ReportAllocs()
	var s svc
	for b.Loop() {
		db.View(func(tx *buntdb.Tx) error { _, err := GetJSON(tx, "svc:1", &s); return err })
	}
}

// BenchmarkOpen loads a database of 10,000 keys (~1.3 MB file).
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "edgegate.db")
	db := mustOpen(b, path, Options{Logger: quiet, Sync: noSync})
	for i := range 100 {
		mustUpdate(b, db, func(tx *buntdb.Tx) error {
			for j := range 100 {
				SetJSON(tx, "svc:"+strconv.Itoa(i*100+j), benchValue)
			}
			return nil
		})
	}
	db.Close()
	fi, _ := os.Stat(path)
	b.SetBytes(fi.Size())
	for b.Loop() {
		db := mustOpen(b, path, Options{Logger: quiet})
		db.Close()
	}
}
