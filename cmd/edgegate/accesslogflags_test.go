package main

import (
	"flag"
	"path/filepath"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "1": 1, "16KiB": 16 << 10, "64MiB": 64 << 20, "4GiB": 4 << 30, "1048576": 1 << 20} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "5GiB", "1MB", "x", "1.5MiB", "4294967297"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

// run --demo logs under the data directory unless --access-log-dir is
// given; an empty one keeps the log off.
func TestAccessLogDemoDefault(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--demo", "--data", "/d"}, filepath.Join("/d", "access-log")},
		{[]string{"--demo", "--data", "/d", "--access-log-dir", ""}, ""},
		{[]string{"--demo", "--access-log-dir", "/logs"}, "/logs"},
		{[]string{"--data", "/d"}, ""},
	} {
		f, err := parseRunFlags(c.args)
		if err != nil {
			t.Fatal(err)
		}
		if f.accessLog.dir != c.want {
			t.Errorf("%v: access-log dir %q, want %q", c.args, f.accessLog.dir, c.want)
		}
	}
	var f accessLogFlags
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f.register(fs)
	if err := fs.Parse([]string{"--access-log-max-size", "1KB"}); err != nil {
		t.Fatal(err)
	}
	f.dir = t.TempDir()
	if err := f.open(nil, nil, "test"); err == nil {
		t.Error("a bad --access-log-max-size opened the log")
	}
}
