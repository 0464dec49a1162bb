package e2e

import (
	"strings"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/internal/testpki"
)

// TestHuaweiDomainCertificates: attaching and detaching certificates to a
// group's custom domain (seed 001 .../domains/{domain_id}/certificates/
// attach), by domain and by certificate, is what BindSubDomain and
// ModifySubDomain store: DescribeServiceSubDomains shows it.
func TestHuaweiDomainCertificates(t *testing.T) {
	defer catchSDK(t)
	_, cp, c, h := hwSetup(t)
	svc := sdkCreateService(c, "certshop")
	bind(c, bindReq(svc, svc+".localhost", "api.example.com", nil))
	ca := testpki.NewCA("e2e CA")
	cert := uploadCert(t, cp, ca.Valid(30, "api.example.com"), false)
	otherName := uploadCert(t, cp, ca.Valid(30, "www.example.org"), false)

	domain := func() *apigw.DomainSetList {
		t.Helper()
		r := apigw.NewDescribeServiceSubDomainsRequest()
		r.ServiceId = common.StringPtr(svc)
		res := mustSDK(c.DescribeServiceSubDomains(r)).Response.Result
		if *res.TotalCount != 1 {
			t.Fatalf("domains: %s", mustJSON(res))
		}
		return res.DomainSet[0]
	}
	base := "/api-groups/" + svc + "/domains/api.example.com/certificates"
	h.ok("POST", base+"/attach", nil, hwapi.CertificatesAttach{CertificateIds: []string{cert}}, 204, nil)
	if d := domain(); *d.CertificateId != cert || *d.Protocol != "http&https" {
		t.Fatalf("attached: %s", mustJSON(d))
	}
	yes := true
	h.want("POST", base+"/attach", nil, hwapi.CertificatesAttach{CertificateIds: []string{cert}, VerifiedClientCertificateEnable: &yes}, 400, "APIG.3402")
	h.want("POST", base+"/attach", nil, hwapi.CertificatesAttach{CertificateIds: []string{cert, otherName}}, 400, "APIG.2012")
	h.want("POST", base+"/attach", nil, hwapi.CertificatesAttach{}, 400, "APIG.2012")
	h.want("POST", base+"/attach", nil, hwapi.CertificatesAttach{CertificateIds: []string{otherName}}, 400, "APIG.2012") // does not cover the name
	h.want("POST", base+"/attach", nil, hwapi.CertificatesAttach{CertificateIds: []string{"cert-nothere"}}, 404, "APIG.3081")
	// The seed's 404: a domain the group does not have.
	h.want("POST", "/api-groups/"+svc+"/domains/nope.example.com/certificates/attach", nil, hwapi.CertificatesAttach{CertificateIds: []string{cert}}, 404, "APIG.3020")
	h.want("POST", "/api-groups/service-nothere/domains/api.example.com/certificates/attach", nil, hwapi.CertificatesAttach{CertificateIds: []string{cert}}, 404, "APIG.3001")
	h.want("POST", base+"/detach", nil, hwapi.CertificatesAttach{CertificateIds: []string{otherName}}, 404, "APIG.3081")
	h.ok("POST", base+"/detach", nil, hwapi.CertificatesAttach{CertificateIds: []string{cert}}, 204, nil)
	if d := domain(); *d.CertificateId != "" || *d.Protocol != "http" {
		t.Fatalf("detached: %s", mustJSON(d))
	}

	// By certificate: its domains (AttachOrDetachDomainInfo).
	byCert := "/v2/" + h.c.Project + "/apigw/certificates/" + cert + "/domains"
	h.ok("POST", byCert+"/attach", nil, map[string]any{"domains": []hwapi.AttachOrDetachDomainInfo{{Domain: "api.example.com", InstanceIds: []string{h.c.Instance}}}}, 204, nil)
	if d := domain(); *d.CertificateId != cert || *d.Protocol != "http&https" {
		t.Fatalf("attached by certificate: %s", mustJSON(d))
	}
	h.want("POST", byCert+"/attach", nil, map[string]any{"domains": []hwapi.AttachOrDetachDomainInfo{{Domain: "nope.example.com"}}}, 404, "APIG.3020")
	h.want("POST", byCert+"/attach", nil, map[string]any{"domains": []hwapi.AttachOrDetachDomainInfo{{Domain: "api.example.com", VerifiedClientCertificateEnabled: &yes}}}, 400, "APIG.3402")
	h.want("POST", byCert+"/attach", nil, map[string]any{"domains": []any{}}, 400, "APIG.2012")
	h.want("POST", "/v2/"+h.c.Project+"/apigw/certificates/cert-nothere/domains/attach", nil, map[string]any{"domains": []hwapi.AttachOrDetachDomainInfo{{Domain: "api.example.com"}}}, 404, "APIG.3081")
	h.ok("POST", byCert+"/detach", nil, map[string]any{"domains": []hwapi.AttachOrDetachDomainInfo{{Domain: "api.example.com"}}}, 204, nil)
	if d := domain(); *d.CertificateId != "" {
		t.Fatalf("detached by certificate: %s", mustJSON(d))
	}
}

// TestHuaweiPluginBindings: a plugin attached over REST (seed 001 plugins/
// {plugin_id}/attached-apis) is AttachPlugin's attachment: the Action API
// lists it and the edge applies it after the publish.
func TestHuaweiPluginBindings(t *testing.T) {
	defer catchSDK(t)
	up, cp, c, h := hwSetup(t)
	rc := cp.client()
	svc, echo, ping, g := ipService(t, cp, c, up)
	exact := sdkAPI(c, svc, "=/exact")
	sdkRelease(c, svc)
	var cors struct{ Result struct{ PluginId string } }
	mustCall(t, rc, "CreatePlugin", map[string]any{"PluginName": "cors_app", "PluginType": "Cors", "PluginData": corsData}, &cors)
	id := cors.Result.PluginId
	base := "/plugins/" + id

	var attachable hwapi.PluginApis
	h.ok("GET", base+"/attachable-apis", q("env_id", releaseEnv), nil, 200, &attachable)
	if attachable.Total != 3 || attachable.Apis[2].ApiId != exact || attachable.Apis[2].MatchMode != "NORMAL" || attachable.Apis[2].ReqUri != "/exact" {
		t.Fatalf("attachable: %+v", attachable)
	}
	var att struct {
		Attached []struct {
			AttachId   string `json:"plugin_attach_id"`
			PluginId   string `json:"plugin_id"`
			PluginName string `json:"plugin_name"`
			PluginType string `json:"plugin_type"`
			EnvId      string `json:"env_id"`
			EnvName    string `json:"env_name"`
			ApiId      string `json:"api_id"`
			ApiName    string `json:"api_name"`
			Time       string `json:"attached_time"`
		} `json:"attached_plugins"`
	}
	h.ok("POST", base+"/attach", nil, map[string]any{"env_id": releaseEnv, "api_ids": []string{echo, ping}}, 201, &att)
	if len(att.Attached) != 2 || att.Attached[0].PluginId != id || att.Attached[0].PluginType != "cors" || att.Attached[0].EnvName != "RELEASE" ||
		att.Attached[1].ApiId != ping || att.Attached[1].ApiName != "apiping" || att.Attached[0].Time == "" {
		t.Fatalf("attach: %+v", att)
	}
	pre := inEffect(t, "the CORS plugin attached over REST", time.Now(), func() answer {
		return g.fetch("OPTIONS", "/echo", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET")
	}, is(204, ""))
	if pre.h.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("preflight: %v", pre.h)
	}
	// The seed's PluginApiInfo.
	var apis hwapi.PluginApis
	h.ok("GET", base+"/attached-apis", q("api_id", ping), nil, 200, &apis)
	p := apis.Apis
	if apis.Total != 1 || p[0].ApiId != ping || p[0].ReqProtocol != "HTTP" || p[0].ReqMethod != "GET" || p[0].ReqUri != "/ping" ||
		p[0].MatchMode != "SWA" || p[0].AuthType != "NONE" || p[0].GroupId != svc || p[0].GroupName != "ipshop" || p[0].EnvId != releaseEnv ||
		p[0].EnvName != "RELEASE" || p[0].PublishId != ping+"."+releaseEnv || p[0].PluginAttachId != att.Attached[1].AttachId || p[0].Type != 1 {
		t.Fatalf("attached-apis: %+v", apis)
	}
	h.ok("GET", base+"/attached-apis", q("req_uri", "/echo"), nil, 200, &apis)
	if apis.Total != 1 || apis.Apis[0].MatchMode != "SWA" {
		t.Fatalf("attached-apis of /echo (a prefix path): %+v", apis)
	}
	for _, f := range [][]string{{"env_id", "x"}, {"group_id", "x"}, {"req_method", "POST"}, {"api_name", "zzz"}} {
		if n, _, _ := h.list(base+"/attached-apis", q(f...), "apis"); n != 0 {
			t.Fatalf("attached-apis %v: %d", f, n)
		}
	}
	if n, _, _ := h.list(base+"/attachable-apis", q("env_id", releaseEnv), "apis"); n != 1 {
		t.Fatalf("attachable after attach: %d", n)
	}
	// The Action API sees the same attachments.
	var dp struct{ Result struct{ TotalCount int } }
	mustCall(t, rc, "DescribePluginApis", map[string]any{"PluginId": id}, &dp)
	if dp.Result.TotalCount != 2 {
		t.Fatalf("DescribePluginApis: %+v", dp)
	}
	h.want("POST", base+"/attach", nil, map[string]any{"env_id": "DEFAULT_ENVIRONMENT_TEST_ID", "api_ids": []string{echo}}, 400, "APIG.2012") // not published there
	h.want("POST", base+"/attach", nil, map[string]any{"env_id": releaseEnv}, 400, "APIG.2012")
	h.want("POST", "/plugins/plugin-nothere/attach", nil, map[string]any{"env_id": releaseEnv, "api_ids": []string{echo}}, 404, "APIG.3068")
	h.want("GET", "/plugins/plugin-nothere/attached-apis", nil, nil, 404, "APIG.3068")
	h.want("GET", base+"/attachable-apis", nil, nil, 400, "APIG.2012")

	h.ok("PUT", base+"/detach", nil, map[string]any{"env_id": releaseEnv, "api_ids": []string{echo}}, 204, nil)
	inEffect(t, "the plugin detached", time.Now(), func() answer {
		return g.fetch("OPTIONS", "/echo", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET")
	}, func(a answer) bool { return a.h.Get("Access-Control-Allow-Origin") == "" })
	h.want("PUT", base+"/detach", nil, map[string]any{"env_id": releaseEnv, "api_ids": []string{echo}}, 400, "APIG.2012")
	mustCall(t, rc, "DescribePluginApis", map[string]any{"PluginId": id}, &dp)
	if dp.Result.TotalCount != 1 {
		t.Fatalf("DescribePluginApis after detach: %+v", dp)
	}
	if n, _, items := h.list(base+"/attachable-apis", q("env_id", releaseEnv), "apis"); n != 2 || !strings.Contains(string(items[0]), echo) {
		t.Fatalf("attachable after detach: %d %s", n, items)
	}
}
