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
)

var rawURL = base64.RawURLEncoding

func jwsToken(alg string, claims map[string]any, sign func([]byte) []byte) string {
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	c, _ := json.Marshal(claims)
	in := rawURL.EncodeToString(h) + "." + rawURL.EncodeToString(c)
	return in + "." + rawURL.EncodeToString(sign([]byte(in)))
}

// TestOAuthJWT: an authorization API carries the public key (an RSA JWK as
// in the seed's OAuth 2.0 example, and an ML-DSA-65 one) and the token
// location; business APIs linked to it accept only valid tokens.
func TestOAuthJWT(t *testing.T) {
	up := startUpstream(t)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaJWK, _ := json.Marshal(map[string]string{"kty": "RSA", "n": rawURL.EncodeToString(rk.N.Bytes()), "e": rawURL.EncodeToString(big.NewInt(int64(rk.E)).Bytes())})
	rsaSign := func(in []byte) []byte {
		d := sha256.Sum256(in)
		s, _ := rsa.SignPKCS1v15(rand.Reader, rk, crypto.SHA256, d[:])
		return s
	}
	rk2, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherRSA := func(in []byte) []byte {
		d := sha256.Sum256(in)
		s, _ := rsa.SignPKCS1v15(rand.Reader, rk2, crypto.SHA256, d[:])
		return s
	}
	hsWithPublicKey := func(in []byte) []byte {
		m := hmac.New(sha256.New, rsaJWK)
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
      - ApiId: api-oauth
        RequestConfig: {Path: /token, Method: GET}
        AuthType: OAUTH
        ApiBusinessType: OAUTH
        OauthConfig: {PublicKey: '%s', TokenLocation: method.req.header.authorization}
        ServiceType: HTTP
        ServiceConfig: {Url: "http://%s", Path: /echo}
      - ApiId: api-biz
        RequestConfig: {Path: /biz, Method: GET}
        AuthType: OAUTH
        ApiBusinessType: NORMAL
        AuthRelationApiId: api-oauth
        ServiceType: MOCK
        ServiceMockReturnMessage: biz
      - ApiId: api-oauth-pq
        RequestConfig: {Path: /pqtoken, Method: GET}
        AuthType: OAUTH
        ApiBusinessType: OAUTH
        OauthConfig: {PublicKey: '%s', TokenLocation: method.req.query.access_token}
        ServiceType: MOCK
        ServiceMockReturnMessage: token server
      - ApiId: api-biz-pq
        RequestConfig: {Path: /pq, Method: GET}
        AuthType: OAUTH
        AuthRelationApiId: api-oauth-pq
        ServiceType: MOCK
        ServiceMockReturnMessage: pq
`, rsaJWK, up.HTTP, mlJWK)))
	c := g.client()
	now := time.Now().Unix()
	valid := map[string]any{"sub": "user1", "iat": now, "nbf": now, "exp": now + 300}
	rsTok := jwsToken("RS256", valid, rsaSign)
	mlTok := jwsToken("ML-DSA-65", valid, mlSign)
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	for _, tc := range []struct {
		name, path string
		hdr        map[string]string
		status     int
		code       string
	}{
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
	} {
		if r := g.authGet(c, tc.path, tc.hdr); r.status != tc.status || r.code != tc.code {
			t.Errorf("%s: %d %q, want %d %q", tc.name, r.status, r.code, tc.status, tc.code)
		}
	}
}
