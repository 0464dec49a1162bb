package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// httpsResults is the HTTPS part of a run (issue 12).
type httpsResults struct {
	Certificate  *benchCerts    `json:"certificate"`
	Fairness     []string       `json:"fairness"`
	Probes       []tlsProbe     `json:"probes"`
	Proxy        []*peerResult  `json:"proxy"`
	Full         []*peerResult  `json:"full_handshakes"`
	Resumed      []*peerResult  `json:"resumed_handshakes"`
	Idle         []idleResult   `json:"idle_conns"`
	ProfileProxy *profileResult `json:"profile_proxy,omitempty"`
	ProfileFull  *profileResult `json:"profile_full_handshakes,omitempty"`
	Targets      []target       `json:"targets"`
}

// httpsFairness says what every HTTPS peer is configured to do.
var httpsFairness = []string{
	"One certificate per run, made by the harness: ECDSA P-256 leaf for `" + benchHost + "` signed by a self-signed ECDSA P-256 CA; every peer serves the same two files (leaf alone, PKCS #8 key).",
	"nginx: `listen … ssl`, `ssl_protocols TLSv1.3`, `ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256`, `ssl_ecdh_curve X25519`, `ssl_session_tickets on` (ticket key random per start), `ssl_session_timeout 1h`, no session cache. HAProxy: `bind … ssl crt` (leaf + key), `ssl-min-ver TLSv1.3`, `ciphersuites TLS_AES_128_GCM_SHA256`, `curves X25519`, `alpn http/1.1`, tickets on (its default).",
	"Edgegate: `--tls-listen` with `--tls-cert`/`--tls-key` (the default certificate), on the same event loop as `--listen`. It offers TLS 1.2 and 1.3 and, as crypto/tls, cannot restrict TLS 1.3 suites or groups: it picks AES-128-GCM first when the CPU has AES instructions and X25519 for a client whose only key share is X25519. Every client below offers TLS 1.3; the probe table shows what each peer negotiated.",
	"Keep-alive: wrk (OpenSSL 3.0, its default TLS 1.3 suites and groups: X25519 first) with -c64 over HTTPS to the proxy, plain HTTP keep-alive from the proxy to the same nginx origin and the same header rewriting as the plain proxy test (X-Forwarded-Proto is https).",
	"Handshakes: the harness's own TLS 1.3 generator (`bench hsload`, bench/tls13.go) pinned to CPU 1 with GOMAXPROCS=1, 32 connections in flight, each a new TCP connection, one `GET` with `Connection: close` answered by Edgegate's MOCK or nginx `return 200`, read to the server's close. It offers TLS_AES_128_GCM_SHA256, X25519, ALPN http/1.1, SNI, a 32-byte session id (compatibility mode, as OpenSSL and Go clients), checks both Finished MACs and that the leaf is the run's certificate, but does not verify the signature and reuses one X25519 key share: one scalar multiplication per handshake on the load side against the server's two plus a signature, so one load core can saturate one server core (a verifying client such as s_client or crypto/tls costs more per handshake than the server). Full: no PSK offered (the servers still issue tickets: nginx two, Edgegate one). Resumed: each connection offers the newest ticket its predecessor received (psk_dhe_ke, so an X25519 exchange still happens on both sides).",
}

// httpsPart runs issue 12's HTTPS benchmark: keep-alive proxying, full and
// resumed handshakes, idle TLS connections, all on one certificate.
func httpsPart(ctx context.Context, e *env, o *options, gmp string) (*httpsResults, error) {
	certs, err := writeBenchCerts(e.dir)
	if err != nil {
		return nil, fmt.Errorf("bench certificate: %w", err)
	}
	e.certs, e.https = certs, true
	defer func() { e.https = false }()
	h := &httpsResults{Certificate: certs, Fairness: httpsFairness}

	gateProxy, gateMock, gateAdmin, err := e.startEdgegate(ctx, "edgegate-tls", gmp, o.Profile)
	if err != nil {
		return nil, err
	}
	nginxProxy, err := e.startNginx(ctx, "nginx-proxy", "nginx-tls", "nginx", cpuUnderTest, proxyPath)
	if err != nil {
		return nil, err
	}
	nginxProxy.key = "nginx"
	haproxy, err := e.startHAProxy(ctx, "haproxy-tls")
	if err != nil {
		return nil, err
	}
	nginxReturn, err := e.startNginx(ctx, "nginx-return", "nginx-return-tls", "nginx return 200", cpuUnderTest, mockPath)
	if err != nil {
		return nil, err
	}
	nginxReturn.key = "nginx-return"
	all := []*peer{gateProxy, nginxProxy, haproxy, nginxReturn}

	// What each listener negotiates with a verifying OpenSSL client, and
	// whether it resumes (Edgegate's one listener serves both paths).
	for _, p := range []*peer{gateMock, nginxProxy, haproxy, nginxReturn} {
		t := probeTLS(ctx, e, p)
		logf("https probe %-16s %s %s %s %s, verify %s, second connection %s%s", p.label,
			t.Full.Protocol, t.Full.Cipher, t.Full.Group, t.Full.Signature, t.Full.Verify, t.Resumed.Session, problemSuffix(t.Problem))
		h.Probes = append(h.Probes, t)
	}

	logf("https proxy rounds: %d × %s (+%s warm-up) × 3 peers", o.Rounds, o.Duration, o.Warmup)
	if h.Proxy, err = runRounds(ctx, e, o, "https proxy", []*peer{gateProxy, nginxProxy, haproxy}, o.Rounds, o.Duration, wrkLoad); err != nil {
		return nil, err
	}
	servers := []*peer{gateMock, nginxReturn}
	logf("full handshake rounds: %d × %s (+%s warm-up) × 2 servers", o.Rounds, o.Duration, o.Warmup)
	if h.Full, err = runRounds(ctx, e, o, "full handshakes", servers, o.Rounds, o.Duration, handshakeLoad("full")); err != nil {
		return nil, err
	}
	logf("resumed handshake rounds: %d × %s (+%s warm-up) × 2 servers", o.Rounds, o.Duration, o.Warmup)
	if h.Resumed, err = runRounds(ctx, e, o, "resumed handshakes", servers, o.Rounds, o.Duration, handshakeLoad("resumed")); err != nil {
		return nil, err
	}
	if o.Profile {
		logf("profile: %d s CPU profiles of Edgegate during an extra HTTPS proxy run and an extra full-handshake run", profileSeconds)
		if h.ProfileProxy, err = profileRun(ctx, e, o, gateProxy, gateAdmin, wrkLoad); err != nil {
			return nil, err
		}
		if h.ProfileFull, err = profileRun(ctx, e, o, gateMock, gateAdmin, handshakeLoad("full")); err != nil {
			return nil, err
		}
	}
	for _, p := range all {
		e.sup.stop(p.proc)
	}
	if o.IdleConns > 0 {
		if h.Idle, err = idleTests(ctx, e, o, gmp); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func problemSuffix(p string) string {
	if p == "" {
		return ""
	}
	return "  PROBLEM: " + p
}

// computeTargets evaluates issue 12's performance goals. Throughput and
// handshakes are compared per core of the peer (its rate ÷ its CPU share,
// the median of each round's quotient): each peer is held to one core,
// and when the load side rather than the peer is the limit the raw rates
// stop measuring the peer. The raw ratio is shown beside it.
func (h *httpsResults) computeTargets() {
	h.Targets = nil
	perCore := func(name string, rs []*peerResult, eKey, nKey, unit string, goal float64) {
		t := target{Name: fmt.Sprintf("%s per core ≥ %.1f× nginx", name, goal), Status: "n/a"}
		e, n := find(rs, eKey), find(rs, nKey)
		if e != nil && n != nil && n.Median.PerCore > 0 && n.Median.RPS > 0 {
			t.Ratio = e.Median.PerCore / n.Median.PerCore
			t.Measured = fmt.Sprintf("%.3f× (%s vs %s %s per core; raw %.3f×: %s vs %s at %.0f%% vs %.0f%% CPU)",
				t.Ratio, fmtInt(e.Median.PerCore), fmtInt(n.Median.PerCore), unit,
				e.Median.RPS/n.Median.RPS, fmtInt(e.Median.RPS), fmtInt(n.Median.RPS), e.Median.ProxyCPUPct, n.Median.ProxyCPUPct)
			t.Status = status(t.Ratio >= goal)
		}
		h.Targets = append(h.Targets, t)
	}
	perCore("HTTPS keep-alive proxy throughput", h.Proxy, "edgegate", "nginx", "req/s", 1.0)

	t := target{Name: "HTTPS keep-alive proxy p99 ≤ nginx", Status: "n/a"}
	if e, n := find(h.Proxy, "edgegate"), find(h.Proxy, "nginx"); e != nil && n != nil && n.Median.P99Ms > 0 {
		t.Ratio = e.Median.P99Ms / n.Median.P99Ms
		t.Measured = fmt.Sprintf("%.3f× (%s vs %s)", t.Ratio, fmtMs(e.Median.P99Ms), fmtMs(n.Median.P99Ms))
		t.Status = status(e.Median.P99Ms <= n.Median.P99Ms)
	}
	h.Targets = append(h.Targets, t)

	perCore("full handshakes/s", h.Full, "edgegate-mock", "nginx-return", "/s", 0.8)
	perCore("resumed handshakes/s", h.Resumed, "edgegate-mock", "nginx-return", "/s", 1.0)

	t = target{Name: "RSS per idle TLS connection stated (goal ≤ 16 KiB)", Status: "n/a"}
	if ei := findIdle(h.Idle, "edgegate"); ei != nil && ei.Opened > 0 {
		t.Ratio = ei.PerConnKiB / 16
		t.Measured = fmt.Sprintf("%.2f KiB", ei.PerConnKiB)
		if ni := findIdle(h.Idle, "nginx"); ni != nil && ni.Opened > 0 {
			t.Measured += fmt.Sprintf(" (nginx %.2f KiB)", ni.PerConnKiB)
		}
		t.Status = status(ei.PerConnKiB <= 16)
	}
	h.Targets = append(h.Targets, t)
}

// markdown writes the HTTPS section.
func (h *httpsResults) markdown(b *strings.Builder, o *options) {
	sectionHead(b, "HTTPS (issue 12)", h.Fairness)
	fmt.Fprintf(b, "- Same placement as above: each peer on CPU 0 (1 event loop / worker / thread), wrk or the handshake generator (-conns %d) and the origin on CPU 1. \"Per peer core\" is the rate divided by the peer's CPU share (the median of each round's quotient): the rate one fully used core would give.\n", o.HSConns)

	b.WriteString("\n#### What each listener negotiated (openssl s_client with the run's CA, then again with the saved session)\n\n")
	b.WriteString("| peer | protocol | cipher | group | signature | ALPN | verify | second connection | problem |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range h.Probes {
		f := t.Full
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", t.Label, f.Protocol, f.Cipher, f.Group,
			f.Signature, f.ALPN, f.Verify, t.Resumed.Session, orNone(t.Problem))
	}

	for _, t := range []struct {
		title     string
		rs        []*peerResult
		key, unit string
	}{
		{"HTTPS keep-alive proxy → plain HTTP nginx origin (wrk -c" + strconv.Itoa(o.Conns) + " over TLS 1.3, 12-byte body)", h.Proxy, "edgegate", "req/s"},
		{"Full TLS 1.3 handshakes (ECDSA P-256, X25519; a new connection per request, answered by Edgegate MOCK / nginx `return 200`)", h.Full, "edgegate-mock", "handshakes/s"},
		{"Resumed TLS 1.3 handshakes (session ticket, psk_dhe_ke)", h.Resumed, "edgegate-mock", "handshakes/s"},
	} {
		fmt.Fprintf(b, "\n#### %s\n\n", t.title)
		peerTable(b, t.rs, t.key, t.unit, true)
	}
	idleAndTargets(b, o, "TLS", "a full TLS 1.3 handshake and one proxied GET", h.Idle, "Targets (issue 12)", h.Targets)
	if p := h.ProfileProxy; p != nil {
		profileMarkdown(b, "an extra HTTPS keep-alive proxy run", "req/s", p)
	}
	if p := h.ProfileFull; p != nil {
		profileMarkdown(b, "an extra full-handshake run", "handshakes/s", p)
	}
	if h.ProfileProxy != nil || h.ProfileFull != nil {
		b.WriteString("\nFull flat listings: `bench/results/profile-https-proxy.txt`, `bench/results/profile-https-handshakes.txt`.\n")
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
