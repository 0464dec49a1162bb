package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/cloudflare/circl/sign/ed448"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// PublicKey is a token verification key parsed from a JWK, bound to the
// JWS algorithms its type allows. Immutable; shared by every event loop.
type PublicKey struct {
	Kty  string
	algs []string // accepted JWS "alg" values
	rsa  *rsa.PublicKey
	ec   *ecdsa.PublicKey
	ed   ed25519.PublicKey
	e448 ed448.PublicKey
	m44  *mldsa44.PublicKey
	m65  *mldsa65.PublicKey
}

// Algs lists the JWS algorithms the key accepts.
func (k *PublicKey) Algs() []string { return k.algs }

type jwk struct {
	Kty  string `json:"kty"`
	Alg  string `json:"alg"`
	Use  string `json:"use"`
	Crv  string `json:"crv"`
	N    string `json:"n"`
	E    string `json:"e"`
	X    string `json:"x"`
	Y    string `json:"y"`
	Pub  string `json:"pub"`
	D    string `json:"d"`
	Priv string `json:"priv"`
}

// ParseJWK reads one public JWK (RFC 7517), or a JWK Set holding exactly
// one key. Accepted forms and the JWS algorithms each allows:
//
//	{"kty":"RSA","n":…,"e":…}              RS256 RS384 RS512 PS256 PS384 PS512 (RFC 7518)
//	{"kty":"EC","crv":"P-256","x":…,"y":…}  ES256
//	{"kty":"EC","crv":"P-384","x":…,"y":…}  ES384
//	{"kty":"OKP","crv":"Ed25519","x":…}     EdDSA, Ed25519 (RFC 8037, RFC 9864)
//	{"kty":"OKP","crv":"Ed448","x":…}       EdDSA, Ed448
//	{"kty":"AKP","alg":"ML-DSA-44","pub":…} ML-DSA-44 (FIPS 204; draft-ietf-cose-dilithium)
//	{"kty":"AKP","alg":"ML-DSA-65","pub":…} ML-DSA-65
//
// A JWK "alg", when present, narrows the key to that one algorithm (and is
// required for AKP). Symmetric ("oct") keys and private keys are refused,
// so HS256 can never be verified with a public key as its secret.
func ParseJWK(s string) (*PublicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	data := []byte(s)
	if json.Unmarshal(data, &set) == nil && set.Keys != nil {
		if len(set.Keys) != 1 {
			return nil, fmt.Errorf("JWK set: want exactly one key, have %d", len(set.Keys))
		}
		data = set.Keys[0]
	}
	var j jwk
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("JWK: %v", err)
	}
	if j.D != "" || j.Priv != "" {
		return nil, errors.New("JWK: a private key was given; configure the public key only")
	}
	if j.Use != "" && j.Use != "sig" {
		return nil, fmt.Errorf("JWK: use %q, want sig", j.Use)
	}
	k := &PublicKey{Kty: j.Kty}
	// b64 decodes the required base64url member name; the first failure
	// is kept in b64err.
	var b64err error
	b64 := func(name, v string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(trimPad(v))
		switch {
		case b64err != nil:
		case v == "":
			b64err = fmt.Errorf("JWK: %s is required", name)
		case err != nil:
			b64err = fmt.Errorf("JWK: %s: not base64url", name)
		}
		return b
	}
	switch j.Kty {
	case "RSA":
		n, e := b64("n", j.N), b64("e", j.E)
		if b64err != nil {
			return nil, b64err
		}
		E := new(big.Int).SetBytes(e)
		if !E.IsInt64() || E.Int64() < 3 || E.Int64() > 1<<31 || E.Bit(0) == 0 {
			return nil, errors.New("JWK: bad RSA exponent")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(E.Int64())}
		if pub.N.BitLen() < 2048 {
			return nil, fmt.Errorf("JWK: RSA modulus of %d bits; at least 2048 required", pub.N.BitLen())
		}
		k.rsa = pub
		k.algs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	case "EC":
		var curve elliptic.Curve
		switch j.Crv {
		case "P-256":
			curve, k.algs = elliptic.P256(), []string{"ES256"}
		case "P-384":
			curve, k.algs = elliptic.P384(), []string{"ES384"}
		default:
			return nil, fmt.Errorf("JWK: EC curve %q not supported (P-256, P-384)", j.Crv)
		}
		x, y := b64("x", j.X), b64("y", j.Y)
		if b64err != nil {
			return nil, b64err
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(x) != size || len(y) != size {
			return nil, errors.New("JWK: EC coordinates of the wrong length")
		}
		raw := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, raw)
		if err != nil {
			return nil, fmt.Errorf("JWK: EC point: %v", err)
		}
		k.ec = pub
	case "OKP":
		x := b64("x", j.X)
		if b64err != nil {
			return nil, b64err
		}
		switch j.Crv {
		case "Ed25519":
			if len(x) != ed25519.PublicKeySize {
				return nil, errors.New("JWK: Ed25519 key of the wrong length")
			}
			k.ed, k.algs = ed25519.PublicKey(x), []string{"EdDSA", "Ed25519"}
		case "Ed448":
			if len(x) != ed448.PublicKeySize {
				return nil, errors.New("JWK: Ed448 key of the wrong length")
			}
			k.e448, k.algs = ed448.PublicKey(x), []string{"EdDSA", "Ed448"}
		default:
			return nil, fmt.Errorf("JWK: OKP curve %q not supported (Ed25519, Ed448)", j.Crv)
		}
	case "AKP":
		pub := b64("pub", j.Pub)
		if b64err != nil {
			return nil, b64err
		}
		switch j.Alg {
		case "ML-DSA-44":
			k.m44 = new(mldsa44.PublicKey)
			if err := k.m44.UnmarshalBinary(pub); err != nil {
				return nil, fmt.Errorf("JWK: %v", err)
			}
		case "ML-DSA-65":
			k.m65 = new(mldsa65.PublicKey)
			if err := k.m65.UnmarshalBinary(pub); err != nil {
				return nil, fmt.Errorf("JWK: %v", err)
			}
		default:
			return nil, fmt.Errorf("JWK: AKP alg %q not supported (ML-DSA-44, ML-DSA-65)", j.Alg)
		}
		k.algs = []string{j.Alg}
	case "oct":
		return nil, errors.New("JWK: symmetric keys are not accepted; give a public key")
	case "":
		return nil, errors.New("JWK: kty is required")
	default:
		return nil, fmt.Errorf("JWK: kty %q not supported (RSA, EC, OKP, AKP)", j.Kty)
	}
	if j.Alg != "" {
		if !contains(k.algs, j.Alg) {
			return nil, fmt.Errorf("JWK: alg %q does not fit kty %s", j.Alg, j.Kty)
		}
		k.algs = []string{j.Alg}
	}
	return k, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func trimPad(s string) string {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	return s
}

// verifySig checks sig over input with the key, for alg (already known to
// be one the key accepts).
func (k *PublicKey) verifySig(alg string, input, sig []byte) bool {
	switch {
	case k.rsa != nil:
		var h crypto.Hash
		switch alg[2:] {
		case "256":
			h = crypto.SHA256
		case "384":
			h = crypto.SHA384
		default:
			h = crypto.SHA512
		}
		d := h.New()
		d.Write(input)
		sum := d.Sum(nil)
		if alg[0] == 'P' {
			return rsa.VerifyPSS(k.rsa, h, sum, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}
		return rsa.VerifyPKCS1v15(k.rsa, h, sum, sig) == nil
	case k.ec != nil:
		h := crypto.SHA256
		if alg == "ES384" {
			h = crypto.SHA384
		}
		size := (k.ec.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size { // JWS: R || S, fixed width (RFC 7518 §3.4)
			return false
		}
		d := h.New()
		d.Write(input)
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(k.ec, d.Sum(nil), r, s)
	case k.ed != nil:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(k.ed, input, sig)
	case k.e448 != nil:
		return len(sig) == ed448.SignatureSize && ed448.Verify(k.e448, input, sig, "")
	case k.m44 != nil:
		return mldsa44.Verify(k.m44, input, nil, sig)
	case k.m65 != nil:
		return mldsa65.Verify(k.m65, input, nil, sig)
	}
	return false
}
