// Package compression compresses response bodies on the edge: it
// negotiates the coding from Accept-Encoding, decides per response whether
// to compress under the API's policy, edits the response head, and streams
// the body through pooled gzip and zstd encoders
// (github.com/klauspost/compress v1.18.0) into chunked framing.
//
// It owns no sockets, no goroutines and no locks. A Pool and its Encoders
// belong to one event loop; a Policy is immutable and shared by all loops
// (the snapshot carries one per API). Imports: ascii, http1 and klauspost
// only; nothing of edge/ or admin/ (e2e/arch_test.go checks).
//
// # Use (the edge's loop)
//
//	// at snapshot compile time, per API:
//	pol, err := api.Compression.Compile()            // Config -> *Policy; err is *ConfigError
//	// per loop, once:
//	pool := compression.NewPool(compression.PoolConfig{})
//	// when the request head is parsed (before its bytes are discarded):
//	cl.zreq = compression.RequestInfo(req)           // a small value; aliases nothing
//	// when the response head is parsed:
//	h := compression.HeadOf(resp)
//	d := compression.Decide(&cl.zreq, &h, pol)       // pure; no allocation
//	enc := pool.Acquire(&d, pol)                     // nil: identity (d may turn Busy)
//	dst = appendStatusLine(dst, ...)
//	dst = d.AppendHead(dst, resp.Headers, relayed)  // relayed: the edge's filter (hop-by-hop, framing)
//	dst = append(dst, "Transfer-Encoding: chunked\r\n"...) // when enc != nil
//	// per body piece from the backend (Content-Length bytes, decoded chunk data, or close-delimited bytes):
//	out = enc.Write(out[:0], piece); w.copy(out)
//	out = enc.Flush(out[:0]); w.copy(out)           // at the end of a read event, response not done
//	// at the end of the body:
//	out = enc.Close(out[:0]); w.copy(out); pool.Put(enc)
//	// on abort (client or backend gone): pool.Put(enc), no Close.
//
// When d.Compress() is false the body goes through as today; only the
// head may change (d.EditsHead: a Vary field, see below).
//
// # Who owns which bytes, for how long
//
//   - RequestInfo copies what it needs (the client's weights per coding,
//     HEAD, HTTP/1.0, no-transform) into a ReqInfo value: keep it with the
//     request; it refers to nothing.
//   - Head.Headers alias the caller's response head and are read only
//     during Decide and AppendHead. A Decision refers to nothing.
//   - Encoder.Write, Flush and Close append to the dst the caller lends
//     and return it; the encoder keeps no reference to dst or to the input
//     after the call returns, so the caller may reuse both at once (the
//     edge passes its loop's scratch buffer and copies the result into its
//     gather writer). What one call appends is whole chunks, never an empty
//     one; at most len(p) + one held-back block (64 KiB gzip, ZstdWindow
//     zstd) + 1 KiB per Write, and len(p) + 1 KiB when the caller flushes
//     after every Write (TestStream64MiB records the largest).
//   - An Encoder is the caller's from Get/Acquire to Put, and must not be
//     touched after Put.
//
// # Negotiation (RFC 9110 §12.5.3)
//
// Accept-Encoding is parsed without allocation: codings with q-values
// (thousandths), "identity", "*", q=0 exclusions, several fields combined
// as one list (§5.3), empty elements (§5.6.1), names and "q" case-
// insensitive, x-gzip as gzip (§8.4.1.3). The chosen coding is the offered
// one with the highest weight, listed or through "*"; ties go to the
// server's order (Config.Codings, default zstd then gzip). Identity wins
// when the client weighs it strictly higher. Decisions where the RFC
// leaves room, each chosen for safety:
//
//   - no Accept-Encoding: identity (§12.5.3 allows any coding; clients
//     that never ask are often ones that cannot decode; nginx and Caddy
//     do the same);
//   - empty field value: identity (§12.5.3: no coding wanted);
//   - bad syntax anywhere (a qvalue above 1 or with four decimals, a
//     parameter other than q, space around "="): identity for the whole
//     request — sending the body as it is is always understood;
//   - a coding listed twice: its highest weight, but a q=0 anywhere wins;
//   - nothing acceptable, even with identity;q=0: identity, not 406 (§12.1
//     lets a server disregard the preference; a gateway has nothing else).
//
// # Policy (Decide)
//
// A response is compressed only when all hold, checked in this order
// (Reason names the first that fails; the edge counts them by reason):
// the API's switch is on (Off); not HEAD, 1xx, 204, 304 or a known length
// of 0 (NoBody); not 206 and no Content-Range (Partial: a range of the
// identity content); the client is HTTP/1.1 (HTTP10: a compressed body of
// unknown length would need the connection closed to end it; nginx's
// gzip_http_version 1.1 default); no Cache-Control: no-transform in the
// request or the response (NoTransform, RFC 9111 §5.2.1.6, §5.2.2.6); no
// Content-Encoding already, not even "identity" (Encoded: never encode
// twice); no Content-Digest, Repr-Digest or Content-MD5, which describe
// the bytes as the backend sent them (Digest, RFC 9530); a Content-Type
// matching the policy's patterns and not in the never list (Type); a known
// length of at least MinSize (Small); the client accepts an offered coding
// (NotAccepted); and the loop has an encoder free (Busy, set by Acquire).
//
// Types: patterns "type/subtype", "type/*", "*/*+suffix", matched
// case-insensitively on the media type without parameters. Default: text/*,
// application/json, application/javascript, application/xml, image/svg+xml,
// */*+json, */*+xml (RFC 6839 suffixes). Never, whatever is configured:
// images but SVG, audio, video, WOFF fonts, archives (zip, gzip, zstd,
// bzip2, xz, 7z, rar, ...), and text/event-stream (events must not wait
// for a compressor's block). A pattern that names only such media is a
// configuration error (CompressionIncompressibleType).
//
// Unknown lengths: a chunked or close-delimited body has no length in its
// head, and is compressed (nginx does the same: gzip_min_length reads only
// Content-Length). The edge may decide on the first bytes instead: when a
// chunked body's end arrived in the same read as the head, it sets
// Head.Length to the decoded size before Decide, and a short body is then
// sent as it is. The edge never waits for more bytes to decide.
//
// Head edits (Decision.AppendHead) for a compressed response: drop
// Content-Length (the body is re-framed chunked, RFC 9112 §6.1) and
// Accept-Ranges (as nginx does); make a strong ETag weak, W/"…" (RFC 9110
// §8.8.1: the coded bytes are another representation; If-None-Match
// compares weakly, §13.1.2, so revalidation still works); add
// Content-Encoding (§8.4). Whenever the decision depended on
// Accept-Encoding, compressed or not, merge Accept-Encoding into the
// first Vary field or add one, unless a Vary already lists it or "*"
// (§12.5.5). HEAD and 304 responses are untouched, so a HEAD shows the
// strong ETag of the identity representation. The backend's trailer
// fields are not relayed on a compressed body: they describe the identity
// content.
//
// # Encoders and memory
//
// gzip (RFC 1952) at Config.GzipLevel, default 1 = nginx's default
// gzip_comp_level; zstd (RFC 8878) at level 1 (SpeedFastest) or 2, with
// WithEncoderConcurrency(1) (synchronous: no goroutines), a ZstdWindow of
// 128 KiB (RFC 9659 caps HTTP windows at 8 MiB; small windows cost clients
// little memory), the lower-memory tables, and no checksum (optional in
// RFC 8878 §3.1.1; TCP and TLS already check). Encoders are reset per
// response, never rebuilt: after warm-up a whole compressed response
// allocates nothing (TestZeroAllocs).
//
// Heap held by one encoder after a 1 MiB body (TestEncoderMemory,
// go test -run EncoderMemory -v): gzip-1 0.75 MiB, gzip-2..9 0.87-1.12 MiB,
// zstd-1 0.72 MiB, zstd-2 1.86 MiB; MaxEncoderBytes = 2 MiB bounds all.
// A Pool keeps at most PoolConfig.MaxEncoders (default 32) encoders alive,
// in use or idle; an idle encoder of another level is let go to make
// room, and when all are in use the response goes out uncompressed
// (Busy). So one loop's compression memory is at most 32 × 2 MiB = 64 MiB,
// and 24 MiB with the default levels, whatever the number of connections.
// Streaming 64 MiB in 16 KiB pieces keeps the heap flat (±0.1 MiB after
// the first 4 MiB) and the process's peak RSS within 16 MiB of its start
// (TestStream64MiB).
//
// Flush: an encoder releases output when its block fills (about 64 KiB
// of input); Flush releases what it holds, so a backend that streams
// slowly is not held back. The edge should call it at the end of each
// upstream read event while the response is not finished. Measured on the
// 64 MiB stream, a Flush after every 16 KiB does not cost ratio (gzip
// 2.19x without, 2.25x with; zstd 2.62x, 2.64x).
//
// Brotli is not offered. andybalholm/brotli v1.2.0 (pure Go, maintained)
// was measured on testdata/api16k.json in a scratch module: memory is
// bounded by LGWin (0.25-0.8 MiB at quality 1-4, window 2^16) and reset
// reuse allocates nothing, but quality 1 compresses worse than gzip-1
// (3.73x vs 3.82x) at half the speed (72 µs vs 33 µs per response), and
// the writer that reaches 4.4x (NewWriterV2, levels 2-5) costs 130-150 µs,
// 4x gzip-1, for 6% less than zstd-1's output. Every client that sends br
// also accepts gzip, and current browsers but Safari accept zstd: the CPU
// per request is the budget at the edge, so br is recognised in
// Accept-Encoding (its weight is read) but never chosen.
//
// # Measurements
//
// go test ./compression -run '^$' -bench . -count 3 (2 vCPU shared with
// other builds, so ±10%; testdata/api16k.json is 16,013 bytes of a
// paginated JSON user list from a seeded generator, gen_api16k.py;
// "ratio" is body bytes over chunked output bytes):
//
//	gzip-1   31.7-34.8 µs/response  460-510 MB/s  3.80x  0 allocs
//	gzip-5   47-59 µs/response      272-343 MB/s  4.14x  0 allocs
//	gzip-6   54-61 µs/response      264-297 MB/s  4.18x  0 allocs
//	zstd-1   36.5-39.8 µs/response  402-438 MB/s  4.11x  0 allocs
//	zstd-2   46-59 µs/response      271-349 MB/s  4.14x  0 allocs
//	Decide + AppendHead  128 ns, Accept-Encoding parse + choice  55 ns
//
// Beside it, the same body through the zlib 1.2.13 that Debian's nginx
// 1.22 links, called as nginx's gzip filter calls it (deflateInit2 at
// level 1, window and hash shrunk to the known length: wbits 14,
// memlevel 7; deflate, crc32, deflateEnd per response): testdata/
// nginx_zlib.c, run in the same minutes as the Go benchmark:
// 69-100 µs/response, 160-231 MB/s, 3.64x at level 1; 125-156 µs, 4.10x
// at level 5. So gzip-1 here costs about half the CPU per response of
// nginx's gzip_comp_level 1, for 4% smaller output. The end-to-end
// comparison belongs to make bench
// (BENCHMARKS.md); for it to be like for like, nginx needs:
//
//	gzip on;
//	gzip_comp_level 1;      # GzipLevel 1
//	gzip_min_length 1024;   # MinSize 1024 (nginx reads only Content-Length, as we do)
//	gzip_types application/json application/javascript application/xml
//	           text/plain text/css text/xml text/javascript image/svg+xml;
//	                        # nginx lists exact types only (text/html always);
//	                        # it cannot say text/* or +json
//	gzip_vary on;           # Vary: Accept-Encoding
//	gzip_proxied any;       # compress whatever the request's Via says
//	gzip_http_version 1.1;  # not for HTTP/1.0 clients
//
// with the gateway's API set to Codings ["gzip"] (or a client sending
// only "Accept-Encoding: gzip"), since nginx has no zstd.
package compression
