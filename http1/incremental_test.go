package http1

import (
	"math/rand"
	"strings"
	"testing"
)

var validRequests = []string{
	reqGET8,
	reqBrowser20,
	"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.0\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
	"GET http://example.com:8080/x?y HTTP/1.1\r\nHost: other\r\n\r\n",
	"POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\nExpect: 100-continue\r\n\r\n",
	"POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world",
	"GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, X-Hop\r\nUpgrade: websocket\r\nX-Hop: 1\r\nX_Under: 2\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: \xff\xfe obs-text \t \r\nEmpty:\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("v", 20000) + "\r\n\r\n",
}

var invalidRequests = []string{
	"GET / HTTP/1.1\r\nHost: a\r\nX: y\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n Folded: y\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
	"GET /" + strings.Repeat("a", DefaultMaxRequestLine) + " HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("v", DefaultMaxHeaderBytes) + "\r\n\r\n",
	"GET / HTTP/1.1\r\n" + strings.Repeat("X: y\r\n", 101) + "\r\n",
	"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
	"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n\r\r\n",
}

// feedRequest feeds in to one Parser in pieces of the given sizes (the
// last piece takes the rest) and returns the first non-incomplete
// result. It also checks that scanning never looks at a byte twice.
func feedRequest(t *testing.T, in string, sizes func() int) (*Request, int, *Error, int) {
	t.Helper()
	var p Parser
	r := &Request{Headers: make([]Header, 0, DefaultMaxHeaders)}
	k := 0
	var buf []byte
	for {
		k += sizes()
		if k > len(in) {
			k = len(in)
		}
		// append moves buf now and then, as a growing connection
		// buffer does.
		buf = append(buf, in[len(buf):k]...)
		n, err := p.ParseRequest(buf, r, nil)
		if n > 0 || err != nil {
			return r, n, err, k
		}
		if !p.scanning || p.sc.pos != k {
			t.Fatalf("%.40q at %d: not scanning or pos %d", in, k, p.sc.pos)
		}
		if k == len(in) {
			return r, 0, nil, k
		}
	}
}

func TestIncrementalRequests(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, in := range validRequests {
		whole, wn, werr := parseReq(in)
		if werr != nil {
			t.Fatalf("%.60q: %v", in, werr)
		}
		want := reqSummary(whole)
		strategies := map[string]func() int{
			"byte": func() int { return 1 },
			"rand": func() int { return 1 + rng.Intn(17) },
			"big":  func() int { return 1 + rng.Intn(300) },
		}
		for name, sizes := range strategies {
			for rep := 0; rep < 3; rep++ {
				r, n, err, k := feedRequest(t, in, sizes)
				if err != nil || n != wn || reqSummary(r) != want {
					t.Fatalf("%s %.60q: n=%d (want %d) err=%v at %d\n got %s\nwant %s", name, in, n, wn, err, k, reqSummary(r), want)
				}
				if name == "byte" && k != wn {
					t.Fatalf("byte: complete only at %d, want %d", k, wn)
				}
			}
		}
	}
	for _, in := range invalidRequests {
		_, _, werr := parseReq(in)
		if werr == nil {
			t.Fatalf("%.60q accepted", in)
		}
		for _, sizes := range []func() int{func() int { return 1 }, func() int { return 1 + rng.Intn(40) }} {
			_, n, err, _ := feedRequest(t, in, sizes)
			if err == nil {
				t.Fatalf("%.60q: incremental accepted (n=%d)", in, n)
			}
			if err.Code != werr.Code {
				t.Errorf("%.60q: incremental %s, whole %s", in, err.Code, werr.Code)
			}
		}
	}
}

func TestIncrementalResponses(t *testing.T) {
	for _, in := range []string{
		respHead,
		"HTTP/1.1 204\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: X-A\r\nX-A: 1\r\n\r\nbody",
	} {
		whole, wn, werr := parseResp(in)
		if werr != nil {
			t.Fatal(werr)
		}
		var p Parser
		r := &Response{Headers: make([]Header, 0, 10)}
		for k := 1; k <= len(in); k++ {
			n, err := p.ParseResponse([]byte(in[:k]), r, 0, 0)
			if err != nil {
				t.Fatalf("%q at %d: %v", in, k, err)
			}
			if n > 0 {
				if n != wn || k != wn || respSummary(r) != respSummary(whole) {
					t.Fatalf("%q: n=%d at %d\n%s\n%s", in, n, k, respSummary(r), respSummary(whole))
				}
				break
			}
		}
	}
	// Limits while incomplete.
	var p Parser
	r := &Response{Headers: make([]Header, 0, 10)}
	in := "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n"
	var err *Error
	for k := 1; k <= len(in) && err == nil; k++ {
		_, err = p.ParseResponse([]byte(in[:k]), r, 0, 2)
	}
	if err == nil || err.Code != "TooManyHeaders" || err.Status != 502 {
		t.Fatalf("got %v", err)
	}
}

// TestParserRestart: a buffer that does not extend the previous one (the
// caller forgot Reset) is parsed from the start, not mixed up.
func TestParserRestart(t *testing.T) {
	var p Parser
	r := &Request{Headers: make([]Header, 0, 10)}
	if n, err := p.ParseRequest([]byte("GET /first HTTP/1.1\r\nHost: a\r\nX: "+strings.Repeat("y", 100)), r, nil); n != 0 || err != nil {
		t.Fatal(n, err)
	}
	in := "GET /x HTTP/1.1\r\nHost: b\r\n\r\n"
	if n, err := p.ParseRequest([]byte(in), r, nil); n != len(in) || err != nil || string(r.Path) != "/x" {
		t.Fatal(n, err, string(r.Path))
	}
	// After a complete head, the Parser is ready for the next one.
	in2 := "GET /y HTTP/1.1\r\nHost: c\r\n\r\n"
	if n, err := p.ParseRequest([]byte(in2), r, nil); n != len(in2) || err != nil || string(r.Host) != "c" {
		t.Fatal(n, err)
	}
}

var validChunked = []string{
	"5\r\nhello\r\n6;ext=\"q s\"\r\n world\r\n0\r\nX-Sum: 1\r\nX-Other: two words\r\n\r\n",
	string(chunkedBody()),
	"0\r\n\r\n",
	"1;" + strings.Repeat("e", 3000) + "\r\nx\r\n0;z\r\nA: " + strings.Repeat("t", 5000) + "\r\n\r\n",
}

// feedChunked decodes in, handing the decoder pieces of the given sizes
// appended to whatever it left unconsumed, as a connection buffer would.
func feedChunked(in string, sizes func() int) decoded {
	var d ChunkedDecoder
	var out decoded
	var data strings.Builder
	var pending []byte
	k := 0
	for k < len(in) {
		step := min(sizes(), len(in)-k)
		pending = append(pending, in[k:k+step]...)
		k += step
	loop:
		for {
			n, ev, b, tr, err := d.Next(pending)
			out.n += n
			if err != nil {
				out.err = err
				out.data = data.String()
				return out
			}
			switch ev {
			case ChunkData:
				data.Write(b)
			case ChunkTrailer:
				out.trailers = append(out.trailers, string(tr.Name)+": "+string(tr.Value))
			case ChunkDone:
				out.done = true
			}
			// Drop what was consumed; copy so that nothing keeps
			// pointing at consumed bytes.
			pending = append([]byte(nil), pending[n:]...)
			if ev == ChunkMore || ev == ChunkDone {
				break loop
			}
		}
		if out.done {
			break
		}
	}
	out.data = data.String()
	return out
}

func TestIncrementalChunked(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, in := range validChunked {
		want := decodeAll([]byte(in))
		if want.err != nil || !want.done {
			t.Fatalf("%.40q: %+v", in, want)
		}
		for name, sizes := range map[string]func() int{
			"byte": func() int { return 1 },
			"rand": func() int { return 1 + rng.Intn(23) },
		} {
			got := feedChunked(in, sizes)
			if got.err != nil || !got.done || got.n != want.n || got.data != want.data || strings.Join(got.trailers, "|") != strings.Join(want.trailers, "|") {
				t.Fatalf("%s %.40q: got n=%d err=%v done=%v trailers=%q", name, in, got.n, got.err, got.done, got.trailers)
			}
		}
	}
	for _, in := range []string{"5\r\nhelloX\r\n", "1;\na\r\n", "0\r\nContent-Length: 1\r\n\r\n", "0\r\nX: y\n\r\n"} {
		want := decodeAll([]byte(in))
		got := feedChunked(in, func() int { return 1 })
		if want.err == nil || got.err == nil || want.err.Code != got.err.Code {
			t.Fatalf("%q: whole %v, bytes %v", in, want.err, got.err)
		}
	}
}
