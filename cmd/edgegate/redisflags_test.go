package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/edge"
)

// The --redis flags: off by default; a bad address, policy, database or
// CA file is refused with the flag's name; a password file is read.
// --redis-sentinel takes the place of --redis and needs --redis-master.
func TestRedisFlags(t *testing.T) {
	parse := func(args ...string) (*edge.Config, error) {
		fs := flag.NewFlagSet("edge", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var f redisFlags
		addRedisFlags(fs, &f)
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		var cfg edge.Config
		_, err := f.setup(&cfg, newLogger())
		return &cfg, err
	}
	if cfg, err := parse(); err != nil || cfg.Cluster != nil {
		t.Fatalf("no --redis: %v %v", cfg, err)
	}
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("s3cret\n"), 0o600)
	if cfg, err := parse("--redis", "127.0.0.1:6379", "--redis-password-file", pw, "--redis-down", "closed,api:=open"); err != nil || cfg.Cluster == nil {
		t.Fatalf("valid flags: %v", err)
	}
	if cfg, err := parse("--redis-sentinel", "10.0.0.1:26379,10.0.0.2:26379", "--redis-master", "edge", "--redis-sentinel-password-file", pw, "--redis-tls"); err != nil || cfg.Cluster == nil {
		t.Fatalf("valid sentinel flags: %v", err)
	}
	for _, c := range [][]string{
		{"--redis", "localhost"},
		{"--redis", "127.0.0.1:6379", "--redis-down", "sometimes"},
		{"--redis", "127.0.0.1:6379", "--redis-db", "-1"},
		{"--redis", "127.0.0.1:6379", "--redis-password-file", filepath.Join(t.TempDir(), "missing")},
		{"--redis", "127.0.0.1:6379", "--redis-tls-ca", pw},
		{"--redis-sentinel", "127.0.0.1:26379"},
		{"--redis-master", "edge"},
		{"--redis", "127.0.0.1:6379", "--redis-sentinel", "127.0.0.1:26379", "--redis-master", "edge"},
		{"--redis-sentinel", "127.0.0.1:26379,sentinel-b", "--redis-master", "edge"},
		{"--redis-sentinel", "127.0.0.1:26379", "--redis-master", "edge", "--redis-sentinel-password-file", filepath.Join(t.TempDir(), "missing")},
	} {
		if _, err := parse(c...); err == nil || !strings.Contains(err.Error(), "redis") {
			t.Errorf("%v: %v, want a refusal naming the flag", c, err)
		}
	}
}
