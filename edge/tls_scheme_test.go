package edge

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
)

// A host's protocols against the connection's scheme: forced HTTPS
// redirects plain requests (301 for GET and HEAD, 308 otherwise, to the
// HTTPS listener's port, path and query kept); an HTTPS-only host refuses
// plain HTTP with 403 HttpsRequired; an HTTP-only host refuses TLS with 421
// HttpsNotEnabled; hosts serving both answer both.
func TestTLSSchemes(t *testing.T) {
	s := startTLSServer(t, Config{}, anyAPI("api-p", "/p", protoEcho(t)))
	_, port, _ := net.SplitHostPort(s.TLSAddr())
	plain := dialRaw(t, s.Addr())
	pbr := bufio.NewReader(plain)
	for _, c := range []struct {
		req, status, location, code string
	}{
		{"GET /release/p/x?a=1&b=2 HTTP/1.1\r\nHost: forced.example.com\r\n\r\n", "301", "https://forced.example.com:" + port + "/release/p/x?a=1&b=2", ""},
		{"HEAD /nowhere HTTP/1.1\r\nHost: Forced.Example.com:8080\r\n\r\n", "301", "https://Forced.Example.com:" + port + "/nowhere", ""},
		{"POST /release/p HTTP/1.1\r\nHost: forced.example.com\r\nContent-Length: 4\r\n\r\nbody", "308", "https://forced.example.com:" + port + "/release/p", ""},
		{"GET /release/p HTTP/1.1\r\nHost: secure.example.com\r\n\r\n", "403", "", "HttpsRequired"},
		{"GET /release/p HTTP/1.1\r\nHost: plain.example.com\r\n\r\n", "200", "", ""},
		{"GET /release/p HTTP/1.1\r\nHost: api.example.com\r\n\r\n", "200", "", ""},
		{"GET /release/p HTTP/1.1\r\nHost: nobody.example.com\r\n\r\n", "404", "", "HostNotFound"},
	} {
		method := c.req[:strings.IndexByte(c.req, ' ')]
		resp, body := exchange(t, plain, pbr, c.req)
		if method == "HEAD" {
			resp.Request = nil
		}
		if strconv.Itoa(resp.StatusCode) != c.status || resp.Header.Get("Location") != c.location || !strings.Contains(body, c.code) {
			t.Errorf("plain %q: %d %q %q", c.req[:30], resp.StatusCode, resp.Header.Get("Location"), body)
		}
	}
	for _, c := range []struct {
		host, status, body string
	}{
		{"forced.example.com", "200", "proto=https"},
		{"secure.example.com", "200", "proto=https"},
		{"api.example.com", "200", "proto=https"},
		{"plain.example.com", "421", "HttpsNotEnabled"},
	} {
		tc := mustDialTLS(t, s, tlsConfig(t, c.host))
		resp, body := exchange(t, tc, bufio.NewReader(tc), getReq(c.host, "/release/p"))
		if strconv.Itoa(resp.StatusCode) != c.status || !strings.Contains(body, c.body) {
			t.Errorf("tls %s: %d %q", c.host, resp.StatusCode, body)
		}
	}
}

// The redirect names PublicHTTPSPort when set, and leaves 443 out.
func TestRedirectPort(t *testing.T) {
	for _, c := range []struct {
		public, listener, want int
	}{{0, 8443, 8443}, {443, 8443, 0}, {9443, 8443, 9443}, {0, 443, 0}, {0, 0, 0}} {
		s := &Server{cfg: Config{PublicHTTPSPort: c.public}}
		s.tlsPort = c.listener
		if got := s.redirectPort(); got != c.want {
			t.Errorf("public %d listener %d: %d, want %d", c.public, c.listener, got, c.want)
		}
	}
	for in, want := range map[string]string{"a.org": "a.org", "a.org:80": "a.org", "[::1]:8080": "[::1]", "[::1]": "[::1]"} {
		if got := string(hostName([]byte(in))); got != want {
			t.Errorf("hostName(%q) = %q", in, got)
		}
	}
}
