package compression

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/edgegate/edgegate/http1"
)

// parseResp parses a response head written as "Status\nName: value\n...".
func parseResp(t testing.TB, head string) *http1.Response {
	t.Helper()
	raw := "HTTP/1.1 " + strings.ReplaceAll(head, "\n", "\r\n") + "\r\n\r\n"
	var p http1.Parser
	r := &http1.Response{Headers: make([]http1.Header, 0, 32)}
	n, err := p.ParseResponse([]byte(raw), r, 0, 0)
	if err != nil || n == 0 {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return r
}

func mustPolicy(t testing.TB, c Config) *Policy {
	t.Helper()
	p, err := c.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecideTable(t *testing.T) {
	on := mustPolicy(t, Config{Enabled: true})
	off := mustPolicy(t, Config{})
	gzOnly := mustPolicy(t, Config{Enabled: true, Codings: []string{"gzip"}, MinSize: 1})
	get := ReqInfo{}
	get.Accept.Add([]byte("gzip, zstd"))
	getGz := ReqInfo{}
	getGz.Accept.Add([]byte("gzip"))
	const json = "200 OK\nContent-Type: application/json\nContent-Length: 5000"
	for _, c := range []struct {
		name   string
		req    ReqInfo
		head   string
		pol    *Policy
		want   Coding
		reason Reason
		vary   bool
	}{
		{"json", get, json, on, Zstd, Compressed, true},
		{"json gzip client", getGz, json, on, Gzip, Compressed, true},
		{"switch off", get, json, off, Identity, Off, false},
		{"nil policy", get, json, nil, Identity, Off, false},
		{"HEAD", ReqInfo{Accept: get.Accept, Head: true}, json, on, Identity, NoBody, false},
		{"204", get, "204 No Content\nContent-Type: application/json", on, Identity, NoBody, false},
		{"304", get, "304 Not Modified\nContent-Type: application/json\nETag: \"x\"", on, Identity, NoBody, false},
		{"empty body", get, "200 OK\nContent-Type: application/json\nContent-Length: 0", on, Identity, NoBody, false},
		{"206", get, "206 Partial Content\nContent-Type: application/json\nContent-Range: bytes 0-99/5000\nContent-Length: 100", on, Identity, Partial, false},
		{"Content-Range on 200", get, json + "\nContent-Range: bytes 0-4999/5000", on, Identity, Partial, false},
		{"HTTP/1.0 client", ReqInfo{Accept: get.Accept, HTTP10: true}, json, on, Identity, HTTP10, false},
		{"request no-transform", ReqInfo{Accept: get.Accept, NoTransform: true}, json, on, Identity, NoTransform, false},
		{"response no-transform", get, json + "\nCache-Control: public, NO-TRANSFORM", on, Identity, NoTransform, false},
		{"already gzip", get, json + "\nContent-Encoding: gzip", on, Identity, Encoded, false},
		{"already identity-labelled", get, json + "\ncontent-encoding: identity", on, Identity, Encoded, false},
		{"digest", get, json + "\nContent-Digest: sha-256=:abc=:", on, Identity, Digest, false},
		{"repr digest", get, json + "\nRepr-Digest: sha-256=:abc=:", on, Identity, Digest, false},
		{"md5", get, json + "\nContent-MD5: abc", on, Identity, Digest, false},
		{"no type", get, "200 OK\nContent-Length: 5000", on, Identity, Type, false},
		{"png", get, "200 OK\nContent-Type: image/png\nContent-Length: 5000", on, Identity, Type, false},
		{"svg", get, "200 OK\nContent-Type: image/svg+xml\nContent-Length: 5000", on, Zstd, Compressed, true},
		{"zip", get, "200 OK\nContent-Type: application/zip\nContent-Length: 5000", on, Identity, Type, false},
		{"video", get, "200 OK\nContent-Type: video/mp4\nContent-Length: 5000", on, Identity, Type, false},
		{"event stream", get, "200 OK\nContent-Type: text/event-stream\nTransfer-Encoding: chunked", on, Identity, Type, false},
		{"html charset", get, "200 OK\nContent-Type: Text/HTML; charset=utf-8\nContent-Length: 5000", on, Zstd, Compressed, true},
		{"problem+json", get, "404 Not Found\nContent-Type: application/problem+json\nContent-Length: 5000", on, Zstd, Compressed, true},
		{"atom+xml", get, "200 OK\nContent-Type: application/atom+xml\nContent-Length: 5000", on, Zstd, Compressed, true},
		{"small", get, "200 OK\nContent-Type: application/json\nContent-Length: 1023", on, Identity, Small, false},
		{"at min size", get, "200 OK\nContent-Type: application/json\nContent-Length: 1024", on, Zstd, Compressed, true},
		{"min size 1", get, "200 OK\nContent-Type: application/json\nContent-Length: 1", gzOnly, Gzip, Compressed, true},
		{"chunked, unknown length", get, "200 OK\nContent-Type: application/json\nTransfer-Encoding: chunked", on, Zstd, Compressed, true},
		{"close-delimited", get, "200 OK\nContent-Type: application/json", on, Zstd, Compressed, true},
		{"no Accept-Encoding", ReqInfo{}, json, on, Identity, NotAccepted, true},
		{"only br", ReqInfo{Accept: acceptOf("br")}, json, on, Identity, NotAccepted, true},
		{"zstd client, gzip offer", ReqInfo{Accept: acceptOf("zstd")}, json, gzOnly, Identity, NotAccepted, true},
		{"500 page", get, "500 Internal Server Error\nContent-Type: text/html\nContent-Length: 5000", on, Zstd, Compressed, true},
	} {
		r := parseResp(t, c.head)
		h := HeadOf(r)
		d := Decide(&c.req, &h, c.pol)
		if d.Coding != c.want || d.Reason != c.reason || d.vary != c.vary {
			t.Errorf("%s: got %v/%v vary=%v, want %v/%v vary=%v", c.name, d.Coding, d.Reason, d.vary, c.want, c.reason, c.vary)
		}
	}
}

func acceptOf(s string) Accept {
	var a Accept
	a.Add([]byte(s))
	return a
}

// TestKnownShortChunked: the edge may set Length for a chunked body that
// ended with the head; a short one is then sent as it is.
func TestKnownShortChunked(t *testing.T) {
	on := mustPolicy(t, Config{Enabled: true})
	req := ReqInfo{Accept: acceptOf("gzip")}
	h := HeadOf(parseResp(t, "200 OK\nContent-Type: application/json\nTransfer-Encoding: chunked"))
	h.Length = 300
	if d := Decide(&req, &h, on); d.Reason != Small {
		t.Fatalf("got %v, want small", d.Reason)
	}
}

func TestAppendHead(t *testing.T) {
	on := mustPolicy(t, Config{Enabled: true})
	gz := ReqInfo{Accept: acceptOf("gzip")}
	none := ReqInfo{}
	for _, c := range []struct {
		name string
		req  ReqInfo
		head string
		want string
	}{
		{"compressed", gz,
			"200 OK\nContent-Type: application/json\nContent-Length: 5000\nETag: \"v1\"\nAccept-Ranges: bytes\nX-A: 1",
			"Content-Type: application/json\nETag: W/\"v1\"\nX-A: 1\nVary: Accept-Encoding\nContent-Encoding: gzip\n"},
		{"weak etag kept", gz,
			"200 OK\nContent-Type: text/plain\nEtag: W/\"v1\"",
			"Content-Type: text/plain\nEtag: W/\"v1\"\nVary: Accept-Encoding\nContent-Encoding: gzip\n"},
		{"vary merged into the first field", gz,
			"200 OK\nContent-Type: text/plain\nVary: Origin\nvary: Cookie",
			"Content-Type: text/plain\nVary: Origin, Accept-Encoding\nvary: Cookie\nContent-Encoding: gzip\n"},
		{"vary already there", gz,
			"200 OK\nContent-Type: text/plain\nVary: Origin\nVary: accept-encoding",
			"Content-Type: text/plain\nVary: Origin\nVary: accept-encoding\nContent-Encoding: gzip\n"},
		{"vary star", gz,
			"200 OK\nContent-Type: text/plain\nVary: *",
			"Content-Type: text/plain\nVary: *\nContent-Encoding: gzip\n"},
		{"empty vary", gz,
			"200 OK\nContent-Type: text/plain\nVary:",
			"Content-Type: text/plain\nVary: Accept-Encoding\nContent-Encoding: gzip\n"},
		{"identity still varies", none,
			"200 OK\nContent-Type: application/json\nContent-Length: 5000\nETag: \"v1\"\nAccept-Ranges: bytes",
			"Content-Type: application/json\nContent-Length: 5000\nETag: \"v1\"\nAccept-Ranges: bytes\nVary: Accept-Encoding\n"},
		{"untouched", gz,
			"200 OK\nContent-Type: image/png\nContent-Length: 5000\nETag: \"v1\"",
			"Content-Type: image/png\nContent-Length: 5000\nETag: \"v1\"\n"},
	} {
		r := parseResp(t, c.head)
		h := HeadOf(r)
		d := Decide(&c.req, &h, on)
		got := string(d.AppendHead(nil, r.Headers, nil))
		if want := strings.ReplaceAll(c.want, "\n", "\r\n"); got != want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, want)
		}
		if d.EditsHead() != (got != strings.ReplaceAll(c.head[strings.IndexByte(c.head, '\n')+1:], "\n", "\r\n")+"\r\n") {
			t.Errorf("%s: EditsHead() = %v disagrees with the output", c.name, d.EditsHead())
		}
	}
	// keep filters before the edits.
	r := parseResp(t, "200 OK\nContent-Type: text/plain\nX-Drop: 1\nContent-Length: 5000")
	h := HeadOf(r)
	d := Decide(&gz, &h, on)
	got := string(d.AppendHead(nil, r.Headers, func(h *http1.Header) bool { return string(h.Name) != "X-Drop" }))
	if got != "Content-Type: text/plain\r\nVary: Accept-Encoding\r\nContent-Encoding: gzip\r\n" {
		t.Errorf("keep: got %q", got)
	}
}

// TestWholeResponseNetHTTP renders complete compressed responses and reads
// them back with net/http's parser and the reference decoders: an
// independent check of the head edits and the chunked framing.
func TestWholeResponseNetHTTP(t *testing.T) {
	body := readJSON(t)
	pool := NewPool(PoolConfig{})
	pol := mustPolicy(t, Config{Enabled: true})
	for _, ae := range []string{"gzip", "zstd"} {
		req := ReqInfo{Accept: acceptOf(ae)}
		r := parseResp(t, "200 OK\nContent-Type: application/json\nContent-Length: 16013\nETag: \"abc\"")
		h := HeadOf(r)
		d := Decide(&req, &h, pol)
		enc := pool.Acquire(&d, pol)
		if enc == nil {
			t.Fatalf("%s: no encoder (%v)", ae, d.Reason)
		}
		out := append([]byte(nil), "HTTP/1.1 200 OK\r\n"...)
		out = d.AppendHead(out, r.Headers, nil)
		out = append(out, "Transfer-Encoding: chunked\r\n\r\n"...)
		for i := 0; i < len(body); i += 3000 {
			out = enc.Write(out, body[i:min(i+3000, len(body))])
		}
		out = enc.Close(out)
		pool.Put(enc)

		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Encoding") != ae || resp.Header.Get("Vary") != "Accept-Encoding" ||
			resp.Header.Get("Etag") != `W/"abc"` || resp.ContentLength != -1 || len(resp.TransferEncoding) != 1 {
			t.Fatalf("%s: head %v, length %d", ae, resp.Header, resp.ContentLength)
		}
		var dec io.Reader
		if ae == "gzip" {
			dec, err = gzip.NewReader(resp.Body)
		} else {
			var z *zstd.Decoder
			z, err = zstd.NewReader(resp.Body)
			defer z.Close()
			dec = z
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(dec)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%s: body differs (%d bytes, %v)", ae, len(got), err)
		}
		if _, err := resp.Body.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Fatalf("%s: bytes after the compressed stream: %v", ae, err)
		}
	}
}
