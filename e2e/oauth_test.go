package e2e

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

var rawURL = base64.RawURLEncoding

func jwsToken(alg string, claims map[string]any, sign func([]byte) []byte) string {
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	c, _ := json.Marshal(claims)
	in := rawURL.EncodeToString(h) + "." + rawURL.EncodeToString(c)
	return in + "." + rawURL.EncodeToString(sign([]byte(in)))
}

// rsaKey is a new RSA key, its public half as a JWK (the seed's OAuth 2.0
// example) and an RS256 signer.
func rsaKey() (*rsa.PrivateKey, string, func([]byte) []byte) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	jwk, _ := json.Marshal(map[string]string{"kty": "RSA", "n": rawURL.EncodeToString(k.N.Bytes()), "e": rawURL.EncodeToString(big.NewInt(int64(k.E)).Bytes())})
	return k, string(jwk), func(in []byte) []byte {
		d := sha256.Sum256(in)
		s, _ := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:])
		return s
	}
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// TestOAuthJWT: an authorization API carries the public key (an RSA JWK as
// in the seed's OAuth 2.0 example, and an ML-DSA-65 one) and the token
// location; business APIs linked to it accept only valid tokens.
func TestOAuthJWT(t *testing.T) {
	up := startUpstream(t)
	_, rsaJWK, rsaSign := rsaKey()
	_, _, otherRSA := rsaKey()
	hsWithPublicKey := func(in []byte) []byte {
		m := hmac.New(sha256.New, []byte(rsaJWK))
		m.Write(in)
		return m.Sum(nil)
	}
	mPub, mPriv, _ := mldsa65.GenerateKey(rand.Reader)
	mlJWK, _ := json.Marshal(map[string]string{"kty": "AKP", "alg": "ML-DSA-65", "pub": rawURL.EncodeToString(mPub.Bytes())})
	mlSign := func(in []byte) []byte {
		s := make([]byte, mldsa65.SignatureSize)
		_ = mldsa65.SignTo(mPriv, in, nil, true, s)
		return s
	}
	g := startGateway(t, config(up, fmt.Sprintf(`
      - {ApiId: api-oauth, RequestConfig: {Path: /token, Method: GET}, AuthType: OAUTH, ApiBusinessType: OAUTH,
         OauthConfig: {PublicKey: '%s', TokenLocation: method.req.header.authorization}, ServiceType: HTTP, ServiceConfig: {Url: "http://%s", Path: /echo}}
      - {ApiId: api-biz, RequestConfig: {Path: /biz, Method: GET}, AuthType: OAUTH, ApiBusinessType: NORMAL, AuthRelationApiId: api-oauth, ServiceType: MOCK, ServiceMockReturnMessage: biz}
      - {ApiId: api-oauth-pq, RequestConfig: {Path: /pqtoken, Method: GET}, AuthType: OAUTH, ApiBusinessType: OAUTH,
         OauthConfig: {PublicKey: '%s', TokenLocation: method.req.query.access_token}, ServiceType: MOCK, ServiceMockReturnMessage: token server}
      - {ApiId: api-biz-pq, RequestConfig: {Path: /pq, Method: GET}, AuthType: OAUTH, AuthRelationApiId: api-oauth-pq, ServiceType: MOCK, ServiceMockReturnMessage: pq}
`, rsaJWK, up.HTTP, mlJWK)))
	now := time.Now().Unix()
	valid := map[string]any{"sub": "user1", "iat": now, "nbf": now, "exp": now + 300}
	rsTok := jwsToken("RS256", valid, rsaSign)
	mlTok := jwsToken("ML-DSA-65", valid, mlSign)
	checkAuth(t, g, g.client(), []authCase{
		{"authorization API is open", "/token", nil, 200, ""},
		{"RS256 valid", "/biz", bearer(rsTok), 200, ""},
		{"RS256 valid, cached", "/biz", bearer(rsTok), 200, ""},
		{"no token", "/biz", nil, 401, "MissingToken"},
		{"RS256 expired", "/biz", bearer(jwsToken("RS256", map[string]any{"exp": now - 3600}, rsaSign)), 401, "TokenExpired"},
		{"RS256 not yet valid", "/biz", bearer(jwsToken("RS256", map[string]any{"nbf": now + 3600}, rsaSign)), 401, "TokenNotYetValid"},
		{"alg none", "/biz", bearer(jwsToken("none", valid, func([]byte) []byte { return nil })), 401, "TokenAlgorithmNotAllowed"},
		{"ML-DSA token on the RSA API", "/biz", bearer(mlTok), 401, "TokenAlgorithmNotAllowed"},
		{"garbage", "/biz", bearer("garbage"), 401, "InvalidToken"},
		{"RS256 wrong key", "/biz", bearer(jwsToken("RS256", valid, otherRSA)), 401, "TokenSignatureInvalid"},
		{"HS256 keyed with the public key", "/biz", bearer(jwsToken("HS256", valid, hsWithPublicKey)), 401, "TokenAlgorithmNotAllowed"},
		{"truncated", "/biz", bearer(rsTok[:strings.LastIndexByte(rsTok, '.')]), 401, "InvalidToken"},
		{"tampered signature", "/biz", bearer(rsTok[:len(rsTok)-4] + "AAAA"), 401, "TokenSignatureInvalid"},
		{"ML-DSA-65 valid (query)", "/pq?access_token=" + mlTok, nil, 200, ""},
		{"ML-DSA-65 in the wrong place", "/pq", bearer(mlTok), 401, "MissingToken"},
		{"RS256 token on the ML-DSA API", "/pq?access_token=" + rsTok, nil, 401, "TokenAlgorithmNotAllowed"},
		{"ML-DSA-65 expired", "/pq?access_token=" + jwsToken("ML-DSA-65", map[string]any{"exp": now - 3600}, mlSign), nil, 401, "TokenExpired"},
	})
}

// TestOAuthThroughActions: an authorization API (OauthConfig with the
// seed's RSA JWK and a token location) and a business API linked to it,
// created with the SDK; bad OAuth configurations get the seed's codes.
func TestOAuthThroughActions(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	cp, c, svc := sdkSetup(t, "oauth")
	_, jwk, rsSign := rsaKey()
	authz := func(publicKey string) func(*apigw.CreateApiRequest) {
		return func(ca *apigw.CreateApiRequest) {
			ca.AuthType = common.StringPtr("OAUTH")
			ca.ApiBusinessType = common.StringPtr("OAUTH")
			ca.OauthConfig = &apigw.OauthConfig{PublicKey: common.StringPtr(publicKey), TokenLocation: common.StringPtr("method.req.header.authorization"),
				LoginRedirectUrl: common.StringPtr("http://login.example/")}
		}
	}
	business := func(rel string) func(*apigw.CreateApiRequest) {
		return func(ca *apigw.CreateApiRequest) {
			ca.AuthType = common.StringPtr("OAUTH")
			ca.ApiBusinessType = common.StringPtr("NORMAL")
			ca.AuthRelationApiId = common.StringPtr(rel)
		}
	}
	authAPI := sdkAPI(c, svc, "/token", authz(jwk), proxyTo(up, "/echo"))
	biz := sdkAPI(c, svc, "/biz", business(authAPI))
	// Bad configurations, refused with the seed's codes (CreateApi 错误码).
	for _, tc := range []struct {
		name, path string
		mod        func(*apigw.CreateApiRequest)
		code       string
	}{
		{"public key not a JWK", "/bad1", authz("-----BEGIN PUBLIC KEY-----"), "InvalidParameterValue.InvalidPublicKey"},
		{"relation to no API", "/bad2", business("api-nothere"), "ResourceNotFound.InvalidOauthApi"},
		{"relation to a business API", "/bad3", business(biz), "ResourceNotFound.InvalidOauthApi"},
	} {
		if _, err := sdkCreateAPI(c, svc, tc.path, tc.mod); sdkCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	sdkRelease(c, svc)
	g := cp.edge(svc)
	hc := g.client()
	now := time.Now().Unix()
	claims := map[string]any{"sub": "u1", "iat": now, "exp": now + 300}
	_, jwk2, otherSign := rsaKey()
	checkAuth(t, g, hc, []authCase{
		{"authorization API forwards to the token server", "/token", nil, 200, ""},
		{"RS256 token", "/biz", bearer(jwsToken("RS256", claims, rsSign)), 200, ""},
		{"wrong key", "/biz", bearer(jwsToken("RS256", claims, otherSign)), 401, "TokenSignatureInvalid"},
		{"no token", "/biz", nil, 401, "MissingToken"},
	})

	// A new key with ModifyApiIncrement (a bad one is refused and changes
	// nothing), in effect with the next release.
	mi := apigw.NewModifyApiIncrementRequest()
	mi.ServiceId, mi.ApiId, mi.BusinessType = common.StringPtr(svc), common.StringPtr(authAPI), common.StringPtr("OAUTH")
	mi.PublicKey = common.StringPtr("not a key")
	if _, err := c.ModifyApiIncrement(mi); sdkCode(err) != "InvalidParameterValue.InvalidPublicKey" {
		t.Errorf("ModifyApiIncrement with a bad key: %v", err)
	}
	mi.PublicKey = common.StringPtr(jwk2)
	mustSDK(c.ModifyApiIncrement(mi))
	sdkRelease(c, svc)
	inEffect(t, "ModifyApiIncrement + ReleaseService (old key)", time.Now(), func() answer {
		return g.authGet(hc, "/biz", bearer(jwsToken("RS256", claims, rsSign)))
	}, is(401, "TokenSignatureInvalid"))
	if r := g.authGet(hc, "/biz", bearer(jwsToken("RS256", claims, otherSign))); r.status != 200 {
		t.Errorf("token of the new key: %v", r)
	}
}
