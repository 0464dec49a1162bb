package http1

import "testing"

func TestContentLength(t *testing.T) {
	ok := map[string]int64{
		"0": 0, "5": 5, "007": 7, "9223372036854775807": 1<<63 - 1, "  42  ": 42, "\t1\t": 1,
	}
	for v, want := range ok {
		r, _, err := parseReq(post("Content-Length: " + v + "\r\n"))
		if err != nil || r.ContentLength != want || r.Chunked {
			t.Errorf("%q: cl=%d err=%v", v, r.ContentLength, err)
		}
	}
	r, _, _ := parseReq(get())
	if r.ContentLength != -1 {
		t.Errorf("no Content-Length: %d", r.ContentLength)
	}
	runRequestCases(t, []codeCase{
		{"plus (garden #10)", post("Content-Length: +1\r\n"), "BadContentLength"},
		{"plus underscore", post("Content-Length: +1_0\r\n"), "BadContentLength"},
		{"minus", post("Content-Length: -1\r\n"), "BadContentLength"},
		{"underscore", post("Content-Length: 1_000\r\n"), "BadContentLength"},
		{"empty (garden #16)", post("Content-Length: \r\n"), "BadContentLength"},
		{"empty no OWS", post("Content-Length:\r\n"), "BadContentLength"},
		{"space inside", post("Content-Length: 1 2\r\n"), "BadContentLength"},
		{"hex", post("Content-Length: 0x10\r\n"), "BadContentLength"},
		{"decimal point", post("Content-Length: 1.0\r\n"), "BadContentLength"},
		{"list", post("Content-Length: 5, 5\r\n"), "BadContentLength"},
		{"list no space", post("Content-Length: 5,5\r\n"), "BadContentLength"},
		{"int63 overflow", post("Content-Length: 9223372036854775808\r\n"), "BadContentLength"},
		{"uint64 overflow", post("Content-Length: 18446744073709551616\r\n"), "BadContentLength"},
		{"20 digits", post("Content-Length: 00000000000000000001\r\n"), "BadContentLength"},
		{"notdigits", post("Content-Length: notdigits\r\n"), "BadContentLength"},
		{"notdigits with TE (Go serve_test)", post("Content-Length: notdigits\r\n", "Transfer-Encoding: chunked\r\n"), "BadContentLength"},
		{"non-ASCII digit", post("Content-Length: \xd9\xa1\r\n"), "BadContentLength"},
		// RFC 9110 §8.6 lets a recipient accept identical repeats; we do not.
		{"two equal (Go accepts)", post("Content-Length: 5\r\n", "Content-Length: 5\r\n"), "DuplicateContentLength"},
		{"two different (Go smuggle_two_contentlen)", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc", "DuplicateContentLength"},
		{"two different HEAD", "HEAD / HTTP/1.1\r\nHost: foo\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n1234", "DuplicateContentLength"},
		{"two with case", post("Content-Length: 5\r\n", "content-length: 5\r\n"), "DuplicateContentLength"},
	})
}

func TestTransferEncoding(t *testing.T) {
	for _, v := range []string{"chunked", "Chunked", "CHUNKED", "  chunked \t"} {
		r, _, err := parseReq(post("Transfer-Encoding: " + v + "\r\n"))
		if err != nil || !r.Chunked || r.ContentLength != -1 {
			t.Errorf("%q: chunked=%v err=%v", v, r.Chunked, err)
		}
	}
	runRequestCases(t, []codeCase{
		{"CL then TE", post("Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n"), "ContentLengthWithTransferEncoding"},
		{"TE then CL", post("Transfer-Encoding: chunked\r\n", "Content-Length: 5\r\n"), "ContentLengthWithTransferEncoding"},
		{"CL 0 with TE", post("Content-Length: 0\r\n", "Transfer-Encoding: chunked\r\n"), "ContentLengthWithTransferEncoding"},
		{"chunked, identity", post("Transfer-Encoding: chunked, identity\r\n"), "BadTransferEncoding"},
		{"identity, chunked", post("Transfer-Encoding: identity, chunked\r\n"), "BadTransferEncoding"},
		{"identity", post("Transfer-Encoding: identity\r\n"), "BadTransferEncoding"},
		{"chunked twice", post("Transfer-Encoding: chunked, chunked\r\n"), "BadTransferEncoding"},
		{"chunked twice in two fields (garden #11)", post("Transfer-Encoding: chunked\r\n", "Transfer-Encoding: chunked\r\n"), "BadTransferEncoding"},
		{"chunked then other field", post("Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\n"), "BadTransferEncoding"},
		{"chunked, gzip", post("Transfer-Encoding: chunked, gzip\r\n"), "BadTransferEncoding"},
		{"gzip only", post("Transfer-Encoding: gzip\r\n"), "BadTransferEncoding"},
		{"unknown, chunked (node hackerone 735748)", post("Transfer-Encoding: eee, chunked\r\n"), "BadTransferEncoding"},
		{"xchunked", post("Transfer-Encoding: xchunked\r\n"), "BadTransferEncoding"},
		{"chunk", post("Transfer-Encoding: chunk\r\n"), "BadTransferEncoding"},
		{"nbsp chunked (garden #12)", post("Transfer-Encoding: \xa0chunked\xa0\r\n"), "BadTransferEncoding"},
		{"nel chunked", post("Transfer-Encoding: \x85chunked\r\n"), "BadTransferEncoding"},
		{"parameters", post("Transfer-Encoding: chunked;q=1\r\n"), "BadTransferEncoding"},
		{"leading comma", post("Transfer-Encoding: ,chunked\r\n"), "BadTransferEncoding"},
		{"trailing comma", post("Transfer-Encoding: chunked,\r\n"), "BadTransferEncoding"},
		{"trailing comma space", post("Transfer-Encoding: chunked, \r\n"), "BadTransferEncoding"},
		{"empty", post("Transfer-Encoding: \r\n"), "BadTransferEncoding"},
		{"empty field and chunked", post("Transfer-Encoding:\r\n", "Transfer-Encoding: chunked\r\n"), "BadTransferEncoding"},
		{"quoted", post("Transfer-Encoding: \"chunked\"\r\n"), "BadTransferEncoding"},
		{"space inside", post("Transfer-Encoding: ch unked\r\n"), "BadTransferEncoding"},
		{"VT after", post("Transfer-Encoding: chunked\x0b\r\n"), "BadHeaderValue"},
		{"gzip, chunked", post("Transfer-Encoding: gzip, chunked\r\n"), "UnsupportedTransferEncoding"},
		{"deflate,chunked", post("Transfer-Encoding: deflate,chunked\r\n"), "UnsupportedTransferEncoding"},
		{"gzip field then chunked field", post("Transfer-Encoding: gzip\r\n", "Transfer-Encoding: chunked\r\n"), "UnsupportedTransferEncoding"},
		{"HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "TransferEncodingInHTTP10"},
		{"HTTP/1.0 with CL", "POST / HTTP/1.0\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "TransferEncodingInHTTP10"},
		{"HTTP/1.0 bad TE", "POST / HTTP/1.0\r\nTransfer-Encoding: foo\r\n\r\n", "TransferEncodingInHTTP10"},
		{"TE space before colon", post("Transfer-Encoding : chunked\r\n"), "BadHeaderName"},
		{"TE tab OWS is fine", post("Transfer-Encoding:\tchunked\r\n"), ""},

		// A chunked request may not announce a trailer that Next rejects.
		{"Trailer: Content-Length", post("Transfer-Encoding: chunked\r\n", "Trailer: X-Sum, Content-Length\r\n"), "ForbiddenTrailer"},
		{"Trailer: transfer-encoding", post("Transfer-Encoding: chunked\r\n", "Trailer: transfer-encoding\r\n"), "ForbiddenTrailer"},
		{"Trailer: Host", post("Transfer-Encoding: chunked\r\n", "Trailer: Host\r\n"), "ForbiddenTrailer"},
		{"Trailer: X-Sum", post("Transfer-Encoding: chunked\r\n", "Trailer: X-Sum\r\n"), ""},
		{"Trailer without chunked", post("Content-Length: 0\r\n", "Trailer: Content-Length\r\n"), ""},
	})
	if ErrUnsupportedTransferEncoding.Status != 501 || ErrBadTransferEncoding.Status != 400 {
		t.Fatal("statuses")
	}
}

func TestPersistenceAndUpgrade(t *testing.T) {
	cases := []struct {
		in            string
		keepAlive, ec bool
		upgrade       string
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true, false, ""},
		{get("Connection: close\r\n"), false, false, ""},
		{get("Connection: Keep-Alive, CLOSE\r\n"), false, false, ""},
		{get("Connection: keep-alive\r\n", "Connection: close\r\n"), false, false, ""},
		{"GET / HTTP/1.0\r\n\r\n", false, false, ""},
		{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, false, ""},
		{"GET / HTTP/1.0\r\nConnection: KEEP-ALIVE, close\r\n\r\n", false, false, ""},
		{get("Expect: 100-continue\r\n"), true, true, ""},
		{get("Expect: 100-Continue\r\n"), true, true, ""},
		{get("Expect: 100-continue, foo\r\n"), true, false, ""},
		{"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", false, false, ""},
		{get("Connection: Upgrade\r\n", "Upgrade: websocket\r\n"), true, false, "websocket"},
		{get("Upgrade: websocket\r\n", "Connection: keep-alive, upgrade\r\n"), true, false, "websocket"},
		{get("Upgrade: websocket\r\n", "Upgrade: h2c\r\n", "Connection: upgrade\r\n"), true, false, "websocket"},
		{get("Upgrade: websocket\r\n"), true, false, ""},
		{"GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n", false, false, ""},
	}
	for _, c := range cases {
		r, _, err := parseReq(c.in)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if r.KeepAlive != c.keepAlive || r.ExpectContinue != c.ec || string(r.Upgrade) != c.upgrade {
			t.Errorf("%q: keepalive=%v expect=%v upgrade=%q", c.in, r.KeepAlive, r.ExpectContinue, r.Upgrade)
		}
		if c.upgrade == "" && r.Upgrade != nil {
			t.Errorf("%q: Upgrade should be nil", c.in)
		}
	}
}
