package e2e

import (
	"testing"
)

// TestApps drives every app Action. SDK v1.0.162 has none of them, so the
// raw signed client (admin/tcapi) sends them with the seed's field names.
func TestApps(t *testing.T) {
	defer catchSDK(t)
	cp := startControlPlane(t, "--max-api-apps", "2")
	svc, apis := sdkService(t, cp.sdk("", ""), "apps")
	c := cp.client()
	want := func(code, action string, params any) {
		t.Helper()
		if got, _ := call(t, c, action, params); got != code {
			t.Fatalf("%s %v: got %q, want %q", action, params, got, code)
		}
	}
	type appInfo struct {
		ApiAppId, ApiAppName, ApiAppDesc, ApiAppKey, ApiAppSecret, CreatedTime, ModifiedTime, ProjectId string
		Tags                                                                                            []struct{ Key, Value string }
	}
	var created struct{ Result appInfo }
	mustCall(t, c, "CreateApiApp", map[string]any{"ApiAppName": "mobile", "ApiAppDesc": "the app", "Tags": []map[string]string{{"Key": "team", "Value": "a"}}}, &created)
	app := created.Result
	if len(app.ApiAppId) < 5 || app.ApiAppId[:4] != "app-" || app.ApiAppKey == "" || len(app.ApiAppSecret) < 30 || app.CreatedTime == "" || len(app.Tags) != 1 {
		t.Fatalf("CreateApiApp: %+v", app)
	}
	want("MissingParameter", "CreateApiApp", map[string]any{})
	want("UnknownParameter", "CreateApiApp", map[string]any{"ApiAppName": "x", "Colour": "red"})

	var one struct {
		Result struct {
			TotalCount int
			ApiAppSet  []appInfo
		}
	}
	mustCall(t, c, "DescribeApiApp", map[string]any{"ApiAppId": app.ApiAppId}, &one)
	if one.Result.TotalCount != 1 || one.Result.ApiAppSet[0].ApiAppSecret != app.ApiAppSecret {
		t.Fatalf("DescribeApiApp: %+v", one)
	}
	mustCall(t, c, "DescribeApiApp", map[string]any{"ApiAppId": "app-nothere"}, &one)
	if one.Result.TotalCount != 0 {
		t.Fatalf("DescribeApiApp unknown: %+v", one)
	}
	mustCall(t, c, "ModifyApiApp", map[string]any{"ApiAppId": app.ApiAppId, "ApiAppName": "mobile2"}, nil)
	want("ResourceNotFound.InvalidApiApp", "ModifyApiApp", map[string]any{"ApiAppId": "app-nothere", "ApiAppName": "x"})
	var list struct {
		Result struct {
			TotalCount int
			ApiAppSet  []appInfo
		}
	}
	mustCall(t, c, "DescribeApiAppsStatus", map[string]any{"Filters": []map[string]any{{"Name": "KeyWord", "Values": []string{"mobile2"}}}}, &list)
	if list.Result.TotalCount != 1 || list.Result.ApiAppSet[0].ApiAppName != "mobile2" || list.Result.ApiAppSet[0].ApiAppSecret != "" {
		t.Fatalf("DescribeApiAppsStatus: %+v", list)
	}

	// Bindings, and the publish that carries them.
	rev0, _ := edgeAccess(t, cp)
	bind := map[string]any{"ApiAppId": app.ApiAppId, "Environment": "release", "ServiceId": svc, "ApiId": apis[0]}
	mustCall(t, c, "BindApiApp", bind, nil)
	want("UnsupportedOperation.ResourceAssociated", "BindApiApp", bind)
	want("InvalidParameterValue.InvalidEnv", "BindApiApp", map[string]any{"ApiAppId": app.ApiAppId, "Environment": "live", "ServiceId": svc, "ApiId": apis[0]})
	want("ResourceNotFound.InvalidApi", "BindApiApp", map[string]any{"ApiAppId": app.ApiAppId, "Environment": "release", "ServiceId": svc, "ApiId": "api-nothere"})
	rev1, acc := edgeAccess(t, cp)
	if rev1 != rev0+1 || acc == nil || len(acc.Apps) != 1 || acc.Apps[0].ApiAppSecret != app.ApiAppSecret ||
		len(acc.Apps[0].Apis) != 1 || acc.Apps[0].Apis[0].ApiId != apis[0] {
		t.Fatalf("BindApiApp publish: revision %d -> %d, %+v", rev0, rev1, acc)
	}
	type binding struct {
		ApiAppId, ApiAppName, ApiId, ApiName, ServiceId, AuthorizedTime, ApiRegion, EnvironmentName string
	}
	var bl struct {
		Result struct {
			TotalCount   int
			ApiAppApiSet []binding
		}
	}
	mustCall(t, c, "DescribeApiAppBindApisStatus", map[string]any{"ApiAppId": app.ApiAppId}, &bl)
	if bl.Result.TotalCount != 1 || bl.Result.ApiAppApiSet[0].ApiName != "apia" || bl.Result.ApiAppApiSet[0].EnvironmentName != "release" {
		t.Fatalf("DescribeApiAppBindApisStatus: %+v", bl)
	}
	mustCall(t, c, "DescribeApiBindApiAppsStatus", map[string]any{"ServiceId": svc, "ApiIds": apis}, &bl)
	if bl.Result.TotalCount != 1 || bl.Result.ApiAppApiSet[0].ApiAppId != app.ApiAppId {
		t.Fatalf("DescribeApiBindApiAppsStatus: %+v", bl)
	}
	mustCall(t, c, "DescribeApiBindApiAppsStatus", map[string]any{"ServiceId": svc, "ApiIds": apis[1:]}, &bl)
	if bl.Result.TotalCount != 0 {
		t.Fatalf("DescribeApiBindApiAppsStatus (other API): %+v", bl)
	}

	// The app user's views.
	var api struct {
		Result struct{ ApiId, ServiceName string }
	}
	mustCall(t, c, "DescribeApiForApiApp", map[string]any{"ServiceId": svc, "ApiId": apis[0], "ApiRegion": "ap-guangzhou"}, &api)
	if api.Result.ApiId != apis[0] || api.Result.ServiceName != "apps" {
		t.Fatalf("DescribeApiForApiApp: %+v", api)
	}
	want("MissingParameter", "DescribeApiForApiApp", map[string]any{"ServiceId": svc, "ApiId": apis[0]})
	var sv struct {
		ServiceId     string
		ApiTotalCount int
	}
	mustCall(t, c, "DescribeServiceForApiApp", map[string]any{"ServiceId": svc, "ApiRegion": "ap-guangzhou"}, &sv)
	if sv.ServiceId != svc || sv.ApiTotalCount != 2 {
		t.Fatalf("DescribeServiceForApiApp: %+v", sv)
	}
	want("ResourceNotFound.InvalidService", "DescribeServiceForApiApp", map[string]any{"ServiceId": "service-none", "ApiRegion": "ap-guangzhou"})

	// Secret update: the key must match; the new secret is published.
	want("InvalidParameterValue", "UpdateApiAppKey", map[string]any{"ApiAppId": app.ApiAppId, "ApiAppKey": "APIDnotthekey"})
	mustCall(t, c, "UpdateApiAppKey", map[string]any{"ApiAppId": app.ApiAppId, "ApiAppKey": app.ApiAppKey, "ApiAppSecret": "rotated_app_secret_1"}, nil)
	if _, acc := edgeAccess(t, cp); acc.Apps[0].ApiAppSecret != "rotated_app_secret_1" {
		t.Fatalf("UpdateApiAppKey publish: %+v", acc.Apps)
	}

	// Delete: refused while bound.
	want("UnsupportedOperation.ResourceAssociated", "DeleteApiApp", map[string]any{"ApiAppId": app.ApiAppId})
	mustCall(t, c, "UnbindApiApp", bind, nil)
	want("ResourceNotFound.InvalidApi", "UnbindApiApp", bind)
	mustCall(t, c, "DeleteApiApp", map[string]any{"ApiAppId": app.ApiAppId}, nil)
	want("ResourceNotFound.InvalidApiApp", "DeleteApiApp", map[string]any{"ApiAppId": app.ApiAppId})

	// The limit (--max-api-apps 2).
	mustCall(t, c, "CreateApiApp", map[string]any{"ApiAppName": "a1"}, nil)
	mustCall(t, c, "CreateApiApp", map[string]any{"ApiAppName": "a2"}, nil)
	want("LimitExceeded.ApiAppCountLimitExceeded", "CreateApiApp", map[string]any{"ApiAppName": "a3"})
}
