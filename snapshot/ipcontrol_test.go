package snapshot

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/model"
)

// ipPublished is two APIs released to test and release, with strategies
// and plugins given directly (the plugin Actions live elsewhere).
func ipPublished(t *testing.T) *model.Published {
	t.Helper()
	p, err := model.ParseFile([]byte(`
Services:
  - ServiceId: service-s
    Environments: [test, release]
    Apis:
      - {ApiId: api-a, RequestConfig: {Path: /a, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: a}
      - {ApiId: api-b, RequestConfig: {Path: /b, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: b}
`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// routeOf finds the route index of an API in an environment.
func routeOf(t *testing.T, s *Snapshot, env, api string) int {
	t.Helper()
	for _, r := range s.Router.Routes() {
		if r.Environment == env && r.ApiId == api {
			return r.Index
		}
	}
	t.Fatalf("no route for %s %s", env, api)
	return -1
}

func TestCompileIPControl(t *testing.T) {
	p := ipPublished(t)
	p.IPControl = &model.IPControl{Strategies: []model.IPStrategy{
		{StrategyId: "ip-black", ServiceId: "service-s", StrategyType: "BLACK", StrategyData: "10.0.0.0/8\n192.0.2.7",
			Bindings: []model.IPStrategyBinding{{Environment: "release", ApiId: "api-a"}}},
		{StrategyId: "ip-white", ServiceId: "service-s", StrategyType: "WHITE", StrategyData: "10.1.0.0/16;2001:db8::/32",
			Bindings: []model.IPStrategyBinding{{Environment: "test", ApiId: "api-a"}, {Environment: "release", ApiId: "api-b"}}},
		// Unbound: compiled into nothing.
		{StrategyId: "ip-idle", ServiceId: "service-s", StrategyType: "WHITE", StrategyData: "1.1.1.1"},
	}}
	p.Traffic = &model.Traffic{Plugins: []model.Plugin{
		{PluginId: "plugin-ipc", PluginType: "IPControl", PluginData: `{"type":"white_list","blocks":"10.0.0.0/8;192.0.2.0/24"}`,
			Attachments: []model.PluginAttachment{{ServiceId: "service-s", Environment: "release", ApiId: "api-a"}}},
		// Other plugin types are not IP control's business.
		{PluginId: "plugin-tc", PluginType: "TrafficControl", PluginData: `{"expire_type":"second","api_rate_limit":100}`,
			Attachments: []model.PluginAttachment{{ServiceId: "service-s", Environment: "release", ApiId: "api-b"}}},
	}}
	s, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	admit := func(env, api, addr string) bool {
		t.Helper()
		return AdmitIP(s.IP.Rules(routeOf(t, s, env, api)), netip.MustParseAddr(addr)) == nil
	}
	f := func(env, api, addr string, want bool) {
		t.Helper()
		if got := admit(env, api, addr); got != want {
			t.Errorf("%s %s from %s: admitted %v, want %v", env, api, addr, got, want)
		}
	}
	for _, c := range []struct {
		env, api string
		admit    []string // addresses admitted
		refuse   []string
	}{
		// release/api-a: BLACK 10/8 + 192.0.2.7, and the plugin's WHITE 10/8 +
		// 192.0.2.0/24: all must admit, so 192.0.2.0/24 minus .7.
		{"release", "api-a", []string{"192.0.2.1"}, []string{"192.0.2.7", "10.0.0.1", "198.51.100.1"}},
		// test/api-a: WHITE 10.1/16 and 2001:db8::/32 only.
		{"test", "api-a", []string{"10.1.2.3", "::ffff:10.1.2.3", "2001:db8::5"}, []string{"10.2.0.1", "::1"}},
		// release/api-b: the same WHITE strategy.
		{"release", "api-b", []string{"10.1.0.1"}, []string{"127.0.0.1"}},
		// test/api-b: nothing applies.
		{"test", "api-b", []string{"127.0.0.1"}, nil},
	} {
		for _, a := range c.admit {
			f(c.env, c.api, a, true)
		}
		for _, a := range c.refuse {
			f(c.env, c.api, a, false)
		}
	}
	if n := len(s.IP.Rules(routeOf(t, s, "test", "api-b"))); n != 0 {
		t.Errorf("test/api-b has %d rules", n)
	}
	// An unknown client address is refused by any rule.
	if AdmitIP(s.IP.Rules(routeOf(t, s, "release", "api-b")), netip.Addr{}) == nil {
		t.Error("unknown address admitted")
	}
	if r := AdmitIP(s.IP.Rules(routeOf(t, s, "release", "api-a")), netip.MustParseAddr("192.0.2.7")); r == nil || r.Source != "IP strategy ip-black" {
		t.Errorf("refusing rule: %+v", r)
	}
	// One compiled set per strategy, shared by its routes.
	ta := s.IP.Rules(routeOf(t, s, "test", "api-a"))
	rb := s.IP.Rules(routeOf(t, s, "release", "api-b"))
	if len(ta) != 1 || len(rb) != 1 || ta[0].Set != rb[0].Set {
		t.Error("the WHITE strategy's set is not shared")
	}
}

func TestCompileIPControlNothing(t *testing.T) {
	s, err := Compile(ipPublished(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.IP == nil || s.IP.Routes != nil || s.IP.Rules(0) != nil {
		t.Errorf("no strategies: %+v", s.IP)
	}
}

func TestCompileIPControlBad(t *testing.T) {
	p := ipPublished(t)
	p.IPControl = &model.IPControl{Strategies: []model.IPStrategy{{StrategyId: "ip-x", ServiceId: "service-s", StrategyType: "BLACK",
		StrategyData: "10.0.0.0/8;10.0.0.300", Bindings: []model.IPStrategyBinding{{Environment: "release", ApiId: "api-a"}}}}}
	if _, err := Compile(p); err == nil || !strings.Contains(err.Error(), `"10.0.0.300"`) {
		t.Errorf("bad strategy data: %v", err)
	}
	p = ipPublished(t)
	p.Traffic = &model.Traffic{Plugins: []model.Plugin{{PluginId: "plugin-x", PluginType: "IPControl", PluginData: `{"type":"grey_list","blocks":"1.1.1.1"}`,
		Attachments: []model.PluginAttachment{{ServiceId: "service-s", Environment: "release", ApiId: "api-a"}}}}}
	if _, err := Compile(p); err == nil || !strings.Contains(err.Error(), "grey_list") {
		t.Errorf("bad plugin data: %v", err)
	}
}

func TestValidateIPControlPlugin(t *testing.T) {
	for _, good := range []string{
		`{"type":"white_list","blocks":"1.1.1.1\n1.1.1.0/24"}`,
		`{"type":"black_list","blocks":"1.1.1.1;2001:db8::/32","descriptions":{"1.1.1.1":"desc"}}`,
		`{"type":"BLACK_LIST","blocks":"10.0.0.1-10.0.0.9"}`,
		`{"type":"white_list","blocks":"1.1.1.1\\n1.1.1.0/24"}`, // the console's example, a literal backslash-n
	} {
		if err := ValidatePluginData("IPControl", good); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	for _, c := range []struct{ data, want string }{
		{`{"type":"white_list","blocks":"1.1.1.1;1.1.1.300"}`, `"1.1.1.300"`},
		{`{"type":"white_list","blocks":""}`, "at least one"},
		{`{"type":"white_list"}`, "at least one"},
		{`{"blocks":"1.1.1.1"}`, `"type" is required`},
		{`{"type":"allow","blocks":"1.1.1.1"}`, "white_list or black_list"},
		{`{"type":"white_list","blocks":"1.1.1.1","block":"2.2.2.2"}`, "unknown field"},
		{`{"type":"white_list","blocks":["1.1.1.1"]}`, "cannot unmarshal"},
		{`not json`, "invalid character"},
		{`{"type":"white_list","blocks":"1.1.1.1"} {}`, "one JSON object"},
		{`{"type":"white_list","blocks":"` + strings.Repeat("1.1.1.1;", MaxIPEntries+1) + `"}`, "at most"},
	} {
		err := ValidatePluginData("IPControl", c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.60s: %v, want it to say %q", c.data, err, c.want)
		}
	}
}
