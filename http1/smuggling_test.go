package http1

import "testing"

// TestSmugglingShapes runs the classic desync shapes (PortSwigger's CL.TE,
// TE.CL and TE.TE families, llhttp and http-garden payloads) through the
// head parser and, where the head passes, the chunked decoder. Every one
// must be rejected, or be unambiguous.
func TestSmugglingShapes(t *testing.T) {
	const smuggled = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n"
	runRequestCases(t, []codeCase{
		{"CL.TE", post("Content-Length: 13\r\n", "Transfer-Encoding: chunked\r\n") + "0\r\n\r\nSMUGGLED", "ContentLengthWithTransferEncoding"},
		{"TE.CL", post("Content-Length: 3\r\n", "Transfer-Encoding: chunked\r\n") + "8\r\nSMUGGLED\r\n0\r\n\r\n", "ContentLengthWithTransferEncoding"},
		{"TE.TE xchunked", post("Transfer-Encoding: chunked\r\n", "Transfer-Encoding: x\r\n"), "BadTransferEncoding"},
		{"TE.TE space before colon", post("Transfer-Encoding : chunked\r\n"), "BadHeaderName"},
		{"TE.TE tab prefix fold", post("X: X\r\n", "\tTransfer-Encoding: chunked\r\n"), "ObsFold"},
		{"TE.TE LF before colon", post("Transfer-Encoding\n: chunked\r\n"), "BareLF"},
		{"TE.TE X: X[LF]Transfer-Encoding", post("X: X\nTransfer-Encoding: chunked\r\n"), "BareLF"},
		{"TE.TE quoted", post("Transfer-Encoding: \"chunked\"\r\n"), "BadTransferEncoding"},
		{"TE.TE identity first", post("Transfer-Encoding: identity\r\n", "Transfer-Encoding: chunked\r\n"), "BadTransferEncoding"},
		{"TE.TE chunked cased", post("Transfer-Encoding: cHuNkEd\r\n"), ""},
		{"TE.TE nbsp", post("Transfer-Encoding: \xa0chunked\r\n"), "BadTransferEncoding"},
		{"TE.TE vertical tab", post("Transfer-Encoding:\x0bchunked\r\n"), "BadHeaderValue"},
		{"TE.TE CR in name", post("Transfer\r-Encoding: chunked\r\n"), "BareCR"},
		{"TE underscore", post("Transfer_Encoding: chunked\r\n", "Content-Length: 5\r\n"), ""},
		{"CL.CL", post("Content-Length: 0\r\n", "Content-Length: 44\r\n") + smuggled, "DuplicateContentLength"},
		{"CL plus", post("Content-Length: +44\r\n"), "BadContentLength"},
		{"CL list", post("Content-Length: 0, 44\r\n"), "BadContentLength"},
		{"CL in HTTP/1.0 with TE", "POST / HTTP/1.0\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n", "TransferEncodingInHTTP10"},
		{"HTTP/1.0 TE only", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "TransferEncodingInHTTP10"},
		{"bare CR line end", post("Content-Length: 0\r", "X: y\r\n"), "BareCR"},
		{"bare LF head end", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\n\n" + smuggled, "BareLF"},
		{"header then LF CRLF", "POST / HTTP/1.1\r\nHost: a\r\nX: y\n\r\n", "BareLF"},
		{"absolute-form odd authority", "GET http://a@b/ HTTP/1.1\r\nHost: a\r\n\r\n", "BadHost"},
		{"absolute-form backslash", "GET http://evil.com\\@good.com/ HTTP/1.1\r\nHost: a\r\n\r\n", "BadHost"},
		{"Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "BadHost"},
		{"Host userinfo", "GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", "BadHost"},
		{"Host list", "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", ""}, // ',' is a sub-delim: one (odd) reg-name
		{"Host obs-fold", "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", "ObsFold"},
		{"empty header name then end (garden #18)", "GET / HTTP/1.1\r\n:\r\nHost: a\r\n\r\n", "BadHeaderName"},
	})

	// Bodies: the head passes, the chunked framing must not.
	bodies := []codeCase{
		{"chunk size 0x", "0x10\r\n" + smuggled, "BadChunk"},
		{"empty chunk size", "\r\n\r\n" + smuggled, "BadChunk"},
		{"huge chunk size", "ffffffffffffffffff\r\n", "BadChunk"},
		{"chunk size overflow wrap", "10000000000000000\r\n", "BadChunk"},
		{"chunk ext LF (fasthttp #1899)", "2;\nxx\r\n45\r\n0\r\n\r\n" + smuggled, "BadChunk"},
		{"chunk ext quoted LF", "2;a=\"\n\"\r\nxx\r\n0\r\n\r\n", "BadChunk"},
		{"chunk size LF only", "5\nhello\r\n0\r\n\r\n", "BadChunk"},
		{"data overrun (TE.CL)", "3\r\nabcdef\r\n0\r\n\r\n", "BadChunk"},
		{"trailer Content-Length", "0\r\nContent-Length: 44\r\n\r\n" + smuggled, "ForbiddenTrailer"},
		{"trailer Transfer-Encoding", "0\r\nTransfer-Encoding: chunked\r\n\r\n", "ForbiddenTrailer"},
		{"trailer Host", "0\r\nHost: admin\r\n\r\n", "ForbiddenTrailer"},
		{"trailer bare LF end", "0\r\nX: y\r\n\n" + smuggled, "BareLF"},
		{"last chunk bare LF", "0\n\n" + smuggled, "BadChunk"},
		{"chunk size with space (llhttp)", "25  \r\n", "BadChunk"},
		{"size underscore (garden #1)", "0_2e\r\n\r\n" + smuggled, "BadChunk"},
	}
	for _, c := range bodies {
		t.Run(c.name, func(t *testing.T) {
			got := decodeAll([]byte(c.in))
			if got.err == nil || got.err.Code != c.code {
				t.Fatalf("%q: %+v, want %s", c.in, got, c.code)
			}
		})
	}
}
