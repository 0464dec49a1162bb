package http1

import (
	"strings"
	"testing"
)

func TestRequestLine(t *testing.T) {
	runRequestCases(t, []codeCase{
		{"simple", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", ""},
		{"http10 without host", "GET / HTTP/1.0\r\n\r\n", ""},
		{"extension method", "PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n", ""},
		{"method with tchars", "M-SEARCH! / HTTP/1.1\r\nHost: a\r\n\r\n", ""},
		{"lower case method", "get / HTTP/1.1\r\nHost: a\r\n\r\n", ""},

		{"two spaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "BadRequestLine"},
		{"leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", "BadRequestLine"},
		{"trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", "BadRequestLine"},
		{"tab separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", "BadRequestLine"},
		{"no version", "GET /\r\nHost: a\r\n\r\n", "BadRequestLine"},
		{"method only", "GET\r\nHost: a\r\n\r\n", "BadRequestLine"},
		{"empty target", "GET  HTTP/1.1\r\nHost: a\r\n\r\n", "BadRequestLine"},
		{"http09", "GET /\r\n\r\n", "BadRequestLine"},

		{"method with paren", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", "BadMethod"},
		{"garden method prefix", "G=\":<>(e),[T];?\" /get HTTP/1.1\r\nHost: a\r\n\r\n", "BadMethod"},
		{"method with NUL", "GE\x00T / HTTP/1.1\r\nHost: a\r\n\r\n", "BadMethod"},
		{"method non-ASCII", "G\xc3\x89T / HTTP/1.1\r\nHost: a\r\n\r\n", "BadMethod"},

		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", "BadVersion"},
		{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", "BadVersion"},
		{"HTTP/0.9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", "BadVersion"},
		{"HTTP/3.0", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", "BadVersion"},
		{"h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "BadVersion"},
		{"HTTP/1.32 (garden #5)", "GET /test HTTP/1.32\r\nHost: a\r\n\r\n", "BadRequestLine"},
		{"lower case version", "GET / http/1.1\r\nHost: a\r\n\r\n", "BadRequestLine"},
		{"version junk", "GET / HTTP/1.1x\r\nHost: a\r\n\r\n", "BadRequestLine"},
		{"version HTTP/1", "GET / HTTP/1\r\nHost: a\r\n\r\n", "BadRequestLine"},
		{"version with CR (garden #15)", "GET / HTTP/\r\r1.1\r\nHost: a\r\n\r\n", "BareCR"},
		{"version spaces", "GET / HTTP/ 1.1\r\nHost: a\r\n\r\n", "BadRequestLine"},

		{"CONNECT authority", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "UnsupportedMethod"},
		{"CONNECT path", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", "UnsupportedMethod"},
		{"bad CONNECT host (Go bad_connect_host)", "CONNECT []%20%48%54%54%50%2f%31%2e%31%0a%4d%79%48%65%61%64%65%72%3a%20%31%32%33%0a%0a HTTP/1.0\r\n\r\n", "UnsupportedMethod"},

		{"bare LF ends request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", "BareLF"},
		{"bare LF in request line (garden #9)", "GET /\nHTTP/1.1\r\n\r\n", "BareLF"},
		{"bare LF first", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "BareLF"},
		{"CR CR LF", "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", "BareCR"},
		{"bare CR in target", "GET /\rx HTTP/1.1\r\nHost: a\r\n\r\n", "BareCR"},
	})
}

func TestLeadingEmptyLines(t *testing.T) {
	// RFC 9112 §2.2: a server SHOULD ignore at least one empty line before
	// the request-line. We skip them and count them in n.
	for _, pre := range []string{"\r\n", "\r\n\r\n", strings.Repeat("\r\n", 50)} {
		in := pre + "GET /x HTTP/1.1\r\nHost: a\r\n\r\n"
		r, n, err := parseReq(in)
		if err != nil || n != len(in) || string(r.Path) != "/x" {
			t.Fatalf("%q: n=%d err=%v path=%q", in, n, err, r.Path)
		}
	}
	runRequestCases(t, []codeCase{
		{"bare LF empty line", "\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "BareLF"},
		{"bare CR empty line", "\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", "BareCR"},
		{"whitespace line", " \r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "BadRequestLine"},
	})
	// Empty lines count toward MaxHeaderBytes.
	var p Parser
	r := Request{Headers: make([]Header, 0, 10)}
	in := strings.Repeat("\r\n", 100) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	if _, err := p.ParseRequest([]byte(in), &r, &Limits{MaxHeaderBytes: 150}); err != ErrHeaderTooLarge {
		t.Fatalf("got %v, want HeaderTooLarge", err)
	}
}

func TestRequestTarget(t *testing.T) {
	type want struct{ path, query, authority, host string }
	ok := []struct {
		in   string
		want want
		qnil bool
	}{
		{"GET / HTTP/1.1\r\nHost: h\r\n\r\n", want{"/", "", "", "h"}, true},
		{"GET /a/b?c=d&e HTTP/1.1\r\nHost: h\r\n\r\n", want{"/a/b", "c=d&e", "", "h"}, false},
		{"GET /a? HTTP/1.1\r\nHost: h\r\n\r\n", want{"/a", "", "", "h"}, false},
		{"GET /a?b?c HTTP/1.1\r\nHost: h\r\n\r\n", want{"/a", "b?c", "", "h"}, false},
		{"GET //double HTTP/1.1\r\nHost: h\r\n\r\n", want{"//double", "", "", "h"}, true},
		{"GET /%41%2f%2E HTTP/1.1\r\nHost: h\r\n\r\n", want{"/%41%2f%2E", "", "", "h"}, true},
		{"GET /a?%zz HTTP/1.1\r\nHost: h\r\n\r\n", want{"/a", "%zz", "", "h"}, false}, // query escapes unchecked, like Go
		{"GET /{}|\\^`\"<> HTTP/1.1\r\nHost: h\r\n\r\n", want{"/{}|\\^`\"<>", "", "", "h"}, true},
		{"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", want{"*", "", "", "h"}, true},
		{"GET http://example.com/x?y HTTP/1.1\r\nHost: other\r\n\r\n", want{"/x", "y", "example.com", "example.com"}, false},
		{"GET HTTPS://Example.com HTTP/1.1\r\nHost: other\r\n\r\n", want{"/", "", "Example.com", "Example.com"}, true},
		{"GET http://example.com?q HTTP/1.1\r\nHost: h\r\n\r\n", want{"/", "q", "example.com", "example.com"}, false},
		{"GET http://example.com:8080 HTTP/1.1\r\nHost: h\r\n\r\n", want{"/", "", "example.com:8080", "example.com:8080"}, true},
		{"GET http://[::1]:8080/p HTTP/1.1\r\nHost: h\r\n\r\n", want{"/p", "", "[::1]:8080", "[::1]:8080"}, true},
		{"GET http://1.2.3.4/ HTTP/1.0\r\n\r\n", want{"/", "", "1.2.3.4", "1.2.3.4"}, true},
		{"OPTIONS http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", want{"/", "", "h", "h"}, true},
	}
	for _, c := range ok {
		r, n, err := parseReq(c.in)
		if err != nil || n != len(c.in) {
			t.Fatalf("%q: n=%d err=%v", c.in, n, err)
		}
		got := want{string(r.Path), string(r.Query), string(r.Authority), string(r.Host)}
		if got != c.want || (r.Query == nil) != c.qnil {
			t.Errorf("%q: got %+v (query nil %v), want %+v (nil %v)", c.in, got, r.Query == nil, c.want, c.qnil)
		}
		if string(r.Target) != strings.Fields(c.in)[1] {
			t.Errorf("%q: Target %q", c.in, r.Target)
		}
	}

	runRequestCases(t, []codeCase{
		{"asterisk with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"relative", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"bang (garden #7)", "GET ! HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"ftp scheme", "GET ftp://x/ HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"opaque", "GET mailto:x@y HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"scheme without slashes", "GET http:/x HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"fragment in query", "GET /a?b#c HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"non-ASCII", "GET /\xff HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"UTF-8", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"NUL", "GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"DEL", "GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"HTAB", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"bad escape", "GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"short escape", "GET /%4 HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"lone percent", "GET /% HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"short escape before query", "GET /a%2?x HTTP/1.1\r\nHost: a\r\n\r\n", "BadTarget"},
		{"empty authority", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", "BadHost"},
		{"empty authority with query", "GET http://?x HTTP/1.1\r\nHost: a\r\n\r\n", "BadHost"},
		{"userinfo", "GET http://user@host/ HTTP/1.1\r\nHost: a\r\n\r\n", "BadHost"},
		{"userinfo spoof", "GET http://good.com@evil.com/ HTTP/1.1\r\nHost: a\r\n\r\n", "BadHost"},
		{"bad port", "GET http://host:port/ HTTP/1.1\r\nHost: a\r\n\r\n", "BadHost"},
		{"pct in host", "GET http://ex%61mple.com/ HTTP/1.1\r\nHost: a\r\n\r\n", "BadHost"},
		{"zone id", "GET http://[fe80::1%25eth0]/ HTTP/1.1\r\nHost: a\r\n\r\n", "BadHost"},
		{"backslash authority", "GET http://a\\b/ HTTP/1.1\r\nHost: a\r\n\r\n", "BadHost"},
	})
}

func TestURITooLong(t *testing.T) {
	lim := &Limits{MaxRequestLine: 32}
	parse := func(s string) (int, *Error) {
		var p Parser
		r := Request{Headers: make([]Header, 0, 10)}
		return p.ParseRequest([]byte(s), &r, lim)
	}
	// "GET / HTTP/1.1" is 14 bytes; pad the path to reach exactly 32.
	exact := "GET /" + strings.Repeat("a", 32-14) + " HTTP/1.1"
	if len(exact) != 32 {
		t.Fatal(len(exact))
	}
	if n, err := parse(exact + "\r\nHost: a\r\n\r\n"); err != nil || n == 0 {
		t.Fatalf("line of exactly MaxRequestLine: n=%d err=%v", n, err)
	}
	over := "GET /" + strings.Repeat("a", 32-13) + " HTTP/1.1"
	if _, err := parse(over + "\r\nHost: a\r\n\r\n"); err != ErrURITooLong {
		t.Fatalf("complete: got %v, want URITooLong", err)
	}
	// Detected while incomplete, as soon as the line passes the limit,
	// whatever the rest of the line would have held.
	for _, s := range []string{
		"GET /" + strings.Repeat("a", 28),
		"GET /" + strings.Repeat("#", 28),
	} {
		if _, err := parse(s); err != ErrURITooLong {
			t.Fatalf("%q: got %v, want URITooLong", s, err)
		}
	}
	// 32 bytes and a CR: the LF may still come.
	if n, err := parse(exact + "\r"); n != 0 || err != nil {
		t.Fatalf("exact + CR: n=%d err=%v, want incomplete", n, err)
	}
	// Byte by byte, the 414 comes at the 33rd byte of the line.
	var p Parser
	r := Request{Headers: make([]Header, 0, 10)}
	in := []byte("\r\n" + over + "\r\nHost: a\r\n\r\n")
	for k := 1; k <= len(in); k++ {
		_, err := p.ParseRequest(in[:k], &r, lim)
		if k < 2+33 && err != nil {
			t.Fatalf("k=%d: early %v", k, err)
		}
		if k == 2+33 {
			if err != ErrURITooLong {
				t.Fatalf("k=%d: got %v, want URITooLong", k, err)
			}
			break
		}
	}
	// The default limit is 8 KiB.
	long := "GET /" + strings.Repeat("a", DefaultMaxRequestLine) + " HTTP/1.1\r\nHost: a\r\n\r\n"
	if _, _, err := parseReq(long); err != ErrURITooLong {
		t.Fatalf("default: got %v", err)
	}
}
