package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/edgegate/edgegate/edge"
	"github.com/edgegate/edgegate/internal/flock"
)

// edgeLockFile in the data directory is held by the process that keeps an
// edge's state there (edge-revision.json, quota.json): `edgegate edge` and
// `edgegate run`. The admin's store has its own lock (admin/store).
const edgeLockFile = "edge.lock"

const reuseHint = "pass --reuse-port to share it for a planned handover"

// lockDataDir takes dir's edge lock, so that two edges, or an edge and
// `run`, never share one snapshot cache and quota file.
func lockDataDir(dir, note string) (*flock.Lock, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, edgeLockFile)
	lk, err := flock.Acquire(path, note)
	if errors.Is(err, flock.ErrHeld) {
		return nil, fmt.Errorf("data directory %s is in use by %s (lock %s); give each gateway process its own --data", dir, flock.Holder(path), path)
	}
	return lk, err
}

// startListening starts srv unless another process owns its address. Two
// checks, because gnet binds with SO_REUSEPORT and would share the port
// silently: a lock named after the address, held for the life of the
// process, orders gateways that start at the same moment and names the
// owner; edge.Server.Start then probes the address with a plain socket,
// which also finds owners that take no lock (other programs, another
// spelling of the address: ":8080" and "127.0.0.1:8080"). The window left
// is two gateways started at the same moment on two spellings of one
// address. With cfg.ReusePort neither check runs.
func startListening(srv *edge.Server, cfg *edge.Config, note string, log *slog.Logger) (*flock.Lock, error) {
	var lk *flock.Lock
	if path := listenLockPath(cfg.Listen); path != "" && !cfg.ReusePort {
		var err error
		lk, err = flock.Acquire(path, note)
		switch {
		case errors.Is(err, flock.ErrHeld):
			return nil, fmt.Errorf("%w: %s listens on %s; %s", edge.ErrAddrInUse, flock.Holder(path), cfg.Listen, reuseHint)
		case err != nil:
			log.Warn("no lock on the listen address; relying on the bind probe alone", "err", err)
		}
	}
	if err := srv.Start(); err != nil {
		_ = lk.Remove()
		if errors.Is(err, edge.ErrAddrInUse) {
			return nil, fmt.Errorf("%w; %s", err, reuseHint)
		}
		return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	return lk, nil
}

// listenLockPath names the lock of a listen address: in the temp directory
// (writable under the systemd unit's PrivateTmp, unlike /run/lock), keyed
// by network namespace (the same address in two namespaces is two
// addresses), host (wildcards as one) and port. "" for port 0: the kernel
// picks a free one.
func listenLockPath(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port == "0" || port == "" {
		return ""
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "any"
	}
	ns := ""
	if link, err := os.Readlink("/proc/self/ns/net"); err == nil { // "net:[4026531840]"
		ns = strings.Trim(strings.TrimPrefix(link, "net:"), "[]") + "-"
	}
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, ns+host+"-"+port)
	return filepath.Join(os.TempDir(), "edgegate-listen-"+name+".lock")
}
