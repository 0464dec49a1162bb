// Package http1 parses HTTP/1.1 request and response heads and chunked
// bodies, in place, over bytes it does not own (RFC 9112).
//
// It owns no sockets and no goroutines. A Parser is used by one event loop
// at a time; the slices it returns alias the caller's input and live only as
// long as that input does (for gnet, until the bytes are Discarded).
//
// The parser is strict where leniency lets requests be smuggled (RFC 9112
// §6, §11.2): every framing ambiguity is an error with an HTTP status and a
// stable code, never a guess.
//
// # Use
//
// One Parser, one Request (or Response) with Headers allocated once
// (make([]Header, 0, MaxHeaders)) and one ChunkedDecoder per connection:
//
//	n, err := p.ParseRequest(buf, &req, &limits)
//	switch {
//	case err != nil: // answer err.Status, close
//	case n == 0:     // wait for more bytes, call again with the grown buf
//	default:         // req describes buf[:n]; the body starts at buf[n]
//	}
//
// A chunked body is fed to ChunkedDecoder.Next until ChunkDone; what is
// forwarded is re-framed with AppendChunkHeader, never copied from the
// client's framing.
//
// ParseRequest, ParseResponse and ChunkedDecoder.Next do not allocate, and a
// head that arrives a byte at a time costs O(n). CODES.md lists every error
// code, the parsing decisions, and where this package deliberately differs
// from net/http.
//
// Imports: the standard library only.
package http1
