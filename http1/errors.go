package http1

// The errors below are the only values ParseRequest, ParseResponse and
// ChunkedDecoder.Next return. They are package-level pointers, so returning
// one never allocates. Code is stable (CODES.md lists every code); Msg is
// for humans and may change.
//
// ParseResponse returns the upstream twin of each error: the same Code and
// Msg with Status 502 (see Error.Upstream). Compare errors with errors.Is or
// by Code, which match both twins; == matches only the request-side value.
var (
	// Request line.
	ErrBadRequestLine    = newErr(400, "BadRequestLine", "malformed request line")
	ErrBadMethod         = newErr(400, "BadMethod", "method is not a token")
	ErrUnsupportedMethod = newErr(501, "UnsupportedMethod", "CONNECT is not supported by a gateway")
	ErrBadTarget         = newErr(400, "BadTarget", "invalid request-target")
	ErrURITooLong        = newErr(414, "URITooLong", "request line too long")
	ErrBadVersion        = newErr(505, "BadVersion", "HTTP version not supported")

	// Line framing (head, trailers).
	ErrBareLF = newErr(400, "BareLF", "line ends with a bare LF")
	ErrBareCR = newErr(400, "BareCR", "CR not followed by LF")

	// Header fields.
	ErrHeaderTooLarge = newErr(431, "HeaderTooLarge", "header section too large")
	ErrTooManyHeaders = newErr(431, "TooManyHeaders", "too many header fields")
	ErrBadHeaderName  = newErr(400, "BadHeaderName", "invalid header field name")
	ErrBadHeaderValue = newErr(400, "BadHeaderValue", "invalid byte in header field value")
	ErrObsFold        = newErr(400, "ObsFold", "obsolete line folding")
	ErrBadConnection  = newErr(400, "BadConnection", "Connection option is not a token, or more than 32 options")

	// Host.
	ErrMissingHost   = newErr(400, "MissingHost", "HTTP/1.1 request without Host")
	ErrDuplicateHost = newErr(400, "DuplicateHost", "more than one Host field")
	ErrBadHost       = newErr(400, "BadHost", "invalid Host or authority")

	// Message body framing.
	ErrBadContentLength                  = newErr(400, "BadContentLength", "Content-Length is not 1*DIGIT within int63")
	ErrDuplicateContentLength            = newErr(400, "DuplicateContentLength", "more than one Content-Length field")
	ErrContentLengthWithTransferEncoding = newErr(400, "ContentLengthWithTransferEncoding", "both Content-Length and Transfer-Encoding")
	ErrBadTransferEncoding               = newErr(400, "BadTransferEncoding", "Transfer-Encoding is malformed or chunked is not the single final coding")
	ErrUnsupportedTransferEncoding       = newErr(501, "UnsupportedTransferEncoding", "transfer coding other than chunked")
	ErrTransferEncodingInHTTP10          = newErr(400, "TransferEncodingInHTTP10", "Transfer-Encoding in an HTTP/1.0 message")

	// Responses only.
	ErrBadStatusLine = newErr(502, "BadStatusLine", "malformed status line")

	// Chunked bodies.
	ErrBadChunk              = newErr(400, "BadChunk", "malformed chunked framing")
	ErrChunkExtensionTooLong = newErr(400, "ChunkExtensionTooLong", "chunk-size line longer than 4 KiB")
	ErrChunkOverhead         = newErr(400, "ChunkOverhead", "too much chunk framing for the data carried")
	ErrTrailerTooLarge       = newErr(431, "TrailerTooLarge", "trailer section too large")
	ErrForbiddenTrailer      = newErr(400, "ForbiddenTrailer", "field not allowed in a trailer")
)

// allErrors lists every request-side error; the upstream twins are built
// from it at init.
var allErrors = []*Error{
	ErrBadRequestLine, ErrBadMethod, ErrUnsupportedMethod, ErrBadTarget,
	ErrURITooLong, ErrBadVersion, ErrBareLF, ErrBareCR, ErrHeaderTooLarge,
	ErrTooManyHeaders, ErrBadHeaderName, ErrBadHeaderValue, ErrObsFold,
	ErrBadConnection, ErrMissingHost, ErrDuplicateHost, ErrBadHost,
	ErrBadContentLength, ErrDuplicateContentLength,
	ErrContentLengthWithTransferEncoding, ErrBadTransferEncoding,
	ErrUnsupportedTransferEncoding, ErrTransferEncodingInHTTP10,
	ErrBadStatusLine, ErrBadChunk, ErrChunkExtensionTooLong, ErrChunkOverhead,
	ErrTrailerTooLarge, ErrForbiddenTrailer,
}

// upstreamOf maps every error (and every twin) to its Status 502 twin. It
// is a side table because Error's fields are fixed by the engine's contract;
// it is written only by init and read-only afterwards.
var upstreamOf = map[*Error]*Error{}

func newErr(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Msg: msg}
}

func init() {
	for _, e := range allErrors {
		if e.Status == 502 {
			upstreamOf[e] = e
			continue
		}
		u := &Error{Status: 502, Code: e.Code, Msg: e.Msg}
		upstreamOf[e] = u
		upstreamOf[u] = u
	}
}

// Upstream returns the twin of e to use when the fault is in an upstream's
// response: same Code and Msg, Status 502. It never allocates. ParseResponse
// already returns twins; use Upstream for errors from a ChunkedDecoder that
// reads a response body.
func (e *Error) Upstream() *Error {
	if u, ok := upstreamOf[e]; ok {
		return u
	}
	return e
}

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, ErrBadChunk) holds for both the 400 and the 502 twin.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code
}
