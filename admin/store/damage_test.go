package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/buntdb"
)

// history is a database built by a known sequence of transactions: ends[i]
// is the file size after transaction i (0: the new file) and states[i] the
// state then.
type history struct {
	data   []byte
	ends   []int
	states []map[string]string
}

func buildHistory(t *testing.T) history {
	t.Helper()
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	opts := testOpts(&lb)
	opts.Sync = noSync
	db := mustOpen(t, path, opts)
	var h history
	record := func() {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		h.ends = append(h.ends, int(fi.Size()))
		h.states = append(h.states, dump(t, db))
	}
	record()
	txs := []func(tx *buntdb.Tx) error{
		func(tx *buntdb.Tx) error { return set(tx, "a", "1") },
		func(tx *buntdb.Tx) error { return set(tx, "b", "2", "c", "3", "d", "4") },
		func(tx *buntdb.Tx) error { tx.Delete("b"); return set(tx, "a", "2") },
		func(tx *buntdb.Tx) error { return SetJSON(tx, "svc:1", svc{ID: "service-1", Name: "one"}) },
		func(tx *buntdb.Tx) error {
			_, _, err := tx.Set("ttl", "long", &buntdb.SetOptions{Expires: true, TTL: 24 * time.Hour})
			return err
		},
		func(tx *buntdb.Tx) error { tx.DeleteAll(); return set(tx, "z", "after flush", "a", "3") },
		func(tx *buntdb.Tx) error { return set(tx, "big", strings.Repeat("0123456789", 500)) },
		func(tx *buntdb.Tx) error { return set(tx, "crlf", "x\r\n*3\r\n$3\r\nset\r\n", "nul", "\x00\x00") },
	}
	for i := range 6 {
		txs = append(txs, func(tx *buntdb.Tx) error {
			return set(tx, fmt.Sprintf("m%d", i), "v", fmt.Sprintf("n%d", i), "w", "a", fmt.Sprint(10+i))
		})
	}
	// The last few are multi-key transactions: a torn one must vanish whole.
	for i := range 4 {
		txs = append(txs, func(tx *buntdb.Tx) error {
			tx.Delete(fmt.Sprintf("m%d", i))
			return SetJSON(tx, fmt.Sprintf("svc:%d", 10+i), svc{ID: fmt.Sprint(i), Name: "multi", APIs: i})
		})
	}
	for _, fn := range txs {
		mustUpdate(t, db, fn)
		record()
	}
	db.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h.data = data
	return h
}

// stateAt returns the index of the last transaction complete within n bytes.
func (h history) stateAt(n int) int {
	i := 0
	for i+1 < len(h.ends) && h.ends[i+1] <= n {
		i++
	}
	return i
}

// openBytes writes data to a fresh file and opens it.
func openBytes(t *testing.T, dir string, data []byte, opts Options) (*DB, error) {
	t.Helper()
	path := filepath.Join(dir, "edgegate.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return Open(path, opts)
}

func TestTruncateAtEveryOffset(t *testing.T) {
	h := buildHistory(t)
	dir := t.TempDir()
	var lb logBuf
	opts := testOpts(&lb)
	opts.Sync = noSync

	var offsets []int
	tail := h.ends[len(h.ends)-6] // the last five transactions, byte by byte
	for n := tail; n <= len(h.data); n++ {
		offsets = append(offsets, n)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < tail; n += 1 + rng.IntN(23) { // and a sample before
		offsets = append(offsets, n)
	}
	for _, n := range offsets {
		db, err := openBytes(t, dir, h.data[:n], opts)
		if err != nil {
			t.Fatalf("truncated to %d of %d bytes: Open: %v", n, len(h.data), err)
		}
		want := h.states[h.stateAt(n)]
		if got := dump(t, db); !sameState(want, got) {
			t.Fatalf("truncated to %d bytes: state is not the prefix after transaction %d: %s", n, h.stateAt(n), diffState(want, got))
		}
		// and the file is cut back to that transaction's end, so the next
		// write continues from there
		mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "next", "1") })
		db.Close()
		checkClean(t, filepath.Join(dir, "edgegate.db"))
	}
	if !strings.Contains(lb.String(), "dropped an unfinished final write") {
		t.Fatal("torn tails were not logged")
	}
	t.Logf("%d truncations, each reopened to an exact prefix", len(offsets))
}

func TestFlippedBytesAreReported(t *testing.T) {
	h := buildHistory(t)
	dir := t.TempDir()
	var lb logBuf
	opts := testOpts(&lb)
	opts.Sync = noSync
	final := h.states[len(h.states)-1]
	n := len(h.ends) - 1

	check := func(name string, from, to int, lastTx bool) {
		var corrupt, harmless, dropped int
		for off := from; off < to; off++ {
			for _, mask := range []byte{0x01, 0x20, 0xff} {
				data := append([]byte(nil), h.data...)
				data[off] ^= mask
				db, err := openBytes(t, dir, data, opts)
				var ce *CorruptError
				switch {
				case errors.As(err, &ce):
					if ce.Offset < 0 || ce.Reason == "" || !strings.Contains(ce.Hint, "edgegate admin --repair") || !errors.Is(err, ErrCorrupt) {
						t.Fatalf("%s: flip %#x at %d: incomplete error: %v", name, mask, off, err)
					}
					corrupt++
				case err != nil:
					t.Fatalf("%s: flip %#x at %d: %v", name, mask, off, err)
				default:
					got := dump(t, db)
					db.Close()
					switch {
					case sameState(final, got):
						harmless++ // e.g. "set" → "SET": BuntDB reads both
					case lastTx && sameState(h.states[n-1], got):
						dropped++ // read as a torn final write
						t.Logf("%s: flip %#x at %d (%q → %q) read as torn", name, mask, off, h.data[max(off-6, 0):off+4], data[max(off-6, 0):off+4])
					default:
						t.Fatalf("%s: flip %#x at %d opened to a wrong state: %s", name, mask, off, diffState(final, got))
					}
				}
			}
		}
		t.Logf("%s: %d flips → CorruptError, %d harmless, %d read as a torn final write", name, corrupt, harmless, dropped)
		if dropped > 0 && !lastTx {
			t.Fatalf("%s: damage in the middle was dropped as a torn tail", name)
		}
	}
	// Every byte of the header and of four transactions in the middle.
	check("header", 0, h.ends[0], false)
	check("middle", h.ends[9], h.ends[12], false)
	// The last transaction: damage that cuts a length field short is
	// indistinguishable from a torn write; everything else is reported.
	check("last", h.ends[n-1], h.ends[n], true)
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	var lb logBuf
	opts := testOpts(&lb)
	opts.Sync = noSync
	good := buildHistory(t).data
	cmd := func(parts ...string) string {
		s := fmt.Sprintf("*%d\r\n", len(parts))
		for _, p := range parts {
			s += fmt.Sprintf("$%d\r\n%s\r\n", len(p), p)
		}
		return s
	}
	for _, tc := range []struct {
		name, data, reason string
	}{
		// BuntDB's load panics (index out of range) on these.
		{"short command name", cmd("s", "k", "v"), "unknown command"},
		{"empty command name", cmd(""), "unknown command"},
		{"unknown command", cmd("hset", "k", "v"), "unknown command"},
		{"not RESP", "hello world\r\n", "expected '*'"},
		{"set without value", cmd("set", "k"), "SET with 1 arguments"},
		{"bad expiry", cmd("set", "k", "v", "ae", "soon"), "bad expiry"},
		{"zeros then data", cmd("set", "a", "1") + "\x00\x00\x00\x00" + cmd("set", "b", "2"), "zero bytes"},
		{"huge length", "*3\r\n$99999999999999\r\n", "not terminated"},
		{"marked: zeros inside", string(good[:len(headerBytes)]) + "\x00\x00" + string(good[len(headerBytes):]), "zero bytes"},
		{"marked: plain command appended", string(good) + cmd("set", "x", "1") + string(good[len(headerBytes):]), "no valid commit marker"},
		{"marked: transaction repeated", string(good) + string(good[len(headerBytes):]), "no valid commit marker"},
		{"marked: header missing", string(good[len(headerBytes):]), "header is damaged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openBytes(t, dir, []byte(tc.data), opts)
			var ce *CorruptError
			if !errors.As(err, &ce) || !strings.Contains(ce.Reason, tc.reason) {
				t.Fatalf("Open: %v; want a CorruptError saying %q", err, tc.reason)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "edgegate.db")); string(b) != tc.data {
				t.Fatal("Open changed a damaged file")
			}
		})
	}
	// Zero bytes at the end (a filesystem that extended the file but not its
	// data) are a torn tail.
	db, err := openBytes(t, dir, append(append([]byte(nil), good...), make([]byte, 4096)...), opts)
	if err != nil {
		t.Fatalf("zero-filled tail: %v", err)
	}
	db.Close()
	// Part of a header: a crash while the file was created.
	db, err = openBytes(t, dir, headerBytes[:9], opts)
	if err != nil {
		t.Fatalf("torn header: %v", err)
	}
	if len(dump(t, db)) != 0 {
		t.Fatal("torn header opened non-empty")
	}
	db.Close()
}

func TestRepairKeepsIntactPrefix(t *testing.T) {
	h := buildHistory(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "edgegate.db")
	var lb logBuf
	opts := testOpts(&lb)
	data := append([]byte(nil), h.data...)
	at := h.ends[6] + 20 // inside transaction 7
	data[at] ^= 0x01

	_, err := openBytes(t, dir, data, opts)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("Open: %v", err)
	}
	t.Logf("the error an operator sees:\n%v", err)
	if ce.Offset < int64(h.ends[6]) || ce.Offset > int64(at) {
		t.Errorf("offset %d, damage at %d in the transaction at %d", ce.Offset, at, h.ends[6])
	}
	for _, s := range []string{"The first 6 transactions", fmt.Sprintf("bytes 0–%d", h.ends[6]), "include later transactions", "edgegate admin --repair", "keeps the first 6"} {
		if !strings.Contains(ce.Hint, s) {
			t.Errorf("hint lacks %q: %s", s, ce.Hint)
		}
	}
	// With a backup next to it, the hint offers that first.
	os.WriteFile(path+".bak", h.data, 0o600)
	_, err = Open(path, opts)
	if !errors.As(err, &ce) || !strings.Contains(ce.Hint, "mv "+path+".bak "+path) {
		t.Fatalf("hint does not offer the backup: %v", err)
	}
	os.Remove(path + ".bak")

	// Repair refuses while the database is open elsewhere...
	lk, _ := lockFile(path + ".lock")
	if _, err := Repair(path, opts); !errors.Is(err, ErrLocked) {
		t.Fatalf("Repair of a locked database: %v", err)
	}
	unlockFile(lk)
	// ...and otherwise keeps transactions 1..6, saving the damaged file.
	res, err := Repair(path, opts)
	if err != nil || !res.Damaged || res.Transactions != 6 || res.Kept != int64(h.ends[6]) {
		t.Fatalf("Repair: %+v %v", res, err)
	}
	if saved, err := os.ReadFile(res.Saved); err != nil || string(saved) != string(data) {
		t.Fatalf("damaged copy: %v", err)
	}
	db := mustOpen(t, path, opts)
	if got := dump(t, db); !sameState(h.states[6], got) {
		t.Fatalf("after repair: %s", diffState(h.states[6], got))
	}
	db.Close()
	if res, err := Repair(path, opts); err != nil || res.Damaged {
		t.Fatalf("Repair of an intact file: %+v %v", res, err)
	}

	// Damage confined to the header loses nothing: repair replaces it.
	final := h.states[len(h.states)-1]
	for _, at := range []int{0, 20, len(headerBytes) - 3} {
		data = append([]byte(nil), h.data...)
		data[at] ^= 0x01
		_, err = openBytes(t, dir, data, opts)
		if !errors.As(err, &ce) || !strings.Contains(ce.Reason, "header") || !strings.Contains(ce.Hint, "keeps all 18 transactions") {
			t.Fatalf("header damage at %d: %v", at, err)
		}
		if res, err := Repair(path, opts); err != nil || res.Transactions != 18 {
			t.Fatalf("Repair of the header: %+v %v", res, err)
		}
		db = mustOpen(t, path, opts)
		if got := dump(t, db); !sameState(final, got) {
			t.Fatalf("after header repair: %s", diffState(final, got))
		}
		db.Close()
	}
}
