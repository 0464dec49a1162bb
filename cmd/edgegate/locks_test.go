package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestListenLockPath(t *testing.T) {
	wild := listenLockPath(":8080")
	if wild == "" || filepath.Dir(wild) != filepath.Clean(os.TempDir()) {
		t.Fatalf(":8080 -> %q", wild)
	}
	for _, c := range []struct {
		listen string
		same   bool // as ":8080"
	}{
		{"0.0.0.0:8080", true},
		{"[::]:8080", true},
		{"127.0.0.1:8080", false},
		{":8081", false},
	} {
		if got := listenLockPath(c.listen); (got == wild) != c.same || got == "" {
			t.Errorf("%s -> %q (same as :8080: %v, want %v)", c.listen, got, got == wild, c.same)
		}
	}
	if p := listenLockPath("[fe80::1%eth0]:80"); strings.ContainsAny(filepath.Base(p), ":%[]") {
		t.Errorf("unsafe file name %q", p)
	}
	for _, l := range []string{"127.0.0.1:0", ":0", "nonsense"} {
		if p := listenLockPath(l); p != "" {
			t.Errorf("%s -> %q, want no lock", l, p)
		}
	}
}
