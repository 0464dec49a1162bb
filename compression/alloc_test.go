//go:build !race

package compression

import (
	"testing"

	"github.com/edgegate/edgegate/http1"
)

// keepRelayed stands for the edge's filter (a top-level func: no closure).
func keepRelayed(h *http1.Header) bool { return h.Kind != http1.KindTransferEncoding }

// TestZeroAllocs: after warm-up, a whole compressed response (request
// info, decision, encoder from the pool, head edits, body, close, put
// back) allocates nothing, for each coding.
func TestZeroAllocs(t *testing.T) {
	body := readJSON(t)
	pol := mustPolicy(t, Config{Enabled: true})
	pool := NewPool(PoolConfig{})
	var p http1.Parser
	req := &http1.Request{Headers: make([]http1.Header, 0, 32)}
	resp := &http1.Response{Headers: make([]http1.Header, 0, 32)}
	rawResp := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16013\r\nETag: \"x\"\r\nVary: Origin\r\n\r\n")
	if n, err := p.ParseResponse(rawResp, resp, 0, 0); n == 0 || err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 0, 64<<10)
	for _, ae := range []string{"gzip", "zstd", "br"} {
		rawReq := []byte("GET /v1/users HTTP/1.1\r\nHost: a\r\nAccept-Encoding: " + ae + ", deflate;q=0.5\r\nCache-Control: max-age=0\r\n\r\n")
		p.Reset()
		if n, err := p.ParseRequest(rawReq, req, &http1.Limits{}); n == 0 || err != nil {
			t.Fatal(err)
		}
		var d Decision
		run := func() {
			ri := RequestInfo(req)
			h := HeadOf(resp)
			d = Decide(&ri, &h, pol)
			enc := pool.Acquire(&d, pol)
			dst = d.AppendHead(dst[:0], resp.Headers, keepRelayed)
			if enc != nil {
				dst = enc.Write(dst, body[:7000])
				dst = enc.Write(dst, body[7000:])
				dst = enc.Close(dst)
				pool.Put(enc)
			}
		}
		run() // warm-up: the pool builds its encoder
		if a := testing.AllocsPerRun(50, run); a != 0 {
			t.Errorf("%s: %v allocations per response", ae, a)
		}
		if (ae == "br") == d.Compress() {
			t.Errorf("%s: compress = %v", ae, d.Compress())
		}
	}
	if a := testing.AllocsPerRun(100, func() { Negotiate([]byte("zstd;q=0.9, gzip;q=0.8, *;q=0"), offerZG) }); a != 0 {
		t.Errorf("Negotiate: %v allocations", a)
	}
}
