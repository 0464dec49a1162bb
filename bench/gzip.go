package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// jsonPath is where every gzip peer serves the 16 KiB JSON body.
const jsonPath = "/release/json"

// gzipFixture is the body the origin serves: compression/testdata's 16 KiB
// paginated JSON user list (16,013 bytes), the figure the compression
// package's benchmarks use too.
const gzipFixture = "compression/testdata/api16k.json"

// gzipResults is the gzip part of a run (issue 13): Edgegate's
// Compression plugin at gzip level 1 against nginx gzip_comp_level 1,
// proxying the same origin.
type gzipResults struct {
	Fairness  []string      `json:"fairness"`
	BodyBytes int           `json:"body_bytes"`
	Wire      []gzipWire    `json:"wire_bytes"` // one compressed response per peer, as the probe saw it
	Proxy     []*peerResult `json:"proxy"`
	Compare   []target      `json:"comparison"`
}

// gzipWire is the size of one peer's compressed response body.
type gzipWire struct {
	Label string `json:"label"`
	Bytes int    `json:"bytes"`
}

var gzipFairness = []string{
	"Origin: the same nginx origin serves `" + gzipFixture + "` (16,013 bytes, `Content-Type: application/json`, `Content-Length`) as a static file; each proxy rewrites `" + jsonPath + "` to `/api16k.json` with the same header rewriting as the plain proxy test and upstream keep-alive.",
	"wrk sends `Accept-Encoding: gzip` on every request; both peers answer gzip, chunked, `Vary: Accept-Encoding`.",
	"Edgegate: the Compression plugin on that API only, `{\"Enabled\":true,\"Codings\":[\"gzip\"],\"GzipLevel\":1,\"MinSize\":1024,\"Types\":[\"application/json\"]}` (klauspost/compress gzip level 1, streaming through the loop's pooled encoders). nginx: `gzip on; gzip_comp_level 1; gzip_min_length 1024; gzip_types application/json; gzip_vary on; gzip_proxied any; gzip_http_version 1.1;` (zlib, as Debian links it).",
	"CPU per request is the peer's CPU share over its req/s (the median of each round's quotient, as \"per peer core\"): what one response costs the peer, compression included.",
}

// gzipPart runs the gzip comparison: Edgegate and nginx each proxy the
// origin's JSON with gzip on, in alternating rounds.
func gzipPart(ctx context.Context, e *env, o *options, gmp, root string) (*gzipResults, error) {
	fixture, err := os.ReadFile(filepath.Join(root, gzipFixture))
	if err != nil {
		return nil, err
	}
	// The origin serves it from the run's directory (nginx workers run as nobody).
	if err := os.WriteFile(filepath.Join(e.dir, "api16k.json"), fixture, 0o644); err != nil {
		return nil, err
	}
	g := &gzipResults{Fairness: gzipFairness, BodyBytes: len(fixture)}
	gate, _, _, err := e.startEdgegate(ctx, "edgegate-gzip", gmp, false)
	if err != nil {
		return nil, err
	}
	defer e.sup.stop(gate.proc)
	nginx, err := e.startNginx(ctx, "nginx-proxy", "nginx-gzip", "nginx gzip", cpuUnderTest, proxyPath)
	if err != nil {
		return nil, err
	}
	defer e.sup.stop(nginx.proc)
	var peers []*peer
	for _, p := range []struct {
		base       *peer
		key, label string
	}{{gate, "edgegate-gzip", "Edgegate gzip-1"}, {nginx, "nginx-gzip", "nginx gzip_comp_level 1"}} {
		gp := *p.base
		gp.key, gp.label, gp.path, gp.gzip, gp.want = p.key, p.label, jsonPath, true, fixture
		if err := e.ready(ctx, &gp); err != nil {
			return nil, err
		}
		g.Wire = append(g.Wire, gzipWire{gp.label, gp.wireBytes})
		logf("gzip: %s answers %d bytes of gzip for %d", gp.label, gp.wireBytes, len(fixture))
		peers = append(peers, &gp)
	}
	logf("gzip rounds: %d × %s (+%s warm-up) × 2 peers", o.Rounds, o.Duration, o.Warmup)
	if g.Proxy, err = runRounds(ctx, e, o, "gzip", peers, o.Rounds, o.Duration, wrkLoad); err != nil {
		return nil, err
	}
	return g, nil
}

// checkGzipped is the probe of a gzip peer: a gzip-coded 200 with
// X-Request-Id whose decoded body is p.want. It records the coded size.
func checkGzipped(p *peer, resp *http.Response) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
		return fmt.Errorf("%s: got %d with Content-Encoding %q, want 200 gzip", p.label, resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	if resp.Header.Get("X-Request-Id") == "" {
		return fmt.Errorf("%s: response has no X-Request-Id", p.label)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("%s: %w", p.label, err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("%s: %w", p.label, err)
	}
	if !bytes.Equal(plain, p.want) {
		return fmt.Errorf("%s: decoded body of %d bytes differs from the origin's %d", p.label, len(plain), len(p.want))
	}
	p.wireBytes = len(raw)
	return nil
}

// cpuPerReqUs is the peer's CPU time per request in µs: its CPU share
// over its rate, from the per-core median (1 s of one core / per-core rate).
func cpuPerReqUs(s summary) float64 {
	if s.PerCore <= 0 {
		return 0
	}
	return 1e6 / s.PerCore
}

// compare states Edgegate beside nginx: throughput, p99 and CPU per
// request (the issue asks for them stated, with no goal).
func (g *gzipResults) compare() {
	g.Compare = nil
	e, n := find(g.Proxy, "edgegate-gzip"), find(g.Proxy, "nginx-gzip")
	if e == nil || n == nil || n.Median.RPS <= 0 || n.Median.P99Ms <= 0 {
		return
	}
	add := func(name string, ratio float64, measured string) {
		g.Compare = append(g.Compare, target{Name: name, Ratio: ratio, Measured: measured, Status: "stated"})
	}
	add("gzip throughput, Edgegate / nginx", e.Median.RPS/n.Median.RPS,
		fmt.Sprintf("%.3f× (%s vs %s req/s at %.0f%% vs %.0f%% CPU)", e.Median.RPS/n.Median.RPS, fmtInt(e.Median.RPS), fmtInt(n.Median.RPS), e.Median.ProxyCPUPct, n.Median.ProxyCPUPct))
	add("gzip throughput per peer core, Edgegate / nginx", e.Median.PerCore/n.Median.PerCore,
		fmt.Sprintf("%.3f× (%s vs %s req/s per core)", e.Median.PerCore/n.Median.PerCore, fmtInt(e.Median.PerCore), fmtInt(n.Median.PerCore)))
	add("gzip p99, Edgegate / nginx", e.Median.P99Ms/n.Median.P99Ms,
		fmt.Sprintf("%.3f× (%s vs %s)", e.Median.P99Ms/n.Median.P99Ms, fmtMs(e.Median.P99Ms), fmtMs(n.Median.P99Ms)))
	ec, nc := cpuPerReqUs(e.Median), cpuPerReqUs(n.Median)
	if nc > 0 {
		add("CPU per request, Edgegate / nginx", ec/nc, fmt.Sprintf("%.3f× (%.1f µs vs %.1f µs)", ec/nc, ec, nc))
	}
}

// markdown writes the gzip section.
func (g *gzipResults) markdown(b *strings.Builder, o *options) {
	sectionHead(b, "Response compression: gzip of a 16 KiB JSON body (issue 13)", g.Fairness)
	fmt.Fprintf(b, "- Same placement as above; wrk -t1 -c%d.\n", o.Conns)
	b.WriteString("\n#### Edgegate Compression plugin vs nginx `gzip on`, both gzip level 1\n\n")
	peerTable(b, g.Proxy, "edgegate-gzip", "req/s", true)
	b.WriteString("\n| peer | CPU per request | gzip body bytes (of " + fmtInt(float64(g.BodyBytes)) + ") |\n|---|--:|--:|\n")
	for _, p := range g.Proxy {
		w := 0
		for _, x := range g.Wire {
			if x.Label == p.Label {
				w = x.Bytes
			}
		}
		fmt.Fprintf(b, "| %s | %.1f µs | %s |\n", p.Label, cpuPerReqUs(p.Median), fmtInt(float64(w)))
	}
	targetTable(b, "Stated beside nginx (issue 13; no goal)", g.Compare)
}
