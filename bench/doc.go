// Command bench is Edgegate's benchmark harness, run by `make bench`.
//
// It installs nginx, HAProxy, wrk and openssl with apt-get when they are missing,
// builds the gateway, and on loopback measures, in alternating rounds:
//
//   - Edgegate, nginx (proxy_pass, upstream keepalive) and HAProxy
//     (http-reuse always) proxying to one nginx `return 200` origin;
//     Each peer's CPU per request is split into user mode and kernel
//     (utime, stime), with the ceiling on Edgegate's per-core ratio that
//     cutting its own code alone could reach (report.go, cpuSplitTable);
//   - Edgegate's MOCK backend against nginx `return 200` as the server;
//   - RSS per idle keep-alive client connection (10,000 of them);
//   - the HTTPS part (issue 12; https.go): one ECDSA P-256 certificate made
//     per run and served by every peer; an openssl s_client probe of each
//     listener (protocol, cipher, group, verification, resumption); the
//     keep-alive proxy over TLS 1.3 with wrk; full and resumed TLS 1.3
//     handshakes per second with the harness's own generator (`bench
//     hsload`, tls13.go: a minimal client cheaper per handshake than the
//     server, so one load core saturates one server core); RSS per idle
//     TLS connection;
//   - the gzip part (issue 13; gzip.go): the origin's 16 KiB JSON body
//     through Edgegate's Compression plugin at gzip level 1 and through
//     nginx `gzip on; gzip_comp_level 1`, wrk sending Accept-Encoding:
//     gzip; req/s, p99 and CPU per request side by side.
//
// -only plain|https|gzip and -https=false select parts.
//
// Each peer's run of a round is cut into slices (-slices, default 5 of
// 2 s), run in cycles that alternate the peers, and summed (rounds.go):
// on a shared host whose speed drifts over tens of seconds, peers
// compared by a ratio then see the same stretches of it.
//
// A goal on two peers' per-core rates (full features, large tables,
// observability on/off) is judged on the ratio of their medians over the
// rounds; the report adds the median of the per-round ratios ("paired by
// round", each round's two runs back to back), which shows how much of a
// miss is the machine's phase.
//
// Every proxy under test gets the same CPU budget: one event loop, worker or
// thread, pinned with taskset to CPU 0; the origin and wrk share CPU 1.
// Results go to stdout (markdown), bench/results/latest.json, the CPU
// profiles' listings (bench/results/profile*.txt) and the marked section
// of BENCHMARKS.md.
//
// Threading model: the harness is a plain sequential program; the only
// goroutines are the RSS sampler, the idle-connection dialers and the waiters
// of child processes. The handshake generator is a child process (this
// binary with the argument hsload), one goroutine per connection in
// flight. Everything the harness starts (proxies, origin, wrk, the
// generator) runs in its own process group, is recorded or waited for, and
// is stopped on exit, failure or Ctrl-C. It only listens on and dials 127.0.0.1.
//
// It imports nothing from the gateway: the gateway is a binary under test.
// `make test` runs its unit tests (go test ./...): the wrk, s_client and
// generator output parsers, the medians, and the TLS 1.3 generator against
// crypto/tls on loopback (full, resumed, refused ticket, wrong certificate).
package main
