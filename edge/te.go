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
	it := codings{hs: hs}
	return it.next() != nil
}

// appendChunkedTE appends the Transfer-Encoding field of a body the
// gateway frames with chunked: the backend's other codings first, in
// their order, when coded is set.
func appendChunkedTE(dst []byte, hs []http1.Header, coded bool) []byte {
	dst = append(dst, "Transfer-Encoding: "...)
	if coded {
		it := codings{hs: hs}
		for c := it.next(); c != nil; c = it.next() {
			dst = append(dst, c...)
			dst = append(dst, ", "...)
		}
	}
	return append(dst, "chunked\r\n"...)
}

// codings walks the transfer codings other than chunked of a response's
// Transfer-Encoding fields, in order. The elements are bare tokens (the
// parser refuses transfer-parameters), so a comma always separates.
type codings struct {
	hs   []http1.Header
	i    int    // next field to look at
	rest []byte // what is left of the current field
}

// next returns the next coding, nil at the end.
func (it *codings) next() []byte {
	for {
		for len(it.rest) > 0 {
			elem := it.rest
			if i := bytes.IndexByte(elem, ','); i >= 0 {
				elem, it.rest = elem[:i], elem[i+1:]
			} else {
				it.rest = nil
			}
			if elem = ascii.TrimOWS(elem); len(elem) > 0 && !ascii.EqualFoldToken(elem, "chunked") {
				return elem
			}
		}
		if it.i >= len(it.hs) {
			return nil
		}
		if h := &it.hs[it.i]; h.Kind == http1.KindTransferEncoding {
			it.rest = h.Value
		}
		it.i++
	}
}
