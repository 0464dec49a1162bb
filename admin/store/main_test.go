package store

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/tidwall/buntdb"
)

// Child processes are this test binary re-executed with STORE_TEST_CHILD set
// to a mode; TestMain runs the mode instead of the tests.
const childEnv = "STORE_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode, os.Getenv("STORE_TEST_PATH")))
	}
	os.Exit(m.Run())
}

func runChild(mode, path string) int {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	switch mode {
	case "lock":
		db, err := Open(path, Options{Logger: log})
		switch {
		case errors.Is(err, ErrLocked):
			fmt.Println("locked:", err)
		case err != nil:
			fmt.Println("error:", err)
			return 1
		default:
			fmt.Println("opened")
			db.Close()
		}
		return 0
	case "writer":
		// Acknowledge each transaction on stdout only after Update returns:
		// the parent kills this process at a random moment.
		round := os.Getenv("STORE_TEST_ROUND")
		db, err := Open(path, Options{Logger: log})
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Println("opened")
		for i := 0; ; i++ {
			k := fmt.Sprintf("r%s-%06d", round, i)
			err := db.Update(func(tx *buntdb.Tx) error {
				tx.Set("k:"+k, k, nil)
				tx.Set("m:"+k, k, nil) // the mirror: both or neither
				_, _, err := tx.Set("last:"+round, strconv.Itoa(i), nil)
				return err
			})
			if err != nil {
				fmt.Println("error:", err)
				return 1
			}
			fmt.Println(i) // one write(2) per line on an unbuffered pipe
			if i%64 == 63 {
				// Compactions too get killed half way.
				if err := db.Compact(); err != nil {
					fmt.Println("error:", err)
					return 1
				}
			}
		}
	case "update-crash":
		// One acknowledged write, then a second one killed at a step.
		var armed atomic.Bool
		db, err := Open(path, Options{Logger: log, hook: killAt(&armed)})
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		if err := db.Update(func(tx *buntdb.Tx) error { _, _, err := tx.Set("acked", "1", nil); return err }); err != nil {
			fmt.Println("error:", err)
			return 1
		}
		armed.Store(true)
		fmt.Println("update returned:", db.Update(func(tx *buntdb.Tx) error {
			tx.Delete("acked")
			tx.Set("k", "2", nil)
			_, _, err := tx.Set("m", "2", nil)
			return err
		}))
		return 3
	case "compact-crash":
		armed := new(atomic.Bool)
		armed.Store(true)
		db, err := Open(path, Options{Logger: log, hook: killAt(armed)})
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Println("compact returned:", db.Compact())
		return 3
	}
	fmt.Println("unknown child mode", mode)
	return 2
}

// killAt is a hook that kills the process with SIGKILL at the step named by
// STORE_TEST_STEP, once armed.
func killAt(armed *atomic.Bool) func(string) error {
	step := os.Getenv("STORE_TEST_STEP")
	return func(s string) error {
		if armed.Load() && s == step {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		return nil
	}
}

// child returns a command that re-executes the test binary in mode.
func child(mode, path string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "STORE_TEST_PATH="+path)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	return cmd
}

// logBuf collects log output; safe from any goroutine, even after the test.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func testOpts(lb *logBuf) Options {
	return Options{Logger: slog.New(slog.NewTextHandler(lb, nil))}
}

// noSync skips fsync where a test checks logic, not durability, and opens
// the database many times.
func noSync(*os.File) error { return nil }

func mustOpen(t testing.TB, path string, opts Options) *DB {
	t.Helper()
	db, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return db
}

func mustUpdate(t testing.TB, db *DB, fn func(tx *buntdb.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// dump returns every key and value, expired ones included.
func dump(t testing.TB, db *DB) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := db.View(func(tx *buntdb.Tx) error {
		return tx.Ascend("", func(k, v string) bool { m[k] = v; return true })
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return m
}

func sameState(a, b map[string]string) bool { return maps.Equal(a, b) }

func diffState(want, got map[string]string) string {
	var b bytes.Buffer
	for k, v := range want {
		if g, ok := got[k]; !ok {
			fmt.Fprintf(&b, "missing %q; ", k)
		} else if g != v {
			fmt.Fprintf(&b, "%q = %q, want %q; ", k, g, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "extra %q; ", k)
		}
	}
	return b.String()
}

func set(tx *buntdb.Tx, kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if _, _, err := tx.Set(kv[i], kv[i+1], nil); err != nil {
			return err
		}
	}
	return nil
}

// checkClean fails unless the file at path scans as complete and intact.
func checkClean(t testing.TB, path string) scanResult {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := scan(data)
	if r.damage != "" || r.torn || !r.marked {
		t.Fatalf("%s: not clean: %+v", path, r)
	}
	return r
}
