package auth

import "testing"

// BenchmarkParseHTTPDate: a signed request's X-Date, read once per request.
func BenchmarkParseHTTPDate(b *testing.B) {
	dates := [][]byte{[]byte("Mon, 07 Dec 2026 14:12:53 GMT"), []byte("Sun, 06 Nov 1994 08:49:37 GMT"), []byte("Thu, 01 Jan 1970 00:00:00 GMT")}
	i := 0
	for b.Loop() {
		if _, ok := ParseHTTPDate(dates[i%len(dates)]); !ok {
			b.Fatal("refused")
		}
		i++
	}
}
