package edge

import (
	"sync/atomic"

	"golang.org/x/sys/cpu"

	"github.com/edgegate/edgegate/compression"
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/snapshot"
)

// Response compression (the Compression plugin; compression/doc.go "Use"):
// the request's Accept-Encoding is read when the request goes upstream,
// the response head decides, and a compressed body streams through one of
// the loop's pooled encoders into chunked framing, a bounded piece at a
// time and flushed at the end of every read batch, so memory stays
// bounded whatever the body's size. Only backend responses are compressed
// (a mock's body is the operator's own). The hooks: request.go
// (zrequest), upstream.go (zstart, zrelay, zend, zrelease) and
// proxyhead.go (appendRelayedZ and the framing).

// zPiece bounds the input handed to an encoder per Write, so one Write's
// output (at most the input, one held-back block and 1 KiB) and with it
// the loop's scratch stay small (compression/doc.go).
const zPiece = 16 << 10

// zLoop is a loop's compression state.
type zLoop struct {
	pool *compression.Pool // made on first use: loops of APIs without the plugin keep none
	out  []byte            // scratch the encoders append to; copied into the writer
	ctr  zCounters
}

// zUp is an upstream connection's compression of the current response.
type zUp struct {
	enc     *compression.Encoder // nil: the body goes as it is
	d       compression.Decision
	flushed int64 // enc.In() at the last Flush: a Flush with nothing new is skipped
}

// numZReasons: compression.Reason values run from Compressed to Busy.
const numZReasons = int(compression.Busy) + 1

// zCounters is a loop's compression counts, written by that loop only and
// summed by the reader (stats.go's rule): the decisions of responses of
// APIs with the plugin, by reason, and the bytes through the encoders.
type zCounters struct {
	_       cpu.CacheLinePad
	reasons [numZReasons]atomic.Int64
	in, out atomic.Int64 // identity bytes in, compressed bytes out (chunk framing excluded)
	live    atomic.Int64 // encoders the loop's pool keeps alive, in use or idle
	_       cpu.CacheLinePad
}

// CompressionStats is the edge's compression counts summed over the loops.
type CompressionStats struct {
	// Decisions counts responses of APIs with an enabled Compression
	// plugin by compression.Reason (index; its String is the label):
	// Decisions[compression.Compressed] were compressed.
	Decisions [numZReasons]uint64
	BytesIn   uint64 // identity body bytes compressed
	BytesOut  uint64 // what they became (coded bytes, chunk framing excluded)
	// Encoders alive in the loops' pools, in use or idle; each loop keeps
	// at most compression.DefaultMaxEncoders (the memory bound,
	// compression/doc.go).
	Encoders int64
}

// CompressionStats sums every loop's compression counts (see Stats for
// how exact a sum is).
func (s *Server) CompressionStats() CompressionStats {
	var t CompressionStats
	for _, l := range *s.loops.Load() {
		c := &l.z.ctr
		for i := range t.Decisions {
			t.Decisions[i] += uint64(c.reasons[i].Load())
		}
		t.BytesIn += uint64(c.in.Load())
		t.BytesOut += uint64(c.out.Load())
		t.Encoders += c.live.Load()
	}
	return t
}

// zpolicy returns route i's compression policy, nil when the API has no
// Compression plugin or it is switched off.
func zpolicy(snap *snapshot.Snapshot, i int) *compression.Policy {
	if snap.Traffic == nil || i >= len(snap.Traffic.Routes) {
		return nil
	}
	if p := snap.Traffic.Routes[i].Compression; p != nil && p.Enabled() {
		return p
	}
	return nil
}

// zrequest records what the compression decision needs from the request
// head, before its bytes are discarded; only for APIs that compress.
func (cl *client) zrequest(req *http1.Request) {
	if cl.zon = cl.api.zpol != nil; cl.zon {
		cl.zreq = compression.RequestInfo(req)
	}
}

// zstart decides on a response whose head was just parsed, after its
// framing was chosen: when it is compressed, it takes an encoder and the
// client gets chunked framing whatever the backend used.
func (u *upstream) zstart(cl *client, r *http1.Response) {
	u.zrelease()
	u.z = zUp{}
	if !cl.zon || u.teCoded { // a transfer coding is passed through as it is (te.go)
		return
	}
	pol := cl.api.zpol
	h := compression.HeadOf(r)
	u.z.d = compression.Decide(&cl.zreq, &h, pol)
	z := &u.l.z
	if u.z.d.Compress() {
		if z.pool == nil {
			z.pool = compression.NewPool(compression.PoolConfig{})
		}
		if u.z.enc = z.pool.Acquire(&u.z.d, pol); u.z.enc != nil {
			u.rechunk = true // Decide refuses HTTP/1.0 clients: chunked is theirs
		}
		z.ctr.live.Store(int64(z.pool.Stats().Live))
	}
	z.ctr.reasons[u.z.d.Reason].Add(1)
}

// appendRelayedZ is appendRelayed with the decision's edits (Content-
// Encoding, Vary, weak ETag; compression.Decision.AppendHead).
func (u *upstream) appendRelayedZ(dst []byte, hs []http1.Header, keepCL bool) []byte {
	if !u.z.d.EditsHead() {
		return appendRelayed(dst, hs, keepCL)
	}
	// EditsHead implies a body (never HEAD, 204, 304 or length 0), so
	// keepCL is false: the edge frames the body itself.
	return u.z.d.AppendHead(dst, hs, relayedField)
}

// relayedField reports whether the client gets the backend's field h
// (appendRelayed's rule for a body the edge frames).
func relayedField(h *http1.Header) bool {
	switch h.Kind {
	case http1.KindConnection, http1.KindKeepAlive, http1.KindProxyConnection, http1.KindTE,
		http1.KindTrailer, http1.KindTransferEncoding, http1.KindUpgrade, http1.KindHopByHop,
		http1.KindXRequestID, http1.KindContentLength:
		return false
	}
	return true
}

// zrelay is relay for a compressed body: the identity bytes go through
// the encoder. It returns the bytes consumed and whether the body ended.
func (u *upstream) zrelay(data []byte) (int, bool) {
	switch u.mode {
	case respLength:
		k := int(min(int64(len(data)), u.left))
		u.zwrite(data[:k])
		u.left -= int64(k)
		if u.left == 0 {
			u.zend()
			return k, true
		}
		u.zflush()
		return k, false
	case respClose:
		u.zwrite(data)
		u.zflush()
		return len(data), false
	}
	consumed := 0
	for consumed < len(data) {
		n, ev, chunk, _, err := u.dec.Next(data[consumed:])
		consumed += n
		if err != nil {
			u.badChunk()
			return consumed, false
		}
		switch ev {
		case http1.ChunkData:
			u.zwrite(chunk)
		case http1.ChunkDone:
			// Trailer fields describe the identity content: not relayed.
			u.zend()
			return consumed, true
		case http1.ChunkMore:
			u.zflush()
			return consumed, false
		}
	}
	u.zflush()
	return consumed, false
}

// zwrite compresses p into the client's writer, zPiece bytes at a time.
func (u *upstream) zwrite(p []byte) {
	l := u.l
	for len(p) > 0 {
		k := min(len(p), zPiece)
		l.z.out = u.z.enc.Write(l.z.out[:0], p[:k])
		l.w.copy(l.z.out)
		p = p[k:]
	}
}

// zflush releases what the encoder holds at the end of a read batch, so a
// slow backend's bytes are not held back.
func (u *upstream) zflush() {
	if u.z.enc.In() == u.z.flushed {
		return // gzip would send an empty block (a 10-byte chunk) for nothing
	}
	u.z.flushed = u.z.enc.In()
	l := u.l
	l.z.out = u.z.enc.Flush(l.z.out[:0])
	l.w.copy(l.z.out)
}

// zend ends a compressed body: the coding's end and the last chunk
// (Encoder.Close writes both), and the encoder back to the pool. Without an encoder it does nothing.
func (u *upstream) zend() {
	if u.z.enc == nil {
		return
	}
	l := u.l
	l.z.out = u.z.enc.Close(l.z.out[:0]) // with the last chunk, "0\r\n\r\n"
	l.w.copy(l.z.out)
	u.zrelease()
}

// zrelease gives the encoder back without ending its body (an aborted
// response: the client sees the cut).
func (u *upstream) zrelease() {
	if e := u.z.enc; e != nil {
		z := &u.l.z
		z.ctr.in.Add(e.In())
		z.ctr.out.Add(e.Out())
		z.pool.Put(e)
		u.z.enc = nil
	}
}
