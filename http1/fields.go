package http1

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/edgegate/edgegate/ascii"
)

// maxConnectionOptions bounds the options a message may list in Connection,
// so that marking the fields they name costs at most
// maxConnectionOptions × MaxHeaders comparisons.
const maxConnectionOptions = 32

// fieldState collects, while field lines are parsed, what the framing and
// routing rules need afterwards. It lives on the caller's stack.
type fieldState struct {
	contentLength int64
	clFields      int

	hostFields int
	host       []byte

	teFields      int
	teChunked     int  // "chunked" elements seen
	teLastChunked bool // the last element seen is "chunked"
	teBad         bool // empty element, non-token, or transfer-parameters
	teUnknown     bool // a coding we do not know
	teKnown       bool // gzip, deflate, compress (x-gzip, x-compress)

	connClose     bool
	connKeepAlive bool
	connUpgrade   bool
	connOther     bool // an option that may name a field
	connOptions   int

	upgrade     []byte
	upgradeSeen bool
	expect100   bool
	trailer     bool // a Trailer field is present
}

// parseFields parses field lines from buf[i:] through the empty line that
// ends the section, appending to h (at most maxH entries; the caller makes
// sure maxH <= cap(h), so append never allocates). It returns end > 0, the
// offset just past the empty line, when the section is complete; end == 0
// when buf ends first, with lineStart the offset of the incomplete line.
// maxBytes bounds end (HeaderTooLarge).
func parseFields(buf []byte, i int, h []Header, maxH, maxBytes int, st *fieldState) (_ []Header, end, lineStart int, err *Error) {
	for {
		ls := i
		if i >= len(buf) {
			return h, 0, ls, nil
		}
		if buf[i] == '\r' {
			if i+1 >= len(buf) {
				return h, 0, ls, nil
			}
			if buf[i+1] != '\n' {
				if bytes.IndexByte(buf[i:], '\n') < 0 {
					return h, 0, ls, nil // judged once complete
				}
				return h, 0, ls, ErrBareCR
			}
			if i+2 > maxBytes {
				return h, 0, ls, ErrHeaderTooLarge
			}
			return h, i + 2, ls, nil
		}

		// field-name ":"
		j := skipName(buf, i)
		var nf uint8
		for j < len(buf) {
			t := nameTable[buf[j]]
			if t == 0 {
				break
			}
			nf |= t
			j++
		}
		if j >= len(buf) {
			return h, 0, ls, nil
		}
		if buf[j] != ':' || j == i {
			if bytes.IndexByte(buf[j:], '\n') < 0 {
				// A line is judged once complete (see Parser.scan).
				return h, 0, ls, nil
			}
			return h, 0, ls, nameError(buf, i, j)
		}
		name := buf[i:j]

		// OWS field-value OWS CRLF
		k := j + 1
		for k < len(buf) && ascii.IsOWS(buf[k]) {
			k++
		}
		vs := k
		k = skipValue(buf, k)
		if k+1 >= len(buf) || buf[k] != '\r' || buf[k+1] != '\n' {
			if bytes.IndexByte(buf[k:], '\n') < 0 {
				return h, 0, ls, nil // judged once complete
			}
			return h, 0, ls, valueError(buf, k)
		}
		ve := k
		for ve > vs && ascii.IsOWS(buf[ve-1]) {
			ve--
		}
		i = k + 2
		// The empty line still has to come.
		if i+2 > maxBytes {
			return h, 0, ls, ErrHeaderTooLarge
		}
		if len(h) >= maxH {
			return h, 0, ls, ErrTooManyHeaders
		}
		value := buf[vs:ve:ve]
		kind := classify(name)
		// Fields are set in place: append of a Header literal built it on
		// the stack and copied it with 16-byte loads over 8-byte stores, a
		// store-forwarding stall per field (~6 ns, pprof -disasm).
		h = h[:len(h)+1]
		f := &h[len(h)-1]
		f.Name = name[:len(name):len(name)]
		f.Value = value
		f.Kind = kind
		f.Underscore = nf&2 != 0
		if kind != KindOther {
			if e := st.field(kind, value); e != nil {
				return h, 0, ls, e
			}
		}
	}
}

// SWAR constants: lo has 1 in each byte, hi the top bit of each byte.
const (
	lo = 0x0101010101010101
	hi = 0x8080808080808080
)

// skipName returns the offset of the first byte at or after i that is not
// a letter or '-', or an offset in buf's last seven bytes, eight bytes at a
// time: most field names are only those, and the table loop in parseFields
// takes over from there (the rest of buf's tail, digits,
// the other tchars, '_' and the ':'). Each byte's test is exact, with no
// carry between bytes, so the first failing byte is found by its bit.
func skipName(buf []byte, i int) int {
	for i+8 <= len(buf) {
		x := binary.LittleEndian.Uint64(buf[i:])
		y := x | lo*0x20 // fold case; bytes >= 0x80 keep their top bit
		// 0x61 <= y <= 0x7A for y < 0x80: adding 0x1F sets the top bit
		// from 0x61 up, adding 0x05 from 0x7B up; neither carries out.
		y7 := y &^ hi
		letter := (y7 + lo*0x1f) &^ (y7 + lo*0x05) &^ y & hi
		// '-' is tested on x: CR (0x0D) | 0x20 is 0x2D as well.
		z := x ^ lo*'-'
		dash := ^((z&^hi + lo*0x7f) | z) & hi
		if bad := ^(letter | dash) & hi; bad != 0 {
			return i + bits.TrailingZeros64(bad)>>3
		}
		i += 8
	}
	return i
}

// skipValue returns the offset of the first byte at or after k that is not
// a field-value byte (valueTable). It checks eight bytes at a time: most
// values are long runs of visible ASCII.
func skipValue(buf []byte, k int) int {
	for k+8 <= len(buf) {
		x := binary.LittleEndian.Uint64(buf[k:])
		// A byte < 0x20 (CTL, and HTAB, which is allowed) or == 0x7F
		// (DEL) stops the word. Bytes >= 0x80 (obs-text) are fine: the
		// high bit masks them out of less. The lowest flagged byte is
		// exact (a false flag only follows a true one, through a borrow).
		less := (x - lo*0x20) &^ x & hi
		y := x ^ (lo * 0x7f)
		del := (y - lo) &^ y & hi
		if m := less | del; m != 0 {
			k += bits.TrailingZeros64(m) >> 3
			if buf[k] != '\t' {
				return k
			}
			k++
			continue
		}
		k += 8
	}
	for k < len(buf) && valueTable[buf[k]] {
		k++
	}
	return k
}

// nameError classifies the byte that ended a field name at buf[j]; i is
// the start of the line. A CR at buf[j] is followed by buf[j+1].
func nameError(buf []byte, i, j int) *Error {
	c := buf[j]
	switch {
	case j == i && ascii.IsOWS(c):
		// A line that starts with whitespace: obs-fold (RFC 9112 §5.2),
		// or whitespace before the first field (§2.2). Both are rejected.
		return ErrObsFold
	case c == '\n':
		return ErrBareLF
	case c == '\r' && buf[j+1] != '\n':
		return ErrBareCR
	}
	// Empty name, whitespace before the colon (RFC 9112 §5.1), a line
	// without a colon, a CTL or a non-ASCII byte.
	return ErrBadHeaderName
}

// valueError classifies the byte at buf[k] that is not a field-value byte.
func valueError(buf []byte, k int) *Error {
	switch buf[k] {
	case '\n':
		return ErrBareLF
	case '\r':
		return ErrBareCR
	}
	return ErrBadHeaderValue
}

// field records a field whose kind matters for framing or routing.
func (st *fieldState) field(kind Kind, v []byte) *Error {
	switch kind {
	case KindHost:
		st.hostFields++
		if st.hostFields == 1 {
			st.host = v
		}
	case KindContentLength:
		// RFC 9110 §8.6 lets a recipient accept repeated identical values;
		// we do not: one field, one number.
		if st.clFields > 0 {
			return ErrDuplicateContentLength
		}
		st.clFields++
		n, ok := parseContentLength(v)
		if !ok {
			return ErrBadContentLength
		}
		st.contentLength = n
	case KindTransferEncoding:
		st.teFields++
		st.transferEncoding(v)
	case KindConnection:
		return st.connection(v)
	case KindUpgrade:
		if !st.upgradeSeen {
			st.upgradeSeen = true
			st.upgrade = v
		}
	case KindExpect:
		if ascii.EqualFold(v, "100-continue") {
			st.expect100 = true
		}
	case KindTrailer:
		st.trailer = true
	}
	return nil
}

// parseContentLength parses 1*DIGIT (RFC 9110 §8.6) into an int63, of
// 19 digits at most (CODES.md: a deviation from net/http).
func parseContentLength(v []byte) (int64, bool) {
	n, ok := ascii.ParseDigits(v)
	if !ok || n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}

// transferEncoding records the codings of one Transfer-Encoding field
// (RFC 9112 §6.1). Only bare tokens are accepted: no empty elements and no
// transfer-parameters.
func (st *fieldState) transferEncoding(v []byte) {
	if len(v) == 0 {
		st.teBad = true
		return
	}
	for rest := v; ; {
		elem, r, ok := nextListElem(rest)
		if !ok {
			break
		}
		rest = r
		if !isToken(elem) {
			st.teBad = true
			st.teLastChunked = false
			continue
		}
		switch {
		case ascii.EqualFoldToken(elem, "chunked"):
			st.teChunked++
			st.teLastChunked = true
			continue
		case ascii.EqualFoldToken(elem, "gzip"), ascii.EqualFoldToken(elem, "deflate"), ascii.EqualFoldToken(elem, "compress"),
			ascii.EqualFoldToken(elem, "x-gzip"), ascii.EqualFoldToken(elem, "x-compress"):
			st.teKnown = true
		default:
			st.teUnknown = true
		}
		st.teLastChunked = false
	}
	// "chunked," ends with an empty element: nextListElem stops before it.
	if v[len(v)-1] == ',' {
		st.teBad = true
	}
}

// connection records the options of one Connection field (RFC 9110
// §7.6.1). Empty elements are skipped as §5.6.1 requires; anything else
// must be a token.
func (st *fieldState) connection(v []byte) *Error {
	for rest := v; ; {
		elem, r, ok := nextListElem(rest)
		if !ok {
			return nil
		}
		rest = r
		if len(elem) == 0 {
			continue
		}
		if !isToken(elem) {
			return ErrBadConnection
		}
		st.connOptions++
		if st.connOptions > maxConnectionOptions {
			return ErrBadConnection
		}
		switch {
		case ascii.EqualFoldToken(elem, "close"):
			st.connClose = true
		case ascii.EqualFoldToken(elem, "keep-alive"):
			st.connKeepAlive = true
		case ascii.EqualFoldToken(elem, "upgrade"):
			st.connUpgrade = true
		default:
			st.connOther = true
		}
	}
}

// markHopByHop sets KindHopByHop on every KindOther field that a Connection
// field names, and on X-Forwarded-For: the gateway appends to the client's
// X-Forwarded-For, and a listed one must not be passed on (RFC 9110
// §7.6.1); the gateway still sends its own. Other fields with a kind of
// their own keep it: Host, Content-Length and Transfer-Encoding must never
// be dropped because a client listed them, and the rest of the
// X-Forwarded-* family is rewritten by the gateway anyway (Traefik
// CVE-2024-45410, Go #50580).
func markHopByHop(h []Header) {
	for elem := range listElems(h, KindConnection) {
		if len(elem) == 0 {
			continue
		}
		for fi := range h {
			if (h[fi].Kind == KindOther || h[fi].Kind == KindXForwardedFor) && len(h[fi].Name) == len(elem) && ascii.EqualFoldBytes(h[fi].Name, elem) {
				h[fi].Kind = KindHopByHop
			}
		}
	}
}

// HopByHop reports whether a field of kind k must not be forwarded as
// received: the connection-specific fields (RFC 9110 §7.6.1; the list
// net/http's reverse proxy strips: Connection, Keep-Alive,
// Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade,
// Proxy-Authorization, Proxy-Authenticate) and every field that a
// Connection option named (KindHopByHop). The proxy re-frames the body and
// writes its own Connection and Upgrade.
func (k Kind) HopByHop() bool {
	switch k {
	case KindConnection, KindKeepAlive, KindProxyConnection, KindTE, KindTrailer,
		KindTransferEncoding, KindUpgrade, KindProxyAuthorization, KindProxyAuthenticate, KindHopByHop:
		return true
	}
	return false
}

// classify returns the Kind of a field name (a token), ignoring case.
func classify(n []byte) Kind {
	switch len(n) {
	case 2:
		if ascii.EqualFoldToken(n, "te") {
			return KindTE
		}
	case 4:
		if ascii.EqualFoldToken(n, "host") {
			return KindHost
		}
	case 6:
		if ascii.EqualFoldToken(n, "expect") {
			return KindExpect
		}
	case 7:
		switch n[0] | 0x20 {
		case 't':
			if ascii.EqualFoldToken(n, "trailer") {
				return KindTrailer
			}
		case 'u':
			if ascii.EqualFoldToken(n, "upgrade") {
				return KindUpgrade
			}
		}
	case 9:
		switch n[0] | 0x20 {
		case 'f':
			if ascii.EqualFoldToken(n, "forwarded") {
				return KindForwarded
			}
		case 'x':
			if ascii.EqualFoldToken(n, "x-real-ip") {
				return KindXRealIP
			}
		}
	case 10:
		switch n[0] | 0x20 {
		case 'c':
			if ascii.EqualFoldToken(n, "connection") {
				return KindConnection
			}
		case 'k':
			if ascii.EqualFoldToken(n, "keep-alive") {
				return KindKeepAlive
			}
		}
	case 12:
		if ascii.EqualFoldToken(n, "x-request-id") {
			return KindXRequestID
		}
	case 14:
		if ascii.EqualFoldToken(n, "content-length") {
			return KindContentLength
		}
	case 15:
		if ascii.EqualFoldToken(n, "x-forwarded-for") {
			return KindXForwardedFor
		}
	case 16:
		switch n[0] | 0x20 {
		case 'p':
			if ascii.EqualFoldToken(n, "proxy-connection") {
				return KindProxyConnection
			}
		case 'x':
			if ascii.EqualFoldToken(n, "x-forwarded-host") {
				return KindXForwardedHost
			}
			if ascii.EqualFoldToken(n, "x-forwarded-port") {
				return KindXForwardedPort
			}
		}
	case 17:
		switch n[0] | 0x20 {
		case 't':
			if ascii.EqualFoldToken(n, "transfer-encoding") {
				return KindTransferEncoding
			}
		case 'x':
			if ascii.EqualFoldToken(n, "x-forwarded-proto") {
				return KindXForwardedProto
			}
		}
	case 18:
		switch n[0] | 0x20 {
		case 'p':
			if ascii.EqualFoldToken(n, "proxy-authenticate") {
				return KindProxyAuthenticate
			}
		case 'x':
			if ascii.EqualFoldToken(n, "x-forwarded-prefix") {
				return KindXForwardedPrefix
			}
		}
	case 19:
		if ascii.EqualFoldToken(n, "proxy-authorization") {
			return KindProxyAuthorization
		}
	}
	return KindOther
}
