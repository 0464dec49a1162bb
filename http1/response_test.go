package http1

import (
	"errors"
	"testing"
)

func TestResponse(t *testing.T) {
	type want struct {
		minor, status   int
		reason          string
		cl              int64
		chunked, cd, ka bool
		upgrade         string
	}
	cases := []struct {
		in   string
		want want
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", want{1, 200, "OK", 5, false, false, true, ""}},
		{"HTTP/1.1 204\r\n\r\n", want{1, 204, "", -1, false, true, true, ""}},
		{"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", want{1, 200, "", 0, false, false, true, ""}},
		{"HTTP/1.1 404 Not \tFound\xff\r\nContent-Length: 0\r\n\r\n", want{1, 404, "Not \tFound\xff", 0, false, false, true, ""}},
		{"HTTP/1.0 200 OK\r\n\r\n", want{0, 200, "OK", -1, false, true, false, ""}},
		{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", want{0, 200, "OK", 0, false, false, true, ""}},
		{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", want{1, 200, "OK", 0, false, false, false, ""}},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", want{1, 200, "OK", -1, true, false, true, ""}},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", want{1, 200, "OK", -1, true, false, true, ""}},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", want{1, 200, "OK", -1, true, false, true, ""}},
		// RFC 9112 §6.3 item 4: chunked not final → read to close.
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", want{1, 200, "OK", -1, false, true, false, ""}},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", want{1, 200, "OK", -1, false, true, false, ""}},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n", want{1, 200, "OK", -1, false, true, false, ""}},
		{"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", want{1, 101, "Switching Protocols", -1, false, true, true, "websocket"}},
		{"HTTP/1.1 100 Continue\r\n\r\n", want{1, 100, "Continue", -1, false, true, true, ""}},
		{"HTTP/1.1 599 X\r\n\r\n", want{1, 599, "X", -1, false, true, true, ""}},
	}
	for _, c := range cases {
		r, n, err := parseResp(c.in)
		if err != nil || n != len(c.in) {
			t.Fatalf("%q: n=%d err=%v", c.in, n, err)
		}
		got := want{r.Minor, r.Status, string(r.Reason), r.ContentLength, r.Chunked, r.CloseDelimited, r.KeepAlive, string(r.Upgrade)}
		if got != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.in, got, c.want)
		}
	}

	r, _, err := parseResp("HTTP/1.1 200 OK\r\nConnection: X-Internal\r\nX-Internal: 1\r\nSet-Cookie: a=b\r\n\r\n")
	if err != nil || r.Headers[1].Kind != KindHopByHop || r.Headers[2].Kind != KindOther {
		t.Fatalf("hop-by-hop: %v %+v", err, r.Headers)
	}

	// Response errors are the 502 twins and still match the request values.
	_, _, err = parseResp("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")
	if err == ErrContentLengthWithTransferEncoding || !errors.Is(err, ErrContentLengthWithTransferEncoding) || err.Status != 502 {
		t.Fatalf("twin: %#v", err)
	}
}

func TestResponseLimits(t *testing.T) {
	var p Parser
	r := Response{Headers: make([]Header, 0, 4)}
	head := "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
	if _, err := p.ParseResponse([]byte(head), &r, 0, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ParseResponse([]byte(head), &r, 0, 2); err == nil || err.Code != "TooManyHeaders" || err.Status != 502 {
		t.Fatalf("maxHeaders: %v", err)
	}
	if _, err := p.ParseResponse([]byte(head), &r, len(head)-1, 0); err == nil || err.Code != "HeaderTooLarge" || err.Status != 502 {
		t.Fatalf("maxHeaderBytes: %v", err)
	}
	if n, err := p.ParseResponse([]byte(head), &r, len(head), 0); n != len(head) || err != nil {
		t.Fatalf("exact: %d %v", n, err)
	}
	// A status line alone past the limit.
	p.Reset()
	if _, err := p.ParseResponse([]byte("HTTP/1.1 200 "+string(make([]byte, 100))), &r, 50, 0); err == nil || err.Code != "HeaderTooLarge" {
		t.Fatalf("long status line: %v", err)
	}
}
