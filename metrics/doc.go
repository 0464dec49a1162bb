// Package metrics is the gateway's /metrics: the Prometheus text
// exposition of the edge's per-loop counts (summed at scrape time by
// edge.Server's readers, edge/metrics.go), the IP prefilter's per-rule
// counters, the access log's counts, the control plane's certificate
// expiries, store size and revision, and the process's own metrics.
//
// It owns the metric names (families.go; DESIGN.md: edgegate_<area>_<name>,
// _total on counters, _seconds and _bytes in base units), their labels and
// the text writer. Labels carry configuration only (service, environment
// and API ids, error codes, rule names, backend addresses, certificate
// ids), never request data, so the number of series is bounded by what
// operators publish. The seed's monitoring catalogue (seed 000, 监控指标)
// maps onto the edgegate_api_* families (README, "Metrics").
//
// # Why the text is written here
//
// github.com/VictoriaMetrics/metrics models metrics as objects the code
// increments (Counter.Inc, Histogram.Update). The edge cannot use them on
// its request path (no shared atomic written by two loops: each loop
// counts in its own block and the reader sums them), and its latency
// histograms have fixed buckets (edge.LatencyBounds) that arrive already
// counted. Mirroring each sum into a VictoriaMetrics object at scrape time
// would keep a second copy of every series for nothing, so the Exporter
// writes the families itself, with HELP and TYPE lines and cumulative
// _bucket{le=...} lines, into one buffer reused between scrapes. It uses
// VictoriaMetrics for what it is made for: WriteProcessMetrics (process_*
// and go_* families, Sources.Process).
//
// The module is pinned at v1.35.1, not v1.40.2 or v1.45.0: those log
// "INFO: metrics: disable exposing PSI metrics ..." to stderr while the
// package initialises on any host without cgroup v2 pressure files, that
// is in every edgegate command, `edgegate ctl` included (its output is
// read by scripts and by the e2e tests). v1.35.1 writes the same process
// metrics and logs nothing at start.
//
// # Threading and cost
//
// Scrapes are serialised by one mutex (never taken by the edge); the
// readers the Exporter calls load each loop's counts atomically. A scrape
// allocates nothing per series once its buffers have grown: a new API's
// label set is rendered once and kept for the process's life, as the edge
// keeps the series (a counter must not vanish while Prometheus scrapes
// it). BenchmarkScrape1000APIs (1,000 API series in every per-API
// family, without the process metrics) on the 2-core development machine
// (2026-12-05, two runs): 0.95 to 1.23 ms, 416 B and 12 allocations per
// scrape for 5.8 MB of text (about 50 lines an API, 32 of them histogram
// lines). Prometheus scraping every 15 s costs one core under 0.01%;
// TestScrapeAllocsPerSeries holds the allocations flat in the number of
// series. The edge's side (EachAPI summing the loops) is edge's to measure.
//
// It imports edge, admin (for CertificateExpiry), bpf (RuleCounter) and
// accesslog (Stats) for their types; none of them imports it.
package metrics
