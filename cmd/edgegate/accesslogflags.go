package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/accesslog"
	"github.com/edgegate/edgegate/edge"
	"github.com/edgegate/edgegate/internal/flock"
)

// accessLogFlags are the access log's settings (README "Access log"): the
// edge writes it (edge, run), the admin searches it (DescribeLogSearch;
// run searches what its own edge writes, admin the directory it is given).
type accessLogFlags struct {
	dir     string
	maxSize string
	maxAge  time.Duration
	keep    int
	dirSet  bool // --access-log-dir was given (even empty)

	lg   *accesslog.Log // open: the edge's log
	lock *flock.Lock    // open: this process writes the directory
}

// accessLogLock in the directory is held by the process writing it: two
// writers would seal and index each other's open segment.
const accessLogLock = "writer.lock"

// registerDir registers --access-log-dir alone (admin: search only).
func (f *accessLogFlags) registerDir(fs *flag.FlagSet, usage string) {
	fs.StringVar(&f.dir, "access-log-dir", "", usage)
}

// register registers every access-log flag (edge, run).
func (f *accessLogFlags) register(fs *flag.FlagSet) {
	f.registerDir(fs, "directory of the access log: one JSON line per request, rotated segments access-<time>.log (default: no access log)")
	fs.StringVar(&f.maxSize, "access-log-max-size", "", "rotate a segment before it passes this size: bytes or with KiB, MiB, GiB (default 128MiB)")
	fs.DurationVar(&f.maxAge, "access-log-max-age", 0, "rotate a segment this old (default 1h)")
	fs.IntVar(&f.keep, "access-log-keep", 0, "rotated segments kept; the oldest are removed (default 168)")
}

// parsed notes whether --access-log-dir was given, after fs.Parse.
func (f *accessLogFlags) parsed(fs *flag.FlagSet) {
	fs.Visit(func(fl *flag.Flag) { f.dirSet = f.dirSet || fl.Name == "access-log-dir" })
}

// open starts the log when a directory is set and hands it to the edge
// (cfg.AccessLog); off otherwise. The caller calls close once the edge
// has stopped.
func (f *accessLogFlags) open(cfg *edge.Config, log *slog.Logger, note string) error {
	if f.dir == "" {
		return nil
	}
	size, err := parseSize(f.maxSize)
	if err != nil {
		return fmt.Errorf("--access-log-max-size: %w", err)
	}
	if f.maxAge < 0 || f.keep < 0 {
		return fmt.Errorf("--access-log-max-age and --access-log-keep must not be negative")
	}
	if err := os.MkdirAll(f.dir, 0o750); err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	path := filepath.Join(f.dir, accessLogLock)
	lk, err := flock.Acquire(path, note)
	if errors.Is(err, flock.ErrHeld) {
		return fmt.Errorf("access-log directory %s is written by %s (lock %s); give each gateway process its own --access-log-dir", f.dir, flock.Holder(path), path)
	}
	if err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	lg, err := accesslog.New(accesslog.Options{Dir: f.dir, MaxSize: size, MaxAge: f.maxAge, Keep: f.keep, Log: log})
	if err != nil {
		_ = lk.Release()
		return fmt.Errorf("access log: %w", err)
	}
	f.lg, f.lock, cfg.AccessLog = lg, lk, lg
	return nil
}

// searcher is a Searcher over the directory for DescribeLogSearch; nil
// when there is none (the Action answers UnsupportedOperation).
func (f *accessLogFlags) searcher() (*accesslog.Searcher, error) {
	if f.dir == "" {
		return nil, nil
	}
	return accesslog.OpenSearcher(f.dir)
}

// demoDefault turns the log on under data for `run --demo`, unless
// --access-log-dir was given (an empty one keeps it off).
func (f *accessLogFlags) demoDefault(data string) {
	if !f.dirSet {
		f.dir = filepath.Join(data, "access-log")
	}
}

// close seals and closes the log open started (if any) and lets go of
// its directory. The edge must have stopped.
func (f *accessLogFlags) close(log *slog.Logger) {
	if f.lg == nil {
		return
	}
	if err := f.lg.Close(); err != nil {
		log.Error("access log: close", "err", err)
	}
	_ = f.lock.Release()
	f.lg, f.lock = nil, nil
}

// parseSize reads "1048576", "512KiB", "64MiB" or "1GiB" ("" is 0: the
// default).
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	orig, mult := s, int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (4<<30)/mult {
		return 0, fmt.Errorf("%q: want a size from 1 byte to 4GiB (bytes, or with KiB, MiB, GiB)", orig)
	}
	return n * mult, nil
}

// accessLogStats serves the access log's counts on the admin listener,
// GET /stats/accesslog: lines written, records dropped by full rings
// (never blocking a loop), lines lost to write errors, segments sealed.
func accessLogStats(mux *http.ServeMux, lg *accesslog.Log) {
	if lg == nil {
		return
	}
	mux.HandleFunc("GET /stats/accesslog", func(w http.ResponseWriter, r *http.Request) {
		st := lg.Stats()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"written":%d,"dropped":%d,"lost":%d,"segments":%d}`+"\n", st.Written, st.Dropped, st.Lost, st.Segments)
	})
}
