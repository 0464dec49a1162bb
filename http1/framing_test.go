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
}

func TestTransferEncoding(t *testing.T) {
	for _, v := range []string{"chunked", "Chunked", "CHUNKED", "  chunked \t"} {
		r, _, err := parseReq(post("Transfer-Encoding: " + v + "\r\n"))
		if err != nil || !r.Chunked || r.ContentLength != -1 {
			t.Errorf("%q: chunked=%v err=%v", v, r.Chunked, err)
		}
	}
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
