package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/admin/hwapi/hwclient"
)

// Issue 16: the Huawei APIG v2 REST interface on the admin listener of a
// real `edgegate run`, driven by hwclient (signing as Huawei's SDK does),
// next to the official Tencent SDK on the same model.

// hwREST is a REST client of cp with the admin credentials as AK/SK.
type hwREST struct {
	t *testing.T
	c *hwclient.Client
}

func newHW(t *testing.T, cp *controlPlane) *hwREST {
	return &hwREST{t, &hwclient.Client{Endpoint: "http://" + cp.Admin, AK: cp.ID, SK: cp.Key, Project: "0b1c2d3e4f", Instance: "edgegate", Retries: 5}}
}

// want calls method rel (an instance path; "/v2/..." as is) and checks
// the status and, for errors, the error_code.
func (h *hwREST) want(method, rel string, q url.Values, body any, status int, code string) *hwclient.Response {
	h.t.Helper()
	path := rel
	if !strings.HasPrefix(rel, "/v2/") {
		path = h.c.InstancePath(rel)
	}
	r, err := h.c.Do(method, path, q, body)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, rel, err)
	}
	if r.Status != status || r.ErrorCode != code {
		h.t.Fatalf("%s %s %v %v: got %s, want %d %s", method, rel, q, body, r, status, code)
	}
	if status >= 400 && r.ErrorMsg == "" {
		h.t.Fatalf("%s %s: error without error_msg: %s", method, rel, r)
	}
	return r
}

// ok is want for a success, decoding the body into out (nil: none).
func (h *hwREST) ok(method, rel string, q url.Values, body any, status int, out any) {
	h.t.Helper()
	r := h.want(method, rel, q, body, status, "")
	if out != nil {
		if err := r.Decode(out); err != nil {
			h.t.Fatalf("%s %s: %v: %s", method, rel, err, r.Body)
		}
	}
}

// list GETs a list and returns total, size and the raw items under key.
func (h *hwREST) list(rel string, q url.Values, key string) (total, size int, items []json.RawMessage) {
	h.t.Helper()
	var m map[string]json.RawMessage
	h.ok("GET", rel, q, nil, 200, &m)
	json.Unmarshal(m["total"], &total)
	json.Unmarshal(m["size"], &size)
	json.Unmarshal(m[key], &items)
	if size != len(items) {
		h.t.Fatalf("GET %s: size %d, %d items", rel, size, len(items))
	}
	return total, size, items
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// hwSetup starts an upstream and a control plane, and returns them with
// the official SDK client and the REST client.
func hwSetup(t *testing.T) (*upstreamProc, *controlPlane, *apigw.Client, *hwREST) {
	t.Helper()
	up := startUpstream(t)
	cp := startControlPlane(t)
	return up, cp, cp.sdk("", ""), newHW(t, cp)
}

const releaseEnv = "DEFAULT_ENVIRONMENT_RELEASE_ID"

// TestHuaweiAuth: AK/SK over the admin credentials; wrong signatures, a
// stale or future X-Sdk-Date, tokens and edge credentials are refused
// with the seed's statuses; unknown operations are 404.
func TestHuaweiAuth(t *testing.T) {
	cp := startControlPlane(t)
	h := newHW(t, cp)
	h.ok("GET", "/envs", nil, nil, 200, nil)

	f := func(what string, mod func(c *hwclient.Client), status int, code, msg string) {
		t.Helper()
		c := *h.c
		mod(&c)
		r, err := c.Do("GET", c.InstancePath("/envs"), q("limit", "5"), nil)
		if err != nil || r.Status != status || r.ErrorCode != code || !strings.Contains(r.ErrorMsg, msg) {
			t.Fatalf("%s: %v %v, want %d %s %q", what, r, err, status, code, msg)
		}
	}
	f("wrong SK", func(c *hwclient.Client) { c.SK += "x" }, 401, "APIGW.0301", "verify aksk signature fail")
	f("unknown AK", func(c *hwclient.Client) { c.AK = "AKIDnobody" }, 401, "APIGW.0301", "unknown")
	f("stale X-Sdk-Date", func(c *hwclient.Client) { c.Now = func() time.Time { return time.Now().Add(-20 * time.Minute) } }, 401, "APIGW.0301", "expired")
	f("future X-Sdk-Date", func(c *hwclient.Client) { c.Now = func() time.Time { return time.Now().Add(20 * time.Minute) } }, 401, "APIGW.0301", "expired")
	f("query changed after signing", func(c *hwclient.Client) { c.Tamper = func(r *http.Request) { r.URL.RawQuery = "limit=6" } }, 401, "APIGW.0301", "verify aksk signature fail")
	f("not signed", func(c *hwclient.Client) { c.Tamper = func(r *http.Request) { r.Header.Del("Authorization") } }, 401, "APIGW.0301", "not signed")
	f("IAM token", func(c *hwclient.Client) {
		c.Header = http.Header{"X-Auth-Token": {"MIIZkQYJKoZIhvcNAQcCoIIZgjCCGX4CAQExDTALBglghkgBZQMEAgEwgg"}}
	}, 401, "APIG.1002", "IAM tokens")
	f("Tencent TC3 signature", func(c *hwclient.Client) {
		c.Tamper = func(r *http.Request) {
			r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=x/2026-01-01/apigateway/tc3_request")
		}
	}, 401, "APIGW.0301", "SDK-HMAC-SHA256")
	f("malformed instance", func(c *hwclient.Client) { c.Instance = "bad.id" }, 400, "APIG.2012", "parameterName:instance_id")

	// An edge credential may call EdgeSync only.
	var ec struct {
		Result struct{ SecretId, SecretKey string }
	}
	mustCall(t, cp.client(), "CreateEdgeCredential", map[string]any{"Remark": "edge"}, &ec)
	f("edge credential", func(c *hwclient.Client) { c.AK, c.SK = ec.Result.SecretId, ec.Result.SecretKey }, 403, "APIG.1005", "No permissions")

	h.want("GET", "/nothing-here", nil, nil, 404, "APIG.0101")
	h.want("PATCH", "/envs", nil, nil, 404, "APIG.0101")
	// The Action API is untouched beside it.
	if n := serviceCount(t, cp); n != 0 {
		t.Fatalf("services: %d", n)
	}
}

// TestHuaweiEnvironments: custom environments (seed 001 POST .../envs) are
// environments of the one model: a group released to one over the Action
// API serves under its name; environment variables fill #name# in the
// paths and backend address of what each environment runs, and a change
// takes effect with its publish.
func TestHuaweiEnvironments(t *testing.T) {
	defer catchSDK(t)
	up, cp, c, h := hwSetup(t)

	total, _, items := h.list("/envs", nil, "envs")
	if total != 3 || !strings.Contains(string(items[0]), `"name":"RELEASE"`) || !strings.Contains(string(items[0]), releaseEnv) {
		t.Fatalf("fixed environments: %d %s", total, items)
	}
	// The seed's example body.
	var dev hwapi.Env
	h.ok("POST", "/envs", nil, hwapi.Env{Name: "DEV", Remark: "Development environment"}, 201, &dev)
	if len(dev.Id) != 32 || dev.Name != "DEV" || dev.Remark != "Development environment" || dev.CreateTime == "" {
		t.Fatalf("create: %+v", dev)
	}
	h.want("POST", "/envs", nil, hwapi.Env{Name: "dev"}, 400, "APIG.3400")
	h.want("POST", "/envs", nil, hwapi.Env{Name: "Release"}, 400, "APIG.2012")
	h.want("POST", "/envs", nil, hwapi.Env{Name: "9lives"}, 400, "APIG.2012")
	h.want("POST", "/envs", nil, hwapi.Env{Name: "ab"}, 400, "APIG.2012")
	h.want("POST", "/envs", nil, map[string]any{"name": "QA", "color": "red"}, 400, "APIG.2012")
	h.want("POST", "/envs", nil, []byte(`{"name":`), 400, "APIG.2011")
	h.want("POST", "/envs", nil, hwapi.Env{Name: "QA", Remark: strings.Repeat("r", 256)}, 400, "APIG.2012")
	var qa hwapi.Env
	h.ok("POST", "/envs", nil, hwapi.Env{Name: "QA_1"}, 201, &qa)
	h.ok("PUT", "/envs/"+qa.Id, nil, hwapi.Env{Name: "QA_2", Remark: "renamed"}, 200, &qa)
	if qa.Name != "QA_2" || qa.Remark != "renamed" {
		t.Fatalf("update: %+v", qa)
	}
	h.want("PUT", "/envs/"+releaseEnv, nil, hwapi.Env{Name: "PROD"}, 400, "APIG.2012")
	h.want("PUT", "/envs/0123456789abcdef0123456789abcdef", nil, hwapi.Env{Name: "PROD"}, 404, "APIG.3003")
	if total, _, _ := h.list("/envs", q("name", "qa"), "envs"); total != 1 {
		t.Fatalf("fuzzy name: %d", total)
	}
	if total, _, _ := h.list("/envs", q("name", "QA", "precise_search", "name"), "envs"); total != 0 {
		t.Fatalf("precise name: %d", total)
	}

	// The group, released to DEV over the Action API: served under /DEV.
	svc := sdkCreateService(c, "shop")
	varAPI := sdkAPI(c, svc, "/var", proxyTo(up, "/v/#suffix#"))
	rs := apigw.NewReleaseServiceRequest()
	rs.ServiceId, rs.EnvironmentName, rs.ReleaseDesc = common.StringPtr(svc), common.StringPtr("DEV"), common.StringPtr("dev")
	// #suffix# is not defined in DEV yet: the release is refused.
	if _, err := c.ReleaseService(rs); !strings.Contains(err.Error(), "#suffix#") {
		t.Fatalf("release with an undefined variable: %v", err)
	}
	var v struct {
		Id, GroupId, EnvId, Name, Value string
	}
	vbody := map[string]any{"group_id": svc, "env_id": dev.Id, "variable_name": "suffix", "variable_value": "abc"}
	var vr map[string]string
	h.ok("POST", "/env-variables", nil, vbody, 201, &vr)
	v.Id = vr["id"]
	if vr["group_id"] != svc || vr["env_id"] != dev.Id || vr["variable_name"] != "suffix" || vr["variable_value"] != "abc" {
		t.Fatalf("variable: %v", vr)
	}
	h.want("POST", "/env-variables", nil, vbody, 400, "APIG.3400")
	h.want("POST", "/env-variables", nil, map[string]any{"group_id": "service-none", "env_id": dev.Id, "variable_name": "x_1", "variable_value": "1"}, 404, "APIG.3001")
	h.want("POST", "/env-variables", nil, map[string]any{"group_id": svc, "env_id": "nope", "variable_name": "x_1", "variable_value": "1"}, 404, "APIG.3003")
	h.want("POST", "/env-variables", nil, map[string]any{"group_id": svc, "env_id": dev.Id, "variable_name": "1x", "variable_value": "1"}, 400, "APIG.2012")
	h.want("POST", "/env-variables", nil, map[string]any{"group_id": svc, "env_id": dev.Id, "variable_name": "x_1", "variable_value": "a#b"}, 400, "APIG.2012")
	mustSDK(c.ReleaseService(rs))
	dev1 := func() answer { s, b := cp.get(svc, "/DEV/var"); return answer{status: s, body: b} }
	var a answer
	waitFor(t, 3*time.Second, "DEV on the edge", func() bool { a = dev1(); return a.status == 200 })
	if e := decodeAnswer(t, a); e.URI != "/v/abc" {
		t.Fatalf("backend path in DEV: %q", e.URI)
	}
	// A new value is served after the publish the write makes.
	h.ok("PUT", "/env-variables/"+v.Id, nil, map[string]any{"variable_value": "def"}, 200, &vr)
	inEffect(t, "the new value", time.Now(), dev1,
		func(a answer) bool { return a.status == 200 && decodeAnswer(t, a).URI == "/v/def" })
	var shown map[string]string
	h.ok("GET", "/env-variables/"+v.Id, nil, nil, 200, &shown)
	if shown["variable_value"] != "def" {
		t.Fatalf("show: %v", shown)
	}
	if total, _, _ := h.list("/env-variables", q("group_id", svc, "env_id", dev.Id, "variable_name", "suffix", "precise_search", "variable_name"), "variables"); total != 1 {
		t.Fatalf("list: %d", total)
	}
	h.want("GET", "/env-variables", nil, nil, 400, "APIG.2012") // group_id is required
	h.want("GET", "/env-variables/nope", nil, nil, 404, "APIG.3011")
	// In use by what DEV runs: the compile refuses deleting it.
	h.want("DELETE", "/env-variables/"+v.Id, nil, nil, 400, "APIG.2012")
	// DEV is released to: it can be neither renamed nor deleted.
	h.want("DELETE", "/envs/"+dev.Id, nil, nil, 400, "APIG.3400")
	h.want("PUT", "/envs/"+dev.Id, nil, hwapi.Env{Name: "DEV2"}, 400, "APIG.3400")
	ur := apigw.NewUnReleaseServiceRequest()
	ur.ServiceId, ur.EnvironmentName = common.StringPtr(svc), common.StringPtr("DEV")
	mustSDK(c.UnReleaseService(ur))
	h.ok("DELETE", "/env-variables/"+v.Id, nil, nil, 204, nil)
	h.ok("DELETE", "/envs/"+dev.Id, nil, nil, 204, nil)
	h.want("DELETE", "/envs/"+dev.Id, nil, nil, 404, "APIG.3003")
	// Gone for the Action API too.
	if _, err := c.ReleaseService(rs); sdkCode(err) != "InvalidParameterValue" {
		t.Fatalf("release to a deleted environment: %v", err)
	}
	_ = varAPI
}

// decodeAnswer decodes the upstream's echo of a.
func decodeAnswer(t *testing.T, a answer) echoed {
	t.Helper()
	var e echoed
	if err := json.Unmarshal([]byte(a.body), &e); err != nil {
		t.Fatalf("echo %q: %v", a.body, err)
	}
	return e
}
