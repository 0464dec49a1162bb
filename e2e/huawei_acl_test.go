package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/edgegate/edgegate/admin/hwapi"
)

// TestHuaweiACLs: ACL policies and bindings over REST are IP strategies:
// one created and bound here appears in DescribeIPStrategy (official SDK)
// and is enforced by the edge after the publish; bindings are listed,
// unbound one by one and in batches; the seed's paging rules hold.
func TestHuaweiACLs(t *testing.T) {
	defer catchSDK(t)
	up, cp, c, h := hwSetup(t)
	svc, echo, ping, g := ipService(t, cp, c, up)
	other, otherEcho, _, _ := ipService(t, cp, c, up)

	var acl hwapi.ACL
	h.ok("POST", "/acls", nil, map[string]any{"acl_name": "block_local", "acl_type": "DENY", "acl_value": "10.0.0.0/8,127.0.0.1", "entity_type": "IP"}, 201, &acl)
	if acl.Id == "" || acl.Type != "DENY" || acl.Value != "10.0.0.0/8,127.0.0.1" || acl.EntityType != "IP" || acl.BindNum != 0 || acl.UpdateTime == "" {
		t.Fatalf("create: %+v", acl)
	}
	h.want("POST", "/acls", nil, map[string]any{"acl_name": "x", "acl_type": "DENY", "acl_value": "1.1.1.1"}, 400, "APIG.2012")
	h.want("POST", "/acls", nil, map[string]any{"acl_name": "bad_type", "acl_type": "BLOCK", "acl_value": "1.1.1.1"}, 400, "APIG.2012")
	h.want("POST", "/acls", nil, map[string]any{"acl_name": "bad_ip", "acl_type": "DENY", "acl_value": "1.1.1.300"}, 400, "APIG.2012")
	h.want("POST", "/acls", nil, map[string]any{"acl_name": "by_domain", "acl_type": "DENY", "acl_value": "x", "entity_type": "DOMAIN"}, 400, "APIG.3402")
	var shown hwapi.ACL
	h.ok("GET", "/acls/"+acl.Id, nil, nil, 200, &shown)
	if shown != acl {
		t.Fatalf("show: %+v", shown)
	}
	h.want("GET", "/acls/nope", nil, nil, 404, "APIG.3006")

	// Bind to /echo in RELEASE (a publish ID names an API in an
	// environment): the edge refuses this machine.
	pub := echo + "." + releaseEnv
	var bound struct {
		AclBindings []struct {
			Id         string `json:"id"`
			ApiId      string `json:"api_id"`
			EnvId      string `json:"env_id"`
			AclId      string `json:"acl_id"`
			CreateTime string `json:"create_time"`
		} `json:"acl_bindings"`
	}
	h.want("POST", "/acl-bindings", nil, map[string]any{"acl_id": acl.Id, "publish_ids": []string{"nope." + releaseEnv}}, 404, "APIG.3002")
	h.want("POST", "/acl-bindings", nil, map[string]any{"acl_id": acl.Id, "publish_ids": []string{echo + ".nope"}}, 404, "APIG.3003")
	h.want("POST", "/acl-bindings", nil, map[string]any{"acl_id": acl.Id, "publish_ids": []string{echo + ".DEFAULT_ENVIRONMENT_TEST_ID"}}, 400, "APIG.2012")
	h.want("POST", "/acl-bindings", nil, map[string]any{"acl_id": "nope", "publish_ids": []string{pub}}, 404, "APIG.3006")
	since := time.Now()
	h.ok("POST", "/acl-bindings", nil, map[string]any{"acl_id": acl.Id, "publish_ids": []string{pub}}, 201, &bound)
	echoBecomes(t, "the ACL bound over REST", g, 403)
	t.Logf("bound at %v", time.Since(since))
	if len(bound.AclBindings) != 1 || bound.AclBindings[0].ApiId != echo || bound.AclBindings[0].EnvId != releaseEnv ||
		bound.AclBindings[0].AclId != acl.Id || bound.AclBindings[0].CreateTime == "" {
		t.Fatalf("bind: %+v", bound)
	}
	bindID := bound.AclBindings[0].Id
	if g.get("/ping").status != 200 {
		t.Fatal("/ping is not bound and must answer")
	}

	// The same IP strategy, through the official SDK.
	di := apigw.NewDescribeIPStrategyRequest()
	di.ServiceId, di.StrategyId, di.EnvironmentName = common.StringPtr(svc), common.StringPtr(acl.Id), common.StringPtr("release")
	ips := mustSDK(c.DescribeIPStrategy(di)).Response.Result
	if *ips.StrategyName != "block_local" || *ips.StrategyType != "BLACK" || *ips.StrategyData != "10.0.0.0/8;127.0.0.1" ||
		*ips.BindApiTotalCount != 1 || *ips.BindApis[0].ApiId != echo {
		t.Fatalf("DescribeIPStrategy: %s", mustJSON(ips))
	}
	// An ACL binds APIs of its group only.
	h.want("POST", "/acl-bindings", nil, map[string]any{"acl_id": acl.Id, "publish_ids": []string{otherEcho + "." + releaseEnv}}, 400, "APIG.3400")
	// One IP strategy per API and environment (the Action API's rule).
	var second hwapi.ACL
	h.ok("POST", "/acls", nil, map[string]any{"acl_name": "allow_local", "acl_type": "PERMIT", "acl_value": "127.0.0.1"}, 201, &second)
	h.want("POST", "/acl-bindings", nil, map[string]any{"acl_id": second.Id, "publish_ids": []string{pub}}, 400, "APIG.3400")

	// The lists: binded-apis (the seed's AclBindApiInfo), unbinded-apis,
	// binded-acls.
	var apis hwapi.AclBindApis
	h.ok("GET", "/acl-bindings/binded-apis", q("acl_id", acl.Id), nil, 200, &apis)
	b := apis.Apis
	if apis.Total != 1 || apis.Size != 1 || b[0].ApiId != echo || b[0].ApiName != "apiecho" || b[0].ApiType != 1 || b[0].EnvId != releaseEnv ||
		b[0].EnvName != "RELEASE" || b[0].BindId != bindID || b[0].GroupName != "ipshop" || b[0].BindTime == "" ||
		b[0].PublishId != pub || b[0].ReqMethod != "GET" {
		t.Fatalf("binded-apis: %+v", apis)
	}
	h.want("GET", "/acl-bindings/binded-apis", nil, nil, 400, "APIG.2012")
	h.want("GET", "/acl-bindings/binded-apis", q("acl_id", "nope"), nil, 404, "APIG.3006")
	for _, f := range []string{"api_id", "env_id", "group_id"} {
		if n, _, _ := h.list("/acl-bindings/binded-apis", q("acl_id", acl.Id, f, "x"), "apis"); n != 0 {
			t.Fatalf("binded-apis %s=x: %d", f, n)
		}
	}
	if n, _, _ := h.list("/acl-bindings/binded-apis", q("acl_id", acl.Id, "api_name", "ECHO", "group_id", svc), "apis"); n != 1 {
		t.Fatalf("binded-apis by name: %d", n)
	}
	n, _, items := h.list("/acl-bindings/unbinded-apis", q("acl_id", acl.Id), "apis")
	if n != 1 || !strings.Contains(string(items[0]), `"id":"`+ping+`"`) || !strings.Contains(string(items[0]), `"req_uri":"/ping"`) {
		t.Fatalf("unbinded-apis of a bound ACL (its group only): %d %s", n, items)
	}
	// The second ACL has no group yet: every published API; /echo shows
	// the ACL it has instead.
	n, _, items = h.list("/acl-bindings/unbinded-apis", q("acl_id", second.Id), "apis")
	if all, _ := json.Marshal(items); n != 4 || !strings.Contains(string(all), `"acl_name":"block_local"`) {
		t.Fatalf("unbinded-apis of a free ACL: %d %s", n, items)
	}
	n, _, items = h.list("/acl-bindings/binded-acls", q("api_id", echo), "acls")
	if n != 1 || !strings.Contains(string(items[0]), `"bind_id":"`+bindID+`"`) || !strings.Contains(string(items[0]), `"acl_type":"DENY"`) {
		t.Fatalf("binded-acls: %d %s", n, items)
	}
	h.want("GET", "/acl-bindings/binded-acls", q("api_id", "nope"), nil, 404, "APIG.3002")

	// Changing the list over REST publishes: PERMIT this machine only.
	h.ok("PUT", "/acls/"+acl.Id, nil, map[string]any{"acl_name": "block_local", "acl_type": "PERMIT", "acl_value": "127.0.0.1"}, 200, &shown)
	echoBecomes(t, "the ACL changed to PERMIT", g, 200)
	// A change over the Action API shows over REST.
	mi := apigw.NewModifyIPStrategyRequest()
	mi.ServiceId, mi.StrategyId, mi.StrategyData = common.StringPtr(svc), common.StringPtr(acl.Id), common.StringPtr("192.0.2.1;192.0.2.7")
	mustSDK(c.ModifyIPStrategy(mi))
	h.ok("GET", "/acls/"+acl.Id, nil, nil, 200, &shown)
	if shown.Value != "192.0.2.1,192.0.2.7" {
		t.Fatalf("after ModifyIPStrategy: %+v", shown)
	}
	echoBecomes(t, "ModifyIPStrategy", g, 403)

	// Unbinding by ID; then a batch with one unknown ID.
	h.ok("DELETE", "/acl-bindings/"+bindID, nil, nil, 204, nil)
	echoBecomes(t, "the binding deleted", g, 200)
	h.want("DELETE", "/acl-bindings/"+bindID, nil, nil, 404, "APIG.3010")
	h.ok("POST", "/acl-bindings", nil, map[string]any{"acl_id": acl.Id, "publish_ids": []string{pub}}, 201, &bound)
	var batch struct {
		SuccessCount int `json:"success_count"`
		Failure      []struct {
			BindId    string `json:"bind_id"`
			ErrorCode string `json:"error_code"`
			ErrorMsg  string `json:"error_msg"`
		} `json:"failure"`
	}
	h.ok("PUT", "/acl-bindings", q("action", "delete"), map[string]any{"acl_bindings": []string{bound.AclBindings[0].Id, "nope"}}, 200, &batch)
	if batch.SuccessCount != 1 || len(batch.Failure) != 1 || batch.Failure[0].BindId != "nope" || batch.Failure[0].ErrorCode != "APIG.3010" {
		t.Fatalf("batch unbind: %+v", batch)
	}
	h.want("PUT", "/acl-bindings", q("action", "remove"), map[string]any{"acl_bindings": []string{"x"}}, 400, "APIG.2012")

	// Paging (seed 001: limit <= 0 is 20, > 500 is 500, offset < 0 is 0):
	// 25 more ACLs make 27.
	for i := range 25 {
		h.ok("POST", "/acls", nil, map[string]any{"acl_name": fmt.Sprintf("page_%02d", i), "acl_type": "DENY", "acl_value": "192.0.2.1"}, 201, nil)
	}
	for _, tc := range []struct {
		q           []string
		total, size int
	}{
		{nil, 27, 20}, {[]string{"limit", "0"}, 27, 20}, {[]string{"limit", "-1"}, 27, 20}, {[]string{"limit", "501"}, 27, 27},
		{[]string{"limit", "5", "offset", "25"}, 27, 2}, {[]string{"offset", "27"}, 27, 0}, {[]string{"offset", "1000"}, 27, 0},
		{[]string{"offset", "-4", "limit", "1"}, 27, 1},
		{[]string{"name", "PAGE_1"}, 10, 10}, {[]string{"name", "page_1", "precise_search", "name"}, 0, 0},
		{[]string{"name", "page_10", "precise_search", "name"}, 1, 1}, {[]string{"acl_type", "PERMIT"}, 2, 2},
		{[]string{"id", second.Id}, 1, 1},
	} {
		if total, size, _ := h.list("/acls", q(tc.q...), "acls"); total != tc.total || size != tc.size {
			t.Fatalf("list %v: total %d size %d, want %d %d", tc.q, total, size, tc.total, tc.size)
		}
	}
	var first struct {
		Acls []hwapi.ACL `json:"acls"`
	}
	h.ok("GET", "/acls", q("offset", "-4", "limit", "1"), nil, 200, &first)
	if first.Acls[0].Id != acl.Id {
		t.Fatalf("offset < 0 is 0: %+v", first)
	}
	h.want("GET", "/acls", q("limit", "ten"), nil, 400, "APIG.2012")
	h.want("GET", "/acls", q("precise_search", "acl_value"), nil, 400, "APIG.2012")

	// Batch delete (one unknown), then delete; the deleted ones are gone
	// from DescribeIPStrategiesStatus too.
	var del struct {
		SuccessCount int `json:"success_count"`
		Failure      []struct {
			AclId     string `json:"acl_id"`
			ErrorCode string `json:"error_code"`
		} `json:"failure"`
	}
	h.ok("PUT", "/acls", q("action", "delete"), map[string]any{"acls": []string{second.Id, "nope"}}, 200, &del)
	if del.SuccessCount != 1 || len(del.Failure) != 1 || del.Failure[0].AclId != "nope" || del.Failure[0].ErrorCode != "APIG.3006" {
		t.Fatalf("batch delete: %+v", del)
	}
	h.ok("DELETE", "/acls/"+acl.Id, nil, nil, 204, nil)
	h.want("DELETE", "/acls/"+acl.Id, nil, nil, 404, "APIG.3006")
	ds := apigw.NewDescribeIPStrategysStatusRequest()
	ds.ServiceId = common.StringPtr(svc)
	if n := *mustSDK(c.DescribeIPStrategysStatus(ds)).Response.Result.TotalCount; n != 0 {
		t.Fatalf("IP strategies of %s left: %d", svc, n)
	}

	// The other way: an IP strategy made with the SDK is an ACL over REST.
	ci := apigw.NewCreateIPStrategyRequest()
	ci.ServiceId, ci.StrategyName, ci.StrategyType, ci.StrategyData = common.StringPtr(other), common.StringPtr("sdk_made"), common.StringPtr("WHITE"), common.StringPtr("192.0.2.0/24")
	sid := *mustSDK(c.CreateIPStrategy(ci)).Response.Result.StrategyId
	h.ok("GET", "/acls/"+sid, nil, nil, 200, &shown)
	if shown.Name != "sdk_made" || shown.Type != "PERMIT" || shown.Value != "192.0.2.0/24" {
		t.Fatalf("SDK strategy over REST: %+v", shown)
	}
}

// TestHuaweiAppACL: an app's ACL (seed 001 PUT .../apps/{app_id}/app-acl)
// limits where the app may call from, on every API it calls, once
// published.
func TestHuaweiAppACL(t *testing.T) {
	defer catchSDK(t)
	up, cp, c, h := hwSetup(t)
	rc := cp.client()
	svc := sdkCreateService(c, "appshop")
	api := sdkAPI(c, svc, "/app", proxyTo(up, "/echo"), authType("APP"))
	var app struct {
		Result struct{ ApiAppId, ApiAppKey, ApiAppSecret string }
	}
	mustCall(t, rc, "CreateApiApp", map[string]any{"ApiAppName": "mobile"}, &app)
	mustCall(t, rc, "BindApiApp", map[string]any{"ApiAppId": app.Result.ApiAppId, "Environment": "release", "ServiceId": svc, "ApiId": api}, nil)
	sdkRelease(c, svc)
	g := cp.edge(svc)
	call := func() answer {
		return g.send(httpc, "GET", "/app", nil, appHeaders(app.Result.ApiAppKey, app.Result.ApiAppSecret, "/app", ""))
	}
	waitFor(t, 3*time.Second, "the app's API", func() bool { return call().status == 200 })

	path := "/apps/" + app.Result.ApiAppId + "/app-acl"
	var acl hwapi.AppAcl
	h.ok("GET", path, nil, nil, 200, &acl)
	if acl.AppId != app.Result.ApiAppId || acl.AppAclType != "" || len(acl.AppAclValues) != 0 {
		t.Fatalf("no ACL yet: %+v", acl)
	}
	h.ok("PUT", path, nil, hwapi.AppAcl{AppAclType: "DENY", AppAclValues: []string{"127.0.0.1", "10.0.0.1-10.0.0.9", "192.168.0.0/16"}}, 201, &acl)
	if acl.AppAclType != "DENY" || len(acl.AppAclValues) != 3 || acl.AppAclValues[1] != "10.0.0.1-10.0.0.9" {
		t.Fatalf("put: %+v", acl)
	}
	inEffect(t, "DENY this machine", time.Now(), call, is(403, "IPForbidden"))
	h.ok("PUT", path, nil, hwapi.AppAcl{AppAclType: "PERMIT", AppAclValues: []string{"127.0.0.0/8"}}, 201, nil)
	inEffect(t, "PERMIT this machine", time.Now(), call, is(200, ""))
	h.ok("PUT", path, nil, hwapi.AppAcl{AppAclType: "PERMIT", AppAclValues: []string{"192.0.2.1"}}, 201, nil)
	inEffect(t, "PERMIT another", time.Now(), call, is(403, "IPForbidden"))
	h.ok("DELETE", path, nil, nil, 204, nil)
	inEffect(t, "no ACL", time.Now(), call, is(200, ""))

	h.want("PUT", path, nil, hwapi.AppAcl{AppAclType: "ALLOW", AppAclValues: []string{"1.1.1.1"}}, 400, "APIG.2012")
	h.want("PUT", path, nil, hwapi.AppAcl{AppAclType: "DENY"}, 400, "APIG.2012")
	h.want("PUT", path, nil, hwapi.AppAcl{AppAclType: "DENY", AppAclValues: []string{"1.1.1"}}, 400, "APIG.2012")
	h.want("PUT", path, nil, hwapi.AppAcl{AppAclType: "DENY", AppAclValues: []string{"1.1.1.1;2.2.2.2"}}, 400, "APIG.2012")
	h.want("PUT", "/apps/app-nothere/app-acl", nil, hwapi.AppAcl{AppAclType: "DENY", AppAclValues: []string{"1.1.1.1"}}, 404, "APIG.3004")
	h.want("GET", "/apps/app-nothere/app-acl", nil, nil, 404, "APIG.3004")
	h.want("DELETE", "/apps/app-nothere/app-acl", nil, nil, 404, "APIG.3004")
	var raw json.RawMessage
	h.ok("GET", path, nil, nil, 200, &raw)
	if !strings.Contains(string(raw), `"app_acl_values":[]`) {
		t.Fatalf("deleted ACL: %s", raw)
	}
}
