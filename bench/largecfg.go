package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The large-configuration part (issue 18): the same signed call through
// the same features on a gateway whose tables are small, and on one with
// 10,000 APIs across 50 services, 100,000 API keys, 100,000 IP prefixes in
// the API's black list and 1,000,000 client IPs in its per-IP limiter.

const bigPath = "/release/big"

// ipListMax is the entries one IP list may hold (snapshot.MaxIPEntries).
const ipListMax = 10_000

// tableSize is one configuration's size.
type tableSize struct {
	Services, APIsPerService, Keys, Prefixes, LimiterKeys int
}

var (
	smallTable = tableSize{Services: 1, APIsPerService: 10, Keys: 1, Prefixes: 10, LimiterKeys: 1}
	largeTable = tableSize{Services: 50, APIsPerService: 200, Keys: 100_000, Prefixes: 100_000, LimiterKeys: 1_000_000}
)

// largeResults is the large-configuration part.
type largeResults struct {
	partRounds
	Small tableSize `json:"small"`
	Large tableSize `json:"large"`
	// FillRequests is how many requests with distinct client addresses
	// went to the large peer before measuring (at least LimiterKeys).
	FillRequests int64    `json:"fill_requests"`
	FillSeconds  float64  `json:"fill_seconds"`
	ConfigBytes  int64    `json:"config_bytes"`
	StartSeconds float64  `json:"start_seconds"` // the large peer's start to ready
	Compare      []target `json:"comparison"`
	// ProfileLarge and ProfileSmall are each gateway's CPU profile during
	// an extra run (with -profile): bench/results/profile-large*.txt.
	ProfileLarge *profileResult `json:"profile_large,omitempty"`
	ProfileSmall *profileResult `json:"profile_small,omitempty"`
}

func largeFairness(s, l tableSize) []string {
	return []string{
		"Both peers are `edgegate run --config` with a generated JSON file, one event loop on CPU 0, proxying the same nginx origin, `--trusted-proxies 127.0.0.1` so that the client address is the X-Forwarded-For the load sends. The measured API (`" + bigPath + "` in service-bench) has key-pair auth under a usage plan with a QPS cap and a quota, a TrafficControl plugin with API and per-IP limits (hour windows, far above the load) and an IPControl black list; every call is admitted.",
		"One IP list holds at most 10,000 entries (the Action API's limit, `snapshot.MaxIPEntries`), so the large configuration's prefixes are 10 black lists of 10,000: one on the measured API, the others on APIs of other services.",
		fmt.Sprintf("Small: %d service, %d APIs, %d key, %d prefixes, one client address. Large: %s services × %s APIs (%s; plain and `^~` prefixes, exact, `{param}` paths, methods cycling), %s keys all in the usage plan, %s /24 prefixes in IPControl black lists, and %s distinct client addresses sent through the per-IP limiter before measuring (sequentially, the fill), then each measured request from one of them at random.",
			s.Services, s.APIsPerService, s.Keys, s.Prefixes,
			fmtInt(float64(l.Services)), fmtInt(float64(l.APIsPerService)), fmtInt(float64(l.Services*l.APIsPerService)), fmtInt(float64(l.Keys)), fmtInt(float64(l.Prefixes)), fmtInt(float64(l.LimiterKeys))),
		"wrk sends the same signed headers to both and runs the same Lua script (bench/largecfg.go: an X-Forwarded-For per request, from one address for the small peer and from the large one's million), so the load costs the same.",
	}
}

// largePart runs the comparison.
func largePart(ctx context.Context, e *env, o *options, gmp string) (*largeResults, error) {
	small, large := smallTable, largeTable
	if o.LargeScale > 0 && o.LargeScale < 1 {
		large = scaleTable(large, o.LargeScale)
	}
	r := &largeResults{Small: small, Large: large, partRounds: partRounds{Fairness: largeFairness(small, large)}}
	script := filepath.Join(e.dir, "xff.lua")
	if err := os.WriteFile(script, []byte(xffScript), 0o644); err != nil {
		return nil, err
	}
	// start returns the peer and its admin port (for -profile).
	start := func(name string, size tableSize) (*peer, int, error) {
		path := filepath.Join(e.dir, name+".json")
		n, err := writeTableConfig(path, size, e.originPort())
		if err != nil {
			return nil, 0, err
		}
		if size == large {
			r.ConfigBytes = n
		}
		t0 := time.Now()
		p, _, admin, err := e.startEdgegate(ctx, name, gmp, o.Profile, "--config", path, "--trusted-proxies", "127.0.0.1")
		if err != nil {
			return p, admin, err
		}
		if size == large {
			r.StartSeconds = time.Since(t0).Seconds()
		}
		p.path = bigPath
		return p, admin, checkAuth(ctx, p, "")
	}
	logf("large tables: starting the small and the large gateway (%s APIs, %s keys, %s prefixes)", fmtInt(float64(large.Services*large.APIsPerService)), fmtInt(float64(large.Keys)), fmtInt(float64(large.Prefixes)))
	sp, spAdmin, err := start("edgegate-small", small)
	if sp != nil {
		defer e.sup.stop(sp.proc)
	}
	if err != nil {
		return nil, err
	}
	lp, lpAdmin, err := start("edgegate-large", large)
	if lp != nil {
		defer e.sup.stop(lp.proc)
	}
	if err != nil {
		return nil, err
	}
	sp.key, sp.label = "edgegate-small", "Edgegate, small tables"
	lp.key, lp.label = "edgegate-large", "Edgegate, large tables"

	// Fill the large peer's per-IP limiter with LimiterKeys addresses.
	t0 := time.Now()
	for r.FillRequests < int64(large.LimiterKeys) {
		secs := max(2, (int64(large.LimiterKeys)-r.FillRequests)/20_000+1)
		w, _, err := runWrkOn(ctx, e.tools["wrk"], lp, o.Conns, time.Duration(secs)*time.Second, xffSpec(script, large.LimiterKeys, true, r.FillRequests))
		if err != nil {
			return nil, fmt.Errorf("large tables: filling the limiter: %w", err)
		}
		if w.Requests == 0 {
			return nil, fmt.Errorf("large tables: the fill made no requests")
		}
		r.FillRequests += w.Requests
	}
	r.FillSeconds = time.Since(t0).Seconds()
	logf("large tables: %s requests from distinct addresses in %.0f s", fmtInt(float64(r.FillRequests)), r.FillSeconds)

	load := func(ctx context.Context, e *env, o *options, p *peer, d time.Duration) (wrkResult, *hsStats, error) {
		n := small.LimiterKeys
		if p.key == "edgegate-large" {
			n = large.LimiterKeys
		}
		w, _, err := runWrkOn(ctx, e.tools["wrk"], p, o.Conns, d, xffSpec(script, n, false, 0))
		return w, nil, err
	}
	logf("large tables rounds: %d × %s (+%s warm-up) × 2 peers", o.Rounds, o.Duration, o.Warmup)
	if r.Proxy, err = runRounds(ctx, e, o, "large", []*peer{lp, sp}, o.Rounds, o.Duration, load); err != nil {
		return nil, err
	}
	r.Compare = perCoreTargets("throughput with the large tables ≥ 0.95× the small ones (per core)", find(r.Proxy, "edgegate-large"), find(r.Proxy, "edgegate-small"), 0.95)
	if o.Profile {
		logf("profile: %d s CPU profiles of the large and the small gateway during an extra run each", profileSeconds)
		if r.ProfileLarge, err = profileRun(ctx, e, o, lp, lpAdmin, load); err != nil {
			return nil, err
		}
		if r.ProfileSmall, err = profileRun(ctx, e, o, sp, spAdmin, load); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// scaleTable shrinks the large table for a quick trial (-large-scale).
func scaleTable(t tableSize, f float64) tableSize {
	sc := func(n int) int { return max(1, int(float64(n)*f)) }
	return tableSize{Services: sc(t.Services), APIsPerService: t.APIsPerService, Keys: sc(t.Keys), Prefixes: sc(t.Prefixes), LimiterKeys: sc(t.LimiterKeys)}
}

// xffSpec is wrk with the signed headers and the X-Forwarded-For script:
// n addresses, in order from start (the fill) or at random, from a seed of
// its own per run (one fixed seed would replay the same addresses in every
// slice: fewer keys in use than the part claims).
func xffSpec(script string, n int, seq bool, start int64) wrkSpec {
	mode := "random"
	if seq {
		mode = "seq"
	}
	return wrkSpec{threads: 1, cpus: strconv.Itoa(cpuLoad), args: append(headerArgs(signedHeaders(time.Now())), "-s", script),
		scriptArgs: []string{strconv.Itoa(n), mode, strconv.FormatInt(start, 10), strconv.FormatInt(rand.Int64N(1<<31), 10)}}
}

// xffScript gives each request an X-Forwarded-For of 10.a.b.c, the k-th of
// n addresses: in order from a start (the fill) or at random from a seed.
const xffScript = `-- edgegate bench: one X-Forwarded-For per request
local n, seq, k = 1, false, 0
function init(args)
  n = tonumber(args[1]) or 1
  seq = args[2] == "seq"
  k = tonumber(args[3]) or 0
  math.randomseed(tonumber(args[4]) or 12345)
end
function request()
  local i
  if seq then
    i = k % n
    k = k + 1
  else
    i = math.random(0, n - 1)
  end
  wrk.headers["X-Forwarded-For"] = "10." .. math.floor(i / 65536) .. "." .. (math.floor(i / 256) % 256) .. "." .. (i % 256)
  return wrk.format()
end
`

// writeTableConfig writes an Edgegate --config file of the given size and
// returns its length.
func writeTableConfig(path string, size tableSize, origin int) (int64, error) {
	upstream := "http://127.0.0.1:" + strconv.Itoa(origin)
	type obj = map[string]any
	var services []obj
	for s := 0; s < size.Services; s++ {
		sid := fmt.Sprintf("service-t%02d", s)
		if s == 0 {
			sid = "service-bench"
		}
		apis := []obj{{
			"ApiId": fmt.Sprintf("api-%02d-big", s), "RequestConfig": obj{"Path": "/big", "Method": "GET"}, "AuthType": "SECRET",
			"ServiceType": "HTTP", "ServiceTimeout": 10, "ServiceConfig": obj{"Url": upstream, "Path": "/"},
		}}
		if s == 0 { // what the harness's readiness probe asks (startEdgegate)
			apis[0]["ApiId"] = "api-big"
			apis = append(apis,
				obj{"ApiId": "api-proxy", "RequestConfig": obj{"Path": "/proxy", "Method": "GET"},
					"ServiceType": "HTTP", "ServiceTimeout": 10, "ServiceConfig": obj{"Url": upstream, "Path": "/"}},
				obj{"ApiId": "api-mock", "RequestConfig": obj{"Path": "/mock", "Method": "GET"},
					"ServiceType": "MOCK", "ServiceMockReturnMessage": body})
		}
		methods := []string{"GET", "POST", "ANY"}
		for j := len(apis); j < size.APIsPerService; j++ {
			path, param := benchAPIPath(j)
			a := obj{
				"ApiId":         fmt.Sprintf("api-%02d-%03d", s, j),
				"RequestConfig": obj{"Path": path, "Method": methods[(s+j)%3]},
				"ServiceType":   "HTTP", "ServiceTimeout": 10,
				"ServiceConfig": obj{"Url": upstream, "Path": "/"},
			}
			if param {
				a["RequestParameters"] = []obj{{"Name": "id", "Position": "path", "Type": "int", "Required": true}}
			}
			apis = append(apis, a)
		}
		services = append(services, obj{"ServiceId": sid, "Apis": apis})
	}
	keys := make([]obj, 0, size.Keys)
	ids := make([]string, 0, size.Keys)
	keys = append(keys, obj{"SecretId": benchKeyID, "SecretKey": benchKeySecret, "Status": 1})
	ids = append(ids, benchKeyID)
	for i := 1; i < size.Keys; i++ {
		id := fmt.Sprintf("AKIDt%07d", i)
		keys = append(keys, obj{"SecretId": id, "SecretKey": fmt.Sprintf("secret-%07d-0123456789", i), "Status": 1})
		ids = append(ids, id)
	}
	// One IP list holds at most ipListMax entries (snapshot.MaxIPEntries):
	// the prefixes are split into lists, the first on the measured API,
	// each other one on the /big API of another service.
	var lists []string
	for i := 0; i < size.Prefixes; i += ipListMax {
		var blocks strings.Builder
		for k := i; k < min(i+ipListMax, size.Prefixes); k++ {
			if k > i {
				blocks.WriteByte(';')
			}
			// 20.0.0.0/24 upwards: never a 10.x client address.
			fmt.Fprintf(&blocks, "%d.%d.%d.0/24", 20+k/65536, (k/256)%256, k%256)
		}
		lists = append(lists, blocks.String())
	}
	bind := []obj{{"ServiceId": "service-bench", "Environment": "release", "ApiId": "api-big"}}
	doc := obj{
		"Services": services,
		"Access": obj{
			"Keys": keys,
			"Plans": []obj{{"UsagePlanId": "usagePlan-big", "MaxRequestNum": 999999999999, "MaxRequestNumPreSec": 100000000,
				"SecretIds": ids, "Bindings": bind}},
		},
		"Traffic": obj{"Plugins": []obj{
			{"PluginId": "plugin-flow", "PluginType": "TrafficControl",
				"PluginData":  `{"expire_type":"hour","api_rate_limit":1000000000,"ip_rate_limit":1000000000}`,
				"Attachments": bind},
		}},
	}
	plugins := doc["Traffic"].(obj)["Plugins"].([]obj)
	for i, l := range lists {
		at := bind
		if i > 0 {
			at = []obj{{"ServiceId": services[i%len(services)]["ServiceId"], "Environment": "release", "ApiId": fmt.Sprintf("api-%02d-big", i%len(services))}}
		}
		plugins = append(plugins, obj{"PluginId": fmt.Sprintf("plugin-ip-%d", i), "PluginType": "IPControl",
			"PluginData": `{"type":"black_list","blocks":"` + l + `"}`, "Attachments": at})
	}
	doc["Traffic"].(obj)["Plugins"] = plugins
	b, err := json.Marshal(doc)
	if err != nil {
		return 0, err
	}
	return int64(len(b)), os.WriteFile(path, b, 0o644)
}

// markdown writes the large-configuration section.
func (r *largeResults) markdown(b *strings.Builder, o *options) {
	if r == nil {
		return
	}
	sectionHead(b, "Cost as configuration grows: large tables vs small (issue 18)", r.Fairness)
	fmt.Fprintf(b, "- Same placement as above; wrk -t1 -c%d. The large configuration file is %s bytes and its gateway took %.1f s from start to its first answer; the fill sent %s requests in %.0f s.\n",
		o.Conns, fmtInt(float64(r.ConfigBytes)), r.StartSeconds, fmtInt(float64(r.FillRequests)), r.FillSeconds)
	b.WriteString("\n#### Signed proxy call → nginx origin, large tables (first row) and small\n\n")
	peerTable(b, r.Proxy, "edgegate-large", "req/s", true)
	targetTable(b, "Target (issue 18)", r.Compare)
}
