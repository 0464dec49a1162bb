//go:build !race

package http1

import (
	"strings"
	"testing"
)

// The parser must not allocate on any path, accepting or rejecting.
func TestZeroAllocs(t *testing.T) {
	check := func(name string, f func()) {
		t.Helper()
		if n := testing.AllocsPerRun(200, f); n != 0 {
			t.Errorf("%s: %.1f allocs/op", name, n)
		}
	}
	var p Parser
	r := Request{Headers: make([]Header, 0, DefaultMaxHeaders)}
	// Connection options mark fields hop-by-hop (markHopByHop).
	hop := get("Connection: X-Custom, keep-alive\r\n", "X-Custom: 1\r\n")
	for _, s := range append(append(caseInputs(t, "request"), validRequests...), append(invalidRequests, hop)...) {
		buf := []byte(s)
		check("request "+s[:min(len(s), 30)], func() { p.ParseRequest(buf, &r, nil) })
	}
	// The incremental path.
	get := []byte(reqBrowser20)
	check("request byte by byte", func() {
		p.Reset()
		for k := 1; k <= len(get); k++ {
			p.ParseRequest(get[:k], &r, nil)
		}
	})

	var rp Parser
	resp := Response{Headers: make([]Header, 0, DefaultMaxHeaders)}
	for _, s := range append(caseInputs(t, "response"), respHead, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.1 200 OK\r\nX: a\n\r\n") {
		buf := []byte(s)
		check("response", func() { rp.ParseResponse(buf, &resp, 0, 0) })
	}
	head := []byte(respHead)
	check("response byte by byte", func() {
		rp.Reset()
		for k := 1; k <= len(head); k++ {
			rp.ParseResponse(head[:k], &resp, 0, 0)
		}
	})

	var d ChunkedDecoder
	for _, s := range append(append([]string{}, validChunked...), "5\r\nhelloX", "0\r\nContent-Length: 1\r\n\r\n", "1;"+strings.Repeat("a", 5000)) {
		body := []byte(s)
		check("chunked", func() {
			d.Reset()
			in := body
			for {
				n, ev, _, _, err := d.Next(in)
				in = in[n:]
				if err != nil || ev == ChunkMore || ev == ChunkDone {
					return
				}
			}
		})
	}
	body := []byte(validChunked[0])
	check("chunked byte by byte", func() {
		d.Reset()
		pending := 0 // in = body[start : start+pending+1]
		start := 0
		for start+pending < len(body) {
			n, _, _, _, err := d.Next(body[start : start+pending+1])
			if err != nil {
				return
			}
			start += n
			pending = pending + 1 - n
		}
	})

	dst := make([]byte, 0, 64)
	check("AppendChunkHeader", func() { dst = AppendChunkHeader(dst[:0], 123456) })
}
