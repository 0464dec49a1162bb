package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/buntdb"
)

type svc struct {
	ID   string
	Name string
	APIs int
}

func TestReopenKeepsEverything(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	db := mustOpen(t, path, testOpts(&lb))
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "a", "1", "b", "2", "c", "3") })
	mustUpdate(t, db, func(tx *buntdb.Tx) error {
		if err := SetJSON(tx, "svc:1", svc{ID: "service-1", Name: "zeta", APIs: 2}); err != nil {
			return err
		}
		if err := SetJSON(tx, "svc:2", svc{ID: "service-2", Name: "Alpha"}); err != nil {
			return err
		}
		_, err := tx.Delete("b")
		return err
	})
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "a", "overwritten", "bin", "\x00\r\n*3\r\n$3\r\nset") })
	// An Update that writes nothing appends nothing.
	before := checkClean(t, path).size
	mustUpdate(t, db, func(tx *buntdb.Tx) error { _, err := tx.Get("a"); return err })
	if after := checkClean(t, path).size; after != before {
		t.Fatalf("a read-only Update grew the file from %d to %d bytes", before, after)
	}
	// An error from fn changes nothing and comes back unwrapped.
	errMine := errors.New("validation failed")
	if err := db.Update(func(tx *buntdb.Tx) error { set(tx, "a", "nope", "new", "x"); return errMine }); err != errMine {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	want := dump(t, db)
	if want["a"] != "overwritten" || want["new"] != "" || len(want) != 5 {
		t.Fatalf("unexpected state %v", want)
	}

	// A second Open of an open database fails fast, in this process too.
	if _, err := Open(path, testOpts(&lb)); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	} else if !strings.Contains(err.Error(), "this process") {
		t.Errorf("ErrLocked does not name the holder: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if err := db.View(func(*buntdb.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("View after Close: %v", err)
	}

	db = mustOpen(t, path, testOpts(&lb))
	defer db.Close()
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("after reopen: %s", diffState(want, got))
	}
	var s svc
	err := db.View(func(tx *buntdb.Tx) error {
		found, err := GetJSON(tx, "svc:1", &s)
		if !found || err != nil {
			t.Errorf("GetJSON svc:1: %v %v", found, err)
		}
		if found, err := GetJSON(tx, "svc:none", &s); found || err != nil {
			t.Errorf("GetJSON of a missing key: %v %v", found, err)
		}
		if found, err := GetJSON(tx, "a", &s); !found || err == nil {
			t.Errorf("GetJSON of a non-JSON value: %v %v", found, err)
		}
		return nil
	})
	if err != nil || s.Name != "zeta" {
		t.Fatalf("View: %v %+v", err, s)
	}
}

// TestBuntConfig: every BuntDB instance the DB opens (first and after a
// reload) leaves fsync to Update (one per transaction, error checked), never
// shrinks by itself, and leaves expiry deletions to us.
func TestBuntConfig(t *testing.T) {
	var lb logBuf
	db := mustOpen(t, filepath.Join(t.TempDir(), "edgegate.db"), testOpts(&lb))
	defer db.Close()
	check := func(when string) {
		var cfg buntdb.Config
		if err := db.bdb.ReadConfig(&cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.SyncPolicy != buntdb.Never || !cfg.AutoShrinkDisabled || cfg.OnExpired == nil {
			t.Fatalf("%s: BuntDB config %+v", when, cfg)
		}
	}
	check("after Open")
	if err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	check("after Compact")
}

func TestIndexSurvivesReload(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	db := mustOpen(t, path, testOpts(&lb))
	defer db.Close()
	if err := db.IndexJSON("svc_by_name", "svc:*", "Name"); err != nil {
		t.Fatal(err)
	}
	if err := db.IndexJSON("svc_by_name", "svc:*", "Name"); !errors.Is(err, buntdb.ErrIndexExists) {
		t.Fatalf("duplicate index: %v", err)
	}
	names := func() string {
		var out []string
		db.View(func(tx *buntdb.Tx) error {
			return tx.Ascend("svc_by_name", func(k, v string) bool {
				var s svc
				GetJSON(tx, k, &s)
				out = append(out, s.Name)
				return true
			})
		})
		return strings.Join(out, ",")
	}
	for i, n := range []string{"mango", "Apple", "kiwi"} {
		mustUpdate(t, db, func(tx *buntdb.Tx) error { return SetJSON(tx, "svc:"+string(rune('a'+i)), svc{Name: n}) })
	}
	if got := names(); got != "Apple,kiwi,mango" {
		t.Fatalf("index order %q", got)
	}
	// Compact reloads the file: the index must come back.
	if err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return SetJSON(tx, "svc:z", svc{Name: "banana"}) })
	if got := names(); got != "Apple,banana,kiwi,mango" {
		t.Fatalf("index order after Compact %q", got)
	}
	if err := db.DropIndex("svc_by_name"); err != nil {
		t.Fatal(err)
	}
	if err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *buntdb.Tx) error { return tx.Ascend("svc_by_name", func(k, v string) bool { return true }) }); !errors.Is(err, buntdb.ErrNotFound) {
		t.Fatalf("dropped index came back: %v", err)
	}
}

func TestLockAcrossProcesses(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	db := mustOpen(t, path, testOpts(&lb))
	run := func() string {
		t.Helper()
		start := time.Now()
		out, err := child("lock", path).Output()
		if err != nil {
			t.Fatalf("child: %v: %s", err, out)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("child took %v", d)
		}
		return strings.TrimSpace(string(out))
	}
	if out := run(); !strings.HasPrefix(out, "locked:") || !strings.Contains(out, "pid ") {
		t.Fatalf("child opened a locked database: %q", out)
	}
	db.Close()
	if out := run(); out != "opened" {
		t.Fatalf("child after Close: %q", out)
	}
	db = mustOpen(t, path, testOpts(&lb)) // the child's lock died with it
	db.Close()
}

func TestUpdatePanicRollsBack(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	db := mustOpen(t, path, testOpts(&lb))
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "keep", "1") })
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want the original panic", r)
			}
		}()
		db.Update(func(tx *buntdb.Tx) error {
			set(tx, "half", "applied", "keep", "changed")
			panic("boom")
		})
	}()
	want := map[string]string{"keep": "1"}
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("after a panicking Update: %s", diffState(want, got))
	}
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "after", "1") }) // not deadlocked
	want["after"] = "1"
	db.Close()
	db = mustOpen(t, path, testOpts(&lb))
	defer db.Close()
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("after reopen: %s", diffState(want, got))
	}
}

// TestMarkersMatchWrites: after every kind of write, each transaction's
// marker counts and sums exactly the commands BuntDB appended (scan verifies
// both), and follows them.
func TestMarkersMatchWrites(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	db := mustOpen(t, path, testOpts(&lb))
	defer db.Close()
	steps := []func(tx *buntdb.Tx) error{
		func(tx *buntdb.Tx) error { return set(tx, "a", "1") },
		func(tx *buntdb.Tx) error { return set(tx, "b", "2", "c", "3", "d", strings.Repeat("x", 70000)) },
		func(tx *buntdb.Tx) error { _, err := tx.Delete("b"); return err },
		func(tx *buntdb.Tx) error {
			_, _, err := tx.Set("ttl", "v", &buntdb.SetOptions{Expires: true, TTL: time.Hour})
			return err
		},
		func(tx *buntdb.Tx) error { set(tx, "e", "1"); _, err := tx.Delete("e"); return err }, // set then delete: one DEL
		func(tx *buntdb.Tx) error { return tx.DeleteAll() },                                   // FLUSHDB alone
		func(tx *buntdb.Tx) error { tx.DeleteAll(); return set(tx, "after-flush", "1") },
		func(tx *buntdb.Tx) error { return set(tx, "", "empty key", "empty value", "") },
	}
	for i, fn := range steps {
		mustUpdate(t, db, fn)
		if r := checkClean(t, path); r.txns != i+1 {
			t.Fatalf("step %d: %d transactions in the file", i, r.txns)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if last, inside := markerPositions(t, data); inside != 0 || last != len(steps)+1 {
		t.Fatalf("%d markers last in their transaction, %d inside; want all %d last", last, inside, len(steps)+1)
	}
}

// TestReservedKeysRefused: a key in the markers' namespace would make the
// file unopenable once deleted; Update refuses it and changes nothing.
func TestReservedKeysRefused(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	db := mustOpen(t, path, testOpts(&lb))
	defer db.Close()
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "a", "1") })
	want := dump(t, db)
	for _, k := range []string{markerPrefix + "0:1:0", "\x00eg:tx2:x"} {
		err := db.Update(func(tx *buntdb.Tx) error { return set(tx, "b", "2", k, "v") })
		if err == nil || !strings.Contains(err.Error(), "reserved") {
			t.Fatalf("Update of %q: %v", k, err)
		}
		if got := dump(t, db); !sameState(want, got) {
			t.Fatalf("after a refused Update: %s", diffState(want, got))
		}
		checkClean(t, path)
	}
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "c", "3") })
}

func TestConcurrentUpdatesAndViews(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	opts := testOpts(&lb)
	opts.Sync = noSync
	db := mustOpen(t, path, opts)
	var wg sync.WaitGroup
	const writers, each = 4, 50
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				err := db.Update(func(tx *buntdb.Tx) error {
					n := 0
					if v, err := tx.Get("n"); err == nil {
						n = len(v)
					}
					return set(tx, "n", strings.Repeat("x", n+1), "w"+string(rune('0'+w))+":"+string(rune('a'+i%26)), "v")
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range each {
				db.View(func(tx *buntdb.Tx) error { _, err := tx.Get("n"); return err })
			}
		}()
	}
	wg.Wait()
	want := dump(t, db)
	if len(want["n"]) != writers*each {
		t.Fatalf("counter %d, want %d", len(want["n"]), writers*each)
	}
	db.Close()
	checkClean(t, path)
	db = mustOpen(t, path, opts)
	defer db.Close()
	if got := dump(t, db); !sameState(want, got) {
		t.Fatal(diffState(want, got))
	}
}

// TestExpiryIsDurable: BuntDB deletes expired keys from a background
// goroutine; here those deletions go through Update (marked and fsynced).
func TestExpiryIsDurable(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	db := mustOpen(t, path, testOpts(&lb))
	mustUpdate(t, db, func(tx *buntdb.Tx) error {
		tx.Set("nonce", "1", &buntdb.SetOptions{Expires: true, TTL: 300 * time.Millisecond})
		return set(tx, "stays", "1")
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := dump(t, db)["nonce"]; !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("expired key never deleted")
		}
		time.Sleep(50 * time.Millisecond)
	}
	db.Close()
	if r := checkClean(t, path); r.txns != 2 {
		t.Fatalf("%d transactions, want the write and the expiry", r.txns)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "$3\r\ndel\r\n$5\r\nnonce\r\n") {
		t.Fatal("no DEL of the expired key in the file")
	}
}

func TestOpenConvertsPlainBuntDBFile(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	raw, err := buntdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	raw.Update(func(tx *buntdb.Tx) error { return set(tx, "a", "1", "b", "2") })
	raw.Update(func(tx *buntdb.Tx) error { tx.Delete("a"); return set(tx, "c", "3") })
	raw.Close()
	// and a torn final command, which BuntDB would drop
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("*3\r\n$3\r\nset\r\n$1\r\nz")
	f.Close()
	db := mustOpen(t, path, testOpts(&lb))
	want := map[string]string{"b": "2", "c": "3"}
	if got := dump(t, db); !sameState(want, got) {
		t.Fatal(diffState(want, got))
	}
	db.Close()
	checkClean(t, path)
	if !strings.Contains(lb.String(), "converting a plain BuntDB file") || !strings.Contains(lb.String(), "dropped an unfinished final write") {
		t.Fatalf("log: %s", lb.String())
	}
}

func TestEmptyFileIsLoud(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	os.WriteFile(path, nil, 0o600)
	db := mustOpen(t, path, testOpts(&lb))
	db.Close()
	if !strings.Contains(lb.String(), "level=WARN") || !strings.Contains(lb.String(), "empty") {
		t.Fatalf("an empty file opened without a warning: %s", lb.String())
	}
	checkClean(t, path)
}
