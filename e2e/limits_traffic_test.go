package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// Rate limiting end to end (issue 6, README "Rate limiting"): a real
// `edgegate run`, a real upstream, the official SDK for keys, plans and
// strategies, raw signed Actions for plugins, and callers signing as the
// seed's 密钥对认证 says (auth_test.go).

// limResp is one answer with what the limits tests look at.
type limResp struct {
	status int
	code   string
	msg    string
	h      http.Header
}

// limGet calls path on svc's host with hdr through c.
func limGet(t *testing.T, c *http.Client, addr, svc, path string, hdr map[string]string) limResp {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Host = svc + ".localhost"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := limResp{status: resp.StatusCode, h: resp.Header}
	if resp.StatusCode >= 400 {
		var e struct{ Code, Message string }
		json.Unmarshal(body, &e)
		r.code, r.msg = e.Code, e.Message
	}
	return r
}

// clientFrom is a keep-alive client whose connections start at local (a
// loopback address), so the edge sees that client IP.
func clientFrom(local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext:         func(ctx context.Context, n, a string) (net.Conn, error) { return d.DialContext(ctx, n, a) },
		MaxIdleConnsPerHost: 4,
	}}
}

// has429Headers reports a rate-limit refusal's headers are all there.
func has429Headers(r limResp) bool {
	for _, h := range []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if _, err := strconv.Atoi(r.h.Get(h)); err != nil {
			return false
		}
	}
	return true
}

// sdkKeyPlan creates a key and a plan (qps, quota; -1 none) bound to api
// of svc in release, and returns the key's id and secret.
func sdkKeyPlan(t *testing.T, c *apigw.Client, svc, api string, qps, quota int64) (string, string, string) {
	t.Helper()
	ck := apigw.NewCreateApiKeyRequest()
	ck.SecretName = common.StringPtr("k" + api)
	key := mustSDK(c.CreateApiKey(ck)).Response.Result
	cu := apigw.NewCreateUsagePlanRequest()
	cu.UsagePlanName = common.StringPtr("p" + api)
	cu.MaxRequestNumPreSec, cu.MaxRequestNum = common.Int64Ptr(qps), common.Int64Ptr(quota)
	plan := *mustSDK(c.CreateUsagePlan(cu)).Response.Result.UsagePlanId
	bs := apigw.NewBindSecretIdsRequest()
	bs.UsagePlanId, bs.AccessKeyIds = common.StringPtr(plan), common.StringPtrs([]string{*key.AccessKeyId})
	mustSDK(c.BindSecretIds(bs))
	be := apigw.NewBindEnvironmentRequest()
	be.UsagePlanIds, be.BindType = common.StringPtrs([]string{plan}), common.StringPtr("API")
	be.Environment, be.ServiceId, be.ApiIds = common.StringPtr("release"), common.StringPtr(svc), common.StringPtrs([]string{api})
	mustSDK(c.BindEnvironment(be))
	return *key.AccessKeyId, *key.AccessKeySecret, plan
}

// waitNot polls until get answers something else than status (the
// configuration reached the edge), returning that answer.
func waitNot(t *testing.T, status int, get func() limResp) limResp {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		r := get()
		if r.status != status {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d 3 s after the Action: %+v", status, r)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestUsagePlanRateLimit: a usage plan of 50 QPS on a SECRET API,
// hammered by 4 keep-alive clients for 5 s, admits 250 ± 5%; every other
// answer is a 429 RateLimitExceeded with Retry-After and X-RateLimit-*;
// admitted calls carry the seed's X-RateLimit-Limit.
func TestUsagePlanRateLimit(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp := startControlPlane(t)
	c := cp.sdk("", "")
	svc := sdkCreateService(c, "qps")
	api := sdkAPI(c, svc, "/sec", func(ca *apigw.CreateApiRequest) {
		ca.AuthType = common.StringPtr("SECRET")
		ca.ServiceType = common.StringPtr("HTTP")
		ca.ServiceConfig = &apigw.ServiceConfig{Url: common.StringPtr("http://" + up.HTTP), Path: common.StringPtr("/echo"), Method: common.StringPtr("GET")}
		ca.ServiceMockReturnMessage = nil
	})
	sdkRelease(c, svc)
	id, sk, plan := sdkKeyPlan(t, c, svc, api, 50, -1)
	hdr := keyPairHeaders(id, sk, "hmac-sha1")
	first := waitNot(t, 403, func() limResp { return limGet(t, http.DefaultClient, cp.Addr, svc, "/release/sec", hdr) })
	if first.status != 200 || first.h.Get("X-RateLimit-Limit") != "50" || first.h.Get("X-UsagePlan-ID") != plan {
		t.Fatalf("first call: %+v", first)
	}
	time.Sleep(1100 * time.Millisecond) // the probe's second has passed

	var ok, refused, bad atomic.Int64
	var badOnce sync.Once
	// 4.9 s: windows open at 0, 1, 2, 3 and 4 s (+1 ms each), not at 5.
	stop := time.Now().Add(4900 * time.Millisecond)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := clientFrom("127.0.0.1")
			for time.Now().Before(stop) {
				r := limGet(t, hc, cp.Addr, svc, "/release/sec", hdr)
				switch {
				case r.status == 200 && r.h.Get("X-RateLimit-Limit") == "50":
					ok.Add(1)
				case r.status == 429 && r.code == "RateLimitExceeded" && has429Headers(r) && r.h.Get("X-RateLimit-Limit") == "50" &&
					strings.Contains(r.msg, plan) && strings.Contains(r.msg, "MaxRequestNumPreSec"):
					refused.Add(1)
				default:
					bad.Add(1)
					badOnce.Do(func() { t.Errorf("unexpected answer: %+v", r) })
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("admitted %d, refused %d in 4.9 s", ok.Load(), refused.Load())
	if n := ok.Load(); n < 238 || n > 262 {
		t.Errorf("admitted %d, want 250 ± 5%%", n)
	}
	if refused.Load() < 100 || bad.Load() != 0 {
		t.Errorf("refused %d, bad %d: the clients did not hammer", refused.Load(), bad.Load())
	}
}

// TestPluginAndStrategyLimits: a TrafficControl plugin's ip_rate_limit
// counts each client IP apart; a TrafficControlByParameter strategy
// applies only when its condition holds, per parameter value; and the
// seed's effective minimum (plugin 500, service 100, API 50 → 50/s).
func TestPluginAndStrategyLimits(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp := startControlPlane(t)
	c := cp.sdk("", "")
	f := &pluginFixture{cp: cp, sdk: c}
	f.svc = sdkCreateService(c, "flow")
	proxied := func(ca *apigw.CreateApiRequest) {
		ca.ServiceType = common.StringPtr("HTTP")
		ca.ServiceConfig = &apigw.ServiceConfig{Url: common.StringPtr("http://" + up.HTTP), Path: common.StringPtr("/echo"), Method: common.StringPtr("GET")}
		ca.ServiceMockReturnMessage = nil
	}
	ipAPI := sdkAPI(c, f.svc, "/ip", proxied)
	paramAPI := sdkAPI(c, f.svc, "/param", nil)
	sdkRelease(c, f.svc)
	ipPlugin := f.createPlugin(t, "per_ip", "TrafficControl", `{"expire_type":"minute","api_rate_limit":1000,"ip_rate_limit":3}`)
	paramPlugin := f.createPlugin(t, "per_user", "TrafficControlByParameter",
		`{"default_window":0,"strategies":[{"name":"free","strategy_weight":5,"parameters":[{"type":"query","name":"u"}],"rate_limit":2,"window":60,"condition":"header.x-tier == \"free\""}]}`)
	f.mustAction(t, "AttachPlugin", map[string]any{"PluginId": ipPlugin, "ServiceId": f.svc, "EnvironmentName": "release", "ApiIds": []string{ipAPI}}, nil)
	f.mustAction(t, "AttachPlugin", map[string]any{"PluginId": paramPlugin, "ServiceId": f.svc, "EnvironmentName": "release", "ApiIds": []string{paramAPI}}, nil)

	t.Run("per IP", func(t *testing.T) {
		for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
			hc := clientFrom(ip)
			var got []int
			for range 5 {
				got = append(got, limGet(t, hc, cp.Addr, f.svc, "/release/ip", nil).status)
			}
			if want := []int{200, 200, 200, 429, 429}; !equalInts(got, want) {
				t.Errorf("from %s: %v, want %v", ip, got, want)
			}
		}
		r := limGet(t, clientFrom("127.0.0.2"), cp.Addr, f.svc, "/release/ip", nil)
		if r.code != "RateLimitExceeded" || !has429Headers(r) || r.h.Get("X-RateLimit-Limit") != "3" ||
			!strings.Contains(r.msg, "per-client-IP") || !strings.Contains(r.msg, ipPlugin) {
			t.Errorf("refusal: %+v", r)
		}
	})

	t.Run("parameter condition", func(t *testing.T) {
		hc := clientFrom("127.0.0.1")
		q := func(u, tier string) int {
			h := map[string]string{}
			if tier != "" {
				h["X-Tier"] = tier
			}
			return limGet(t, hc, cp.Addr, f.svc, "/release/param?u="+u, h).status
		}
		got := []int{q("a", "free"), q("a", "free"), q("a", "free"), q("b", "free"), q("a", "paid"), q("a", ""), q("a", "paid"), q("a", "paid")}
		if want := []int{200, 200, 429, 200, 200, 200, 200, 200}; !equalInts(got, want) {
			t.Errorf("strategy on x-tier == free, 2/min per u: %v, want %v", got, want)
		}
	})

	t.Run("effective minimum", func(t *testing.T) {
		svc := sdkCreateService(c, "minimum")
		api := sdkAPI(c, svc, "/min", proxied)
		sdkRelease(c, svc)
		g := &pluginFixture{cp: cp, sdk: c, svc: svc}
		pl := g.createPlugin(t, "flow500", "TrafficControl", `{"expire_type":"second","api_rate_limit":500}`)
		g.mustAction(t, "AttachPlugin", map[string]any{"PluginId": pl, "ServiceId": svc, "EnvironmentName": "release", "ApiIds": []string{api}}, nil)
		ms := apigw.NewModifyServiceEnvironmentStrategyRequest()
		ms.ServiceId, ms.Strategy, ms.EnvironmentNames = common.StringPtr(svc), common.Int64Ptr(100), common.StringPtrs([]string{"release"})
		mustSDK(c.ModifyServiceEnvironmentStrategy(ms))
		ma := apigw.NewModifyApiEnvironmentStrategyRequest()
		ma.ServiceId, ma.Strategy, ma.EnvironmentName, ma.ApiIds = common.StringPtr(svc), common.Int64Ptr(50), common.StringPtr("release"), common.StringPtrs([]string{api})
		mustSDK(c.ModifyApiEnvironmentStrategy(ma))
		time.Sleep(1100 * time.Millisecond)
		var ok, refused atomic.Int64
		var msg atomic.Value
		stop := time.Now().Add(1900 * time.Millisecond) // windows at 0 and 1 s
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				hc := clientFrom("127.0.0.1")
				for time.Now().Before(stop) {
					r := limGet(t, hc, cp.Addr, svc, "/release/min", nil)
					if r.status == 200 {
						ok.Add(1)
					} else if r.status == 429 && has429Headers(r) {
						refused.Add(1)
						msg.Store(r.msg)
					}
				}
			}()
		}
		wg.Wait()
		m, _ := msg.Load().(string)
		t.Logf("admitted %d, refused %d in 1.9 s: %s", ok.Load(), refused.Load(), m)
		if n := ok.Load(); n < 95 || n > 105 || refused.Load() < 50 {
			t.Errorf("admitted %d (refused %d), want 100 (50 per second)", n, refused.Load())
		}
		if !strings.Contains(m, "50 requests per second (api-strategy)") {
			t.Errorf("refusal message %q does not name the API strategy", m)
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestQuotaPersistence: a usage plan's MaxRequestNum is counted, survives
// a graceful restart exactly and a kill -9 with at most a second's loss,
// and once used up answers 429 QuotaExceeded.
func TestQuotaPersistence(t *testing.T) {
	defer catchSDK(t)
	cp := startControlPlane(t)
	c := cp.sdk("", "")
	svc := sdkCreateService(c, "quota")
	api := sdkAPI(c, svc, "/q", func(ca *apigw.CreateApiRequest) { ca.AuthType = common.StringPtr("SECRET") })
	sdkRelease(c, svc)
	id, sk, plan := sdkKeyPlan(t, c, svc, api, -1, 30)
	hdr := keyPairHeaders(id, sk, "hmac-sha256")
	// inUse is the plan's InUseRequestNum as the control plane reports it.
	inUse := func() int64 {
		t.Helper()
		req := apigw.NewDescribeUsagePlanEnvironmentsRequest()
		req.UsagePlanId, req.BindType = common.StringPtr(plan), common.StringPtr("API")
		l := mustSDK(cp.sdk("", "").DescribeUsagePlanEnvironments(req)).Response.Result.EnvironmentList
		if len(l) != 1 || l[0].InUseRequestNum == nil {
			t.Fatalf("DescribeUsagePlanEnvironments: %d bindings", len(l))
		}
		return *l[0].InUseRequestNum
	}
	hc := clientFrom("127.0.0.1")
	used := func(r limResp) int {
		t.Helper()
		var u, m int
		if r.status != 200 || len(r.h.Values("X-RateLimit-Used")) != 1 {
			t.Fatalf("call: %+v", r)
		}
		if n, _ := strings.CutSuffix(r.h.Get("X-RateLimit-Used"), "/30"); n != "" {
			u, _ = strconv.Atoi(n)
			m = 30
		}
		if m != 30 {
			t.Fatalf("X-RateLimit-Used %q", r.h.Get("X-RateLimit-Used"))
		}
		return u
	}
	get := func() limResp { return limGet(t, hc, cp.Addr, svc, "/release/q", hdr) }
	if u := used(waitNot(t, 403, get)); u != 1 {
		t.Fatalf("first call used %d", u)
	}
	for i := 2; i <= 10; i++ {
		if u := used(get()); u != i {
			t.Fatalf("call %d: used %d", i, u)
		}
	}
	// Graceful stop: nothing lost.
	cp.stop(syscall.SIGTERM)
	cp.start()
	hc = clientFrom("127.0.0.1")
	if u := used(get()); u != 11 {
		t.Fatalf("after SIGTERM: used %d, want 11", u)
	}
	if n := inUse(); n != 11 {
		t.Fatalf("InUseRequestNum %d, want 11", n)
	}
	for range 9 {
		used(get())
	}
	time.Sleep(1300 * time.Millisecond) // 20 saved by now
	for range 5 {
		used(get())
	}
	cp.stop(syscall.SIGKILL)
	cp.start()
	hc = clientFrom("127.0.0.1")
	u := used(get())
	t.Logf("after kill -9: used %d (25 before the kill)", u)
	if u < 21 || u > 26 {
		t.Fatalf("after kill -9: used %d, want 21..26 (at most a second's calls lost)", u)
	}
	for u < 30 {
		u = used(get())
	}
	r := get()
	if r.status != 429 || r.code != "QuotaExceeded" || r.h.Get("X-RateLimit-Limit") != "30" || r.h.Get("X-RateLimit-Remaining") != "0" ||
		r.h.Get("Retry-After") != "" {
		t.Fatalf("quota used up: %+v", r)
	}
}
