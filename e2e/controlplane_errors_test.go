package e2e

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// TestActionBadInput: each kind of bad request gets its documented code
// and writes nothing.
func TestActionBadInput(t *testing.T) {
	cp := startControlPlane(t)
	c := cp.client()
	var svc struct{ ServiceId string }
	mustCall(t, c, "CreateService", map[string]any{"ServiceName": "keep", "Protocol": "http"}, &svc)

	cases := []struct {
		name   string
		mutate func(c *tcapi.Client)
		action string
		params any
		want   string
	}{
		{"unknown action", nil, "LaunchRockets", map[string]any{}, "InvalidAction"},
		{"wrong version", func(c *tcapi.Client) { c.Version = "2017-03-12" }, "CreateService", map[string]any{"ServiceName": "x", "Protocol": "http"}, "NoSuchVersion"},
		{"bad signature", func(c *tcapi.Client) { c.SecretKey = "wrong" }, "CreateService", map[string]any{"ServiceName": "x", "Protocol": "http"}, "AuthFailure.SignatureFailure"},
		{"expired", func(c *tcapi.Client) { c.Now = func() time.Time { return time.Now().Add(-6 * time.Minute) } }, "CreateService", map[string]any{"ServiceName": "x", "Protocol": "http"}, "AuthFailure.SignatureExpire"},
		{"unknown secret id", func(c *tcapi.Client) { c.SecretId = "AKIDnobody" }, "CreateService", map[string]any{"ServiceName": "x", "Protocol": "http"}, "AuthFailure.SecretIdNotFound"},
		{"missing parameter", nil, "CreateService", map[string]any{"Protocol": "http"}, "MissingParameter"},
		{"unknown parameter", nil, "CreateService", map[string]any{"ServiceName": "x", "Protocol": "http", "Colour": "red"}, "UnknownParameter"},
		{"mistyped parameter", nil, "CreateService", map[string]any{"ServiceName": 42, "Protocol": "http"}, "InvalidParameter"},
		{"bad value", nil, "CreateService", map[string]any{"ServiceName": "no spaces", "Protocol": "http"}, "InvalidParameterValue"},
		{"not an option", nil, "CreateService", map[string]any{"ServiceName": "x", "Protocol": "gopher"}, "InvalidParameterValue.NotInOptions"},
		{"no such service", nil, "CreateApi", map[string]any{"ServiceId": "service-nothere1", "ServiceType": "MOCK", "ServiceTimeout": 1, "Protocol": "HTTP",
			"RequestConfig": map[string]string{"Path": "/x", "Method": "GET"}, "ServiceMockReturnMessage": "x"}, "ResourceNotFound.InvalidService"},
		{"bad regex", nil, "CreateApi", map[string]any{"ServiceId": svc.ServiceId, "ServiceType": "MOCK", "ServiceTimeout": 1, "Protocol": "HTTP",
			"RequestConfig": map[string]string{"Path": "~/(", "Method": "GET"}, "ServiceMockReturnMessage": "x"}, "InvalidParameterValue.InvalidApiRequestConfig"},
		{"undeclared path param", nil, "CreateApi", map[string]any{"ServiceId": svc.ServiceId, "ServiceType": "MOCK", "ServiceTimeout": 1, "Protocol": "HTTP",
			"RequestConfig": map[string]string{"Path": "/u/{id}", "Method": "GET"}, "ServiceMockReturnMessage": "x"}, "InvalidParameterValue.InvalidApiRequestConfig"},
		{"oauth without authorization api", nil, "CreateApi", map[string]any{"ServiceId": svc.ServiceId, "ServiceType": "MOCK", "ServiceTimeout": 1, "Protocol": "HTTP", "AuthType": "OAUTH",
			"ApiBusinessType": "NORMAL", "AuthRelationApiId": "api-nothere1",
			"RequestConfig": map[string]string{"Path": "/s", "Method": "GET"}, "ServiceMockReturnMessage": "x"}, "ResourceNotFound.InvalidOauthApi"},
		{"scf backend", nil, "CreateApi", map[string]any{"ServiceId": svc.ServiceId, "ServiceType": "SCF", "ServiceTimeout": 1, "Protocol": "HTTP",
			"RequestConfig": map[string]string{"Path": "/f", "Method": "GET"}, "ServiceScfFunctionName": "fn"}, "UnsupportedOperation"},
		{"tls backend with an unknown CA", nil, "CreateApi", map[string]any{"ServiceId": svc.ServiceId, "ServiceType": "HTTP", "ServiceTimeout": 1, "Protocol": "HTTP",
			"RequestConfig": map[string]string{"Path": "/t", "Method": "GET"}, "ServiceConfig": map[string]string{"Url": "https://example.com", "Path": "/", "CaCertificateId": "cert-nothere1"}}, "FailedOperation.CertificateIdError"},
		{"timeout over 30", nil, "CreateApi", map[string]any{"ServiceId": svc.ServiceId, "ServiceType": "HTTP", "ServiceTimeout": 31, "Protocol": "HTTP",
			"RequestConfig": map[string]string{"Path": "/t", "Method": "GET"}, "ServiceConfig": map[string]string{"Url": "http://example.com", "Path": "/"}}, "InvalidParameterValue"},
		{"bad environment", nil, "ReleaseService", map[string]any{"ServiceId": svc.ServiceId, "EnvironmentName": "staging", "ReleaseDesc": "x"}, "InvalidParameterValue"},
		{"bad limit", nil, "DescribeServicesStatus", map[string]any{"Limit": 1000}, "InvalidParameterValue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			if tc.mutate != nil {
				tc.mutate(&cc)
			}
			if got, _ := call(t, &cc, tc.action, tc.params); got != tc.want {
				t.Errorf("code %q, want %q", got, tc.want)
			}
		})
	}
	if n := serviceCount(t, cp); n != 1 {
		t.Errorf("%d services after the bad requests, want 1 (something was written)", n)
	}
	code, raw := call(t, c, "DescribeApisStatus", map[string]any{"ServiceId": svc.ServiceId})
	if code != "" || !strings.Contains(string(raw), `"TotalCount":0`) {
		t.Errorf("APIs after the bad requests: %s %s", code, raw)
	}

	// Two APIs with the same method and path in one service.
	api := map[string]any{"ServiceId": svc.ServiceId, "ServiceType": "MOCK", "ServiceTimeout": 1, "Protocol": "HTTP",
		"RequestConfig": map[string]string{"Path": "/dup", "Method": "GET"}, "ServiceMockReturnMessage": "x"}
	mustCall(t, c, "CreateApi", api, nil)
	if code, _ := call(t, c, "CreateApi", api); !strings.HasPrefix(code, "InvalidParameterValue") {
		t.Errorf("duplicate method and path: %q", code)
	}

	// An oversized signed body (the seed's 10 MB TC3 limit), invalid JSON, a wrong method.
	if code, _ := call(t, c, "CreateService", map[string]any{"ServiceName": string(bytes.Repeat([]byte("a"), 11<<20)), "Protocol": "http"}); code != "RequestSizeLimitExceeded" {
		t.Errorf("oversized body: %q", code)
	}
	resp, err := http.Post("http://"+cp.Admin+"/", "application/json", strings.NewReader("{not json"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"Code":"`) {
		t.Errorf("invalid JSON: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("DELETE", "http://"+cp.Admin+"/", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "UnsupportedProtocol") || !strings.Contains(string(body), `"RequestId"`) {
		t.Errorf("DELETE: %s", body)
	}

	// Service quota (seed 使用限制, here lowered with --max-services).
	cp2 := startControlPlane(t, "--max-services", "2")
	c2 := cp2.client()
	for i := range 3 {
		code, _ := call(t, c2, "CreateService", map[string]any{"ServiceName": "q" + string(rune('a'+i)), "Protocol": "http"})
		want := ""
		if i == 2 {
			want = "LimitExceeded.ServiceCountLimitExceeded"
		}
		if code != want {
			t.Errorf("service %d: %q, want %q", i+1, code, want)
		}
	}

	// The SDK sees the same codes.
	ds := apigw.NewDescribeServiceRequest()
	ds.ServiceId = common.StringPtr("service-missing0")
	if _, err := cp.sdk("", "").DescribeService(ds); sdkCode(err) != "ResourceNotFound.InvalidService" {
		t.Errorf("SDK: %v", err)
	}
	if _, err := cp.sdk("wrong-key", "").DescribeService(ds); sdkCode(err) != "AuthFailure.SignatureFailure" {
		t.Errorf("SDK with a wrong key: %v", err)
	}
}
