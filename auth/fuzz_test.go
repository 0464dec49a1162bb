package auth

import (
	"bytes"
	"testing"
)

// FuzzParseAuthorization: any input parses or is refused without a panic,
// what it returns lies inside the input, and the canonical form's fast
// path reads exactly what the general parser reads.
func FuzzParseAuthorization(f *testing.F) {
	f.Add(`hmac id="AKID", algorithm="hmac-sha1", headers="date source", signature="c2ln"`)
	f.Add(`hmac id="AKID", algorithm="hmac-sha1", headers="date source", signature="c2ln", id="B"`)
	f.Add(`hmac id="AKID", algorithm="hmac-sha1", headers="", signature="c2ln"`)
	f.Add(`hmac id="", algorithm="", headers="", signature=""`)
	f.Add(`apikey="k", algorithm="hmac-sha256", headers="x-date", signature="x"`)
	f.Add(`hmac id="a", id="b", algorithm="", headers="", signature=""`)
	f.Add(`hmac id="`)
	f.Fuzz(func(t *testing.T, s string) {
		var p, g Params
		in := []byte(s)
		c := ParseAuthorization(in, &p)
		if gc := parseGeneral(in, &g); gc != c || (c == OK && !samePart(p, g)) {
			t.Fatalf("%q: %v %+v, general parser %v %+v", s, c, p, gc, g)
		}
		if c != OK {
			return
		}
		for _, part := range [][]byte{p.ID, p.Algorithm, p.Headers, p.Signature} {
			if len(part) == 0 || !bytes.Contains(in, part) || bytes.IndexByte(part, '"') >= 0 {
				t.Fatalf("%q: bad part %q", s, part)
			}
		}
	})
}

func samePart(a, b Params) bool {
	return bytes.Equal(a.ID, b.ID) && bytes.Equal(a.Algorithm, b.Algorithm) && bytes.Equal(a.Headers, b.Headers) &&
		bytes.Equal(a.Signature, b.Signature) && a.APIKey == b.APIKey
}

// FuzzVerifyJWT: garbage never verifies and never panics.
func FuzzVerifyJWT(f *testing.F) {
	k, err := ParseJWK(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("eyJhbGciOiJFZERTQSJ9.e30.AAAA")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("...")
	f.Fuzz(func(t *testing.T, s string) {
		if _, c := k.VerifyJWT([]byte(s), 1700000000); c == OK {
			t.Fatalf("%q verified", s)
		}
	})
}
