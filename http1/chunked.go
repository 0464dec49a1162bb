package http1

import (
	"bytes"

	"github.com/edgegate/edgegate/ascii"
)

// Chunked framing limits.
const (
	// MaxChunkLine bounds a chunk-size line, chunk-ext and CRLF included
	// (the 4 KiB net/http allows).
	MaxChunkLine = 4 << 10
	// MaxChunkOverhead bounds framing bytes beyond what the data pays for,
	// counted as net/http counts them since CVE-2023-39326: each chunk may
	// carry 16 bytes plus twice its size of framing for free; the excess
	// accumulates (never below 0) and past MaxChunkOverhead the body is
	// rejected (ChunkOverhead).
	MaxChunkOverhead = 16 << 10
	// MaxTrailerBytes bounds the trailer section: every trailer line with
	// its CRLF, and the final CRLF.
	MaxTrailerBytes = 8 << 10
	// MaxTrailers bounds the number of trailer fields.
	MaxTrailers = 100
)

// Decoder states.
const (
	stSize         = iota // chunk-size digits
	stExtStart            // after ';': chunk-ext-name must start
	stExtName             // in chunk-ext-name
	stExtValStart         // after '=': chunk-ext-val must start
	stExtValTok           // in a token chunk-ext-val
	stExtQuoted           // in a quoted-string chunk-ext-val
	stExtQuotedEsc        // after '\' in a quoted-string
	stExtValEnd           // after the closing '"'
	stSizeLF              // after the CR that ends the chunk-size line
	stData                // in chunk-data
	stDataCR              // chunk-data done: CR must follow
	stDataLF              // CR seen: LF must follow
	stTrailer             // at the start of a trailer line (or the final CRLF)
	stDone                // the body is complete
)

// ChunkedDecoder decodes a chunked body incrementally (RFC 9112 §7.1).
//
// Grammar, strictly:
//
//	chunk-line = 1*16HEXDIG *( ";" token [ "=" ( token / quoted-string ) ] ) CRLF
//
// with no whitespace anywhere (RFC 9112 allows BWS around ';' and '=';
// we reject it, and so does net/http before ';'). The size must be below
// 2^62. Chunk data must be followed by exactly CRLF. Every LF must follow a
// CR. Trailer fields are checked like header fields (no obs-fold), limited
// by MaxTrailerBytes and MaxTrailers, and a field that may not be a trailer
// (framing, routing, authentication, controls: see forbiddenTrailer) is
// rejected with ForbiddenTrailer.
//
// The zero ChunkedDecoder is ready to use. After an error, Next keeps
// returning that error until Reset.
type ChunkedDecoder struct {
	state   uint8
	digits  uint8
	size    uint64 // chunk-size being read, then data left in the chunk
	lineLen int    // chunk-size line bytes so far, CRLF excluded
	excess  int64  // framing overhead not paid for by data
	pend    int    // trailer: bytes of the pending line already searched
	tBytes  int    // trailer bytes so far
	tFields int    // trailer fields so far
	err     *Error
}

// Reset prepares d for a new body.
func (d *ChunkedDecoder) Reset() { *d = ChunkedDecoder{} }

// Done reports whether the last chunk and the trailer section have been
// decoded.
func (d *ChunkedDecoder) Done() bool { return d.state == stDone }

// Next consumes from in. It returns how many bytes it consumed and what it found:
// ChunkData with data = a slice of in (payload bytes), ChunkTrailer with one
// validated trailer field, ChunkDone after the last chunk and trailer section,
// or ChunkMore when in ends mid-line (n may be > 0 then: the decoder keeps
// whatever state it needs; it must never require the caller to keep bytes
// it already consumed). The caller loops until ChunkMore/ChunkDone or error.
//
// Chunk-size lines and CRLFs are consumed as they arrive. A trailer line is
// consumed only once complete, because the Header returned for it aliases
// in: on ChunkMore, n stops at the start of the pending trailer line, and
// the next call must pass in again starting with those bytes (as a caller
// that keeps its unconsumed input does). The decoder remembers how far it
// has searched that line, so a trailer that trickles in still costs O(n).
//
// data and trailer alias in. Next does not allocate. Errors carry Status
// 400 (431 for TrailerTooLarge); use Error.Upstream for a response body.
func (d *ChunkedDecoder) Next(in []byte) (n int, ev ChunkEvent, data []byte, trailer Header, err *Error) {
	if d.err != nil {
		return 0, ChunkMore, nil, Header{}, d.err
	}
	i := 0
	for {
		switch d.state {
		case stDone:
			return i, ChunkDone, nil, Header{}, nil
		case stTrailer:
			return d.trailerLine(in, i)
		case stData:
			if i == len(in) {
				return i, ChunkMore, nil, Header{}, nil
			}
			take := len(in) - i
			if uint64(take) > d.size {
				take = int(d.size)
			}
			d.size -= uint64(take)
			if d.size == 0 {
				d.state = stDataCR
			}
			return i + take, ChunkData, in[i : i+take : i+take], Header{}, nil
		}
		if i == len(in) {
			return i, ChunkMore, nil, Header{}, nil
		}
		c := in[i]
		i++
		if d.state <= stExtValEnd && c != '\r' {
			d.lineLen++
			if d.lineLen+2 > MaxChunkLine {
				return d.fail(ErrChunkExtensionTooLong)
			}
		}
		switch d.state {
		case stSize, stExtName, stExtValTok, stExtValEnd:
			// Hex digits, a name or a token value go on; a name may take a
			// value; then another extension, or the end of the line.
			switch {
			case d.state == stSize:
				if v := hexTable[c]; v != 0 {
					// 16 digits, as net/http allows, and below 2^62.
					if d.digits == 16 || d.size >= 1<<58 {
						return d.fail(ErrBadChunk)
					}
					d.size = d.size<<4 | uint64(v-1)
					d.digits++
					continue
				}
				if d.digits == 0 {
					return d.fail(ErrBadChunk)
				}
			case tokenTable[c] && d.state != stExtValEnd:
				continue
			case c == '=' && d.state == stExtName:
				d.state = stExtValStart
				continue
			}
			switch c {
			case ';':
				d.state = stExtStart
			case '\r':
				d.state = stSizeLF
			default:
				return d.fail(ErrBadChunk)
			}
		case stExtStart:
			if !tokenTable[c] {
				return d.fail(ErrBadChunk)
			}
			d.state = stExtName
		case stExtValStart:
			switch {
			case tokenTable[c]:
				d.state = stExtValTok
			case c == '"':
				d.state = stExtQuoted
			default:
				return d.fail(ErrBadChunk)
			}
		case stExtQuoted:
			switch {
			case c == '"':
				d.state = stExtValEnd
			case c == '\\':
				d.state = stExtQuotedEsc
			case qdtextTable[c]:
			default:
				// CTLs, and so a CR or LF (fasthttp #1899).
				return d.fail(ErrBadChunk)
			}
		case stExtQuotedEsc:
			if !valueTable[c] {
				return d.fail(ErrBadChunk)
			}
			d.state = stExtQuoted
		case stSizeLF:
			if c != '\n' {
				return d.fail(ErrBadChunk)
			}
			if err := d.endSizeLine(); err != nil {
				return d.fail(err)
			}
		case stDataCR:
			if c != '\r' {
				return d.fail(ErrBadChunk)
			}
			d.state = stDataLF
		case stDataLF:
			if c != '\n' {
				return d.fail(ErrBadChunk)
			}
			d.state = stSize
		}
	}
}

// endSizeLine accounts for a complete chunk-size line and moves to the
// chunk's data or, for the last chunk, to the trailer section.
func (d *ChunkedDecoder) endSizeLine() *Error {
	// net/http's accounting (internal/chunked.go, CVE-2023-39326): the
	// line and the CRLF after the data cost len+2; a chunk pays 16 + 2×size.
	d.excess += int64(d.lineLen) + 2
	if d.size >= 1<<40 {
		d.excess = 0
	} else {
		d.excess -= 16 + 2*int64(d.size)
		d.excess = max(d.excess, 0)
	}
	if d.excess > MaxChunkOverhead {
		return ErrChunkOverhead
	}
	d.lineLen = 0
	d.digits = 0
	if d.size == 0 {
		d.state = stTrailer
	} else {
		d.state = stData
	}
	return nil
}

// trailerLine handles the trailer section from in[i:], where a trailer
// line or the final CRLF starts.
func (d *ChunkedDecoder) trailerLine(in []byte, i int) (int, ChunkEvent, []byte, Header, *Error) {
	line := in[i:]
	from := d.pend
	if from > len(line) {
		from = 0 // not the same input: search again
	}
	lf := bytes.IndexByte(line[from:], '\n')
	if lf < 0 {
		d.pend = len(line)
		if d.tBytes+len(line) > MaxTrailerBytes {
			return d.fail(ErrTrailerTooLarge)
		}
		return i, ChunkMore, nil, Header{}, nil
	}
	lf += from
	d.pend = 0
	d.tBytes += lf + 1
	if d.tBytes > MaxTrailerBytes {
		return d.fail(ErrTrailerTooLarge)
	}
	if lf == 0 || line[lf-1] != '\r' {
		return d.fail(ErrBareLF)
	}
	if lf == 1 {
		d.state = stDone
		return i + 2, ChunkDone, nil, Header{}, nil
	}
	d.tFields++
	if d.tFields > MaxTrailers {
		return d.fail(ErrTrailerTooLarge)
	}
	h, err := fieldLine(line[:lf-1:lf-1], false)
	if err != nil {
		return d.fail(err)
	}
	if forbiddenTrailer(h.Name) {
		return d.fail(ErrForbiddenTrailer)
	}
	return i + lf + 1, ChunkTrailer, nil, h, nil
}

func (d *ChunkedDecoder) fail(err *Error) (int, ChunkEvent, []byte, Header, *Error) {
	d.err = err
	return 0, ChunkMore, nil, Header{}, err
}

// fieldLine parses one field line that ends at a line terminator, given
// without it: bare reports that the terminator is a bare LF. It fails as
// parseFields would on the same bytes followed by that terminator, so
// that all three readers of field lines (the one-pass parse, the scanner
// and the trailer reader) agree.
func fieldLine(line []byte, bare bool) (Header, *Error) {
	j := 0
	for j < len(line) && tokenTable[line[j]] {
		j++
	}
	switch {
	case j == len(line):
		if bare {
			return Header{}, ErrBareLF
		}
		return Header{}, ErrBadHeaderName // no colon
	case j == 0 && ascii.IsOWS(line[0]):
		return Header{}, ErrObsFold
	case line[j] == '\r':
		// Inside a line, a CR is never followed by the LF that ends it.
		return Header{}, ErrBareCR
	case line[j] != ':' || j == 0:
		return Header{}, ErrBadHeaderName
	}
	k := j + 1
	for k < len(line) && ascii.IsOWS(line[k]) {
		k++
	}
	vs := k
	k = skipValue(line, k)
	if k < len(line) {
		return Header{}, valueError(line, k)
	}
	if bare {
		return Header{}, ErrBareLF
	}
	ve := k
	for ve > vs && ascii.IsOWS(line[ve-1]) {
		ve--
	}
	name := line[:j:j]
	return Header{
		Name:       name,
		Value:      line[vs:ve:ve],
		Kind:       classify(name),
		Underscore: bytes.IndexByte(name, '_') >= 0,
	}, nil
}

// trailerDenied lists fields that may not be trailers beyond those with a
// Kind of their own (RFC 9110 §6.5.1: framing, routing, request modifiers,
// authentication, response control data, content metadata).
var trailerDenied = [...]string{
	"authorization", "cookie", "set-cookie", "www-authenticate",
	"content-type", "content-encoding", "content-range", "content-location",
	"cache-control", "max-forwards", "range", "if-match", "if-none-match",
	"if-modified-since", "if-unmodified-since", "if-range", "age", "expires",
	"date", "location", "retry-after", "vary", "warning", "pragma",
}

// forbiddenTrailer reports whether the field name (a token) may not be
// sent as a trailer: every name with a Kind other than KindOther (framing,
// hop-by-hop, forwarding and routing fields) and those in trailerDenied.
func forbiddenTrailer(name []byte) bool {
	if classify(name) != KindOther {
		return true
	}
	for _, d := range trailerDenied {
		if ascii.EqualFoldToken(name, d) {
			return true
		}
	}
	return false
}

// AppendChunkHeader appends a chunk-size line for size bytes of data: the
// size in lower case hex and CRLF (size 0 makes the last-chunk line). It
// panics if size is negative.
func AppendChunkHeader(dst []byte, size int) []byte {
	if size < 0 {
		panic("http1: negative chunk size")
	}
	var tmp [16]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = "0123456789abcdef"[size&0xf]
		size >>= 4
		if size == 0 {
			break
		}
	}
	dst = append(dst, tmp[i:]...)
	return append(dst, '\r', '\n')
}
