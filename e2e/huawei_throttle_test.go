package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/admin/hwapi"
)

// TestHuaweiThrottles: throttle policies are TrafficControl plugins. The
// seed's update example round-trips; a throttle bound over REST limits
// traffic on the edge after the publish (per API; shared across APIs with
// type 2; per API key with user_call_limits, and a USER special throttle
// giving one key its own); bindings and specials list, change and go.
func TestHuaweiThrottles(t *testing.T) {
	defer catchSDK(t)
	up, cp, c, h := hwSetup(t)
	svc, echo, ping, g := ipService(t, cp, c, up)

	// The seed's example, as a new throttle, then updated with it.
	example := hwapi.Throttle{Name: "throttle_demo", Remark: "Total: 800 calls/second; user: 500 calls/second; app: 300 calls/second; IP address: 600 calls/second",
		Type: 1, TimeInterval: 1, IpCallLimits: 600, AppCallLimits: 300, TimeUnit: "SECOND", ApiCallLimits: 800, UserCallLimits: 500}
	var th hwapi.Throttle
	h.ok("POST", "/throttles", nil, hwapi.Throttle{Name: "throttle_first", ApiCallLimits: 3, TimeInterval: 1, TimeUnit: "MINUTE"}, 201, &th)
	if th.Id == "" || th.ApiCallLimits != 3 || th.TimeUnit != "MINUTE" || th.TimeInterval != 1 || th.Type != 1 || th.IsIncluSpecialThrottle != 2 ||
		th.EnableAdaptiveControl != "FALSE" || th.CreateTime == "" {
		t.Fatalf("create: %+v", th)
	}
	var upd hwapi.Throttle
	h.ok("PUT", "/throttles/"+th.Id, nil, example, 200, &upd)
	if upd.Id != th.Id || upd.Name != "throttle_demo" || upd.ApiCallLimits != 800 || upd.UserCallLimits != 500 || upd.AppCallLimits != 300 ||
		upd.IpCallLimits != 600 || upd.TimeUnit != "SECOND" || upd.Remark != example.Remark || upd.CreateTime != th.CreateTime {
		t.Fatalf("update (the seed's example): %+v", upd)
	}
	// 60 SECOND is one minute: a window Edgegate has. 2 SECOND is not.
	limited := hwapi.Throttle{Name: "three_a_minute", ApiCallLimits: 3, TimeInterval: 60, TimeUnit: "SECOND"}
	h.ok("PUT", "/throttles/"+th.Id, nil, limited, 200, &upd)
	if upd.TimeUnit != "MINUTE" || upd.TimeInterval != 1 {
		t.Fatalf("60 SECOND: %+v", upd)
	}
	for _, bad := range []map[string]any{
		{"name": "t", "api_call_limits": 1, "time_interval": 1, "time_unit": "SECOND"},
		{"name": "no_limit", "time_interval": 1, "time_unit": "SECOND"},
		{"name": "no_unit", "api_call_limits": 1, "time_interval": 1},
		{"name": "bad_unit", "api_call_limits": 1, "time_interval": 1, "time_unit": "WEEK"},
		{"name": "two_secs", "api_call_limits": 1, "time_interval": 2, "time_unit": "SECOND"},
		{"name": "user_over", "api_call_limits": 10, "user_call_limits": 11, "time_interval": 1, "time_unit": "SECOND"},
		{"name": "app_over", "api_call_limits": 10, "user_call_limits": 5, "app_call_limits": 6, "time_interval": 1, "time_unit": "SECOND"},
		{"name": "big", "api_call_limits": 2147483648, "time_interval": 1, "time_unit": "SECOND"},
		{"name": "bad_type", "api_call_limits": 1, "time_interval": 1, "time_unit": "SECOND", "type": 3},
	} {
		h.want("POST", "/throttles", nil, bad, 400, "APIG.2012")
	}
	h.want("POST", "/throttles", nil, map[string]any{"name": "adaptive", "api_call_limits": 1, "time_interval": 1, "time_unit": "SECOND", "enable_adaptive_control": "TRUE"}, 400, "APIG.3402")
	h.want("PUT", "/throttles/nope", nil, limited, 404, "APIG.3005")
	h.want("GET", "/throttles/nope", nil, nil, 404, "APIG.3005")

	// Bound to /echo in RELEASE: the fourth call in a minute is refused.
	var applied struct {
		Applys []struct {
			Id         string `json:"id"`
			StrategyId string `json:"strategy_id"`
			PublishId  string `json:"publish_id"`
			Scope      int    `json:"scope"`
			ApplyTime  string `json:"apply_time"`
		} `json:"throttle_applys"`
	}
	pub := echo + "." + releaseEnv
	h.ok("POST", "/throttle-bindings", nil, map[string]any{"strategy_id": th.Id, "publish_ids": []string{pub}}, 201, &applied)
	if len(applied.Applys) != 1 || applied.Applys[0].StrategyId != th.Id || applied.Applys[0].PublishId != pub || applied.Applys[0].ApplyTime == "" {
		t.Fatalf("bind: %+v", applied)
	}
	bind := applied.Applys[0].Id
	inEffect(t, "the throttle bound over REST", time.Now(), func() answer { return g.get("/echo") }, is(429, "RateLimitExceeded"))
	if a := g.get("/ping"); a.status != 200 {
		t.Fatalf("/ping is not throttled: %v", a)
	}
	h.want("POST", "/throttle-bindings", nil, map[string]any{"strategy_id": "nope", "publish_ids": []string{pub}}, 404, "APIG.3005")
	h.want("POST", "/throttle-bindings", nil, map[string]any{"strategy_id": th.Id}, 400, "APIG.2012")

	// The seed's binded-throttles.
	var bt hwapi.ThrottlesForApi
	h.ok("GET", "/throttle-bindings/binded-throttles", q("api_id", echo), nil, 200, &bt)
	if bt.Total != 1 || bt.Size != 1 || bt.Throttles[0].Id != th.Id || bt.Throttles[0].Name != "three_a_minute" || bt.Throttles[0].EnvName != "RELEASE" ||
		bt.Throttles[0].BindId != bind || bt.Throttles[0].BindTime == "" || bt.Throttles[0].BindNum != 1 {
		t.Fatalf("binded-throttles: %+v", bt)
	}
	for _, f := range [][]string{{"throttle_id", "x"}, {"throttle_name", "zzz"}, {"env_id", "x"}} {
		if n, _, _ := h.list("/throttle-bindings/binded-throttles", q("api_id", echo, f[0], f[1]), "throttles"); n != 0 {
			t.Fatalf("binded-throttles %v: %d", f, n)
		}
	}
	h.want("GET", "/throttle-bindings/binded-throttles", nil, nil, 400, "APIG.2012")
	h.want("GET", "/throttle-bindings/binded-throttles", q("api_id", "nope"), nil, 404, "APIG.3002")
	n, _, items := h.list("/throttle-bindings/binded-apis", q("throttle_id", th.Id), "apis")
	if n != 1 || !strings.Contains(string(items[0]), `"throttle_apply_id":"`+bind+`"`) || !strings.Contains(string(items[0]), `"id":"`+echo+`"`) {
		t.Fatalf("binded-apis: %d %s", n, items)
	}
	n, _, items = h.list("/throttle-bindings/unbinded-apis", q("throttle_id", th.Id), "apis")
	if n != 1 || !strings.Contains(string(items[0]), `"id":"`+ping+`"`) {
		t.Fatalf("unbinded-apis: %d %s", n, items)
	}
	h.want("GET", "/throttle-bindings/binded-apis", q("throttle_id", "nope"), nil, 404, "APIG.3005")
	if total, _, _ := h.list("/throttles", q("name", "THREE"), "throttles"); total != 1 {
		t.Fatalf("list by name: %d", total)
	}

	// Unbinding: by ID, then in a batch.
	h.ok("DELETE", "/throttle-bindings/"+bind, nil, nil, 204, nil)
	inEffect(t, "the throttle unbound", time.Now(), func() answer { return g.get("/echo") }, is(200, ""))
	h.want("DELETE", "/throttle-bindings/"+bind, nil, nil, 404, "APIG.3009")

	// Type 2: one count for both APIs.
	var shared hwapi.Throttle
	h.ok("POST", "/throttles", nil, hwapi.Throttle{Name: "shared_four", ApiCallLimits: 4, TimeInterval: 1, TimeUnit: "HOUR", Type: 2}, 201, &shared)
	h.ok("POST", "/throttle-bindings", nil, map[string]any{"strategy_id": shared.Id, "publish_ids": []string{echo + "." + releaseEnv, ping + "." + releaseEnv}}, 201, &applied)
	inEffect(t, "the shared throttle", time.Now(), func() answer { return g.get("/ping") }, is(429, "RateLimitExceeded"))
	if a := g.get("/echo"); a.status != 429 {
		t.Fatalf("/echo shares the count of /ping: %v", a)
	}
	var batch struct {
		SuccessCount int `json:"success_count"`
		Failure      []struct {
			Id        string `json:"id"`
			ErrorCode string `json:"error_code"`
		} `json:"failure"`
	}
	h.ok("PUT", "/throttle-bindings", q("action", "delete"), map[string]any{"throttle_bindings": []string{applied.Applys[0].Id, applied.Applys[1].Id, "nope"}}, 200, &batch)
	if batch.SuccessCount != 2 || len(batch.Failure) != 1 || batch.Failure[0].Id != "nope" || batch.Failure[0].ErrorCode != "APIG.3009" {
		t.Fatalf("batch unbind: %+v", batch)
	}
	inEffect(t, "the shared throttle unbound", time.Now(), func() answer { return g.get("/ping") }, is(200, ""))

	// user_call_limits count each API key (key-pair callers); a USER
	// special throttle gives one key its own.
	keyAPI := sdkAPI(c, svc, "/keyed", proxyTo(up, "/echo"), authType("SECRET"))
	sdkRelease(c, svc)
	keyID, keySecret, _ := sdkKeyPlan(c, svc, []string{keyAPI}, -1, -1)
	keyed := func() answer {
		return g.send(httpc, "GET", "/keyed", nil, keyPairHeaders(keyID, keySecret, "hmac-sha256"))
	}
	waitFor(t, 3*time.Second, "the keyed API", func() bool { return keyed().status == 200 })
	var perKey hwapi.Throttle
	h.ok("POST", "/throttles", nil, hwapi.Throttle{Name: "per_key", ApiCallLimits: 100, UserCallLimits: 2, TimeInterval: 1, TimeUnit: "HOUR"}, 201, &perKey)
	h.ok("POST", "/throttle-bindings", nil, map[string]any{"strategy_id": perKey.Id, "publish_ids": []string{keyAPI + "." + releaseEnv}}, 201, nil)
	a := inEffect(t, "user_call_limits", time.Now(), keyed, is(429, "RateLimitExceeded"))
	if !strings.Contains(a.msg, "per-key") {
		t.Fatalf("refusal: %+v", a)
	}
	sp := "/throttles/" + perKey.Id + "/throttle-specials"
	var us hwapi.ThrottleSpecial
	h.ok("POST", sp, nil, map[string]any{"object_type": "USER", "object_id": keyID, "call_limits": 1000}, 201, &us)
	if us.Id == "" || us.StrategyId != perKey.Id || us.ObjectId != keyID || us.ObjectName != "key-"+svc || us.CallLimits != 1000 || us.ApplyTime == "" {
		t.Fatalf("USER special: %+v", us)
	}
	inEffect(t, "the USER special throttle", time.Now(), keyed, is(200, ""))
	h.want("POST", sp, nil, map[string]any{"object_type": "USER", "object_id": keyID, "call_limits": 5}, 400, "APIG.3400")
	h.want("POST", sp, nil, map[string]any{"object_type": "USER", "object_id": "AKIDnone", "call_limits": 5}, 404, "APIG.3004")
	h.want("POST", sp, nil, map[string]any{"object_type": "GROUP", "object_id": keyID, "call_limits": 5}, 400, "APIG.2012")
	h.want("POST", sp, nil, map[string]any{"object_type": "USER", "object_id": keyID, "call_limits": 0}, 400, "APIG.2012")
	// An APP special throttle.
	var app struct{ Result struct{ ApiAppId string } }
	mustCall(t, cp.client(), "CreateApiApp", map[string]any{"ApiAppName": "mobile"}, &app)
	var as hwapi.ThrottleSpecial
	h.ok("POST", sp, nil, map[string]any{"object_type": "APP", "object_id": app.Result.ApiAppId, "call_limits": 7}, 201, &as)
	if as.ObjectType != "APP" || as.AppId != app.Result.ApiAppId || as.AppName != "mobile" || as.ObjectName != "mobile" {
		t.Fatalf("APP special: %+v", as)
	}
	h.want("POST", sp, nil, map[string]any{"object_type": "APP", "object_id": "app-none", "call_limits": 5}, 404, "APIG.3004")
	var list struct {
		Total    int                     `json:"total"`
		Specials []hwapi.ThrottleSpecial `json:"throttle_specials"`
	}
	h.ok("GET", sp, nil, nil, 200, &list)
	if list.Total != 2 {
		t.Fatalf("specials: %+v", list)
	}
	h.ok("GET", sp, q("object_type", "APP", "app_name", "MOB"), nil, 200, &list)
	if list.Total != 1 || list.Specials[0].Id != as.Id {
		t.Fatalf("specials of apps named mob: %+v", list)
	}
	var th2 hwapi.Throttle
	h.ok("GET", "/throttles/"+perKey.Id, nil, nil, 200, &th2)
	if th2.IsIncluSpecialThrottle != 1 {
		t.Fatalf("throttle with specials: %+v", th2)
	}
	// Lower the key's own limit: it is refused again.
	h.ok("PUT", sp+"/"+us.Id, nil, map[string]any{"call_limits": 1}, 200, &us)
	if us.CallLimits != 1 {
		t.Fatalf("special update: %+v", us)
	}
	inEffect(t, "the lowered special throttle", time.Now(), keyed, is(429, "RateLimitExceeded"))
	h.want("PUT", sp+"/nope", nil, map[string]any{"call_limits": 1}, 404, "APIG.3007")
	h.ok("DELETE", sp+"/"+us.Id, nil, nil, 204, nil)
	h.ok("DELETE", sp+"/"+as.Id, nil, nil, 204, nil)
	h.want("DELETE", sp+"/"+as.Id, nil, nil, 404, "APIG.3007")
	h.want("GET", "/throttles/nope/throttle-specials", nil, nil, 404, "APIG.3005")

	// The same plugin through the Action API.
	var dp struct {
		Result struct {
			PluginType, PluginData string
			AttachedApiTotalCount  int
		}
	}
	mustCall(t, cp.client(), "DescribePlugin", map[string]any{"PluginId": perKey.Id}, &dp)
	var data map[string]any
	json.Unmarshal([]byte(dp.Result.PluginData), &data)
	if dp.Result.PluginType != "TrafficControl" || data["user_rate_limit"] != 2.0 || data["api_rate_limit"] != 100.0 || dp.Result.AttachedApiTotalCount != 1 {
		t.Fatalf("DescribePlugin: %+v", dp)
	}
	// A Cors plugin is not a throttle.
	var cors struct{ Result struct{ PluginId string } }
	mustCall(t, cp.client(), "CreatePlugin", map[string]any{"PluginName": "cors1", "PluginType": "Cors", "PluginData": corsData}, &cors)
	h.want("GET", "/throttles/"+cors.Result.PluginId, nil, nil, 404, "APIG.3005")
	if total, _, _ := h.list("/throttles", nil, "throttles"); total != 3 {
		t.Fatalf("throttles: %d", total)
	}
	h.ok("DELETE", "/throttles/"+perKey.Id, nil, nil, 204, nil)
	inEffect(t, "the throttle deleted", time.Now(), keyed, is(200, ""))
	h.want("DELETE", "/throttles/"+perKey.Id, nil, nil, 404, "APIG.3005")
}
