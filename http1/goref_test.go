package http1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"strings"
	_ "unsafe" // go:linkname
)

// goReadRequest is net/http's readRequest, which its server calls:
// http.ReadRequest is the same function followed by deleting Host from the
// header map, which would hide the Host checks below. net/http exports it
// by linkname on purpose (go.dev/issue/67401).
//
//go:linkname goReadRequest net/http.readRequest
func goReadRequest(b *bufio.Reader) (*http.Request, error)

// The reference side of the differential tests: what a Go net/http server
// does with the same bytes. ReadRequest alone is laxer than Go's server,
// which adds the checks in (*conn).readRequest (server.go); those are
// ported here, with the httpguts helpers they use (BSD licence, The Go
// Authors), so that the exceptions below are real differences with Go's
// server and not with half of it.

type goRequest struct {
	req     *http.Request
	err     error
	headLen int // bytes ReadRequest consumed
}

func goParseRequest(b []byte) goRequest {
	rd := bytes.NewReader(b)
	br := bufio.NewReader(rd)
	req, err := goReadRequest(br)
	if err != nil {
		return goRequest{err: err}
	}
	headLen := len(b) - rd.Len() - br.Buffered()
	if err := goServerChecks(req); err != nil {
		return goRequest{err: err}
	}
	// Keep Host in the map for the exceptions; compareAccepted knows.
	return goRequest{req: req, headLen: headLen}
}

// goServerChecks is the part of server.go's (*conn).readRequest that runs
// after ReadRequest.
func goServerChecks(req *http.Request) error {
	// http1ServerSupportsRequest
	if !(req.ProtoMajor == 1 || req.ProtoMajor == 2 && req.ProtoMinor == 0 && req.Method == "PRI" && req.RequestURI == "*") {
		return errors.New("505 unsupported protocol version")
	}
	hosts, haveHost := req.Header["Host"]
	isH2Upgrade := req.Method == "PRI" && len(req.Header) == 0 && req.URL.Path == "*" && req.Proto == "HTTP/2.0"
	if req.ProtoAtLeast(1, 1) && (!haveHost || len(hosts) == 0) && !isH2Upgrade && req.Method != "CONNECT" {
		return errors.New("missing required Host header")
	}
	if len(hosts) == 1 && !goValidHostHeader(hosts[0]) {
		return errors.New("malformed Host header")
	}
	for k, vv := range req.Header {
		if !goValidHeaderFieldName(k) {
			return errors.New("invalid header name")
		}
		for _, v := range vv {
			if !goValidHeaderFieldValue(v) {
				return errors.New("invalid header value")
			}
		}
	}
	return nil
}

// httpguts.ValidHeaderFieldName: a non-empty token.
func goValidHeaderFieldName(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !goIsTchar(v[i]) {
			return false
		}
	}
	return true
}

func goIsTchar(c byte) bool {
	return c < 0x80 && (c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0)
}

// httpguts.ValidHeaderFieldValue: no CTL other than SP and HTAB.
func goValidHeaderFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < ' ' || c == 0x7f) && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// httpguts.ValidHostHeader: a character set, not a grammar.
func goValidHostHeader(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			strings.IndexByte("!$%&()*+,-.:;=['_]~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// goChunked is what net/http makes of a chunked body: the data through
// internal/chunked.go (httputil.NewChunkedReader), then the trailer as
// (*body).readTrailer reads it (transfer.go).
type goChunked struct {
	data     []byte
	trailer  http.Header
	err      error
	consumed int
}

func goDecodeChunked(b []byte) goChunked {
	rd := bytes.NewReader(b)
	br := bufio.NewReader(rd)
	data, err := io.ReadAll(httputil.NewChunkedReader(br))
	if err != nil {
		return goChunked{err: err}
	}
	var trailer http.Header
	buf, perr := br.Peek(2)
	switch {
	case bytes.Equal(buf, []byte("\r\n")):
		br.Discard(2)
	case len(buf) < 2:
		return goChunked{err: errors.New("trailer EOF")}
	case perr != nil:
		return goChunked{err: perr}
	case !goSeeUpcomingDoubleCRLF(br):
		return goChunked{err: errors.New("suspiciously long trailer after chunked body")}
	default:
		hdr, err := textproto.NewReader(br).ReadMIMEHeader()
		if err != nil {
			return goChunked{err: err}
		}
		trailer = http.Header(hdr)
	}
	return goChunked{data: data, trailer: trailer, consumed: len(b) - rd.Len() - br.Buffered()}
}

// seeUpcomingDoubleCRLF from transfer.go: the trailer must end within the
// bufio buffer (4 KiB).
func goSeeUpcomingDoubleCRLF(r *bufio.Reader) bool {
	for peekSize := 4; ; peekSize++ {
		buf, err := r.Peek(peekSize)
		if bytes.HasSuffix(buf, []byte("\r\n\r\n")) {
			return true
		}
		if err != nil {
			break
		}
	}
	return false
}
