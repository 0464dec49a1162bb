package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// Issue 5 end to end through the Action API: everything below is created
// with the official SDK (apps with the raw signed client: the SDK has no
// app Actions) against a real `edgegate run`, and callers sign with the
// clients of auth_test.go, written from the seed's prose.

// TestKeyPairThroughActions: a SECRET API, a key and a usage plan made with
// the SDK; each key and binding Action reaches the edge within 1 s.
func TestKeyPairThroughActions(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp, c, svc := sdkSetup(t, "keys")
	sdkAPI(c, svc, "/sec", authType("SECRET"), proxyTo(up, "/echo"))
	api2 := sdkAPI(c, svc, "/sec2", authType("SECRET"))
	sdkRelease(c, svc)
	g := cp.edge(svc)
	hc := g.client()

	ck := apigw.NewCreateApiKeyRequest()
	ck.SecretName = common.StringPtr("partner")
	key := mustSDK(c.CreateApiKey(ck)).Response.Result
	id, sk := *key.AccessKeyId, *key.AccessKeySecret
	cu := apigw.NewCreateUsagePlanRequest()
	cu.UsagePlanName = common.StringPtr("partners")
	cu.MaxRequestNumPreSec = common.Int64Ptr(1000)
	plan := *mustSDK(c.CreateUsagePlan(cu)).Response.Result.UsagePlanId
	bs := apigw.NewBindSecretIdsRequest()
	bs.UsagePlanId = common.StringPtr(plan)
	bs.AccessKeyIds = common.StringPtrs([]string{id})
	mustSDK(c.BindSecretIds(bs))
	// Bound to a plan bound nowhere: the key is known but admits nothing.
	if r := g.authGet(hc, "/sec", keyPairHeaders(id, sk, "hmac-sha1")); !is(403, "AccessDenied")(r) {
		t.Fatalf("key in an unbound plan: %v", r)
	}
	be := apigw.NewBindEnvironmentRequest()
	be.UsagePlanIds, be.BindType, be.Environment, be.ServiceId = common.StringPtrs([]string{plan}), common.StringPtr("SERVICE"), common.StringPtr("release"), common.StringPtr(svc)
	mustSDK(c.BindEnvironment(be))
	at := time.Now()
	probe := func(secret string) func() answer {
		return func() answer { return g.authGet(hc, "/sec", keyPairHeaders(id, secret, "hmac-sha256")) }
	}
	inEffect(t, "BindEnvironment", at, probe(sk), is(200, ""))

	for _, alg := range []string{"hmac-sha1", "hmac-sha256"} {
		for _, p := range []string{"/sec", "/sec2"} {
			r := g.authGet(hc, p, keyPairHeaders(id, sk, alg))
			if r.status != 200 || r.h.Get("X-Secret-ID") != id || r.h.Get("X-UsagePlan-ID") != plan {
				t.Errorf("%s %s: %+v, want 200 with X-Secret-ID %s X-UsagePlan-ID %s", alg, p, r, id, plan)
			}
		}
	}
	if r := g.authGet(hc, "/sec", keyPairHeaders(id, "not_the_secret_0", "hmac-sha1")); !is(401, "SignatureMismatch")(r) {
		t.Errorf("wrong secret: %v", r)
	}
	// The backend learns who called.
	var e echoed
	if r := g.authGet(hc, "/sec", keyPairHeaders(id, sk, "hmac-sha1")); json.Unmarshal([]byte(r.body), &e) != nil ||
		http.Header(e.Headers).Get("X-Secret-ID") != id || http.Header(e.Headers).Get("X-UsagePlan-ID") != plan {
		t.Errorf("backend saw %v", r)
	}

	keyReq := func() *string { return common.StringPtr(id) }
	dis := apigw.NewDisableApiKeyRequest()
	dis.AccessKeyId = keyReq()
	mustSDK(c.DisableApiKey(dis))
	inEffect(t, "DisableApiKey", time.Now(), probe(sk), is(401, "SecretIdDisabled"))
	en := apigw.NewEnableApiKeyRequest()
	en.AccessKeyId = keyReq()
	mustSDK(c.EnableApiKey(en))
	inEffect(t, "EnableApiKey", time.Now(), probe(sk), is(200, ""))
	uk := apigw.NewUpdateApiKeyRequest()
	uk.AccessKeyId = keyReq()
	sk2 := *mustSDK(c.UpdateApiKey(uk)).Response.Result.AccessKeySecret
	inEffect(t, "UpdateApiKey (old secret)", time.Now(), probe(sk), is(401, "SignatureMismatch"))
	if r := probe(sk2)(); r.status != 200 {
		t.Fatalf("new secret after UpdateApiKey: %+v", r)
	}

	us := apigw.NewUnBindSecretIdsRequest()
	us.UsagePlanId = common.StringPtr(plan)
	us.AccessKeyIds = common.StringPtrs([]string{id})
	mustSDK(c.UnBindSecretIds(us))
	inEffect(t, "UnBindSecretIds", time.Now(), probe(sk2), is(403, "AccessDenied"))
	mustSDK(c.BindSecretIds(bs))
	inEffect(t, "BindSecretIds", time.Now(), probe(sk2), is(200, ""))

	ub := apigw.NewUnBindEnvironmentRequest()
	ub.UsagePlanIds, ub.BindType, ub.Environment, ub.ServiceId = be.UsagePlanIds, be.BindType, be.Environment, be.ServiceId
	mustSDK(c.UnBindEnvironment(ub))
	inEffect(t, "UnBindEnvironment (SERVICE)", time.Now(), probe(sk2), is(403, "AccessDenied"))

	// API-level binding: /sec2 only.
	be.BindType = common.StringPtr("API")
	be.ApiIds = common.StringPtrs([]string{api2})
	mustSDK(c.BindEnvironment(be))
	at = time.Now()
	inEffect(t, "BindEnvironment (API)", at, func() answer { return g.authGet(hc, "/sec2", keyPairHeaders(id, sk2, "hmac-sha1")) }, is(200, ""))
	if r := g.authGet(hc, "/sec2", keyPairHeaders(id, sk2, "hmac-sha256")); r.h.Get("X-UsagePlan-ID") != plan {
		t.Errorf("API-level plan: %v", r)
	}
	if r := probe(sk2)(); !is(403, "AccessDenied")(r) {
		t.Errorf("API bound to /sec2 only, on /sec: %v", r)
	}
	ub.BindType = common.StringPtr("API")
	ub.ApiIds = common.StringPtrs([]string{api2})
	mustSDK(c.UnBindEnvironment(ub))
	inEffect(t, "UnBindEnvironment (API)", time.Now(), func() answer { return g.authGet(hc, "/sec2", keyPairHeaders(id, sk2, "hmac-sha1")) }, is(403, "AccessDenied"))

	// Delete, after the seed's preconditions (disabled, bound to no plan).
	mustSDK(c.UnBindSecretIds(us))
	mustSDK(c.DisableApiKey(dis))
	del := apigw.NewDeleteApiKeyRequest()
	del.AccessKeyId = keyReq()
	mustSDK(c.DeleteApiKey(del))
	inEffect(t, "DeleteApiKey", time.Now(), probe(sk2), is(401, "InvalidSecretId"))
}

// TestAppThroughActions: an APP API and an app made through the Actions;
// the app passes where it is bound, fails elsewhere, and a new secret
// retires the old one within 1 s.
func TestAppThroughActions(t *testing.T) {
	defer catchSDK(t)
	cp, c, svc := sdkSetup(t, "apps")
	bound := sdkAPI(c, svc, "/app", authType("APP"))
	sdkAPI(c, svc, "/app2", authType("APP"))
	sdkRelease(c, svc)
	g := cp.edge(svc)
	hc := g.client()
	rc := cp.client()
	var created struct {
		Result struct{ ApiAppId, ApiAppKey, ApiAppSecret string }
	}
	mustCall(t, rc, "CreateApiApp", map[string]any{"ApiAppName": "mobile"}, &created)
	a := created.Result
	probe := func(secret, path string) func() answer {
		return func() answer { return g.authGet(hc, path+"?b=2&a=1", appHeaders(a.ApiAppKey, secret, path, "b=2&a=1")) }
	}
	binding := map[string]any{"ApiAppId": a.ApiAppId, "Environment": "release", "ServiceId": svc, "ApiId": bound}
	mustCall(t, rc, "BindApiApp", binding, nil)
	inEffect(t, "BindApiApp", time.Now(), probe(a.ApiAppSecret, "/app"), is(200, ""))
	if r := probe(a.ApiAppSecret, "/app2")(); !is(403, "AccessDenied")(r) {
		t.Errorf("app on an API it is not bound to: %v", r)
	}
	mustCall(t, rc, "UpdateApiAppKey", map[string]any{"ApiAppId": a.ApiAppId, "ApiAppKey": a.ApiAppKey, "ApiAppSecret": "rotated_app_secret_1"}, nil)
	inEffect(t, "UpdateApiAppKey (old secret)", time.Now(), probe(a.ApiAppSecret, "/app"), is(401, "SignatureMismatch"))
	if r := probe("rotated_app_secret_1", "/app")(); r.status != 200 {
		t.Errorf("new app secret: %v", r)
	}
	mustCall(t, rc, "UnbindApiApp", binding, nil)
	inEffect(t, "UnbindApiApp", time.Now(), probe("rotated_app_secret_1", "/app"), is(403, "AccessDenied"))
	mustCall(t, rc, "DeleteApiApp", map[string]any{"ApiAppId": a.ApiAppId}, nil)
	inEffect(t, "DeleteApiApp", time.Now(), probe("rotated_app_secret_1", "/app"), is(401, "InvalidSecretId"))
}

// TestKeyDisableReachesRemoteEdge: in split mode a DisableApiKey reaches
// an `edgegate edge --control` within 1 s.
func TestKeyDisableReachesRemoteEdge(t *testing.T) {
	defer catchSDK(t)
	admin := startAdmin(t)
	edge := admin.startEdge("edge-auth")
	c := admin.sdk("", "")
	svc := sdkCreateService(c, "splitauth")
	sdkAPI(c, svc, "/sec", authType("SECRET"))
	sdkRelease(c, svc)
	id, secret, _ := sdkKeyPlan(c, svc, nil, -1, -1)
	g := edge.edge(svc)
	hc := g.client()
	probe := func() answer { return g.authGet(hc, "/sec", keyPairHeaders(id, secret, "hmac-sha256")) }
	inEffect(t, "BindEnvironment on the remote edge", time.Now(), probe, is(200, ""))
	dis := apigw.NewDisableApiKeyRequest()
	dis.AccessKeyId = common.StringPtr(id)
	mustSDK(c.DisableApiKey(dis))
	inEffect(t, "DisableApiKey on the remote edge", time.Now(), probe, is(401, "SecretIdDisabled"))
}
