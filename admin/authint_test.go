package admin

import (
	"testing"
)

// Where the Actions (this package) meet the edge's access compile
// (snapshot/access.go): issue 5 end to end.

// TestKeyTableFollowsStore: the published key and app tables follow every
// change to a key or app, bound or not, so the edge answers a key that is
// not allowed here with 403 AccessDenied, a disabled one with 401
// SecretIdDisabled and a deleted one with 401 InvalidSecretId, never from
// a stale table.
func TestKeyTableFollowsStore(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	ta.service()
	published := func(id string) (status int, secret string, ok bool) {
		t.Helper()
		acc := ta.Snapshot().Published.Access
		if acc == nil {
			return 0, "", false
		}
		for _, k := range acc.Keys {
			if k.SecretId == id {
				return k.Status, k.SecretKey, true
			}
		}
		return 0, "", false
	}
	kid, secret := ta.key()
	if st, s, ok := published(kid); !ok || st != 1 || s != secret {
		t.Fatalf("new unbound key: published %v, status %d", ok, st)
	}
	ta.must("DisableApiKey", map[string]any{"AccessKeyId": kid})
	if st, _, _ := published(kid); st != 0 {
		t.Fatalf("disabled unbound key published with status %d", st)
	}
	ta.must("EnableApiKey", map[string]any{"AccessKeyId": kid})
	rot := resultMap(ta.must("UpdateApiKey", map[string]any{"AccessKeyId": kid}))["AccessKeySecret"].(string)
	if st, s, _ := published(kid); st != 1 || s != rot {
		t.Fatalf("rotated unbound key: status %d, old secret still published: %v", st, s != rot)
	}
	ta.must("DisableApiKey", map[string]any{"AccessKeyId": kid})
	ta.must("DeleteApiKey", map[string]any{"AccessKeyId": kid})
	if _, _, ok := published(kid); ok {
		t.Fatal("deleted key still published")
	}

	appOf := func(id string) (string, bool) {
		acc := ta.Snapshot().Published.Access
		if acc == nil {
			return "", false
		}
		for _, a := range acc.Apps {
			if a.ApiAppId == id {
				return a.ApiAppSecret, true
			}
		}
		return "", false
	}
	app := resultMap(ta.must("CreateApiApp", map[string]any{"ApiAppName": "a"}))
	appID := app["ApiAppId"].(string)
	if s, ok := appOf(appID); !ok || s != app["ApiAppSecret"] {
		t.Fatalf("new unbound app: published %v", ok)
	}
	ta.must("UpdateApiAppKey", map[string]any{"ApiAppId": appID, "ApiAppKey": app["ApiAppKey"], "ApiAppSecret": "new_app_secret_1"})
	if s, _ := appOf(appID); s != "new_app_secret_1" {
		t.Fatal("unbound app's new secret not published")
	}
	ta.must("DeleteApiApp", map[string]any{"ApiAppId": appID})
	if _, ok := appOf(appID); ok {
		t.Fatal("deleted app still published")
	}
}

// TestOAuthConfigCodes: bad OAuth configurations get the seed's CreateApi
// codes (InvalidParameterValue.InvalidPublicKey,
// ResourceNotFound.InvalidOauthApi), ModifyApiIncrement checks the key it
// writes, and an authorization API in use is not deleted.
func TestOAuthConfigCodes(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, _ := ta.service()
	const jwk = `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`
	api := func(path string, extra map[string]any) map[string]any {
		m := map[string]any{"ServiceId": svc, "ServiceType": "MOCK", "ServiceTimeout": 5, "ServiceMockReturnMessage": "m",
			"RequestConfig": map[string]any{"Path": path, "Method": "GET"}}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	authz := func(key, loc string) map[string]any {
		return map[string]any{"AuthType": "OAUTH", "ApiBusinessType": "OAUTH", "OauthConfig": map[string]any{"PublicKey": key, "TokenLocation": loc}}
	}
	biz := func(rel string) map[string]any {
		return map[string]any{"AuthType": "OAUTH", "ApiBusinessType": "NORMAL", "AuthRelationApiId": rel}
	}
	ta.want("InvalidParameterValue.InvalidPublicKey", "CreateApi", api("/t1", authz("-----BEGIN PUBLIC KEY-----", "")))
	ta.want("InvalidParameterValue.InvalidPublicKey", "CreateApi", api("/t1", authz(`{"kty":"oct","k":"AA"}`, "")))
	ta.want("InvalidParameterValue", "CreateApi", api("/t1", authz(jwk, "somewhere")))
	ta.want("ResourceNotFound.InvalidOauthApi", "CreateApi", api("/b1", biz("api-nothere")))
	ta.want("ResourceNotFound.InvalidOauthApi", "CreateApi", api("/b1", biz("")))

	authID := resultMap(ta.must("CreateApi", api("/token", authz(jwk, "method.req.query.access_token"))))["ApiId"].(string)
	bizID := resultMap(ta.must("CreateApi", api("/biz", biz(authID))))["ApiId"].(string)
	ta.want("ResourceNotFound.InvalidOauthApi", "CreateApi", api("/b2", biz(bizID)))

	// ModifyApiIncrement: a bad key is refused and the stored one kept.
	ta.want("InvalidParameterValue.InvalidPublicKey", "ModifyApiIncrement",
		map[string]any{"ServiceId": svc, "ApiId": authID, "BusinessType": "OAUTH", "PublicKey": "not a key"})
	got := resultMap(ta.must("DescribeApi", map[string]any{"ServiceId": svc, "ApiId": authID}))
	if oc := got["OauthConfig"].(map[string]any); oc["PublicKey"] != jwk {
		t.Fatalf("stored key changed by a refused ModifyApiIncrement: %v", oc["PublicKey"])
	}
	ta.must("ModifyApiIncrement", map[string]any{"ServiceId": svc, "ApiId": authID, "BusinessType": "OAUTH",
		"PublicKey": `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"sig"}`})

	// The authorization API stays while a business API names it; the
	// service still releases.
	ta.want("UnsupportedOperation.UnsupportedDeleteApi", "DeleteApi", map[string]any{"ServiceId": svc, "ApiId": authID})
	ta.must("ReleaseService", map[string]any{"ServiceId": svc, "EnvironmentName": "release", "ReleaseDesc": "oauth"})
	ta.must("DeleteApi", map[string]any{"ServiceId": svc, "ApiId": bizID})
	ta.must("DeleteApi", map[string]any{"ServiceId": svc, "ApiId": authID})
}
