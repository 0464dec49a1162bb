package flock

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestAcquire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := Acquire(path, "edgegate edge --data d")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if want := strconv.Itoa(os.Getpid()) + " edgegate edge --data d\n"; string(b) != want {
		t.Errorf("lock file holds %q, want %q", b, want)
	}
	// A second open file description is refused, in this process too, and
	// the refusal names the holder.
	_, err = Acquire(path, "other")
	if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())+" (this process)") {
		t.Fatalf("second Acquire: %v", err)
	}
	if b2, _ := os.ReadFile(path); string(b2) != string(b) {
		t.Errorf("a refused Acquire rewrote the file: %q", b2)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	l2, err := Acquire(path, "")
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	defer l2.Release()
	if b, _ := os.ReadFile(path); string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("without a note the file holds %q", b)
	}
}

func TestHolder(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ content, want string }{
		{"4242 edgegate run --listen :8080\n", "pid 4242 (edgegate run --listen :8080)"},
		{"4242\n", "pid 4242"},
		{strconv.Itoa(os.Getpid()) + " me\n", "pid " + strconv.Itoa(os.Getpid()) + " (this process)"},
		{"", "another process"},
		{"garbage here", "another process"},
		{"-1 x", "another process"},
	} {
		path := filepath.Join(dir, "h.lock")
		if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := Holder(path); got != c.want {
			t.Errorf("Holder(%q) = %q, want %q", c.content, got, c.want)
		}
	}
	if got := Holder(filepath.Join(dir, "missing")); got != "another process" {
		t.Errorf("missing file: %q", got)
	}
	var nilLock *Lock
	if err := nilLock.Release(); err != nil {
		t.Errorf("nil Release: %v", err)
	}
}

func TestRemove(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.lock")
	l, err := Acquire(path, "a")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Remove left the file: %v", err)
	}
	if err := l.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	l2, err := Acquire(path, "b")
	if err != nil {
		t.Fatalf("Acquire after Remove: %v", err)
	}
	defer l2.Release()
	if _, err := Acquire(path, "c"); !errors.Is(err, ErrHeld) {
		t.Fatalf("the new file is not locked: %v", err)
	}
}
