package edge

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httputil"
	"net/textproto"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// rawResponse is one response as it came over the wire, read without
// net/http (which refuses transfer codings other than chunked).
type rawResponse struct {
	status int
	header textproto.MIMEHeader
	body   []byte // the message body with the chunked framing removed
}

// readRawResponse reads one response to a request with method; the body
// is chunked, Content-Length-delimited, or absent.
func readRawResponse(t testing.TB, br *bufio.Reader, method string) *rawResponse {
	t.Helper()
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		t.Fatalf("status line: %v", err)
	}
	if len(line) < 12 || !strings.HasPrefix(line, "HTTP/1.") {
		t.Fatalf("status line %q", line)
	}
	code, _ := strconv.Atoi(line[9:12])
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	r := &rawResponse{status: code, header: h}
	te := strings.Join(h.Values("Transfer-Encoding"), ",")
	switch {
	case method == "HEAD" || code == 204 || code == 304:
	case strings.HasSuffix(strings.TrimSpace(te), "chunked"):
		if r.body, err = io.ReadAll(httputil.NewChunkedReader(br)); err != nil {
			t.Fatalf("chunked body: %v", err)
		}
		for { // trailer section up to the empty line
			l, err := tp.ReadLine()
			if err != nil {
				t.Fatalf("trailer: %v", err)
			}
			if l == "" {
				break
			}
		}
	case h.Get("Content-Length") != "":
		n, _ := strconv.Atoi(h.Get("Content-Length"))
		r.body = make([]byte, n)
		if _, err := io.ReadFull(br, r.body); err != nil {
			t.Fatalf("body: %v", err)
		}
	default:
		t.Fatalf("response without framing: %v", h)
	}
	return r
}

// decoded returns the body with its Content-Encoding undone.
func (r *rawResponse) decoded(t testing.TB) []byte {
	t.Helper()
	return decode(t, r.header.Get("Content-Encoding"), r.body)
}

func decode(t testing.TB, coding string, b []byte) []byte {
	t.Helper()
	var rd io.Reader
	switch coding {
	case "":
		return b
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		rd = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		rd = zr
	default:
		t.Fatalf("unexpected coding %q", coding)
	}
	out, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("%s: %v", coding, err)
	}
	return out
}

// gzipped returns b compressed with gzip.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// chunked frames b as chunks of at most n bytes, ended by the last chunk.
func chunked(b []byte, n int) string {
	var sb strings.Builder
	for len(b) > 0 {
		k := min(n, len(b))
		sb.WriteString(strconv.FormatInt(int64(k), 16) + "\r\n")
		sb.Write(b[:k])
		sb.WriteString("\r\n")
		b = b[k:]
	}
	sb.WriteString("0\r\n\r\n")
	return sb.String()
}
