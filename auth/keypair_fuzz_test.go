package auth

import (
	"strings"
	"testing"
)

// orders are the 24 orders of the four parameters.
var orders = func() (out [][4]int) {
	for a := range 4 {
		for b := range 4 {
			for c := range 4 {
				if a == b || b == c || a == c {
					continue
				}
				out = append(out, [4]int{a, b, c, 6 - a - b - c})
			}
		}
	}
	return out
}()

// renderKeyPair writes an hmac Authorization value from its fields; shape
// picks the parameter order (24), the separator, the name case, whether an
// unknown parameter is added and, for apikey, whether "hmac " is left out.
func renderKeyPair(id, alg, headers, sig string, apikey bool, shape uint8) string {
	names := [4]string{"id", "algorithm", "headers", "signature"}
	vals := [4]string{id, alg, headers, sig}
	if apikey {
		names[0] = "apikey"
	}
	sep := [4]string{", ", ",", " , ", ",\t"}[shape>>5&3]
	var b strings.Builder
	if !apikey || shape&0x80 == 0 {
		b.WriteString("hmac ")
	}
	for i, k := range orders[int(shape)%len(orders)] {
		if i > 0 {
			b.WriteString(sep)
		}
		n := names[k]
		if shape&1 != 0 {
			n = strings.ToUpper(n)
		}
		b.WriteString(n + `="` + vals[k] + `"`)
		if i == 1 && shape&2 != 0 {
			b.WriteString(sep + `realm="a, b=c"`) // unknown: ignored
		}
	}
	return b.String()
}

// FuzzKeyPairAuthorizationRoundTrip: an Authorization value rendered from any
// field values (without '"': values have no escapes) parses back to exactly
// those values, whatever the order, separators, name case and unknown
// parameters; with any value empty it is refused.
func FuzzKeyPairAuthorizationRoundTrip(f *testing.F) {
	f.Add("AKIDxxxx", "hmac-sha1", "x-date source", "c2lnbmF0dXJl", false, uint8(0))
	f.Add("key1", "hmac-sha256", "date", "Zm9v+/==", true, uint8(0xff))
	f.Add("a,b=c", "x", " ", "=", false, uint8(0x47))
	f.Add("", "hmac-sha1", "date", "sig", false, uint8(3))
	f.Add("id", "hmac-sha1", "date", "", true, uint8(0x81))
	f.Fuzz(func(t *testing.T, id, alg, headers, sig string, apikey bool, shape uint8) {
		if strings.Contains(id+alg+headers+sig, `"`) {
			return
		}
		h := renderKeyPair(id, alg, headers, sig, apikey, shape)
		var p Params
		c := ParseAuthorization([]byte(h), &p)
		if id == "" || alg == "" || headers == "" || sig == "" {
			if c != BadAuthorization {
				t.Fatalf("%q: a value is empty, yet %v", h, c)
			}
			return
		}
		if c != OK {
			t.Fatalf("%q: refused (%v)", h, c)
		}
		if string(p.ID) != id || string(p.Algorithm) != alg || string(p.Headers) != headers || string(p.Signature) != sig || p.APIKey != apikey {
			t.Fatalf("%q: parsed as id %q alg %q headers %q sig %q apikey %v", h, p.ID, p.Algorithm, p.Headers, p.Signature, p.APIKey)
		}
	})
}
