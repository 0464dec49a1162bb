package edge

import (
	"github.com/panjf2000/gnet/v2"

	"github.com/edgegate/edgegate/http1"
)

// writerCap is the size of a loop's gather buffer. It never grows, so the
// segments that point into it stay valid until flush.
const writerCap = 32 << 10

// sealer is a TLS connection's write side (tlsConn, upTLS): it seals b
// into records and queues them.
type sealer interface{ write(b []byte) }

// maxSegs keeps writev's iovec array on the stack (x/sys/unix minIovec).
const maxSegs = 8

// copyMax: pieces up to this size are copied into the gather buffer; larger
// ones are referenced in place.
const copyMax = 4 << 10

// writer gathers the pieces of one write to a connection (a response head,
// chunk framing, body bytes) so that they leave in one syscall.
type writer struct {
	c    gnet.Conn
	tc   sealer // a TLS connection: everything is copied, then sealed at flush
	buf  []byte
	segs [maxSegs][]byte
	n    int    // segments in use
	open bool   // last segment is the tail of buf and may be extended
	cnt  *int64 // adds up the bytes flushed (a client's reqObs.out), or nil
}

func (w *writer) start(c gnet.Conn) {
	w.c = c
	w.tc = nil
	w.cnt = nil
	w.buf = w.buf[:0]
	w.n = 0
	w.open = false
}

// copy appends b into the gather buffer.
func (w *writer) copy(b []byte) {
	for len(b) > 0 {
		room := cap(w.buf) - len(w.buf)
		if room == 0 || (!w.open && w.n == maxSegs) {
			w.flush()
			continue
		}
		k := min(room, len(b))
		start := len(w.buf)
		w.buf = append(w.buf, b[:k]...)
		if w.open {
			s := w.segs[w.n-1]
			w.segs[w.n-1] = s[:len(s)+k]
		} else {
			w.segs[w.n] = w.buf[start : start+k]
			w.n++
			w.open = true
		}
		b = b[k:]
	}
}

// str appends s into the gather buffer.
func (w *writer) str(s string) { w.copy(s2b(s)) }

// ref adds b by reference; b must stay valid until flush.
func (w *writer) ref(b []byte) {
	if len(b) <= copyMax || w.tc != nil {
		w.copy(b)
		return
	}
	if w.n == maxSegs {
		w.flush()
	}
	w.segs[w.n] = b
	w.n++
	w.open = false
}

// flush writes what was gathered. A write error closes the connection
// inside gnet; the caller checks its dead flag.
func (w *writer) flush() {
	if w.cnt != nil {
		for i := 0; i < w.n; i++ {
			*w.cnt += int64(len(w.segs[i]))
		}
	}
	switch {
	case w.n == 0:
	case w.tc != nil:
		// Only copies: w.buf is the one segment, sealed into records of
		// up to 16 KiB (RFC 8446 §5.1).
		w.tc.write(w.buf)
	case w.n == 1:
		_, _ = w.c.Write(w.segs[0])
	default:
		_, _ = w.c.Writev(w.segs[:w.n])
	}
	for i := 0; i < w.n; i++ {
		w.segs[i] = nil
	}
	w.buf = w.buf[:0]
	w.n = 0
	w.open = false
}

// body queues body bytes, framed as one chunk when chunked is set (the
// proxy re-frames every chunked body canonically).
func (w *writer) body(data []byte, chunked bool, hex *[24]byte) {
	if !chunked {
		w.ref(data)
		return
	}
	w.copy(http1.AppendChunkHeader(hex[:0], len(data)))
	w.ref(data)
	w.str("\r\n")
}

// trailer queues one trailer field, after the last chunk (written once,
// tracked by zeroSent).
func (w *writer) trailer(h *http1.Header, zeroSent *bool) {
	if !*zeroSent {
		w.str("0\r\n")
		*zeroSent = true
	}
	w.copy(h.Name)
	w.str(": ")
	w.copy(h.Value)
	w.str("\r\n")
}

// end queues the end of a chunked body.
func (w *writer) end(zeroSent bool) {
	if !zeroSent {
		w.str("0\r\n")
	}
	w.str("\r\n")
}

// chunk queues what one decoded chunked-body event becomes on the way
// out: data as one canonical chunk (raw bytes when chunked is off, for an
// HTTP/1.0 client), and, when chunked, the trailer fields and the end.
func (w *writer) chunk(ev http1.ChunkEvent, data []byte, tr *http1.Header, chunked bool, zeroSent *bool, hex *[24]byte) {
	switch ev {
	case http1.ChunkData:
		w.body(data, chunked, hex)
	case http1.ChunkTrailer:
		if chunked {
			w.trailer(tr, zeroSent)
		}
	case http1.ChunkDone:
		if chunked {
			w.end(*zeroSent)
		}
	}
}
