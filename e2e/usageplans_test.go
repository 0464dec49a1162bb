package e2e

import (
	"testing"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// TestSDKUsagePlans drives every usage plan Action with the official SDK:
// lifecycle, keys and bindings, the seed's rules (a key shared by two
// plans of one environment is refused, service- and API-level plans don't
// mix), limits, bad input, and the publish that carries them to edges.
func TestSDKUsagePlans(t *testing.T) {
	defer catchSDK(t)
	cp := startControlPlane(t, "--max-usage-plans", "3", "--max-keys-per-plan", "2")
	c := cp.sdk("", "")
	svc, apis := sdkService(t, c, "plans")

	newKey := func(name string) string {
		r := apigw.NewCreateApiKeyRequest()
		r.SecretName = common.StringPtr(name)
		return *mustSDK(c.CreateApiKey(r)).Response.Result.AccessKeyId
	}
	k1, k2, k3 := newKey("k1"), newKey("k2"), newKey("k3")

	cu := apigw.NewCreateUsagePlanRequest()
	cu.UsagePlanName = common.StringPtr("gold")
	cu.UsagePlanDesc = common.StringPtr("gold tier")
	cu.MaxRequestNumPreSec = common.Int64Ptr(100)
	gold := mustSDK(c.CreateUsagePlan(cu)).Response.Result
	if *gold.UsagePlanName != "gold" || *gold.MaxRequestNumPreSec != 100 || *gold.MaxRequestNum != -1 || *gold.CreatedTime == "" {
		t.Fatalf("CreateUsagePlan: %+v", gold)
	}
	cu.UsagePlanName = common.StringPtr("silver")
	cu.MaxRequestNumPreSec = nil
	silver := *mustSDK(c.CreateUsagePlan(cu)).Response.Result.UsagePlanId
	cu.MaxRequestNumPreSec = common.Int64Ptr(5000)
	if _, err := c.CreateUsagePlan(cu); sdkCode(err) != "InvalidParameterValue.RangeExceeded" {
		t.Fatalf("QPS 5000: %v", err)
	}

	mu := apigw.NewModifyUsagePlanRequest()
	mu.UsagePlanId = gold.UsagePlanId
	mu.MaxRequestNum = common.Int64Ptr(100000)
	if got := mustSDK(c.ModifyUsagePlan(mu)).Response.Result; *got.MaxRequestNum != 100000 || *got.UsagePlanName != "gold" {
		t.Fatalf("ModifyUsagePlan: %+v", got)
	}
	ls := apigw.NewDescribeUsagePlansStatusRequest()
	ls.Filters = []*apigw.Filter{{Name: common.StringPtr("UsagePlanName"), Values: common.StringPtrs([]string{"sil"})}}
	if r := mustSDK(c.DescribeUsagePlansStatus(ls)).Response.Result; *r.TotalCount != 1 || *r.UsagePlanStatusSet[0].UsagePlanId != silver {
		t.Fatalf("DescribeUsagePlansStatus: %+v", r)
	}

	// Keys.
	bs := apigw.NewBindSecretIdsRequest()
	bs.UsagePlanId = gold.UsagePlanId
	bs.AccessKeyIds = common.StringPtrs([]string{k1, k2, k3})
	if _, err := c.BindSecretIds(bs); sdkCode(err) != "LimitExceeded" {
		t.Fatalf("three keys into a plan of two: %v", err)
	}
	bs.AccessKeyIds = common.StringPtrs([]string{k1, k2})
	mustSDK(c.BindSecretIds(bs))
	if _, err := c.BindSecretIds(bs); sdkCode(err) != "UnsupportedOperation.AlreadyBindUsagePlan" {
		t.Fatalf("bind twice: %v", err)
	}
	ds := apigw.NewDescribeUsagePlanSecretIdsRequest()
	ds.UsagePlanId = gold.UsagePlanId
	if r := mustSDK(c.DescribeUsagePlanSecretIds(ds)).Response.Result; *r.TotalCount != 2 || *r.AccessKeyList[0].Status != 1 {
		t.Fatalf("DescribeUsagePlanSecretIds: %+v", r)
	}
	bs.UsagePlanId = common.StringPtr(silver)
	bs.AccessKeyIds = common.StringPtrs([]string{k1})
	mustSDK(c.BindSecretIds(bs))

	// Environments: gold at service level; silver shares k1, so the same
	// environment is refused with the seed's code, another one is fine.
	rev0, _ := edgeAccess(t, cp)
	be := apigw.NewBindEnvironmentRequest()
	be.UsagePlanIds = common.StringPtrs([]string{*gold.UsagePlanId})
	be.BindType = common.StringPtr("SERVICE")
	be.Environment = common.StringPtr("release")
	be.ServiceId = common.StringPtr(svc)
	if !*mustSDK(c.BindEnvironment(be)).Response.Result {
		t.Fatal("BindEnvironment: false")
	}
	rev1, acc := edgeAccess(t, cp)
	if rev1 != rev0+1 || keyOf(acc, k1) == nil || keyOf(acc, k1).SecretKey == "" || len(acc.Plans) != 2 {
		t.Fatalf("BindEnvironment publish: revision %d -> %d, access %+v", rev0, rev1, acc)
	}
	be.UsagePlanIds = common.StringPtrs([]string{silver})
	if _, err := c.BindEnvironment(be); sdkCode(err) != "UnsupportedOperation.UnsupportedBindEnvironment" {
		t.Fatalf("two plans sharing a key on one environment: %v", err)
	}
	be.Environment = common.StringPtr("test")
	mustSDK(c.BindEnvironment(be))
	bs.AccessKeyIds = common.StringPtrs([]string{k2})
	mustSDK(c.BindSecretIds(bs)) // silver is on test only: no overlap with gold
	be.Environment = common.StringPtr("release")
	be.BindType = common.StringPtr("API")
	be.ApiIds = common.StringPtrs([]string{apis[0]})
	if _, err := c.BindEnvironment(be); sdkCode(err) != "UnsupportedOperation.UnsupportedBindEnvironment" {
		t.Fatalf("API-level beside service-level: %v", err)
	}
	be.ApiIds = nil
	if _, err := c.BindEnvironment(be); sdkCode(err) != "InvalidParameterValue.InvalidApiIds" {
		t.Fatalf("API binding without ApiIds: %v", err)
	}

	de := apigw.NewDescribeUsagePlanEnvironmentsRequest()
	de.UsagePlanId = gold.UsagePlanId
	de.BindType = common.StringPtr("SERVICE")
	if r := mustSDK(c.DescribeUsagePlanEnvironments(de)).Response.Result; *r.TotalCount != 1 ||
		*r.EnvironmentList[0].ServiceId != svc || *r.EnvironmentList[0].Environment != "release" || *r.EnvironmentList[0].ServiceName != "plans" {
		t.Fatalf("DescribeUsagePlanEnvironments: %+v", r)
	}
	dsp := apigw.NewDescribeServiceUsagePlanRequest()
	dsp.ServiceId = common.StringPtr(svc)
	if r := mustSDK(c.DescribeServiceUsagePlan(dsp)).Response.Result; *r.TotalCount != 2 {
		t.Fatalf("DescribeServiceUsagePlan: %s", mustSDK(c.DescribeServiceUsagePlan(dsp)).ToJsonString())
	}

	dsv := apigw.NewDescribeServiceRequest()
	dsv.ServiceId = common.StringPtr(svc)
	if r := mustSDK(c.DescribeService(dsv)).Response; *r.UsagePlanTotalCount != 2 || len(r.UsagePlanList) != 2 || *r.UsagePlanList[0].UsagePlanId == "" {
		t.Fatalf("DescribeService UsagePlanList: %s", mustSDK(c.DescribeService(dsv)).ToJsonString())
	}

	// Demote gold to its APIs; DescribeApiUsagePlan shows them.
	dm := apigw.NewDemoteServiceUsagePlanRequest()
	dm.UsagePlanId = gold.UsagePlanId
	dm.ServiceId = common.StringPtr(svc)
	dm.Environment = common.StringPtr("release")
	mustSDK(c.DemoteServiceUsagePlan(dm))
	if _, err := c.DemoteServiceUsagePlan(dm); sdkCode(err) != "UnsupportedOperation.NoUsagePlanEnv" {
		t.Fatalf("demote twice: %v", err)
	}
	de.BindType = common.StringPtr("API")
	if r := mustSDK(c.DescribeUsagePlanEnvironments(de)).Response.Result; *r.TotalCount != 2 || *r.EnvironmentList[0].Path == "" {
		t.Fatalf("after demote: %+v", r)
	}
	dap := apigw.NewDescribeApiUsagePlanRequest()
	dap.ServiceId = common.StringPtr(svc)
	ar := mustSDK(c.DescribeApiUsagePlan(dap)).Response.Result
	if *ar.TotalCount != 3 { // gold on /a and /b, silver on test
		t.Fatalf("DescribeApiUsagePlan: %+v", ar)
	}
	_, acc = edgeAccess(t, cp)
	for _, p := range acc.Plans {
		if p.UsagePlanId == *gold.UsagePlanId && (len(p.Bindings) != 2 || p.Bindings[0].ApiId == "") {
			t.Fatalf("demote publish: %+v", p)
		}
	}

	// Unbind and delete.
	del := apigw.NewDeleteUsagePlanRequest()
	del.UsagePlanId = gold.UsagePlanId
	if _, err := c.DeleteUsagePlan(del); sdkCode(err) != "UnsupportedOperation.UsagePlanInUse" {
		t.Fatalf("delete bound plan: %v", err)
	}
	ub := apigw.NewUnBindEnvironmentRequest()
	ub.UsagePlanIds = common.StringPtrs([]string{*gold.UsagePlanId})
	ub.BindType = common.StringPtr("API")
	ub.Environment = common.StringPtr("release")
	ub.ServiceId = common.StringPtr(svc)
	ub.ApiIds = common.StringPtrs(apis)
	mustSDK(c.UnBindEnvironment(ub))
	if _, err := c.UnBindEnvironment(ub); sdkCode(err) != "UnsupportedOperation.UnsupportedUnBindEnvironment" {
		t.Fatalf("unbind twice: %v", err)
	}
	us := apigw.NewUnBindSecretIdsRequest()
	us.UsagePlanId = gold.UsagePlanId
	us.AccessKeyIds = common.StringPtrs([]string{k2})
	mustSDK(cp.sdk("", "GET").UnBindSecretIds(us)) // arrays as AccessKeyIds.0
	if _, err := c.UnBindSecretIds(us); sdkCode(err) != "ResourceNotFound.InvalidAccessKeyId" {
		t.Fatalf("unbind key twice: %v", err)
	}
	if !*mustSDK(c.DeleteUsagePlan(del)).Response.Result {
		t.Fatal("DeleteUsagePlan: false")
	}
	dd := apigw.NewDescribeUsagePlanRequest()
	dd.UsagePlanId = gold.UsagePlanId
	if _, err := c.DescribeUsagePlan(dd); sdkCode(err) != "ResourceNotFound.InvalidUsagePlan" {
		t.Fatalf("describe deleted plan: %v", err)
	}
	dd.UsagePlanId = common.StringPtr(silver)
	if r := mustSDK(c.DescribeUsagePlan(dd)).Response.Result; *r.BindSecretIdTotalCount != 2 || *r.BindEnvironmentTotalCount != 1 ||
		*r.BindEnvironments[0].EnvironmentName != "test" {
		t.Fatalf("DescribeUsagePlan: %+v", r)
	}

	// The tenant limit (--max-usage-plans 3; the seed's is 200).
	cu.MaxRequestNumPreSec = nil
	mustSDK(c.CreateUsagePlan(cu))
	mustSDK(c.CreateUsagePlan(cu))
	if _, err := c.CreateUsagePlan(cu); sdkCode(err) != "LimitExceeded.UsagePlanLimitExceeded" {
		t.Fatalf("fourth plan: %v", err)
	}
}
