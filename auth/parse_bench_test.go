package auth

import "testing"

// BenchmarkParseAuthorization: the canonical form (the fast path) and the
// same value with one separator changed (the general parser).
func BenchmarkParseAuthorization(b *testing.B) {
	for _, tc := range []struct{ name, v string }{
		{"canonical", `hmac id="AKIDbench", algorithm="hmac-sha1", headers="x-date source", signature="7ed0wnH0Y8Y6ky5Xo1NFgr1rIiM="`},
		{"general", `hmac id="AKIDbench",algorithm="hmac-sha1", headers="x-date source", signature="7ed0wnH0Y8Y6ky5Xo1NFgr1rIiM="`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			v := []byte(tc.v)
			var p Params
			for b.Loop() {
				if ParseAuthorization(v, &p) != OK {
					b.Fatal()
				}
			}
		})
	}
}
