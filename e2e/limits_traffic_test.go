package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
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

// has429Headers reports a rate-limit refusal's headers are all there.
func has429Headers(r answer) bool {
	for _, h := range []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if _, err := strconv.Atoi(r.h.Get(h)); err != nil {
			return false
		}
	}
	return true
}

// hammer sends get from 4 keep-alive clients of 127.0.0.1 until d has
// passed, and hands every answer to count (from those goroutines).
func hammer(d time.Duration, get func(*http.Client) answer, count func(answer)) {
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := clientFrom("127.0.0.1")
			for time.Now().Before(stop) {
				count(get(hc))
			}
		}()
	}
	wg.Wait()
}

// TestUsagePlanRateLimit: a usage plan of 50 QPS on a SECRET API,
// hammered by 4 keep-alive clients for 5 s, admits 250 ± 5%; every other
// answer is a 429 RateLimitExceeded with Retry-After and X-RateLimit-*;
// admitted calls carry the seed's X-RateLimit-Limit.
func TestUsagePlanRateLimit(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp, c, svc := sdkSetup(t, "qps")
	api := sdkAPI(c, svc, "/sec", authType("SECRET"), proxyTo(up, "/echo"))
	sdkRelease(c, svc)
	id, sk, plan := sdkKeyPlan(c, svc, []string{api}, 50, -1)
	hdr := keyPairHeaders(id, sk, "hmac-sha1")
	g := cp.edge(svc)
	get := func(hc *http.Client) answer { return g.send(hc, "GET", "/sec", nil, hdr) }
	first := inEffect(t, "the plan on the edge", time.Now(), func() answer { return get(httpc) }, is(200, ""))
	if first.h.Get("X-RateLimit-Limit") != "50" || first.h.Get("X-UsagePlan-ID") != plan {
		t.Fatalf("first call: %v %v", first, first.h)
	}
	time.Sleep(1100 * time.Millisecond) // a rate window: the probe's second passes

	var ok, refused, bad atomic.Int64
	var badOnce sync.Once
	// 4.9 s: windows open at 0, 1, 2, 3 and 4 s (+1 ms each), not at 5.
	hammer(4900*time.Millisecond, get, func(r answer) {
		switch {
		case r.status == 200 && r.h.Get("X-RateLimit-Limit") == "50":
			ok.Add(1)
		case r.status == 429 && r.code == "RateLimitExceeded" && has429Headers(r) && r.h.Get("X-RateLimit-Limit") == "50" &&
			strings.Contains(r.msg, plan) && strings.Contains(r.msg, "MaxRequestNumPreSec"):
			refused.Add(1)
		default:
			bad.Add(1)
			badOnce.Do(func() { t.Errorf("unexpected answer: %v", r) })
		}
	})
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
	cp, c, svc := sdkSetup(t, "flow")
	ipAPI := sdkAPI(c, svc, "/ip", proxyTo(up, "/echo"))
	paramAPI := sdkAPI(c, svc, "/param")
	sdkRelease(c, svc)
	ipPlugin := createPlugin(t, cp, "per_ip", "TrafficControl", `{"expire_type":"minute","api_rate_limit":1000,"ip_rate_limit":3}`)
	paramPlugin := createPlugin(t, cp, "per_user", "TrafficControlByParameter",
		`{"default_window":0,"strategies":[{"name":"free","strategy_weight":5,"parameters":[{"type":"query","name":"u"}],"rate_limit":2,"window":60,"condition":"header.x-tier == \"free\""}]}`)
	attachPlugin(t, cp, ipPlugin, svc, ipAPI)
	attachPlugin(t, cp, paramPlugin, svc, paramAPI)
	g := cp.edge(svc)

	t.Run("per IP", func(t *testing.T) {
		for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
			hc := clientFrom(ip)
			var got []int
			for range 5 {
				got = append(got, g.send(hc, "GET", "/ip", nil, nil).status)
			}
			if want := []int{200, 200, 200, 429, 429}; !equalInts(got, want) {
				t.Errorf("from %s: %v, want %v", ip, got, want)
			}
		}
		r := g.send(clientFrom("127.0.0.2"), "GET", "/ip", nil, nil)
		if r.code != "RateLimitExceeded" || !has429Headers(r) || r.h.Get("X-RateLimit-Limit") != "3" ||
			!strings.Contains(r.msg, "per-client-IP") || !strings.Contains(r.msg, ipPlugin) {
			t.Errorf("refusal: %v %v", r, r.h)
		}
	})

	t.Run("parameter condition", func(t *testing.T) {
		hc := clientFrom("127.0.0.1")
		q := func(u, tier string) int {
			h := map[string]string{}
			if tier != "" {
				h["X-Tier"] = tier
			}
			return g.send(hc, "GET", "/param?u="+u, nil, h).status
		}
		got := []int{q("a", "free"), q("a", "free"), q("a", "free"), q("b", "free"), q("a", "paid"), q("a", ""), q("a", "paid"), q("a", "paid")}
		if want := []int{200, 200, 429, 200, 200, 200, 200, 200}; !equalInts(got, want) {
			t.Errorf("strategy on x-tier == free, 2/min per u: %v, want %v", got, want)
		}
	})

	t.Run("effective minimum", func(t *testing.T) {
		svc := sdkCreateService(c, "minimum")
		api := sdkAPI(c, svc, "/min", proxyTo(up, "/echo"))
		sdkRelease(c, svc)
		pl := createPlugin(t, cp, "flow500", "TrafficControl", `{"expire_type":"second","api_rate_limit":500}`)
		attachPlugin(t, cp, pl, svc, api)
		ms := apigw.NewModifyServiceEnvironmentStrategyRequest()
		ms.ServiceId, ms.Strategy, ms.EnvironmentNames = common.StringPtr(svc), common.Int64Ptr(100), common.StringPtrs([]string{"release"})
		mustSDK(c.ModifyServiceEnvironmentStrategy(ms))
		ma := apigw.NewModifyApiEnvironmentStrategyRequest()
		ma.ServiceId, ma.Strategy, ma.EnvironmentName, ma.ApiIds = common.StringPtr(svc), common.Int64Ptr(50), common.StringPtr("release"), common.StringPtrs([]string{api})
		mustSDK(c.ModifyApiEnvironmentStrategy(ma))
		g := cp.edge(svc)
		get := func(hc *http.Client) answer { return g.send(hc, "GET", "/min", nil, nil) }
		// In effect once a burst of 60 meets the API strategy's 50.
		inEffect(t, "the API strategy", time.Now(), func() answer {
			var r answer
			for range 60 {
				if r = get(httpc); r.status != 200 {
					break
				}
			}
			return r
		}, func(r answer) bool { return r.status == 429 && strings.Contains(r.msg, "(api-strategy)") })
		time.Sleep(1100 * time.Millisecond) // a rate window: the burst's second passes
		var ok, refused atomic.Int64
		var msg atomic.Value
		hammer(1900*time.Millisecond, get, func(r answer) { // windows at 0 and 1 s
			if r.status == 200 {
				ok.Add(1)
			} else if r.status == 429 && has429Headers(r) {
				refused.Add(1)
				msg.Store(r.msg)
			}
		})
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
	cp, c, svc := sdkSetup(t, "quota")
	api := sdkAPI(c, svc, "/q", authType("SECRET"))
	sdkRelease(c, svc)
	id, sk, plan := sdkKeyPlan(c, svc, []string{api}, -1, 30)
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
	// saved is the count in the data directory's quota file.
	saved := func() int64 {
		var f struct{ Quotas []struct{ Used int64 } }
		b, _ := os.ReadFile(filepath.Join(cp.Data, "quota.json"))
		if json.Unmarshal(b, &f) != nil || len(f.Quotas) != 1 {
			return -1
		}
		return f.Quotas[0].Used
	}
	hc := clientFrom("127.0.0.1")
	used := func(r answer) int {
		t.Helper()
		u, err := strconv.Atoi(strings.TrimSuffix(r.h.Get("X-RateLimit-Used"), "/30"))
		if r.status != 200 || len(r.h.Values("X-RateLimit-Used")) != 1 || !strings.HasSuffix(r.h.Get("X-RateLimit-Used"), "/30") || err != nil {
			t.Fatalf("call: %v X-RateLimit-Used %q", r, r.h.Values("X-RateLimit-Used"))
		}
		return u
	}
	get := func() answer { return cp.edge(svc).send(hc, "GET", "/q", nil, hdr) }
	if u := used(inEffect(t, "the plan on the edge", time.Now(), get, is(200, ""))); u != 1 {
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
	waitFor(t, 3*time.Second, "the count of 20 saved", func() bool { return saved() == 20 })
	for range 5 {
		used(get())
	}
	cp.stop(syscall.SIGKILL)
	cp.start()
	hc = clientFrom("127.0.0.1")
	u := used(get())
	t.Logf("after kill -9: used %d (25 before the kill, 20 saved)", u)
	if u < 21 || u > 26 {
		t.Fatalf("after kill -9: used %d, want 21..26 (at most the calls since the last save lost)", u)
	}
	for u < 30 {
		u = used(get())
	}
	r := get()
	if r.status != 429 || r.code != "QuotaExceeded" || r.h.Get("X-RateLimit-Limit") != "30" || r.h.Get("X-RateLimit-Remaining") != "0" ||
		r.h.Get("Retry-After") != "" {
		t.Fatalf("quota used up: %v %v", r, r.h)
	}
}
