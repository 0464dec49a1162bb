package http1

import (
	"strings"
	"testing"
)

// Cases ported from Go's own net/http tests. Where our answer differs from
// Go's, the case says so; CODES.md lists each deviation.

// TestGoReadRequestErrors: readRequestErrorTests (request_test.go) 1 and
// 2; the others are in testdata/cases.txt.
func TestGoReadRequestErrors(t *testing.T) {
	// 1 and 2: incomplete input is (0, nil), not an error.
	for _, in := range []string{"GET / HTTP/1.1\r\nheader:foo\r\n", ""} {
		if _, n, err := parseReq(in); n != 0 || err != nil {
			t.Errorf("%q: n=%d err=%v", in, n, err)
		}
	}
}

// TestGoServerValidatesHeaders ports TestServerValidatesHeaders
// (serve_test.go): 200 means accept, 400 and 431 reject.
func TestGoServerValidatesHeaders(t *testing.T) {
	tests := []struct {
		header string
		code   string
	}{
		{"", ""},
		{"Foo: bar\r\n", ""},
		{"X-Foo: bar\r\n", ""},
		{"Foo: a space\r\n", ""},
		{"A space: foo\r\n", "BadHeaderName"},
		{"foo\xffbar: foo\r\n", "BadHeaderName"},
		{"foo\x00bar: foo\r\n", "BadHeaderName"},
		{"Foo: " + strings.Repeat("x", 1<<21) + "\r\n", "HeaderTooLarge"},
		{"Foo : bar\r\n", "BadHeaderName"},
		{"Foo\t: bar\r\n", "BadHeaderName"},
		{": empty key\r\n", "BadHeaderName"},
		{"Content-Length: notdigits\r\n", "BadContentLength"},
		{"Content-Length: notdigits\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "BadContentLength"},
		{"foo: foo foo\r\n", ""},
		{"foo: foo\tfoo\r\n", ""},
		{"foo: foo\x00foo\r\n", "BadHeaderValue"},
		{"foo: foo\x7ffoo\r\n", "BadHeaderValue"},
		{"foo: foo\xfffoo\r\n", ""},
	}
	for _, tt := range tests {
		in := "GET / HTTP/1.1\r\nHost: foo\r\n" + tt.header + "\r\n"
		_, n, err := parseReq(in)
		switch {
		case tt.code == "" && err != nil:
			t.Errorf("%.40q: %v", tt.header, err)
		case tt.code != "" && (err == nil || err.Code != tt.code):
			t.Errorf("%.40q: got %v (n=%d), want %s", tt.header, err, n, tt.code)
		}
	}
}

// TestGoChunkInvalidInputs and TestGoChunkReaderTooMuchOverhead are in
// chunked_test.go (TestChunkedInvalid, TestChunkedOverhead).
