//go:build !race

package auth

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"testing"

	"github.com/edgegate/edgegate/ascii"
)

// typicalRequest is a key-pair signed request of the seed's shape.
func typicalRequest() (*Verifier, *Secret, hdrs, []byte) {
	h := hdrs{"x-date": "Mon, 19 Mar 2018 12:08:40 GMT", "source": "AndriodApp", "host": "service-abc.example.com"}
	secret := "ZxF2whXXXXN2oPrC1234567890abcdef"
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte("x-date: " + h["x-date"] + "\nsource: AndriodApp\nhost: " + h["host"]))
	auth := []byte(`hmac id="AKIDCgXXXXXXXXX48pN", algorithm="hmac-sha1", headers="x-date source host", signature="` +
		base64.StdEncoding.EncodeToString(m.Sum(nil)) + `"`)
	return NewVerifier(), NewSecret(secret), h, auth
}

func verifyTypical(v *Verifier, s *Secret, h Headers, auth []byte) Code {
	var p Params
	if c := ParseAuthorization(auth, &p); c != OK {
		return c
	}
	a, ok := ParseAlg(p.Algorithm)
	if !ok {
		return UnsupportedAlgorithm
	}
	if c := CheckDate(h, 1521461320, false); c != OK {
		return c
	}
	return v.VerifyKeyPair(&p, a, s, h)
}

type fixedHeaders struct{ names, vals [][]byte }

func (f *fixedHeaders) Get(name []byte) ([]byte, bool) {
	for i, n := range f.names {
		if ascii.EqualFold(name, string(n)) {
			return f.vals[i], true
		}
	}
	return nil, false
}

func toFixed(h hdrs) *fixedHeaders {
	f := &fixedHeaders{}
	for k, v := range h {
		f.names = append(f.names, []byte(k))
		f.vals = append(f.vals, []byte(v))
	}
	return f
}

// TestKeyPairAllocs: a verification allocates nothing, found in the
// signature cache or computed (the cache off).
func TestKeyPairAllocs(t *testing.T) {
	for _, cached := range []bool{true, false} {
		v, s, h, auth := typicalRequest()
		if !cached {
			v.sigs = nil
		}
		fh := toFixed(h)
		if c := verifyTypical(v, s, fh, auth); c != OK {
			t.Fatal(c)
		}
		if n := testing.AllocsPerRun(1000, func() { verifyTypical(v, s, fh, auth) }); n != 0 {
			t.Errorf("cached %v: %v allocations per verification, want 0", cached, n)
		}
	}
}

// BenchmarkKeyPairVerify: a whole key-pair check (parse, date, signing
// string, signature). cached is a client's second request within the
// second its X-Date names (the signature cache's hit); computed is the
// HMAC every time (the cache off: a new second or a new client).
func BenchmarkKeyPairVerify(b *testing.B) {
	for _, cached := range []bool{true, false} {
		name := map[bool]string{true: "cached", false: "computed"}[cached]
		b.Run(name, func(b *testing.B) {
			v, s, h, auth := typicalRequest()
			if !cached {
				v.sigs = nil
			}
			fh := toFixed(h)
			b.ReportAllocs()
			for b.Loop() {
				if c := verifyTypical(v, s, fh, auth); c != OK {
					b.Fatal(c)
				}
			}
		})
	}
}

// BenchmarkHMACStates compares restoring pre-keyed states (what Verifier
// does) with keying a fresh crypto/hmac per request, on the typical
// signing string.
func BenchmarkHMACStates(b *testing.B) {
	msg := []byte("x-date: Mon, 19 Mar 2018 12:08:40 GMT\nsource: AndriodApp\nhost: service-abc.example.com")
	secret := "ZxF2whXXXXN2oPrC1234567890abcdef"
	b.Run("prekeyed", func(b *testing.B) {
		v, s := NewVerifier(), NewSecret(secret)
		b.ReportAllocs()
		for b.Loop() {
			v.Sum(s, SHA1, msg)
		}
	})
	b.Run("hmac.New", func(b *testing.B) {
		var out [32]byte
		b.ReportAllocs()
		for b.Loop() {
			m := hmac.New(sha1.New, []byte(secret))
			m.Write(msg)
			m.Sum(out[:0])
		}
	})
}
