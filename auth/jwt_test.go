package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/circl/sign/ed448"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

var b64 = base64.RawURLEncoding

// testSigner is an independent JWS signer: a JWK for its public half and
// a function that signs a JWS signing input.
type testSigner struct {
	alg  string
	jwk  string
	sign func(input []byte) []byte
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func newSigners(t testing.TB) []testSigner {
	t.Helper()
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	epub, _ := ek.PublicKey.Bytes() // 04 || X || Y
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	e4Pub, e4Priv, _ := ed448.GenerateKey(rand.Reader)
	m44Pub, m44Priv, _ := mldsa44.GenerateKey(rand.Reader)
	m65Pub, m65Priv, _ := mldsa65.GenerateKey(rand.Reader)
	return []testSigner{
		{"RS256", mustJSON(map[string]string{"kty": "RSA", "n": b64.EncodeToString(rk.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(rk.E)).Bytes())}),
			func(in []byte) []byte {
				h := sha256.Sum256(in)
				s, _ := rsa.SignPKCS1v15(rand.Reader, rk, crypto.SHA256, h[:])
				return s
			}},
		{"ES256", mustJSON(map[string]string{"kty": "EC", "crv": "P-256", "x": b64.EncodeToString(epub[1:33]), "y": b64.EncodeToString(epub[33:])}),
			func(in []byte) []byte {
				h := sha256.Sum256(in)
				r, s, _ := ecdsa.Sign(rand.Reader, ek, h[:])
				out := make([]byte, 64)
				r.FillBytes(out[:32])
				s.FillBytes(out[32:])
				return out
			}},
		{"EdDSA", mustJSON(map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(edPub)}),
			func(in []byte) []byte { return ed25519.Sign(edPriv, in) }},
		{"Ed448", mustJSON(map[string]string{"kty": "OKP", "crv": "Ed448", "x": b64.EncodeToString(e4Pub)}),
			func(in []byte) []byte { return ed448.Sign(e4Priv, in, "") }},
		{"ML-DSA-44", mustJSON(map[string]string{"kty": "AKP", "alg": "ML-DSA-44", "pub": b64.EncodeToString(m44Pub.Bytes())}),
			func(in []byte) []byte {
				s := make([]byte, mldsa44.SignatureSize)
				_ = mldsa44.SignTo(m44Priv, in, nil, true, s)
				return s
			}},
		{"ML-DSA-65", mustJSON(map[string]string{"kty": "AKP", "alg": "ML-DSA-65", "pub": b64.EncodeToString(m65Pub.Bytes())}),
			func(in []byte) []byte {
				s := make([]byte, mldsa65.SignatureSize)
				_ = mldsa65.SignTo(m65Priv, in, nil, true, s)
				return s
			}},
	}
}

func makeToken(alg string, claims map[string]any, sign func([]byte) []byte) string {
	in := b64.EncodeToString([]byte(mustJSON(map[string]string{"alg": alg, "typ": "JWT"}))) + "." + b64.EncodeToString([]byte(mustJSON(claims)))
	return in + "." + b64.EncodeToString(sign([]byte(in)))
}

func TestJWT(t *testing.T) {
	now := time.Now().Unix()
	signers := newSigners(t)
	others := newSigners(t) // same algorithms, different keys
	for i, s := range signers {
		t.Run(s.alg, func(t *testing.T) {
			k, err := ParseJWK(s.jwk)
			if err != nil {
				t.Fatal(err)
			}
			valid := map[string]any{"sub": "u1", "exp": now + 600, "nbf": now - 10, "iat": now - 10}
			tok := makeToken(s.alg, valid, s.sign)
			if until, c := k.VerifyJWT([]byte(tok), now); c != OK || until != min(now+600+Leeway, now+MaxCacheTTL) {
				t.Fatalf("valid: %v until %d", c, until)
			}
			other := signers[(i+1)%len(signers)]
			for name, tc := range map[string]struct {
				tok  string
				want Code
			}{
				"expired":       {makeToken(s.alg, map[string]any{"exp": now - Leeway - 1}, s.sign), TokenExpired},
				"not yet valid": {makeToken(s.alg, map[string]any{"exp": now + 600, "nbf": now + Leeway + 5}, s.sign), TokenNotYetValid},
				"iat future":    {makeToken(s.alg, map[string]any{"iat": now + 3600}, s.sign), TokenIssuedInFuture},
				"wrong key":     {makeToken(s.alg, valid, others[i].sign), TokenSignatureInvalid},
				"other input":   {makeToken(s.alg, valid, func(in []byte) []byte { return s.sign([]byte("x" + string(in))) }), TokenSignatureInvalid},
				"other alg":     {makeToken(other.alg, valid, other.sign), TokenAlgNotAllowed},
				"alg none":      {b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + b64.EncodeToString([]byte(mustJSON(valid))) + ".", TokenAlgNotAllowed},
				"HS256 with public key": {makeToken("HS256", valid, func(in []byte) []byte {
					m := hmac.New(sha256.New, []byte(s.jwk))
					m.Write(in)
					return m.Sum(nil)
				}), TokenAlgNotAllowed},
				"truncated":  {tok[:strings.LastIndexByte(tok, '.')], MalformedToken},
				"cut sig":    {tok[:len(tok)-10], TokenSignatureInvalid},
				"garbage":    {"not a token at all", MalformedToken},
				"four parts": {tok + ".x", MalformedToken},
				"crit":       {makeTokenHdr(`{"alg":"`+s.alg+`","crit":["x"]}`, valid, s.sign), MalformedToken},
				"empty":      {"", MissingToken},
				// RELIABILITY.md: the key is pinned per API, so header fields that
				// name another key (kid, jku, an embedded jwk) change nothing.
				"jku elsewhere": {makeTokenHdr(`{"alg":"`+s.alg+`","kid":"evil","jku":"https://attacker.example/jwks.json"}`, valid, others[i].sign), TokenSignatureInvalid},
				"embedded jwk":  {makeTokenHdr(`{"alg":"`+s.alg+`","jwk":`+others[i].jwk+`}`, valid, others[i].sign), TokenSignatureInvalid},
				"null sig":      {tok[:strings.LastIndexByte(tok, '.')+1], MalformedToken},
				"oversized":     {makeTokenHdr(`{"alg":"`+s.alg+`","pad":"`+strings.Repeat("a", 20<<10)+`"}`, valid, s.sign), MalformedToken},
				"bad base64":    {"e30!." + tok[strings.IndexByte(tok, '.')+1:], MalformedToken},
			} {
				_, c := k.VerifyJWT([]byte(tc.tok), now)
				if name == "cut sig" && c == MalformedToken {
					continue // a cut may leave an impossible base64 length
				}
				if c != tc.want {
					t.Errorf("%s: %v, want %v", name, c, tc.want)
				}
			}
			// An aud array (jwt-go CVE-2020-26160) neither breaks parsing nor
			// changes the outcome: the seed defines no audience check.
			withAud := map[string]any{"exp": now + 600, "aud": []string{"a", "b"}}
			if _, c := k.VerifyJWT([]byte(makeToken(s.alg, withAud, s.sign)), now); c != OK {
				t.Errorf("aud array: %v", c)
			}
			// The cache answers a verified token, and never a tampered one.
			cache := NewTokenCache(64)
			for range 3 {
				if c := cache.Verify(k, []byte(tok), now); c != OK {
					t.Fatalf("cached: %v", c)
				}
			}
			if c := cache.Verify(k, []byte(tok), now+601+Leeway); c != TokenExpired {
				t.Errorf("cached past exp: %v", c)
			}
			k2, _ := ParseJWK(other.jwk)
			if c := cache.Verify(k2, []byte(tok), now); c == OK {
				t.Error("cache answered for another key")
			}
		})
	}
}

func makeTokenHdr(hdr string, claims map[string]any, sign func([]byte) []byte) string {
	in := b64.EncodeToString([]byte(hdr)) + "." + b64.EncodeToString([]byte(mustJSON(claims)))
	return in + "." + b64.EncodeToString(sign([]byte(in)))
}

func TestParseJWK(t *testing.T) {
	// The seed's sample key (OAuth 2.0 section) has a space inside n: it
	// must be refused clearly, not crash.
	for _, bad := range []string{``, `{}`, `{"kty":"oct","k":"c2VjcmV0"}`, `{"kty":"RSA","n":"AQAB","e":"AQAB"}`,
		`{"kty":"EC","crv":"P-521","x":"AA","y":"AA"}`, `{"kty":"OKP","crv":"X25519","x":"AA"}`,
		`{"kty":"AKP","alg":"ML-DSA-87","pub":"AA"}`, `{"kty":"AKP","alg":"ML-DSA-44","pub":"AA"}`,
		`{"kty":"RSA","n":"43nS uC6l","e":"AQAB"}`} {
		if _, err := ParseJWK(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	s := newSigners(t)[0]
	var m map[string]string
	_ = json.Unmarshal([]byte(s.jwk), &m)
	m["alg"] = "ES256"
	if _, err := ParseJWK(mustJSON(m)); err == nil {
		t.Error("RSA key with alg ES256 accepted")
	}
	m["alg"] = "RS256"
	k, err := ParseJWK(`{"keys":[` + mustJSON(m) + `]}`)
	if err != nil || len(k.Algs()) != 1 {
		t.Fatalf("JWK set: %v %v", err, k)
	}
	// alg in the JWK narrows: a PS256 token is refused for an RS256 key.
	tok := makeToken("PS256", map[string]any{}, s.sign)
	if _, c := k.VerifyJWT([]byte(tok), time.Now().Unix()); c != TokenAlgNotAllowed {
		t.Errorf("PS256 on RS256 key: %v", c)
	}
}

func BenchmarkJWT(b *testing.B) {
	now := time.Now().Unix()
	for _, s := range newSigners(b) {
		k, err := ParseJWK(s.jwk)
		if err != nil {
			b.Fatal(err)
		}
		tok := []byte(makeToken(s.alg, map[string]any{"sub": "u1", "exp": now + 3600}, s.sign))
		b.Run(s.alg+"/cold", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, c := k.VerifyJWT(tok, now); c != OK {
					b.Fatal(c)
				}
			}
		})
		b.Run(s.alg+"/cached", func(b *testing.B) {
			c := NewTokenCache(1024)
			b.ReportAllocs()
			for b.Loop() {
				if code := c.Verify(k, tok, now); code != OK {
					b.Fatal(code)
				}
			}
		})
	}
}
