package snapshot

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/model"
)

// trafficPublished is one service released to "release" and "test" with
// two APIs, plus the given traffic rules.
func trafficPublished(t *testing.T, tr *model.Traffic) *model.Published {
	t.Helper()
	p, err := model.ParseFile([]byte(`Services:
  - ServiceId: service-s
    Apis:
      - {ApiId: api-a, RequestConfig: {Path: /a, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: a}
      - {ApiId: api-b, EnableCORS: true, RequestConfig: {Path: /b, Method: POST}, ServiceType: MOCK, ServiceMockReturnMessage: b}
`))
	if err != nil {
		t.Fatal(err)
	}
	env := p.Services[0].Environments[0]
	env.EnvironmentName = "test"
	p.Services[0].Environments = append(p.Services[0].Environments, env)
	p.Traffic = tr
	return p
}

// route finds the compiled rules of (env, api).
// compiled compiles trafficPublished(tr), which must succeed.
func compiled(t *testing.T, tr *model.Traffic) *Snapshot {
	t.Helper()
	s, err := Compile(trafficPublished(t, tr))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// onePlugin is a Traffic of one plugin attached to release/api-a.
func onePlugin(id, typ, data string) *model.Traffic {
	return &model.Traffic{Plugins: []model.Plugin{{PluginId: id, PluginType: typ, PluginData: data, Attachments: attach("release", "api-a")}}}
}

func route(t *testing.T, s *Snapshot, env, api string) *RouteTraffic {
	t.Helper()
	for i, r := range s.Router.Routes() {
		if r.Environment == env && r.ApiId == api {
			return &s.Traffic.Routes[i]
		}
	}
	t.Fatalf("no route %s/%s", env, api)
	return nil
}

func attach(env string, apis ...string) []model.PluginAttachment {
	var out []model.PluginAttachment
	for _, a := range apis {
		out = append(out, model.PluginAttachment{ServiceId: "service-s", Environment: env, ApiId: a})
	}
	return out
}

// TestEffectiveLimitSeedExample is the seed's example (基础流控插件): plugin
// 500 QPS, service strategy 100, API strategy 50 → 50.
func TestEffectiveLimitSeedExample(t *testing.T) {
	p := trafficPublished(t, &model.Traffic{
		Plugins: []model.Plugin{{PluginId: "plugin-1", PluginType: PluginTrafficControl,
			PluginData:  `{"expire_type":"second","api_rate_limit":500}`,
			Attachments: attach("release", "api-a", "api-b")}},
		Strategies: []model.EnvStrategy{
			{ServiceId: "service-s", Environment: "release", ApiId: "api-a", Strategy: 50},
			{ServiceId: "service-s", Environment: "release", Strategy: 100},
			{ServiceId: "service-s", Environment: "test", Strategy: -1},
		},
	})
	s, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	a := route(t, s, "release", "api-a")
	if a.API[Second] != 50 || a.APISource[Second] != "api-strategy" || a.Service != 100 || a.FlowPlugin != "plugin-1" {
		t.Errorf("api-a: %+v", a)
	}
	if a.APIKey != "api:service-s:release:api-a" || a.ServiceKey != "svc:service-s:release" {
		t.Errorf("keys: %q %q", a.APIKey, a.ServiceKey)
	}
	b := route(t, s, "release", "api-b")
	if b.API[Second] != 100 || b.APISource[Second] != "service-strategy" {
		t.Errorf("api-b (service 100 < plugin 500): %+v", b)
	}
	// Another environment: the plugin is not attached there and -1 is no cap.
	ta := route(t, s, "test", "api-a")
	if ta.API != [NumWindows]int64{} || ta.Service != 0 || ta.FlowPlugin != "" || ta.Flow != nil {
		t.Errorf("test/api-a: %+v", ta)
	}
	// Plugin alone in a wider window: each window keeps its own cap.
	p.Traffic.Plugins[0].PluginData = `{"expire_type":"minute","api_rate_limit":30}`
	s, err = Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	a = route(t, s, "release", "api-a")
	if a.API[Second] != 50 || a.API[Minute] != 30 || a.APISource[Minute] != "plugin:plugin-1" {
		t.Errorf("minute plugin: %+v", a)
	}
}

func TestFlowControlSpecials(t *testing.T) {
	s := compiled(t, onePlugin("plugin-1", PluginTrafficControl, `{"expire_type":"hour","expire":1,"api_rate_limit":500,"app_rate_limit":1,"ip_rate_limit":2,
			"spec_app_rate_limits":[{"app_id":"app-3q9l4909","rate_limit":10}],
			"spec_ip_rate_limits":[{"ip_key":"172.16.0.1","rate_limit":10},{"ip_key":"::ffff:10.0.0.9","rate_limit":7}]}`))
	a := route(t, s, "release", "api-a")
	f := a.Flow
	if f == nil || f.Window != Hour || a.API[Hour] != 500 {
		t.Fatalf("flow: %+v", a)
	}
	if f.AppLimit("app-3q9l4909") != 10 || f.AppLimit("app-other") != 1 || f.IPLimit("172.16.0.1") != 10 ||
		f.IPLimit("10.0.0.9") != 7 || f.IPLimit("10.0.0.8") != 2 {
		t.Errorf("special limits: %+v", f)
	}
	if !strings.HasPrefix(f.KeyPrefix, "plugin:plugin-1:service-s:release:api-a:") {
		t.Errorf("key prefix %q", f.KeyPrefix)
	}
}

func TestParamPolicyCompiled(t *testing.T) {
	s := compiled(t, onePlugin("plugin-p", PluginTrafficControlByParameter, `{"default_window":60,"default_rate_limit":5,"strategies":[
			{"name":"low","strategy_weight":1,"parameters":[{"type":"query","name":"a"}],"rate_limit":1,"window":1,"condition":""},
			{"name":"vip","strategy_weight":90,"parameters":[{"type":"header","name":"X-User"}],"rate_limit":10,"window":60,"condition":"header.x-tier == \"gold\""},
			{"name":"paths","strategy_weight":50,"parameters":[{"type":"path"}],"rate_limit":3,"window":86400}]}`))
	a := route(t, s, "release", "api-a")
	pp := a.Params
	if pp == nil || pp.Default == nil || pp.Default.Limit != 5 || pp.Default.Window != Minute || a.API[Minute] != 5 {
		t.Fatalf("params: %+v", a)
	}
	var order []string
	for _, st := range pp.Strategies {
		order = append(order, fmt.Sprintf("%s/%d/%v", st.Name, st.Weight, st.Cond.String()))
	}
	want := []string{`vip/90/header.x-tier == "gold"`, "paths/50/", "low/1/"}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("order %v, want %v", order, want)
	}
	if pp.Strategies[0].Param.Name != "x-user" || pp.Strategies[1].Param.Name != "" || pp.Strategies[1].Limit.Window != Day {
		t.Errorf("strategies: %+v", pp.Strategies)
	}
}

func TestCORSPrecedence(t *testing.T) {
	s := compiled(t, nil)
	// EnableCORS alone: the permissive default.
	b := route(t, s, "release", "api-b")
	if b.CORS == nil || b.CORS.FromPlugin || !b.CORS.AnyOrigin || !b.CORS.AllowsMethod([]byte("POST")) || b.CORS.AllowsMethod([]byte("GET")) || !s.Traffic.AnyCORS {
		t.Fatalf("EnableCORS default: %+v", b.CORS)
	}
	if route(t, s, "release", "api-a").CORS != nil {
		t.Error("api-a has no CORS")
	}
	// A Cors plugin overrides EnableCORS.
	s = compiled(t, &model.Traffic{Plugins: []model.Plugin{{PluginId: "plugin-c", PluginType: PluginCors,
		PluginData:  `{"allow_origin":["https://app.example.com","https://*.example.org"],"allow_methods":["GET","post"],"allow_headers":["X-Api-ID"],"expose_headers":["X-Request-Id"],"allow_credentials":true,"max_age":600}`,
		Attachments: attach("release", "api-b")}}})
	c := route(t, s, "release", "api-b").CORS
	if c == nil || !c.FromPlugin || c.AnyOrigin || !c.Credentials || c.MaxAge != 600 || fmt.Sprint(c.Methods) != "[GET POST]" {
		t.Fatalf("plugin CORS: %+v", c)
	}
	for origin, want := range map[string]bool{
		"https://app.example.com": true, "HTTPS://APP.EXAMPLE.COM": true, "http://app.example.com": false,
		"https://app.example.com:8443": false, "https://a.example.org": true, "https://a.b.example.org": true,
		"https://example.org": false, "https://evil.com/.example.org": false, "": false, "null": false,
	} {
		if got := c.AllowsOrigin([]byte(origin)); got != want {
			t.Errorf("AllowsOrigin(%q) = %v", origin, got)
		}
	}
	if route(t, s, "test", "api-b").CORS.FromPlugin {
		t.Error("the plugin is attached in release only")
	}
}

func TestTwoFlowPluginsRefused(t *testing.T) {
	p := trafficPublished(t, &model.Traffic{Plugins: []model.Plugin{
		{PluginId: "plugin-1", PluginType: PluginTrafficControl, PluginData: `{"expire_type":"second","api_rate_limit":5}`, Attachments: attach("release", "api-a")},
		{PluginId: "plugin-2", PluginType: PluginTrafficControlByParameter, PluginData: `{"default_window":0,"strategies":[{"name":"a","strategy_weight":0,"parameters":[{"type":"query","name":"a"}],"rate_limit":1,"window":1}]}`, Attachments: attach("release", "api-a")},
	}})
	_, err := Compile(p)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "an API takes one") {
		t.Fatalf("two flow-control plugins: %v", err)
	}
	// An attachment to an API that is not published is skipped.
	p.Traffic.Plugins[1].Attachments = attach("prepub", "api-a")
	if _, err := Compile(p); err != nil {
		t.Fatal(err)
	}
}

func TestValidatePluginData(t *testing.T) {
	var ips []string
	for i := 0; i <= MaxSpecialIPs; i++ {
		ips = append(ips, fmt.Sprintf(`{"ip_key":"10.0.0.%d","rate_limit":1}`, i))
	}
	var strategies []string
	for i := 0; i <= MaxStrategies; i++ {
		strategies = append(strategies, fmt.Sprintf(`{"name":"s%d","strategy_weight":%d,"parameters":[{"type":"query","name":"a"}],"rate_limit":1,"window":1}`, i, i))
	}
	strat := func(extra string) string {
		return `{"default_window":0,"strategies":[{"name":"a","strategy_weight":0,"parameters":[{"type":"query","name":"a"}],"rate_limit":1,"window":1` + extra + `}]}`
	}
	cases := []struct {
		typ, data, code, frag string
	}{
		{PluginTrafficControl, `{"expire_type":"second","api_rate_limit":5}`, "", ""},
		{PluginTrafficControl, `{"expire_type":"second","api_rate_limit":5`, codeBadConfig, "not valid JSON"},
		{PluginTrafficControl, `{"expire_type":"second","api_rate_limit":5,"api_ratelimit":3}`, codeBadConfig, "unknown field"},
		{PluginTrafficControl, `{"expire_type":"week","api_rate_limit":5}`, codeBadConfig, "expire_type"},
		{PluginTrafficControl, `{"expire_type":"second","expire":2,"api_rate_limit":5}`, codeBadConfig, "only 1"},
		{PluginTrafficControl, `{"expire_type":"second"}`, codeBadConfig, "api_rate_limit is required"},
		{PluginTrafficControl, `{"expire_type":"second","api_rate_limit":5,"spec_ip_rate_limits":[` + strings.Join(ips, ",") + `]}`, codeBadConfig, "at most 30 special IPs"},
		{PluginTrafficControl, `{"expire_type":"second","api_rate_limit":5,"spec_ip_rate_limits":[{"ip_key":"nope","rate_limit":1}]}`, codeBadConfig, "not an IP"},
		{PluginTrafficControl, `{"expire_type":"second","api_rate_limit":5,"spec_app_rate_limits":[{"app_id":"a","rate_limit":1},{"app_id":"a","rate_limit":2}]}`, codeDupConfig, "twice"},
		{PluginTrafficControlByParameter, strat(`,"condition":"header.a == \"x\""`), "", ""},
		{PluginTrafficControlByParameter, strat(`,"condition":"header.a = \"x\""`), codeBadCond, "strategies[0].condition: column 10"},
		{PluginTrafficControlByParameter, strat(`,"window":7`), codeBadConfig, ""},
		{PluginTrafficControlByParameter, `{"default_window":0,"strategies":[` + strings.Join(strategies, ",") + `]}`, codeBadConfig, "at most 10"},
		{PluginTrafficControlByParameter, `{"default_window":0,"strategies":[]}`, codeBadConfig, "at least one"},
		{PluginTrafficControlByParameter, `{"default_window":5,"default_rate_limit":1,"strategies":[]}`, codeBadConfig, "default_window"},
		{PluginTrafficControlByParameter, `{"default_window":0,"strategies":[{"name":"a","strategy_weight":0,"parameters":[{"type":"cookie","name":"a"}],"rate_limit":1,"window":1}]}`, codeBadConfig, "type"},
		{PluginCors, `{"allow_origin":["*"],"allow_methods":["GET"],"max_age":600}`, "", ""},
		{PluginCors, `{"allow_origin":["**"],"allow_methods":["GET"],"max_age":600}`, "", ""},
		{PluginCors, `{"allow_origin":["app.example.com"],"allow_methods":["GET"],"max_age":600}`, codeBadConfig, "allow_origin[0]"},
		{PluginCors, `{"allow_origin":["*"],"allow_methods":["BREW"],"max_age":600}`, codeBadConfig, "allow_methods[0]"},
		{PluginCors, `{"allow_origin":["*"],"allow_methods":["GET"]}`, codeBadConfig, "max_age"},
		{PluginCors, `{"allow_origin":["*"],"allow_methods":["GET"],"allow_headers":["bad header"],"max_age":1}`, codeBadConfig, "allow_headers[0]"},
		{"CustomAuth", `{}`, codeUnsupported, "not supported"},
	}
	for _, c := range cases {
		err := ValidatePluginData(c.typ, c.data)
		if c.code == "" {
			if err != nil {
				t.Errorf("%s %s: %v", c.typ, c.data, err)
			}
			continue
		}
		var pe *PluginError
		if !errors.As(err, &pe) || pe.Code != c.code || !strings.Contains(pe.Msg, c.frag) {
			t.Errorf("%s %.80s: %v (want %s, %q)", c.typ, c.data, err, c.code, c.frag)
		}
	}
}

// FuzzPluginData: ValidatePluginData never panics, and data it accepts
// always compiles once attached (the control plane relies on that).
func FuzzPluginData(f *testing.F) {
	for _, s := range []string{
		`{"expire_type":"second","api_rate_limit":5,"spec_ip_rate_limits":[{"ip_key":"::1","rate_limit":1}]}`,
		`{"default_window":60,"default_rate_limit":5,"strategies":[{"name":"a","strategy_weight":1,"parameters":[{"type":"path"}],"rate_limit":1,"window":1,"condition":"method == \"GET\""}]}`,
		`{"allow_origin":["https://*.a.b","*"],"allow_methods":["*"],"allow_headers":["*"],"max_age":1}`,
		`{"Enabled":true,"Types":["*/*+json"],"Codings":["gzip"],"GzipLevel":6}`,
		`{}`, `[]`, `null`, `{"expire_type":`,
	} {
		for _, typ := range []string{PluginTrafficControl, PluginTrafficControlByParameter, PluginCors, PluginCompression} {
			f.Add(typ, s)
		}
	}
	f.Fuzz(func(t *testing.T, typ, data string) {
		if ValidatePluginData(typ, data) != nil || typ == PluginIPControl {
			return
		}
		if _, err := Compile(trafficPublished(t, onePlugin("plugin-f", typ, data))); err != nil {
			t.Fatalf("accepted %s %q but Compile fails: %v", typ, data, err)
		}
	})
}

// TestFlowControlSharedAndUsers: the Huawei throttle extensions: a shared
// plugin counts all its APIs under one key instead of each API's, and
// user limits apply per API key, special keys by their own.
func TestFlowControlSharedAndUsers(t *testing.T) {
	tr := &model.Traffic{Plugins: []model.Plugin{{PluginId: "plugin-sh", PluginType: PluginTrafficControl, Attachments: attach("release", "api-a", "api-b"),
		PluginData: `{"expire_type":"minute","api_rate_limit":9,"shared":true,"user_rate_limit":3,"spec_user_rate_limits":[{"user_id":"AKIDk","rate_limit":5}]}`}}}
	s := compiled(t, tr)
	a, b := route(t, s, "release", "api-a"), route(t, s, "release", "api-b")
	for _, r := range []*RouteTraffic{a, b} {
		if r.API[Minute] != 0 || r.Shared != (WindowLimit{Minute, 9}) || r.SharedKey != "plugin:plugin-sh:shared" {
			t.Fatalf("shared: %+v", r)
		}
		if r.Flow == nil || r.Flow.User != 3 || r.Flow.SpecialUsers["AKIDk"] != 5 {
			t.Fatalf("users: %+v", r.Flow)
		}
	}
	if a.Flow.KeyPrefix == b.Flow.KeyPrefix {
		t.Fatal("per-key counts are per API")
	}
	for _, bad := range []string{
		`{"expire_type":"minute","api_rate_limit":9,"user_rate_limit":-1}`,
		`{"expire_type":"minute","api_rate_limit":9,"spec_user_rate_limits":[{"user_id":"","rate_limit":5}]}`,
		`{"expire_type":"minute","api_rate_limit":9,"spec_user_rate_limits":[{"user_id":"k","rate_limit":0}]}`,
		`{"expire_type":"minute","api_rate_limit":9,"spec_user_rate_limits":[{"user_id":"k","rate_limit":1},{"user_id":"k","rate_limit":2}]}`,
	} {
		if err := ValidatePluginData(PluginTrafficControl, bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
