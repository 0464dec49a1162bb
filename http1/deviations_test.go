package http1

import (
	"strings"
	"testing"
)

// TestDocumentedDeviations pins each "Deviations from net/http" entry in
// CODES.md to an input that Go's server accepts and we reject, with the
// code we give and the differential exception that covers it. If Go
// changes, or we do, this test says which line of CODES.md is stale.
func TestDocumentedDeviations(t *testing.T) {
	cases := []struct {
		exception, code, in string
	}{
		{"bareLF", "BareLF", "GET / HTTP/1.1\nHost: a\n\n"},
		{"bareLF", "BareLF", "GET / HTTP/1.1\r\nHost: a\r\nX: y\n\r\n"},
		{"obsFold", "ObsFold", "GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n"},
		{"duplicateContentLength", "DuplicateContentLength", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"},
		{"contentLengthDigits", "BadContentLength", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 00000000000000000001\r\n\r\n"},
		{"transferEncodingInHTTP10", "TransferEncodingInHTTP10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"},
		{"contentLengthWithTransferEncoding", "ContentLengthWithTransferEncoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"},
		{"strictHost", "BadHost", "GET / HTTP/1.1\r\nHost: ::1\r\n\r\n"},
		{"strictHost", "BadHost", "GET / HTTP/1.1\r\nHost: [::1%25en0]\r\n\r\n"},
		{"strictHost", "BadHost", "GET / HTTP/1.1\r\nHost: ex%61mple.com\r\n\r\n"},
		{"strictHost", "BadHost", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n"},
		{"strictHost", "BadHost", "GET http://user@a/ HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"strictHost", "BadHost", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"targetBytes", "BadTarget", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"targetBytes", "BadTarget", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"targetForm", "BadTarget", "GET * HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"targetForm", "BadTarget", "GET mailto:a@b HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"targetForm", "BadTarget", "GET http:/x HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"targetForm", "UnsupportedMethod", "CONNECT example.com:443 HTTP/1.1\r\n\r\n"},
		{"emptyTarget", "BadRequestLine", "CONNECT  HTTP/1.0\r\n\r\n"},
		{"version", "BadVersion", "GET / HTTP/1.2\r\nHost: a\r\n\r\n"},
		{"version", "BadVersion", "PRI * HTTP/2.0\r\n\r\n"},
		{"connectionOptions", "BadConnection", "GET / HTTP/1.1\r\nHost: a\r\nConnection: a b\r\n\r\n"},
		{"connectionOptions", "BadConnection", "GET / HTTP/1.1\r\nHost: a\r\nConnection: " + options(33) + "\r\n\r\n"},
		{"trailerDeclaration", "ForbiddenTrailer", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: Host\r\n\r\n"},
		{"limits", "URITooLong", "GET /" + strings.Repeat("a", DefaultMaxRequestLine) + " HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"limits", "TooManyHeaders", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: y\r\n", DefaultMaxHeaders) + "\r\n"},
	}
	for _, c := range cases {
		g := goParseRequest([]byte(c.in))
		if g.req == nil {
			t.Errorf("%s: Go rejects %.60q (%v): no longer a deviation", c.exception, c.in, g.err)
			continue
		}
		_, _, err := parseReq(c.in)
		if err == nil || err.Code != c.code {
			t.Errorf("%s: we give %v for %.60q, want %s", c.exception, err, c.in, c.code)
			continue
		}
		if _, ok := excused(requestExceptions, newDiffCase([]byte(c.in), g), c.code, c.exception); !ok {
			t.Errorf("%s does not cover %.60q", c.exception, c.in)
		}
	}

	// The leniency: Go's server skips empty lines before a request-line
	// only after a POST; we always do (RFC 9112 §2.2).
	in := "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
	if g := goParseRequest([]byte(in)); g.req != nil {
		t.Error("Go now accepts a leading CRLF: update CODES.md")
	}
	if _, n, err := parseReq(in); err != nil || n != len(in) {
		t.Errorf("leading CRLF: %d %v", n, err)
	}

	// Chunked bodies: Go accepts, we reject.
	for _, c := range []struct{ exception, code, in string }{
		{"chunkLineSyntax", "BadChunk", "5 \r\nhello\r\n0\r\n\r\n"},
		{"chunkLineSyntax", "BadChunk", "5;a b\r\nhello\r\n0\r\n\r\n"},
		{"chunkLineSyntax", "BadChunk", "5;\"\r\nhello\r\n0\r\n\r\n"},
		{"trailerBareLF", "BareLF", "0\r\nX: y\nZ: w\r\n\r\n"},
		{"trailerObsFold", "ObsFold", "0\r\nX: y\r\n z\r\n\r\n"},
		{"trailerNameSpace", "BadHeaderName", "0\r\nX Y: z\r\n\r\n"},
		{"forbiddenTrailer", "ForbiddenTrailer", "0\r\nContent-Length: 5\r\n\r\n"},
		{"tooManyTrailers", "TrailerTooLarge", "0\r\n" + strings.Repeat("a:\r\n", MaxTrailers+1) + "\r\n"},
	} {
		g := goDecodeChunked([]byte(c.in))
		if g.err != nil {
			t.Errorf("%s: Go rejects %q (%v)", c.exception, c.in, g.err)
			continue
		}
		if got := decodeAll([]byte(c.in)); got.err == nil || got.err.Code != c.code {
			t.Errorf("%s: we give %v for %q, want %s", c.exception, got.err, c.in, c.code)
			continue
		}
		if _, ok := excused(chunkedExceptions, newChunkCase([]byte(c.in)[:g.consumed]), c.code, c.exception); !ok {
			t.Errorf("%s does not cover %q", c.exception, c.in)
		}
	}
	// And the other way: an 8 KiB trailer section is ours to accept.
	big := "0\r\nX: " + strings.Repeat("v", 5000) + "\r\n\r\n"
	if g := goDecodeChunked([]byte(big)); g.err == nil {
		t.Error("Go now accepts a 5 KB trailer: update CODES.md")
	}
	if got := decodeAll([]byte(big)); !got.done {
		t.Errorf("5 KB trailer: %v", got.err)
	}
}
