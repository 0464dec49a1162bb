package e2e

import (
	"strings"
	"testing"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/edgegate/edgegate/model"
)

// edgeAccess is the Access value of the current revision, as a remote edge
// receives it (EdgeSync from revision 0).
func edgeAccess(t *testing.T, cp *controlPlane) (uint64, *model.Access) {
	t.Helper()
	rev, _, pub := syncOpened(t, cp, "e2e-access")
	return rev, pub.Access
}

func keyOf(acc *model.Access, id string) *model.Key {
	if acc == nil {
		return nil
	}
	for i := range acc.Keys {
		if acc.Keys[i].SecretId == id {
			return &acc.Keys[i]
		}
	}
	return nil
}

// TestSDKApiKeys drives every key Action with the official SDK: the
// lifecycle, where secrets are shown, the seed's status rules, bad input
// and the tenant limit.
func TestSDKApiKeys(t *testing.T) {
	defer catchSDK(t)
	cp := startControlPlane(t, "--max-api-keys", "3")
	c := cp.sdk("", "")

	ck := apigw.NewCreateApiKeyRequest()
	ck.SecretName = common.StringPtr("auto-key")
	auto := mustSDK(c.CreateApiKey(ck)).Response.Result
	if !strings.HasPrefix(*auto.AccessKeyId, "AKID") || len(*auto.AccessKeySecret) < 30 || *auto.AccessKeyType != "auto" ||
		*auto.Status != 1 || *auto.SecretName != "auto-key" || *auto.CreatedTime == "" {
		t.Fatalf("CreateApiKey auto: %+v", auto)
	}
	cm := apigw.NewCreateApiKeyRequest()
	cm.SecretName = common.StringPtr("manual-key")
	cm.AccessKeyType = common.StringPtr("manual")
	cm.AccessKeyId = common.StringPtr("partner_01")
	cm.AccessKeySecret = common.StringPtr("partner_secret_0001")
	manual := mustSDK(c.CreateApiKey(cm)).Response.Result
	if *manual.AccessKeyId != "partner_01" || *manual.AccessKeySecret != "partner_secret_0001" || *manual.AccessKeyType != "manual" {
		t.Fatalf("CreateApiKey manual: %+v", manual)
	}
	if _, err := c.CreateApiKey(cm); sdkCode(err) != "FailedOperation.AccessKeyExist" {
		t.Fatalf("duplicate AccessKeyId: %v", err)
	}

	// DescribeApiKey shows the secret (seed 查询密钥详情), the list does not.
	dk := apigw.NewDescribeApiKeyRequest()
	dk.AccessKeyId = auto.AccessKeyId
	if got := mustSDK(c.DescribeApiKey(dk)).Response.Result; *got.AccessKeySecret != *auto.AccessKeySecret || *got.Status != 1 {
		t.Fatalf("DescribeApiKey: %+v", got)
	}
	ls := apigw.NewDescribeApiKeysStatusRequest()
	lr := mustSDK(c.DescribeApiKeysStatus(ls)).Response.Result
	if *lr.TotalCount != 2 || len(lr.ApiKeySet) != 2 {
		t.Fatalf("DescribeApiKeysStatus: %+v", lr)
	}
	for _, k := range lr.ApiKeySet {
		if k.AccessKeySecret != nil && *k.AccessKeySecret != "" {
			t.Fatalf("DescribeApiKeysStatus shows a secret: %+v", k)
		}
	}
	filter := func(name, value string) int64 {
		r := apigw.NewDescribeApiKeysStatusRequest()
		r.Filters = []*apigw.Filter{{Name: common.StringPtr(name), Values: common.StringPtrs([]string{value})}}
		return *mustSDK(c.DescribeApiKeysStatus(r)).Response.Result.TotalCount
	}
	if n := filter("SecretName", "manual"); n != 1 {
		t.Errorf("filter SecretName: %d", n)
	}
	if n := filter("AccessKeySecret", "partner_secret_0001"); n != 1 {
		t.Errorf("filter AccessKeySecret: %d", n)
	}
	if n := filter("AccessKeySecret", "partner_secret_0002"); n != 0 {
		t.Errorf("filter AccessKeySecret (wrong): %d", n)
	}
	if n := filter("KeyWord", "partner"); n != 1 {
		t.Errorf("filter KeyWord: %d", n)
	}
	ls.Filters = []*apigw.Filter{{Name: common.StringPtr("Colour"), Values: common.StringPtrs([]string{"x"})}}
	if _, err := c.DescribeApiKeysStatus(ls); sdkCode(err) != "InvalidParameterValue.InvalidFilterNotSupportedName" {
		t.Errorf("unknown filter: %v", err)
	}

	// The same with GET (v1-style form arrays: Filters.0.Values.0).
	gr := apigw.NewDescribeApiKeysStatusRequest()
	gr.Filters = []*apigw.Filter{{Name: common.StringPtr("AccessKeyId"), Values: common.StringPtrs([]string{"partner_01", *auto.AccessKeyId})}}
	if n := *mustSDK(cp.sdk("", "GET").DescribeApiKeysStatus(gr)).Response.Result.TotalCount; n != 2 {
		t.Errorf("GET filter AccessKeyId: %d", n)
	}

	// Disable / enable, with the seed's status errors.
	dis := apigw.NewDisableApiKeyRequest()
	dis.AccessKeyId = auto.AccessKeyId
	if !*mustSDK(c.DisableApiKey(dis)).Response.Result {
		t.Fatal("DisableApiKey: false")
	}
	if _, err := c.DisableApiKey(dis); sdkCode(err) != "UnsupportedOperation.UnsupportedUpdateApiKey" {
		t.Fatalf("disable twice: %v", err)
	}
	if n := filter("Status", "0"); n != 1 {
		t.Errorf("filter Status 0: %d", n)
	}
	en := apigw.NewEnableApiKeyRequest()
	en.AccessKeyId = auto.AccessKeyId
	mustSDK(c.EnableApiKey(en))

	// Rotation: auto keys get a new secret, manual keys take one.
	uk := apigw.NewUpdateApiKeyRequest()
	uk.AccessKeyId = auto.AccessKeyId
	rot := mustSDK(c.UpdateApiKey(uk)).Response.Result
	if *rot.AccessKeySecret == *auto.AccessKeySecret || *rot.AccessKeyId != *auto.AccessKeyId {
		t.Fatalf("UpdateApiKey: %+v", rot)
	}
	if got := mustSDK(c.DescribeApiKey(dk)).Response.Result; *got.AccessKeySecret != *rot.AccessKeySecret {
		t.Fatalf("DescribeApiKey after rotation: %s", *got.AccessKeySecret)
	}
	um := apigw.NewUpdateApiKeyRequest()
	um.AccessKeyId = manual.AccessKeyId
	if _, err := c.UpdateApiKey(um); sdkCode(err) != "MissingParameter" {
		t.Fatalf("rotate manual without secret: %v", err)
	}
	um.AccessKeySecret = common.StringPtr("partner_secret_0002")
	if got := mustSDK(c.UpdateApiKey(um)).Response.Result; *got.AccessKeySecret != "partner_secret_0002" {
		t.Fatalf("rotate manual: %+v", got)
	}

	// Bad input.
	for _, tc := range []struct {
		req  func(*apigw.CreateApiKeyRequest)
		code string
	}{
		{func(r *apigw.CreateApiKeyRequest) { r.SecretName = nil }, "MissingParameter"},
		{func(r *apigw.CreateApiKeyRequest) { r.AccessKeyType = common.StringPtr("magic") }, "InvalidParameterValue.NotInOptions"},
		{func(r *apigw.CreateApiKeyRequest) {
			r.AccessKeyType, r.AccessKeyId, r.AccessKeySecret = common.StringPtr("manual"), common.StringPtr("a-b"), common.StringPtr("0123456789")
		}, "InvalidParameter.FormatError"},
		{func(r *apigw.CreateApiKeyRequest) {
			r.AccessKeyType, r.AccessKeyId, r.AccessKeySecret = common.StringPtr("manual"), common.StringPtr("abcde"), common.StringPtr("short")
		}, "InvalidParameter.FormatError"},
	} {
		r := apigw.NewCreateApiKeyRequest()
		r.SecretName = common.StringPtr("bad")
		tc.req(r)
		if _, err := c.CreateApiKey(r); sdkCode(err) != tc.code {
			t.Errorf("CreateApiKey %s: got %v, want %s", r.ToJsonString(), err, tc.code)
		}
	}

	// The tenant limit (--max-api-keys 3; the seed's is 400).
	ck.SecretName = common.StringPtr("third")
	third := mustSDK(c.CreateApiKey(ck)).Response.Result
	if _, err := c.CreateApiKey(ck); sdkCode(err) != "LimitExceeded.ApiKeyCountLimitExceeded" {
		t.Fatalf("fourth key: %v", err)
	}

	// Delete: an enabled key is refused, a disabled one goes.
	del := apigw.NewDeleteApiKeyRequest()
	del.AccessKeyId = third.AccessKeyId
	if _, err := c.DeleteApiKey(del); sdkCode(err) != "UnsupportedOperation.InvalidStatus" {
		t.Fatalf("delete enabled key: %v", err)
	}
	dis.AccessKeyId = third.AccessKeyId
	mustSDK(c.DisableApiKey(dis))
	if !*mustSDK(c.DeleteApiKey(del)).Response.Result {
		t.Fatal("DeleteApiKey: false")
	}
	dk.AccessKeyId = third.AccessKeyId
	if _, err := c.DescribeApiKey(dk); sdkCode(err) != "ResourceNotFound.InvalidAccessKeyId" {
		t.Fatalf("describe deleted key: %v", err)
	}
	if _, err := c.DeleteApiKey(del); sdkCode(err) != "ResourceNotFound.InvalidAccessKeyId" {
		t.Fatalf("delete twice: %v", err)
	}
}
