package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edgegate/edgegate/admin/tcapi"
	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// pluginFixture is a control plane with one released service whose GET
// /echo API proxies to a real upstream.
type pluginFixture struct {
	cp         *controlPlane
	sdk        *apigw.Client
	rc         *tcapi.Client // for the plugin Actions the SDK v1.0.162 lacks
	g          *gateway      // the service on the edge
	svc, apiID string
	other      string // a second API (MOCK, GET /other, EnableCORS)
}

func newPluginFixture(t *testing.T) *pluginFixture {
	t.Helper()
	defer catchSDK(t)
	up := startUpstream(t)
	cp, c, svc := sdkSetup(t, "plugins")
	f := &pluginFixture{cp: cp, sdk: c, rc: cp.client(), svc: svc}
	f.apiID = sdkAPI(f.sdk, f.svc, "/echo", proxyTo(up, "/echo"))
	f.other = sdkAPI(f.sdk, f.svc, "/other", func(ca *apigw.CreateApiRequest) { ca.EnableCORS = common.BoolPtr(true) })
	sdkRelease(f.sdk, f.svc)
	f.g = cp.edge(f.svc)
	return f
}

// createPlugin creates a plugin with the raw signed Action.
func createPlugin(t *testing.T, cp *controlPlane, name, typ, data string) string {
	t.Helper()
	var r struct {
		Result struct{ PluginId, PluginType, PluginData string }
	}
	mustCall(t, cp.client(), "CreatePlugin", map[string]any{"PluginName": name, "PluginType": typ, "PluginData": data, "Description": "d"}, &r)
	if !strings.HasPrefix(r.Result.PluginId, "plugin-") || r.Result.PluginType != typ || r.Result.PluginData != data {
		t.Fatalf("CreatePlugin: %+v", r.Result)
	}
	return r.Result.PluginId
}

// attachPlugin attaches plugin to apis of svc in release.
func attachPlugin(t *testing.T, cp *controlPlane, plugin, svc string, apis ...string) {
	t.Helper()
	mustCall(t, cp.client(), "AttachPlugin", map[string]any{"PluginId": plugin, "ServiceId": svc, "EnvironmentName": "release", "ApiIds": apis}, nil)
}

const corsData = `{"allow_origin":["https://app.example.com"],"allow_methods":["GET","POST"],"allow_headers":["X-Api-ID"],"expose_headers":["X-Request-Id"],"allow_credentials":true,"max_age":600}`

// TestSDKPluginsAndStrategies drives every plugin and strategy Action: the
// official SDK v1.0.162 for the five it has (DescribePlugins and the four
// strategy Actions), raw signed calls for the rest; and checks that CORS
// takes effect on the edge, end to end through a real upstream.
func TestSDKPluginsAndStrategies(t *testing.T) {
	f := newPluginFixture(t)
	defer catchSDK(t)
	c := f.sdk

	cors := createPlugin(t, f.cp, "cors_web", "Cors", corsData)
	flow := createPlugin(t, f.cp, "basic_flow", "TrafficControl", `{"expire_type":"second","api_rate_limit":500,"ip_rate_limit":20,"spec_ip_rate_limits":[{"ip_key":"172.16.0.1","rate_limit":10}]}`)
	param := createPlugin(t, f.cp, "by_user", "TrafficControlByParameter", `{"default_window":60,"default_rate_limit":5,"strategies":[{"name":"vip","strategy_weight":10,"parameters":[{"type":"header","name":"X-User"}],"rate_limit":10,"window":60,"condition":"header.x-tier == \"gold\""}]}`)

	// DescribePlugins (SDK): all, by type, by IDs, by name, paging.
	dp := apigw.NewDescribePluginsRequest()
	r := mustSDK(c.DescribePlugins(dp)).Response.Result
	if *r.TotalCount != 3 || len(r.PluginSet) != 3 || *r.PluginSet[0].PluginId != param {
		t.Fatalf("DescribePlugins (newest first): %+v", r)
	}
	dp.PluginType = common.StringPtr("Cors")
	r = mustSDK(c.DescribePlugins(dp)).Response.Result
	if *r.TotalCount != 1 || *r.PluginSet[0].PluginData != corsData || *r.PluginSet[0].PluginName != "cors_web" ||
		*r.PluginSet[0].Description != "d" || *r.PluginSet[0].CreatedTime == "" || *r.PluginSet[0].AttachedApiTotalCount != 0 {
		t.Errorf("DescribePlugins by type: %s", mustSDK(c.DescribePlugins(dp)).ToJsonString())
	}
	dp = apigw.NewDescribePluginsRequest()
	dp.PluginIds = common.StringPtrs([]string{flow, param})
	dp.Limit, dp.Offset = common.Int64Ptr(1), common.Int64Ptr(1)
	r = mustSDK(c.DescribePlugins(dp)).Response.Result
	if *r.TotalCount != 2 || len(r.PluginSet) != 1 || *r.PluginSet[0].PluginId != flow {
		t.Errorf("DescribePlugins by IDs, paged: %+v", r)
	}
	dp = apigw.NewDescribePluginsRequest()
	dp.PluginName = common.StringPtr("FLOW")
	if r = mustSDK(c.DescribePlugins(dp)).Response.Result; *r.TotalCount != 1 || *r.PluginSet[0].PluginId != flow {
		t.Errorf("DescribePlugins by name: %+v", r)
	}

	// Before AttachPlugin the edge knows nothing of CORS.
	if resp := f.g.fetch("GET", "/echo", "Origin", "https://app.example.com"); resp.status != 200 || resp.h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("before attach: %v %v", resp, resp.h)
	}

	// EnableCORS alone: the permissive default (seed: Allow-Origin *).
	if resp := f.g.fetch("GET", "/other", "Origin", "https://any.example"); resp.status != 200 || resp.h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("EnableCORS: %v %v", resp, resp.h)
	}

	// AttachPlugin: CORS and the basic flow control on the echo API; the
	// parameter plugin is a second flow-control plugin and is refused.
	attach := map[string]any{"PluginId": cors, "ServiceId": f.svc, "EnvironmentName": "release", "ApiIds": []string{f.apiID}}
	var ok struct{ Result bool }
	mustCall(t, f.rc, "AttachPlugin", attach, &ok)
	if !ok.Result {
		t.Error("AttachPlugin: Result false")
	}
	attach["PluginId"] = flow
	mustCall(t, f.rc, "AttachPlugin", attach, nil)
	attach["PluginId"] = param
	if code, _ := call(t, f.rc, "AttachPlugin", attach); code != "UnsupportedOperation.AttachPlugin" {
		t.Errorf("second flow-control plugin: %q", code)
	}
	attach["ApiIds"] = []string{f.other}
	mustCall(t, f.rc, "AttachPlugin", attach, nil)

	// The edge follows: preflight answered by the gateway for a GET API.
	pre := inEffect(t, "AttachPlugin (CORS)", time.Now(), func() answer {
		return f.g.fetch("OPTIONS", "/echo", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "X-Api-ID")
	}, is(204, ""))
	for k, v := range map[string]string{"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Methods": "GET, POST",
		"Access-Control-Allow-Headers": "X-Api-ID", "Access-Control-Max-Age": "600", "Access-Control-Allow-Credentials": "true"} {
		if got := pre.h.Get(k); got != v {
			t.Errorf("preflight %s = %q, want %q", k, got, v)
		}
	}
	act := f.g.fetch("GET", "/echo", "Origin", "https://app.example.com")
	if act.status != 200 || act.h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || act.h.Get("Vary") != "Origin" ||
		act.h.Get("Access-Control-Expose-Headers") != "X-Request-Id" || act.h.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("actual request through the upstream: %v %v", act, act.h)
	}
	bad := f.g.fetch("GET", "/echo", "Origin", "https://evil.example")
	if bad.status != 200 || bad.h.Get("Access-Control-Allow-Origin") != "" || bad.h.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("disallowed origin: %v %v", bad, bad.h)
	}
	badPre := f.g.fetch("OPTIONS", "/echo", "Origin", "https://evil.example", "Access-Control-Request-Method", "GET")
	if badPre.status != 204 || badPre.h.Get("Access-Control-Allow-Origin") != "" || badPre.h.Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("disallowed origin preflight: %v %v", badPre, badPre.h)
	}

	// DescribePlugin, DescribePluginApis, DescribeAllPluginApis.
	var dpl struct {
		Result struct {
			PluginId              string
			AttachedApiTotalCount int
			AttachedApis          []struct{ ServiceId, ServiceName, ApiId, ApiName, Environment, AttachedTime string }
		}
	}
	mustCall(t, f.rc, "DescribePlugin", map[string]any{"PluginId": cors}, &dpl)
	if dpl.Result.PluginId != cors || dpl.Result.AttachedApiTotalCount != 1 || dpl.Result.AttachedApis[0].ApiName != "apiecho" ||
		dpl.Result.AttachedApis[0].ServiceName != "plugins" || dpl.Result.AttachedApis[0].Environment != "release" || dpl.Result.AttachedApis[0].AttachedTime == "" {
		t.Errorf("DescribePlugin: %+v", dpl.Result)
	}
	var dpa struct {
		Result struct {
			TotalCount   int
			AttachedApis []struct{ ApiId string }
		}
	}
	mustCall(t, f.rc, "DescribePluginApis", map[string]any{"PluginId": param}, &dpa)
	if dpa.Result.TotalCount != 1 || dpa.Result.AttachedApis[0].ApiId != f.other {
		t.Errorf("DescribePluginApis: %+v", dpa.Result)
	}
	var dall struct {
		Result struct {
			TotalCount int
			ApiSet     []struct {
				ApiId, Path, Method             string
				IsAttached, AttachedOtherPlugin bool
			}
		}
	}
	mustCall(t, f.rc, "DescribeAllPluginApis", map[string]any{"ServiceId": f.svc, "PluginId": flow, "EnvironmentName": "release"}, &dall)
	got := map[string]string{}
	for _, a := range dall.Result.ApiSet {
		got[a.ApiId] = fmt.Sprintf("%s %s attached=%v other=%v", a.Method, a.Path, a.IsAttached, a.AttachedOtherPlugin)
	}
	if dall.Result.TotalCount != 2 || got[f.apiID] != "GET /echo attached=true other=true" || got[f.other] != "GET /other attached=false other=true" {
		t.Errorf("DescribeAllPluginApis: %v", got)
	}

	// ModifyPlugin: new data reaches the edge; a bad condition is refused.
	mustCall(t, f.rc, "ModifyPlugin", map[string]any{"PluginId": cors, "PluginData": strings.Replace(corsData, "https://app.example.com", "https://new.example.com", 1)}, nil)
	inEffect(t, "ModifyPlugin (CORS)", time.Now(), func() answer { return f.g.fetch("GET", "/echo", "Origin", "https://new.example.com") },
		func(a answer) bool { return a.h.Get("Access-Control-Allow-Origin") == "https://new.example.com" })
	code, raw := call(t, f.rc, "ModifyPlugin", map[string]any{"PluginId": param, "PluginData": `{"default_window":0,"strategies":[{"name":"a","strategy_weight":1,"parameters":[{"type":"query","name":"q"}],"rate_limit":1,"window":1,"condition":"query.q => 3"}]}`})
	if code != "InvalidParameterValue.InvalidCondition" || !strings.Contains(string(raw), "column 9") {
		t.Errorf("ModifyPlugin with a bad condition: %s %s", code, raw)
	}

	// DetachPlugin: the edge stops answering preflights.
	mustCall(t, f.rc, "DetachPlugin", map[string]any{"PluginId": cors, "ServiceId": f.svc, "EnvironmentName": "release", "ApiId": f.apiID}, nil)
	inEffect(t, "DetachPlugin (CORS)", time.Now(), func() answer {
		return f.g.fetch("OPTIONS", "/echo", "Origin", "https://new.example.com", "Access-Control-Request-Method", "GET")
	}, func(a answer) bool { return a.status == 405 })
	if code, _ := call(t, f.rc, "DetachPlugin", map[string]any{"PluginId": cors, "ServiceId": f.svc, "EnvironmentName": "release", "ApiId": f.apiID}); code != "InvalidParameterValue.InvalidApiIds" {
		t.Errorf("detach twice: %q", code)
	}

	// DeletePlugin.
	mustCall(t, f.rc, "DeletePlugin", map[string]any{"PluginId": cors}, nil)
	if code, _ := call(t, f.rc, "DescribePlugin", map[string]any{"PluginId": cors}); code != "ResourceNotFound.InvalidPlugin" {
		t.Errorf("DescribePlugin after delete: %q", code)
	}
	if r = mustSDK(c.DescribePlugins(apigw.NewDescribePluginsRequest())).Response.Result; *r.TotalCount != 2 {
		t.Errorf("DescribePlugins after delete: %d", *r.TotalCount)
	}

	// Environment strategies (SDK): service 100 in release, API 50.
	dss := apigw.NewDescribeServiceEnvironmentStrategyRequest()
	dss.ServiceId = common.StringPtr(f.svc)
	ss := mustSDK(c.DescribeServiceEnvironmentStrategy(dss)).Response.Result
	if *ss.TotalCount != 3 {
		t.Fatalf("DescribeServiceEnvironmentStrategy: %+v", ss)
	}
	for _, e := range ss.EnvironmentList {
		if *e.Strategy != -1 || *e.MaxStrategy != 350000 || (*e.EnvironmentName == "release") != (*e.Status == 1) {
			t.Errorf("default strategy %s: %+v", *e.EnvironmentName, e)
		}
	}
	ms := apigw.NewModifyServiceEnvironmentStrategyRequest()
	ms.ServiceId, ms.Strategy, ms.EnvironmentNames = common.StringPtr(f.svc), common.Int64Ptr(100), common.StringPtrs([]string{"release", "test"})
	if !*mustSDK(c.ModifyServiceEnvironmentStrategy(ms)).Response.Result {
		t.Error("ModifyServiceEnvironmentStrategy: false")
	}
	ss = mustSDK(c.DescribeServiceEnvironmentStrategy(dss)).Response.Result
	for _, e := range ss.EnvironmentList {
		want := int64(100)
		if *e.EnvironmentName == "prepub" {
			want = -1
		}
		if *e.Strategy != want {
			t.Errorf("service strategy %s = %d, want %d", *e.EnvironmentName, *e.Strategy, want)
		}
	}
	ma := apigw.NewModifyApiEnvironmentStrategyRequest()
	ma.ServiceId, ma.Strategy, ma.EnvironmentName, ma.ApiIds = common.StringPtr(f.svc), common.Int64Ptr(50), common.StringPtr("release"), common.StringPtrs([]string{f.apiID})
	mustSDK(c.ModifyApiEnvironmentStrategy(ma))
	das := apigw.NewDescribeApiEnvironmentStrategyRequest()
	das.ServiceId, das.EnvironmentNames = common.StringPtr(f.svc), common.StringPtrs([]string{"release"})
	as := mustSDK(c.DescribeApiEnvironmentStrategy(das)).Response.Result
	quota := map[string]int64{}
	for _, a := range as.ApiEnvironmentStrategySet {
		if len(a.EnvironmentStrategySet) != 1 || *a.EnvironmentStrategySet[0].EnvironmentName != "release" || *a.EnvironmentStrategySet[0].MaxQuota != 350000 {
			t.Errorf("DescribeApiEnvironmentStrategy: %+v", a)
			continue
		}
		quota[*a.ApiId] = *a.EnvironmentStrategySet[0].Quota
	}
	if *as.TotalCount != 2 || quota[f.apiID] != 50 || quota[f.other] != -1 {
		t.Errorf("API strategies: %v", quota)
	}
	das.ApiId = common.StringPtr(f.apiID)
	das.EnvironmentNames = nil
	as = mustSDK(c.DescribeApiEnvironmentStrategy(das)).Response.Result
	if *as.TotalCount != 1 || len(as.ApiEnvironmentStrategySet[0].EnvironmentStrategySet) != 3 {
		t.Errorf("DescribeApiEnvironmentStrategy for one API: %+v", as)
	}
	// -1 removes a cap; out of range and unknown APIs are refused.
	ma.Strategy = common.Int64Ptr(-1)
	mustSDK(c.ModifyApiEnvironmentStrategy(ma))
	das.EnvironmentNames = common.StringPtrs([]string{"release"})
	if q := *mustSDK(c.DescribeApiEnvironmentStrategy(das)).Response.Result.ApiEnvironmentStrategySet[0].EnvironmentStrategySet[0].Quota; q != -1 {
		t.Errorf("after -1: %d", q)
	}
	ma.Strategy = common.Int64Ptr(0)
	if _, err := c.ModifyApiEnvironmentStrategy(ma); sdkCode(err) != "InvalidParameterValue.RangeExceeded" {
		t.Errorf("Strategy 0: %v", err)
	}
	ms.Strategy = common.Int64Ptr(350001)
	if _, err := c.ModifyServiceEnvironmentStrategy(ms); sdkCode(err) != "InvalidParameterValue.RangeExceeded" {
		t.Errorf("Strategy 350001: %v", err)
	}
	ma.Strategy, ma.ApiIds = common.Int64Ptr(5), common.StringPtrs([]string{"api-nothere"})
	if _, err := c.ModifyApiEnvironmentStrategy(ma); sdkCode(err) != "ResourceNotFound.InvalidApi" {
		t.Errorf("unknown API: %v", err)
	}
	ms.Strategy, ms.EnvironmentNames = common.Int64Ptr(5), common.StringPtrs([]string{"staging"})
	if _, err := c.ModifyServiceEnvironmentStrategy(ms); sdkCode(err) != "InvalidParameterValue" {
		t.Errorf("unknown environment: %v", err)
	}
	// The service keeps serving with strategies set (they compile).
	if resp := f.g.fetch("GET", "/echo"); resp.status != 200 {
		t.Errorf("edge after strategies: %d", resp.status)
	}

	// A crash keeps every acknowledged plugin, attachment and strategy, and
	// the restarted edge serves them. The plugin on /other overrides its
	// EnableCORS default (its origin, not "*").
	cors2 := createPlugin(t, f.cp, "cors_again", "Cors", corsData)
	attachPlugin(t, f.cp, cors2, f.svc, f.other)
	f.cp.stop(syscall.SIGKILL)
	f.cp.start()
	c = f.cp.sdk("", "")
	pre = f.g.fetch("OPTIONS", "/other", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET")
	if pre.status != 204 || pre.h.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("preflight after a crash: %v %v", pre, pre.h)
	}
	if r = mustSDK(c.DescribePlugins(apigw.NewDescribePluginsRequest())).Response.Result; *r.TotalCount != 3 || *r.PluginSet[0].PluginId != cors2 {
		t.Errorf("plugins after a crash: %+v", r)
	}
	ss = mustSDK(c.DescribeServiceEnvironmentStrategy(dss)).Response.Result
	if *ss.EnvironmentList[2].EnvironmentName != "release" || *ss.EnvironmentList[2].Strategy != 100 {
		t.Errorf("service strategy after a crash: %+v", ss.EnvironmentList[2])
	}
}

// TestPluginBadInput: bad plugin input gets its documented code and
// writes nothing.
func TestPluginBadInput(t *testing.T) {
	f := newPluginFixture(t)
	flow := createPlugin(t, f.cp, "flow_one", "TrafficControl", `{"expire_type":"minute","api_rate_limit":60}`)
	attachPlugin(t, f.cp, flow, f.svc, f.apiID)
	second := createPlugin(t, f.cp, "flow_two", "TrafficControlByParameter", `{"default_window":0,"strategies":[{"name":"a","strategy_weight":0,"parameters":[{"type":"path"}],"rate_limit":1,"window":1}]}`)

	var ips []string
	for i := 0; i < 31; i++ {
		ips = append(ips, fmt.Sprintf(`{"ip_key":"10.0.0.%d","rate_limit":1}`, i))
	}
	create := func(typ, data string) map[string]any {
		return map[string]any{"PluginName": "p1", "PluginType": typ, "PluginData": data}
	}
	cases := []struct {
		name   string
		action string
		params map[string]any
		code   string
		msg    string
	}{
		{"bad JSON", "CreatePlugin", create("TrafficControl", `{"expire_type":"second",`), "InvalidParameterValue.InvalidPluginConfig", "not valid JSON"},
		{"unknown key", "CreatePlugin", create("TrafficControl", `{"expire_type":"second","api_rate_limt":5}`), "InvalidParameterValue.InvalidPluginConfig", "api_rate_limt"},
		{"bad condition", "CreatePlugin", create("TrafficControlByParameter", `{"default_window":0,"strategies":[{"name":"a","strategy_weight":0,"parameters":[{"type":"query","name":"q"}],"rate_limit":1,"window":1,"condition":"query.q == \"a\" &&"}]}`), "InvalidParameterValue.InvalidCondition", "column 18: expected a field"},
		{"31 special IPs", "CreatePlugin", create("TrafficControl", `{"expire_type":"second","api_rate_limit":5,"spec_ip_rate_limits":[`+strings.Join(ips, ",")+`]}`), "InvalidParameterValue.InvalidPluginConfig", "at most 30 special IPs"},
		{"duplicate weight", "CreatePlugin", create("TrafficControlByParameter", `{"default_window":0,"strategies":[{"name":"a","strategy_weight":1,"parameters":[{"type":"path"}],"rate_limit":1,"window":1},{"name":"b","strategy_weight":1,"parameters":[{"type":"path"}],"rate_limit":1,"window":1}]}`), "InvalidParameterValue.DuplicatePluginConfig", "strategy_weight"},
		{"unknown type", "CreatePlugin", create("CustomAuth", `{}`), "UnsupportedOperation", "not supported"},
		{"bad CORS origin", "CreatePlugin", create("Cors", `{"allow_origin":["app.example.com"],"allow_methods":["GET"],"max_age":5}`), "InvalidParameterValue.InvalidPluginConfig", "allow_origin[0]"},
		{"bad name", "CreatePlugin", map[string]any{"PluginName": "9lives", "PluginType": "Cors", "PluginData": corsData}, "InvalidParameterValue", "PluginName"},
		{"missing data", "CreatePlugin", map[string]any{"PluginName": "p1", "PluginType": "Cors"}, "MissingParameter", "PluginData"},
		{"unknown field", "CreatePlugin", map[string]any{"PluginName": "p1", "PluginType": "Cors", "PluginData": corsData, "Colour": "red"}, "UnknownParameter", ""},
		{"second flow-control plugin", "AttachPlugin", map[string]any{"PluginId": second, "ServiceId": f.svc, "EnvironmentName": "release", "ApiIds": []string{f.apiID}}, "UnsupportedOperation.AttachPlugin", flow},
		{"attach unknown API", "AttachPlugin", map[string]any{"PluginId": second, "ServiceId": f.svc, "EnvironmentName": "release", "ApiIds": []string{"api-nothere"}}, "ResourceNotFound.InvalidApi", ""},
		{"attach bad environment", "AttachPlugin", map[string]any{"PluginId": second, "ServiceId": f.svc, "EnvironmentName": "staging", "ApiIds": []string{f.other}}, "InvalidParameterValue", "EnvironmentName"},
		{"unknown plugin", "AttachPlugin", map[string]any{"PluginId": "plugin-nothere", "ServiceId": f.svc, "EnvironmentName": "release", "ApiIds": []string{f.other}}, "ResourceNotFound.InvalidPlugin", ""},
		{"modify with bad data", "ModifyPlugin", map[string]any{"PluginId": flow, "PluginData": `{"expire_type":"fortnight","api_rate_limit":5}`}, "InvalidParameterValue.InvalidPluginConfig", "expire_type"},
		{"bad filter", "DescribePlugins", map[string]any{"Filters": []map[string]any{{"Name": "Colour", "Values": []string{"x"}}}}, "InvalidParameterValue.InvalidFilterNotSupportedName", ""},
		{"bad limit", "DescribePluginApis", map[string]any{"PluginId": flow, "Limit": 1000}, "InvalidParameterValue", "Limit"},
	}
	for _, c := range cases {
		code, raw := call(t, f.rc, c.action, c.params)
		if code != c.code || !strings.Contains(string(raw), c.msg) {
			t.Errorf("%s: %s %s; want %s with %q", c.name, code, raw, c.code, c.msg)
		}
	}
	// Nothing was written: still two plugins, the first one unchanged and
	// attached once, the second attached nowhere.
	var r struct {
		Result struct {
			TotalCount int
			PluginSet  []struct {
				PluginId, PluginData  string
				AttachedApiTotalCount int
			}
		}
	}
	mustCall(t, f.rc, "DescribePlugins", map[string]any{}, &r)
	if r.Result.TotalCount != 2 {
		t.Fatalf("plugins after bad input: %+v", r.Result)
	}
	for _, p := range r.Result.PluginSet {
		if p.PluginId == flow && (p.PluginData != `{"expire_type":"minute","api_rate_limit":60}` || p.AttachedApiTotalCount != 1) ||
			p.PluginId == second && p.AttachedApiTotalCount != 0 {
			t.Errorf("plugin changed by a refused call: %+v", p)
		}
	}
}
