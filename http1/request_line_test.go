package http1

import (
	"strings"
	"testing"
)

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
