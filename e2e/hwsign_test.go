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

	"github.com/edgegate/edgegate/admin/hwapi/hwclient"
)

// Signature keys end to end: keys and bindings made over the Huawei REST
// interface (hwclient, signing with AK/SK), the edge signing what it
// forwards, and examples/backendverify (package backendsign's verifier, a
// process of its own) accepting it and refusing what was changed or did
// not come through the gateway.

// hwSignClient is the REST client of cp, signing with its admin key.
func hwSignClient(cp *controlPlane) *hwclient.Client {
	return &hwclient.Client{Endpoint: "http://" + cp.Admin, AK: cp.ID, SK: cp.Key, Project: "e2eproject", Instance: "e2einstance", Retries: 5}
}

// hwMust calls the REST interface and checks the status (and code).
func hwMust(t *testing.T, c *hwclient.Client, method, rel string, q url.Values, body any, status int, code string) *hwclient.Response {
	t.Helper()
	r, err := c.Do(method, c.InstancePath(rel), q, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != status || r.ErrorCode != code {
		t.Fatalf("%s %s: %s, want %d %s", method, rel, r, status, code)
	}
	return r
}

// anyTo makes the API an ANY one on path, forwarded to addr.
func anyTo(addr, path string) func(*apigw.CreateApiRequest) {
	return func(ca *apigw.CreateApiRequest) {
		ca.ServiceType = common.StringPtr("HTTP")
		ca.RequestConfig.Method = common.StringPtr("ANY")
		ca.ServiceConfig = &apigw.ServiceConfig{Url: common.StringPtr("http://" + addr), Path: common.StringPtr(path)}
		ca.ServiceMockReturnMessage = nil
	}
}

func TestSignatureKeysEndToEnd(t *testing.T) {
	defer catchSDK(t)
	keys := []struct{ name, typ, key, secret, alg string }{
		{"sig_hmac", "hmac", "signkeysignkey", "sig_secret-0123456789", ""},
		{"sig_aes", "aes", "0123456789abcdef0123456789ABCDEF", "iv_iv_iv_iv_iv_i", "aes-256-cfb"},
		{"sig_basic", "basic", "gateway", "p@ss_word-1", ""},
	}
	backends := map[string]*backendVerifier{}
	for _, k := range keys {
		backends[k.name] = startVerifier(t, k.typ, k.key, k.secret, k.alg)
	}
	// A backend that expects another secret than the key bound to its API.
	wrong := startVerifier(t, "hmac", "signkeysignkey", "not_the_bound_secret", "")

	cp, c, svc := sdkSetup(t, "signed")
	apiOf := map[string]string{}
	for _, k := range keys {
		apiOf[k.name] = sdkAPI(c, svc, "/"+k.typ, anyTo(backends[k.name].Addr, "/backend/"+k.typ))
	}
	wrongAPI := sdkAPI(c, svc, "/wrong", anyTo(wrong.Addr, "/"))
	sdkRelease(c, svc)

	hw := hwSignClient(cp)
	ids := map[string]string{}
	for _, k := range keys {
		var v struct{ Id, SignSecret string }
		r := hwMust(t, hw, "POST", "/signs", nil, map[string]any{"name": k.name, "sign_type": k.typ, "sign_key": k.key, "sign_secret": k.secret, "sign_algorithm": k.alg}, 201, "")
		json.Unmarshal(r.Body, &v)
		ids[k.name] = v.Id
		hwMust(t, hw, "POST", "/sign-bindings", nil, map[string]any{"sign_id": v.Id, "publish_ids": []string{apiOf[k.name] + ".DEFAULT_ENVIRONMENT_RELEASE_ID"}}, 201, "")
	}
	hwMust(t, hw, "POST", "/sign-bindings", nil, map[string]any{"sign_id": ids["sig_hmac"], "publish_ids": []string{wrongAPI + ".DEFAULT_ENVIRONMENT_RELEASE_ID"}}, 201, "")

	g := cp.edge(svc)
	call := func(method, path, body string, hdr map[string]string) answer {
		t.Helper()
		req := g.request(method, path, strings.NewReader(body), hdr)
		return readAnswer(httpc.Do(req))
	}
	for _, k := range keys {
		// Bindings take effect with the revision they publish: no release.
		var a answer
		waitFor(t, 10*time.Second, k.name+" signed through the edge", func() bool {
			a = call("POST", "/"+k.typ+"/orders/%E4%B8%AD?b=2&a=1&a=x+y", `{"order":1}`, map[string]string{"Content-Type": "application/json", "X-Trace": "t1"})
			return a.status == 200
		})
		var v verified
		if err := json.Unmarshal([]byte(a.body), &v); err != nil || v.Body != `{"order":1}` || v.Path != "/backend/"+k.typ+"/orders/%E4%B8%AD" {
			t.Fatalf("%s: %v %s", k.name, err, a.body)
		}
		if k.typ == "basic" {
			continue
		}
		// What the backend got, sent to it again directly: accepted as it
		// is (within the date's window), refused once anything changed.
		direct := func(what string, mod func(r *http.Request, body *string), want int) {
			t.Helper()
			body := v.Body
			u := "http://" + backends[k.name].Addr + v.Path + "?" + v.Query
			r, _ := http.NewRequest(v.Method, u, nil)
			for name, vs := range v.Headers {
				if name != "Host" {
					r.Header[name] = vs
				}
			}
			r.Host = v.Headers.Get("Host")
			mod(r, &body)
			r.Body = nopCloser{strings.NewReader(body)}
			r.ContentLength = int64(len(body))
			if got := readAnswer(httpc.Do(r)); got.status != want {
				t.Errorf("%s, %s: %s, want %d", k.name, what, got, want)
			}
		}
		direct("replayed as is", func(*http.Request, *string) {}, 200)
		direct("changed header", func(r *http.Request, _ *string) { r.Header.Set("X-Trace", "t2") }, 401)
		direct("added header", func(r *http.Request, _ *string) { r.Header.Set("X-Secret-Id", "forged") }, 401)
		direct("changed body", func(_ *http.Request, b *string) { *b = `{"order":2}` }, 401)
		direct("changed path", func(r *http.Request, _ *string) { r.URL.Path = r.URL.Path + "x"; r.URL.RawPath = "" }, 401)
		direct("changed query", func(r *http.Request, _ *string) { r.URL.RawQuery = "a=1&b=3" }, 401)
		direct("not signed", func(r *http.Request, _ *string) { r.Header.Del("Authorization") }, 401)
	}
	// The backend that holds another secret refuses the gateway's signature.
	if a := call("GET", "/wrong", "", nil); a.status != 401 || !strings.Contains(a.body, "signature mismatch") {
		t.Errorf("wrong secret: %s", a)
	}

	// Unbinding: the requests go unsigned, and the backend refuses them.
	var bound struct {
		Bindings []struct{ Id string } `json:"bindings"`
	}
	hwMust(t, hw, "GET", "/sign-bindings/binded-signs", url.Values{"api_id": {apiOf["sig_hmac"]}}, nil, 200, "").Decode(&bound)
	if len(bound.Bindings) != 1 {
		t.Fatalf("binded-signs: %+v", bound)
	}
	hwMust(t, hw, "DELETE", "/sign-bindings/"+bound.Bindings[0].Id, nil, nil, 204, "")
	waitFor(t, 10*time.Second, "unbound requests refused", func() bool { return call("GET", "/hmac", "", nil).status == 401 })
	// Deleting a bound key unbinds it too.
	hwMust(t, hw, "DELETE", "/signs/"+ids["sig_aes"], nil, nil, 204, "")
	waitFor(t, 10*time.Second, "requests of a deleted key refused", func() bool { return call("GET", "/aes", "", nil).status == 401 })
}

// TestSignatureKeyOperations: every signature key operation of the REST
// interface on a real process, with its documented failures (400, 401,
// 403, 404; admin/hwsigns_test.go adds the 500).
func TestSignatureKeyOperations(t *testing.T) {
	defer catchSDK(t)
	cp, c, svc := sdkSetup(t, "signops")
	api := sdkAPI(c, svc, "/a")
	sdkRelease(c, svc)
	hw := hwSignClient(cp)
	pid := api + ".DEFAULT_ENVIRONMENT_RELEASE_ID"

	var k struct{ Id, SignKey, SignSecret string }
	hwMust(t, hw, "POST", "/signs", nil, map[string]any{"name": "signature_demo"}, 201, "").Decode(&k)
	hwMust(t, hw, "POST", "/signs", nil, map[string]any{"name": "signature_demo"}, 400, "APIG.3207")
	hwMust(t, hw, "POST", "/signs", nil, map[string]any{"name": "1bad"}, 400, "APIG.2012")
	hwMust(t, hw, "GET", "/signs", url.Values{"name": {"signature_demo"}, "precise_search": {"name"}, "limit": {"0"}}, nil, 200, "")
	hwMust(t, hw, "PUT", "/signs/"+k.Id, nil, map[string]any{"name": "signature_demo2"}, 200, "")
	hwMust(t, hw, "PUT", "/signs/ffffffffffffffffffffffffffffffff", nil, map[string]any{"name": "abc"}, 404, "APIG.3017")

	var b struct {
		Bindings []struct{ Id string } `json:"bindings"`
	}
	hwMust(t, hw, "POST", "/sign-bindings", nil, map[string]any{"sign_id": k.Id, "publish_ids": []string{pid}}, 201, "").Decode(&b)
	hwMust(t, hw, "POST", "/sign-bindings", nil, map[string]any{"sign_id": "nope", "publish_ids": []string{pid}}, 404, "APIG.3017")
	hwMust(t, hw, "POST", "/sign-bindings", nil, map[string]any{"sign_id": k.Id, "publish_ids": []string{"nope.DEFAULT_ENVIRONMENT_RELEASE_ID"}}, 404, "APIG.3002")
	hwMust(t, hw, "GET", "/sign-bindings/binded-signs", url.Values{"api_id": {api}}, nil, 200, "")
	hwMust(t, hw, "GET", "/sign-bindings/binded-signs", nil, nil, 400, "APIG.2012")
	hwMust(t, hw, "GET", "/sign-bindings/binded-apis", url.Values{"sign_id": {k.Id}}, nil, 200, "")
	hwMust(t, hw, "GET", "/sign-bindings/binded-apis", url.Values{"sign_id": {"nope"}}, nil, 404, "APIG.3017")
	hwMust(t, hw, "GET", "/sign-bindings/unbinded-apis", url.Values{"sign_id": {k.Id}}, nil, 200, "")
	hwMust(t, hw, "DELETE", "/sign-bindings/"+b.Bindings[0].Id, nil, nil, 204, "")
	hwMust(t, hw, "DELETE", "/sign-bindings/"+b.Bindings[0].Id, nil, nil, 404, "APIG.3018")
	hwMust(t, hw, "DELETE", "/signs/"+k.Id, nil, nil, 204, "")
	hwMust(t, hw, "DELETE", "/signs/"+k.Id, nil, nil, 404, "APIG.3017")

	// 401: a request changed after signing; an IAM token instead.
	bad := *hw
	bad.Tamper = func(r *http.Request) { r.URL.RawQuery = "limit=5" }
	hwMust(t, &bad, "GET", "/signs", nil, nil, 401, "APIGW.0301")
	tok := *hw
	tok.Header = http.Header{"X-Auth-Token": {"MIIZ..."}}
	hwMust(t, &tok, "GET", "/signs", nil, nil, 401, "APIG.1002")
	// 403: an edge credential may only follow revisions.
	ec := createEdgeCred(t, cp.client(), "signs")
	edge := *hw
	edge.AK, edge.SK = ec.SecretId, ec.SecretKey
	hwMust(t, &edge, "POST", "/signs", nil, map[string]any{"name": "from_edge"}, 403, "APIG.1005")
}
