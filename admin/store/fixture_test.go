package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/buntdb"
)

// testdata/v1.db is a database file written by the store as it was at commit
// c9d808e (BuntDB v1.3.0, markers computed from BuntDB's pending items, so a
// marker sits anywhere inside its transaction, in map order), and
// testdata/v1.json the state it holds. They were made with
//
//	STORE_WRITE_FIXTURE=$PWD/admin/store/testdata go test ./admin/store -run TestWriteFixture
//
// at that commit. Operators upgrade in place, so every later version must
// open it to exactly that state and keep writing to it.
const fixtureEnv = "STORE_WRITE_FIXTURE"

// fixtureTxs are the transactions of the fixture; a Compact runs after the
// sixth, so the file holds a compacted snapshot followed by appended ones.
func fixtureTxs() []func(tx *buntdb.Tx) error {
	const century = 100 * 365 * 24 * time.Hour // expires long after any test run
	txs := []func(tx *buntdb.Tx) error{
		func(tx *buntdb.Tx) error { return set(tx, "a", "1", "b", "2", "c", "3", "d", "4") },
		func(tx *buntdb.Tx) error { tx.Delete("b"); return set(tx, "a", "2", "e", "5") },
		func(tx *buntdb.Tx) error { tx.DeleteAll(); return set(tx, "z", "after flush", "a", "3", "y", "x") },
		func(tx *buntdb.Tx) error {
			return SetJSON(tx, "svc:1", svc{ID: "service-1", Name: "one", APIs: 3})
		},
		func(tx *buntdb.Tx) error {
			_, _, err := tx.Set("ttl", "long", &buntdb.SetOptions{Expires: true, TTL: century})
			return err
		},
		func(tx *buntdb.Tx) error { return set(tx, "big", strings.Repeat("0123456789", 100)) },
	}
	for i := range 8 {
		txs = append(txs, func(tx *buntdb.Tx) error {
			tx.Delete(fmt.Sprintf("m%d", i-2))
			return set(tx, fmt.Sprintf("m%d", i), "v", fmt.Sprintf("n%d", i), "w", "crlf", "x\r\n*3\r\n$3\r\nset\r\n\x00", "a", fmt.Sprint(10+i))
		})
	}
	txs = append(txs, func(tx *buntdb.Tx) error {
		_, _, err := tx.Set("ttl2", "later", &buntdb.SetOptions{Expires: true, TTL: century})
		return err
	})
	return txs
}

// TestWriteFixture regenerates testdata/v1.* (see above); it runs only when
// asked to.
func TestWriteFixture(t *testing.T) {
	dir := os.Getenv(fixtureEnv)
	if dir == "" {
		t.Skip("set " + fixtureEnv + " to the testdata directory to regenerate the fixture")
	}
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	db := mustOpen(t, path, testOpts(&lb))
	for i, fn := range fixtureTxs() {
		mustUpdate(t, db, fn)
		if i == 5 {
			if err := db.Compact(); err != nil {
				t.Fatal(err)
			}
		}
	}
	state := dump(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "v1.db"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "v1.json"), append(js, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// markerPositions returns, for each transaction of a clean file, whether its
// marker is its last command.
func markerPositions(t *testing.T, data []byte) (last, inside int) {
	t.Helper()
	count := 0
	for off := 0; off < len(data); {
		c, err := parseCommand(data, off)
		if err != nil {
			t.Fatalf("offset %d: %v", off, err)
		}
		off = c.end
		count++
		if c.name != "del" || !strings.HasPrefix(c.args[0], markerPrefix) {
			continue
		}
		m, err := parseMarker(c.args[0])
		if err != nil {
			t.Fatal(err)
		}
		if m.count == count {
			last++
			count = 0
		} else {
			inside++
			count -= m.count // the rest of its transaction follows
		}
	}
	return last, inside
}

// TestOpensFixtureV1: a file written by the store at c9d808e opens to the
// state it held, and takes further writes.
func TestOpensFixtureV1(t *testing.T) {
	data, err := os.ReadFile("testdata/v1.db")
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile("testdata/v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]string
	if err := json.Unmarshal(js, &want); err != nil {
		t.Fatal(err)
	}
	// The point of the fixture: markers in the middle of their transaction.
	if _, inside := markerPositions(t, data); inside == 0 {
		t.Fatal("the fixture has no marker inside its transaction; regenerate it with the old store")
	}
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db := mustOpen(t, path, testOpts(&lb))
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("fixture opened to a different state: %s", diffState(want, got))
	}
	if b, _ := os.ReadFile(path); string(b) != string(data) {
		t.Fatal("Open rewrote an intact file")
	}
	mustUpdate(t, db, func(tx *buntdb.Tx) error { tx.Delete("a"); return set(tx, "new", "1", "m7", "changed") })
	delete(want, "a")
	want["new"], want["m7"] = "1", "changed"
	db.Close()
	checkClean(t, path)
	db = mustOpen(t, path, testOpts(&lb))
	defer db.Close()
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("after a write and reopen: %s", diffState(want, got))
	}
}
