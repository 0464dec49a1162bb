package e2e

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// Issue 5 end to end through the Action API: everything below is created
// with the official SDK (apps with the raw signed client: the SDK has no
// app Actions) against a real `edgegate run`, and callers sign with the
// clients of auth_test.go, written from the seed's prose.

// sdkAPI creates an API on path in svc; mod adjusts the request.
func sdkAPI(c *apigw.Client, svc, path string, mod func(*apigw.CreateApiRequest)) string {
	ca := apigw.NewCreateApiRequest()
	ca.ServiceId = common.StringPtr(svc)
	ca.ApiName = common.StringPtr("api" + path[1:])
	ca.ServiceType = common.StringPtr("MOCK")
	ca.ServiceTimeout = common.Int64Ptr(5)
	ca.Protocol = common.StringPtr("HTTP")
	ca.RequestConfig = &apigw.ApiRequestConfig{Path: common.StringPtr(path), Method: common.StringPtr("GET")}
	ca.ServiceMockReturnMessage = common.StringPtr(path[1:])
	if mod != nil {
		mod(ca)
	}
	return *mustSDK(c.CreateApi(ca)).Response.Result.ApiId
}

func sdkRelease(c *apigw.Client, svc string) {
	rs := apigw.NewReleaseServiceRequest()
	rs.ServiceId = common.StringPtr(svc)
	rs.EnvironmentName = common.StringPtr("release")
	rs.ReleaseDesc = common.StringPtr("auth")
	mustSDK(c.ReleaseService(rs))
}

func sdkCreateService(c *apigw.Client, name string) string {
	cs := apigw.NewCreateServiceRequest()
	cs.ServiceName = common.StringPtr(name)
	cs.Protocol = common.StringPtr("http")
	return *mustSDK(c.CreateService(cs)).Response.ServiceId
}

// keyPairHeaders signs X-Date and Source as the seed's 密钥对认证 says.
func keyPairHeaders(id, secret, alg string) map[string]string {
	h := map[string]string{"X-Date": httpDate(time.Now()), "Source": "e2e"}
	h["Authorization"] = seedKeyPairAuth(id, secret, alg, []string{"X-Date", "Source"}, h)
	return h
}

// inEffect polls probe until it answers status/code, and fails when that
// takes more than 1 s after since (the Action's answer). It logs the delay.
func inEffect(t *testing.T, name string, since time.Time, probe func() authResult, status int, code string) {
	t.Helper()
	var r authResult
	for {
		r = probe()
		if r.status == status && r.code == code {
			break
		}
		if time.Since(since) > 3*time.Second {
			t.Fatalf("%s: still %d %q 3 s after the Action, want %d %q", name, r.status, r.code, status, code)
		}
		time.Sleep(2 * time.Millisecond)
	}
	d := time.Since(since)
	if d > time.Second {
		t.Errorf("%s: took %v after the Action answered, want < 1 s", name, d)
	}
	t.Logf("%s: %d %s %v after the Action answered", name, status, code, d.Round(10*time.Microsecond))
}

// TestKeyPairThroughActions: a SECRET API, a key and a usage plan made with
// the SDK; each key and binding Action reaches the edge within 1 s.
func TestKeyPairThroughActions(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp := startControlPlane(t)
	c := cp.sdk("", "")
	svc := sdkCreateService(c, "keys")
	secret := func(ca *apigw.CreateApiRequest) { ca.AuthType = common.StringPtr("SECRET") }
	sdkAPI(c, svc, "/sec", func(ca *apigw.CreateApiRequest) {
		secret(ca)
		ca.ServiceType = common.StringPtr("HTTP")
		ca.ServiceConfig = &apigw.ServiceConfig{Url: common.StringPtr("http://" + up.HTTP), Path: common.StringPtr("/echo"), Method: common.StringPtr("GET")}
		ca.ServiceMockReturnMessage = nil
	})
	api2 := sdkAPI(c, svc, "/sec2", secret)
	sdkRelease(c, svc)
	g := &gateway{t: t, Addr: cp.Addr, Host: svc + ".localhost"}
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
	if r := g.authGet(hc, "/sec", keyPairHeaders(id, sk, "hmac-sha1")); r.status != 403 || r.code != "AccessDenied" {
		t.Fatalf("key in an unbound plan: %+v", r)
	}
	be := apigw.NewBindEnvironmentRequest()
	be.UsagePlanIds = common.StringPtrs([]string{plan})
	be.BindType = common.StringPtr("SERVICE")
	be.Environment = common.StringPtr("release")
	be.ServiceId = common.StringPtr(svc)
	mustSDK(c.BindEnvironment(be))
	at := time.Now()
	probe := func(secret string) func() authResult {
		return func() authResult { return g.authGet(hc, "/sec", keyPairHeaders(id, secret, "hmac-sha256")) }
	}
	inEffect(t, "BindEnvironment", at, probe(sk), 200, "")

	for _, alg := range []string{"hmac-sha1", "hmac-sha256"} {
		for _, p := range []string{"/sec", "/sec2"} {
			r := g.authGet(hc, p, keyPairHeaders(id, sk, alg))
			if r.status != 200 || r.secretID != id || r.planID != plan {
				t.Errorf("%s %s: %+v, want 200 with X-Secret-ID %s X-UsagePlan-ID %s", alg, p, r, id, plan)
			}
		}
	}
	if r := g.authGet(hc, "/sec", keyPairHeaders(id, "not_the_secret_0", "hmac-sha1")); r.status != 401 || r.code != "SignatureMismatch" {
		t.Errorf("wrong secret: %+v", r)
	}
	// The backend learns who called.
	req, _ := http.NewRequest("GET", g.url("/sec"), nil)
	req.Host = g.Host
	for k, v := range keyPairHeaders(id, sk, "hmac-sha1") {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if e := decodeEcho(t, resp); http.Header(e.Headers).Get("X-Secret-ID") != id || http.Header(e.Headers).Get("X-UsagePlan-ID") != plan {
		t.Errorf("backend saw %v", e.Headers)
	}

	keyReq := func() *string { return common.StringPtr(id) }
	dis := apigw.NewDisableApiKeyRequest()
	dis.AccessKeyId = keyReq()
	mustSDK(c.DisableApiKey(dis))
	inEffect(t, "DisableApiKey", time.Now(), probe(sk), 401, "SecretIdDisabled")
	en := apigw.NewEnableApiKeyRequest()
	en.AccessKeyId = keyReq()
	mustSDK(c.EnableApiKey(en))
	inEffect(t, "EnableApiKey", time.Now(), probe(sk), 200, "")
	uk := apigw.NewUpdateApiKeyRequest()
	uk.AccessKeyId = keyReq()
	sk2 := *mustSDK(c.UpdateApiKey(uk)).Response.Result.AccessKeySecret
	inEffect(t, "UpdateApiKey (old secret)", time.Now(), probe(sk), 401, "SignatureMismatch")
	if r := probe(sk2)(); r.status != 200 {
		t.Fatalf("new secret after UpdateApiKey: %+v", r)
	}

	us := apigw.NewUnBindSecretIdsRequest()
	us.UsagePlanId = common.StringPtr(plan)
	us.AccessKeyIds = common.StringPtrs([]string{id})
	mustSDK(c.UnBindSecretIds(us))
	inEffect(t, "UnBindSecretIds", time.Now(), probe(sk2), 403, "AccessDenied")
	mustSDK(c.BindSecretIds(bs))
	inEffect(t, "BindSecretIds", time.Now(), probe(sk2), 200, "")

	ub := apigw.NewUnBindEnvironmentRequest()
	ub.UsagePlanIds = common.StringPtrs([]string{plan})
	ub.BindType = common.StringPtr("SERVICE")
	ub.Environment = common.StringPtr("release")
	ub.ServiceId = common.StringPtr(svc)
	mustSDK(c.UnBindEnvironment(ub))
	inEffect(t, "UnBindEnvironment (SERVICE)", time.Now(), probe(sk2), 403, "AccessDenied")

	// API-level binding: /sec2 only.
	be.BindType = common.StringPtr("API")
	be.ApiIds = common.StringPtrs([]string{api2})
	mustSDK(c.BindEnvironment(be))
	at = time.Now()
	inEffect(t, "BindEnvironment (API)", at, func() authResult { return g.authGet(hc, "/sec2", keyPairHeaders(id, sk2, "hmac-sha1")) }, 200, "")
	if r := g.authGet(hc, "/sec2", keyPairHeaders(id, sk2, "hmac-sha256")); r.planID != plan {
		t.Errorf("API-level plan: %+v", r)
	}
	if r := probe(sk2)(); r.status != 403 || r.code != "AccessDenied" {
		t.Errorf("API bound to /sec2 only, on /sec: %+v", r)
	}
	ub.BindType = common.StringPtr("API")
	ub.ApiIds = common.StringPtrs([]string{api2})
	mustSDK(c.UnBindEnvironment(ub))
	inEffect(t, "UnBindEnvironment (API)", time.Now(), func() authResult { return g.authGet(hc, "/sec2", keyPairHeaders(id, sk2, "hmac-sha1")) }, 403, "AccessDenied")

	// Delete, after the seed's preconditions (disabled, bound to no plan).
	mustSDK(c.UnBindSecretIds(us))
	mustSDK(c.DisableApiKey(dis))
	del := apigw.NewDeleteApiKeyRequest()
	del.AccessKeyId = keyReq()
	mustSDK(c.DeleteApiKey(del))
	inEffect(t, "DeleteApiKey", time.Now(), probe(sk2), 401, "InvalidSecretId")
}

// TestAppThroughActions: an APP API and an app made through the Actions;
// the app passes where it is bound, fails elsewhere, and a new secret
// retires the old one within 1 s.
func TestAppThroughActions(t *testing.T) {
	defer catchSDK(t)
	cp := startControlPlane(t)
	c := cp.sdk("", "")
	svc := sdkCreateService(c, "apps")
	app := func(ca *apigw.CreateApiRequest) { ca.AuthType = common.StringPtr("APP") }
	bound := sdkAPI(c, svc, "/app", app)
	sdkAPI(c, svc, "/app2", app)
	sdkRelease(c, svc)
	g := &gateway{t: t, Addr: cp.Addr, Host: svc + ".localhost"}
	hc := g.client()
	rc := cp.client()
	code, raw := call(t, rc, "CreateApiApp", map[string]any{"ApiAppName": "mobile"})
	var created struct {
		Result struct{ ApiAppId, ApiAppKey, ApiAppSecret string }
	}
	if code != "" || json.Unmarshal(raw, &created) != nil {
		t.Fatalf("CreateApiApp: %s %s", code, raw)
	}
	a := created.Result
	probe := func(secret, path string) func() authResult {
		return func() authResult {
			h := map[string]string{"X-Date": httpDate(time.Now()), "Accept": "application/json"}
			h["Authorization"] = tencentAppAuth(a.ApiAppKey, secret, "GET", path, "b=2&a=1", h)
			return g.authGet(hc, path+"?b=2&a=1", h)
		}
	}
	if code, _ := call(t, rc, "BindApiApp", map[string]any{"ApiAppId": a.ApiAppId, "Environment": "release", "ServiceId": svc, "ApiId": bound}); code != "" {
		t.Fatalf("BindApiApp: %s", code)
	}
	inEffect(t, "BindApiApp", time.Now(), probe(a.ApiAppSecret, "/app"), 200, "")
	if r := probe(a.ApiAppSecret, "/app2")(); r.status != 403 || r.code != "AccessDenied" {
		t.Errorf("app on an API it is not bound to: %+v", r)
	}
	if code, _ := call(t, rc, "UpdateApiAppKey", map[string]any{"ApiAppId": a.ApiAppId, "ApiAppKey": a.ApiAppKey, "ApiAppSecret": "rotated_app_secret_1"}); code != "" {
		t.Fatalf("UpdateApiAppKey: %s", code)
	}
	inEffect(t, "UpdateApiAppKey (old secret)", time.Now(), probe(a.ApiAppSecret, "/app"), 401, "SignatureMismatch")
	if r := probe("rotated_app_secret_1", "/app")(); r.status != 200 {
		t.Errorf("new app secret: %+v", r)
	}
	if code, _ := call(t, rc, "UnbindApiApp", map[string]any{"ApiAppId": a.ApiAppId, "Environment": "release", "ServiceId": svc, "ApiId": bound}); code != "" {
		t.Fatalf("UnbindApiApp: %s", code)
	}
	inEffect(t, "UnbindApiApp", time.Now(), probe("rotated_app_secret_1", "/app"), 403, "AccessDenied")
	if code, _ := call(t, rc, "DeleteApiApp", map[string]any{"ApiAppId": a.ApiAppId}); code != "" {
		t.Fatalf("DeleteApiApp: %s", code)
	}
	inEffect(t, "DeleteApiApp", time.Now(), probe("rotated_app_secret_1", "/app"), 401, "InvalidSecretId")
}

// TestOAuthThroughActions: an authorization API (OauthConfig with the
// seed's RSA JWK and a token location) and a business API linked to it,
// created with the SDK; bad OAuth configurations get the seed's codes.
func TestOAuthThroughActions(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp := startControlPlane(t)
	c := cp.sdk("", "")
	svc := sdkCreateService(c, "oauth")
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	jwk, _ := json.Marshal(map[string]string{"kty": "RSA", "n": rawURL.EncodeToString(rk.N.Bytes()), "e": rawURL.EncodeToString(big.NewInt(int64(rk.E)).Bytes())})
	signWith := func(k *rsa.PrivateKey) func([]byte) []byte {
		return func(in []byte) []byte {
			d := sha256.Sum256(in)
			s, _ := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:])
			return s
		}
	}
	authz := func(publicKey string) func(*apigw.CreateApiRequest) {
		return func(ca *apigw.CreateApiRequest) {
			ca.AuthType = common.StringPtr("OAUTH")
			ca.ApiBusinessType = common.StringPtr("OAUTH")
			ca.OauthConfig = &apigw.OauthConfig{PublicKey: common.StringPtr(publicKey), TokenLocation: common.StringPtr("method.req.header.authorization"),
				LoginRedirectUrl: common.StringPtr("http://login.example/")}
			ca.ServiceType = common.StringPtr("HTTP")
			ca.ServiceConfig = &apigw.ServiceConfig{Url: common.StringPtr("http://" + up.HTTP), Path: common.StringPtr("/echo"), Method: common.StringPtr("GET")}
			ca.ServiceMockReturnMessage = nil
		}
	}
	business := func(rel string) func(*apigw.CreateApiRequest) {
		return func(ca *apigw.CreateApiRequest) {
			ca.AuthType = common.StringPtr("OAUTH")
			ca.ApiBusinessType = common.StringPtr("NORMAL")
			ca.AuthRelationApiId = common.StringPtr(rel)
		}
	}
	authAPI := sdkAPI(c, svc, "/token", authz(string(jwk)))
	sdkAPI(c, svc, "/biz", business(authAPI))
	// Bad configurations, refused with the seed's codes (CreateApi 错误码).
	for _, tc := range []struct {
		name, path string
		mod        func(*apigw.CreateApiRequest)
		code       string
	}{
		{"public key not a JWK", "/bad1", authz("-----BEGIN PUBLIC KEY-----"), "InvalidParameterValue.InvalidPublicKey"},
		{"relation to no API", "/bad2", business("api-nothere"), "ResourceNotFound.InvalidOauthApi"},
		{"relation to a business API", "/bad3", business(sdkAPIID(t, c, svc, "/biz")), "ResourceNotFound.InvalidOauthApi"},
	} {
		_, err := createAPIErr(c, svc, tc.path, tc.mod)
		if got := sdkCode(err); got != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	sdkRelease(c, svc)
	g := &gateway{t: t, Addr: cp.Addr, Host: svc + ".localhost"}
	hc := g.client()
	now := time.Now().Unix()
	claims := map[string]any{"sub": "u1", "iat": now, "exp": now + 300}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	for _, tc := range []struct {
		name, path string
		hdr        map[string]string
		status     int
		code       string
	}{
		{"authorization API forwards to the token server", "/token", nil, 200, ""},
		{"RS256 token", "/biz", bearer(jwsToken("RS256", claims, signWith(rk))), 200, ""},
		{"wrong key", "/biz", bearer(jwsToken("RS256", claims, signWith(other))), 401, "TokenSignatureInvalid"},
		{"no token", "/biz", nil, 401, "MissingToken"},
	} {
		if r := g.authGet(hc, tc.path, tc.hdr); r.status != tc.status || r.code != tc.code {
			t.Errorf("%s: %d %q, want %d %q", tc.name, r.status, r.code, tc.status, tc.code)
		}
	}

	// A new key with ModifyApiIncrement (a bad one is refused and changes
	// nothing), in effect with the next release.
	mi := apigw.NewModifyApiIncrementRequest()
	mi.ServiceId, mi.ApiId, mi.BusinessType = common.StringPtr(svc), common.StringPtr(authAPI), common.StringPtr("OAUTH")
	mi.PublicKey = common.StringPtr("not a key")
	if _, err := c.ModifyApiIncrement(mi); sdkCode(err) != "InvalidParameterValue.InvalidPublicKey" {
		t.Errorf("ModifyApiIncrement with a bad key: %v", err)
	}
	jwk2, _ := json.Marshal(map[string]string{"kty": "RSA", "n": rawURL.EncodeToString(other.N.Bytes()), "e": rawURL.EncodeToString(big.NewInt(int64(other.E)).Bytes())})
	mi.PublicKey = common.StringPtr(string(jwk2))
	mustSDK(c.ModifyApiIncrement(mi))
	sdkRelease(c, svc)
	at := time.Now()
	inEffect(t, "ModifyApiIncrement + ReleaseService (old key)", at, func() authResult {
		return g.authGet(hc, "/biz", bearer(jwsToken("RS256", claims, signWith(rk))))
	}, 401, "TokenSignatureInvalid")
	if r := g.authGet(hc, "/biz", bearer(jwsToken("RS256", claims, signWith(other)))); r.status != 200 {
		t.Errorf("token of the new key: %+v", r)
	}
}

// sdkAPIID finds the ApiId of path in svc.
func sdkAPIID(t *testing.T, c *apigw.Client, svc, path string) string {
	r := apigw.NewDescribeApisStatusRequest()
	r.ServiceId = common.StringPtr(svc)
	for _, a := range mustSDK(c.DescribeApisStatus(r)).Response.Result.ApiIdStatusSet {
		if *a.Path == path {
			return *a.ApiId
		}
	}
	t.Fatalf("no API on %s", path)
	return ""
}

func createAPIErr(c *apigw.Client, svc, path string, mod func(*apigw.CreateApiRequest)) (*apigw.CreateApiResponse, error) {
	ca := apigw.NewCreateApiRequest()
	ca.ServiceId = common.StringPtr(svc)
	ca.ApiName = common.StringPtr("bad")
	ca.ServiceType = common.StringPtr("MOCK")
	ca.ServiceTimeout = common.Int64Ptr(5)
	ca.Protocol = common.StringPtr("HTTP")
	ca.RequestConfig = &apigw.ApiRequestConfig{Path: common.StringPtr(path), Method: common.StringPtr("GET")}
	ca.ServiceMockReturnMessage = common.StringPtr("x")
	mod(ca)
	return c.CreateApi(ca)
}

// TestKeyDisableReachesRemoteEdge: in split mode a DisableApiKey reaches
// an `edgegate edge --control` within 1 s.
func TestKeyDisableReachesRemoteEdge(t *testing.T) {
	defer catchSDK(t)
	dir := t.TempDir()
	adminData := filepath.Join(dir, "admin")
	adminAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	startProc(t, adminAddr, "admin", "--data", adminData, "--admin-listen", adminAddr)
	creds, err := os.ReadFile(filepath.Join(adminData, "admin-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cr struct{ SecretId, SecretKey string }
	json.Unmarshal(creds, &cr)
	edgeData := filepath.Join(dir, "edge")
	os.MkdirAll(edgeData, 0o750)
	os.WriteFile(filepath.Join(edgeData, "admin-credentials.json"), creds, 0o600)
	edgeAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	startProc(t, edgeAddr, "edge", "--control", "http://"+adminAddr, "--data", edgeData, "--listen", edgeAddr, "--edge-id", "edge-auth")

	cp := &controlPlane{t: t, Admin: adminAddr, ID: cr.SecretId, Key: cr.SecretKey}
	c := cp.sdk("", "")
	svc := sdkCreateService(c, "splitauth")
	sdkAPI(c, svc, "/sec", func(ca *apigw.CreateApiRequest) { ca.AuthType = common.StringPtr("SECRET") })
	sdkRelease(c, svc)
	ck := apigw.NewCreateApiKeyRequest()
	ck.SecretName = common.StringPtr("remote")
	key := mustSDK(c.CreateApiKey(ck)).Response.Result
	cu := apigw.NewCreateUsagePlanRequest()
	cu.UsagePlanName = common.StringPtr("remote")
	plan := mustSDK(c.CreateUsagePlan(cu)).Response.Result.UsagePlanId
	bs := apigw.NewBindSecretIdsRequest()
	bs.UsagePlanId = plan
	bs.AccessKeyIds = []*string{key.AccessKeyId}
	mustSDK(c.BindSecretIds(bs))
	be := apigw.NewBindEnvironmentRequest()
	be.UsagePlanIds = []*string{plan}
	be.BindType = common.StringPtr("SERVICE")
	be.Environment = common.StringPtr("release")
	be.ServiceId = common.StringPtr(svc)
	mustSDK(c.BindEnvironment(be))

	g := &gateway{t: t, Addr: edgeAddr, Host: svc + ".localhost"}
	hc := g.client()
	probe := func() authResult {
		return g.authGet(hc, "/sec", keyPairHeaders(*key.AccessKeyId, *key.AccessKeySecret, "hmac-sha256"))
	}
	inEffect(t, "BindEnvironment on the remote edge", time.Now(), probe, 200, "")
	dis := apigw.NewDisableApiKeyRequest()
	dis.AccessKeyId = key.AccessKeyId
	mustSDK(c.DisableApiKey(dis))
	inEffect(t, "DisableApiKey on the remote edge", time.Now(), probe, 401, "SecretIdDisabled")
}

// TestREADMEKeyPairExample runs the README's key-pair example (create an
// API, a key, a plan, bind, sign a curl request) as a user would paste it.
func TestREADMEKeyPairExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- keypair-example -->\n```bash\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no keypair-example block")
	}
	cp := startControlPlane(t)
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", string(m[1]))
	cmd.Env = append(os.Environ(), "EG="+gatewayBin, "ADMIN=http://"+cp.Admin, "DATA="+cp.Data,
		"PORT="+cp.Addr[strings.LastIndexByte(cp.Addr, ':')+1:])
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("example failed: %v\n%s", err, out)
	}
	s := strings.ReplaceAll(string(out), "\r\n", "\n")
	if !strings.HasPrefix(s, "HTTP/1.1 200") || !strings.Contains(s, "\nX-Secret-ID: AKID") ||
		!strings.Contains(s, "\nX-UsagePlan-ID: usagePlan-") || !strings.HasSuffix(strings.TrimSpace(s), "your orders") {
		t.Fatalf("the signed request did not pass:\n%s", out)
	}
	// What the README says an unsigned request gets.
	code, raw := call(t, cp.client(), "DescribeServicesStatus", map[string]any{})
	var list struct {
		Result struct {
			ServiceSet []struct{ ServiceId, ServiceName string }
		}
	}
	if code != "" || json.Unmarshal(raw, &list) != nil || len(list.Result.ServiceSet) != 1 {
		t.Fatalf("DescribeServicesStatus: %s %s", code, raw)
	}
	g := &gateway{t: t, Addr: cp.Addr, Host: list.Result.ServiceSet[0].ServiceId + ".localhost"}
	if r := g.authGet(g.client(), "/orders", nil); r.status != 401 || r.code != "MissingAuthorization" {
		t.Errorf("unsigned request: %+v", r)
	}
}
