package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"text/template"
	"time"

	"github.com/edgegate/edgegate/internal/freeport"
)

const (
	// benchHost is the Host every request carries: Edgegate routes on it
	// (service-bench's default domain); nginx and HAProxy ignore it.
	benchHost = "service-bench.localhost"
	proxyPath = "/release/proxy"
	mockPath  = "/release/mock"
	body      = "hello world\n"

	cpuUnderTest = 0 // the proxy or server being measured
	cpuLoad      = 1 // wrk and the origin
)

// Placement describes where everything runs, for the report.
const placement = "proxy/server under test: `taskset -c 0` (1 event loop / 1 worker / 1 thread); " +
	"origin nginx and wrk (-t1): `taskset -c 1`; harness unpinned (idle during runs apart from a 200 ms RSS sampler)"

// fairness lists what each peer is configured to do per request, so the
// comparison does the same work.
var fairness = []string{
	"Every proxy rewrites `/release/proxy` to `/`, sets the upstream Host, appends X-Forwarded-For and sets X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host and a fresh X-Request-Id upstream, and returns X-Request-Id downstream (nginx: `proxy_set_header` with `$request_id` and `add_header`; HAProxy: `option forwardfor`, `set-header` with `uuid()` kept in a txn variable).",
	"Upstream keep-alive: Edgegate's per-loop pool; nginx `upstream { keepalive 64; }`, `proxy_http_version 1.1`, `proxy_set_header Connection \"\"`; HAProxy `http-reuse always`.",
	"No access logs anywhere; nginx `keepalive_requests` raised to 100M on client and upstream sides (its default of 1,000 would make wrk reconnect and the origin close pooled connections).",
	"Mock: Edgegate's MOCK backend vs nginx `return 200 \"hello world\\n\"` with `add_header X-Request-Id $request_id` (Edgegate sends X-Request-Id on every response), both text/plain, 12-byte body.",
}

// peer is one HTTP or HTTPS server the harness talks to.
type peer struct {
	key   string // stable id in latest.json
	label string // shown in tables
	port  int
	path  string // request path wrk uses
	proc  *proc
	tls   *tls.Config // HTTPS: how the harness's own clients connect; nil: plain HTTP
	// gzip: the peer answers a 16 KiB JSON body gzip-compressed (gzip.go);
	// wrk and the probe send Accept-Encoding: gzip, the probe checks the
	// decoded body and records wireBytes, the compressed size.
	gzip      bool
	want      []byte
	wireBytes int
	// sharedCPU0: the peer shares CPU 0 with the load by design (the
	// scaling part's 2 loops), so busy time there is not other tenants and
	// a run is never measured again for it (-retries).
	sharedCPU0 bool
}

func (p *peer) url() string {
	scheme := "http"
	if p.tls != nil {
		scheme = "https"
	}
	return fmt.Sprintf("%s://127.0.0.1:%d%s", scheme, p.port, p.path)
}

// freePort is an unused loopback port, never one handed out before in
// this run (internal/freeport).
func freePort() (int, error) { return freeport.Get() }

// tmplData feeds the configuration templates.
type tmplData struct {
	Dir        string
	Name       string
	Role       string // of the "nginx" template: origin, nginx-proxy or nginx-return
	Port       int
	OriginPort int
	Body       string
	MaxConns   int // nginx worker_connections, HAProxy maxconn
	// The full-feature part's key pair and CORS origin (features.go).
	KeyID, KeySecret, CORSOrigin string
	Nofile                       uint64      // RLIMIT_NOFILE the harness could get; the peers inherit it
	Certs                        *benchCerts // non-nil: the listener speaks TLS with these files
}

var confTemplates = template.Must(template.New("").Parse(`
{{define "nginx-head"}}# {{.Name}}: written by edgegate bench
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile {{.Nofile}};
pid {{.Dir}}/{{.Name}}.pid;
error_log {{.Dir}}/{{.Name}}.error.log warn;
events {
    worker_connections {{.MaxConns}};
    use epoll;
}
{{end}}
{{define "nginx-http-head"}}
    access_log off;
    default_type text/plain;
    client_body_temp_path {{.Dir}}/{{.Name}}-tmp/body;
    proxy_temp_path {{.Dir}}/{{.Name}}-tmp/proxy;
    fastcgi_temp_path {{.Dir}}/{{.Name}}-tmp/fastcgi;
    uwsgi_temp_path {{.Dir}}/{{.Name}}-tmp/uwsgi;
    scgi_temp_path {{.Dir}}/{{.Name}}-tmp/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 75s;
{{end}}

{{/* origin (return 200 at /), nginx-proxy (to the origin), nginx-return (return 200 at /release/mock) */}}
{{define "nginx"}}{{template "nginx-head" .}}
http {
{{- template "nginx-http-head" .}}
{{- if eq .Role "nginx-proxy"}}
    upstream origin {
        server 127.0.0.1:{{.OriginPort}};
        keepalive 64;
        keepalive_requests 100000000;
        keepalive_timeout 60s;
    }
{{- end}}
    server {
        listen 127.0.0.1:{{.Port}}{{if .Certs}} ssl{{end}} backlog=4096;
{{- if .Certs}}
        ssl_certificate {{.Certs.CertFile}};
        ssl_certificate_key {{.Certs.KeyFile}};
        ssl_protocols TLSv1.3;
        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
        ssl_ecdh_curve X25519;
        ssl_session_tickets on;
        ssl_session_timeout 1h;
{{- end}}
{{- if eq .Role "nginx-proxy"}}
        location /release/proxy {
            proxy_pass http://origin/;
{{- template "nginx-proxy-fields" .}}
        }
        # The gzip part (gzip.go): the 16 KiB JSON, compressed as
        # compression/doc.go says nginx must be set for a like-for-like test.
        location = /release/json {
            proxy_pass http://origin/api16k.json;
{{- template "nginx-proxy-fields" .}}
            gzip on;
            gzip_comp_level 1;
            gzip_min_length 1024;
            gzip_types application/json;
            gzip_vary on;
            gzip_proxied any;
            gzip_http_version 1.1;
        }
{{- else if eq .Role "nginx-return"}}
        location /release/mock {
            add_header X-Request-Id $request_id always;
            return 200 "hello world\n";
        }
{{- else}}
        location / {
            return 200 "hello world\n";
        }
        location = /api16k.json {
            types { }
            default_type application/json;
            root {{.Dir}};
        }
{{- end}}
    }
}
{{end}}

{{define "nginx-proxy-fields"}}
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host 127.0.0.1:{{.OriginPort}};
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Request-Id $request_id;
            add_header X-Request-Id $request_id always;
{{- end}}

{{define "haproxy"}}# {{.Name}}: written by edgegate bench; no log lines, so no logging
global
    nbthread 1
    maxconn {{.MaxConns}}
    # HAProxy reserves two descriptors per connection (maxsock); with
    # upstream reuse only a few more than maxconn are used, and the hard
    # limit may not be raisable here, so run with what there is.
    ulimit-n {{.Nofile}}
    no strict-limits

defaults
    mode http
    maxconn {{.MaxConns}}
    timeout connect 5s
    timeout client 60s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 60s

frontend fe
    bind 127.0.0.1:{{.Port}} backlog 4096{{if .Certs}} ssl crt {{.Certs.ComboFile}} alpn http/1.1 ssl-min-ver TLSv1.3 ciphersuites TLS_AES_128_GCM_SHA256 curves X25519{{end}}
    option forwardfor
    http-request set-var(txn.rid) uuid()
    http-request set-header X-Request-Id %[var(txn.rid)]
    http-request set-header X-Real-IP %[src]
    http-request set-header X-Forwarded-Proto {{if .Certs}}https{{else}}http{{end}}
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    http-response set-header X-Request-Id %[var(txn.rid)]
    use_backend origin if { path_beg /release/proxy }

backend origin
    http-reuse always
    http-request replace-path ^/release/proxy/?(.*) /\1
    http-request set-header Host 127.0.0.1:{{.OriginPort}}
    server origin 127.0.0.1:{{.OriginPort}}
{{end}}

{{define "edgegate"}}# {{.Name}}: written by edgegate bench
Services:
  - ServiceId: service-bench
    Apis:
      - ApiId: api-proxy
        RequestConfig: {Path: /proxy, Method: ANY}
        ServiceType: HTTP
        ServiceTimeout: 10
        ServiceConfig: {Url: "http://127.0.0.1:{{.OriginPort}}", Path: /}
      - ApiId: api-mock
        RequestConfig: {Path: /mock, Method: GET}
        ServiceType: MOCK
        ServiceMockReturnMessage: "hello world\n"
      - ApiId: api-json
        RequestConfig: {Path: /json, Method: GET}
        ServiceType: HTTP
        ServiceTimeout: 10
        ServiceConfig: {Url: "http://127.0.0.1:{{.OriginPort}}", Path: /api16k.json}
      - ApiId: api-full
        RequestConfig: {Path: /full, Method: ANY}
        AuthType: SECRET
        ServiceType: HTTP
        ServiceTimeout: 10
        ServiceConfig: {Url: "http://127.0.0.1:{{.OriginPort}}", Path: /}
# The full-feature part (features.go): api-full takes key-pair auth under a
# usage plan with a QPS cap and a quota, a TrafficControl plugin (API and
# per-IP limits) and CORS; every limit is far above the load.
Access:
  Keys:
    - {SecretId: {{.KeyID}}, SecretKey: {{.KeySecret}}, Status: 1}
  Plans:
    - UsagePlanId: usagePlan-bench
      MaxRequestNum: 999999999999
      MaxRequestNumPreSec: 100000000
      SecretIds: [{{.KeyID}}]
      Bindings: [{ServiceId: service-bench, Environment: release, ApiId: api-full}]
# The gzip part (gzip.go): the Compression plugin on api-json only, gzip
# level 1 as nginx's gzip_comp_level 1, MinSize and types as its settings.
Traffic:
  Plugins:
    - PluginId: plugin-gzip
      PluginType: Compression
      PluginData: '{"Enabled":true,"Codings":["gzip"],"GzipLevel":1,"MinSize":1024,"Types":["application/json"]}'
      Attachments: [{ServiceId: service-bench, Environment: release, ApiId: api-json}]
    - PluginId: plugin-flow
      PluginType: TrafficControl
      PluginData: '{"expire_type":"second","api_rate_limit":100000000,"ip_rate_limit":100000000}'
      Attachments: [{ServiceId: service-bench, Environment: release, ApiId: api-full}]
    - PluginId: plugin-cors
      PluginType: Cors
      PluginData: '{"allow_origin":["{{.CORSOrigin}}"],"allow_methods":["GET","POST"],"allow_headers":["X-Date","Source","Authorization"],"expose_headers":["X-Request-Id"],"max_age":600}'
      Attachments: [{ServiceId: service-bench, Environment: release, ApiId: api-full}]
{{end}}
`))

// maxConns sizes nginx worker_connections and HAProxy maxconn: the
// idle-connection test plus upstream connections and slack (≥ 10,100 for
// 10,000 idle connections).
func maxConns(idle int) int {
	return max(4096, idle+1024)
}

// env is what starting peers needs: where things are and who supervises.
type env struct {
	dir    string
	tools  map[string]string
	gate   string // edgegate binary
	ioMode string // --io-batching for every Edgegate peer ("": the default)
	sup    *supervisor
	idle   int
	nofile uint64
	origin *peer
	certs  *benchCerts // the HTTPS part's certificate (nil before it)
	// https: peers started from now on (not the origin) listen with TLS
	// on certs; set by the HTTPS part.
	https bool
}

// clientTLS is how the harness's own clients (readiness, idle
// connections) speak to the HTTPS peers: the run's CA, the bench host
// name, TLS 1.3 with X25519 only (Go would otherwise offer
// X25519MLKEM768, which Edgegate would pick and nginx cannot), no
// resumption.
func (e *env) clientTLS() *tls.Config {
	if !e.https {
		return nil
	}
	pool := x509.NewCertPool()
	if ca, err := os.ReadFile(e.certs.CAFile); err == nil {
		pool.AppendCertsFromPEM(ca)
	}
	return &tls.Config{
		RootCAs:          pool,
		ServerName:       benchHost,
		MinVersion:       tls.VersionTLS13,
		CurvePreferences: []tls.CurveID{tls.X25519},
		NextProtos:       []string{"http/1.1"},
	}
}

func (e *env) writeConf(tmpl, name string, d tmplData) (string, error) {
	d.Dir, d.Name, d.Body = e.dir, name, body
	d.KeyID, d.KeySecret, d.CORSOrigin = benchKeyID, benchKeySecret, benchOrigin
	if d.MaxConns == 0 {
		d.MaxConns = maxConns(e.idle)
	}
	d.Nofile = e.nofile
	if e.https && d.Role != "origin" {
		d.Certs = e.certs
	}
	var b bytes.Buffer
	if err := confTemplates.ExecuteTemplate(&b, tmpl, d); err != nil {
		return "", err
	}
	ext := ".conf"
	if tmpl == "edgegate" {
		ext = ".yaml"
	}
	path := filepath.Join(e.dir, name+ext)
	return path, os.WriteFile(path, b.Bytes(), 0o644)
}

func (e *env) originPort() int {
	if e.origin == nil {
		return 0
	}
	return e.origin.port
}

// startNginx starts an nginx master with one worker in role (origin,
// nginx-proxy or nginx-return: the "nginx" template).
func (e *env) startNginx(ctx context.Context, role, name, label string, cpu int, path string) (*peer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	conf, err := e.writeConf("nginx", name, tmplData{Role: role, Port: port, OriginPort: e.originPort()})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(e.dir, name+"-tmp"), 0o755); err != nil {
		return nil, err
	}
	p, err := e.sup.start(name, cpu, nil, filepath.Join(e.dir, name+".log"),
		e.tools["nginx"], "-p", e.dir, "-e", filepath.Join(e.dir, name+".error.log"), "-c", conf)
	if err != nil {
		return nil, err
	}
	pr := &peer{key: name, label: label, port: port, path: path, proc: p}
	if role != "origin" {
		pr.tls = e.clientTLS()
	}
	return pr, e.ready(ctx, pr)
}

// startOrigin starts the nginx `return 200` origin on the load CPU.
func (e *env) startOrigin(ctx context.Context) error {
	p, err := e.startNginx(ctx, "origin", "origin", "origin nginx", cpuLoad, "/")
	if err != nil {
		return err
	}
	e.origin = p
	return nil
}

// startHAProxy starts HAProxy with one thread on the CPU under test.
func (e *env) startHAProxy(ctx context.Context, name string) (*peer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	conf, err := e.writeConf("haproxy", name, tmplData{Port: port, OriginPort: e.originPort()})
	if err != nil {
		return nil, err
	}
	p, err := e.sup.start(name, cpuUnderTest, nil, filepath.Join(e.dir, name+".log"),
		e.tools["haproxy"], "-db", "-f", conf)
	if err != nil {
		return nil, err
	}
	pr := &peer{key: "haproxy", label: "HAProxy", port: port, path: proxyPath, proc: p, tls: e.clientTLS()}
	return pr, e.ready(ctx, pr)
}

// startEdgegate starts the gateway with one event loop on the CPU under
// test and the given GOMAXPROCS; with e.https the peers it returns are its
// --tls-listen (on the run's certificate as --tls-cert/--tls-key). extra
// flags go to `edgegate run` as they are.
func (e *env) startEdgegate(ctx context.Context, name, gomaxprocs string, pprof bool, extra ...string) (*peer, *peer, int, error) {
	return e.startEdgegateOn(ctx, name, gomaxprocs, cpuUnderTest, pprof, extra...)
}

// startEdgegateOn is startEdgegate pinned to cpu (-1: unpinned).
func (e *env) startEdgegateOn(ctx context.Context, name, gomaxprocs string, cpu int, pprof bool, extra ...string) (*peer, *peer, int, error) {
	port, err := freePort()
	if err != nil {
		return nil, nil, 0, err
	}
	admin, err := freePort()
	if err != nil {
		return nil, nil, 0, err
	}
	conf, err := e.writeConf("edgegate", name, tmplData{Port: port, OriginPort: e.originPort()})
	if err != nil {
		return nil, nil, 0, err
	}
	args := []string{e.gate, "run",
		"--config", conf,
		"--data", filepath.Join(e.dir, name+"-data"),
		"--listen", "127.0.0.1:" + strconv.Itoa(port),
		"--admin-listen", "127.0.0.1:" + strconv.Itoa(admin),
		"--loops", "1",
		"--drain-timeout", "1s",
	}
	if pprof {
		args = append(args, "--pprof")
	}
	if e.ioMode != "" {
		args = append(args, "--io-batching", e.ioMode) // extra's own mode, later, wins
	}
	args = append(args, extra...)
	if e.https {
		if port, err = freePort(); err != nil {
			return nil, nil, 0, err
		}
		args = append(args, "--tls-listen", "127.0.0.1:"+strconv.Itoa(port),
			"--tls-cert", e.certs.CertFile, "--tls-key", e.certs.KeyFile)
	}
	p, err := e.sup.start(name, cpu, []string{"GOMAXPROCS=" + gomaxprocs}, filepath.Join(e.dir, name+".log"), args...)
	if err != nil {
		return nil, nil, 0, err
	}
	proxy := &peer{key: "edgegate", label: "Edgegate", port: port, path: proxyPath, proc: p, tls: e.clientTLS()}
	mock := &peer{key: "edgegate-mock", label: "Edgegate mock", port: port, path: mockPath, proc: p, tls: proxy.tls}
	if err := e.ready(ctx, proxy); err != nil {
		return nil, nil, 0, err
	}
	return proxy, mock, admin, e.ready(ctx, mock)
}

// ready waits (bounded) until the peer answers its path with 200 and the
// expected body; proxies and mocks must also return X-Request-Id.
func (e *env) ready(ctx context.Context, p *peer) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second) // large configurations take seconds to load
	defer cancel()
	var last error
	for {
		if p.proc.Exited() {
			return fmt.Errorf("%s exited during start-up: %v\n%s", p.proc.name, p.proc.err, p.proc.logTail())
		}
		last = probe(ctx, p)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready on %s: %v\n%s", p.proc.name, p.url(), last, p.proc.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

var probeClient = &http.Client{
	Timeout:   2 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
}

func probe(ctx context.Context, p *peer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url(), nil)
	if err != nil {
		return err
	}
	req.Host = benchHost
	c := probeClient
	if p.tls != nil {
		c = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			DisableKeepAlives: true, Proxy: nil, TLSClientConfig: p.tls, ForceAttemptHTTP2: false,
		}}
	}
	if p.gzip {
		req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport leaves the body coded
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if p.gzip {
		return checkGzipped(p, resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || string(b) != body {
		return fmt.Errorf("got %d %q, want 200 %q", resp.StatusCode, b, body)
	}
	if p.key != "origin" && resp.Header.Get("X-Request-Id") == "" {
		return fmt.Errorf("%s: response has no X-Request-Id", p.label)
	}
	return nil
}
