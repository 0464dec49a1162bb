package auth

import (
	"bytes"
	"testing"
)

// FuzzParseAuthorization: any input parses or is refused without a panic,
// and what it returns lies inside the input.
func FuzzParseAuthorization(f *testing.F) {
	f.Add(`hmac id="AKID", algorithm="hmac-sha1", headers="date source", signature="c2ln"`)
	f.Add(`apikey="k", algorithm="hmac-sha256", headers="x-date", signature="x"`)
	f.Add(`hmac id="a", id="b", algorithm="", headers="", signature=""`)
	f.Add(`hmac id="`)
	f.Fuzz(func(t *testing.T, s string) {
		var p Params
		in := []byte(s)
		if ParseAuthorization(in, &p) != OK {
			return
		}
		for _, part := range [][]byte{p.ID, p.Algorithm, p.Headers, p.Signature} {
			if len(part) == 0 || !bytes.Contains(in, part) || bytes.IndexByte(part, '"') >= 0 {
				t.Fatalf("%q: bad part %q", s, part)
			}
		}
	})
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
