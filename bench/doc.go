// Command bench is Edgegate's benchmark harness, run by `make bench`.
//
// It installs nginx, HAProxy and wrk with apt-get when they are missing,
// builds the gateway, and on loopback measures, in alternating rounds:
//
//   - Edgegate, nginx (proxy_pass, upstream keepalive) and HAProxy
//     (http-reuse always) proxying to one nginx `return 200` origin;
//   - Edgegate's MOCK backend against nginx `return 200` as the server;
//   - RSS per idle keep-alive client connection (10,000 of them).
//
// Every proxy under test gets the same CPU budget: one event loop, worker or
// thread, pinned with taskset to CPU 0; the origin and wrk share CPU 1.
// Results go to stdout (markdown), bench/results/latest.json,
// bench/results/profile.txt and the marked section of BENCHMARKS.md.
//
// Threading model: the harness is a plain sequential program; the only
// goroutines are the RSS sampler, the idle-connection dialers and the waiters
// of child processes. Everything it starts (proxies, origin, wrk) runs in its
// own process group, is recorded by the supervisor and is stopped on exit,
// failure or Ctrl-C. It only listens on and dials 127.0.0.1.
//
// It imports nothing from the gateway: the gateway is a binary under test.
// It is not part of `make test`; its only test is the wrk-output parser.
package main
