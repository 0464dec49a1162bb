package edge

import (
	"bytes"

	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/http1"
)

// Transfer codings other than chunked (RFC 9112 §6.1, §7): a backend may
// answer "Transfer-Encoding: gzip, chunked" (or a close-delimited body
// with "Transfer-Encoding: gzip", §6.3 item 4). The gateway does not
// decode them: it passes the codings on to the client unchanged and frames
// the body with chunked, which must be final (§6.1). An HTTP/1.0 client
// cannot be sent Transfer-Encoding at all (§6.1), so there the response
// is refused (502), never garbled.

// hasTransferCoding reports whether the response's Transfer-Encoding
// fields name a coding other than chunked. The parser has already
// refused malformed lists and a chunked that is not final.
func hasTransferCoding(hs []http1.Header) bool {
	for i := range hs {
		if hs[i].Kind != http1.KindTransferEncoding {
			continue
		}
		for rest := hs[i].Value; len(rest) > 0; {
			var elem []byte
			elem, rest = nextCoding(rest)
			if len(elem) > 0 && !ascii.EqualFoldToken(elem, "chunked") {
				return true
			}
		}
	}
	return false
}

// appendChunkedTE appends the Transfer-Encoding field of a body the
// gateway frames with chunked: the backend's other codings first, in
// their order, when coded is set.
func appendChunkedTE(dst []byte, hs []http1.Header, coded bool) []byte {
	dst = append(dst, "Transfer-Encoding: "...)
	if coded {
		for i := range hs {
			if hs[i].Kind != http1.KindTransferEncoding {
				continue
			}
			for rest := hs[i].Value; len(rest) > 0; {
				var elem []byte
				elem, rest = nextCoding(rest)
				if len(elem) > 0 && !ascii.EqualFoldToken(elem, "chunked") {
					dst = append(dst, elem...)
					dst = append(dst, ", "...)
				}
			}
		}
	}
	return append(dst, "chunked\r\n"...)
}

// nextCoding splits the first element off a Transfer-Encoding list. The
// elements are bare tokens (the parser refuses transfer-parameters), so
// a comma always separates.
func nextCoding(v []byte) (elem, rest []byte) {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		return ascii.TrimOWS(v[:i]), v[i+1:]
	}
	return ascii.TrimOWS(v), nil
}
