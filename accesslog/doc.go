// Package accesslog is the gateway's access log: one JSON line per
// request, written off the event loops into rotated, indexed segment
// files, and searched for DescribeLogSearch (seed 000, 日志相关接口).
//
// It owns the Record (record.go: a fixed-size, pointer-free value the
// edge fills in place), the per-loop rings (ring.go), the writer and its
// segments (log.go), the JSON line and the seed's bracketed line
// (encode.go, line.go), the segment index (index.go) and the search
// (query.go, search.go). It imports no project package: the edge and the
// admin import it.
//
// # Threading and memory
//
// Each event loop owns one Ring (Log.Ring(loop), taken when the loop
// starts): a single-producer, single-consumer ring of RingSlots fixed
// slots. The loop fills a slot in place (Ring.Slot, Record.Set...,
// Ring.Commit) or copies one (Ring.Append), without lock, allocation or
// wait; when the ring is full the record is dropped and counted on that
// ring (Log.Dropped sums them). One writer goroutine drains every ring,
// encodes, writes through a 256 KiB buffer and indexes; one sealer
// goroutine syncs and indexes finished segments and applies retention, so
// the writer never waits for the disk to sync (unless four sealed
// segments are already queued). Memory is bounded by
// configuration: loops × RingSlots × SlotSize (SlotSize is 1,160 bytes:
// 4,096 slots are 4.5 MiB a loop) for the rings, plus the writer's
// buffer and the open segment's index under construction (about 16 bytes
// a line: postings and block table, up to MaxSize / line size lines).
//
// # Files
//
// Dir holds segments named by the time they were opened,
// access-20240102T150405.123Z.log (UTC, milliseconds; names sort in time),
// each with its index access-...idx once sealed. A segment is sealed when
// the next line would take it past MaxSize (default 128 MiB) or when it
// is MaxAge old (default 1h; an idle one too). Retention keeps Keep
// sealed segments (default 168) and, with MaxTotal, at most that many
// bytes. Sealing syncs the segment, writes the index (temporary file,
// synced, renamed) and syncs the directory (NoSync skips the syncs). The
// open segment is written to the OS at least every Poll (10ms) and is
// never fsynced before it is sealed, but every 4 MiB handed to the OS is
// sent to the disk at once and the 4 MiB before it dropped from the page
// cache (writeback.go: the log neither crowds out the machine's cache nor
// leaves the seal's fsync a whole segment to write): a process crash
// loses what the rings and the buffer held; a machine crash can lose the
// open segment's unsynced tail. New indexes any segment a crash left
// without a (whole) index; a torn last line stays outside it.
//
// # Index
//
// A segment's lines are cut into blocks of whole lines of about 64 KiB.
// Each block has a summary: the range of its times, statuses (and a
// 64-bit set of status%64) and latencies; the segment has the same
// summary over its blocks, in the index header. Postings map a 32-bit
// hash of (member, value) to the blocks holding it, for service, api_id,
// req_id, cip, uip (its host) and err_msg; they are sorted and reached
// through a 256-entry fanout table that the Searcher keeps in memory with
// the header (about 1 KiB a segment), so a lookup is one read of the
// ~1/256 of the postings that share the hash's top byte (about 18 KiB for
// a 128 MiB segment). The index takes about 3.5% of its segment: 56
// bytes a block, 8 bytes a posting (one a line for req_id and, for
// distinct clients, cip; one a block for each distinct service, API,
// upstream and error message).
//
// A search compiles its conditions (every "=" on an indexed member is a
// posting lookup; rsp_st and req_t conditions test the summaries), takes
// the segments whose summary may hold a match in the order a best match
// can be in (earliest time first for asc, latest for desc), intersects the
// postings, reads the candidate blocks in the same order and keeps the
// best Limit+1 matches; it stops at the first segment or block that
// cannot beat the worst kept one. Records are ordered by (time, segment,
// offset), which also makes the ConText cursor: the last line's key and
// the lines served so far (at most 10,000, the seed's limit). The segment
// being written has no index file: the Searcher indexes it in memory as
// it grows, reading only the lines added since its last search.
//
// A Searcher keeps each sealed segment's header and fanout (about 1.1
// KiB; 3.6 MiB for a day of 128 MiB segments at 10k req/s) and the block
// tables of the last 64 segments it read (about 8 MiB).
//
// # Measurements
//
// go test ./accesslog -run '^$' -bench Search (bench_test.go), on the
// development machine (2 shared cores), over synthetic traffic of a 10k
// req/s gateway (six services, twenty APIs each, 0.5% 5xx; 513-byte
// lines, index 3.2-3.6% of them): 20 M lines (33 min of that traffic,
// 9.6 GiB) written through a Log, once in 128 MiB segments (77) and once
// in 4 MiB segments (2,448: a day's count of 128 MiB segments is 3,300).
// "Cold": page cache dropped and a new Searcher, whose first search also
// loads every segment's header and fanout. Limit 100 unless said.
//
//	query                                 77 segments       2,448 segments
//	                                      warm     cold     warm     cold
//	req_id = (Limit 10), over the day     3 ms     43 ms    47 ms    445 ms
//	api_id = in a 10-minute window        3 ms     42 ms    3 ms     292 ms
//	rsp_st > 499 over the day (desc)      12 ms    106 ms   12 ms    336 ms
//	10,000 lines: 100 ConText pages       80 ms    657 ms   165 ms   1.02 s
//
// A day at 10k req/s is 864 M lines, 443 GB, 3,300 segments of 128 MiB.
// A req_id lookup reads each segment's postings once: 19 µs a segment
// warm, 182 µs cold (2,448-segment figures), so about 65 ms warm and
// 0.6 s cold for the day. The other queries read only the segments of
// their window or of their first matches; the day adds a summary test
// per segment (about 1 µs) and, for a new Searcher, the header loads.
// The loop's side (Slot, four Sets, Commit) is 49 ns without allocation;
// the writer spends about 1 µs a line (encode, write, index; 0.93-1.03
// µs in BenchmarkWriter, 1.2 µs before the one escape check per line):
// 1% of a core at 10k req/s.
//
// # Shipping the lines elsewhere
//
// The segments are plain JSON lines, never rewritten after rotation, so
// any file tailer can ship them. Vector to Loki (labels kept to the
// bounded service and environment; the rest stays in the line):
//
//	[sources.edgegate]
//	type = "file"
//	include = ["/var/lib/edgegate/access/access-*.log"]
//
//	[transforms.access]
//	type = "remap"
//	inputs = ["edgegate"]
//	source = '''
//	. = parse_json!(.message)
//	.timestamp = parse_timestamp!(.time, "%+")
//	'''
//
//	[sinks.loki]
//	type = "loki"
//	inputs = ["access"]
//	endpoint = "http://loki:3100"
//	encoding.codec = "json"
//	labels.service = "{{ service }}"
//	labels.env = "{{ env }}"
//
// For VictoriaLogs or Elasticsearch, the same source and transform feed
// Vector's elasticsearch sink (VictoriaLogs: endpoint
// /insert/elasticsearch/, _time_field "time", _stream_fields
// "service,env").
package accesslog
