package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// obsResults is the observability part of a run (issue 13): the same
// Edgegate proxy with /metrics scraped and the access log on, against one
// with neither, in alternating rounds.
type obsResults struct {
	partRounds
	// Scrapes of the observed peer's /metrics during the part, the series
	// (sample lines) of the last one and its size.
	Scrapes     int      `json:"scrapes"`
	ScrapeFails int      `json:"scrape_failures"`
	Series      int      `json:"series"`
	ScrapeBytes int      `json:"scrape_bytes"`
	LogWritten  int64    `json:"log_written"`
	LogDropped  int64    `json:"log_dropped"`
	Compare     []target `json:"comparison"`
}

// obsScrapeEvery is the scraper's interval: 15× Prometheus's default of
// 15 s, so the cost measured is an upper bound.
const obsScrapeEvery = time.Second

var obsFairness = []string{
	"Both peers are `edgegate run` with the plain proxy test's configuration, one event loop on CPU 0, proxying the same nginx origin. The per-request counting behind /metrics is always on (it has no switch); \"off\" is no access log and no scraper, \"on\" is `--access-log-dir` (JSON lines, default rotation, on the same disk as the run's directory) and a scraper fetching `/metrics` from the admin listener every second through the whole part (Prometheus's default interval is 15 s).",
	"The ratio that counts is per peer core (the peer's req/s over its CPU share): when the load side saturates CPU 1, raw req/s hides what the observation costs.",
}

// obsPart runs the observability comparison.
func obsPart(ctx context.Context, e *env, o *options, gmp string) (*obsResults, error) {
	g, err := e.startPair(ctx, gmp, "edgegate-obs-off", "Edgegate, observation off", "edgegate-obs-on", "Edgegate, metrics + access log on")
	defer e.stopAll(g.procs)
	if err != nil {
		return nil, err
	}
	ob, r := g.observe(ctx), &obsResults{partRounds: partRounds{Fairness: obsFairness}}
	off, on := g.plain, g.observed
	if r.Proxy, err = ob.rounds(ctx, e, o, "obs", "observability", []*peer{on, off}, wrkLoad); err != nil {
		return nil, err
	}
	sc := ob.scrapes
	r.Scrapes, r.ScrapeFails, r.Series, r.ScrapeBytes = sc.Scrapes, sc.ScrapeFails, sc.Series, sc.ScrapeBytes
	r.LogWritten, r.LogDropped = ob.written, ob.dropped
	logf("observability: %d scrapes (%d series, %d bytes), access log %d lines, %d dropped", r.Scrapes, r.Series, r.ScrapeBytes, r.LogWritten, r.LogDropped)
	return r, nil
}

// scrapeLoop fetches url every obsScrapeEvery until ctx ends, as a
// Prometheus server would.
func (r *obsResults) scrapeLoop(ctx context.Context, url string) {
	t := time.NewTicker(obsScrapeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		series, size, err := scrape(ctx, url)
		if err != nil {
			if ctx.Err() == nil {
				r.ScrapeFails++
			}
			continue
		}
		r.Scrapes++
		r.Series, r.ScrapeBytes = series, size
	}
}

// scrape fetches one exposition and counts its sample lines.
func scrape(ctx context.Context, url string) (series, size int, err error) {
	err = fetch(ctx, url, func(body io.Reader) error {
		sc := bufio.NewScanner(body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			size += len(line) + 1
			if line != "" && !strings.HasPrefix(line, "#") {
				series++
			}
		}
		return sc.Err()
	})
	return series, size, err
}

func getJSON(ctx context.Context, url string, v any) error {
	return fetch(ctx, url, func(body io.Reader) error { return json.NewDecoder(body).Decode(v) })
}

// fetch GETs url (bounded to 5 s) and hands a 200's body to read.
func fetch(ctx context.Context, url string, read func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return read(resp.Body)
}

// compare checks issue 13's goal: throughput with metrics + access log on
// ≥ 0.95× with both off, per peer core (raw stated beside it).
func (r *obsResults) compare() {
	r.Compare = nil
	on, off := find(r.Proxy, "edgegate-obs-on"), find(r.Proxy, "edgegate-obs-off")
	if r.Compare = perCoreTargets("proxy throughput with metrics + access log on ≥ 0.95× both off (per core)", on, off, 0.95); r.Compare == nil {
		return
	}
	if off.Median.P99Ms > 0 {
		r.Compare = append(r.Compare, target{
			Name:     "p99 with observation on / off (stated)",
			Ratio:    on.Median.P99Ms / off.Median.P99Ms,
			Measured: fmt.Sprintf("%.3f× (%s vs %s)", on.Median.P99Ms/off.Median.P99Ms, fmtMs(on.Median.P99Ms), fmtMs(off.Median.P99Ms)),
			Status:   "stated",
		})
	}
}

// markdown writes the observability section.
func (r *obsResults) markdown(b *strings.Builder, o *options) {
	sectionHead(b, "Observability on vs off (issue 13)", r.Fairness)
	fmt.Fprintf(b, "- Same placement as above; wrk -t1 -c%d. During the part: %d scrapes (%d failed), the last one %s sample lines in %s bytes; the access log wrote %s lines and dropped %s.\n",
		o.Conns, r.Scrapes, r.ScrapeFails, fmtInt(float64(r.Series)), fmtInt(float64(r.ScrapeBytes)), fmtInt(float64(r.LogWritten)), fmtInt(float64(r.LogDropped)))
	b.WriteString("\n#### Proxy → nginx origin, observed (first row) and not\n\n")
	peerTable(b, r.Proxy, "edgegate-obs-on", "req/s", true)
	targetTable(b, "Target (issue 13)", r.Compare)
}
