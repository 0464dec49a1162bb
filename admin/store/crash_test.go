package store

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/buntdb"
)

// TestKill9DuringWrites kills a writing process at random moments: every
// transaction it acknowledged must be there after reopening, and no
// transaction may be there in part.
func TestKill9DuringWrites(t *testing.T) {
	var lb logBuf
	path := filepath.Join(t.TempDir(), "edgegate.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 9))
	const rounds = 8
	acked := map[string]bool{}
	total := 0
	for round := range rounds {
		cmd := child("writer", path, "STORE_TEST_ROUND="+strconv.Itoa(round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		// Kill anywhere from during Open to well into the writes: even
		// rounds count from the start, odd ones from the moment the child
		// has opened the database (a slow start, e.g. under -race on a
		// busy machine, must not leave every round without writes).
		if round%2 == 1 {
			select {
			case l := <-lines:
				if l != "opened" {
					t.Fatalf("round %d: child said %q", round, l)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("round %d: child did not open the database", round)
			}
		}
		time.Sleep(time.Duration(5+rng.IntN(150)) * time.Millisecond) // the random kill moment, not a sync point
		cmd.Process.Signal(syscall.SIGKILL)
		n := 0
		for l := range lines {
			if l == "opened" {
				continue
			}
			if _, err := strconv.Atoi(l); err != nil {
				t.Fatalf("round %d: child said %q", round, l)
			}
			acked[fmt.Sprintf("r%d-%06s", round, l)] = true
			n++
		}
		werr := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child ended with %v, not killed", round, werr)
		}
		total += n

		db := mustOpen(t, path, testOpts(&lb))
		state := dump(t, db)
		db.Close()
		for k := range acked {
			if state["k:"+k] != k || state["m:"+k] != k {
				t.Fatalf("round %d: acknowledged transaction %s lost", round, k)
			}
		}
		// All or nothing: the pair is written by one transaction.
		for key := range state {
			if k, ok := strings.CutPrefix(key, "k:"); ok && state["m:"+k] != k {
				t.Fatalf("round %d: transaction %s half applied", round, k)
			}
			if k, ok := strings.CutPrefix(key, "m:"); ok && state["k:"+k] != k {
				t.Fatalf("round %d: transaction %s half applied", round, k)
			}
		}
		if n > 0 {
			if last, _ := strconv.Atoi(state["last:"+strconv.Itoa(round)]); last < n-1 {
				t.Fatalf("round %d: counter at %d, %d acknowledged", round, last, n)
			}
		}
		t.Logf("round %d: %d acknowledged, %d present", round, n, len(state)/2)
	}
	if total == 0 {
		t.Fatal("no round acknowledged anything")
	}
	checkClean(t, path)
}

// compactHistory builds a database whose compaction changes the file.
func compactHistory(t *testing.T, path string) map[string]string {
	t.Helper()
	var lb logBuf
	db := mustOpen(t, path, testOpts(&lb))
	defer db.Close()
	for i := range 40 {
		mustUpdate(t, db, func(tx *buntdb.Tx) error {
			tx.Delete(fmt.Sprintf("k%d", i-3))
			return set(tx, fmt.Sprintf("k%d", i), strings.Repeat("v", i), "n", strconv.Itoa(i))
		})
	}
	mustUpdate(t, db, func(tx *buntdb.Tx) error {
		_, _, err := tx.Set("ttl", "x", &buntdb.SetOptions{Expires: true, TTL: time.Hour})
		return err
	})
	return dump(t, db)
}

var compactSteps = []string{"compact/temp-written", "compact/temp-synced", "compact/renamed", "compact/dir-synced"}

func TestCompactAndBackupReopenToSameState(t *testing.T) {
	var lb logBuf
	dir := t.TempDir()
	path := filepath.Join(dir, "edgegate.db")
	want := compactHistory(t, path)
	before := checkClean(t, path).size
	db := mustOpen(t, path, testOpts(&lb))
	if err := db.Backup(path + ".bak"); err != nil {
		t.Fatal(err)
	}
	if err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	after := checkClean(t, path).size
	if after >= before {
		t.Fatalf("compaction did not shrink the file: %d → %d bytes", before, after)
	}
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("after Compact: %s", diffState(want, got))
	}
	// Writes continue on the new file.
	mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "after", "compact") })
	if err := db.Backup(path); err == nil {
		t.Fatal("Backup over the database itself was allowed")
	}
	db.Close()
	want["after"] = "compact"
	db = mustOpen(t, path, testOpts(&lb))
	if got := dump(t, db); !sameState(want, got) {
		t.Fatalf("after reopen: %s", diffState(want, got))
	}
	db.Close()
	delete(want, "after")
	// The backup is a database of its own.
	checkClean(t, path+".bak")
	bak := mustOpen(t, path+".bak", testOpts(&lb))
	if got := dump(t, bak); !sameState(want, got) {
		t.Fatalf("backup: %s", diffState(want, got))
	}
	bak.Close()
	// An empty database compacts and backs up too.
	empty := mustOpen(t, filepath.Join(dir, "empty.db"), testOpts(&lb))
	if err := empty.Compact(); err != nil {
		t.Fatal(err)
	}
	if err := empty.Backup(filepath.Join(dir, "empty.bak")); err != nil {
		t.Fatal(err)
	}
	empty.Close()
	checkClean(t, filepath.Join(dir, "empty.bak"))
}

// TestBackupDuringWrites: a backup taken while transactions commit holds
// whole transactions only.
func TestBackupDuringWrites(t *testing.T) {
	var lb logBuf
	dir := t.TempDir()
	opts := testOpts(&lb)
	opts.Sync = noSync
	db := mustOpen(t, filepath.Join(dir, "edgegate.db"), opts)
	defer db.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 300 {
			k := strconv.Itoa(i)
			db.Update(func(tx *buntdb.Tx) error { return set(tx, "k:"+k, k, "m:"+k, k) })
		}
	}()
	for i := range 5 {
		bak := filepath.Join(dir, fmt.Sprintf("b%d.bak", i))
		if err := db.Backup(bak); err != nil {
			t.Fatal(err)
		}
		b := mustOpen(t, bak, opts)
		state := dump(t, b)
		b.Close()
		for key, v := range state {
			if k, ok := strings.CutPrefix(key, "k:"); ok && state["m:"+k] != v {
				t.Fatalf("backup %d holds half of transaction %s", i, k)
			}
		}
	}
	<-done
}

// TestUpdateCrash kills a process between the two writes of a transaction
// (its data, then its marker) and between the marker and the fsync: the
// transaction, never acknowledged, is then either absent or there whole.
func TestUpdateCrash(t *testing.T) {
	for _, tc := range []struct {
		step    string
		present bool // with the page cache intact (kill -9, not power loss)
	}{
		{"update/data-written", false},
		{"update/marked", true},
	} {
		var lb logBuf
		path := filepath.Join(t.TempDir(), "edgegate.db")
		out, err := child("update-crash", path, "STORE_TEST_STEP="+tc.step).Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("%s: child not killed: %v %s", tc.step, err, out)
		}
		before, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r := scan(before)
		if r.damage != "" || r.torn != !tc.present {
			t.Fatalf("%s: the file as the crash left it: %+v", tc.step, r)
		}
		db := mustOpen(t, path, testOpts(&lb))
		want := map[string]string{"acked": "1"}
		if tc.present {
			want = map[string]string{"k": "2", "m": "2"}
		}
		if got := dump(t, db); !sameState(want, got) {
			t.Fatalf("crash at %s: %s", tc.step, diffState(want, got))
		}
		mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, "next", "1") })
		db.Close()
		checkClean(t, path)
		if dropped := strings.Contains(lb.String(), "dropped an unfinished final write"); dropped == tc.present {
			t.Fatalf("crash at %s: dropped logged %v: %s", tc.step, dropped, lb.String())
		}
		if !tc.present && !strings.Contains(lb.String(), "complete_commands=3") {
			t.Fatalf("crash at %s: the dropped write was not the whole unmarked transaction: %s", tc.step, lb.String())
		}
	}
}

// TestCompactCrash kills a process at each step of Compact: the file left
// behind opens to the same state.
func TestCompactCrash(t *testing.T) {
	var lb logBuf
	dir := t.TempDir()
	orig := filepath.Join(dir, "orig.db")
	want := compactHistory(t, orig)
	data, _ := os.ReadFile(orig)
	for _, step := range compactSteps {
		path := filepath.Join(dir, "edgegate.db")
		os.WriteFile(path, data, 0o600)
		out, err := child("compact-crash", path, "STORE_TEST_STEP="+step).Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("%s: child not killed: %v %s", step, err, out)
		}
		_, tmpErr := os.Stat(path + compactSuffix)
		db := mustOpen(t, path, testOpts(&lb))
		if got := dump(t, db); !sameState(want, got) {
			t.Fatalf("crash at %s: %s", step, diffState(want, got))
		}
		db.Close()
		size := checkClean(t, path).size
		if _, err := os.Stat(path + compactSuffix); err == nil {
			t.Fatalf("crash at %s: temporary file left after Open", step)
		}
		t.Logf("crash at %s: temp file present: %v, file %d bytes (was %d): same state", step, tmpErr == nil, size, len(data))
	}
}

// TestCompactStepFailure fails each step in process: Compact returns the
// error, the DB keeps serving and writing the same state.
func TestCompactStepFailure(t *testing.T) {
	var lb logBuf
	dir := t.TempDir()
	path := filepath.Join(dir, "edgegate.db")
	want := compactHistory(t, path)
	for i, step := range compactSteps {
		opts := testOpts(&lb)
		boom := errors.New("injected failure")
		opts.hook = func(s string) error {
			if s == step {
				return boom
			}
			return nil
		}
		db := mustOpen(t, path, opts)
		if err := db.Compact(); !errors.Is(err, boom) {
			t.Fatalf("%s: Compact returned %v", step, err)
		}
		if got := dump(t, db); !sameState(want, got) {
			t.Fatalf("%s: %s", step, diffState(want, got))
		}
		k := "after-" + strconv.Itoa(i)
		mustUpdate(t, db, func(tx *buntdb.Tx) error { return set(tx, k, "1") })
		want[k] = "1"
		db.Close()
		db = mustOpen(t, path, testOpts(&lb))
		if got := dump(t, db); !sameState(want, got) {
			t.Fatalf("%s, reopened: %s", step, diffState(want, got))
		}
		db.Close()
	}
}
