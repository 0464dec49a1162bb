package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// ipService creates a service with an HTTP API /echo (to the real
// upstream) and a mock API /ping, releases it, waits for the edge to serve
// it, and returns the IDs and the service on cp's edge.
func ipService(t *testing.T, cp *controlPlane, c *apigw.Client, up *upstreamProc) (svc, echoAPI, mockAPI string, g *gateway) {
	t.Helper()
	svc = sdkCreateService(c, "ipshop")
	echoAPI = sdkAPI(c, svc, "/echo", proxyTo(up, "/echo"))
	mockAPI = sdkAPI(c, svc, "/ping")
	sdkRelease(c, svc)
	g = cp.edge(svc)
	waitFor(t, 2*time.Second, "the release on the edge", func() bool { return g.get("/echo").status == 200 })
	return svc, echoAPI, mockAPI, g
}

// echoBecomes waits (inEffect) until /echo on g answers status: 200, or
// 403 IPForbidden.
func echoBecomes(t *testing.T, what string, g *gateway, status int) {
	t.Helper()
	code := ""
	if status == 403 {
		code = "IPForbidden"
	}
	inEffect(t, what, time.Now(), func() answer { return g.get("/echo") }, is(status, code))
}

// TestSDKIPStrategies drives every IP strategy Action of SDK v1.0.162
// against a real process and checks what the edge enforces, through a
// real upstream, after each change; then that it all survives a restart.
func TestSDKIPStrategies(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp := startControlPlane(t)
	c := cp.sdk("", "")
	svc, echoAPI, mockAPI, g := ipService(t, cp, c, up)

	// CreateIPStrategy: a BLACK list holding this machine, a WHITE list
	// that does not (separated by ';' and by line breaks).
	cb := apigw.NewCreateIPStrategyRequest()
	cb.ServiceId, cb.StrategyName = common.StringPtr(svc), common.StringPtr("block-local")
	cb.StrategyType, cb.StrategyData = common.StringPtr("BLACK"), common.StringPtr("10.0.0.0/8;127.0.0.1")
	cbr := mustSDK(c.CreateIPStrategy(cb)).Response.Result
	black := *cbr.StrategyId
	if !strings.HasPrefix(black, "ipstrategy-") || *cbr.StrategyName != "block-local" || *cbr.StrategyType != "BLACK" ||
		*cbr.StrategyData != "10.0.0.0/8;127.0.0.1" || *cbr.ServiceId != svc || *cbr.CreatedTime == "" || *cbr.BindApiTotalCount != 0 {
		t.Fatalf("CreateIPStrategy: %+v", cbr)
	}
	cw := apigw.NewCreateIPStrategyRequest()
	cw.ServiceId, cw.StrategyName = common.StringPtr(svc), common.StringPtr("partners")
	cw.StrategyType, cw.StrategyData = common.StringPtr("WHITE"), common.StringPtr("192.0.2.0/24\n2001:db8::/32")
	white := *mustSDK(c.CreateIPStrategy(cw)).Response.Result.StrategyId

	// DescribeIPStrategysStatus, with and without the StrategyName filter.
	ls := apigw.NewDescribeIPStrategysStatusRequest()
	ls.ServiceId = common.StringPtr(svc)
	lr := mustSDK(c.DescribeIPStrategysStatus(ls)).Response.Result
	if *lr.TotalCount != 2 || len(lr.StrategySet) != 2 || *lr.StrategySet[0].StrategyId != black || *lr.StrategySet[1].StrategyId != white {
		t.Errorf("DescribeIPStrategysStatus: %+v", lr)
	}
	ls.Filters = []*apigw.Filter{{Name: common.StringPtr("StrategyName"), Values: common.StringPtrs([]string{"partner"})}}
	lr = mustSDK(c.DescribeIPStrategysStatus(ls)).Response.Result
	if *lr.TotalCount != 1 || *lr.StrategySet[0].StrategyId != white {
		t.Errorf("DescribeIPStrategysStatus filtered: %+v", lr)
	}

	// DescribeIPStrategyApisStatus: both APIs can be bound.
	as := apigw.NewDescribeIPStrategyApisStatusRequest()
	as.ServiceId, as.StrategyId, as.EnvironmentName = common.StringPtr(svc), common.StringPtr(black), common.StringPtr("release")
	ar := mustSDK(c.DescribeIPStrategyApisStatus(as)).Response.Result
	if *ar.TotalCount != 2 || *ar.ApiIdStatusSet[0].ApiId != echoAPI || *ar.ApiIdStatusSet[0].Path != "/echo" || *ar.ApiIdStatusSet[0].OtherIPStrategyId != "" {
		t.Errorf("DescribeIPStrategyApisStatus: %+v", ar)
	}

	// BindIPStrategy: the BLACK list refuses this machine within 1 s, with
	// the documented code; the unbound API still answers.
	bi := apigw.NewBindIPStrategyRequest()
	bi.ServiceId, bi.StrategyId, bi.EnvironmentName = common.StringPtr(svc), common.StringPtr(black), common.StringPtr("release")
	bi.BindApiIds = common.StringPtrs([]string{echoAPI})
	if !*mustSDK(c.BindIPStrategy(bi)).Response.Result {
		t.Error("BindIPStrategy: Result false")
	}
	echoBecomes(t, "bind BLACK", g, 403)
	if a := g.get("/ping"); a.status != 200 {
		t.Errorf("unbound API: %v", a)
	}

	// DescribeIPStrategy shows the binding, per environment.
	di := apigw.NewDescribeIPStrategyRequest()
	di.ServiceId, di.StrategyId = common.StringPtr(svc), common.StringPtr(black)
	dr := mustSDK(c.DescribeIPStrategy(di)).Response.Result
	if *dr.BindApiTotalCount != 1 || len(dr.BindApis) != 1 || *dr.BindApis[0].ApiId != echoAPI || *dr.BindApis[0].ApiName != "apiecho" ||
		*dr.StrategyData != "10.0.0.0/8;127.0.0.1" {
		t.Errorf("DescribeIPStrategy: %s", mustJSON(dr))
	}
	di.EnvironmentName = common.StringPtr("test")
	if dr := mustSDK(c.DescribeIPStrategy(di)).Response.Result; *dr.BindApiTotalCount != 0 || len(dr.BindApis) != 0 {
		t.Errorf("DescribeIPStrategy in test: %s", mustJSON(dr))
	}

	// One IP strategy per API per environment: the WHITE one sees the
	// other binding and is refused.
	as.StrategyId = common.StringPtr(white)
	ar = mustSDK(c.DescribeIPStrategyApisStatus(as)).Response.Result
	if *ar.TotalCount != 2 || *ar.ApiIdStatusSet[0].OtherIPStrategyId != black || *ar.ApiIdStatusSet[0].OtherEnvironmentName != "release" {
		t.Errorf("DescribeIPStrategyApisStatus of the other strategy: %s", mustJSON(ar))
	}
	bw := apigw.NewBindIPStrategyRequest()
	bw.ServiceId, bw.StrategyId, bw.EnvironmentName = common.StringPtr(svc), common.StringPtr(white), common.StringPtr("release")
	bw.BindApiIds = common.StringPtrs([]string{echoAPI})
	if _, err := c.BindIPStrategy(bw); sdkCode(err) != "ResourceInUse" {
		t.Errorf("second strategy on one API: %v", err)
	}
	as.StrategyId = common.StringPtr(black)
	if ar := mustSDK(c.DescribeIPStrategyApisStatus(as)).Response.Result; *ar.TotalCount != 1 || *ar.ApiIdStatusSet[0].ApiId != mockAPI {
		t.Errorf("bindable APIs after binding: %s", mustJSON(ar))
	}

	// UnBindIPStrategy: 200 again within 1 s.
	ub := apigw.NewUnBindIPStrategyRequest()
	ub.ServiceId, ub.StrategyId, ub.EnvironmentName, ub.UnBindApiIds = bi.ServiceId, bi.StrategyId, bi.EnvironmentName, bi.BindApiIds
	if !*mustSDK(c.UnBindIPStrategy(ub)).Response.Result {
		t.Error("UnBindIPStrategy: Result false")
	}
	echoBecomes(t, "unbind BLACK", g, 200)

	// The WHITE list: this machine is not on it, then it is (ModifyIPStrategy).
	mustSDK(c.BindIPStrategy(bw))
	echoBecomes(t, "bind WHITE", g, 403)
	mi := apigw.NewModifyIPStrategyRequest()
	mi.ServiceId, mi.StrategyId = common.StringPtr(svc), common.StringPtr(white)
	mi.StrategyData = common.StringPtr("192.0.2.0/24\n2001:db8::/32\n127.0.0.0/8")
	if !*mustSDK(c.ModifyIPStrategy(mi)).Response.Result {
		t.Error("ModifyIPStrategy: Result false")
	}
	echoBecomes(t, "modify WHITE to list this machine", g, 200)
	mi.StrategyData = common.StringPtr("192.0.2.0/24")
	mustSDK(c.ModifyIPStrategy(mi))
	echoBecomes(t, "modify WHITE to leave it out", g, 403)

	// Everything survives a restart: the store, and the edge's filter.
	cp.stop(syscall.SIGTERM)
	cp.start()
	c = cp.sdk("", "")
	echoBecomes(t, "after a restart", g, 403)
	di.StrategyId, di.EnvironmentName = common.StringPtr(white), nil
	if dr := mustSDK(c.DescribeIPStrategy(di)).Response.Result; *dr.BindApiTotalCount != 1 || *dr.StrategyData != "192.0.2.0/24" {
		t.Errorf("after a restart: %s", mustJSON(dr))
	}

	// DeleteIPStrategy of a bound strategy: its APIs are filtered no more.
	de := apigw.NewDeleteIPStrategyRequest()
	de.ServiceId, de.StrategyId = common.StringPtr(svc), common.StringPtr(white)
	if !*mustSDK(c.DeleteIPStrategy(de)).Response.Result {
		t.Error("DeleteIPStrategy: Result false")
	}
	echoBecomes(t, "delete the bound WHITE strategy", g, 200)
	if _, err := c.DescribeIPStrategy(di); sdkCode(err) != "ResourceNotFound.InvalidIPStrategy" {
		t.Errorf("deleted strategy: %v", err)
	}
	de.StrategyId = common.StringPtr(black)
	mustSDK(c.DeleteIPStrategy(de))
	if lr := mustSDK(c.DescribeIPStrategysStatus(ls)).Response.Result; *lr.TotalCount != 0 {
		t.Errorf("after deleting both: %s", mustJSON(lr))
	}
}

// TestIPStrategyBadInput: each kind of bad request gets its code (and a
// message naming what is wrong) and changes nothing.
func TestIPStrategyBadInput(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp := startControlPlane(t)
	svc, echoAPI, _, g := ipService(t, cp, cp.sdk("", ""), up)
	c := cp.client()
	code, raw := call(t, c, "CreateIPStrategy", map[string]any{"ServiceId": svc, "StrategyName": "s", "StrategyType": "BLACK", "StrategyData": "127.0.0.1"})
	if code != "" {
		t.Fatal(code)
	}
	var cr struct{ Result struct{ StrategyId string } }
	json.Unmarshal(raw, &cr)
	id := cr.Result.StrategyId
	create := func(typ, data string) map[string]any {
		return map[string]any{"ServiceId": svc, "StrategyName": "x", "StrategyType": typ, "StrategyData": data}
	}
	for _, c2 := range []struct {
		action string
		params map[string]any
		code   string
		msg    string
	}{
		{"CreateIPStrategy", create("BLACK", "10.0.0.1;10.0.0.300"), "InvalidParameter.FormatError", `"10.0.0.300"`},
		{"CreateIPStrategy", create("BLACK", "10.0.0.0/33"), "InvalidParameter.FormatError", `"10.0.0.0/33"`},
		{"CreateIPStrategy", create("WHITE", "1.2.3.4,5.6.7.8"), "InvalidParameter.FormatError", `"1.2.3.4,5.6.7.8"`},
		{"CreateIPStrategy", create("WHITE", "10.0.0.9-10.0.0.1"), "InvalidParameter.FormatError", "lower address"},
		{"CreateIPStrategy", create("GREY", "10.0.0.1"), "InvalidParameterValue.NotInOptions", "WHITE or BLACK"},
		{"CreateIPStrategy", create("BLACK", " ;\n"), "MissingParameter", "StrategyData"},
		{"CreateIPStrategy", map[string]any{"ServiceId": svc, "StrategyType": "BLACK", "StrategyData": "1.1.1.1"}, "MissingParameter", "StrategyName"},
		{"CreateIPStrategy", map[string]any{"ServiceId": "service-nothere", "StrategyName": "x", "StrategyType": "BLACK", "StrategyData": "1.1.1.1"}, "ResourceNotFound.InvalidService", "service-nothere"},
		{"CreateIPStrategy", create("BLACK", strings.Repeat("1.1.1.1;", 10001)), "InvalidParameterValue.LengthExceeded", "10001"},
		{"ModifyIPStrategy", map[string]any{"ServiceId": svc, "StrategyId": "ipstrategy-nothere", "StrategyData": "1.1.1.1"}, "ResourceNotFound.InvalidIPStrategy", "ipstrategy-nothere"},
		{"ModifyIPStrategy", map[string]any{"ServiceId": svc, "StrategyId": id, "StrategyData": "1.1.1.1;fe80::1%eth0"}, "InvalidParameter.FormatError", `"fe80::1%eth0"`},
		{"DeleteIPStrategy", map[string]any{"ServiceId": svc, "StrategyId": "ipstrategy-nothere"}, "ResourceNotFound.InvalidIPStrategy", ""},
		{"DescribeIPStrategy", map[string]any{"ServiceId": svc, "StrategyId": id, "Filters": []map[string]any{{"Name": "ApiName", "Values": []string{"x"}}}}, "InvalidParameterValue.InvalidFilterNotSupportedName", "ApiName"},
		{"DescribeIPStrategy", map[string]any{"ServiceId": "service-nothere", "StrategyId": id}, "ResourceNotFound.InvalidService", ""},
		{"DescribeIPStrategysStatus", map[string]any{"ServiceId": svc, "Filters": []map[string]any{{"Name": "StrategyType", "Values": []string{"x"}}}}, "InvalidParameterValue.InvalidFilterNotSupportedName", ""},
		{"DescribeIPStrategyApisStatus", map[string]any{"ServiceId": svc, "StrategyId": id}, "MissingParameter", "EnvironmentName"},
		{"DescribeIPStrategyApisStatus", map[string]any{"ServiceId": svc, "StrategyId": "ipstrategy-nothere", "EnvironmentName": "release"}, "ResourceNotFound.InvalidIPStrategy", ""},
		{"BindIPStrategy", map[string]any{"ServiceId": svc, "StrategyId": id, "EnvironmentName": "release", "BindApiIds": []string{echoAPI, "api-nothere"}}, "ResourceNotFound.InvalidApi", "api-nothere"},
		{"BindIPStrategy", map[string]any{"ServiceId": svc, "StrategyId": "ipstrategy-nothere", "EnvironmentName": "release", "BindApiIds": []string{echoAPI}}, "ResourceNotFound.InvalidIPStrategy", ""},
		{"BindIPStrategy", map[string]any{"ServiceId": svc, "StrategyId": id, "EnvironmentName": "staging", "BindApiIds": []string{echoAPI}}, "InvalidParameterValue", "staging"},
		{"BindIPStrategy", map[string]any{"ServiceId": svc, "StrategyId": id, "EnvironmentName": "release"}, "MissingParameter", "BindApiIds"},
		{"UnBindIPStrategy", map[string]any{"ServiceId": svc, "StrategyId": id, "EnvironmentName": "release", "UnBindApiIds": []string{"api-nothere"}}, "ResourceNotFound.InvalidApi", ""},
	} {
		if _, e := callErr(t, c, c2.action, c2.params); e == nil || e.Code != c2.code || !strings.Contains(e.Message, c2.msg) {
			t.Errorf("%s %.80v: %v, want %s mentioning %q", c2.action, c2.params, e, c2.code, c2.msg)
		}
	}
	// Nothing changed: one strategy, unbound, with its data; the edge
	// serves this machine.
	code, raw = call(t, c, "DescribeIPStrategy", map[string]any{"ServiceId": svc, "StrategyId": id})
	var dr struct {
		Result struct {
			StrategyData      string
			BindApiTotalCount int
		}
	}
	json.Unmarshal(raw, &dr)
	if code != "" || dr.Result.StrategyData != "127.0.0.1" || dr.Result.BindApiTotalCount != 0 {
		t.Errorf("after the refusals: %s %s", code, raw)
	}
	if a := g.get("/echo"); a.status != 200 {
		t.Errorf("edge after the refusals: %v", a)
	}
	// The seed's overview spelling answers like the Action's own.
	if code, raw := call(t, c, "DescribeIPStrategiesStatus", map[string]any{"ServiceId": svc}); code != "" || !strings.Contains(string(raw), `"TotalCount":1`) {
		t.Errorf("DescribeIPStrategiesStatus: %s %s", code, raw)
	}
	// The per-service limit (LimitExceeded.IpStrategyLimitExceeded).
	// The Action API allows 20 calls a second per Action (seed 默认接口请求频率限制).
	paced := func(params map[string]any) string {
		for {
			code, _ := call(t, c, "CreateIPStrategy", params)
			if code != "RequestLimitExceeded" {
				return code
			}
			time.Sleep(50 * time.Millisecond) // pacing: the Action API's rate limit
		}
	}
	for i := 1; i < 50; i++ {
		if code := paced(create("WHITE", fmt.Sprintf("10.0.0.%d", i))); code != "" {
			t.Fatalf("strategy %d: %s", i+1, code)
		}
	}
	if code := paced(create("WHITE", "10.0.1.1")); code != "LimitExceeded.IpStrategyLimitExceeded" {
		t.Errorf("51st strategy: %q", code)
	}
	// Deleting the service takes its strategies with it.
	if code, _ := call(t, c, "UnReleaseService", map[string]any{"ServiceId": svc, "EnvironmentName": "release"}); code != "" {
		t.Fatal(code)
	}
	if code, _ := call(t, c, "DeleteService", map[string]any{"ServiceId": svc}); code != "" {
		t.Fatal(code)
	}
	if code, _ := call(t, c, "DescribeIPStrategy", map[string]any{"ServiceId": svc, "StrategyId": id}); code != "ResourceNotFound.InvalidService" {
		t.Errorf("strategy of a deleted service: %q", code)
	}
}

// TestIPStrategyTrustedProxies: with --trusted-proxies naming this
// machine, the right-most X-Forwarded-For address that is not a trusted
// proxy is the client the strategy judges. The Actions go through the
// SDK's GET form here.
func TestIPStrategyTrustedProxies(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp := startControlPlane(t, "--trusted-proxies", "127.0.0.0/8,10.0.0.0/8")
	c := cp.sdk("", "GET") // the SDK's GET form, arrays as BindApiIds.0=…
	svc, echoAPI, _, g := ipService(t, cp, c, up)
	cb := apigw.NewCreateIPStrategyRequest()
	cb.ServiceId, cb.StrategyName = common.StringPtr(svc), common.StringPtr("bad-net")
	cb.StrategyType, cb.StrategyData = common.StringPtr("BLACK"), common.StringPtr("203.0.113.0/24")
	id := *mustSDK(c.CreateIPStrategy(cb)).Response.Result.StrategyId
	bi := apigw.NewBindIPStrategyRequest()
	bi.ServiceId, bi.StrategyId, bi.EnvironmentName = common.StringPtr(svc), common.StringPtr(id), common.StringPtr("release")
	bi.BindApiIds = common.StringPtrs([]string{echoAPI})
	mustSDK(c.BindIPStrategy(bi))
	inEffect(t, "bind BLACK behind a trusted proxy", time.Now(), func() answer { return g.get("/echo", "X-Forwarded-For", "203.0.113.9") }, is(403, "IPForbidden"))
	for _, c := range []struct {
		xff  string
		want int
	}{
		{"", 200},
		{"203.0.113.9, 10.1.1.1", 403},
		{"203.0.113.9, 198.51.100.1", 200}, // the client is 198.51.100.1
		{"198.51.100.1, 203.0.113.9", 403}, // a forged left part is not believed
		{"not-an-address", 403},
	} {
		hdr := []string{}
		if c.xff != "" {
			hdr = []string{"X-Forwarded-For", c.xff}
		}
		if a := g.get("/echo", hdr...); a.status != c.want {
			t.Errorf("X-Forwarded-For %q: %v, want %d", c.xff, a, c.want)
		}
	}
}

// TestIPStrategySplitMode: a remote edge (edgegate edge) enforces a
// binding, and drops it, within 1 s of the Action.
func TestIPStrategySplitMode(t *testing.T) {
	admin := startAdmin(t)
	edge := admin.startEdge("edge-ip")
	c := admin.client()
	var svc struct{ ServiceId string }
	mustCall(t, c, "CreateService", map[string]any{"ServiceName": "ipsplit", "Protocol": "http"}, &svc)
	var api struct{ Result struct{ ApiId string } }
	mustCall(t, c, "CreateApi", map[string]any{"ServiceId": svc.ServiceId, "ServiceType": "MOCK", "ServiceTimeout": 5, "Protocol": "HTTP",
		"RequestConfig": map[string]string{"Path": "/v", "Method": "GET"}, "ServiceMockReturnMessage": "ok"}, &api)
	mustCall(t, c, "ReleaseService", map[string]any{"ServiceId": svc.ServiceId, "EnvironmentName": "release", "ReleaseDesc": "v1"}, nil)
	var st struct{ Result struct{ StrategyId string } }
	mustCall(t, c, "CreateIPStrategy", map[string]any{"ServiceId": svc.ServiceId, "StrategyName": "local", "StrategyType": "BLACK", "StrategyData": "127.0.0.0/8\n::1"}, &st)
	g := edge.edge(svc.ServiceId)
	probe := func() answer { return g.get("/v") }
	waitFor(t, 2*time.Second, "the release on the remote edge", func() bool { return probe().status == 200 })
	binding := map[string]any{"ServiceId": svc.ServiceId, "StrategyId": st.Result.StrategyId, "EnvironmentName": "release"}
	binding["BindApiIds"] = []string{api.Result.ApiId}
	mustCall(t, c, "BindIPStrategy", binding, nil)
	inEffect(t, "BindIPStrategy on the remote edge", time.Now(), probe, is(403, "IPForbidden"))
	delete(binding, "BindApiIds")
	binding["UnBindApiIds"] = []string{api.Result.ApiId}
	mustCall(t, c, "UnBindIPStrategy", binding, nil)
	inEffect(t, "UnBindIPStrategy on the remote edge", time.Now(), probe, is(200, ""))
}
