package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The full-feature part (issue 18): the same proxy route with key-pair
// auth, a usage plan, a flow-control plugin, CORS, metrics scraped and the
// access log on, against the plain proxy with all of it off.

const (
	benchKeyID     = "AKIDbench"
	benchKeySecret = "bench-secret-0123456789"
	benchOrigin    = "https://app.example.com"
	fullPath       = "/release/full"
)

// featuresResults is the full-feature part.
type featuresResults struct {
	partRounds
	Scrapes     int      `json:"scrapes"`
	ScrapeFails int      `json:"scrape_failures"`
	LogWritten  int64    `json:"log_written"`
	LogDropped  int64    `json:"log_dropped"`
	Compare     []target `json:"comparison"`
	// Split is where the full path's added cost goes: the features
	// without the access log (a third peer) and the log with scraping.
	Split string `json:"split,omitempty"`
	// Profile is the full-feature gateway's CPU profile during an extra
	// run (with -profile), written to bench/results/profile-features.txt.
	Profile *profileResult `json:"profile,omitempty"`
}

var featuresFairness = []string{
	"The peers are `edgegate run` with the plain test's configuration, one event loop on CPU 0, proxying the same nginx origin. Plain: `" + proxyPath + "` (no auth, no plugin), no access log, no scraper. Full: `" + fullPath + "`, the same backend behind key-pair auth (`AuthType: SECRET`, HMAC-SHA1 over `x-date source`) under a usage plan with a QPS cap and a quota, a TrafficControl plugin with API and per-IP limits and a CORS plugin (every limit far above the load, so every call is admitted and counted against five rules), `--access-log-dir` on and `/metrics` scraped every second. A third peer runs the full route without the access log and unscraped, to split the added cost.",
	"wrk sends the signed headers (`X-Date`, `Source`, `Authorization`) and `Origin: " + benchOrigin + "` to every peer, so the requests are the same size; the plain route ignores them. A Lua script (bench/features.go) re-dates and re-signs them every second, as a client signing each request does, so the gateway's signature cache (auth/sigcache.go) hits as it would for such a client, not for one signature all run long. The full route answers with the CORS headers and `X-Request-Id`.",
	"The ratio that counts is per peer core (req/s over the peer's CPU share), as in the observability part.",
}

// signedHeaders are key-pair auth headers for benchKeyID, dated now (seed
// 000 密钥对认证: Base64(HMAC-SHA1(secret, "x-date: …\nsource: …"))).
func signedHeaders(now time.Time) []string {
	xd, sig := benchSignature(now)
	return []string{
		"X-Date: " + xd,
		"Source: bench",
		authPrefix + sig + `"`,
		"Origin: " + benchOrigin,
	}
}

// authPrefix is the bench's Authorization header up to its signature.
const (
	authValuePrefix = `hmac id="` + benchKeyID + `", algorithm="hmac-sha1", headers="x-date source", signature="`
	authPrefix      = "Authorization: " + authValuePrefix
)

// benchSignature is the X-Date of now's second and its signature.
func benchSignature(now time.Time) (xdate, sig string) {
	xd := now.UTC().Format(http.TimeFormat)
	m := hmac.New(sha1.New, []byte(benchKeySecret))
	m.Write([]byte("x-date: " + xd + "\nsource: bench"))
	return xd, base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// resignSpec is wrk sending the signed headers re-dated and re-signed
// every second, as a client that signs each request sends them: the
// script's arguments are the signatures of the seconds the run can span
// (from a second before now to 30 s past d), "unix|X-Date|signature",
// computed here (wrk's Lua has no HMAC).
func resignSpec(script string, d time.Duration) wrkSpec {
	now := time.Now()
	var args []string
	for t := now.Add(-time.Second); t.Before(now.Add(d + 30*time.Second)); t = t.Add(time.Second) {
		xd, sig := benchSignature(t)
		args = append(args, strconv.FormatInt(t.Unix(), 10)+"|"+xd+"|"+sig)
	}
	return wrkSpec{threads: 1, cpus: strconv.Itoa(cpuLoad), args: append(headerArgs(signedHeaders(now)), "-s", script), scriptArgs: args}
}

// resignScript swaps X-Date and Authorization when wrk's second changes;
// within a second every request is the same string (wrk.format once).
const resignScript = `-- edgegate bench: key-pair headers re-signed every second
local sigs, sec, req = {}, -1, nil
function init(args)
  for _, a in ipairs(args) do
    local t, xd, sig = string.match(a, "^(%d+)|([^|]+)|(.+)$")
    if t then sigs[tonumber(t)] = {xd, sig} end
  end
end
function request()
  local s = os.time()
  if s ~= sec then
    sec = s
    local e = sigs[s]
    if e then
      wrk.headers["X-Date"] = e[1]
      wrk.headers["Authorization"] = '` + authValuePrefix + `' .. e[2] .. '"'
    end
    req = wrk.format()
  end
  return req
end
`

// headerArgs turns header lines into wrk -H arguments.
func headerArgs(hs []string) []string {
	var out []string
	for _, h := range hs {
		out = append(out, "-H", h)
	}
	return out
}

// featuresPart runs the full-feature comparison.
func featuresPart(ctx context.Context, e *env, o *options, gmp string) (*featuresResults, error) {
	pair, err := e.startPair(ctx, gmp, "edgegate-plain", "Edgegate, plain proxy", "edgegate-full", "Edgegate, full features")
	defer func() { e.stopAll(pair.procs) }() // the third peer's too
	if err != nil {
		return nil, err
	}
	plain, full := pair.plain, pair.observed
	full.path = fullPath
	// The third peer splits the added cost: the full route without the
	// access log (and unscraped).
	nolog, _, err := e.startGate(ctx, &pair.procs, "edgegate-full-nolog", "edgegate-full-nolog", "Edgegate, full features, no access log", gmp)
	if err != nil {
		return nil, err
	}
	nolog.path = fullPath
	for _, p := range []*peer{full, nolog} {
		if err := checkAuth(ctx, p, benchOrigin); err != nil {
			return nil, err
		}
	}
	r := &featuresResults{partRounds: partRounds{Fairness: featuresFairness}}
	ob := pair.observe(ctx)
	script := filepath.Join(e.dir, "resign.lua")
	if err := os.WriteFile(script, []byte(resignScript), 0o644); err != nil {
		return nil, err
	}
	load := func(ctx context.Context, e *env, o *options, p *peer, d time.Duration) (wrkResult, *hsStats, error) {
		spec := resignSpec(script, d)
		w, _, err := runWrkOn(ctx, e.tools["wrk"], p, o.Conns, d, spec)
		return w, nil, err
	}
	if r.Proxy, err = ob.rounds(ctx, e, o, "features", "full features", []*peer{full, nolog, plain}, load); err != nil {
		return nil, err
	}
	r.Scrapes, r.ScrapeFails = ob.scrapes.Scrapes, ob.scrapes.ScrapeFails
	r.LogWritten, r.LogDropped = ob.written, ob.dropped
	r.Compare = perCoreTargets("full-feature path ≥ 0.9× the plain proxy (per core)", find(r.Proxy, "edgegate-full"), find(r.Proxy, "edgegate-plain"), 0.9)
	r.Split = costSplit(find(r.Proxy, "edgegate-full"), find(r.Proxy, "edgegate-full-nolog"), find(r.Proxy, "edgegate-plain"))
	if o.Profile {
		logf("profile: %d s CPU profile of the full-feature Edgegate during an extra run", profileSeconds)
		if r.Profile, err = profileRun(ctx, e, o, full, pair.admin, load); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// costSplit says how much CPU time a request the full path adds to the
// plain one (from the medians' per-core figures), and how much of it is
// the features alone and how much the access log with the scraper.
func costSplit(full, nolog, plain *peerResult) string {
	if full == nil || nolog == nil || plain == nil || full.Median.PerCore <= 0 || nolog.Median.PerCore <= 0 || plain.Median.PerCore <= 0 {
		return ""
	}
	us := func(p *peerResult) float64 { return 1e6 / p.Median.PerCore }
	return fmt.Sprintf("The full path costs %.2f µs of CPU a request against the plain proxy's %.2f µs (+%.2f µs): the features without the access log add %.2f µs (%.3f× the plain proxy per core), the access log and the scraper %.2f µs more.",
		us(full), us(plain), us(full)-us(plain), us(nolog)-us(plain), nolog.Median.PerCore/plain.Median.PerCore, us(full)-us(nolog))
}

// checkAuth makes sure p's route really authenticates, and answers CORS
// for origin when given: unsigned is refused, signed passes (with the
// CORS headers).
func checkAuth(ctx context.Context, p *peer, origin string) error {
	do := func(hs []string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url(), nil)
		if err != nil {
			return nil, err
		}
		req.Host = benchHost
		for _, h := range hs {
			k, v, _ := strings.Cut(h, ": ")
			req.Header.Set(k, v)
		}
		resp, err := probeClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	resp, err := do([]string{"Origin: " + benchOrigin})
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("%s: an unsigned call got %d, want 401", p.label, resp.StatusCode)
	}
	resp, err = do(signedHeaders(time.Now()))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != origin {
		return fmt.Errorf("%s: a signed call got %d, Access-Control-Allow-Origin %q", p.label, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	return nil
}

// markdown writes the full-feature section.
func (r *featuresResults) markdown(b *strings.Builder, o *options) {
	if r == nil {
		return
	}
	sectionHead(b, "Full-feature path vs the plain proxy (issue 18)", r.Fairness)
	fmt.Fprintf(b, "- Same placement as above; wrk -t1 -c%d. During the part: %d scrapes (%d failed); the access log wrote %s lines and dropped %s.\n",
		o.Conns, r.Scrapes, r.ScrapeFails, fmtInt(float64(r.LogWritten)), fmtInt(float64(r.LogDropped)))
	b.WriteString("\n#### Proxy → nginx origin, full features (first row), without the access log, and plain\n\n")
	peerTable(b, r.Proxy, "edgegate-full", "req/s", true)
	if r.Split != "" {
		fmt.Fprintf(b, "\n%s\n", r.Split)
	}
	targetTable(b, "Target (issue 18)", r.Compare)
}
