package backendsign

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzSignHead: any head the edge could build signs without panicking,
// keeps its request line, and a Go backend that can parse it verifies it.
func FuzzSignHead(f *testing.F) {
	f.Add("/v1/items/%E4%B8%AD/x%20y", "b=2&a=1&a=0&q=x+y&flag", "X-Tag", "b")
	f.Add("/", "", "Cookie", "a=b; c=d")
	f.Add("/%zz/%2f", "%zz=1&;=&==", "X-Empty", "")
	f.Add("/a//b/", "a=%E4%B8%AD&a=%e4%b8%ad", "x-tag", "  spaced  ")
	k := mustKey(f, TypeHMAC, "signkeysignkey", "sig_secret-0123456789", "")
	s := NewSigner()
	f.Fuzz(func(t *testing.T, path, query, name, value string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path+query, " \r\n\t?#\x00") ||
			strings.ContainsAny(name, " :\r\n\t\x00") || name == "" || strings.ContainsAny(value, "\r\n\x00") {
			return
		}
		target := path
		if query != "" {
			target += "?" + query
		}
		head := "GET " + target + " HTTP/1.1\r\nHost: api.example.com\r\n" + name + ": " + value + "\r\n\r\n"
		out, ok := s.SignHead([]byte(head), k, AppendPayloadHash(nil, nil), vectorUnix)
		if !ok || !bytes.HasPrefix(out, []byte("GET "+target+" HTTP/1.1\r\n")) {
			t.Fatalf("request line lost:\n%s", out)
		}
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(out)))
		if err != nil {
			return // not a request a Go backend would take
		}
		if err := Verify(r, k, &Options{Now: func() time.Time { return time.Unix(vectorUnix, 0) }, AllowUnsignedHeaders: true}); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	})
}
