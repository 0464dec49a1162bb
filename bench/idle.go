package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// idleResult is the RSS cost of idle keep-alive client connections.
type idleResult struct {
	Key        string  `json:"key"`
	Label      string  `json:"label"`
	Wanted     int     `json:"wanted"`
	Opened     int     `json:"opened"` // connections that got a 200 and stayed open
	Failed     int     `json:"failed"`
	BeforeKiB  int64   `json:"rss_before_kib"`
	AfterKiB   int64   `json:"rss_after_kib"`
	PerConnKiB float64 `json:"kib_per_conn"`
	OpenSecs   float64 `json:"open_seconds"`
}

// idleSettle is how long the connections sit idle before RSS is read.
const idleSettle = 3 * time.Second

// idleTest opens n connections to p, sends one request on each (so each is
// a served keep-alive connection, with the proxy's per-connection state
// and buffers as they are after a request), waits, and reports the RSS
// growth per connection. p is expected to be a fresh process.
func idleTest(ctx context.Context, p *peer, n int) (idleResult, error) {
	res := idleResult{Key: p.key, Label: p.label, Wanted: n}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	// A few requests first, so lazily built state (upstream pool, caches)
	// is in "before".
	for range 50 {
		if err := probe(ctx, p); err != nil {
			return res, fmt.Errorf("idle warm-up on %s: %w", p.label, err)
		}
	}
	time.Sleep(time.Second)
	pids := procTree(p.proc.Pid())
	res.BeforeKiB = treeRSS(pids)

	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	var failed atomic.Int64
	var errMu sync.Mutex
	var firstErr error
	idx := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				c, err := openIdle(ctx, p)
				if err != nil {
					failed.Add(1)
					errMu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					errMu.Unlock()
					continue
				}
				conns[i] = c
			}
		}()
	}
feed:
	for i := range n {
		select {
		case idx <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(idx)
	wg.Wait()
	res.OpenSecs = time.Since(start).Seconds()
	if ctx.Err() != nil {
		return res, fmt.Errorf("idle connections to %s: %w", p.label, ctx.Err())
	}
	res.Failed = int(failed.Load())
	res.Opened = n - res.Failed
	if res.Failed > 0 {
		logf("warning: %d of %d idle connections to %s failed; first error: %v", res.Failed, n, p.label, firstErr)
	}
	if res.Opened == 0 {
		return res, fmt.Errorf("no idle connection to %s could be opened: %v", p.label, firstErr)
	}

	select {
	case <-time.After(idleSettle):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	if p.proc.Exited() {
		return res, fmt.Errorf("%s exited holding idle connections: %v\n%s", p.label, p.proc.err, p.proc.logTail())
	}
	res.AfterKiB = treeRSS(procTree(p.proc.Pid()))
	res.PerConnKiB = float64(res.AfterKiB-res.BeforeKiB) / float64(res.Opened)
	return res, nil
}

// openIdle dials p, does one GET on the connection (over TLS for an
// HTTPS peer) and returns it open.
func openIdle(ctx context.Context, p *peer) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", p.port))
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(15 * time.Second))
	if p.tls != nil { // a full TLS 1.3 handshake, then the request over it
		tc := tls.Client(c, p.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, err
		}
		c = tc
	}
	req := "GET " + p.path + " HTTP/1.1\r\nHost: " + benchHost + "\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 512), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || string(b) != body || resp.Close {
		c.Close()
		return nil, fmt.Errorf("idle request: status %d, body %q, close %v, err %v", resp.StatusCode, b, resp.Close, err)
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}
