//go:build !race

package edge

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"testing"
	"time"
)

// A key-pair signed request allocates nothing in steady state: parse,
// route, verify, forward and relay over the whole process.
func TestKeyPairRoundTripAllocs(t *testing.T) {
	up := startRawUpstream(t, "hello, world")
	s := startDocServer(t, authDoc(up.ln.Addr().String()))
	noAllocs(t, newRoundTripper(t, s.Addr(), signedGet("/release/k")), 200)
}

// A request with a cached OAuth token allocates nothing either.
func TestOAuthCachedRoundTripAllocs(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	jwk := `{"kty":"OKP","crv":"Ed25519","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	s := startDocServer(t, `
Services:
  - ServiceId: service-t
    Apis:
      - {ApiId: a-oauth, AuthType: OAUTH, ApiBusinessType: OAUTH, OauthConfig: {PublicKey: '`+jwk+`'}, RequestConfig: {Path: /token, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: t}
      - {ApiId: a-biz, AuthType: OAUTH, AuthRelationApiId: a-oauth, RequestConfig: {Path: /biz, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: ok}
`)
	in := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"exp":`+strconv.FormatInt(time.Now().Unix()+600, 10)+`}`))
	tok := in + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(in)))
	rt := newRoundTripper(t, s.Addr(), "GET /release/biz HTTP/1.1\r\nHost: service-t.localhost\r\nAuthorization: Bearer "+tok+"\r\n\r\n")
	noAllocs(t, rt, 200)
	bad := newRoundTripper(t, s.Addr(), "GET /release/biz HTTP/1.1\r\nHost: service-t.localhost\r\nAuthorization: Bearer "+tok[:len(tok)-4]+"AAAA\r\n\r\n")
	if code, _ := bad.do(); code != 401 {
		t.Errorf("tampered token: %d", code)
	}
}
