package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// ipService creates a service with an HTTP API (to the real upstream) and
// a mock API, releases it, and returns the IDs.
func ipService(t *testing.T, cp *controlPlane, c *apigw.Client, up *upstreamProc) (svc, echoAPI, mockAPI string) {
	t.Helper()
	cs := apigw.NewCreateServiceRequest()
	cs.ServiceName, cs.Protocol = common.StringPtr("ipshop"), common.StringPtr("http")
	svc = *mustSDK(c.CreateService(cs)).Response.ServiceId
	ca := apigw.NewCreateApiRequest()
	ca.ServiceId, ca.ApiName, ca.ServiceType = common.StringPtr(svc), common.StringPtr("echo"), common.StringPtr("HTTP")
	ca.ServiceTimeout, ca.Protocol = common.Int64Ptr(10), common.StringPtr("HTTP")
	ca.RequestConfig = &apigw.ApiRequestConfig{Path: common.StringPtr("/echo"), Method: common.StringPtr("GET")}
	ca.ServiceConfig = &apigw.ServiceConfig{Url: common.StringPtr("http://" + up.HTTP), Path: common.StringPtr("/echo"), Method: common.StringPtr("GET")}
	echoAPI = *mustSDK(c.CreateApi(ca)).Response.Result.ApiId
	cm := apigw.NewCreateApiRequest()
	cm.ServiceId, cm.ApiName, cm.ServiceType = common.StringPtr(svc), common.StringPtr("ping"), common.StringPtr("MOCK")
	cm.ServiceTimeout, cm.Protocol = common.Int64Ptr(5), common.StringPtr("HTTP")
	cm.RequestConfig = &apigw.ApiRequestConfig{Path: common.StringPtr("/ping"), Method: common.StringPtr("GET")}
	cm.ServiceMockReturnMessage = common.StringPtr("pong")
	mockAPI = *mustSDK(c.CreateApi(cm)).Response.Result.ApiId
	rs := apigw.NewReleaseServiceRequest()
	rs.ServiceId, rs.EnvironmentName, rs.ReleaseDesc = common.StringPtr(svc), common.StringPtr("release"), common.StringPtr("v1")
	mustSDK(c.ReleaseService(rs))
	if !eventually(2*time.Second, func() bool { code, _ := cp.get(svc, "/release/echo"); return code == 200 }) {
		t.Fatal("the released API is not served")
	}
	return svc, echoAPI, mockAPI
}

// edgeCode calls the edge and returns the status and the error code of a
// gateway-made answer ("" for a backend's).
func edgeCode(cp *controlPlane, svc, path string, hdr ...string) (int, string) {
	return hostCode(cp, svc+".localhost", path, hdr...)
}

// hostCode is edgeCode on any Host (a custom domain).
func hostCode(cp *controlPlane, host, path string, hdr ...string) (int, string) {
	req, _ := http.NewRequest("GET", "http://"+cp.Addr+path, nil)
	req.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Code string }
	json.Unmarshal(b, &e)
	return resp.StatusCode, e.Code
}

// within waits up to 1 s for the edge to answer want on path.
func within(t *testing.T, cp *controlPlane, svc, path string, want int, what string) {
	t.Helper()
	start := time.Now()
	if !eventually(time.Second, func() bool { code, _ := edgeCode(cp, svc, path); return code == want }) {
		code, ecode := edgeCode(cp, svc, path)
		t.Fatalf("%s: 1 s later the edge answers %d %s, want %d", what, code, ecode, want)
	}
	t.Logf("%s: the edge followed in %v", what, time.Since(start))
}

// TestSDKIPStrategies drives every IP strategy Action of SDK v1.0.162
// against a real process and checks what the edge enforces, through a
// real upstream, after each change; then that it all survives a restart.
func TestSDKIPStrategies(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp := startControlPlane(t)
	c := cp.sdk("", "")
	svc, echoAPI, mockAPI := ipService(t, cp, c, up)

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
	within(t, cp, svc, "/release/echo", 403, "bind BLACK")
	if code, ecode := edgeCode(cp, svc, "/release/echo"); code != 403 || ecode != "IPForbidden" {
		t.Errorf("refused call: %d %q", code, ecode)
	}
	if code, _ := edgeCode(cp, svc, "/release/ping"); code != 200 {
		t.Errorf("unbound API: %d", code)
	}

	// DescribeIPStrategy shows the binding, per environment.
	di := apigw.NewDescribeIPStrategyRequest()
	di.ServiceId, di.StrategyId = common.StringPtr(svc), common.StringPtr(black)
	dr := mustSDK(c.DescribeIPStrategy(di)).Response.Result
	if *dr.BindApiTotalCount != 1 || len(dr.BindApis) != 1 || *dr.BindApis[0].ApiId != echoAPI || *dr.BindApis[0].ApiName != "echo" ||
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
	ub.ServiceId, ub.StrategyId, ub.EnvironmentName = common.StringPtr(svc), common.StringPtr(black), common.StringPtr("release")
	ub.UnBindApiIds = common.StringPtrs([]string{echoAPI})
	if !*mustSDK(c.UnBindIPStrategy(ub)).Response.Result {
		t.Error("UnBindIPStrategy: Result false")
	}
	within(t, cp, svc, "/release/echo", 200, "unbind BLACK")

	// The WHITE list: this machine is not on it, then it is (ModifyIPStrategy).
	mustSDK(c.BindIPStrategy(bw))
	within(t, cp, svc, "/release/echo", 403, "bind WHITE")
	mi := apigw.NewModifyIPStrategyRequest()
	mi.ServiceId, mi.StrategyId = common.StringPtr(svc), common.StringPtr(white)
	mi.StrategyData = common.StringPtr("192.0.2.0/24\n2001:db8::/32\n127.0.0.0/8")
	if !*mustSDK(c.ModifyIPStrategy(mi)).Response.Result {
		t.Error("ModifyIPStrategy: Result false")
	}
	within(t, cp, svc, "/release/echo", 200, "modify WHITE to list this machine")
	mi.StrategyData = common.StringPtr("192.0.2.0/24")
	mustSDK(c.ModifyIPStrategy(mi))
	within(t, cp, svc, "/release/echo", 403, "modify WHITE to leave it out")

	// Everything survives a restart: the store, and the edge's filter.
	cp.stop(syscall.SIGTERM)
	cp.start()
	c = cp.sdk("", "")
	within(t, cp, svc, "/release/echo", 403, "after a restart")
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
	within(t, cp, svc, "/release/echo", 200, "delete the bound WHITE strategy")
	if _, err := c.DescribeIPStrategy(di); sdkCode(err) != "ResourceNotFound.InvalidIPStrategy" {
		t.Errorf("deleted strategy: %v", err)
	}
	de.StrategyId = common.StringPtr(black)
	mustSDK(c.DeleteIPStrategy(de))
	if lr := mustSDK(c.DescribeIPStrategysStatus(ls)).Response.Result; *lr.TotalCount != 0 {
		t.Errorf("after deleting both: %s", mustJSON(lr))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// callMsg sends a raw signed Action and returns its error code and message.
func callMsg(t *testing.T, c *tcapi.Client, action string, params any) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.Call(ctx, action, params)
	var e *tcapi.Error
	if errors.As(err, &e) {
		return e.Code, e.Message
	}
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return "", ""
}

// TestIPStrategyBadInput: each kind of bad request gets its code (and a
// message naming what is wrong) and changes nothing.
func TestIPStrategyBadInput(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp := startControlPlane(t)
	svc, echoAPI, _ := ipService(t, cp, cp.sdk("", ""), up)
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
		code, msg := callMsg(t, c, c2.action, c2.params)
		if code != c2.code || !strings.Contains(msg, c2.msg) {
			t.Errorf("%s %.80v: %s %q, want %s mentioning %q", c2.action, c2.params, code, msg, c2.code, c2.msg)
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
	if code, _ := edgeCode(cp, svc, "/release/echo"); code != 200 {
		t.Errorf("edge after the refusals: %d", code)
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
			time.Sleep(50 * time.Millisecond)
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
	svc, echoAPI, _ := ipService(t, cp, c, up)
	cb := apigw.NewCreateIPStrategyRequest()
	cb.ServiceId, cb.StrategyName = common.StringPtr(svc), common.StringPtr("bad-net")
	cb.StrategyType, cb.StrategyData = common.StringPtr("BLACK"), common.StringPtr("203.0.113.0/24")
	id := *mustSDK(c.CreateIPStrategy(cb)).Response.Result.StrategyId
	bi := apigw.NewBindIPStrategyRequest()
	bi.ServiceId, bi.StrategyId, bi.EnvironmentName = common.StringPtr(svc), common.StringPtr(id), common.StringPtr("release")
	bi.BindApiIds = common.StringPtrs([]string{echoAPI})
	mustSDK(c.BindIPStrategy(bi))
	if !eventually(time.Second, func() bool {
		code, _ := edgeCode(cp, svc, "/release/echo", "X-Forwarded-For", "203.0.113.9")
		return code == 403
	}) {
		t.Fatal("a black-listed client behind a trusted proxy was admitted")
	}
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
		if code, _ := edgeCode(cp, svc, "/release/echo", hdr...); code != c.want {
			t.Errorf("X-Forwarded-For %q: %d, want %d", c.xff, code, c.want)
		}
	}
}

// TestIPStrategySplitMode: a remote edge (edgegate edge) enforces a
// binding, and drops it, within 1 s of the Action.
func TestIPStrategySplitMode(t *testing.T) {
	dir := t.TempDir()
	adminData, edgeData := filepath.Join(dir, "admin"), filepath.Join(dir, "edge")
	adminAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	edgeAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	startProc(t, adminAddr, "admin", "--data", adminData, "--admin-listen", adminAddr)
	creds, err := os.ReadFile(filepath.Join(adminData, "admin-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(edgeData, 0o750)
	os.WriteFile(filepath.Join(edgeData, "admin-credentials.json"), creds, 0o600)
	startProc(t, edgeAddr, "edge", "--control", "http://"+adminAddr, "--data", edgeData, "--listen", edgeAddr)
	var cr struct{ SecretId, SecretKey string }
	json.Unmarshal(creds, &cr)
	c := &tcapi.Client{Endpoint: "http://" + adminAddr, SecretId: cr.SecretId, SecretKey: cr.SecretKey, Region: "ap-guangzhou", Version: "2018-08-08", Service: "apigateway"}
	must := func(action string, params map[string]any) json.RawMessage {
		t.Helper()
		code, raw := call(t, c, action, params)
		if code != "" {
			t.Fatalf("%s: %s", action, code)
		}
		return raw
	}
	var svc struct{ ServiceId string }
	json.Unmarshal(must("CreateService", map[string]any{"ServiceName": "ipsplit", "Protocol": "http"}), &svc)
	var api struct{ Result struct{ ApiId string } }
	json.Unmarshal(must("CreateApi", map[string]any{"ServiceId": svc.ServiceId, "ServiceType": "MOCK", "ServiceTimeout": 5, "Protocol": "HTTP",
		"RequestConfig": map[string]string{"Path": "/v", "Method": "GET"}, "ServiceMockReturnMessage": "ok"}), &api)
	must("ReleaseService", map[string]any{"ServiceId": svc.ServiceId, "EnvironmentName": "release", "ReleaseDesc": "v1"})
	var st struct{ Result struct{ StrategyId string } }
	json.Unmarshal(must("CreateIPStrategy", map[string]any{"ServiceId": svc.ServiceId, "StrategyName": "local", "StrategyType": "BLACK", "StrategyData": "127.0.0.0/8\n::1"}), &st)
	edge := &controlPlane{Addr: edgeAddr}
	if !eventually(2*time.Second, func() bool { code, _ := edge.get(svc.ServiceId, "/release/v"); return code == 200 }) {
		t.Fatal("the edge never served the release")
	}
	bind := map[string]any{"ServiceId": svc.ServiceId, "StrategyId": st.Result.StrategyId, "EnvironmentName": "release", "BindApiIds": []string{api.Result.ApiId}}
	for _, step := range []struct {
		action string
		want   int
	}{{"BindIPStrategy", 403}, {"UnBindIPStrategy", 200}} {
		params := bind
		if step.action == "UnBindIPStrategy" {
			params = map[string]any{"ServiceId": svc.ServiceId, "StrategyId": st.Result.StrategyId, "EnvironmentName": "release", "UnBindApiIds": []string{api.Result.ApiId}}
		}
		must(step.action, params)
		at := time.Now()
		if !eventually(time.Second, func() bool { code, _ := edge.get(svc.ServiceId, "/release/v"); return code == step.want }) {
			code, body := edge.get(svc.ServiceId, "/release/v")
			t.Fatalf("1 s after %s the remote edge answers %d %s", step.action, code, body)
		}
		t.Logf("%s reached the remote edge after %v", step.action, time.Since(at))
	}
}
