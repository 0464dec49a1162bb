package compression

import (
	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/http1"
)

// Head is the view of a response head that Decide reads. Headers alias
// the caller's bytes (http1.Response.Headers) and are read only during
// Decide and AppendHead.
type Head struct {
	Status  int
	Headers []http1.Header
	// Length is the body length when known, -1 when not (chunked or
	// close-delimited). The edge may set it for a chunked body whose end
	// arrived with the head (see doc.go, "Unknown lengths").
	Length int64
}

// HeadOf returns the Head of a parsed response.
func HeadOf(r *http1.Response) Head {
	return Head{Status: r.Status, Headers: r.Headers, Length: r.ContentLength}
}

// Reason says why a response is or is not compressed. The values are
// stable (metrics label them by String).
type Reason uint8

// Reasons, in the order Decide checks them.
const (
	Compressed  Reason = iota // compressed with Decision.Coding
	Off                       // the API's switch is off
	NoBody                    // HEAD, 1xx, 204, 304, or a known length of 0
	Partial                   // 206 or Content-Range: a byte range of the identity content
	HTTP10                    // an HTTP/1.0 client (no chunked framing; see doc.go)
	NoTransform               // Cache-Control: no-transform, request or response (RFC 9111 §5.2)
	Encoded                   // the backend set Content-Encoding: never encode twice
	Digest                    // Content-Digest / Repr-Digest / Content-MD5 describe the bytes as they are
	Type                      // no Content-Type, or one not configured as compressible
	Small                     // a known length below MinSize
	NotAccepted               // the client accepts none of the offered codings
	Busy                      // the loop's encoders are all in use (set by Pool.Acquire)
	numReasons
)

var reasonNames = [numReasons]string{
	"compressed", "off", "no_body", "partial", "http10", "no_transform",
	"encoded", "digest", "type", "small", "not_accepted", "busy",
}

// String returns the reason's stable name.
func (r Reason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// Decision is the outcome of Decide: the coding (Identity when not
// compressing), why, and what the head must change. It is a small value
// that aliases nothing.
type Decision struct {
	Coding Coding
	Reason Reason
	// vary: the choice depended on Accept-Encoding, so the response must
	// say Vary: Accept-Encoding (RFC 9110 §12.5.5), compressed or not.
	vary bool
	// varyDone: a Vary field already lists Accept-Encoding or "*".
	varyDone bool
}

// Compress reports whether the body is to be compressed.
func (d *Decision) Compress() bool { return d.Coding != Identity }

// EditsHead reports whether AppendHead changes anything: a compressed
// response, or an identity one that must carry Vary.
func (d *Decision) EditsHead() bool { return d.Coding != Identity || d.vary && !d.varyDone }

// Decide chooses whether and how to compress a response, from the request
// it answers, its head and the API's policy. It is pure, reads h.Headers
// once and does not allocate.
func Decide(req *ReqInfo, h *Head, p *Policy) Decision {
	if p == nil || !p.enabled {
		return Decision{Reason: Off}
	}
	if req.Head || h.Status < 200 || h.Status == 204 || h.Status == 304 || h.Length == 0 {
		return Decision{Reason: NoBody}
	}
	if h.Status == 206 {
		return Decision{Reason: Partial}
	}
	var f fields
	f.scan(h.Headers)
	d := Decision{varyDone: f.varyDone}
	switch {
	case f.contentRange:
		d.Reason = Partial
	case req.HTTP10:
		d.Reason = HTTP10
	case req.NoTransform || f.noTransform:
		d.Reason = NoTransform
	case f.encoded:
		d.Reason = Encoded
	case f.digest:
		d.Reason = Digest
	case f.contentType == nil || !p.compressible(f.contentType):
		d.Reason = Type
	case h.Length > 0 && h.Length < p.minSize:
		d.Reason = Small
	default:
		// From here on the answer depends on Accept-Encoding.
		d.vary = true
		if d.Coding = req.Accept.Choose(p.offer); d.Coding == Identity {
			d.Reason = NotAccepted
		}
	}
	return d
}

// fields is what Decide learns from the response's header fields.
type fields struct {
	contentType  []byte
	contentRange bool
	encoded      bool
	digest       bool
	noTransform  bool
	varyDone     bool
}

// scan reads the fields Decide needs. Names are tokens (the parser
// checked), so the one-OR comparison does.
func (f *fields) scan(hs []http1.Header) {
	for i := range hs {
		h := &hs[i]
		if h.Kind != http1.KindOther && h.Kind != http1.KindHopByHop {
			continue
		}
		n := h.Name
		switch len(n) {
		case 4:
			if ascii.EqualFoldToken(n, "vary") {
				f.varyDone = f.varyDone || varyCovers(h.Value)
			}
		case 11:
			f.digest = f.digest || ascii.EqualFoldToken(n, "content-md5") || ascii.EqualFoldToken(n, "repr-digest")
		case 12:
			if ascii.EqualFoldToken(n, "content-type") && f.contentType == nil {
				f.contentType = h.Value
			}
		case 13:
			switch {
			case ascii.EqualFoldToken(n, "content-range"):
				f.contentRange = true
			case ascii.EqualFoldToken(n, "cache-control"):
				f.noTransform = f.noTransform || hasDirective(h.Value, "no-transform")
			}
		case 14:
			f.digest = f.digest || ascii.EqualFoldToken(n, "content-digest")
		case 16:
			// Any Content-Encoding, even "identity", leaves the body alone.
			f.encoded = f.encoded || ascii.EqualFoldToken(n, "content-encoding")
		}
	}
}

// varyCovers reports whether a Vary value already lists Accept-Encoding
// or "*" (RFC 9110 §12.5.5).
func varyCovers(v []byte) bool {
	for len(v) > 0 {
		var e []byte
		e, v = nextElem(v)
		if string(e) == "*" || ascii.EqualFold(e, "accept-encoding") {
			return true
		}
	}
	return false
}

// AppendHead appends the response's header fields as the client gets
// them, with d's edits, and returns the extended dst. keep, when not nil,
// filters the fields first (the edge drops hop-by-hop and framing fields
// with it; a top-level func does not allocate). The edits, for a
// compressed response:
//
//   - Content-Length is dropped (the body is re-framed chunked; RFC 9112 §6.1);
//   - Accept-Ranges is dropped (ranges the backend serves are of the identity
//     content; nginx does the same);
//   - a strong ETag becomes weak, W/"…" (RFC 9110 §8.8.1: the coded bytes
//     are a different representation; a weak validator still lets
//     If-None-Match revalidate, §13.1.2);
//   - Content-Encoding: <coding> is added (RFC 9110 §8.4);
//
// and whenever the decision depended on Accept-Encoding (compressed or
// not): Accept-Encoding is merged into the first Vary field, or a Vary
// field is added (RFC 9110 §12.5.5).
//
// Nothing is appended for the framing (Transfer-Encoding) or the blank
// line: they are the caller's. AppendHead does not allocate beyond
// growing dst.
func (d *Decision) AppendHead(dst []byte, hs []http1.Header, keep func(*http1.Header) bool) []byte {
	comp := d.Coding != Identity
	addVary := d.vary && !d.varyDone
	for i := range hs {
		h := &hs[i]
		if keep != nil && !keep(h) {
			continue
		}
		v := h.Value
		switch {
		case !comp && !addVary:
		case h.Kind == http1.KindContentLength:
			if comp {
				continue
			}
		case h.Kind != http1.KindOther:
		case len(h.Name) == 4 && addVary && ascii.EqualFoldToken(h.Name, "vary"):
			dst = appendName(dst, h.Name)
			if len(v) > 0 {
				dst = append(dst, v...)
				dst = append(dst, ", "...)
			}
			dst = append(dst, "Accept-Encoding\r\n"...)
			addVary = false
			continue
		case !comp:
		case len(h.Name) == 13 && ascii.EqualFoldToken(h.Name, "accept-ranges"):
			continue
		case len(h.Name) == 4 && ascii.EqualFoldToken(h.Name, "etag"):
			if len(v) > 0 && v[0] == '"' {
				dst = appendName(dst, h.Name)
				dst = append(dst, "W/"...)
				dst = append(dst, v...)
				dst = append(dst, "\r\n"...)
				continue
			}
		}
		dst = appendName(dst, h.Name)
		dst = append(dst, v...)
		dst = append(dst, "\r\n"...)
	}
	if addVary {
		dst = append(dst, "Vary: Accept-Encoding\r\n"...)
	}
	if comp {
		dst = append(dst, "Content-Encoding: "...)
		dst = append(dst, d.Coding.String()...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

func appendName(dst, name []byte) []byte {
	dst = append(dst, name...)
	return append(dst, ": "...)
}
