package tcapi

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// Interop with the official Go SDK v1.0.162 over real HTTP: every transport
// and signature method it can use.

type sdkMode struct {
	name, method, sign string
	unsigned           bool
}

var sdkModes = []sdkMode{
	{"TC3 POST", "POST", "TC3-HMAC-SHA256", false},
	{"TC3 POST unsigned payload", "POST", "TC3-HMAC-SHA256", true},
	{"TC3 GET", "GET", "TC3-HMAC-SHA256", false},
	{"TC3 GET unsigned payload", "GET", "TC3-HMAC-SHA256", true},
	{"HmacSHA1 GET", "GET", "HmacSHA1", false},
	{"HmacSHA1 POST", "POST", "HmacSHA1", false},
	{"HmacSHA256 GET", "GET", "HmacSHA256", false},
	{"HmacSHA256 POST", "POST", "HmacSHA256", false},
}

func sdkClient(t *testing.T, srv *httptest.Server, m sdkMode, cred *common.Credential, region string) *apigw.Client {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = u.Host
	cpf.HttpProfile.Scheme = "HTTP"
	cpf.HttpProfile.ReqMethod = m.method
	cpf.HttpProfile.ReqTimeout = 10
	cpf.SignMethod = m.sign
	cpf.UnsignedPayload = m.unsigned
	c, err := apigw.NewClient(cred, region, cpf)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sdkCode(t *testing.T, err error) string {
	t.Helper()
	var e *sdkerrors.TencentCloudSDKError
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a TencentCloudSDKError", err, err)
	}
	if e.Code != "" && !uuidV4.MatchString(e.RequestId) && !strings.HasPrefix(e.Code, "ClientError.") {
		t.Fatalf("error without RequestId: %v", e)
	}
	return e.Code
}

func TestSDKInterop(t *testing.T) {
	last := &lastCall{}
	s := newTestServer(last)
	s.Now = nil // the SDK signs with the real clock
	srv := httptest.NewServer(s)
	defer srv.Close()

	for _, m := range sdkModes {
		t.Run(m.name, func(t *testing.T) {
			c := sdkClient(t, srv, m, common.NewCredential(testID, testKey), "ap-guangzhou")

			// DescribeServicesStatus: arrays of objects travel as JSON or
			// flattened (Filters.0.Values.0) and decode the same.
			req := apigw.NewDescribeServicesStatusRequest()
			req.Limit = common.Int64Ptr(10)
			req.Offset = common.Int64Ptr(0)
			req.Filters = []*apigw.Filter{
				{Name: common.StringPtr("ServiceName"), Values: common.StringPtrs([]string{"a b&c=d", "é+/"})},
				{Name: common.StringPtr("Environment"), Values: common.StringPtrs([]string{"release"})},
			}
			resp, err := c.DescribeServicesStatus(req)
			if err != nil {
				t.Fatalf("DescribeServicesStatus: %v", err)
			}
			if resp.Response == nil || resp.Response.Result == nil || *resp.Response.Result.TotalCount != 1 ||
				*resp.Response.Result.ServiceSet[0].ServiceId != "service-abcd1234" || *resp.Response.Result.ServiceSet[0].NetTypes[0] != "OUTER" ||
				!uuidV4.MatchString(*resp.Response.RequestId) {
				t.Fatalf("response not parsed: %s", resp.ToJsonString())
			}
			r, p, _, _ := last.get()
			wantSigned := m.sign
			if m.sign == "HmacSHA1" {
				wantSigned = SignHmacSHA1
			}
			if r.Signed != wantSigned || r.SecretId != testID || r.Region != "ap-guangzhou" || r.Version != "2018-08-08" || r.RequestClient != "SDK_GO_1.0.162" || r.Language != "zh-CN" {
				t.Fatalf("request seen by the handler: %+v", r)
			}
			if *p.Limit != 10 || *p.Offset != 0 || len(p.Filters) != 2 || p.Filters[0].Name != "ServiceName" ||
				strings.Join(p.Filters[0].Values, "|") != "a b&c=d|é+/" || p.Filters[1].Values[0] != "release" {
				t.Fatalf("parameters decoded: %+v", p)
			}

			// CreateService: the handler echoes ServiceName.
			cs := apigw.NewCreateServiceRequest()
			cs.ServiceName = common.StringPtr("svc-" + strings.ReplaceAll(m.name, " ", "_"))
			cs.Protocol = common.StringPtr("http&https")
			cs.NetTypes = common.StringPtrs([]string{"INNER", "OUTER"})
			cs.Tags = []*apigw.Tag{{Key: common.StringPtr("team"), Value: common.StringPtr("edge")}}
			cresp, err := c.CreateService(cs)
			if err != nil {
				t.Fatalf("CreateService: %v", err)
			}
			if *cresp.Response.ServiceName != *cs.ServiceName || *cresp.Response.ServiceId != "service-abcd1234" ||
				len(cresp.Response.NetTypes) != 2 || *cresp.Response.NetTypes[1] != "OUTER" {
				t.Fatalf("CreateService response: %s", cresp.ToJsonString())
			}
			_, _, got, _ := last.get()
			if got.Protocol != "http&https" || len(got.Tags) != 1 || got.Tags[0] != (tag{"team", "edge"}) {
				t.Fatalf("CreateService decoded: %+v", got)
			}

			// A missing required parameter reaches the SDK as MissingParameter.
			cs = apigw.NewCreateServiceRequest()
			cs.ServiceName = common.StringPtr("x")
			if _, err := c.CreateService(cs); sdkCode(t, err) != CodeMissingParameter {
				t.Fatalf("missing Protocol: %v", err)
			}

			// Wrong key.
			bad := sdkClient(t, srv, m, common.NewCredential(testID, "not-the-key"), "ap-guangzhou")
			if _, err := bad.DescribeServicesStatus(apigw.NewDescribeServicesStatusRequest()); sdkCode(t, err) != CodeSignatureFailure {
				t.Fatalf("wrong key: %v", err)
			}
			// Unknown SecretId.
			bad = sdkClient(t, srv, m, common.NewCredential("AKIDnobody", testKey), "ap-guangzhou")
			if _, err := bad.DescribeServicesStatus(nil); sdkCode(t, err) != CodeSecretIdNotFound {
				t.Fatalf("unknown SecretId: %v", err)
			}
			// Temporary credentials are not supported.
			bad = sdkClient(t, srv, m, common.NewTokenCredential(testID, testKey, "tok"), "ap-guangzhou")
			if _, err := bad.DescribeServicesStatus(nil); sdkCode(t, err) != CodeTokenFailure {
				t.Fatalf("token: %v", err)
			}

			// An Action the server does not have, through the SDK's
			// generic Send path.
			var unknown struct {
				*tchttp.BaseRequest
				Foo *string `json:"Foo,omitempty" name:"Foo"`
			}
			unknown.BaseRequest = &tchttp.BaseRequest{}
			unknown.Init().WithApiInfo("apigateway", apigw.APIVersion, "DescribeNothing")
			unknown.Foo = common.StringPtr("bar")
			var out struct {
				*tchttp.BaseResponse
				Response *struct{ RequestId *string } `json:"Response"`
			}
			out.BaseResponse = &tchttp.BaseResponse{}
			if err := c.Send(&unknown, &out); sdkCode(t, err) != CodeInvalidAction {
				t.Fatalf("unknown Action: %v", err)
			}
			// A wrong version, through the same path.
			unknown.Init().WithApiInfo("apigateway", "2017-03-12", "DescribeServicesStatus")
			if err := c.Send(&unknown, &out); sdkCode(t, err) != CodeNoSuchVersion {
				t.Fatalf("wrong version: %v", err)
			}
			// A handler's own *Error reaches the SDK intact.
			ds := apigw.NewDeleteServiceRequest()
			ds.ServiceId = common.StringPtr("service-x")
			_, err = c.DeleteService(ds)
			var se *sdkerrors.TencentCloudSDKError
			if !errors.As(err, &se) || se.Code != "ResourceNotFound.InvalidService" || se.Message != "no such service" {
				t.Fatalf("DeleteService: %v", err)
			}
		})
	}
}

// Oversized requests reach SDK users as RequestSizeLimitExceeded: 10 MB for
// TC3 POST, 1 MB for v1 POST, 32 KB for any GET.
func TestSDKSizeLimits(t *testing.T) {
	s := newTestServer(nil)
	s.Now = nil
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, tc := range []struct {
		mode sdkMode
		size int
	}{
		{sdkModes[0], MaxJSONPOSTSize},
		{sdkModes[5], MaxFormPOSTSize},
		{sdkModes[2], MaxGETSize},
		{sdkModes[4], MaxGETSize},
	} {
		c := sdkClient(t, srv, tc.mode, common.NewCredential(testID, testKey), "ap-guangzhou")
		req := apigw.NewCreateServiceRequest()
		req.ServiceName, req.Protocol = common.StringPtr("big"), common.StringPtr("http")
		req.ServiceDesc = common.StringPtr(strings.Repeat("x", tc.size))
		if _, err := c.CreateService(req); sdkCode(t, err) != CodeRequestSizeLimitExceeded {
			t.Fatalf("%s: %v", tc.mode.name, err)
		}
		req.ServiceDesc = common.StringPtr(strings.Repeat("x", tc.size-1000))
		if _, err := c.CreateService(req); err != nil {
			t.Fatalf("%s just under the limit: %v", tc.mode.name, err)
		}
	}
}

// Without a region the SDK omits X-TC-Region (v1: Region=""); that is
// accepted unless the Server lists its regions.
func TestSDKNoRegion(t *testing.T) {
	s := newTestServer(nil)
	s.Now = nil
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, m := range []sdkMode{sdkModes[0], sdkModes[4]} {
		c := sdkClient(t, srv, m, common.NewCredential(testID, testKey), "")
		if _, err := c.DescribeServicesStatus(nil); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	s2 := newTestServer(nil)
	s2.Now, s2.Regions = nil, []string{"ap-guangzhou"}
	srv2 := httptest.NewServer(s2)
	defer srv2.Close()
	c := sdkClient(t, srv2, sdkModes[0], common.NewCredential(testID, testKey), "")
	if _, err := c.DescribeServicesStatus(nil); sdkCode(t, err) != CodeMissingParameter {
		t.Fatalf("region required: %v", err)
	}
	c = sdkClient(t, srv2, sdkModes[0], common.NewCredential(testID, testKey), "ap-shanghai")
	if _, err := c.DescribeServicesStatus(nil); sdkCode(t, err) != CodeUnsupportedRegion {
		t.Fatalf("region unsupported: %v", err)
	}
}
