package http1

// Limits bound what a request head may hold. Zero fields take the defaults.
type Limits struct {
	// MaxRequestLine bounds the request line, CRLF excluded (414 past it).
	MaxRequestLine int
	// MaxHeaderBytes bounds the whole head, request line included (431).
	MaxHeaderBytes int
	// MaxHeaders bounds the number of header fields (431).
	MaxHeaders int
}

// Default limits (nginx answers 414 past 8 KiB; Envoy's edge profile caps
// headers at 100 fields; the head cap follows the 32 KiB).
const (
	DefaultMaxRequestLine = 8 << 10
	DefaultMaxHeaderBytes = 32 << 10
	DefaultMaxHeaders     = 100
)

// Kind classifies a header field by name so that the proxy can decide what
// to do with it without comparing strings again.
type Kind uint8

// Header kinds. KindHopByHop marks a field named by the Connection header
// (RFC 9110 §7.6.1) or one of the fixed hop-by-hop names.
const (
	KindOther Kind = iota
	KindHost
	KindContentLength
	KindTransferEncoding
	KindConnection
	KindKeepAlive
	KindProxyConnection
	KindTE
	KindTrailer
	KindUpgrade
	KindProxyAuthorization
	KindProxyAuthenticate
	KindExpect
	KindXForwardedFor
	KindXForwardedProto
	KindXForwardedHost
	KindXForwardedPort
	KindXForwardedPrefix
	KindForwarded
	KindXRealIP
	KindXRequestID
	KindHopByHop // any other field listed in Connection
)

// Header is one field line. Name and Value alias the input; Value has its
// leading and trailing whitespace removed.
type Header struct {
	Name  []byte
	Value []byte
	Kind  Kind
	// Underscore reports that Name contains '_' (a spoofing vector through
	// backends that map '_' to '-'; see RELIABILITY.md, Traefik CVE-2026-33433).
	Underscore bool
}

// Request is a parsed request head. Every slice aliases the parsed input.
type Request struct {
	Method []byte
	// Target is the request-target exactly as sent.
	Target []byte
	// Path is the path of an origin-form or absolute-form target ("/" when
	// an absolute-form target has none), or "*" for asterisk-form.
	Path []byte
	// Query is what follows '?' (without it); nil when there is no '?'.
	Query []byte
	// Authority is the host[:port] of an absolute-form target.
	Authority []byte
	// Minor is the HTTP/1.x minor version, 0 or 1.
	Minor int
	// Headers holds the fields in order; its backing array is reused.
	Headers []Header
	// Host is the effective host (RFC 9112 §3.2.2: an absolute-form
	// authority wins over the Host field).
	Host []byte
	// ContentLength is -1 when the request has no Content-Length.
	ContentLength int64
	// Chunked is set when Transfer-Encoding is exactly "chunked".
	Chunked bool
	// KeepAlive reports whether the connection may carry another request
	// after this one (version default and Connection tokens).
	KeepAlive bool
	// ExpectContinue is set for "Expect: 100-continue".
	ExpectContinue bool
	// Upgrade holds the Upgrade field's value when Connection lists
	// "upgrade"; nil otherwise.
	Upgrade []byte
}

// Response is a parsed response head. Every slice aliases the parsed input.
type Response struct {
	Minor   int
	Status  int
	Reason  []byte
	Headers []Header
	// ContentLength is -1 when the response has no Content-Length.
	ContentLength int64
	// Chunked is set when the final transfer coding is chunked.
	Chunked bool
	// CloseDelimited is set when the body runs until the connection closes
	// (no length, or a final coding other than chunked; RFC 9112 §6.3).
	CloseDelimited bool
	// KeepAlive reports whether the upstream connection may be reused.
	KeepAlive bool
	// Upgrade holds the Upgrade field's value when Connection lists
	// "upgrade"; nil otherwise.
	Upgrade []byte
}

// Error is a parse failure: the status to answer and a stable code.
type Error struct {
	Status int
	Code   string
	Msg    string
}

func (e *Error) Error() string { return e.Code + ": " + e.Msg }

// ChunkEvent is what ChunkedDecoder.Next found.
type ChunkEvent uint8

// Chunk events.
const (
	// ChunkMore: the input ends inside a chunk-size line, a CRLF or a
	// trailer line; feed more bytes.
	ChunkMore ChunkEvent = iota
	// ChunkData: data is chunk payload.
	ChunkData
	// ChunkTrailer: header is one validated trailer field.
	ChunkTrailer
	// ChunkDone: the last chunk and the trailer section are complete.
	ChunkDone
)
