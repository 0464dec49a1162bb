package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// costSplit turns per-core figures into µs a request and splits the full
// path's extra into the features' and the access log's.
func TestCostSplit(t *testing.T) {
	pr := func(perCore float64) *peerResult { return &peerResult{Median: summary{PerCore: perCore}} }
	// 1e6/50,000 = 20 µs, 1e6/62,500 = 16 µs, 1e6/80,000 = 12.5 µs.
	got := costSplit(pr(50000), pr(62500), pr(80000))
	for _, want := range []string{"20.00 µs", "12.50 µs (+7.50 µs)", "add 3.50 µs (0.781×", "scraper 4.00 µs more"} {
		if !strings.Contains(got, want) {
			t.Errorf("costSplit: %q lacks %q", got, want)
		}
	}
	if got := costSplit(pr(50000), nil, pr(80000)); got != "" {
		t.Errorf("costSplit without the third peer: %q", got)
	}
	if got := costSplit(pr(50000), pr(0), pr(80000)); got != "" {
		t.Errorf("costSplit with an empty peer: %q", got)
	}
}

// TestResignScript runs wrk with the features part's script against a
// server that checks each request's signature independently: every one
// is valid, and X-Date follows the clock (a 3 s run spans at least three
// seconds), so the gateway's signature cache sees what a client signing
// each request would send.
func TestResignScript(t *testing.T) {
	wrkPath, err := exec.LookPath("wrk")
	if err != nil {
		t.Fatal("wrk is not installed (make deps installs it)")
	}
	var mu sync.Mutex
	dates := map[string]int{}
	var bad []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		xd := r.Header.Get("X-Date")
		m := hmac.New(sha1.New, []byte(benchKeySecret))
		m.Write([]byte("x-date: " + xd + "\nsource: " + r.Header.Get("Source")))
		want := `hmac id="` + benchKeyID + `", algorithm="hmac-sha1", headers="x-date source", signature="` +
			base64.StdEncoding.EncodeToString(m.Sum(nil)) + `"`
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != want || r.Header.Get("Source") != "bench" || r.Header.Get("Origin") != benchOrigin {
			bad = append(bad, fmt.Sprint(r.Header))
		}
		dates[xd]++
	}))
	defer srv.Close()
	p := &peer{port: srv.Listener.Addr().(*net.TCPAddr).Port, path: "/", label: "signature checker"}
	script := filepath.Join(t.TempDir(), "resign.lua")
	if err := os.WriteFile(script, []byte(resignScript), 0o644); err != nil {
		t.Fatal(err)
	}
	w, out, err := runWrkOn(context.Background(), wrkPath, p, 4, 3*time.Second, resignSpec(script, 3*time.Second))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Fatalf("%d of %d requests badly signed, the first: %s", len(bad), w.Requests, bad[0])
	}
	if len(dates) < 3 {
		t.Errorf("X-Dates seen in a 3 s run: %v, want at least 3 distinct", dates)
	}
	for xd := range dates {
		d, err := http.ParseTime(xd)
		if err != nil || time.Since(d) > time.Minute || time.Until(d) > time.Second {
			t.Errorf("X-Date %q is not the run's time", xd)
		}
	}
	if w.Requests < 100 {
		t.Errorf("only %d requests", w.Requests)
	}
}
