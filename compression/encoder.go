package compression

import (
	"errors"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/edgegate/edgegate/http1"
)

// ZstdWindow is the zstd window (the farthest back-reference, and what a
// decoder must hold): 128 KiB keeps an encoder near 0.65 MiB and asks
// little of clients (RFC 9659 caps HTTP zstd windows at 8 MiB).
const ZstdWindow = 128 << 10

// errClosed: Write or Flush after Close.
var errClosed = errors.New("compression: encoder used after close")

// Encoder compresses one response body at a time into chunked framing
// (RFC 9112 §7.1). Get it from a Pool, feed it with Write, end it with
// Close, give it back with Pool.Put. It belongs to one event loop: no
// method is safe for concurrent use, and none starts a goroutine.
//
// Every method appends to a dst the caller owns and returns the extended
// slice; the Encoder keeps no reference to dst or to p after it returns.
// What one call appends is whole chunks: a chunk-size line, the
// compressed bytes the compressor released during the call, CRLF; or
// nothing when it released none (never an empty chunk, which would end the
// body). The compressor holds back up to one block of input (64 KiB for
// gzip, ZstdWindow for zstd) to compress it well; Flush pushes it out.
type Encoder struct {
	coding Coding
	key    uint8
	gz     *gzip.Writer
	zs     *zstd.Encoder
	out    sink
	in     int64 // body bytes in since Get
	n      int64 // compressed bytes out since Get, framing excluded
	closed bool
	err    error
}

// sink is the io.Writer the compressors write to: it appends to the dst
// lent by the current call.
type sink struct{ b []byte }

func (s *sink) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

// Coding returns the coding e produces.
func (e *Encoder) Coding() Coding { return e.coding }

// In returns the body bytes written since Get.
func (e *Encoder) In() int64 { return e.in }

// Out returns the compressed bytes produced since Get, without framing.
func (e *Encoder) Out() int64 { return e.n }

// Err reports misuse (Write or Flush after Close). The compressors write
// to memory and cannot fail otherwise.
func (e *Encoder) Err() error { return e.err }

// Write compresses p and appends the chunks it releases to dst. A caller
// that bounds len(p) bounds what one call appends: at most len(p) plus one
// held-back block plus 1 KiB (incompressible input stored as is, with
// block headers and framing).
func (e *Encoder) Write(dst, p []byte) []byte {
	if e.closed {
		e.err = errClosed
		return dst
	}
	if len(p) == 0 {
		return dst
	}
	e.in += int64(len(p))
	start := len(dst)
	e.out.b = dst
	var err error
	if e.gz != nil {
		_, err = e.gz.Write(p)
	} else {
		_, err = e.zs.Write(p)
	}
	return e.frame(start, err)
}

// Flush appends, as one chunk, everything written so far that the
// compressor still holds (a gzip sync flush, RFC 1951 §3.2.4's empty
// stored block; a zstd block end). Use it when the backend pauses, so that
// a slow stream is not held back; each Flush costs some ratio.
func (e *Encoder) Flush(dst []byte) []byte {
	dst, _ = e.drain(dst, false)
	return dst
}

// Close ends the compressed stream and the chunked body: it appends the
// last data chunk (the compressor's tail: gzip's CRC and size, zstd's last
// block) and the last-chunk with an empty trailer section ("0\r\n\r\n").
// The backend's trailer fields are not relayed: they describe the
// identity content (digests, signatures). A body of 0 bytes still makes a
// valid, tiny stream.
func (e *Encoder) Close(dst []byte) []byte {
	dst, ok := e.drain(dst, true)
	if ok {
		dst = append(dst, "0\r\n\r\n"...)
	}
	return dst
}

// drain flushes or closes the compressor and frames what it released;
// false after Close.
func (e *Encoder) drain(dst []byte, end bool) ([]byte, bool) {
	if e.closed {
		e.err = errClosed
		return dst, false
	}
	e.closed = end
	start := len(dst)
	e.out.b = dst
	var err error
	switch {
	case e.gz != nil && end:
		err = e.gz.Close()
	case e.gz != nil:
		err = e.gz.Flush()
	case end:
		err = e.zs.Close()
	default:
		err = e.zs.Flush()
	}
	return e.frame(start, err), true
}

// frame turns what the compressor appended after dst[:start] into one
// chunk: it inserts the chunk-size line before the data (a memmove within
// dst) and appends the CRLF.
func (e *Encoder) frame(start int, err error) []byte {
	dst := e.out.b
	e.out.b = nil
	if err != nil && e.err == nil {
		e.err = err
	}
	n := len(dst) - start
	if n == 0 {
		return dst
	}
	e.n += int64(n)
	var hb [24]byte
	hdr := http1.AppendChunkHeader(hb[:0], n)
	dst = append(dst, hdr...)
	copy(dst[start+len(hdr):], dst[start:start+n])
	copy(dst[start:], hdr)
	return append(dst, '\r', '\n')
}

// reset prepares e for a new response.
func (e *Encoder) reset() {
	e.in, e.n, e.closed, e.err = 0, 0, false, nil
	if e.gz != nil {
		e.gz.Reset(&e.out)
	} else {
		e.zs.Reset(&e.out)
	}
}
