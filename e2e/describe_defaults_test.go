package e2e

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// TestDescribeDefaults: an API created with only the required parameters
// is described with every ApiInfo member present, as the seed's ApiInfo
// requires (必选 是, lines 8049-8117): the seed's defaults for what was
// never set (AuthType NONE, ApiType NORMAL: CreateApi, lines 3251-3252),
// false for the Bool switches that were never turned on (EnableCORS,
// IsDebugAfterCharge, ...: lines 3257, 3282-3283, 3297), empty strings and
// lists. DescribeApisStatus agrees, and the other Describe* answers leave
// no member of the SDK's models nil either.
func TestDescribeDefaults(t *testing.T) {
	defer catchSDK(t)
	cp := startControlPlane(t)
	c := cp.sdk("", "")
	cs := apigw.NewCreateServiceRequest()
	cs.ServiceName = common.StringPtr("defaults")
	cs.Protocol = common.StringPtr("http")
	svc := *mustSDK(c.CreateService(cs)).Response.ServiceId
	// The seed's required parameters only (CreateApi, seed lines 3248-3256;
	// a MOCK backend needs its message).
	ca := apigw.NewCreateApiRequest()
	if err := ca.FromJsonString(`{"ServiceId":"` + svc + `","ServiceType":"MOCK","ServiceTimeout":5,"Protocol":"HTTP",
		"RequestConfig":{"Path":"/d","Method":"GET"},"ServiceMockReturnMessage":"ok"}`); err != nil {
		t.Fatal(err)
	}
	api := *mustSDK(c.CreateApi(ca)).Response.Result.ApiId

	da := apigw.NewDescribeApiRequest()
	da.ServiceId, da.ApiId = common.StringPtr(svc), common.StringPtr(api)
	info := mustSDK(c.DescribeApi(da)).Response.Result
	// Null by design: the API has no OAuth or TSF configuration; and the
	// members of ServiceConfig are optional (必选 否, seed lines 8687-8700),
	// sent as the API set them (a MOCK API has none).
	absent := func(p string) bool {
		return p == "OauthConfig" || p == "ServiceTsfLoadBalanceConf" || p == "ServiceTsfHealthCheckConf" || strings.HasPrefix(p, "ServiceConfig.")
	}
	if nils := nilMembers(info, absent); len(nils) > 0 {
		t.Errorf("DescribeApi leaves %s nil", strings.Join(nils, ", "))
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"AuthType", val(info.AuthType), "NONE"},
		{"ApiType", val(info.ApiType), "NORMAL"},
		{"EnableCORS", val(info.EnableCORS), false},
		{"IsDebugAfterCharge", val(info.IsDebugAfterCharge), false},
		{"ServiceScfIsIntegratedResponse", val(info.ServiceScfIsIntegratedResponse), false},
		{"IsBase64Encoded", val(info.IsBase64Encoded), false},
		{"IsBase64Trigger", val(info.IsBase64Trigger), false},
		{"ApiName", val(info.ApiName), ""},
		{"ApiBusinessType", val(info.ApiBusinessType), ""},
		{"Environments", len(info.Environments), 0},
		{"ServiceTimeout", val(info.ServiceTimeout), int64(5)},
	} {
		if c.got != c.want {
			t.Errorf("DescribeApi %s = %v, want %v", c.name, c.got, c.want)
		}
	}

	ds := apigw.NewDescribeApisStatusRequest()
	ds.ServiceId = common.StringPtr(svc)
	set := mustSDK(c.DescribeApisStatus(ds)).Response.Result.ApiIdStatusSet
	if len(set) != 1 || val(set[0].AuthType) != val(info.AuthType) || val(set[0].ApiType) != val(info.ApiType) ||
		val(set[0].IsDebugAfterCharge) != val(info.IsDebugAfterCharge) {
		t.Errorf("DescribeApisStatus disagrees with DescribeApi: %+v", set)
	}
	if nils := nilMembers(mustSDK(c.DescribeApisStatus(ds)).Response, noOAuth); len(nils) > 0 {
		t.Errorf("DescribeApisStatus leaves %s nil", strings.Join(nils, ", "))
	}

	// Released, the API names its environment.
	rs := apigw.NewReleaseServiceRequest()
	rs.ServiceId, rs.EnvironmentName, rs.ReleaseDesc = common.StringPtr(svc), common.StringPtr("release"), common.StringPtr("v1")
	mustSDK(c.ReleaseService(rs))
	if envs := mustSDK(c.DescribeApi(da)).Response.Result.Environments; len(envs) != 1 || *envs[0] != "release" {
		t.Errorf("DescribeApi Environments after release: %v", envs)
	}

	// The other Describe* of what was created, and of a key and a plan.
	ck := apigw.NewCreateApiKeyRequest()
	ck.SecretName = common.StringPtr("k")
	key := mustSDK(c.CreateApiKey(ck)).Response.Result
	cu := apigw.NewCreateUsagePlanRequest()
	cu.UsagePlanName = common.StringPtr("p")
	plan := *mustSDK(c.CreateUsagePlan(cu)).Response.Result.UsagePlanId
	dsv := apigw.NewDescribeServiceRequest()
	dsv.ServiceId = common.StringPtr(svc)
	dk := apigw.NewDescribeApiKeyRequest()
	dk.AccessKeyId = key.AccessKeyId
	dp := apigw.NewDescribeUsagePlanRequest()
	dp.UsagePlanId = common.StringPtr(plan)
	de := apigw.NewDescribeServiceEnvironmentListRequest()
	de.ServiceId = common.StringPtr(svc)
	for name, resp := range map[string]any{
		"DescribeService":                mustSDK(c.DescribeService(dsv)).Response,
		"DescribeServicesStatus":         mustSDK(c.DescribeServicesStatus(apigw.NewDescribeServicesStatusRequest())).Response,
		"DescribeServiceEnvironmentList": mustSDK(c.DescribeServiceEnvironmentList(de)).Response,
		"DescribeApiKey":                 mustSDK(c.DescribeApiKey(dk)).Response,
		"DescribeApiKeysStatus":          mustSDK(c.DescribeApiKeysStatus(apigw.NewDescribeApiKeysStatusRequest())).Response,
		"DescribeUsagePlan":              mustSDK(c.DescribeUsagePlan(dp)).Response,
		"DescribeUsagePlansStatus":       mustSDK(c.DescribeUsagePlansStatus(apigw.NewDescribeUsagePlansStatusRequest())).Response,
	} {
		if nils := nilMembers(resp, noOAuth); len(nils) > 0 {
			t.Errorf("%s leaves %s nil", name, strings.Join(nils, ", "))
		}
	}
}

func val[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// noOAuth allows the OauthConfig of APIs without OAuth to be null.
func noOAuth(p string) bool { return p == "OauthConfig" || strings.HasSuffix(p, ".OauthConfig") }

// nilMembers lists the members of the SDK value v (walking nested structs
// and list elements) that the answer left nil, by path ("Result.X[].Y"),
// but for those absent allows.
func nilMembers(v any, absent func(path string) bool) []string {
	var out []string
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), path+"[]")
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				f := v.Type().Field(i)
				if !f.IsExported() || f.Anonymous {
					continue
				}
				fv, p := v.Field(i), strings.TrimPrefix(path+"."+f.Name, ".")
				if (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Slice) && fv.IsNil() {
					if !absent(p) {
						out = append(out, p)
					}
					continue
				}
				walk(fv, p)
			}
		}
	}
	walk(reflect.ValueOf(v), "")
	sort.Strings(out)
	return out
}
