package edge

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
)

// An upstream that answers "Transfer-Encoding: gzip, chunked" is relayed,
// not refused with 502: chunked is the final coding (RFC 9112 §6.1), the
// gateway re-frames the chunks and passes the gzip transfer coding on to
// an HTTP/1.1 client unchanged. The same for a close-delimited body with
// "Transfer-Encoding: gzip" (§6.3 item 4), which must keep its coding too.
func TestTransferEncodingGzipChunkedPassedThrough(t *testing.T) {
	orig := []byte(strings.Repeat("transfer-coded payload, ", 400))
	coded := gzipped(orig)
	for _, c := range []struct{ name, resp string }{
		{"gzip, chunked", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + chunked(coded, 700)},
		{"gzip then chunked fields", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(coded, 1000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			up := startFixedUpstream(t, c.resp)
			s := startTestServer(t, proxyAPI("api-te", "/te", up.ln.Addr().String(), ""))
			z := dialZ(t, s.Addr())
			for i := range 2 { // the connection stays usable
				r := z.do("GET", "/release/te", "")
				if r.status != 200 {
					t.Fatalf("request %d: status %d, want 200", i, r.status)
				}
				if te := r.header.Values("Transfer-Encoding"); len(te) != 1 || te[0] != "gzip, chunked" {
					t.Fatalf("Transfer-Encoding %q, want one field \"gzip, chunked\"", te)
				}
				if r.header.Get("Content-Encoding") != "" {
					t.Fatalf("a transfer coding became Content-Encoding %q", r.header.Get("Content-Encoding"))
				}
				if !bytes.Equal(r.body, coded) {
					t.Fatalf("chunk data differs from the upstream's gzip bytes (%d vs %d bytes)", len(r.body), len(coded))
				}
				if got := decode(t, "gzip", r.body); !bytes.Equal(got, orig) {
					t.Fatalf("decoded body differs")
				}
			}
		})
	}
}

// An HTTP/1.0 client cannot be sent Transfer-Encoding (RFC 9112 §6.1) and
// the gateway does not undo a transfer coding: such a response is a 502.
func TestTransferEncodingGzipToHTTP10Refused(t *testing.T) {
	coded := gzipped([]byte(strings.Repeat("x", 2000)))
	up := startFixedUpstream(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"+chunked(coded, 500))
	s := startTestServer(t, proxyAPI("api-te", "/te", up.ln.Addr().String(), ""))
	if r := dialZ(t, s.Addr()).send("GET", "GET /release/te HTTP/1.0\r\nHost: service-t.localhost\r\n\r\n"); r.status != 502 {
		t.Fatalf("status %d, want 502", r.status)
	}
}

// A close-delimited body with "Transfer-Encoding: gzip" (RFC 9112 §6.3
// item 4) keeps its coding too, framed chunked for the client.
func TestTransferEncodingGzipCloseDelimited(t *testing.T) {
	orig := []byte(strings.Repeat("close-delimited and transfer-coded, ", 300))
	coded := gzipped(orig)
	up := startCloseUpstream(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: gzip\r\n\r\n", coded)
	s := startTestServer(t, proxyAPI("api-te", "/te", up, ""))
	r := dialZ(t, s.Addr()).do("GET", "/release/te", "")
	if r.status != 200 || r.header.Get("Transfer-Encoding") != "gzip, chunked" || !bytes.Equal(r.body, coded) {
		t.Fatalf("status %d, Transfer-Encoding %q, %d body bytes (want 200, \"gzip, chunked\", %d)",
			r.status, r.header.Get("Transfer-Encoding"), len(r.body), len(coded))
	}
}

// startCloseUpstream answers one request per connection with head and
// body, and ends the body by closing (close-delimited, RFC 9112 §6.3
// item 8).
func startCloseUpstream(t *testing.T, head string, body []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go acceptLoop(ln, func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 4096)
		have := 0
		for !bytes.Contains(buf[:have], []byte("\r\n\r\n")) {
			n, err := c.Read(buf[have:])
			if err != nil {
				return
			}
			have += n
		}
		_, _ = io.WriteString(c, head)
		_, _ = c.Write(body)
	})
	return ln.Addr().String()
}
