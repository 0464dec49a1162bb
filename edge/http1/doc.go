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
// Imports: the standard library only.
package http1
