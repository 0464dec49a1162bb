//go:build !race

package edge

import "testing"

// Signing what goes to a bound API's backend allocates nothing: a GET and
// a small POST, for each key type, over the whole process.
func TestBackendSigningAllocs(t *testing.T) {
	up := startRawUpstream(t, "hello, world")
	doc := signingDoc(up.ln.Addr().String(), "", map[string]string{"k-hmac": "k-hmac", "k-aes": "k-aes", "k-basic": "k-basic"})
	s := startServer(t, doc, Config{Loops: 1}, nil, nil)
	for _, api := range []string{"k-hmac", "k-aes", "k-basic"} {
		noAllocs(t, newRoundTripper(t, s.Addr(), "GET /release/"+api+"/x?b=2&a=1 HTTP/1.1\r\nHost: service-t.localhost\r\nUser-Agent: alloc-test\r\nAccept: */*\r\n\r\n"), 200)
		noAllocs(t, newRoundTripper(t, s.Addr(), "POST /release/"+api+" HTTP/1.1\r\nHost: service-t.localhost\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}"), 200)
	}
}
