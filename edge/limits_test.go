package edge

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// limitsDoc is authDoc with a usage plan of 5 QPS per key and a quota of
// 8, and a TrafficControl plugin on an open API (2 per second per IP)
// and a parameter plugin (1 per second per value of query.u when
// header.x-tier is "free").
func limitsDoc(upstream string) string { return limitsDocPlan(upstream, 8, 5) }

// limitsDocPlan is limitsDoc with another quota and QPS cap.
func limitsDocPlan(upstream string, quota, qps int64) string {
	return serviceDoc(proxyAPI("api-open", "/p", upstream, ""), proxyAPI("api-key", "/k", upstream, "SECRET"),
		mockAPI("api-param", "/q", "ok")) + keyAccess(keyPlan("usagePlan-b", quota, qps, ""))
}

func limitsTraffic() *model.Traffic {
	at := func(api string) []model.PluginAttachment {
		return []model.PluginAttachment{{ServiceId: "service-t", Environment: "release", ApiId: api}}
	}
	return &model.Traffic{Plugins: []model.Plugin{
		{PluginId: "plugin-tc", PluginType: "TrafficControl", Attachments: at("api-open"),
			PluginData: `{"expire_type":"minute","api_rate_limit":1000,"ip_rate_limit":2}`},
		{PluginId: "plugin-pp", PluginType: "TrafficControlByParameter", Attachments: at("api-param"),
			PluginData: `{"default_window":0,"strategies":[{"name":"free","strategy_weight":1,"parameters":[{"type":"query","name":"u"}],"rate_limit":1,"window":60,"condition":"header.x-tier == \"free\""}]}`},
	}}
}

// startLimitsServer serves doc with traffic added, on loops event loops.
func startLimitsServer(t testing.TB, doc string, traffic *model.Traffic, loops int) *Server {
	t.Helper()
	return startServer(t, doc, Config{Loops: loops, LimiterKeys: 1 << 12}, nil, traffic)
}

type rawResp struct {
	code int
	h    http.Header
	body string
}

// rawDo sends one raw request on a new connection and reads the answer.
func rawDo(t *testing.T, addr, req string) rawResp {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	return rawResp{r.StatusCode, r.Header, string(b)}
}

func TestUsagePlanLimits(t *testing.T) {
	up := startRawUpstream(t, "hello")
	s := startLimitsServer(t, limitsDoc(up.ln.Addr().String()), limitsTraffic(), 1)
	req := signedGet("/release/k")
	var got []int
	for i := range 6 {
		r := rawDo(t, s.Addr(), req)
		got = append(got, r.code)
		if i < 5 {
			if r.code != 200 || r.h.Get("X-RateLimit-Limit") != "5" || r.h.Get("X-RateLimit-Used") != string(rune('1'+i))+"/8" {
				t.Fatalf("call %d: %d %v", i, r.code, r.h)
			}
			continue
		}
		if r.code != 429 || !strings.Contains(r.body, `"code":"RateLimitExceeded"`) || !strings.Contains(r.body, "usagePlan-b") ||
			r.h.Get("Retry-After") != "1" || r.h.Get("X-RateLimit-Limit") != "5" || r.h.Get("X-RateLimit-Remaining") != "0" || r.h.Get("X-RateLimit-Reset") != "1" {
			t.Fatalf("6th call: %d %v %s", r.code, r.h, r.body)
		}
	}
	if n := s.Stats().FrontendErrors; n != 1 {
		t.Errorf("FrontendErrors = %d, want 1", n)
	}
	// Restore the counts into a new server.
	s2 := startLimitsServer(t, limitsDoc(up.ln.Addr().String()), limitsTraffic(), 1)
	s2.RestoreQuotas(s.QuotaCounts())
	if q := s2.QuotaCounts(); len(q) != 1 || q[0].Used != 5 || q[0].ID != "quota:usagePlan-b" {
		t.Fatalf("restored %v", q)
	}
	codes := ""
	for range 4 {
		r := rawDo(t, s2.Addr(), req)
		codes += r.h.Get("X-RateLimit-Used") + " "
		if r.code == 429 {
			if !strings.Contains(r.body, `"code":"QuotaExceeded"`) || r.h.Get("Retry-After") != "" || r.h.Get("X-RateLimit-Limit") != "8" {
				t.Fatalf("quota refusal: %v %s", r.h, r.body)
			}
			codes += "429 "
		}
	}
	if codes != "6/8 7/8 8/8  429 " {
		t.Errorf("after restore: %q", codes)
	}
}

func TestPluginLimits(t *testing.T) {
	up := startRawUpstream(t, "hello")
	s := startLimitsServer(t, limitsDoc(up.ln.Addr().String()), limitsTraffic(), 1)
	var codes []int
	for range 3 {
		codes = append(codes, rawDo(t, s.Addr(), "GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n").code)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Errorf("per-IP limit 2/minute: %v", codes)
	}
	r := rawDo(t, s.Addr(), "GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n")
	if !strings.Contains(r.body, "per-client-IP") || !strings.Contains(r.body, "plugin:plugin-tc") {
		t.Errorf("message: %s", r.body)
	}
	// The strategy applies only to x-tier: free, per value of u.
	q := func(u, tier string) int {
		h := ""
		if tier != "" {
			h = "X-Tier: " + tier + "\r\n"
		}
		return rawDo(t, s.Addr(), "GET /release/q?u="+u+" HTTP/1.1\r\nHost: service-t.localhost\r\n"+h+"\r\n").code
	}
	seq := []int{q("a", "free"), q("a", "free"), q("b", "free"), q("a", "paid"), q("a", ""), q("a", "paid")}
	want := []int{200, 429, 200, 200, 200, 200}
	for i := range want {
		if seq[i] != want[i] {
			t.Errorf("parameter strategy: %v, want %v", seq, want)
			break
		}
	}
}

func replaceOnce(t testing.TB, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q not found once", old)
	}
	return strings.Replace(s, old, new, 1)
}

// A snapshot that fails to build after its usage plans were bound must not
// change a live quota's maximum (the quota objects outlive snapshots).
func TestSwapFailedBuildKeepsQuotaMax(t *testing.T) {
	up := startRawUpstream(t, "hello")
	doc := limitsDoc(up.ln.Addr().String())
	s := startLimitsServer(t, doc, limitsTraffic(), 1)
	p, err := model.ParseFile([]byte(strings.Replace(doc, "MaxRequestNum: 8", "MaxRequestNum: 1000", 1)))
	if err != nil {
		t.Fatal(err)
	}
	p.Traffic = limitsTraffic()
	bad, err := snapshot.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	bad.Traffic = &snapshot.Traffic{Routes: []snapshot.RouteTraffic{{
		Flow: &snapshot.FlowControl{Window: snapshot.Second, SpecialIPs: map[string]int64{"not-an-ip": 1}, KeyPrefix: "t:"},
	}}}
	if err := s.Swap(bad); err == nil {
		t.Fatal("a snapshot with an invalid special IP was installed")
	}
	if m := s.lim.Quota(quotaPrefix+"usagePlan-b", 0).Max(); m != 8 {
		t.Fatalf("failed build changed the live quota's maximum to %d, want 8", m)
	}
	good, err := snapshot.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Swap(good); err != nil {
		t.Fatal(err)
	}
	if m := s.lim.Quota(quotaPrefix+"usagePlan-b", 0).Max(); m != 1000 {
		t.Fatalf("installed snapshot's quota maximum is %d, want 1000", m)
	}
}
