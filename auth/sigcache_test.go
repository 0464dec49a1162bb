package auth

import (
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"hash"
	"strings"
	"testing"
)

// keyPairCall verifies a key-pair call signed over X-Date and Source.
func keyPairCall(v *Verifier, s *Secret, alg string, h hdrs, sig string) Code {
	var p Params
	auth := `hmac id="AKID1", algorithm="` + alg + `", headers="x-date source", signature="` + sig + `"`
	if c := ParseAuthorization([]byte(auth), &p); c != OK {
		return c
	}
	a, ok := ParseAlg(p.Algorithm)
	if !ok {
		return UnsupportedAlgorithm
	}
	return v.VerifyKeyPair(&p, a, s, h)
}

// TestSigCache: a signature verified once is found again for the same
// secret and signing string, and for nothing else: another string,
// another secret (a rotated key), another algorithm or a changed
// signature is verified afresh and refused.
func TestSigCache(t *testing.T) {
	v := NewVerifier()
	s := NewSecret("ZxF2whN2oPrC")
	h := hdrs{"x-date": "Mon, 19 Mar 2018 12:08:40 GMT", "source": "AndriodApp"}
	sig := seedSign("ZxF2whN2oPrC", sha1.New, []string{"x-date", "source"}, h)
	for i := range 3 {
		if c := keyPairCall(v, s, "hmac-sha1", h, sig); c != OK {
			t.Fatalf("call %d: %v", i, c)
		}
	}
	if e := v.sigs.slot([]byte(sig)); e.s != s || string(e.sig[:e.ns]) != sig {
		t.Fatalf("a verified signature was not cached: %+v", e)
	}
	if c := keyPairCall(v, s, "hmac-sha256", h, sig); c != SignatureMismatch {
		t.Errorf("the cached SHA-1 signature claimed as SHA-256: %v, want SignatureMismatch", c)
	}
	next := hdrs{"x-date": "Mon, 19 Mar 2018 12:08:41 GMT", "source": "AndriodApp"}
	if c := keyPairCall(v, s, "hmac-sha1", next, sig); c != SignatureMismatch {
		t.Errorf("the cached signature for the next second's string: %v, want SignatureMismatch", c)
	}
	if c := keyPairCall(v, NewSecret("rotated"), "hmac-sha1", h, sig); c != SignatureMismatch {
		t.Errorf("the cached signature under a rotated key: %v, want SignatureMismatch", c)
	}
	for i := range sig {
		b := []byte(sig)
		b[i] ^= 0x01
		if c := keyPairCall(v, s, "hmac-sha1", h, string(b)); c != SignatureMismatch {
			t.Fatalf("the cached signature changed at %d (%s): %v, want SignatureMismatch", i, b, c)
		}
	}
	if c := keyPairCall(v, s, "hmac-sha1", h, sig+"A"); c != SignatureMismatch {
		t.Errorf("the cached signature lengthened: %v", c)
	}
	// Still cached after the refusals: only a verified signature is stored.
	if e := v.sigs.slot([]byte(sig)); e.s != s || string(e.sig[:e.ns]) != sig {
		t.Fatalf("a refusal replaced the entry: %+v", e)
	}
	if c := keyPairCall(v, s, "hmac-sha1", h, sig); c != OK {
		t.Errorf("after the refusals: %v", c)
	}
	// The same secret's text in a new Secret (a reinstalled snapshot)
	// verifies, by the HMAC.
	if c := keyPairCall(v, NewSecret("ZxF2whN2oPrC"), "hmac-sha1", h, sig); c != OK {
		t.Errorf("the same key in a new Secret: %v", c)
	}
}

// TestSigCacheCollisions: many valid signatures sharing the table (every
// slot taken several times over) and strings longer than an entry holds
// all verify, and each still refuses another string.
func TestSigCacheCollisions(t *testing.T) {
	v := NewVerifier()
	s := NewSecret("k")
	for round := range 2 {
		for i := range 4 * sigCacheSize {
			src := fmt.Sprint("client-", i)
			if i%7 == 0 {
				src += strings.Repeat("x", sigMsgMax) // not cached
			}
			h := hdrs{"x-date": "Mon, 19 Mar 2018 12:08:40 GMT", "source": src}
			for _, alg := range []struct {
				name string
				nh   func() hash.Hash
			}{{"hmac-sha1", sha1.New}, {"hmac-sha256", sha256.New}} {
				sig := seedSign("k", alg.nh, []string{"x-date", "source"}, h)
				if c := keyPairCall(v, s, alg.name, h, sig); c != OK {
					t.Fatalf("round %d, %s %s: %v", round, src, alg.name, c)
				}
				other := hdrs{"x-date": h["x-date"], "source": src + "!"}
				if c := keyPairCall(v, s, alg.name, other, sig); c != SignatureMismatch {
					t.Fatalf("round %d, %s %s for another source: %v", round, src, alg.name, c)
				}
			}
		}
	}
}
