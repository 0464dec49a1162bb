package accesslog

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"sort"
	"time"
)

// The index of one segment (see doc.go, "Index"): the segment's lines are
// cut into blocks of whole lines of about blockBytes; each block has a
// summary (time, status and latency ranges); a posting list maps the hash
// of each indexed value (service, API, request id, client IP, upstream
// host, error message) to the blocks holding it.

// blockBytes is the size at which a block is closed.
const blockBytes = 64 << 10

// indexed are the members that have postings, by their tag in the hash.
var indexed = [...]Field{Service, API, ReqID, ClientIP, Upstream, ErrMsg}

// summary is what a block, or a whole segment, holds in ranges.
type summary struct {
	minT, maxT     int64
	minSt, maxSt   uint16
	minLat, maxLat uint32 // microseconds, capped
	stBits         uint64 // bit status%64 set for every status present
	lines          uint32
}

const summarySize = 40

func latMicros(d time.Duration) uint32 {
	us := d.Microseconds()
	if us < 0 {
		return 0
	}
	if us > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(us)
}

func (s *summary) add(r *Record) {
	lat := latMicros(r.Latency)
	if s.lines == 0 {
		s.minT, s.maxT, s.minSt, s.maxSt, s.minLat, s.maxLat = r.Time, r.Time, r.Status, r.Status, lat, lat
	}
	s.minT, s.maxT = min(s.minT, r.Time), max(s.maxT, r.Time)
	s.minSt, s.maxSt = min(s.minSt, r.Status), max(s.maxSt, r.Status)
	s.minLat, s.maxLat = min(s.minLat, lat), max(s.maxLat, lat)
	s.stBits |= 1 << (r.Status % 64)
	s.lines++
}

func (s *summary) merge(o *summary) {
	if o.lines == 0 {
		return
	}
	if s.lines == 0 {
		*s = *o
		return
	}
	s.minT, s.maxT = min(s.minT, o.minT), max(s.maxT, o.maxT)
	s.minSt, s.maxSt = min(s.minSt, o.minSt), max(s.maxSt, o.maxSt)
	s.minLat, s.maxLat = min(s.minLat, o.minLat), max(s.maxLat, o.maxLat)
	s.stBits |= o.stBits
	s.lines += o.lines
}

func (s *summary) put(b []byte) {
	le := binary.LittleEndian
	le.PutUint64(b[0:], uint64(s.minT))
	le.PutUint64(b[8:], uint64(s.maxT))
	le.PutUint16(b[16:], s.minSt)
	le.PutUint16(b[18:], s.maxSt)
	le.PutUint32(b[20:], s.minLat)
	le.PutUint32(b[24:], s.maxLat)
	le.PutUint64(b[28:], s.stBits)
	le.PutUint32(b[36:], s.lines)
}

func (s *summary) get(b []byte) {
	le := binary.LittleEndian
	s.minT, s.maxT = int64(le.Uint64(b[0:])), int64(le.Uint64(b[8:]))
	s.minSt, s.maxSt = le.Uint16(b[16:]), le.Uint16(b[18:])
	s.minLat, s.maxLat = le.Uint32(b[20:]), le.Uint32(b[24:])
	s.stBits, s.lines = le.Uint64(b[28:]), le.Uint32(b[36:])
}

// blockMeta is one block: its summary and where its lines are.
type blockMeta struct {
	summary
	off  int64
	size uint32
}

const blockMetaSize = summarySize + 16

// keyHash is the posting key of value v of member f: a 32-bit hash over
// the member's tag and the value, 8 bytes a step (a multiply-rotate
// round per word, murmur3's finalizer), since the writer hashes six
// members of every line. A collision only costs a block read. Changing it
// changes indexMagic: an index of the old hash is rebuilt from its lines.
func keyHash(f Field, v []byte) uint32 {
	const k1, k2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F
	h := (uint64(f)+1)*k1 ^ uint64(len(v))
	for ; len(v) >= 8; v = v[8:] {
		h = bits.RotateLeft64((h^binary.LittleEndian.Uint64(v))*k2, 31) * k1
	}
	if len(v) > 0 {
		var t uint64
		for i, c := range v {
			t |= uint64(c) << (8 * i)
		}
		h = bits.RotateLeft64((h^t)*k2, 31) * k1
	}
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	h *= 0xC4CEB9FE1A85EC53
	h ^= h >> 33
	return uint32(h)
}

// hostPart is an upstream address without its port ("10.0.0.1:80" →
// "10.0.0.1", "[::1]:80" → "::1"): uip conditions name the host.
func hostPart(b []byte) []byte {
	if len(b) > 0 && b[0] == '[' {
		for i := range b {
			if b[i] == ']' {
				return b[1:i]
			}
		}
		return b
	}
	colons, last := 0, -1
	for i, c := range b {
		if c == ':' {
			colons++
			last = i
		}
	}
	if colons == 1 {
		return b[:last]
	}
	return b
}

// indexValue is what member f contributes to the postings.
func indexValue(r *Record, f Field) []byte {
	v := r.Get(f)
	if f == Upstream {
		v = hostPart(v)
	}
	return v
}

// builder builds a segment's index as lines are added. Its memory is the
// block table (blockMetaSize per block) and 8 bytes per posting: one per
// line for request ids and (about) client IPs, one per block for each
// distinct service, API, upstream host and error message.
type builder struct {
	sum    summary
	blocks []blockMeta
	cur    blockMeta
	pairs  []uint64 // hash<<32 | block
	// seen dedups postings within the open block: hash|gen<<32 entries,
	// open addressing; gen changes per block, so it is never cleared.
	seen [1024]uint64
	gen  uint64
	size int64 // bytes of the segment covered
}

func (b *builder) add(r *Record, off int64, size int) {
	if b.cur.lines > 0 && off+int64(size)-b.cur.off > blockBytes {
		b.closeBlock()
	}
	if b.cur.lines == 0 {
		b.cur.off = off
	}
	b.cur.summary.add(r)
	// The block spans to the end of its last line (a skipped foreign line
	// inside stays inside; readers skip it again).
	b.cur.size = uint32(off + int64(size) - b.cur.off)
	b.sum.add(r)
	b.size = off + int64(size)
	blk := uint64(len(b.blocks))
	for _, f := range indexed {
		v := indexValue(r, f)
		if len(v) == 0 {
			continue
		}
		h := keyHash(f, v)
		if b.seenInBlock(h) {
			continue
		}
		b.pairs = append(b.pairs, uint64(h)<<32|blk)
	}
}

// seenInBlock reports whether h was already posted for the open block,
// remembering it if not (a full table just stops deduplicating).
func (b *builder) seenInBlock(h uint32) bool {
	tag := (b.gen+1)<<32 | uint64(h)
	for i, n := uint32(h)&1023, 0; n < 64; i, n = (i+1)&1023, n+1 {
		switch b.seen[i] {
		case tag:
			return true
		default:
			if b.seen[i]>>32 != b.gen+1 {
				b.seen[i] = tag
				return false
			}
		}
	}
	return false
}

func (b *builder) closeBlock() {
	if b.cur.lines == 0 {
		return
	}
	b.blocks = append(b.blocks, b.cur)
	b.cur = blockMeta{}
	b.gen++
}

// metas is the block table with the open block last (for a segment that
// is still being written).
func (b *builder) metas() []blockMeta {
	if b.cur.lines == 0 {
		return b.blocks
	}
	return append(b.blocks[:len(b.blocks):len(b.blocks)], b.cur)
}

// lookup lists the blocks posted under h, ascending, from the unsorted
// postings of a segment still being written.
func (b *builder) lookup(h uint32) []uint32 {
	var out []uint32
	for _, p := range b.pairs {
		if uint32(p>>32) == h {
			out = append(out, uint32(p))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sortPairs sorts postings (hash<<32 | block) as slices.Sort would, in
// three counting passes over the hash (11, 11 and 10 bits) instead of a
// comparison sort: 600,000 postings (a 128 MiB segment's) sort in 5 ms
// instead of 54 ms (BenchmarkSortPairs), on the core the gateway's loops
// share with the sealer. The passes are stable and add appends postings in block order, so equal hashes keep their blocks
// ascending. It returns the sorted slice (p or its scratch twin).
func sortPairs(p []uint64) []uint64 {
	if len(p) < 256 {
		slices.Sort(p)
		return p
	}
	tmp := make([]uint64, len(p))
	src, dst := p, tmp
	for shift := uint(32); shift < 64; shift += 11 {
		var count [1 << 11]int
		for _, v := range src {
			count[(v>>shift)&(1<<11-1)]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, v := range src {
			d := (v >> shift) & (1<<11 - 1)
			dst[count[d]] = v
			count[d]++
		}
		src, dst = dst, src
	}
	return src
}

// The index file: a header, a fanout table over the top fanoutBits of the
// hash (entry i: postings with a top value <= i), the postings sorted, the
// block table.
const (
	indexMagic = "EGALOGX2" // X1: FNV-1a postings
	headerSize = 64
	fanoutBits = 8
	fanoutSize = 4 << fanoutBits
	postingsAt = headerSize + fanoutSize
)

// writeIndex writes b's index as path (through a temporary file, synced
// when sync is set, renamed), covering the segment's first b.size bytes.
func (b *builder) writeIndex(path string, sync bool) error {
	b.closeBlock()
	b.pairs = slices.Compact(sortPairs(b.pairs))
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	defer os.Remove(tmp)
	w := bufio.NewWriterSize(f, 256<<10)
	var hdr [headerSize]byte
	le := binary.LittleEndian
	copy(hdr[:], indexMagic)
	le.PutUint32(hdr[8:], uint32(len(b.blocks)))
	le.PutUint32(hdr[12:], uint32(len(b.pairs)))
	le.PutUint64(hdr[16:], uint64(b.size))
	b.sum.put(hdr[24:])
	w.Write(hdr[:])
	var fan [1 << fanoutBits]uint32
	for _, p := range b.pairs {
		fan[p>>(64-fanoutBits)]++
	}
	var x [8]byte
	var acc uint32
	for _, n := range fan {
		acc += n
		le.PutUint32(x[:], acc)
		w.Write(x[:4])
	}
	for _, p := range b.pairs {
		le.PutUint64(x[:], p)
		w.Write(x[:])
	}
	var m [blockMetaSize]byte
	for i := range b.blocks {
		putMeta(m[:], &b.blocks[i])
		w.Write(m[:])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write index: %w", err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("write index: %w", err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}

func putMeta(b []byte, m *blockMeta) {
	m.summary.put(b)
	binary.LittleEndian.PutUint64(b[summarySize:], uint64(m.off))
	binary.LittleEndian.PutUint32(b[summarySize+8:], m.size)
}

func getMeta(b []byte, m *blockMeta) {
	m.summary.get(b)
	m.off = int64(binary.LittleEndian.Uint64(b[summarySize:]))
	m.size = binary.LittleEndian.Uint32(b[summarySize+8:])
}

// indexFile is a sealed segment's index, read in pieces: the header once
// (kept), the postings per lookup, the block table when a search needs it.
type indexFile struct {
	path            string
	sum             summary
	nblocks, npairs uint32
	size            int64 // segment bytes covered
	fan             [1 << fanoutBits]uint32
}

func openIndex(path string) (*indexFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var head [postingsAt]byte // the header and the fanout, in one read
	if _, err := io.ReadFull(f, head[:]); err != nil || string(head[:8]) != indexMagic {
		return nil, fmt.Errorf("%s: %w", path, errIndex)
	}
	hdr := head[:headerSize]
	le := binary.LittleEndian
	x := &indexFile{path: path, nblocks: le.Uint32(hdr[8:]), npairs: le.Uint32(hdr[12:]), size: int64(le.Uint64(hdr[16:]))}
	x.sum.get(hdr[24:])
	for i := range x.fan {
		x.fan[i] = le.Uint32(head[headerSize+4*i:])
	}
	// A torn index (a crash before its rename reached the disk) is
	// refused whole: the segment is then indexed from its lines.
	info, err := f.Stat()
	if err != nil || info.Size() != postingsAt+int64(x.npairs)*8+int64(x.nblocks)*blockMetaSize {
		return nil, fmt.Errorf("%s: %w", path, errIndex)
	}
	return x, nil
}

// lookup lists the blocks posted under h, ascending; f is the open
// index. The fanout is in memory: one read of about npairs/256 postings.
func (x *indexFile) lookup(f *os.File, h uint32) ([]uint32, error) {
	top := h >> (32 - fanoutBits)
	var lo uint32
	if top > 0 {
		lo = x.fan[top-1]
	}
	hi := x.fan[top]
	if hi < lo || hi > x.npairs {
		return nil, errIndex
	}
	if hi == lo {
		return nil, nil
	}
	buf := make([]byte, int(hi-lo)*8)
	if _, err := f.ReadAt(buf, postingsAt+int64(lo)*8); err != nil {
		return nil, err
	}
	// The range is sorted by hash: find h's run.
	le := binary.LittleEndian
	n := int(hi - lo)
	k := sort.Search(n, func(k int) bool { return uint32(le.Uint64(buf[k*8:])>>32) >= h })
	var out []uint32
	for ; k < n; k++ {
		p := le.Uint64(buf[k*8:])
		if uint32(p>>32) != h {
			break
		}
		out = append(out, uint32(p))
	}
	return out, nil
}

// blocks reads the block table; f is the open index.
func (x *indexFile) blocks(f *os.File) ([]blockMeta, error) {
	at := int64(postingsAt) + int64(x.npairs)*8
	buf := make([]byte, int(x.nblocks)*blockMetaSize)
	if _, err := f.ReadAt(buf, at); err != nil {
		return nil, fmt.Errorf("%s: block table: %w", x.path, err)
	}
	out := make([]blockMeta, x.nblocks)
	for i := range out {
		getMeta(buf[i*blockMetaSize:], &out[i])
	}
	return out, nil
}
